//! `--metrics-addr`: a Prometheus scrape endpoint for the length of a run.
//!
//! [`Endpoint::bind`] takes the address before the run starts, so a taken
//! port is a usage error and not a surprise halfway through. Once the
//! recorders exist, [`Endpoint::serve`] answers `GET /metrics` on a tokio
//! task until the returned [`Serving`] is dropped (when `execute` returns).
//!
//! Nothing is counted twice: a scrape reads the run's own recorders through
//! a [`Collector`] and encodes them with `prometheus-client` in the
//! OpenMetrics text format. Every family and label is listed in
//! `docs/outputs.md`.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use anyhow::Context;
use bytes::Bytes;
use http_body_util::Full;
use hyper::body::Incoming;
use hyper::service::service_fn;
use hyper::{Method, Request, Response, StatusCode, header};
use hyper_util::rt::{TokioIo, TokioTimer};
use prometheus_client::collector::Collector;
use prometheus_client::encoding::{DescriptorEncoder, NoLabelSet};
use prometheus_client::metrics::MetricType;
use prometheus_client::registry::{Registry, Unit};
use throng_engine::ScenarioLive;
use throng_metrics::{DurationStats, GeneratorSample, Metrics, RunMeta, RunResults};
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::{JoinHandle, JoinSet};

/// What a scrape answers with: OpenMetrics 1.0 text.
const CONTENT_TYPE: &str = "application/openmetrics-text; version=1.0.0; charset=utf-8";

/// A client that has sent no complete request head by then is dropped.
const HEADER_TIMEOUT: Duration = Duration::from_secs(10);

/// A bound, not yet serving, metrics endpoint.
pub struct Endpoint {
    listener: TcpListener,
    addr: SocketAddr,
}

impl Endpoint {
    /// Listen on `addr`; the error names the flag.
    pub async fn bind(addr: SocketAddr) -> anyhow::Result<Endpoint> {
        let listener = TcpListener::bind(addr)
            .await
            .with_context(|| format!("--metrics-addr {addr}: cannot listen"))?;
        let addr = listener
            .local_addr()
            .with_context(|| format!("--metrics-addr {addr}: cannot listen"))?;
        Ok(Endpoint { listener, addr })
    }

    /// The address bound, with the port the system gave for port 0.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Serve `GET /metrics` from `run` until the result is dropped.
    pub fn serve(self, run: RunCollector) -> Serving {
        let mut registry = Registry::default();
        registry.register_collector(Box::new(run));
        Serving(tokio::spawn(accept_loop(self.listener, Arc::new(registry))))
    }
}

/// The serving task; dropping it stops the endpoint and closes its
/// connections.
pub struct Serving(JoinHandle<()>);

impl Drop for Serving {
    fn drop(&mut self) {
        self.0.abort();
    }
}

async fn accept_loop(listener: TcpListener, registry: Arc<Registry>) {
    // Owned here, so aborting this task also ends every connection.
    let mut connections = JoinSet::new();
    loop {
        let stream = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => stream,
                // Out of file descriptors, usually: a scrape is lost, the
                // run is not; try again shortly rather than spin.
                Err(_) => {
                    tokio::time::sleep(Duration::from_millis(10)).await;
                    continue;
                }
            },
            Some(_) = connections.join_next(), if !connections.is_empty() => continue,
        };
        let registry = registry.clone();
        connections.spawn(async move {
            let service = service_fn(move |request| {
                let registry = registry.clone();
                async move { Ok::<_, Infallible>(respond(&request, &registry)) }
            });
            // A scraper that goes away mid-response is its own business.
            let _ = hyper::server::conn::http1::Builder::new()
                .timer(TokioTimer::new())
                .header_read_timeout(HEADER_TIMEOUT)
                .serve_connection(TokioIo::new(stream), service)
                .await;
        });
    }
}

