//! The listening side: accepting connections, TLS, serving HTTP/1.1 and
//! HTTP/2 on the same port, and stopping.

use std::convert::Infallible;
use std::io;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::pin::pin;
use std::sync::Arc;
use std::time::Duration;

use hyper::service::service_fn;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;
use tokio::task::{JoinHandle, JoinSet};
use tokio_rustls::TlsAcceptor;

use crate::app::App;
use crate::tls::Identity;
use crate::{RequestRecord, TargetConfig, TargetStats};

/// A client that has not finished its TLS handshake by then is dropped.
const TLS_HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);

/// After a failed `accept` (out of file descriptors, usually), wait this
/// long before the next one rather than spin.
const ACCEPT_ERROR_BACKOFF: Duration = Duration::from_millis(10);

/// A running demo server. See the [crate documentation](crate).
///
/// Dropping a `Target` stops it at once, closing every connection;
/// [`shutdown`](Target::shutdown) stops it gracefully. For fault tests,
/// [`kill`](Target::kill) stops it at once as a crash would and
/// [`restart`](Target::restart) serves again on the same port.
#[derive(Debug)]
pub struct Target {
    addr: SocketAddr,
    identity: Option<Identity>,
    app: Arc<App>,
    stop: watch::Sender<Mode>,
    /// The accept loop; `None` once stopped or killed.
    server: Option<JoinHandle<()>>,
}

/// What the accept loop and its connections are told to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    Serving,
    /// Stop accepting and let requests in flight finish.
    Stopping,
    /// Stop accepting and drop every connection at once.
    Killed,
}

impl Target {
    /// Binds `config.addr` and starts serving in the background on the
    /// current tokio runtime.
    ///
    /// Fails when the address cannot be bound, or (with `tls`) when the
    /// certificate cannot be made.
    pub async fn start(config: TargetConfig) -> io::Result<Target> {
        let listener = TcpListener::bind(config.addr).await?;
        let addr = listener.local_addr()?;
        let identity = if config.tls {
            Some(Identity::generate(addr.ip())?)
        } else {
            None
        };
        let (stop, _) = watch::channel(Mode::Serving);
        let mut target = Target {
            addr,
            identity,
            app: Arc::new(App::new(config)),
            stop,
            server: None,
        };
        target.serve(listener)?;
        Ok(target)
    }

    /// Starts the accept loop on `listener`.
    fn serve(&mut self, listener: TcpListener) -> io::Result<()> {
        let acceptor = self
            .identity
            .as_ref()
            .map(|identity| identity.server_config().map(TlsAcceptor::from))
            .transpose()?;
        let config = &self.app.config;
        let http = http_builder(config.idle_timeout);
        self.stop.send_replace(Mode::Serving);
        self.server = Some(tokio::spawn(accept_loop(
            listener,
            acceptor,
            http,
            Arc::clone(&self.app),
            self.stop.subscribe(),
            config.shutdown_grace,
        )));
        Ok(())
    }

    /// Stops at once, as a crashed server would: the port closes, so new
    /// connections are refused, and every open connection is closed with
    /// whatever request it carries unanswered. Returns once all of them are
    /// closed. The counters, sessions and jobs survive for
    /// [`restart`](Target::restart). Does nothing if already stopped.
    pub async fn kill(&mut self) {
        self.stop.send_replace(Mode::Killed);
        if let Some(server) = self.server.take() {
            // The loop ends by itself on `Killed`; an abort by `Drop` is
            // the only other way out, and `self` is alive.
            let _ = server.await;
        }
    }

    /// Serves again on the same address after [`kill`](Target::kill),
    /// with the same state and certificate. Does nothing while serving.
    ///
    /// Fails when the port cannot be bound again (something else took it
    /// in the meantime).
    pub async fn restart(&mut self) -> io::Result<()> {
        if self.server.is_some() {
            return Ok(());
        }
        // tokio binds with `SO_REUSEADDR`, so connections of the killed
        // server waiting in `TIME_WAIT` do not hold the port.
        let listener = TcpListener::bind(self.addr).await?;
        self.serve(listener)
    }

