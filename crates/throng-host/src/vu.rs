//! Journey instances as the engine's virtual users.

use std::collections::BTreeMap;
use std::pin::pin;
use std::sync::Arc;
use std::time::Duration;

use throng_engine::{TaskInfo, VirtualUser, VuError, VuInfo};
use throng_http::KeptTimer;
use throng_metrics::Metrics;
use tokio::time::Instant;
use wasmtime::{Store, UpdateDeadline};

use crate::bindings::Vu;
use crate::config::Host;
use crate::imports::metrics::Warned;
use crate::journey::Journey;
use crate::limits::{DeadlineExceeded, describe_trap};
use crate::memory::{StackRegion, VuMemory};
use crate::stacks::{VuStack, watch};
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
    /// The fiber stack the store's calls run on, once wasmtime made it.
    stack: Option<VuStack>,
    /// The guest's shadow stack in its linear memory, when throng made the
    /// memory and the module says where the stack lies.
    guest_stack: Option<(VuMemory, StackRegion)>,
    /// How long each guest call may run (`iteration_timeout`).
    timeout: Duration,
    /// The timer behind every guest call's timeout, kept between calls.
    timer: KeptTimer,
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
                http: self.http.clone(),
                metrics: self.metrics.clone(),
                feeders: self.feeders.clone(),
                warned: self.warned.clone(),
            },
        );
        let timeout = self.host.options.iteration_timeout;
        let mut store = Store::new(&self.host.engine, state);
        store.limiter(|s| &mut s.limits);
        store.epoch_deadline_callback(move |ctx| match ctx.data().deadline {
            Some(deadline) if Instant::now() >= deadline => {
                Err(DeadlineExceeded { timeout }.into())
            }
            // Every tick a computing guest lets the VU's worker thread run
            // other tasks (and notice an abort); tokio's `yield_now` also
            // lets the timer driver run, which a busy worker would delay.
            // The requests other VUs queued on this thread go out first: a
            // thread kept busy does not park, which is when they would.
            _ => Ok(UpdateDeadline::YieldCustom(1, {
                throng_http::flush_writes();
                Box::pin(tokio::task::yield_now())
            })),
        });
        arm(&mut store, timeout);
        let mut stack = None;
        let mut memory = None;
        let instantiated = tokio::time::timeout(
            timeout,
            crate::memory::watch(
                watch(
                    pin!(self.journey.pre.instantiate_async(&mut store)),
                    &mut stack,
                ),
                &mut memory,
            ),
        )
        .await;
        store.data_mut().deadline = None;
        let vu = match instantiated {
            Ok(Ok(vu)) => vu,
            Ok(Err(e)) => {
                let reason = describe_trap(&e, &store.data().stderr);
                return Err(VuError::fatal(format!(
                    "instantiating the journey failed: {reason}"
                )));
            }
            Err(_) => {
                return Err(VuError::fatal(format!(
                    "instantiating the journey failed: {}",
                    DeadlineExceeded { timeout }
                )));
            }
        };
        // Its guest calls may give back their stack while they sleep.
        store.data_mut().stack = stack.clone();
        Ok(WasmVu {
            store,
            vu,
            stack,
            guest_stack: memory.zip(self.journey.stack),
            timeout,
            timer: KeptTimer::new(),
        })
    }
}

/// Start the clock of a guest call: its deadline (returned), a fresh
/// stderr tail, and an epoch check at the next tick.
fn arm(store: &mut Store<VuState>, timeout: Duration) -> Instant {
    let deadline = Instant::now() + timeout;
    let state = store.data_mut();
    state.deadline = Some(deadline);
    state.stderr.clear();
    store.set_epoch_deadline(1);
    deadline
}

impl WasmVu {
    /// What a guest call that did not return means: a trap, or a deadline
    /// that passed while the guest waited on the host (the call was
    /// dropped). Either poisons the instance: the engine must replace the
    /// VU.
    fn lost<R>(&self, what: &str, result: Option<wasmtime::Result<R>>) -> Result<R, VuError> {
        match result {
            Some(Ok(value)) => Ok(value),
            Some(Err(e)) => Err(VuError::fatal(format!(
                "{what} trapped: {}",
                describe_trap(&e, &self.store.data().stderr)
            ))),
            None => Err(VuError::fatal(format!(
                "{what} trapped: {}",
                DeadlineExceeded {
                    timeout: self.timeout
                }
            ))),
        }
    }

    /// After a guest call: no deadline until the next, and transactions
    /// must end within the call that started them.
    fn disarm(&mut self) {
        let state = self.store.data_mut();
        state.deadline = None;
        state.interrupt_open_transactions();
        if !VuStack::same(&state.stack, &self.stack) {
            state.stack = self.stack.clone();
        }
    }
}

