//! What the target saw, counted from the server side: connections, requests
//! per route, per status and per HTTP version, and optionally every request
//! with its arrival time.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime};

use http::{StatusCode, Version};

use crate::routes::Route;

/// A snapshot of the target's counters, from [`Target::stats`](crate::Target::stats).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TargetStats {
    /// TCP connections accepted since start (before any TLS handshake).
    pub connections_accepted: u64,
    /// Connections currently open.
    pub connections_open: u64,
    /// Requests received, whether or not they matched a route.
    pub requests: u64,
    /// Requests per route, keyed by method and path pattern, for example
    /// `POST /login` or `GET /models/{id}/{version}/model.bin`. Routes that
    /// saw no request are absent; so are requests that matched no route
    /// (see [`by_status`](Self::by_status) for their 404s and 405s).
    pub by_route: BTreeMap<String, u64>,
    /// Responses per status code. A response whose client went away before
    /// it was ready (during a query's latency, say) is not counted.
    pub by_status: BTreeMap<u16, u64>,
    /// Requests per HTTP version: `HTTP/1.1` or `HTTP/2.0`.
    pub by_version: BTreeMap<String, u64>,
    /// TLS handshakes that failed or timed out.
    pub tls_handshake_failures: u64,
    /// Errors from `accept` (running out of file descriptors, for example).
    pub accept_errors: u64,
}

/// One request as the server received it, kept when
/// [`TargetConfig::record_requests`](crate::TargetConfig::record_requests)
/// is on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestRecord {
    /// The route's method and path pattern, as in [`TargetStats::by_route`];
    /// `METHOD (unmatched)` when no route matched.
    pub route: String,
    /// The wall-clock time the request's head was received.
    pub received_at: SystemTime,
    /// The same moment on the monotonic clock, counted from the target's
    /// start: use this one to measure intervals between requests.
    pub since_start: Duration,
    /// Which connection carried the request: connections are numbered from
    /// 1 in the order they were accepted.
    pub connection_id: u64,
    /// The request's HTTP version.
    pub version: Version,
}

/// HTTP versions that get a counter, in `Version`'s own order.
const VERSIONS: [Version; 5] = [
    Version::HTTP_09,
    Version::HTTP_10,
    Version::HTTP_11,
    Version::HTTP_2,
    Version::HTTP_3,
];

/// Status codes are 100..=999 (`StatusCode`'s own range).
const STATUS_CODES: usize = 900;

/// The live counters behind [`TargetStats`]: atomics, so that counting a
/// request takes no lock.
#[derive(Debug)]
pub(crate) struct Counters {
    started: Instant,
    connections_accepted: AtomicU64,
    connections_open: AtomicU64,
    requests: AtomicU64,
    by_route: [AtomicU64; Route::ALL.len()],
    by_status: Box<[AtomicU64; STATUS_CODES]>,
    by_version: [AtomicU64; VERSIONS.len()],
    tls_handshake_failures: AtomicU64,
    accept_errors: AtomicU64,
    log: Option<Mutex<Vec<RequestRecord>>>,
}

impl Counters {
    /// Counters starting now, keeping a request log when `record_requests`.
    pub(crate) fn new(record_requests: bool) -> Self {
        Counters {
            started: Instant::now(),
            connections_accepted: AtomicU64::new(0),
            connections_open: AtomicU64::new(0),
            requests: AtomicU64::new(0),
            by_route: std::array::from_fn(|_| AtomicU64::new(0)),
            by_status: Box::new(std::array::from_fn(|_| AtomicU64::new(0))),
            by_version: std::array::from_fn(|_| AtomicU64::new(0)),
            tls_handshake_failures: AtomicU64::new(0),
            accept_errors: AtomicU64::new(0),
            log: record_requests.then(|| Mutex::new(Vec::new())),
        }
    }

