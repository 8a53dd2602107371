//! `per-vu-iterations`: each VU runs the same number of iterations.

use std::time::Duration;

use super::ClosedSchedule;

pub(super) fn schedule(vus: u32, iterations: u64, max_duration: Duration) -> ClosedSchedule {
    ClosedSchedule {
        vus,
        deadline: max_duration,
        iterations_per_vu: Some(iterations),
    }
}
