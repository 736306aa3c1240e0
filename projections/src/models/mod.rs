//! The CRM read models, one module each.

pub mod customers;
