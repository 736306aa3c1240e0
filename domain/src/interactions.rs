//! Placeholder: filled in by the interactions work.
