//! The HTTP client that virtual users (VUs) send their requests through.
//!
//! A run builds one [`Client`] from [`ClientOptions`]: the TLS roots, the
//! timeouts, the body cap and the user agent that every VU shares. Each VU
//! then takes its own [`Session`] from it. A session keeps that VU's
//! connections alive between requests the way one browser would: ten VUs
//! sending a hundred requests each to one origin open about ten connections,
//! not a thousand, and never share them with each other. A client built
//! with [`ClientOptions::shared_connections`] instead lends its sessions
//! connections from one pool of a fixed size (Gatling's shared
//! connections): many VUs that mostly think need few sockets.
//!
//! [`Session::send`] takes a [`Request`] and returns a [`Response`] or a
//! [`RequestError`]. Both carry [`Timings`] measured on the real connection
//! (DNS, TCP connect, TLS handshake, sending, waiting for the head, receiving
//! the body), so a failed request still reports what it got through. A
//! response body is either kept in memory, up to
//! [`ClientOptions::max_kept_body`], or streamed, counted and dropped frame
//! by frame ([`BodyMode::Discard`]), so a hundred VUs can each download 25 MB
//! without holding 2.5 GB.
//!
//! # Allowed hosts
//!
//! [`ClientOptions::allow`] is the [`AllowList`] of hosts requests may go
//! to. Every request is checked before a socket is opened: its URL's host
//! and port against the list, then each address DNS gave for a host name,
//! so that an allowed name pointing at a private or cloud-metadata address
//! is refused too. A refused request fails with [`ErrorKind::Denied`]. The
//! client follows no redirects, so a 3xx never takes a request elsewhere.
//!
//! # Boundaries
//!
//! Only this crate knows hyper and rustls: callers see our own types, and
//! every failure is sorted into one small [`ErrorKind`] with a short message
//! for people. The crate knows nothing of plans, metrics or wasm: the list
//! of allowed hosts comes ready-made in [`ClientOptions`] (only its
//! messages name the plan key and flag that extend it). Nothing here
//! prints.
//!
//! # Hot path
//!
//! A session is used through `&mut` by one VU, so sending takes no lock and
//! the per-request work is the URL parse, writing the request head and
//! parsing the response's. HTTP/1.1 is used for `http://`, spoken by this
//! crate itself on the VU's own task (no connection task, no buffers kept
//! while the connection is idle); `https://` offers `h2` and `http/1.1`
//! through ALPN and speaks what the server picks, HTTP/2 through hyper.
//! A session's requests share one timer for their timeouts ([`KeptTimer`],
//! which the host's guest calls use too).
//!
//! A runtime built with [`batch_writes`] writes the plain HTTP/1.1 requests
//! of the VUs on each worker thread together, when the thread runs out of
//! tasks, as wrk's event loop does: a server on the same machine then wakes
//! once per batch instead of once per request, and throng spends less
//! system time per request. A request's wait in the batch counts as its
//! `sending`, never as the server's time. [`flush_writes`] writes a
//! thread's batch at once, before a long computation.
//!
//! # Example
//!
//! ```no_run
//! use throng_http::{BodyMode, Client, ClientOptions, Request};
//!
//! # async fn journey() -> Result<(), Box<dyn std::error::Error>> {
//! let client = Client::new(ClientOptions::default())?;
//! let mut session = client.session();
//! let response = session
//!     .send(Request {
//!         body_mode: BodyMode::Discard,
//!         ..Request::get("https://example.com/model.bin")
//!     })
//!     .await?;
//! assert!(response.body.is_empty());
//! let _downloaded = response.body_bytes;
//! let _ttfb = response.timings.waiting;
//! # Ok(())
//! # }
//! ```

mod allow;
mod batch;
mod body;
mod client;
mod dial;
mod error;
mod h1;
mod kept_timer;
mod message;
mod options;
mod pool;
mod session;
mod target;
mod timings;
mod tls;
mod wire;

pub use allow::{AllowHostError, AllowList, AllowedHost};
pub use batch::{batch_writes, flush_writes};
pub use client::{Client, ClientError};
pub use error::{ErrorKind, RequestError};
pub use kept_timer::KeptTimer;
pub use message::{BodyMode, HttpVersion, Request, Response};
pub use options::ClientOptions;
pub use session::{Prepared, Session};
pub use timings::Timings;
