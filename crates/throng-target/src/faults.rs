//! Servers that misbehave on purpose, for testing how a client copes with
//! a hostile or broken target.
//!
//! hyper will not break HTTP on request, so [`FaultTarget`] is a raw TCP
//! listener on 127.0.0.1 that reads one HTTP/1.1 request head and answers
//! according to its path, one [`Fault`] per path:
//!
//! | path | [`Fault`] | what the server does |
//! |---|---|---|
//! | `/reset` | [`Fault::Reset`] | a `200` head with `content-length:` [`RESET_DECLARED`], [`RESET_SENT`] bytes of the body, then a TCP reset (`SO_LINGER` 0 close) |
//! | `/silent` | [`Fault::Silent`] | reads the request and never writes a byte; holds the connection until the client closes it |
//! | `/trickle` | [`Fault::Trickle`] | a valid response ([`TRICKLE_BODY`] as its body), written one byte per [`TRICKLE_INTERVAL`], head included |
//! | `/trickle-body` | [`Fault::TrickleBody`] | the same response's head at once, then its body one byte per [`TRICKLE_INTERVAL`] |
//! | `/malformed/status` | [`Fault::BadStatus`] | a garbage status line (`HTTP/1.1 2x0 OK`) |
//! | `/malformed/header` | [`Fault::BadHeader`] | a header line without a colon |
//! | `/malformed/length` | [`Fault::ShortBody`] | `content-length:` [`SHORT_BODY_DECLARED`], only [`SHORT_BODY_SENT`] bytes, then a clean close (FIN): the length lies |
//!
//! Any other path gets a `404` with an empty body. Every answer ends its
//! connection: one request per connection.
//!
//! Two more faults need no special server:
//!
//! - *connection refused*: a port where nothing listens;
//! - *a connect that never completes*: [`FullBacklog`] is a listener that
//!   never accepts and whose accept queue is full, so the kernel drops new
//!   SYNs and `connect` hangs until the client gives up (this is how Linux
//!   treats a full queue; where a system accepts past it,
//!   [`FullBacklog::start`] fails with [`io::ErrorKind::Unsupported`]).
//!
//! A server that dies and comes back is the demo [`Target`](crate::Target)
//! itself: [`Target::kill`](crate::Target::kill),
//! [`Target::restart`](crate::Target::restart) and
//! [`Target::outage`](crate::Target::outage).
//!
//! # Example
//!
//! ```
//! use std::io::{Read, Write};
//! use throng_target::faults::{Fault, FaultTarget};
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> std::io::Result<()> {
//! let faults = FaultTarget::start().await?;
//! let addr = faults.addr();
//! let response = tokio::task::spawn_blocking(move || {
//!     let mut stream = std::net::TcpStream::connect(addr)?;
//!     stream.write_all(b"GET /malformed/status HTTP/1.1\r\nhost: x\r\n\r\n")?;
//!     let mut response = String::new();
//!     stream.read_to_string(&mut response)?;
//!     Ok::<_, std::io::Error>(response)
//! })
//! .await??;
//! assert!(response.starts_with("HTTP/1.1 2x0 OK\r\n"));
//! assert_eq!(faults.stats().by_fault[&Fault::BadStatus], 1);
//! # Ok(())
//! # }
//! ```

use std::collections::BTreeMap;
use std::io;
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpSocket, TcpStream};
use tokio::task::{JoinHandle, JoinSet};

/// The `content-length` that [`Fault::Reset`] declares.
pub const RESET_DECLARED: u64 = 1024;

/// The body bytes [`Fault::Reset`] sends before the reset.
pub const RESET_SENT: u64 = 256;

/// How long [`Fault::Reset`] waits between its last byte and the reset, so
/// the bytes reach the client first (a reset discards unsent data).
const RESET_PAUSE: Duration = Duration::from_millis(100);

/// The pause between two bytes of [`Fault::Trickle`] and
/// [`Fault::TrickleBody`].
pub const TRICKLE_INTERVAL: Duration = Duration::from_secs(1);

