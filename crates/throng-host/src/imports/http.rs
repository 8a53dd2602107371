//! `throng:vu/http`: requests through the VU's own session, each one timed
//! and recorded.

use std::future::Future;
use std::time::Duration;

use throng_http::{BodyMode, ErrorKind, Request, RequestError, Response};
use throng_metrics::{ErrorClass, Metrics, Phases, RequestSample, RequestTags};
use wasmtime::component::Resource;

use crate::bindings::throng::vu::http::{self as wit, Host, HostPreparedRequest};
use crate::state::VuState;

// Both hand back `send_request`'s own future rather than wrapping it in
// one more `async fn`: each layer copies the one below into itself when
// first polled, ~600 bytes per request here.
impl Host for VuState {
    fn send(
        &mut self,
        req: wit::Request,
    ) -> impl Future<Output = Result<wit::Response, wit::HttpError>> + Send {
        self.send_request(req, Headers::Keep)
    }

    fn send_ignoring_headers(
        &mut self,
        req: wit::Request,
    ) -> impl Future<Output = Result<wit::Response, wit::HttpError>> + Send {
        self.send_request(req, Headers::Ignore)
    }
}

/// Whether a response's headers go back to the guest.
#[derive(Clone, Copy)]
enum Headers {
    Keep,
    Ignore,
}

impl VuState {
    async fn send_request(
        &mut self,
        req: wit::Request,
        headers: Headers,
    ) -> Result<wit::Response, wit::HttpError> {
        let Some(session) = self.http.as_mut() else {
            return Err(no_http());
        };
        let method = match parse_method(&req.method) {
            Ok(m) => m,
            Err(_) => return Err(invalid_method(&req.method)),
        };
        let (request, name, tags) = into_request(req, method.clone(), headers);
        let name = match &name {
            Some(name) => name.as_str(),
            None => self.default_name.of(&method, &request.url),
        };
        let result = session.send(request).await;
        let metrics = self.metrics.as_deref();
        record(metrics, &self.task, &tags, name, &method, &result);
        to_wit(result, headers)
    }
}

/// The most a VU's prepared requests may hold on the host, all together
/// (URLs, headers, bodies, names and tags): a journey keeps a handful of
/// small ones, and a guest must not grow the host's heap without bound.
const MAX_PREPARED_BYTES: usize = 16 << 20;

/// A VU's prepared requests, each at the index its handle carries: a
/// slot list rather than the store's `ResourceTable`, which would box each
/// one and grow an entry list of its own, ~0.2 KiB more per VU that keeps
/// one request.
#[derive(Default)]
pub(crate) struct PreparedRequests {
    slots: Vec<Option<PreparedRequest>>,
    /// What they hold on the host, against [`MAX_PREPARED_BYTES`].
    bytes: usize,
}

impl PreparedRequests {
    fn get(&self, handle: &Resource<PreparedRequest>) -> Option<&PreparedRequest> {
        self.slots.get(handle.rep() as usize)?.as_ref()
    }
}

/// A request a guest keeps with the host (`prepared-request`), checked
/// once and sent by handle.
pub struct PreparedRequest {
    /// Why it cannot be sent, if it cannot; else what sends it.
    kept: Result<Kept, wit::HttpError>,
    /// Its share of what the VU's prepared requests hold.
    bytes: usize,
}

struct Kept {
    request: throng_http::Prepared,
    method: http::Method,
    name: String,
    tags: Vec<(String, String)>,
    headers: Headers,
}

impl HostPreparedRequest for VuState {
    async fn new(
        &mut self,
        req: wit::Request,
        keep_headers: bool,
    ) -> wasmtime::Result<Resource<PreparedRequest>> {
        let bytes = kept_size(&req);
        let total = self.prepared.bytes.saturating_add(bytes);
        if total > MAX_PREPARED_BYTES {
            wasmtime::bail!(
                "the journey's prepared requests would hold {total} bytes on the host, \
                 more than the {} MiB a VU may keep; drop those it no longer sends",
                MAX_PREPARED_BYTES >> 20
            );
        }
        let headers = if keep_headers {
            Headers::Keep
        } else {
            Headers::Ignore
        };
        let kept = self.keep(req, headers);
        let prepared = &mut self.prepared;
        prepared.bytes = total;
        let request = Some(PreparedRequest { kept, bytes });
        let index = match prepared.slots.iter().position(Option::is_none) {
            Some(free) => {
                prepared.slots[free] = request;
                free
            }
            None => {
                // Exactly one more: most journeys keep one or two.
                prepared.slots.reserve_exact(1);
                prepared.slots.push(request);
                prepared.slots.len() - 1
            }
        };
        // The byte cap bounds the count far below `u32::MAX`.
        Ok(Resource::new_own(u32::try_from(index)?))
    }

    fn send(
        &mut self,
        handle: Resource<PreparedRequest>,
    ) -> impl Future<Output = Result<wit::Response, wit::HttpError>> + Send {
        self.send_prepared(handle)
    }

