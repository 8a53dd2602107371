//! `constant-vus`: a fixed number of VUs loop for a fixed duration.

use std::time::Duration;

use super::ClosedSchedule;

pub(super) fn schedule(vus: u32, duration: Duration) -> ClosedSchedule {
    ClosedSchedule {
        vus,
        deadline: duration,
        iterations_per_vu: None,
    }
}