/// The body of the trickled response.
pub const TRICKLE_BODY: &[u8] = b"one byte a time";

/// The `content-length` that [`Fault::ShortBody`] declares.
pub const SHORT_BODY_DECLARED: u64 = 100;

/// The body bytes [`Fault::ShortBody`] sends before closing.
pub const SHORT_BODY_SENT: u64 = 10;

/// The largest request head read; a longer one closes the connection.
const MAX_HEAD: usize = 16 * 1024;

/// How a [`FaultTarget`] misbehaves, chosen by the request's path. See the
/// [module documentation](self) for the exact bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Fault {
    /// `/reset`: the connection is reset in the middle of the body.
    Reset,
    /// `/silent`: the request is read and never answered.
    Silent,
    /// `/trickle`: the whole response, one byte a second.
    Trickle,
    /// `/trickle-body`: the head at once, the body one byte a second.
    TrickleBody,
    /// `/malformed/status`: a status line that is not HTTP.
    BadStatus,
    /// `/malformed/header`: a header line that is not a header.
    BadHeader,
    /// `/malformed/length`: fewer body bytes than `content-length` says,
    /// then the connection closes.
    ShortBody,
}

impl Fault {
    /// Every fault, in declaration order.
    pub const ALL: [Fault; 7] = [
        Fault::Reset,
        Fault::Silent,
        Fault::Trickle,
        Fault::TrickleBody,
        Fault::BadStatus,
        Fault::BadHeader,
        Fault::ShortBody,
    ];

    /// The path that triggers it, such as `/reset`.
    pub fn path(self) -> &'static str {
        match self {
            Fault::Reset => "/reset",
            Fault::Silent => "/silent",
            Fault::Trickle => "/trickle",
            Fault::TrickleBody => "/trickle-body",
            Fault::BadStatus => "/malformed/status",
            Fault::BadHeader => "/malformed/header",
            Fault::ShortBody => "/malformed/length",
        }
    }

    fn from_path(path: &str) -> Option<Fault> {
        // The query string does not choose the fault.
        let path = path.split_once('?').map_or(path, |(path, _)| path);
        Fault::ALL.into_iter().find(|fault| fault.path() == path)
    }
}

/// What a [`FaultTarget`] has counted so far.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FaultStats {
    /// Connections accepted.
    pub connections_accepted: u64,
    /// Connections still open: a client that gave up on a silent or
    /// trickling server closes its end and the count goes down.
    pub connections_open: u64,
    /// Request heads read, faults and unknown paths alike.
    pub requests: u64,
    /// Request heads read per fault, every fault listed (zero included).
    pub by_fault: BTreeMap<Fault, u64>,
}

/// A raw TCP server on 127.0.0.1 that answers each request with the
/// [`Fault`] its path names. See the [module documentation](self).
///
/// Dropping it closes the listener and every connection.
#[derive(Debug)]
pub struct FaultTarget {
    addr: SocketAddr,
    counters: Arc<Counters>,
    server: JoinHandle<()>,
}

impl FaultTarget {
    /// Binds a free port on 127.0.0.1 and starts serving in the background
    /// on the current tokio runtime.
    pub async fn start() -> io::Result<FaultTarget> {
        let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).await?;
        let addr = listener.local_addr()?;
        let counters = Arc::new(Counters::default());
        let server = tokio::spawn(accept_loop(listener, Arc::clone(&counters)));
        Ok(FaultTarget {
            addr,
            counters,
            server,
        })
    }

    /// The address it listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://127.0.0.1:PORT`.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The URL that triggers `fault`, such as `http://127.0.0.1:PORT/reset`.
    pub fn url(&self, fault: Fault) -> String {
        format!("{}{}", self.base_url(), fault.path())
    }

    /// A snapshot of the counters.
    pub fn stats(&self) -> FaultStats {
        let c = &self.counters;
        FaultStats {
            connections_accepted: c.accepted.load(Ordering::SeqCst),
            connections_open: c.open.load(Ordering::SeqCst),
            requests: c.requests.load(Ordering::SeqCst),
            by_fault: Fault::ALL
                .into_iter()
                .map(|fault| (fault, c.by_fault[fault as usize].load(Ordering::SeqCst)))
                .collect(),
        }
    }
}

