//! Endpoints that exist for tests and benchmarks, each with one known,
//! predictable behaviour:
//!
//! - `GET /fast`: `200 ok` at once, the cheapest thing the target does;
//! - `GET /delay/{ms}`: `200` after sleeping `ms` milliseconds;
//! - `GET /status/{code}`: answers with that status (200..=999);
//! - `GET /bytes/{n}`: streams `n` bytes of the pattern;
//! - `GET /uniform/{lo_ms}/{hi_ms}`: `200` after a delay drawn uniformly
//!   from `[lo_ms, hi_ms]` to the microsecond, kept to within a few tens of
//!   microseconds (see [`sleep_precisely`]), so that a client's percentiles
//!   can be checked against the distribution's own: p50 of `/uniform/10/30`
//!   is 20 ms, p95 29 ms.

use std::time::{Duration, Instant};

use http::header::CONTENT_TYPE;
use http::{HeaderValue, Response, StatusCode};
use rand::Rng;
use serde_json::json;

use crate::app::{ApiError, Reply, json, param};
use crate::body::ResponseBody;
use crate::models::octet_stream;

/// `GET /fast`.
pub(crate) fn fast() -> Reply {
    let mut reply = Response::new(ResponseBody::full("ok"));
    reply
        .headers_mut()
        .insert(CONTENT_TYPE, HeaderValue::from_static("text/plain"));
    reply
}

/// `GET /delay/{ms}`.
pub(crate) async fn delay(ms: &str) -> Result<Reply, ApiError> {
    let ms: u64 = param(ms, "ms")?;
    tokio::time::sleep(Duration::from_millis(ms)).await;
    Ok(json(StatusCode::OK, &json!({"delayed_ms": ms})))
}

/// `GET /status/{code}`.
pub(crate) fn status(code: &str) -> Result<Reply, ApiError> {
    let status: StatusCode = param(code, "code")?;
    if status.is_informational() {
        // hyper cannot send a 1xx as a final response.
        return Err(ApiError::bad_request(format!(
            "invalid {{code}}: {code:?} is informational"
        )));
    }
    if status == StatusCode::NO_CONTENT || status == StatusCode::NOT_MODIFIED {
        let mut reply = Response::new(ResponseBody::empty());
        *reply.status_mut() = status;
        return Ok(reply);
    }
    Ok(json(status, &json!({"status": status.as_u16()})))
}

/// `GET /bytes/{n}`.
pub(crate) fn bytes(n: &str) -> Result<Reply, ApiError> {
    Ok(octet_stream(param(n, "n")?))
}

/// `GET /uniform/{lo_ms}/{hi_ms}`.
pub(crate) async fn uniform(lo: &str, hi: &str) -> Result<Reply, ApiError> {
    let (lo, hi): (u64, u64) = (param(lo, "lo_ms")?, param(hi, "hi_ms")?);
    if hi < lo {
        return Err(ApiError::bad_request(format!(
            "invalid range: {{hi_ms}} {hi} is less than {{lo_ms}} {lo}"
        )));
    }
    let arrived = Instant::now();
    let micros = rand::rng().random_range(lo * 1000..=hi * 1000);
    sleep_precisely(arrived + Duration::from_micros(micros)).await;
    Ok(json(StatusCode::OK, &json!({ "slept_us": micros })))
}

/// How early tokio's timer hands over to a blocking thread's sleep.
const HAND_OVER: Duration = Duration::from_millis(2);

/// Sleeps until `deadline`, late by tens of microseconds rather than the
/// up to a millisecond and more of tokio's timer, which rounds every sleep
/// up to its next millisecond tick: tokio's timer waits until shortly
/// before, then a blocking thread sleeps the rest with the kernel's
/// high-resolution timer. Costs one blocking-pool thread for at most
/// [`HAND_OVER`] per request.
pub(crate) async fn sleep_precisely(deadline: Instant) {
    if let Some(early) = deadline.checked_sub(HAND_OVER) {
        tokio::time::sleep_until(early.into()).await;
    }
    let rest = deadline.saturating_duration_since(Instant::now());
    if rest.is_zero() {
        return;
    }
    // A panic in `thread::sleep` cannot happen; if the pool were gone the
    // request simply answers a little early.
    let _ = tokio::task::spawn_blocking(move || std::thread::sleep(rest)).await;
}

/// `GET /freeze/{at_ms}/{for_ms}`: answers in 5 ms, except that the system
/// freezes once: a request arriving in the window `[at_ms, at_ms + for_ms)`
/// after the target started waits until the window ends. Models a stall
/// (a GC pause, a failover) for coordinated-omission tests.
pub(crate) async fn freeze(
    started: tokio::time::Instant,
    at: &str,
    len: &str,
) -> Result<Reply, ApiError> {
    let (at, len): (u64, u64) = (param(at, "at_ms")?, param(len, "for_ms")?);
    let (from, until) = (
        started + Duration::from_millis(at),
        started + Duration::from_millis(at + len),
    );
    let now = tokio::time::Instant::now();
    let frozen = now >= from && now < until;
    if frozen {
        tokio::time::sleep_until(until).await;
    } else {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    Ok(json(StatusCode::OK, &json!({"frozen": frozen})))
}