    /// Counts a new connection and returns its id (ids start at 1) and a
    /// guard that counts it as open until dropped.
    pub(crate) fn connection_accepted(self: &Arc<Self>) -> (u64, OpenConnection) {
        let id = self.connections_accepted.fetch_add(1, Ordering::Relaxed) + 1;
        self.connections_open.fetch_add(1, Ordering::Relaxed);
        (id, OpenConnection(Arc::clone(self)))
    }

    /// Counts a request; `route` is `None` when no route matched.
    pub(crate) fn request(
        &self,
        route: Option<Route>,
        method: &http::Method,
        version: Version,
        connection_id: u64,
    ) {
        self.requests.fetch_add(1, Ordering::Relaxed);
        if let Some(route) = route {
            self.by_route[route.index()].fetch_add(1, Ordering::Relaxed);
        }
        if let Some(i) = VERSIONS.iter().position(|v| *v == version) {
            self.by_version[i].fetch_add(1, Ordering::Relaxed);
        }
        if let Some(log) = &self.log {
            let record = RequestRecord {
                route: match route {
                    Some(route) => route.key().to_owned(),
                    None => format!("{method} (unmatched)"),
                },
                received_at: SystemTime::now(),
                since_start: self.started.elapsed(),
                connection_id,
                version,
            };
            lock(log).push(record);
        }
    }

    /// Counts a response.
    pub(crate) fn response(&self, status: StatusCode) {
        if let Some(counter) = self.by_status.get(usize::from(status.as_u16()) - 100) {
            counter.fetch_add(1, Ordering::Relaxed);
        }
    }

    /// Counts a failed or timed-out TLS handshake.
    pub(crate) fn tls_handshake_failed(&self) {
        self.tls_handshake_failures.fetch_add(1, Ordering::Relaxed);
    }

    /// Counts an error from `accept`.
    pub(crate) fn accept_failed(&self) {
        self.accept_errors.fetch_add(1, Ordering::Relaxed);
    }

    /// A consistent-enough snapshot: each counter is read once, but not all
    /// at the same instant.
    pub(crate) fn snapshot(&self) -> TargetStats {
        let load = |counter: &AtomicU64| counter.load(Ordering::Relaxed);
        let nonzero = |counter: &AtomicU64| Some(load(counter)).filter(|n| *n > 0);
        TargetStats {
            connections_accepted: load(&self.connections_accepted),
            connections_open: load(&self.connections_open),
            requests: load(&self.requests),
            by_route: Route::ALL
                .iter()
                .zip(&self.by_route)
                .filter_map(|(route, n)| Some((route.key().to_owned(), nonzero(n)?)))
                .collect(),
            by_status: (100u16..)
                .zip(self.by_status.iter())
                .filter_map(|(code, n)| Some((code, nonzero(n)?)))
                .collect(),
            by_version: VERSIONS
                .iter()
                .zip(&self.by_version)
                .filter_map(|(version, n)| Some((format!("{version:?}"), nonzero(n)?)))
                .collect(),
            tls_handshake_failures: load(&self.tls_handshake_failures),
            accept_errors: load(&self.accept_errors),
        }
    }

    /// Every request recorded so far, in arrival order; empty when the
    /// log is off.
    pub(crate) fn request_log(&self) -> Vec<RequestRecord> {
        self.log
            .as_ref()
            .map(|log| lock(log).clone())
            .unwrap_or_default()
    }
}

/// Counts a connection as open for as long as it lives.
#[derive(Debug)]
pub(crate) struct OpenConnection(Arc<Counters>);

impl Drop for OpenConnection {
    fn drop(&mut self) {
        self.0.connections_open.fetch_sub(1, Ordering::Relaxed);
    }
}

/// Locks the log, ignoring poisoning: a panic elsewhere cannot leave a
/// `Vec::push` half done.
fn lock(log: &Mutex<Vec<RequestRecord>>) -> std::sync::MutexGuard<'_, Vec<RequestRecord>> {
    log.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}
