//! Journey instances as the engine's virtual users.

use std::collections::BTreeMap;
use std::sync::Arc;

use throng_engine::{TaskInfo, VirtualUser, VuError, VuInfo};
use throng_metrics::Metrics;
use tokio::time::Instant;
use wasmtime::Store;

use crate::bindings::Vu;
use crate::config::Host;
use crate::error::chain;
use crate::imports::metrics::Warned;
use crate::journey::{Journey, deadline_ticks};
use crate::state::{VuSetup, VuState};

/// Makes [`WasmVu`]s from one journey: implements the engine's factory.
pub struct VuFactory {
    host: Host,
    journey: Journey,
    http: throng_http::Client,
    metrics: Arc<Metrics>,
    params: Arc<BTreeMap<String, String>>,
    feeders: throng_data::Feeders,
    run_start: Instant,
    seed: u64,
    /// Names whose refused metric calls were reported, for all VUs.
    warned: Arc<Warned>,
}

impl VuFactory {
    /// A factory for `journey`'s VUs, recording into `metrics`.
    pub fn new(
        host: &Host,
        journey: Journey,
        http: throng_http::Client,
        metrics: Arc<Metrics>,
        params: BTreeMap<String, String>,
    ) -> Self {
        VuFactory {
            host: host.clone(),
            journey,
            http,
            metrics,
            params: Arc::new(params),
            feeders: throng_data::Feeders::default(),
            run_start: Instant::now(),
            seed: rand::random(),
            warned: Arc::default(),
        }
    }

    /// Give every VU the run's data sets (`throng:vu/data`). Without this a
    /// journey has none: `next` answers `unknown-set`. The feeders' shared
    /// cursors live as long as the factory, so a `sequential-unique` set
    /// stays exhausted for VUs created to replace trapped ones.
    pub fn with_data(mut self, feeders: throng_data::Feeders) -> Self {
        self.feeders = feeders;
        self
    }
}

/// One VU: a store, an instance of the journey and its HTTP session.
pub struct WasmVu {
    store: Store<VuState>,
    vu: Vu,
    deadline_ticks: u64,
}

impl throng_engine::VuFactory for VuFactory {
    type Vu = WasmVu;

    fn tasks(&self) -> &[TaskInfo] {
        self.journey.tasks()
    }

    async fn create(&self, info: VuInfo) -> Result<WasmVu, VuError> {
        let state = VuState::new(
            &self.host,
            VuSetup {
                vu_id: info.id,
                scenario: info.scenario,
                params: self.params.clone(),
                seed: self.seed ^ u64::from(info.id).wrapping_mul(0x9E37_79B9_7F4A_7C15),
                run_start: self.run_start,
                http: self.http.session(),
                metrics: self.metrics.clone(),
                feeders: self.feeders.clone(),
                warned: self.warned.clone(),
            },
        );
        let mut store = Store::new(&self.host.engine, state);
        store.limiter(|s| &mut s.limits);
        store.epoch_deadline_trap();
        let deadline_ticks = deadline_ticks(self.host.options.iteration_timeout);
        store.set_epoch_deadline(deadline_ticks);
        let vu = self
            .journey
            .pre
            .instantiate_async(&mut store)
            .await
            .map_err(|e| {
                VuError::fatal(format!("instantiating the journey failed: {}", chain(&e)))
            })?;
        Ok(WasmVu {
            store,
            vu,
            deadline_ticks,
        })
    }
}

/// A trap poisons the instance: the engine must replace the VU.
fn trapped(what: &str, e: &wasmtime::Error) -> VuError {
    VuError::fatal(format!("{what} trapped: {}", chain(e)))
}

impl VirtualUser for WasmVu {
    async fn on_start(&mut self) -> Result<(), VuError> {
        self.store.set_epoch_deadline(self.deadline_ticks);
        let result = self
            .vu
            .throng_vu_journey()
            .call_on_start(&mut self.store)
            .await;
        self.store.data_mut().interrupt_open_transactions();
        match result {
            Ok(Ok(())) => Ok(()),
            Ok(Err(message)) => Err(VuError::failed(format!("on_start failed: {message}"))),
            Err(e) => Err(trapped("on_start", &e)),
        }
    }

    async fn iteration(&mut self, task: &str, iteration: u64) -> Result<(), VuError> {
        let state = self.store.data_mut();
        state.iteration = iteration;
        state.task.clear();
        state.task.push_str(task);
        self.store.set_epoch_deadline(self.deadline_ticks);
        let result = self
            .vu
            .throng_vu_journey()
            .call_iteration(&mut self.store, task)
            .await;
        // A transaction must end within its iteration.
        self.store.data_mut().interrupt_open_transactions();
        self.store.data_mut().task.clear();
        match result {
            Ok(Ok(())) => Ok(()),
            Ok(Err(message)) => Err(VuError::failed(message)),
            Err(e) => Err(trapped("iteration", &e)),
        }
    }

    async fn on_stop(&mut self) {
        self.store.set_epoch_deadline(self.deadline_ticks);
        // A failing on_stop has nothing left to spoil; its trap is dropped.
        let _ = self
            .vu
            .throng_vu_journey()
            .call_on_stop(&mut self.store)
            .await;
        self.store.data_mut().interrupt_open_transactions();
    }
}