fn respond(request: &Request<Incoming>, registry: &Registry) -> Response<Full<Bytes>> {
    let reply = |status: StatusCode, content_type: &str, body: String| {
        let mut response = Response::new(Full::new(Bytes::from(body)));
        *response.status_mut() = status;
        if let Ok(value) = content_type.parse() {
            response.headers_mut().insert(header::CONTENT_TYPE, value);
        }
        response
    };
    let text = "text/plain; charset=utf-8";
    if request.uri().path() != "/metrics" {
        return reply(
            StatusCode::NOT_FOUND,
            text,
            "not found; try /metrics\n".into(),
        );
    }
    if request.method() != Method::GET && request.method() != Method::HEAD {
        return reply(
            StatusCode::METHOD_NOT_ALLOWED,
            text,
            "only GET /metrics\n".into(),
        );
    }
    let mut body = String::new();
    match prometheus_client::encoding::text::encode(&mut body, registry) {
        Ok(()) => reply(StatusCode::OK, CONTENT_TYPE, body),
        Err(_) => reply(
            StatusCode::INTERNAL_SERVER_ERROR,
            text,
            "cannot encode the metrics\n".into(),
        ),
    }
}

/// Reads a run's recorders at each scrape.
pub struct RunCollector {
    /// Each scenario's live state beside its recorder, in plan order.
    pub scenarios: Vec<(Arc<ScenarioLive>, Arc<Metrics>)>,
    /// The generator's latest health sample, when it samples itself.
    pub health: Option<watch::Receiver<Option<GeneratorSample>>>,
}

impl std::fmt::Debug for RunCollector {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RunCollector")
            .field("scenarios", &self.scenarios.len())
            .finish_non_exhaustive()
    }
}

/// One scenario at the moment of a scrape.
struct Snapshot<'a> {
    name: &'a str,
    vus: u32,
    max_vus: u32,
    results: RunResults,
}

/// A metric's labels, name then value.
type Labels<'a> = Vec<(&'static str, &'a str)>;

impl Collector for RunCollector {
    fn encode(&self, mut encoder: DescriptorEncoder) -> Result<(), std::fmt::Error> {
        let snapshots: Vec<Snapshot> = self
            .scenarios
            .iter()
            .map(|(live, metrics)| Snapshot {
                name: live.name(),
                vus: live.active_vus(),
                max_vus: live.max_vus(),
                results: metrics.results(RunMeta {
                    started_at: SystemTime::UNIX_EPOCH,
                    duration: live.elapsed(),
                    scenario: live.name().to_owned(),
                    executor: String::new(),
                    vus: live.max_vus(),
                    module: String::new(),
                }),
            })
            .collect();
        let e = &mut encoder;
        let per_scenario = |value: fn(&RunResults) -> u64| {
            snapshots
                .iter()
                .map(move |s| (vec![("scenario", s.name)], value(&s.results)))
        };

        type Total = fn(&RunResults) -> u64;
        let counters: [(&str, &str, Option<Unit>, Total); 6] = [
            ("throng_http_reqs", "HTTP requests sent.", None, |r| {
                r.totals.requests
            }),
            (
                "throng_http_req_failed",
                "HTTP requests that failed: no usable response, or status 400 and above.",
                None,
                |r| r.totals.failed,
            ),
            (
                "throng_iterations",
                "Iterations ended, whatever their outcome.",
                None,
                |r| r.totals.iterations.total,
            ),
            (
                "throng_dropped_iterations",
                "Open-model iterations that were due while no VU was free.",
                None,
                |r| r.totals.dropped_iterations,
            ),
            (
                "throng_data_received",
                "Bytes read from the network.",
                Some(Unit::Bytes),
                |r| r.totals.bytes_received,
            ),
            (
                "throng_data_sent",
                "Bytes written to the network.",
                Some(Unit::Bytes),
                |r| r.totals.bytes_sent,
            ),
        ];
        for (name, help, unit, value) in counters {
            counter(e, name, help, unit, per_scenario(value))?;
        }
        counter(
            e,
            "throng_checks",
            "Checks made, by result.",
            None,
            snapshots.iter().flat_map(|s| {
                let checks = &s.results.checks;
                [("pass", checks.passed), ("fail", checks.failed)]
                    .map(|(result, n)| (vec![("scenario", s.name), ("result", result)], n))
            }),
        )?;
        gauge(
            e,
            "throng_vus",
            "VUs active now (running an iteration or ready to).",
            None,
            snapshots
                .iter()
                .map(|s| (vec![("scenario", s.name)], f64::from(s.vus))),
        )?;
        gauge(
            e,
            "throng_vus_max",
            "The most VUs the scenario may use.",
            None,
            snapshots
                .iter()
                .map(|s| (vec![("scenario", s.name)], f64::from(s.max_vus))),
        )?;
        gauge(
            e,
            "throng_http_req_duration",
            "Quantiles of the scenario's HTTP request durations since the run started.",
            Some(Unit::Seconds),
            snapshots
                .iter()
                .flat_map(|s| quantiles(vec![("scenario", s.name)], &s.results.http_req_duration)),
        )?;

        let endpoints = || {
            snapshots
                .iter()
                .flat_map(|s| s.results.endpoints.iter().map(move |e| (s.name, e)))
        };
        counter(
            e,
            "throng_endpoint_reqs",
            "HTTP requests sent, per request name.",
            None,
            endpoints()
                .map(|(s, e)| (vec![("scenario", s), ("name", e.name.as_str())], e.requests)),
        )?;
        counter(
            e,
            "throng_endpoint_req_failed",
            "HTTP requests that failed, per request name.",
            None,
            endpoints().map(|(s, e)| (vec![("scenario", s), ("name", e.name.as_str())], e.failed)),
        )?;
        gauge(
            e,
            "throng_endpoint_req_duration",
            "Quantiles of HTTP request durations per request name since the run started.",
            Some(Unit::Seconds),
            endpoints().flat_map(|(s, e)| {
                quantiles(vec![("scenario", s), ("name", e.name.as_str())], &e.stats)
            }),
        )?;

        let latest = self.health.as_ref().and_then(|h| *h.borrow());
        if let Some(sample) = latest {
            gauge(
                e,
                "throng_generator_cpu_percent",
                "CPU the throng process used in the last second, in % of all cores.",
                None,
                [(Vec::new(), sample.cpu_percent)],
            )?;
            gauge(
                e,
                "throng_generator_rss",
                "Resident memory of the throng process.",
                Some(Unit::Bytes),
                [(Vec::new(), sample.rss_bytes as f64)],
            )?;
        }
        Ok(())
    }
}

