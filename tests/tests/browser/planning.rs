//! The tasks, calendar and reports pages, and the dashboard's charts, in
//! the browser.
