//! What the engine and the host hand to [`Metrics`](crate::Metrics): one
//! finished request, one finished iteration.

use std::fmt;
use std::time::Duration;

use serde::{Deserialize, Serialize};

/// Classes of failed requests.
///
/// The HTTP client classifies its own errors into these; metrics never sees
/// the client's error types. A response with status 400 or more is a
/// failure too, classed [`Status4xx`](ErrorClass::Status4xx) or
/// [`Status5xx`](ErrorClass::Status5xx) (see [`RequestSample::error_class`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum ErrorClass {
    /// The connection could not be opened (refused, unreachable, DNS).
    #[serde(rename = "connect")]
    Connect,
    /// The request did not finish within its timeout.
    #[serde(rename = "timeout")]
    Timeout,
    /// The TLS handshake failed (certificate, protocol version).
    #[serde(rename = "tls")]
    Tls,
    /// The server broke the HTTP protocol or closed the connection midway.
    #[serde(rename = "protocol")]
    Protocol,
    /// The sandbox refused the request (host not on the plan's allowlist).
    #[serde(rename = "denied")]
    Denied,
    /// The guest asked for something that is not a valid request (bad URL,
    /// bad header).
    #[serde(rename = "invalid_request")]
    InvalidRequest,
    /// The server answered with a status from 400 to 499.
    #[serde(rename = "status_4xx")]
    Status4xx,
    /// The server answered with a status of 500 or more.
    #[serde(rename = "status_5xx")]
    Status5xx,
}

impl ErrorClass {
    /// Every class, in declaration order.
    pub const ALL: [ErrorClass; 8] = [
        ErrorClass::Connect,
        ErrorClass::Timeout,
        ErrorClass::Tls,
        ErrorClass::Protocol,
        ErrorClass::Denied,
        ErrorClass::InvalidRequest,
        ErrorClass::Status4xx,
        ErrorClass::Status5xx,
    ];

    /// The stable name used in the JSON results and in the summary.
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorClass::Connect => "connect",
            ErrorClass::Timeout => "timeout",
            ErrorClass::Tls => "tls",
            ErrorClass::Protocol => "protocol",
            ErrorClass::Denied => "denied",
            ErrorClass::InvalidRequest => "invalid_request",
            ErrorClass::Status4xx => "status_4xx",
            ErrorClass::Status5xx => "status_5xx",
        }
    }

    /// The class of a response status, if that status counts as a failure
    /// (400 and above, as in k6).
    pub fn from_status(status: u16) -> Option<ErrorClass> {
        match status {
            400..=499 => Some(ErrorClass::Status4xx),
            500.. => Some(ErrorClass::Status5xx),
            _ => None,
        }
    }

    /// Position in [`ErrorClass::ALL`], for per-class counter arrays.
    pub(crate) fn index(self) -> usize {
        self as usize
    }
}

impl fmt::Display for ErrorClass {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Where the time of one request went, in the order the phases happen
/// (k6's `http_req_blocked`, `_connecting`, `_tls_handshaking`, `_sending`,
/// `_waiting`, `_receiving`). A phase that did not happen, such as
/// `connect` on a reused connection, is zero.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Phases {
    /// Waiting for a free connection slot before the request could start.
    pub blocked: Duration,
    /// Opening the TCP connection.
    pub connect: Duration,
    /// The TLS handshake.
    pub tls: Duration,
    /// Writing the request head and body.
    pub sending: Duration,
    /// From the end of sending to the first byte of the response (TTFB).
    pub waiting: Duration,
    /// Reading the response body.
    pub receiving: Duration,
}

/// One finished request, as the HTTP client measured it.
///
/// Borrowed strings so that recording a request allocates nothing once its
/// name has been seen.
#[derive(Debug, Clone, Copy)]
pub struct RequestSample<'a> {
    /// The metric name the guest gave the request, such as
    /// `GET /patients/{id}`; per-endpoint statistics group by it.
    pub name: &'a str,
    /// The HTTP method.
    pub method: &'a str,
    /// The response status, if a response arrived.
    pub status: Option<u16>,
    /// Why the request failed without a usable response, if it did.
    pub error: Option<ErrorClass>,
    /// Total time of the request (k6's `http_req_duration`).
    pub duration: Duration,
    /// The parts of `duration`.
    pub phases: Phases,
    /// Bytes read from the network for this request (head and body).
    pub bytes_received: u64,
    /// Bytes written to the network for this request (head and body).
    pub bytes_sent: u64,
    /// The client's description of the failure, kept among the first
    /// distinct error messages of the run.
    pub error_message: Option<&'a str>,
}

impl RequestSample<'_> {
    /// Whether the request counts as failed: it got no usable response, or
    /// its status is 400 or more (k6's `http_req_failed`).
    pub fn failed(&self) -> bool {
        self.error_class().is_some()
    }

    /// The class of the failure: the client's own class if it set one,
    /// otherwise the class of the status.
    pub fn error_class(&self) -> Option<ErrorClass> {
        self.error
            .or_else(|| self.status.and_then(ErrorClass::from_status))
    }
}

/// How one iteration of a journey ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum IterationOutcome {
    /// The iteration ran to its end and reported success.
    Completed,
    /// The guest returned an error or trapped.
    Failed,
    /// The engine stopped the iteration (end of the run, graceful stop
    /// timed out, limits); its duration says nothing about the system under
    /// test, so it is not recorded in `iteration_duration`.
    Interrupted,
}
