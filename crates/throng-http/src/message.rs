//! What a VU sends and what it gets back.

use std::fmt;
use std::time::Duration;

use bytes::Bytes;

use crate::Timings;

/// One HTTP request, as a journey describes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request {
    /// The method.
    pub method: http::Method,
    /// An absolute `http://` or `https://` URL; the host may be a name, an
    /// IPv4 address or a bracketed IPv6 address such as `[::1]`.
    pub url: String,
    /// Headers to send, in order; a name may repeat. `host`, `user-agent`
    /// and `content-length` are filled in when absent.
    pub headers: Vec<(String, String)>,
    /// The body, if any.
    pub body: Option<Bytes>,
    /// The whole-request timeout (connect, head and body); `None` uses
    /// [`ClientOptions::default_timeout`](crate::ClientOptions::default_timeout).
    pub timeout: Option<Duration>,
    /// Whether the response body is kept or counted and dropped.
    pub body_mode: BodyMode,
    /// Whether the response's headers are copied into
    /// [`Response::headers`]; when `false` that list stays empty, saving a
    /// pair of allocations per header for a journey that reads none.
    pub keep_headers: bool,
}

impl Request {
    /// A request with this method and URL, no headers, no body, the default
    /// timeout, [`BodyMode::Keep`] and the response headers kept.
    pub fn new(method: http::Method, url: impl Into<String>) -> Request {
        Request {
            method,
            url: url.into(),
            headers: Vec::new(),
            body: None,
            timeout: None,
            body_mode: BodyMode::Keep,
            keep_headers: true,
        }
    }

    /// A `GET` of this URL; see [`Request::new`].
    pub fn get(url: impl Into<String>) -> Request {
        Request::new(http::Method::GET, url)
    }
}

/// What happens to a response body.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub enum BodyMode {
    /// Collect the body into [`Response::body`], up to
    /// [`ClientOptions::max_kept_body`](crate::ClientOptions::max_kept_body).
    #[default]
    Keep,
    /// Read the body to its end, counting its bytes and dropping each chunk
    /// as it arrives; [`Response::body`] stays empty. Memory use does not
    /// grow with the body's size.
    Discard,
}

/// The HTTP version a response came over.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum HttpVersion {
    /// HTTP/1.1 (or 1.0).
    Http1,
    /// HTTP/2, negotiated through TLS ALPN.
    Http2,
}

impl HttpVersion {
    /// The version as it appears on the wire: `HTTP/1.1` or `HTTP/2`.
    pub fn as_str(self) -> &'static str {
        match self {
            HttpVersion::Http1 => "HTTP/1.1",
            HttpVersion::Http2 => "HTTP/2",
        }
    }
}

impl fmt::Display for HttpVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A response that arrived in full (any status: a 500 is a response, not an
/// error).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Response {
    /// The status code.
    pub status: u16,
    /// The HTTP version of the connection it came over.
    pub version: HttpVersion,
    /// The response headers in the order received; names are lower case,
    /// values that are not UTF-8 are converted lossily.
    pub headers: Vec<(String, String)>,
    /// The body in [`BodyMode::Keep`]; empty in [`BodyMode::Discard`].
    pub body: Bytes,
    /// Body bytes received (after any transfer decoding), in both modes.
    pub body_bytes: u64,
    /// Approximate bytes sent: the request line, the headers and the body
    /// as HTTP/1.1 would write them (HTTP/2 framing and TLS overhead are not
    /// counted).
    pub bytes_sent: u64,
    /// How long each phase took.
    pub timings: Timings,
    /// Whether the request went over a connection an earlier request of the
    /// same session had opened.
    pub reused_connection: bool,
}
