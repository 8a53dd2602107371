//! `throng:vu/clock`: monotonic time since the run started, async sleep.

use std::time::Duration;

use throng_engine::REST_AFTER;

use crate::bindings::throng::vu::clock::Host;
use crate::state::VuState;

impl Host for VuState {
    async fn now_us(&mut self) -> u64 {
        self.run_start.elapsed().as_micros() as u64
    }

    async fn sleep_ms(&mut self, ms: u64) {
        let pause = Duration::from_millis(ms);
        if pause >= REST_AFTER {
            // Think time inside the guest: its frames stay on the fiber
            // stack, but the pages deeper calls touched can go, and so can
            // its connections' read buffers.
            if let Some(stack) = &self.stack {
                stack.release_below_here();
            }
            self.rest_http();
        }
        // The VU's fiber is suspended here; no thread waits.
        tokio::time::sleep(pause).await;
    }
}
