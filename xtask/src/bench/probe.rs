//! The harness's own two small HTTP programs, run as `xtask bench
//! __count-server` and `xtask bench __hyper` so each is a process of its own
//! that can be pinned to a core and measured:
//!
//! - a counting target that notes when it saw its first and its N-th
//!   request (start-up of N VUs, each making one request and then waiting);
//! - a bare hyper client: one connection, sequential GETs, the reference
//!   for the latency throng adds to a request;
//! - a bare hyper crowd: N connections opened at once, one GET on each,
//!   the reference for the start-up of N VUs.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use anyhow::{Context, Result, bail};
use bytes::Bytes;
use http_body_util::{BodyExt, Empty, Full};
use hyper::{Request, Response};
use hyper_util::rt::TokioIo;
use serde::{Deserialize, Serialize};

/// Microseconds since the Unix epoch: the clock both the harness and its
/// helper processes read, so their instants compare.
pub fn epoch_us() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_micros() as u64)
        .unwrap_or(0)
}

/// What the counting target writes once it saw `expect` requests (or its
/// time ran out).
#[derive(Debug, Clone, Copy, Serialize, Deserialize)]
pub struct CountReport {
    /// When the first request arrived, µs since the epoch.
    pub first_us: u64,
    /// When the `expect`-th request arrived (0 if it never did).
    pub nth_us: u64,
    /// Requests seen when the report was written.
    pub count: u64,
}

/// What the bare hyper client reports.
#[derive(Debug, Clone, Copy, Serialize, Deserialize)]
pub struct HyperReport {
    /// Requests completed.
    pub requests: u64,
    /// Median request time, µs.
    pub p50_us: u64,
    /// 99th percentile, µs.
    pub p99_us: u64,
    /// Mean, µs.
    pub mean_us: f64,
}

fn value<'a>(args: &'a [String], flag: &str) -> Result<&'a str> {
    let at = args
        .iter()
        .position(|a| a == flag)
        .with_context(|| format!("missing {flag}"))?;
    args.get(at + 1)
        .map(String::as_str)
        .with_context(|| format!("{flag} needs a value"))
}

/// `--url`'s authority (`host:port`) and path with query (`/` when empty).
fn url_arg(args: &[String]) -> Result<(String, String)> {
    let url: hyper::Uri = value(args, "--url")?.parse()?;
    let Some(authority) = url.authority() else {
        bail!("--url needs a host")
    };
    let path = url.path_and_query().map_or("/", |p| p.as_str());
    Ok((authority.as_str().to_owned(), path.to_owned()))
}

fn runtime() -> Result<tokio::runtime::Runtime> {
    Ok(tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?)
}

/// The counting server's listen backlog; the kernel caps it at
/// `net.core.somaxconn` (4,096 on a default Linux).
const LISTEN_BACKLOG: u32 = 65_535;

/// `__count-server --port P --expect N --report FILE --seconds S [--body
/// TEXT]`: answer every request with `200` and TEXT (default `ok`) on
/// 127.0.0.1:P for S seconds; write the report when the N-th request
/// arrives, and again at the end.
pub fn count_server(args: &[String]) -> Result<()> {
    let body = if args.iter().any(|a| a == "--body") {
        Bytes::from(value(args, "--body")?.to_owned())
    } else {
        Bytes::from_static(b"ok")
    };
    let port: u16 = value(args, "--port")?.parse()?;
    let expect: u64 = value(args, "--expect")?.parse()?;
    let report = PathBuf::from(value(args, "--report")?);
    let seconds: u64 = value(args, "--seconds")?.parse()?;
    runtime()?.block_on(async move {
        // 10,000 VUs connect at once: tokio's default backlog (1,024) would
        // overflow and the kernel would drop SYNs, which the VUs resend
        // only a second later, timing this server instead of throng.
        let socket = tokio::net::TcpSocket::new_v4()?;
        socket.set_reuseaddr(true)?;
        socket.bind(SocketAddr::from(([127, 0, 0, 1], port)))?;
        let listener = socket.listen(LISTEN_BACKLOG)?;
        let count = Arc::new(AtomicU64::new(0));
        let first = Arc::new(AtomicU64::new(0));
        let nth = Arc::new(AtomicU64::new(0));
        let write = {
            let (count, first, nth, report) =
                (count.clone(), first.clone(), nth.clone(), report.clone());
            move || {
                let r = CountReport {
                    first_us: first.load(Ordering::Relaxed),
                    nth_us: nth.load(Ordering::Relaxed),
                    count: count.load(Ordering::Relaxed),
                };
                let tmp = report.with_extension("tmp");
                if std::fs::write(&tmp, serde_json::to_vec(&r).unwrap_or_default()).is_ok() {
                    let _ = std::fs::rename(&tmp, &report);
                }
            }
        };
        let write = Arc::new(write);
        let serve = async {
            loop {
                let Ok((stream, _)) = listener.accept().await else {
                    continue;
                };
                let (count, first, nth, write, body) = (
                    count.clone(),
                    first.clone(),
                    nth.clone(),
                    write.clone(),
                    body.clone(),
                );
                tokio::spawn(async move {
                    let service =
                        hyper::service::service_fn(move |_req: Request<hyper::body::Incoming>| {
                            let now = epoch_us();
                            let seen = count.fetch_add(1, Ordering::Relaxed) + 1;
                            if seen == 1 {
                                first.store(now, Ordering::Relaxed);
                            }
                            if seen == expect {
                                nth.store(now, Ordering::Relaxed);
                                write();
                            }
                            let body = body.clone();
                            async { Ok::<_, Infallible>(Response::new(Full::new(body))) }
                        });
                    let _ = hyper::server::conn::http1::Builder::new()
                        .serve_connection(TokioIo::new(stream), service)
                        .await;
                });
            }
        };
        let _ = tokio::time::timeout(Duration::from_secs(seconds), serve).await;
        write();
        anyhow::Ok(())
    })
}

