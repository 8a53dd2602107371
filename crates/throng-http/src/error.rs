//! Request failures, sorted from hyper's, rustls's and the socket's errors
//! into our own small set of kinds.

use std::error::Error as StdError;
use std::fmt;
use std::io;

use crate::Timings;

/// Why a request failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ErrorKind {
    /// The request did not complete within its timeout.
    Timeout,
    /// No connection: DNS failed, the connection was refused, the host was
    /// unreachable or connecting took longer than the connect timeout.
    Connect,
    /// The TLS handshake failed (an untrusted or mismatched certificate, no
    /// common protocol version) or TLS broke later.
    Tls,
    /// The server broke HTTP: a malformed response, or the connection closed
    /// or was reset before the response was complete.
    Protocol,
    /// The request could not be sent as given: a bad URL, header name or
    /// header value.
    InvalidRequest,
    /// A body kept in memory was larger than
    /// [`ClientOptions::max_kept_body`](crate::ClientOptions::max_kept_body).
    BodyTooLarge,
    /// The host is not on the client's
    /// [`AllowList`](crate::AllowList), or resolved only to addresses it
    /// may not reach. Nothing was sent and no socket was opened.
    Denied,
}

impl ErrorKind {
    /// A stable snake_case name, for tags and reports.
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorKind::Timeout => "timeout",
            ErrorKind::Connect => "connect",
            ErrorKind::Tls => "tls",
            ErrorKind::Protocol => "protocol",
            ErrorKind::InvalidRequest => "invalid_request",
            ErrorKind::BodyTooLarge => "body_too_large",
            ErrorKind::Denied => "denied",
        }
    }
}

impl fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A request that got no complete response.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct RequestError {
    /// What kind of failure it was.
    pub kind: ErrorKind,
    /// A short description for people, such as
    /// `connection refused (127.0.0.1:9)`.
    pub message: String,
    /// The phases measured before the failure, including the one it
    /// happened in.
    pub timings: Timings,
    /// Response body bytes received before the failure.
    pub body_bytes: u64,
}

/// A failure before the timings are attached.
#[derive(Debug)]
pub(crate) struct Failure {
    pub(crate) kind: ErrorKind,
    pub(crate) message: String,
}

impl Failure {
    pub(crate) fn new(kind: ErrorKind, message: impl Into<String>) -> Failure {
        Failure {
            kind,
            message: message.into(),
        }
    }

    /// A failure from hyper, while doing what `doing` says (for example
    /// `reading the response body`).
    pub(crate) fn from_hyper(err: &hyper::Error, doing: &str) -> Failure {
        if let Some(tls) = find::<rustls::Error>(err) {
            return Failure::new(ErrorKind::Tls, format!("TLS error while {doing}: {tls}"));
        }
        if let Some(io) = find::<io::Error>(err) {
            let kind = if io.kind() == io::ErrorKind::TimedOut {
                ErrorKind::Timeout
            } else {
                ErrorKind::Protocol
            };
            return Failure::new(kind, format!("{} while {doing}", io_summary(io)));
        }
        if err.is_timeout() {
            return Failure::new(ErrorKind::Timeout, format!("timed out while {doing}"));
        }
        if err.is_parse() || err.is_parse_status() || err.is_parse_too_large() {
            return Failure::new(ErrorKind::Protocol, format!("invalid HTTP response: {err}"));
        }
        if err.is_incomplete_message() {
            return Failure::new(
                ErrorKind::Protocol,
                "connection closed before the response was complete",
            );
        }
        if err.is_user() {
            return Failure::new(ErrorKind::InvalidRequest, chain(err));
        }
        Failure::new(ErrorKind::Protocol, format!("{} while {doing}", chain(err)))
    }

    /// A kept body of at least `size` bytes, over the `max` it may have.
    pub(crate) fn body_too_large(size: u64, max: u64) -> Failure {
        Failure::new(
            ErrorKind::BodyTooLarge,
            format!(
                "response body of at least {size} bytes is over the {max}-byte limit for kept \
                 bodies; discard the body to download it"
            ),
        )
    }

    pub(crate) fn into_error(self, timings: Timings, body_bytes: u64) -> RequestError {
        RequestError {
            kind: self.kind,
            message: self.message,
            timings,
            body_bytes,
        }
    }
}

/// A short, lower-case description of a socket error, without the OS error
/// number that [`io::Error`]'s `Display` adds.
pub(crate) fn io_summary(err: &io::Error) -> String {
    let text = match err.kind() {
        io::ErrorKind::ConnectionRefused => "connection refused",
        io::ErrorKind::ConnectionReset => "connection reset by peer",
        io::ErrorKind::ConnectionAborted => "connection aborted",
        io::ErrorKind::BrokenPipe => "connection closed by peer",
        io::ErrorKind::UnexpectedEof => "connection closed early",
        io::ErrorKind::TimedOut => "connection timed out",
        io::ErrorKind::HostUnreachable => "host unreachable",
        io::ErrorKind::NetworkUnreachable => "network unreachable",
        io::ErrorKind::AddrNotAvailable => "address not available",
        _ => return err.to_string(),
    };
    text.to_owned()
}

/// The first error of type `E` in `err`'s source chain, looking inside
/// wrapped [`io::Error`]s too.
pub(crate) fn find<'a, E: StdError + 'static>(err: &'a (dyn StdError + 'static)) -> Option<&'a E> {
    let mut next = Some(err);
    while let Some(e) = next {
        if let Some(found) = e.downcast_ref::<E>() {
            return Some(found);
        }
        // An io::Error's `source` skips the error it wraps (rustls puts its
        // own there), so look inside it first.
        next = match e.downcast_ref::<io::Error>().and_then(io::Error::get_ref) {
            Some(inner) => Some(inner),
            None => e.source(),
        };
    }
    None
}

/// `err` and its sources, joined with `: `.
fn chain(err: &(dyn StdError + 'static)) -> String {
    let mut text = err.to_string();
    let mut next = err.source();
    while let Some(e) = next {
        text.push_str(": ");
        text.push_str(&e.to_string());
        next = e.source();
    }
    text
}
