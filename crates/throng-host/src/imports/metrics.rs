//! `throng:vu/metrics`: checks.

use crate::bindings::throng::vu::metrics::Host;
use crate::state::VuState;

impl Host for VuState {
    async fn check(&mut self, name: String, passed: bool) -> bool {
        if let Some(metrics) = &self.metrics {
            metrics.record_check(&name, passed);
        }
        passed
    }
}
