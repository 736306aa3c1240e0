//! The CRM read models, one module each.

pub mod customers;
pub mod calendar;
pub mod tasks;
