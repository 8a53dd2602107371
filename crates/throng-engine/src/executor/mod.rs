//! Executors as pure arithmetic: how many VUs, and when each VU stops.
//!
//! The run loop in `run.rs` is shared; an executor only decides the numbers
//! it is fed with (STYLE: compose, don't copy, the run loop). Keeping this a
//! pure function of the plan keeps it testable and ready for execution
//! segments.

mod constant_vus;
mod per_vu_iterations;

use std::time::Duration;

use crate::plan::Executor;

/// What a closed-model executor asks of the run loop.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct ClosedSchedule {
    /// VUs started together at the beginning of the scenario.
    pub vus: u32,
    /// No iteration starts after this offset from the scenario's start.
    pub deadline: Duration,
    /// Each VU stops after this many iterations, if set.
    pub iterations_per_vu: Option<u64>,
}

impl ClosedSchedule {
    pub(crate) fn of(executor: &Executor) -> Self {
        match *executor {
            Executor::ConstantVus { vus, duration } => constant_vus::schedule(vus, duration),
            Executor::PerVuIterations {
                vus,
                iterations,
                max_duration,
            } => per_vu_iterations::schedule(vus, iterations, max_duration),
        }
    }
}