    async fn drop(&mut self, handle: Resource<PreparedRequest>) -> wasmtime::Result<()> {
        let prepared = &mut self.prepared;
        let Some(gone) = prepared
            .slots
            .get_mut(handle.rep() as usize)
            .and_then(Option::take)
        else {
            wasmtime::bail!("no prepared request {} to drop", handle.rep());
        };
        prepared.bytes -= gone.bytes;
        Ok(())
    }
}

impl VuState {
    /// Checks `req` once for [`PreparedRequest`].
    fn keep(&mut self, req: wit::Request, headers: Headers) -> Result<Kept, wit::HttpError> {
        let session = self.http.as_mut().ok_or_else(no_http)?;
        let method = parse_method(&req.method).map_err(|_| invalid_method(&req.method))?;
        let (request, name, tags) = into_request(req, method.clone(), headers);
        let name = match name {
            Some(name) => name,
            None => DefaultName::default().of(&method, &request.url).to_owned(),
        };
        Ok(Kept {
            request: session.prepare(request),
            method,
            name,
            tags,
            headers,
        })
    }

    async fn send_prepared(
        &mut self,
        handle: Resource<PreparedRequest>,
    ) -> Result<wit::Response, wit::HttpError> {
        // The guest holds the handle, so its slot is full; an empty one
        // would be a host bug, reported to the guest rather than trapping
        // the VU.
        let kept = match self.prepared.get(&handle).map(|p| &p.kept) {
            Some(Ok(kept)) => kept,
            Some(Err(refused)) => return Err(refused.clone()),
            None => {
                return Err(wit::HttpError::InvalidRequest(format!(
                    "no prepared request {}",
                    handle.rep()
                )));
            }
        };
        let Some(session) = self.http.as_mut() else {
            return Err(no_http());
        };
        let result = session.send_prepared(&kept.request).await;
        let metrics = self.metrics.as_deref();
        record(
            metrics,
            &self.task,
            &kept.tags,
            &kept.name,
            &kept.method,
            &result,
        );
        to_wit(result, kept.headers)
    }
}

/// What a prepared request holds on the host, about.
fn kept_size(req: &wit::Request) -> usize {
    let pairs =
        |list: &[(String, String)]| -> usize { list.iter().map(|(k, v)| k.len() + v.len()).sum() };
    req.method.len()
        + req.url.len()
        + pairs(&req.headers)
        + req.body.as_ref().map_or(0, Vec::len)
        + req.name.as_ref().map_or(0, String::len)
        + pairs(&req.tags)
        + std::mem::size_of::<PreparedRequest>()
}

/// `req` as the session takes it, and the metric name and tags it leaves.
fn into_request(
    req: wit::Request,
    method: http::Method,
    headers: Headers,
) -> (Request, Option<String>, Vec<(String, String)>) {
    let request = Request {
        method,
        url: req.url,
        headers: req.headers,
        body: req.body.map(Into::into),
        timeout: req.timeout_ms.map(|ms| Duration::from_millis(ms.into())),
        body_mode: body_mode(req.body_mode),
        keep_headers: matches!(headers, Headers::Keep),
    };
    (request, req.name, req.tags)
}

fn no_http() -> wit::HttpError {
    wit::HttpError::Denied("no HTTP while the host lists tasks".into())
}

fn invalid_method(method: &str) -> wit::HttpError {
    wit::HttpError::InvalidRequest(format!("invalid method {method:?}"))
}

fn body_mode(mode: wit::BodyMode) -> BodyMode {
    match mode {
        wit::BodyMode::Keep => BodyMode::Keep,
        wit::BodyMode::Discard => BodyMode::Discard,
    }
}

/// The guest's view of a request's outcome.
fn to_wit(
    result: Result<Response, RequestError>,
    headers: Headers,
) -> Result<wit::Response, wit::HttpError> {
    match result {
        Ok(r) => Ok(wit::Response {
            status: r.status,
            headers: match headers {
                Headers::Keep => r.headers,
                Headers::Ignore => Vec::new(),
            },
            body: r.body.into(),
            bytes_received: r.body_bytes,
            timings: wit_timings(&r.timings),
        }),
        Err(e) => Err(classify(e.kind, e.message).1),
    }
}

/// The name a request without one is recorded under, `"{method} {path}"`,
/// kept for the next request: a VU mostly sends the same request again,
/// which then needs no formatting and no allocation.
#[derive(Debug, Default)]
pub(crate) struct DefaultName(String);

impl DefaultName {
    /// The name of a request of `method` to `url`.
    pub(crate) fn of(&mut self, method: &http::Method, url: &str) -> &str {
        let (method, path) = (method.as_str(), url_path(url));
        let kept = self
            .0
            .strip_prefix(method)
            .and_then(|rest| rest.strip_prefix(' '));
        if kept != Some(path) {
            self.0.clear();
            self.0.push_str(method);
            self.0.push(' ');
            self.0.push_str(path);
        }
        &self.0
    }
}

