//! Sales: the pipelines deals move through, the leads that may become
//! deals, and the deals themselves.
//!
//! Three aggregates, one stream each: a pipeline (`pipeline-<id>`) is an
//! ordered list of stages with default win probabilities; a lead
//! (`lead-<id>`) is interest not yet qualified, converted at most once into
//! a deal; a deal (`deal-<id>`) sits on one stage of one pipeline until it
//! is won or lost. Deciders never read each other's streams: the
//! application resolves a stage from the pipeline's state into a
//! [`StageRef`] and hands it to the deal's command, and converting a lead
//! records the deal and party ids the application chose.

mod board;
mod deal;
mod lead;

pub use board::*;
pub use deal::*;
pub use lead::*;
