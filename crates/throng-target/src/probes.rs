//! Endpoints that exist for tests and benchmarks, each with one known,
//! predictable behaviour:
//!
//! - `GET /fast`: `200 ok` at once, the cheapest thing the target does;
//! - `GET /delay/{ms}`: `200` after sleeping `ms` milliseconds;
//! - `GET /status/{code}`: answers with that status (200..=999);
//! - `GET /bytes/{n}`: streams `n` bytes of the pattern;
//! - `GET /uniform/{lo_ms}/{hi_ms}`: `200` after sleeping a uniformly random
//!   whole number of milliseconds in `[lo_ms, hi_ms]`.

use std::time::Duration;

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
    let ms = rand::rng().random_range(lo..=hi);
    tokio::time::sleep(Duration::from_millis(ms)).await;
    Ok(json(StatusCode::OK, &json!({"slept_ms": ms})))
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
