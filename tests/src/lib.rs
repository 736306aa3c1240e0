//! End-to-end tests of the whole system live in `tests/tests/`; this
//! library is empty on purpose.