    /// An outage: [`kill`](Target::kill), wait `down`, then
    /// [`restart`](Target::restart). Connections in flight break, new ones
    /// are refused for `down`, then succeed again.
    pub async fn outage(&mut self, down: Duration) -> io::Result<()> {
        self.kill().await;
        tokio::time::sleep(down).await;
        self.restart().await
    }

    /// The address the target listens on, with the port it was given.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The URL to reach the target: `http://127.0.0.1:PORT`, or
    /// `https://localhost:PORT` with TLS (the name the certificate is for;
    /// `https://127.0.0.1:PORT` works as well).
    pub fn base_url(&self) -> String {
        // A target bound to every interface is reached through loopback.
        let ip = match self.addr.ip() {
            IpAddr::V4(ip) if ip.is_unspecified() => IpAddr::V4(Ipv4Addr::LOCALHOST),
            IpAddr::V6(ip) if ip.is_unspecified() => IpAddr::V6(Ipv6Addr::LOCALHOST),
            ip => ip,
        };
        match self.identity {
            Some(_) if ip.is_loopback() => format!("https://localhost:{}", self.addr.port()),
            Some(_) => format!("https://{}", SocketAddr::new(ip, self.addr.port())),
            None => format!("http://{}", SocketAddr::new(ip, self.addr.port())),
        }
    }

    /// The self-signed certificate, PEM-encoded, when serving TLS: a client
    /// that trusts it as a root can verify the target.
    pub fn ca_cert_pem(&self) -> Option<String> {
        self.identity.as_ref().map(|id| id.cert_pem.clone())
    }

    /// The same certificate, DER-encoded, ready for a rustls `RootCertStore`.
    pub fn ca_cert_der(&self) -> Option<rustls::pki_types::CertificateDer<'static>> {
        self.identity.as_ref().map(|id| id.cert_der().clone())
    }

    /// A snapshot of what the target has counted so far.
    pub fn stats(&self) -> TargetStats {
        self.app.counters.snapshot()
    }

    /// Every request received so far, in arrival order; empty unless
    /// [`TargetConfig::record_requests`] is on.
    pub fn request_log(&self) -> Vec<RequestRecord> {
        self.app.counters.request_log()
    }

    /// Stops accepting connections, lets requests in flight finish for up
    /// to [`TargetConfig::shutdown_grace`], then closes every connection.
    /// Returns when all of them are closed.
    pub async fn shutdown(mut self) {
        self.stop.send_replace(Mode::Stopping);
        if let Some(server) = self.server.take() {
            // The task only ends by returning or by being aborted, and
            // nothing else aborts it.
            let _ = server.await;
        }
    }
}

impl Drop for Target {
    fn drop(&mut self) {
        // Aborting the accept loop drops its `JoinSet`, which aborts every
        // connection task with it.
        if let Some(server) = &self.server {
            server.abort();
        }
    }
}