impl Drop for FaultTarget {
    fn drop(&mut self) {
        // Dropping the loop's `JoinSet` aborts every connection with it.
        self.server.abort();
    }
}

#[derive(Debug, Default)]
struct Counters {
    accepted: AtomicU64,
    open: AtomicU64,
    requests: AtomicU64,
    by_fault: [AtomicU64; Fault::ALL.len()],
}

/// Counts a connection as open while it lives.
struct Open(Arc<Counters>);

impl Drop for Open {
    fn drop(&mut self) {
        self.0.open.fetch_sub(1, Ordering::SeqCst);
    }
}

async fn accept_loop(listener: TcpListener, counters: Arc<Counters>) {
    let mut connections = JoinSet::new();
    loop {
        tokio::select! {
            accepted = listener.accept() => {
                let Ok((stream, _)) = accepted else {
                    // Out of file descriptors, usually: let some close.
                    tokio::time::sleep(Duration::from_millis(10)).await;
                    continue;
                };
                counters.accepted.fetch_add(1, Ordering::SeqCst);
                counters.open.fetch_add(1, Ordering::SeqCst);
                let open = Open(Arc::clone(&counters));
                connections.spawn(async move {
                    // Write errors mean the client left, which ends the
                    // fault as well.
                    let _ = serve(stream, &open.0).await;
                    drop(open);
                });
            }
            // Reap finished connections so the set does not grow forever.
            Some(_) = connections.join_next(), if !connections.is_empty() => {}
        }
    }
}

/// Reads one request head and misbehaves as its path says.
async fn serve(mut stream: TcpStream, counters: &Counters) -> io::Result<()> {
    let _ = stream.set_nodelay(true);
    let Some(path) = read_head(&mut stream).await? else {
        return Ok(());
    };
    counters.requests.fetch_add(1, Ordering::SeqCst);
    let Some(fault) = Fault::from_path(&path) else {
        stream
            .write_all(b"HTTP/1.1 404 Not Found\r\ncontent-length: 0\r\nconnection: close\r\n\r\n")
            .await?;
        return close(stream).await;
    };
    counters.by_fault[fault as usize].fetch_add(1, Ordering::SeqCst);
    match fault {
        Fault::Reset => {
            let head = format!("HTTP/1.1 200 OK\r\ncontent-length: {RESET_DECLARED}\r\n\r\n");
            stream.write_all(head.as_bytes()).await?;
            stream.write_all(&[b'x'; RESET_SENT as usize]).await?;
            tokio::time::sleep(RESET_PAUSE).await;
            // A zero linger makes `close` send RST instead of FIN.
            stream.set_zero_linger()?;
            drop(stream);
            Ok(())
        }
        Fault::Silent => {
            // Read (and drop) whatever comes until the client hangs up.
            let mut buf = [0; 4096];
            while stream.read(&mut buf).await? > 0 {}
            Ok(())
        }
        Fault::Trickle => {
            let mut response = trickle_head().into_bytes();
            response.extend_from_slice(TRICKLE_BODY);
            trickle(&mut stream, &response).await?;
            close(stream).await
        }
        Fault::TrickleBody => {
            stream.write_all(trickle_head().as_bytes()).await?;
            trickle(&mut stream, TRICKLE_BODY).await?;
            close(stream).await
        }
        Fault::BadStatus => {
            stream
                .write_all(b"HTTP/1.1 2x0 OK\r\ncontent-length: 2\r\n\r\nok")
                .await?;
            close(stream).await
        }
        Fault::BadHeader => {
            stream
                .write_all(
                    b"HTTP/1.1 200 OK\r\nthis line has no colon\r\ncontent-length: 2\r\n\r\nok",
                )
                .await?;
            close(stream).await
        }
        Fault::ShortBody => {
            let head = format!(
                "HTTP/1.1 200 OK\r\ncontent-length: {SHORT_BODY_DECLARED}\r\nconnection: close\r\n\r\n"
            );
            stream.write_all(head.as_bytes()).await?;
            stream.write_all(&[b'x'; SHORT_BODY_SENT as usize]).await?;
            close(stream).await
        }
    }
}

