//! What each VU's store holds.

use std::collections::BTreeMap;
use std::sync::Arc;

use rand::rngs::SmallRng;
use rand::{RngCore, SeedableRng};
use throng_data::{Feeders, VuCursor};
use throng_metrics::Metrics;
use tokio::time::Instant;
use wasmtime::component::ResourceTable;
use wasmtime_wasi::{WasiCtx, WasiCtxView, WasiView};
use wasmtime_wasi_http::{WasiHttpCtx, WasiHttpCtxView, WasiHttpView};

use crate::config::Host;
use crate::imports::http::{DefaultName, PreparedRequests};
use crate::imports::log::LogGate;
use crate::imports::metrics::{OpenTransaction, Warned};
use crate::imports::stdio::GuestOutput;
use crate::imports::wasi_http::Hooks;
use crate::limits::{StderrTail, VuLimits};
use crate::stacks::VuStack;

/// The data of one VU's store: everything its imports need.
pub struct VuState {
    pub(crate) vu_id: u32,
    pub(crate) iteration: u64,
    pub(crate) scenario: Arc<str>,
    pub(crate) params: Arc<BTreeMap<String, String>>,
    pub(crate) rng: SmallRng,
    pub(crate) run_start: Instant,
    pub(crate) http: Option<throng_http::Session>,
    /// The name of the last request sent without one (`imports/http.rs`).
    pub(crate) default_name: DefaultName,
    /// The requests the guest keeps on the host (`prepared-request`).
    pub(crate) prepared: PreparedRequests,
    pub(crate) metrics: Option<Arc<Metrics>>,
    /// The run's data sets, shared by every VU.
    pub(crate) feeders: Feeders,
    /// This VU's own position in them.
    pub(crate) data_cursor: VuCursor,
    pub(crate) log: LogGate,
    /// Transactions this VU started and has not ended, in start order.
    pub(crate) transactions: Vec<OpenTransaction>,
    /// The task of the iteration running now; empty outside iterations.
    /// Requests are tagged with it.
    pub(crate) task: String,
    /// Names whose refused metric calls were already reported, shared by
    /// the scenario's VUs.
    pub(crate) warned: Arc<Warned>,
    pub(crate) limits: VuLimits,
    /// When the guest call running now must have ended; `None` between
    /// calls. The epoch callback traps the guest once it has passed.
    pub(crate) deadline: Option<Instant>,
    /// The last bytes the guest wrote to stderr, for trap messages.
    pub(crate) stderr: StderrTail,
    /// The fiber stack the VU's calls run on, once known (`stacks.rs`).
    pub(crate) stack: Option<VuStack>,
    /// Made on the guest's first WASI call: a journey that makes none (the
    /// `--url` journey) never pays for its random generator and streams.
    wasi: Option<Box<WasiCtx>>,
    wasi_http: WasiHttpCtx,
    wasi_http_hooks: Hooks,
    table: ResourceTable,
}

/// What a VU's state is made from.
pub(crate) struct VuSetup {
    pub vu_id: u32,
    pub scenario: Arc<str>,
    pub params: Arc<BTreeMap<String, String>>,
    pub seed: u64,
    pub run_start: Instant,
    pub http: throng_http::Client,
    pub metrics: Arc<Metrics>,
    pub feeders: Feeders,
    pub warned: Arc<Warned>,
}

impl VuState {
    pub(crate) fn new(host: &Host, setup: VuSetup) -> Self {
        let mut rng = SmallRng::seed_from_u64(setup.seed);
        // The data cursor draws from a generator of its own, so a journey's
        // `random()` calls do not change which rows it is fed.
        let data_cursor = VuCursor::new(setup.vu_id, rng.next_u64());
        let stderr = StderrTail::default();
        let log = LogGate::new(host.options.log.clone(), setup.vu_id, host.options.log_rate);
        VuState {
            vu_id: setup.vu_id,
            iteration: 0,
            scenario: setup.scenario,
            params: setup.params,
            rng,
            run_start: setup.run_start,
            http: Some(setup.http.session()),
            default_name: DefaultName::default(),
            prepared: PreparedRequests::default(),
            wasi_http_hooks: Hooks::new(Some(setup.http), Some(setup.metrics.clone())),
            metrics: Some(setup.metrics),
            feeders: setup.feeders,
            data_cursor,
            wasi: None,
            log,
            transactions: Vec::new(),
            task: String::new(),
            warned: setup.warned,
            limits: VuLimits::new(host.options.max_memory),
            deadline: None,
            stderr,
            stack: None,
            wasi_http: WasiHttpCtx::new(),
            table: ResourceTable::new(),
        }
    }