/// Accepts connections until told to stop, then shuts them down.
async fn accept_loop(
    listener: TcpListener,
    acceptor: Option<TlsAcceptor>,
    http: auto::Builder<TokioExecutor>,
    app: Arc<App>,
    mut stopped: watch::Receiver<Mode>,
    grace: Duration,
) {
    let http = Arc::new(http);
    let mut connections = JoinSet::new();
    // Each connection watches its own receiver; the loop's is busy in `select!`.
    let for_connections = stopped.clone();
    loop {
        tokio::select! {
            () = stop_requested(&mut stopped) => break,
            accepted = listener.accept() => match accepted {
                Ok((stream, _peer)) => {
                    let (id, open) = app.counters.connection_accepted();
                    let connection = Connection {
                        id,
                        app: Arc::clone(&app),
                        http: Arc::clone(&http),
                        stopped: for_connections.clone(),
                    };
                    let acceptor = acceptor.clone();
                    connections.spawn(async move {
                        let _open = open;
                        connection.serve(stream, acceptor).await;
                    });
                }
                Err(_) => {
                    app.counters.accept_failed();
                    tokio::time::sleep(ACCEPT_ERROR_BACKOFF).await;
                }
            },
            // Reap finished connections so the set does not grow forever.
            Some(_) = connections.join_next(), if !connections.is_empty() => {}
        }
    }
    drop(listener);
    if *stopped.borrow() == Mode::Killed {
        connections.shutdown().await;
        return;
    }

    // Every connection watches `stopped` too and is shutting down gracefully.
    let drained = async { while connections.join_next().await.is_some() {} };
    if tokio::time::timeout(grace, drained).await.is_err() {
        connections.abort_all();
        while connections.join_next().await.is_some() {}
    }
}

/// Resolves once the target is told to stop or killed (or the `Target` is
/// gone).
async fn stop_requested(stopped: &mut watch::Receiver<Mode>) {
    // The `Ref` that `wait_for` returns holds a lock: drop it here rather
    // than keep it alive across the caller's awaits.
    let _ = stopped.wait_for(|mode| *mode != Mode::Serving).await;
}

/// One HTTP connection builder for the whole target: HTTP/1.1 with
/// keep-alive, or HTTP/2 when the client starts with the HTTP/2 preface
/// (prior knowledge, or ALPN `h2` over TLS).
fn http_builder(idle_timeout: Option<Duration>) -> auto::Builder<TokioExecutor> {
    let mut builder = auto::Builder::new(TokioExecutor::new());
    builder
        .http1()
        .timer(TokioTimer::new())
        .keep_alive(true)
        // hyper starts this timer whenever it waits for a request head,
        // idle keep-alive time included, so it is the idle timeout; its
        // own default (30 s) would close connections behind a test's back.
        .header_read_timeout(idle_timeout);
    builder.http2().timer(TokioTimer::new());
    builder
}

/// What a connection task needs.
struct Connection {
    id: u64,
    app: Arc<App>,
    http: Arc<auto::Builder<TokioExecutor>>,
    stopped: watch::Receiver<Mode>,
}

impl Connection {
    async fn serve(self, stream: TcpStream, acceptor: Option<TlsAcceptor>) {
        // Small responses go out at once rather than wait for Nagle's
        // algorithm, which would add tens of milliseconds to latencies.
        let _ = stream.set_nodelay(true);
        match acceptor {
            None => self.serve_http(TokioIo::new(stream)).await,
            Some(acceptor) => {
                match tokio::time::timeout(TLS_HANDSHAKE_TIMEOUT, acceptor.accept(stream)).await {
                    Ok(Ok(tls)) => self.serve_http(TokioIo::new(tls)).await,
                    Ok(Err(_)) | Err(_) => self.app.counters.tls_handshake_failed(),
                }
            }
        }
    }

    async fn serve_http<I>(mut self, io: I)
    where
        I: hyper::rt::Read + hyper::rt::Write + Unpin + Send + 'static,
    {
        let (app, id) = (Arc::clone(&self.app), self.id);
        let service = service_fn(move |request| {
            let app = Arc::clone(&app);
            async move { Ok::<_, Infallible>(app.handle(id, request).await) }
        });
        let mut connection = pin!(self.http.serve_connection(io, service));
        tokio::select! {
            // Errors here are the client's doing (a reset, a malformed
            // request) and end only this connection.
            _ = connection.as_mut() => return,
            () = stop_requested(&mut self.stopped) => {}
        }
        if *self.stopped.borrow() == Mode::Killed {
            // Dropped mid-request, as by a crash.
            return;
        }
        connection.as_mut().graceful_shutdown();
        let _ = connection.await;
    }
}
