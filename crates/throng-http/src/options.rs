//! The settings one run's client is built from.

use std::num::NonZeroUsize;
use std::time::Duration;

use crate::AllowList;

/// Settings shared by every session of a [`Client`](crate::Client).
///
/// [`ClientOptions::default`] gives the values documented on each field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientOptions {
    /// Accept any server certificate, whoever signed it and whatever name it
    /// carries.
    ///
    /// This turns off the protection TLS gives against someone in the
    /// middle: use it only against test systems whose certificates cannot be
    /// trusted otherwise, and prefer [`ClientOptions::extra_roots_pem`].
    /// Default: `false`.
    pub insecure: bool,
    /// Extra certificate authorities to trust, each a PEM text holding one or
    /// more certificates, on top of the bundled Mozilla roots and the
    /// system's. Default: none.
    pub extra_roots_pem: Vec<String>,
    /// How long DNS, TCP connect, the TLS handshake and the HTTP connection
    /// setup of one new connection may take together. Default: 10 s.
    pub connect_timeout: Duration,
    /// The whole-request timeout for requests that do not set their own.
    /// Default: 60 s.
    pub default_timeout: Duration,
    /// The largest body, in bytes, kept in memory in
    /// [`BodyMode::Keep`](crate::BodyMode::Keep); a larger one fails the
    /// request with [`ErrorKind::BodyTooLarge`](crate::ErrorKind::BodyTooLarge).
    /// Default: 64 MiB.
    pub max_kept_body: usize,
    /// The `user-agent` sent when a request does not set one.
    /// Default: `throng/<version>`.
    pub user_agent: String,
    /// The hosts requests may go to; any other is refused with
    /// [`ErrorKind::Denied`](crate::ErrorKind::Denied) before a socket is
    /// opened. Default: [`AllowList::any`], no check: a library caller
    /// decides, and `throng run` always sets a list.
    pub allow: AllowList,
    /// Connections shared by every session instead of each session keeping
    /// its own: at most this many open at once, lent to one request at a
    /// time. A request waits in turn for a free one, and the wait counts as
    /// [`Timings::blocked`](crate::Timings::blocked) (within its timeout).
    /// Default: `None`, each session keeps one connection per origin, as a
    /// browser does.
    pub shared_connections: Option<NonZeroUsize>,
}

impl Default for ClientOptions {
    fn default() -> Self {
        ClientOptions {
            insecure: false,
            extra_roots_pem: Vec::new(),
            connect_timeout: Duration::from_secs(10),
            default_timeout: Duration::from_secs(60),
            max_kept_body: 64 * 1024 * 1024,
            user_agent: concat!("throng/", env!("CARGO_PKG_VERSION")).to_owned(),
            allow: AllowList::any(),
            shared_connections: None,
        }
    }
}
