//! The CRM read models, one module each.

pub mod activity;
pub mod calendar;
pub mod catalog;
pub mod customers;
pub mod deliveries;
pub mod duplicates;
pub mod funnel;
pub mod kpis;
pub mod orders;
pub mod pipeline_board;
pub mod production;
pub mod purchases;
pub mod quotes;
pub mod sales;
pub mod stock;
pub mod tasks;
pub mod timeline;
pub mod users;
