//! `throng:vu/clock`: monotonic time since the run started, async sleep.

use std::time::Duration;

use crate::bindings::throng::vu::clock::Host;
use crate::state::VuState;

impl Host for VuState {
    async fn now_us(&mut self) -> u64 {
        self.run_start.elapsed().as_micros() as u64
    }

    async fn sleep_ms(&mut self, ms: u64) {
        // The VU's fiber is suspended here; no thread waits.
        tokio::time::sleep(Duration::from_millis(ms)).await;
    }
}