/// The quantiles 0.5, 0.9, 0.95 and 0.99 of `stats` (in ms), in seconds;
/// none without requests.
fn quantiles<'a>(labels: Labels<'a>, stats: &DurationStats) -> Vec<(Labels<'a>, f64)> {
    if stats.count == 0 {
        return Vec::new();
    }
    [
        ("0.5", stats.p50),
        ("0.9", stats.p90),
        ("0.95", stats.p95),
        ("0.99", stats.p99),
    ]
    .into_iter()
    .map(|(quantile, ms)| {
        let mut labels = labels.clone();
        labels.push(("quantile", quantile));
        (labels, ms / 1e3)
    })
    .collect()
}

/// A counter family; left out when it has no sample.
fn counter<'a>(
    e: &mut DescriptorEncoder,
    name: &str,
    help: &str,
    unit: Option<Unit>,
    samples: impl IntoIterator<Item = (Labels<'a>, u64)>,
) -> Result<(), std::fmt::Error> {
    let mut samples = samples.into_iter().peekable();
    if samples.peek().is_none() {
        return Ok(());
    }
    let mut family = e.encode_descriptor(name, help, unit.as_ref(), MetricType::Counter)?;
    for (labels, value) in samples {
        family
            .encode_family(&labels)?
            .encode_counter::<NoLabelSet, _, u64>(&value, None)?;
    }
    Ok(())
}

/// A gauge family; left out when it has no sample.
fn gauge<'a>(
    e: &mut DescriptorEncoder,
    name: &str,
    help: &str,
    unit: Option<Unit>,
    samples: impl IntoIterator<Item = (Labels<'a>, f64)>,
) -> Result<(), std::fmt::Error> {
    let mut samples = samples.into_iter().peekable();
    if samples.peek().is_none() {
        return Ok(());
    }
    let mut family = e.encode_descriptor(name, help, unit.as_ref(), MetricType::Gauge)?;
    for (labels, value) in samples {
        if labels.is_empty() {
            family.encode_gauge(&value)?;
        } else {
            family.encode_family(&labels)?.encode_gauge(&value)?;
        }
    }
    Ok(())
}
