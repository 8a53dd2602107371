//! A demo system under test, served in-process on 127.0.0.1.
//!
//! It imitates what throng's users load-test — a clinical assistant with
//! login, slow queries, a model registry and training jobs — so that
//! `throng demo` has something to hit and the end-to-end tests have a target
//! whose behaviour is known in advance and observable from the server side.
//!
//! - [`TargetConfig`] says what to serve: address, TLS, query
//!   [`Latency`], model size, accepted users.
//! - [`Target::start`] binds and serves in the background; HTTP/1.1
//!   (keep-alive) and HTTP/2 (prior knowledge, or ALPN over TLS) share one
//!   port.
//! - [`Target::stats`] returns [`TargetStats`]: connections and requests
//!   counted by the server, per route, status and HTTP version.
//!   [`Target::request_log`] returns a [`RequestRecord`] per request with its
//!   arrival time, when [`TargetConfig::record_requests`] is on.
//!
//! # Routes
//!
//! JSON bodies, `content-type: application/json`, errors as
//! `{"error": "..."}`. An unknown path is a 404, a known path with the wrong
//! method a 405 with `allow`.
//!
//! | route | answer |
//! |---|---|
//! | `GET /health` | `{"status":"ok"}` |
//! | `POST /login` `{"username","password"}` | `{"token"}`; 401 bad credentials; 400 malformed |
//! | `POST /query` `{"patient_id","question"}` | after the query latency, `{"answer","patient_id","sources"}`; needs `Authorization: Bearer <token>` (401) |
//! | `GET /models/{id}/{version}/model.bin[?size=N]` | `model_size` (or N) bytes of [`pattern_byte`], streamed |
//! | `POST /training/jobs` (optional JSON object) | 201 `{"id","status":"queued","progress"}` |
//! | `GET /training/jobs/{id}` | `{"id","status","progress","config"}`, status advancing per [`JobTimings`]; 404 unknown |
//! | `POST /training/jobs/{id}/cancel` | `cancelled`; 409 if already completed |
//! | `GET /training/jobs/{id}/trajectories` | a deterministic list of three trajectories |
//!
//! Routes for tests, each with one predictable behaviour: `GET /fast` (`ok`,
//! at once), `GET /delay/{ms}`, `GET /status/{code}`, `GET /bytes/{n}`
//! (streamed like the model), `GET /uniform/{lo_ms}/{hi_ms}` (sleeps a
//! uniformly random time in the range, to the microsecond),
//! `GET /freeze/{at_ms}/{for_ms}` (5 ms, but requests arriving in that window
//! after the target started wait until it ends: a stall).
//!
//! # Faults
//!
//! For tests of how a client copes with a broken target:
//!
//! - [`Target::kill`] stops the target at once, as a crash would (the port
//!   closes, requests in flight are dropped unanswered),
//!   [`Target::restart`] serves again on the same port with the same state,
//!   and [`Target::outage`] does both with a pause between;
//! - [`faults::FaultTarget`] is a raw TCP server whose paths misbehave:
//!   `/reset` (a reset in the middle of the body), `/silent` (never
//!   answers), `/trickle` and `/trickle-body` (one byte a second),
//!   `/malformed/status`, `/malformed/header` and `/malformed/length`
//!   (broken HTTP);
//! - [`faults::FullBacklog`] is a listener to which connections never
//!   complete, for connect timeouts.
//!
//! # Example
//!
//! ```
//! use std::io::{Read, Write};
//! use throng_target::{Target, TargetConfig};
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> std::io::Result<()> {
//! let target = Target::start(TargetConfig::default()).await?;
//! assert!(target.base_url().starts_with("http://127.0.0.1:"));
//!
//! let addr = target.addr();
//! let response = tokio::task::spawn_blocking(move || {
//!     let mut stream = std::net::TcpStream::connect(addr)?;
//!     stream.write_all(b"GET /health HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n")?;
//!     let mut response = String::new();
//!     stream.read_to_string(&mut response)?;
//!     Ok::<_, std::io::Error>(response)
//! })
//! .await??;
//! assert!(response.starts_with("HTTP/1.1 200 OK"));
//! assert!(response.ends_with(r#"{"status":"ok"}"#));
//!
//! let stats = target.stats();
//! assert_eq!(stats.connections_accepted, 1);
//! assert_eq!(stats.by_route["GET /health"], 1);
//! target.shutdown().await;
//! # Ok(())
//! # }
//! ```

#![deny(missing_docs)]

mod app;
mod auth;
mod body;
mod config;
pub mod faults;
mod jobs;
mod latency;
mod models;
mod probes;
mod routes;
mod server;
mod stats;
mod tls;

pub use body::pattern_byte;
pub use config::{JobTimings, TargetConfig};
pub use latency::{Latency, ParseLatencyError};
pub use server::Target;
pub use stats::{RequestRecord, TargetStats};
