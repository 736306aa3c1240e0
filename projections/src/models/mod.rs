//! The CRM read models, one module each.

pub mod calendar;
pub mod customers;
pub mod tasks;
