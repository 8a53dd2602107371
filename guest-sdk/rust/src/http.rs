//! HTTP requests through the host, built as one chained expression.
//!
//! ```ignore
//! let r = http::post(url).name("query").bearer(&token).json(&body).send()?;
//! ```

use std::fmt;
use std::time::Duration;

use crate::__bindings::throng::vu::http as wit;

pub use wit::Timings;

/// A request being built; finish it with [`RequestBuilder::send`].
#[must_use = "a request does nothing until `.send()`"]
pub struct RequestBuilder {
    request: wit::Request,
    ignore_headers: bool,
}

/// Start a request with any method.
pub fn request(method: &str, url: impl Into<String>) -> RequestBuilder {
    RequestBuilder {
        request: wit::Request {
            method: method.to_owned(),
            url: url.into(),
            headers: Vec::new(),
            body: None,
            name: None,
            tags: Vec::new(),
            timeout_ms: None,
            body_mode: wit::BodyMode::Keep,
        },
        ignore_headers: false,
    }
}

/// Start a `GET` request.
pub fn get(url: impl Into<String>) -> RequestBuilder {
    request("GET", url)
}

/// Start a `POST` request.
pub fn post(url: impl Into<String>) -> RequestBuilder {
    request("POST", url)
}

/// Start a `PUT` request.
pub fn put(url: impl Into<String>) -> RequestBuilder {
    request("PUT", url)
}

/// Start a `PATCH` request.
pub fn patch(url: impl Into<String>) -> RequestBuilder {
    request("PATCH", url)
}

/// Start a `DELETE` request.
pub fn delete(url: impl Into<String>) -> RequestBuilder {
    request("DELETE", url)
}

impl RequestBuilder {
    /// The metric name this request is grouped under (default `METHOD path`).
    pub fn name(mut self, name: impl Into<String>) -> Self {
        self.request.name = Some(name.into());
        self
    }

    /// Add a header.
    pub fn header(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.request.headers.push((name.into(), value.into()));
        self
    }

    /// Add `Authorization: Bearer <token>`.
    pub fn bearer(self, token: &str) -> Self {
        self.header("authorization", format!("Bearer {token}"))
    }

    /// Add a tag to the recorded sample.
    pub fn tag(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.request.tags.push((key.into(), value.into()));
        self
    }

    /// Set the request body.
    pub fn body(mut self, body: impl Into<Vec<u8>>) -> Self {
        self.request.body = Some(body.into());
        self
    }

    /// Serialise `value` as the JSON body and set `content-type`.
    #[cfg(feature = "json")]
    pub fn json<T: serde::Serialize + ?Sized>(self, value: &T) -> Self {
        // Serialising plain data into a Vec cannot fail; a type whose
        // `Serialize` impl errors gets an empty body and a failing request.
        let body = serde_json::to_vec(value).unwrap_or_default();
        self.header("content-type", "application/json").body(body)
    }

    /// Deadline for the whole request.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.request.timeout_ms = Some(timeout.as_millis().min(u32::MAX as u128) as u32);
        self
    }

    /// Stream the response body, count its bytes and drop it: the guest never
    /// holds it. Use for downloads.
    pub fn discard_body(mut self) -> Self {
        self.request.body_mode = wit::BodyMode::Discard;
        self
    }

    /// Leave the response's headers out: [`Response::headers`] comes back
    /// empty. For a journey that never reads them, this saves the host
    /// copying each one into the guest (about 1.4 µs a request for a
    /// typical five headers). Status, body and timings are unchanged.
    pub fn ignore_response_headers(mut self) -> Self {
        self.ignore_headers = true;
        self
    }

    /// Send the request and wait for the response.
    pub fn send(self) -> Result<Response, HttpError> {
        send(&self.request, self.ignore_headers)
    }

    /// Keep the request to send it again and again: the host keeps it,
    /// checked, and each [`Prepared::send`] passes it only a handle, with
    /// no building, copying or allocating per request. For a journey that
    /// repeats one fixed request in every iteration.
    pub fn prepare(self) -> Prepared {
        Prepared(wit::PreparedRequest::new(
            &self.request,
            !self.ignore_headers,
        ))
    }
}

/// A request kept by the host to be sent many times; made by
/// [`RequestBuilder::prepare`].
///
/// ```ignore
/// // in `on_start`:
/// self.health = Some(http::get(format!("{base}/health")).name("health").prepare());
/// // in `iteration`:
/// let r = self.health.as_ref().unwrap().send()?;
/// ```
pub struct Prepared(wit::PreparedRequest);

impl Prepared {
    /// Send the request and wait for the response.
    pub fn send(&self) -> Result<Response, HttpError> {
        self.0.send().map(Response::from).map_err(HttpError)
    }
}

fn send(request: &wit::Request, ignore_headers: bool) -> Result<Response, HttpError> {
    let sent = if ignore_headers {
        wit::send_ignoring_headers(request)
    } else {
        wit::send(request)
    };
    sent.map(Response::from).map_err(HttpError)
}

/// A response, whatever its status.
#[derive(Debug, Clone)]
pub struct Response {
    /// The status code.
    pub status: u16,
    /// Response headers, in order.
    pub headers: Vec<(String, String)>,
    /// The body (empty when it was discarded).
    pub body: Vec<u8>,
    /// Body bytes received from the network.
    pub bytes_received: u64,
    /// Where the time went.
    pub timings: Timings,
}

impl From<wit::Response> for Response {
    fn from(r: wit::Response) -> Self {
        Response {
            status: r.status,
            headers: r.headers,
            body: r.body,
            bytes_received: r.bytes_received,
            timings: r.timings,
        }
    }
}

impl Response {
    /// The first header named `name` (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The body as text (lossy UTF-8).
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    /// Decode the body as JSON.
    #[cfg(feature = "json")]
    pub fn json<T: serde::de::DeserializeOwned>(&self) -> Result<T, serde_json::Error> {
        serde_json::from_slice(&self.body)
    }

    /// The request's duration (sending + waiting + receiving).
    pub fn duration(&self) -> Duration {
        Duration::from_micros(self.timings.duration_us)
    }
}

/// Why a request produced no response.
#[derive(Debug, Clone)]
pub struct HttpError(pub wit::HttpError);

impl fmt::Display for HttpError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (class, message) = match &self.0 {
            wit::HttpError::Timeout(m) => ("timeout", m),
            wit::HttpError::Connect(m) => ("connect", m),
            wit::HttpError::Tls(m) => ("tls", m),
            wit::HttpError::Protocol(m) => ("protocol", m),
            wit::HttpError::Denied(m) => ("denied", m),
            wit::HttpError::InvalidRequest(m) => ("invalid request", m),
        };
        write!(f, "{class} error: {message}")
    }
}

impl std::error::Error for HttpError {}
