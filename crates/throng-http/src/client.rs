//! The run-wide client: settings every VU shares, and where sessions come
//! from.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use http::HeaderValue;

use crate::pool::Pool;
use crate::{AllowList, ClientOptions, Session, tls};

/// Why a [`Client`] could not be built from its options.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ClientError {
    /// An entry of [`ClientOptions::extra_roots_pem`] is not a usable PEM
    /// certificate.
    #[error("extra root certificate #{index} is not usable: {reason}")]
    InvalidRoot {
        /// Its position in `extra_roots_pem`, from 0.
        index: usize,
        /// What is wrong with it.
        reason: String,
    },
    /// [`ClientOptions::user_agent`] cannot be sent as a header value.
    #[error("user agent {0:?} is not a valid header value")]
    InvalidUserAgent(String),
    /// The TLS library refused the configuration.
    #[error("TLS configuration: {0}")]
    Tls(String),
}

/// The HTTP client of one run.
///
/// Cheap to clone (the settings sit behind an [`Arc`]) and shared by every
/// VU; each VU sends through its own [`Session`] from [`Client::session`].
#[derive(Clone)]
pub struct Client {
    pub(crate) shared: Arc<Shared>,
}

/// What every session of a client reads.
pub(crate) struct Shared {
    pub(crate) tls: tls::RunTls,
    pub(crate) connect_timeout: Duration,
    pub(crate) default_timeout: Duration,
    pub(crate) max_kept_body: usize,
    pub(crate) user_agent: HeaderValue,
    pub(crate) allow: AllowList,
    /// The connections sessions share, when they do.
    pub(crate) pool: Option<Pool>,
}

impl Client {
    /// Builds the client, checking its TLS roots; the system's are loaded
    /// once for the whole run, on its first `https://` dial.
    pub fn new(opts: ClientOptions) -> Result<Client, ClientError> {
        let user_agent = HeaderValue::try_from(opts.user_agent.as_str())
            .map_err(|_| ClientError::InvalidUserAgent(opts.user_agent.clone()))?;
        Ok(Client {
            shared: Arc::new(Shared {
                tls: tls::RunTls::new(&opts)?,
                connect_timeout: opts.connect_timeout,
                default_timeout: opts.default_timeout,
                max_kept_body: opts.max_kept_body,
                user_agent,
                allow: opts.allow,
                pool: opts.shared_connections.map(Pool::new),
            }),
        })
    }

    /// A new session with no connections, for one VU.
    pub fn session(&self) -> Session {
        Session::new(self.clone())
    }
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = &self.shared;
        f.debug_struct("Client")
            .field("connect_timeout", &s.connect_timeout)
            .field("default_timeout", &s.default_timeout)
            .field("max_kept_body", &s.max_kept_body)
            .field("user_agent", &s.user_agent)
            .field("allow", &s.allow)
            .field("shared_connections_idle", &s.pool.as_ref().map(Pool::idle))
            .finish_non_exhaustive()
    }
}