    /// Frees what the VU's HTTP sessions keep for their next response,
    /// before an idle time of at least `REST_AFTER`; their connections
    /// stay open.
    pub(crate) fn rest_http(&mut self) {
        if let Some(session) = &mut self.http {
            session.rest();
        }
        self.wasi_http_hooks.rest();
    }

    /// State for the probe instance that lists tasks: no HTTP, no metrics,
    /// no data sets.
    pub(crate) fn probe(host: &Host) -> Self {
        VuState {
            vu_id: 0,
            iteration: 0,
            scenario: Arc::from("probe"),
            params: Arc::default(),
            rng: SmallRng::seed_from_u64(0),
            run_start: Instant::now(),
            http: None,
            default_name: DefaultName::default(),
            prepared: PreparedRequests::default(),
            metrics: None,
            feeders: Feeders::default(),
            data_cursor: VuCursor::new(0, 0),
            log: LogGate::new(None, 0, 0),
            transactions: Vec::new(),
            task: String::new(),
            warned: Arc::default(),
            limits: VuLimits::new(host.options.max_memory),
            deadline: None,
            wasi: None,
            stderr: StderrTail::default(),
            stack: None,
            wasi_http: WasiHttpCtx::new(),
            wasi_http_hooks: Hooks::new(None, None),
            table: ResourceTable::new(),
        }
    }
}

impl Drop for VuState {
    /// A VU dropped in the middle of a call (an abort, a trap) still counts
    /// the transactions it left open.
    fn drop(&mut self) {
        self.interrupt_open_transactions();
    }
}

/// WASI with nothing granted: no preopened folders, no environment, no
/// arguments, no sockets and no name lookups (`wasi:sockets` is linked,
/// since toolchains import it, but refuses everything); stdin is empty.
/// Random numbers and clocks work. Stdout and stderr go to the VU's log
/// line by line, and the tail of stderr is kept so a panicking guest's
/// message can name the trap. HTTP goes through `wasi:http` (`wasi_http.rs`).
fn locked_down_wasi(log: &LogGate, stderr: &StderrTail) -> WasiCtx {
    WasiCtx::builder()
        .stdout(GuestOutput::stdout(log.clone()))
        .stderr(GuestOutput::stderr(log.clone(), stderr.clone()))
        .allow_tcp(false)
        .allow_udp(false)
        .allow_ip_name_lookup(false)
        .build()
}

#[cfg(test)]
impl VuState {
    /// Whether the guest has made a WASI call yet.
    pub(crate) fn has_wasi(&self) -> bool {
        self.wasi.is_some()
    }
}

impl WasiView for VuState {
    fn ctx(&mut self) -> WasiCtxView<'_> {
        let (log, stderr) = (&self.log, &self.stderr);
        let ctx = self
            .wasi
            .get_or_insert_with(|| Box::new(locked_down_wasi(log, stderr)));
        WasiCtxView {
            ctx,
            table: &mut self.table,
        }
    }
}

impl WasiHttpView for VuState {
    fn http(&mut self) -> WasiHttpCtxView<'_> {
        if self.wasi_http_hooks.task != self.task {
            self.wasi_http_hooks.task.clone_from(&self.task);
        }
        WasiHttpCtxView {
            ctx: &mut self.wasi_http,
            table: &mut self.table,
            hooks: &mut self.wasi_http_hooks,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::HostOptions;

    #[test]
    fn wasi_is_made_on_the_guest_s_first_call_and_kept() {
        let host = Host::new(HostOptions::default()).unwrap();
        let mut state = VuState::probe(&host);
        assert!(state.wasi.is_none(), "a VU starts without WASI");
        let first: *const WasiCtx = WasiView::ctx(&mut state).ctx;
        assert!(state.wasi.is_some());
        let again: *const WasiCtx = WasiView::ctx(&mut state).ctx;
        assert_eq!(first, again, "the second call made a new context");
    }
}