/// `__crowd --url URL --clients N --seconds S`: N tasks at once, each
/// opening its own connection and making one GET, then holding the
/// connection until S seconds have passed. What N VUs do in their first
/// iteration, with nothing else: no instance, no guest, no metrics.
pub fn bare_crowd(args: &[String]) -> Result<()> {
    let (authority, path) = url_arg(args)?;
    let clients: u32 = value(args, "--clients")?.parse()?;
    let seconds: f64 = value(args, "--seconds")?.parse()?;
    let (authority, path) = (Arc::<str>::from(authority), Arc::<str>::from(path));
    runtime()?.block_on(async move {
        let end = tokio::time::Instant::now() + Duration::from_secs_f64(seconds);
        let mut tasks = tokio::task::JoinSet::new();
        for _ in 0..clients {
            let (authority, path) = (authority.clone(), path.clone());
            tasks.spawn(async move {
                let stream = tokio::net::TcpStream::connect(&*authority).await?;
                stream.set_nodelay(true)?;
                let (mut sender, conn) =
                    hyper::client::conn::http1::handshake(TokioIo::new(stream)).await?;
                let conn = tokio::spawn(conn);
                let req = Request::get(&*path)
                    .header(hyper::header::HOST, &*authority)
                    .body(Empty::<Bytes>::new())?;
                let resp = sender.send_request(req).await?;
                resp.into_body().collect().await?;
                tokio::time::sleep_until(end).await;
                conn.abort();
                anyhow::Ok(())
            });
        }
        let mut failed = 0u32;
        while let Some(r) = tasks.join_next().await {
            if !matches!(r, Ok(Ok(()))) {
                failed += 1;
            }
        }
        if failed > 0 {
            bail!("{failed} of {clients} clients failed");
        }
        anyhow::Ok(())
    })
}

/// `__hyper --url URL --seconds S --report FILE`: one connection,
/// sequential GETs for S seconds, the latency figures written as JSON.
pub fn bare_hyper(args: &[String]) -> Result<()> {
    let (authority, path) = url_arg(args)?;
    let seconds: f64 = value(args, "--seconds")?.parse()?;
    let report = PathBuf::from(value(args, "--report")?);
    let mut times: Vec<u64> = runtime()?.block_on(async move {
        let stream = tokio::net::TcpStream::connect(authority.as_str()).await?;
        stream.set_nodelay(true)?;
        let (mut sender, conn) =
            hyper::client::conn::http1::handshake(TokioIo::new(stream)).await?;
        tokio::spawn(conn);
        let mut times = Vec::with_capacity(1 << 20);
        let end = Instant::now() + Duration::from_secs_f64(seconds);
        while Instant::now() < end {
            let req = Request::get(path.as_str())
                .header(hyper::header::HOST, authority.as_str())
                .body(Empty::<Bytes>::new())?;
            let t = Instant::now();
            let resp = sender.send_request(req).await?;
            let ok = resp.status().is_success();
            resp.into_body().collect().await?;
            times.push(t.elapsed().as_micros() as u64);
            if !ok {
                bail!("GET http://{authority}{path} answered with an error status");
            }
        }
        anyhow::Ok(times)
    })?;
    times.sort_unstable();
    let n = times.len() as u64;
    let r = HyperReport {
        requests: n,
        p50_us: super::stats::quantile(&times, 0.5),
        p99_us: super::stats::quantile(&times, 0.99),
        mean_us: times.iter().sum::<u64>() as f64 / n.max(1) as f64,
    };
    std::fs::write(report, serde_json::to_vec(&r)?)?;
    Ok(())
}