impl VirtualUser for WasmVu {
    async fn on_start(&mut self) -> Result<(), VuError> {
        let deadline = arm(&mut self.store, self.timeout);
        let result = {
            let call = pin!(self.vu.throng_vu_journey().call_on_start(&mut self.store));
            self.timer.run(deadline, watch(call, &mut self.stack)).await
        };
        self.disarm();
        match self.lost("on_start", result)? {
            Ok(()) => Ok(()),
            Err(message) => Err(VuError::failed(format!("on_start failed: {message}"))),
        }
    }

    async fn iteration(&mut self, task: &str, iteration: u64) -> Result<(), VuError> {
        let state = self.store.data_mut();
        state.iteration = iteration;
        state.task.clear();
        state.task.push_str(task);
        let deadline = arm(&mut self.store, self.timeout);
        let result = {
            let call = pin!(
                self.vu
                    .throng_vu_journey()
                    .call_iteration(&mut self.store, task)
            );
            self.timer.run(deadline, watch(call, &mut self.stack)).await
        };
        self.disarm();
        self.store.data_mut().task.clear();
        match self.lost("iteration", result)? {
            Ok(()) => Ok(()),
            Err(message) => Err(VuError::failed(message)),
        }
    }

    async fn on_stop(&mut self) {
        let deadline = arm(&mut self.store, self.timeout);
        {
            let call = pin!(self.vu.throng_vu_journey().call_on_stop(&mut self.store));
            // A failing on_stop has nothing left to spoil; its trap is
            // dropped.
            let _ = self.timer.run(deadline, watch(call, &mut self.stack)).await;
        }
        self.disarm();
    }

    fn rest(&mut self) {
        self.timer.drop_timer();
        self.store.data_mut().rest_http();
    }

    fn release_pages(&mut self) {
        if let Some(stack) = &self.stack {
            stack.release(&mut self.store);
        }
        if let Some((memory, region)) = &self.guest_stack {
            memory.release_stack(*region, &mut self.store);
        }
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    use super::*;
    use crate::{HostOptions, MemoryLayout};

    const QUICK_GET: &[u8] = include_bytes!("../../throng-cli/assets/quick-get.wasm");

    /// A server on 127.0.0.1 that answers every request with `200 OK`.
    async fn server() -> String {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/", listener.local_addr().unwrap());
        tokio::spawn(async move {
            while let Ok((mut conn, _)) = listener.accept().await {
                tokio::spawn(async move {
                    let mut seen = Vec::new();
                    let mut chunk = [0u8; 1024];
                    loop {
                        while let Some(end) = seen.windows(4).position(|w| w == b"\r\n\r\n") {
                            seen.drain(..end + 4);
                            let reply = b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok";
                            if conn.write_all(reply).await.is_err() {
                                return;
                            }
                        }
                        match conn.read(&mut chunk).await {
                            Ok(0) | Err(_) => return,
                            Ok(n) => seen.extend_from_slice(&chunk[..n]),
                        }
                    }
                });
            }
        });
        url
    }

    /// A resting VU of the `--url` journey keeps one page of its linear
    /// memory in either layout: quick-get's build script puts its data in
    /// the initial memory's last page, and what its heap holds after
    /// `on_start` and its iterations fits there beside the allocator's
    /// footer, so the memory never grows (BENCHMARKS.md, (b)). It makes no
    /// WASI call, so it never holds a WASI context either.
    #[tokio::test]
    async fn a_resting_quick_get_vu_keeps_one_page_of_its_memory() {
        let url = server().await;
        for layout in [MemoryLayout::Compact, MemoryLayout::Fast] {
            let host = Host::new(HostOptions {
                layout,
                stack_first: true,
                use_cache: false,
                ..HostOptions::default()
            })
            .unwrap();
            let journey = host
                .load_bytes(Path::new("quick-get.wasm"), QUICK_GET)
                .await
                .unwrap();
            let factory = VuFactory::new(
                &host,
                journey,
                throng_http::Client::new(throng_http::ClientOptions::default()).unwrap(),
                Arc::new(Metrics::new()),
                BTreeMap::from([("url".to_owned(), url.clone())]),
            );
            let info = VuInfo {
                id: 1,
                scenario: Arc::from("quick"),
            };
            let mut vu = throng_engine::VuFactory::create(&factory, info)
                .await
                .unwrap();
            vu.on_start().await.unwrap();
            for n in 1..=20 {
                vu.iteration("", n).await.unwrap();
            }
            assert!(
                !vu.store.data().has_wasi(),
                "{layout:?}: the --url journey made a WASI call, so its VUs hold a WASI context"
            );
            vu.rest();
            vu.release_pages();
            let (memory, _) = vu.guest_stack.as_ref().expect("throng made the memory");
            let (bytes, resident) = memory.resident();
            assert_eq!(bytes, 17 * 65536, "{layout:?}: the memory grew");
            assert_eq!(
                resident, 1,
                "{layout:?}: a resting quick-get VU keeps {resident} pages of its memory; \
                 its data and resting heap must fit in the last page (the stack size in \
                 crates/throng-cli/quick-get/build.rs)"
            );
        }
    }
}