fn trickle_head() -> String {
    format!(
        "HTTP/1.1 200 OK\r\ncontent-length: {}\r\nconnection: close\r\n\r\n",
        TRICKLE_BODY.len()
    )
}

/// Writes `bytes` one at a time, [`TRICKLE_INTERVAL`] apart.
async fn trickle(stream: &mut TcpStream, bytes: &[u8]) -> io::Result<()> {
    for (i, byte) in bytes.iter().enumerate() {
        if i > 0 {
            tokio::time::sleep(TRICKLE_INTERVAL).await;
        }
        stream.write_all(&[*byte]).await?;
    }
    Ok(())
}

/// Ends the connection cleanly (FIN).
async fn close(mut stream: TcpStream) -> io::Result<()> {
    stream.shutdown().await
}

/// Reads up to the end of a request head and returns its path; `None` if
/// the client closed first or sent more than [`MAX_HEAD`] bytes.
async fn read_head(stream: &mut TcpStream) -> io::Result<Option<String>> {
    let mut head = Vec::with_capacity(1024);
    let mut buf = [0; 4096];
    while !head.windows(4).any(|w| w == b"\r\n\r\n") {
        let n = stream.read(&mut buf).await?;
        if n == 0 || head.len() + n > MAX_HEAD {
            return Ok(None);
        }
        head.extend_from_slice(&buf[..n]);
    }
    // `GET /path HTTP/1.1`: the second word of the first line.
    let line = head.split(|b| *b == b'\n').next().unwrap_or_default();
    let path = String::from_utf8_lossy(line)
        .split_whitespace()
        .nth(1)
        .unwrap_or("/")
        .to_owned();
    Ok(Some(path))
}

/// A listener on 127.0.0.1 that never accepts and whose accept queue is
/// full: connecting to it hangs (the kernel drops the SYNs) until the
/// client's connect timeout. See the [module documentation](self).
///
/// Dropping it closes the listener and the connections that fill it.
#[derive(Debug)]
pub struct FullBacklog {
    addr: SocketAddr,
    _listener: TcpListener,
    _queued: Vec<TcpStream>,
}

impl FullBacklog {
    /// How long a connect may take before the queue counts as full.
    const PROBE: Duration = Duration::from_millis(200);

    /// Connections tried before giving up on filling the queue.
    const MAX_FILL: usize = 16;

    /// Binds a free port with the smallest accept queue and fills it.
    ///
    /// Fails with [`io::ErrorKind::Unsupported`] when the system keeps
    /// accepting connections past the queue's size.
    pub async fn start() -> io::Result<FullBacklog> {
        let socket = TcpSocket::new_v4()?;
        socket.bind((Ipv4Addr::LOCALHOST, 0).into())?;
        // Linux queues `backlog + 1` connections, so one fills this.
        let listener = socket.listen(0)?;
        let addr = listener.local_addr()?;
        let mut queued = Vec::new();
        while queued.len() < Self::MAX_FILL {
            match tokio::time::timeout(Self::PROBE, TcpStream::connect(addr)).await {
                Ok(stream) => queued.push(stream?),
                // This connect hung: the queue is full. Dropping it
                // abandons the half-open attempt.
                Err(_) => {
                    return Ok(FullBacklog {
                        addr,
                        _listener: listener,
                        _queued: queued,
                    });
                }
            }
        }
        Err(io::Error::new(
            io::ErrorKind::Unsupported,
            format!(
                "{} connections were accepted past a backlog of 0: this system does not \
                 drop connections to a full accept queue",
                Self::MAX_FILL
            ),
        ))
    }

    /// The address that cannot be connected to.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://127.0.0.1:PORT`.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }
}
