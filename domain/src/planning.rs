//! Placeholder: filled in by the planning work.