/// Records one request's outcome under `name`, tagged with its `tags` and
/// the iteration's `task` (none when empty): the one path every request
/// takes, whether the guest sent it with `http.send`, a prepared request
/// or `wasi:http`.
pub(crate) fn record(
    metrics: Option<&Metrics>,
    task: &str,
    tags: &[(String, String)],
    name: &str,
    method: &http::Method,
    result: &Result<Response, RequestError>,
) {
    let Some(metrics) = metrics else { return };
    let tags = RequestTags {
        task: (!task.is_empty()).then_some(task),
        tags,
    };
    let sample = match result {
        Ok(r) => RequestSample {
            name,
            method: method.as_str(),
            status: Some(r.status),
            error: None,
            duration: r.timings.duration(),
            phases: phases(&r.timings),
            bytes_received: r.body_bytes,
            bytes_sent: r.bytes_sent,
            error_message: None,
        },
        Err(e) => RequestSample {
            name,
            method: method.as_str(),
            status: None,
            error: Some(classify(e.kind, String::new()).0),
            duration: e.timings.duration(),
            phases: phases(&e.timings),
            bytes_received: e.body_bytes,
            bytes_sent: 0,
            error_message: Some(&e.message),
        },
    };
    metrics.record_request_tagged(&sample, &tags);
}

/// The method, case-insensitively. Methods almost always arrive upper-case,
/// so the common case parses without allocating.
pub(crate) fn parse_method(method: &str) -> Result<http::Method, http::method::InvalidMethod> {
    if method.bytes().any(|b| b.is_ascii_lowercase()) {
        http::Method::from_bytes(method.to_ascii_uppercase().as_bytes())
    } else {
        http::Method::from_bytes(method.as_bytes())
    }
}

fn classify(kind: ErrorKind, message: String) -> (ErrorClass, wit::HttpError) {
    match kind {
        ErrorKind::Timeout => (ErrorClass::Timeout, wit::HttpError::Timeout(message)),
        ErrorKind::Connect => (ErrorClass::Connect, wit::HttpError::Connect(message)),
        ErrorKind::Tls => (ErrorClass::Tls, wit::HttpError::Tls(message)),
        ErrorKind::Protocol => (ErrorClass::Protocol, wit::HttpError::Protocol(message)),
        ErrorKind::InvalidRequest => (
            ErrorClass::InvalidRequest,
            wit::HttpError::InvalidRequest(message),
        ),
        ErrorKind::BodyTooLarge | ErrorKind::Denied => {
            (ErrorClass::Denied, wit::HttpError::Denied(message))
        }
    }
}

fn phases(t: &throng_http::Timings) -> Phases {
    Phases {
        blocked: t.blocked,
        connect: t.connect,
        tls: t.tls,
        sending: t.sending,
        waiting: t.waiting,
        receiving: t.receiving,
    }
}

fn wit_timings(t: &throng_http::Timings) -> wit::Timings {
    let us = |d: Duration| d.as_micros() as u64;
    wit::Timings {
        blocked_us: us(t.blocked),
        connect_us: us(t.connect),
        tls_us: us(t.tls),
        sending_us: us(t.sending),
        waiting_us: us(t.waiting),
        receiving_us: us(t.receiving),
        duration_us: us(t.duration()),
    }
}

/// The path of an absolute URL, without query or fragment (`/` if none):
/// the default metric name must not split one endpoint by query string.
pub(crate) fn url_path(url: &str) -> &str {
    let after_scheme = url.split_once("://").map_or(url, |(_, rest)| rest);
    let path = after_scheme.find('/').map_or("/", |i| &after_scheme[i..]);
    let end = path.find(['?', '#']).unwrap_or(path.len());
    &path[..end]
}

#[cfg(test)]
mod tests {
    use super::url_path;

    #[test]
    fn a_request_without_a_name_is_named_by_its_method_and_path() {
        let mut names = super::DefaultName::default();
        let get = http::Method::GET;
        assert_eq!(names.of(&get, "http://h/a?x=1"), "GET /a");
        assert_eq!(names.of(&get, "http://h/a?x=2"), "GET /a");
        assert_eq!(names.of(&http::Method::POST, "http://h/a"), "POST /a");
        assert_eq!(names.of(&http::Method::POST, "http://h"), "POST /");
        assert_eq!(names.of(&http::Method::POST, "http://h/b#f"), "POST /b");
    }

    #[test]
    fn methods_parse_in_any_case() {
        assert_eq!(super::parse_method("GET").unwrap(), http::Method::GET);
        assert_eq!(super::parse_method("post").unwrap(), http::Method::POST);
        assert!(super::parse_method("BAD METHOD").is_err());
    }

    #[test]
    fn default_names_use_the_path_only() {
        assert_eq!(url_path("http://h:1/a/b?x=1"), "/a/b");
        assert_eq!(url_path("https://h"), "/");
        assert_eq!(url_path("http://[::1]:8080/q#frag"), "/q");
    }
}
