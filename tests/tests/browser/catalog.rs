//! The catalog and stock pages in the browser.
