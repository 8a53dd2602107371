//! What a [`Target`](crate::Target) serves and how it behaves.

use std::net::{Ipv4Addr, SocketAddr};
use std::time::Duration;

use crate::Latency;

/// Everything a [`Target`](crate::Target) can be told before it starts.
///
/// The default is what `throng demo` runs against: plain HTTP on a free
/// port of 127.0.0.1, queries that take about 50 ms, a 25 MiB model.
/// Tests usually start from it and change one or two fields:
///
/// ```
/// use std::time::Duration;
/// use throng_target::{Latency, TargetConfig};
///
/// let config = TargetConfig {
///     query_latency: Latency::Fixed(Duration::from_millis(20)),
///     record_requests: true,
///     ..TargetConfig::default()
/// };
/// # let _ = config;
/// ```
#[derive(Debug, Clone)]
pub struct TargetConfig {
    /// Where to listen; port 0 picks a free port (read it back with
    /// [`Target::addr`](crate::Target::addr)).
    pub addr: SocketAddr,
    /// Serve HTTPS with a self-signed certificate for `localhost` and
    /// 127.0.0.1 instead of plain HTTP.
    pub tls: bool,
    /// How long `POST /query` takes to answer.
    pub query_latency: Latency,
    /// Bytes served by `GET /models/{id}/{version}/model.bin` unless the
    /// request says `?size=N`.
    pub model_size: u64,
    /// Accepted `(username, password)` pairs for `POST /login`.
    pub users: Vec<(String, String)>,
    /// Keep one [`RequestRecord`](crate::RequestRecord) per request, read
    /// back with [`Target::request_log`](crate::Target::request_log).
    /// Off by default: the log grows without bound.
    pub record_requests: bool,
    /// How training jobs move through their states.
    pub jobs: JobTimings,
    /// Close an HTTP/1.1 connection that waits this long for the head of
    /// its next request, as servers do with idle keep-alive connections;
    /// use it to test a client's reconnects. `None` (the default) keeps
    /// idle connections open, so that connection counts do not depend on
    /// think times. HTTP/2 connections are not affected.
    pub idle_timeout: Option<Duration>,
    /// How long [`Target::shutdown`](crate::Target::shutdown) lets requests
    /// in flight finish before it closes their connections.
    pub shutdown_grace: Duration,
}

impl Default for TargetConfig {
    fn default() -> Self {
        TargetConfig {
            addr: SocketAddr::from((Ipv4Addr::LOCALHOST, 0)),
            tls: false,
            query_latency: Latency::default(),
            model_size: 25 * 1024 * 1024,
            users: vec![
                ("clinician".to_owned(), "secret".to_owned()),
                ("admin".to_owned(), "admin".to_owned()),
            ],
            record_requests: false,
            jobs: JobTimings::default(),
            idle_timeout: None,
            shutdown_grace: Duration::from_secs(1),
        }
    }
}

/// When a training job changes state, counted from its creation.
///
/// A job is `queued` for `queued`, then `running` for `running` (its
/// progress climbing linearly from 0 to 1), then `completed`, unless it is
/// cancelled first.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct JobTimings {
    /// How long a new job stays `queued`.
    pub queued: Duration,
    /// How long a job stays `running` before it is `completed`.
    pub running: Duration,
}

impl Default for JobTimings {
    /// Queued for 1 s, then running for 9 s: completed 10 s after creation.
    fn default() -> Self {
        JobTimings {
            queued: Duration::from_secs(1),
            running: Duration::from_secs(9),
        }
    }
}
