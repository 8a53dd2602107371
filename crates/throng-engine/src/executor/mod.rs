//! Executors as pure arithmetic: how many VUs, when each may run, and when
//! open-model iterations are due.
//!
//! The loops in `closed.rs` and `open.rs` are shared; an executor only
//! decides the numbers they are fed (STYLE: compose, don't copy, the run
//! loop). Keeping this a pure function of the plan keeps it testable and
//! ready for execution segments.

mod arrivals;
mod ramping_vus;

use std::time::Duration;

pub use arrivals::Arrivals;
pub use ramping_vus::{ramping_vus_at, ramping_vus_steps};

use crate::plan::Executor;

/// What an executor asks of the run loops.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Model {
    /// VUs loop over iterations.
    Closed(Closed),
    /// Iterations arrive on a schedule; VUs are taken from a pool.
    Open(Open),
}

/// A closed model: a fixed pool of VUs, each looping.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Closed {
    /// VUs in the pool.
    pub vus: u32,
    /// No iteration starts after this offset from the scenario's start.
    pub deadline: Duration,
    /// Who may start the next iteration.
    pub budget: Budget,
    /// `(offset, active VUs)` steps; `None` means all VUs all the time.
    pub ramp: Option<Vec<(Duration, u32)>>,
}

/// The iteration budget of a closed model.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Budget {
    /// Until the deadline.
    Unbounded,
    /// Each VU runs this many.
    PerVu(u64),
    /// All VUs share this many.
    Shared(u64),
}

/// An open model.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Open {
    /// When iterations are due.
    pub arrivals: Arrivals,
    /// The scenario's length: it ends here, not at its last arrival.
    pub duration: Duration,
    /// VUs made ready before the start.
    pub pre_allocated: u32,
    /// VUs the pool may grow to.
    pub max_vus: u32,
}

impl Model {
    pub(crate) fn of(executor: &Executor) -> Model {
        match executor {
            Executor::ConstantVus { vus, duration } => Model::Closed(Closed {
                vus: *vus,
                deadline: *duration,
                budget: Budget::Unbounded,
                ramp: None,
            }),
            Executor::PerVuIterations {
                vus,
                iterations,
                max_duration,
            } => Model::Closed(Closed {
                vus: *vus,
                deadline: *max_duration,
                budget: Budget::PerVu(*iterations),
                ramp: None,
            }),
            Executor::SharedIterations {
                vus,
                iterations,
                max_duration,
            } => Model::Closed(Closed {
                vus: *vus,
                deadline: *max_duration,
                budget: Budget::Shared(*iterations),
                ramp: None,
            }),
            Executor::RampingVus { start_vus, stages } => Model::Closed(Closed {
                vus: executor.max_vus(),
                deadline: executor.max_duration(),
                budget: Budget::Unbounded,
                ramp: Some(ramping_vus_steps(*start_vus, stages)),
            }),
            Executor::ConstantArrivalRate {
                rate,
                time_unit,
                duration,
                pre_allocated_vus,
                max_vus,
            } => Model::Open(Open {
                arrivals: Arrivals::constant(*rate, *time_unit, *duration),
                duration: *duration,
                pre_allocated: *pre_allocated_vus,
                max_vus: (*max_vus).max(*pre_allocated_vus),
            }),
            Executor::RampingArrivalRate {
                start_rate,
                time_unit,
                stages,
                pre_allocated_vus,
                max_vus,
            } => Model::Open(Open {
                arrivals: Arrivals::ramping(*start_rate, *time_unit, stages),
                duration: executor.max_duration(),
                pre_allocated: *pre_allocated_vus,
                max_vus: (*max_vus).max(*pre_allocated_vus),
            }),
        }
    }
}
