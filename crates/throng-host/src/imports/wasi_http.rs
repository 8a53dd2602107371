//! `wasi:http/outgoing-handler`: what JavaScript's `fetch` and other
//! toolchains' HTTP clients call. `wasmtime-wasi-http` provides the
//! interface's resources (fields, requests, bodies, futures); its one hook
//! that sends is routed here, to the VU's own throng session, so a request
//! made through `wasi:http` is checked against the allow list, timed,
//! named and recorded exactly like one made with `throng:vu/http.send`.
//!
//! - **Name:** `METHOD /path`, unless the guest sends the header
//!   `x-throng-name`. A header `x-throng-tag-KEY: VALUE` adds the tag
//!   `KEY=VALUE`. Every `x-throng-*` header is removed before sending.
//! - **Body:** the host reads the response to its end (as `body-mode keep`,
//!   under the same `max_kept_body` cap) and hands the guest the whole body,
//!   so the recorded duration includes receiving it.
//! - **Timeout:** the largest of the guest's `request-options` timeouts,
//!   else the plan's default request timeout.
//! - **Connections:** these requests use a session of their own per VU,
//!   made on the first one: a guest that mixes `fetch` and `http.send`
//!   keeps one connection per origin for each.

use std::convert::Infallible;
use std::sync::Arc;

use http_body_util::{BodyExt, Full};
use throng_http::{BodyMode, Client, ErrorKind, Request, Session};
use throng_metrics::Metrics;
use tokio::sync::Mutex;
use wasmtime_wasi_http::{Error, RequestOptions, WasiBody, WasiHttpHooks};

use crate::imports::http::{parse_method, record, url_path};

/// Headers a guest uses to talk to throng; never sent.
const THRONG_HEADER: &str = "x-throng-";
const NAME_HEADER: &str = "x-throng-name";
const TAG_HEADER: &str = "x-throng-tag-";

/// The future `send_request` returns, as `wasmtime-wasi-http` wants it.
type Sent = Box<
    dyn Future<
            Output = wasmtime_wasi_http::Result<(
                http::Response<WasiBody>,
                Box<dyn Future<Output = Result<(), Error>> + Send>,
            )>,
        > + Send,
>;

/// What the `wasi:http` send hook of one VU needs.
pub(crate) struct Hooks {
    /// Where sessions come from; `None` for the probe instance, which may
    /// not send.
    client: Option<Client>,
    /// This VU's session for `wasi:http`, made on its first request. The
    /// lock is never contended: a VU sends one request at a time, and the
    /// future that sends runs on a task of its own.
    session: Option<Arc<Mutex<Session>>>,
    metrics: Option<Arc<Metrics>>,
    /// The task of the running iteration, copied from the VU's state each
    /// time the guest reaches `wasi:http`.
    pub(crate) task: String,
}

impl Hooks {
    pub(crate) fn new(client: Option<Client>, metrics: Option<Arc<Metrics>>) -> Hooks {
        Hooks {
            client,
            session: None,
            metrics,
            task: String::new(),
        }
    }

    /// Frees the read buffers of the `wasi:http` session's idle
    /// connections (see [`Session::rest`]); a session busy with a request
    /// is left as it is.
    pub(crate) fn rest(&self) {
        if let Some(session) = &self.session
            && let Ok(mut session) = session.try_lock()
        {
            session.rest();
        }
    }
}

impl WasiHttpHooks for Hooks {
    /// throng's session writes `host` itself, from the URL.
    fn set_host_header(&mut self) -> bool {
        false
    }

    fn send_request(
        &mut self,
        request: http::Request<WasiBody>,
        options: Option<RequestOptions>,
        _response_done: Box<dyn Future<Output = Result<(), Error>> + Send>,
    ) -> Sent {
        let Some(client) = &self.client else {
            return Box::new(async { Err(Error::HttpRequestDenied) });
        };
        let session = self
            .session
            .get_or_insert_with(|| Arc::new(Mutex::new(client.session())))
            .clone();
        let metrics = self.metrics.clone();
        let task = self.task.clone();
        Box::new(async move {
            let (parts, body) = request.into_parts();
            let method =
                parse_method(parts.method.as_str()).map_err(|_| Error::HttpRequestMethodInvalid)?;
            let url = parts.uri.to_string();
            let mut name = None;
            let mut tags = Vec::new();
            let mut headers = Vec::with_capacity(parts.headers.len());
            for (key, value) in &parts.headers {
                let key = key.as_str();
                let Ok(value) = value.to_str() else {
                    return Err(Error::HttpRequestHeaderSize {
                        field_name: Some(key.to_owned()),
                        field_size: None,
                    });
                };
                if let Some(tag) = key.strip_prefix(TAG_HEADER) {
                    tags.push((tag.to_owned(), value.to_owned()));
                } else if key == NAME_HEADER {
                    name = Some(value.to_owned());
                } else if !key.starts_with(THRONG_HEADER) {
                    headers.push((key.to_owned(), value.to_owned()));
                }
            }
            let body = body.collect().await?.to_bytes();
            let name = name.unwrap_or_else(|| format!("{method} {}", url_path(&url)));
            let timeout = options.and_then(|o| {
                [
                    o.connect_timeout,
                    o.first_byte_timeout,
                    o.between_bytes_timeout,
                ]
                .into_iter()
                .flatten()
                .max()
            });
            let request = Request {
                method: method.clone(),
                url,
                headers,
                body: (!body.is_empty() || method_has_body(&method)).then_some(body),
                timeout,
                body_mode: BodyMode::Keep,
                keep_headers: true,
            };
            let result = session.lock().await.send(request).await;
            record(metrics.as_deref(), &task, &tags, &name, &method, &result);
            let response = result.map_err(|e| wasi_error(e.kind))?;
            let mut builder = http::Response::builder().status(response.status);
            for (key, value) in &response.headers {
                // The body arrives whole; how it was framed on the wire no
                // longer applies.
                if !key.eq_ignore_ascii_case("transfer-encoding") {
                    builder = builder.header(key, value);
                }
            }
            let body = Full::new(response.body)
                .map_err(|never: Infallible| match never {})
                .boxed_unsync();
            let response = builder
                .body(body)
                .map_err(|e| Error::InternalError(Some(e.to_string())))?;
            let done: Box<dyn Future<Output = Result<(), Error>> + Send> =
                Box::new(async { Ok(()) });
            Ok((response, done))
        })
    }
}

/// Methods whose empty body is still sent (with `content-length: 0`).
fn method_has_body(method: &http::Method) -> bool {
    matches!(
        *method,
        http::Method::POST | http::Method::PUT | http::Method::PATCH
    )
}

/// The `wasi:http` error code a failed request reports to the guest; the
/// full message is in the run's errors.
fn wasi_error(kind: ErrorKind) -> Error {
    match kind {
        ErrorKind::Denied => Error::HttpRequestDenied,
        ErrorKind::Timeout => Error::HttpResponseTimeout,
        ErrorKind::Connect => Error::ConnectionRefused,
        ErrorKind::Tls => Error::TlsProtocolError,
        ErrorKind::Protocol => Error::HttpProtocolError,
        ErrorKind::InvalidRequest => Error::HttpRequestUriInvalid,
        ErrorKind::BodyTooLarge => Error::HttpResponseBodySize(None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_bodies_are_sent_only_for_methods_that_carry_one() {
        assert!(method_has_body(&http::Method::POST));
        assert!(!method_has_body(&http::Method::GET));
        assert!(matches!(
            wasi_error(ErrorKind::Denied),
            Error::HttpRequestDenied
        ));
    }
}
