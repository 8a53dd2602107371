//! `throng:vu/context`: who this VU is and the plan's parameters.

use rand::RngCore;

use crate::bindings::throng::vu::context::Host;
use crate::state::VuState;

impl Host for VuState {
    async fn vu_id(&mut self) -> u32 {
        self.vu_id
    }

    async fn iteration(&mut self) -> u64 {
        self.iteration
    }

    async fn scenario(&mut self) -> String {
        self.scenario.to_string()
    }

    async fn param(&mut self, key: String) -> Option<String> {
        self.params.get(&key).cloned()
    }

    async fn random(&mut self) -> u64 {
        self.rng.next_u64()
    }
}
