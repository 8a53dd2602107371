//! Opening a connection: DNS, TCP, TLS with ALPN, then HTTP/1.1 (our own,
//! [`crate::h1`]) or hyper's HTTP/2 on top, each phase timed.

use std::net::SocketAddr;

use bytes::Bytes;
use http_body_util::Full;
use hyper::client::conn::http2;
use hyper_util::rt::{TokioExecutor, TokioIo};
use rustls::pki_types::ServerName;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpStream;
use tokio_rustls::TlsConnector;

use crate::allow::Grant;
use crate::client::Shared;
use crate::error::{Failure, find, io_summary};
use crate::h1::{H1, Io};
use crate::target::{Scheme, Target};
use crate::timings::{Phase, Stopwatch};
use crate::wire::{Metered, WriteClock};
use crate::{ErrorKind, tls};

/// A request as hyper takes it: the body is always in memory.
pub(crate) type HyperRequest = http::Request<Full<Bytes>>;

/// One open connection of a session, to one origin.
#[derive(Debug)]
pub(crate) struct Conn {
    scheme: Scheme,
    host: Box<str>,
    port: u16,
    pub(crate) proto: Proto,
}

/// The protocol a connection speaks, and its state.
#[derive(Debug)]
pub(crate) enum Proto {
    /// HTTP/1.1, spoken by the session itself.
    H1(H1),
    /// HTTP/2, through hyper, whose task drives the connection.
    H2 {
        sender: http2::SendRequest<Full<Bytes>>,
        /// When the socket has written a request (see [`WriteClock`]).
        clock: WriteClock,
    },
}

impl Conn {
    /// Whether this connection goes where `target` does.
    pub(crate) fn serves(&self, target: &Target) -> bool {
        self.port == target.port && self.scheme == target.scheme && *self.host == *target.host()
    }

    /// Waits until it can take a request; `false` if it has closed.
    pub(crate) async fn ready(&mut self) -> bool {
        match &mut self.proto {
            Proto::H1(h1) => h1.is_open(),
            Proto::H2 { sender, .. } => sender.ready().await.is_ok(),
        }
    }
}

/// Opens a connection to `target`, counting it in `opened` once TCP is up.
///
/// `tls` is the session's connector, made on its first `https://` dial.
/// `grant` is what the allow list said of the target's host: the addresses
/// DNS gives are screened under it before any is dialed.
pub(crate) async fn dial(
    shared: &Shared,
    tls: &mut Option<TlsConnector>,
    target: &Target,
    grant: Grant,
    watch: &mut Stopwatch,
    opened: &mut u64,
) -> Result<Conn, Failure> {
    let host = target.host();
    // Still `blocked`: the run's first `https://` dial loads the system's
    // roots, which is neither DNS nor the handshake. Boxed, as `secure` is
    // below, so a plain dial's frame does not grow by it.
    let connector = match target.scheme {
        Scheme::Http => None,
        Scheme::Https => Some(Box::pin(connector(shared, tls)).await?),
    };
    let addrs = match target.ip() {
        Some(ip) => vec![SocketAddr::new(ip, target.port)],
        None => {
            watch.enter(Phase::Dns);
            let addrs = resolve(host, target.port).await?;
            shared.allow.screen(grant, host, addrs)?
        }
    };

    watch.enter(Phase::Connect);
    let tcp = connect(&addrs).await?;
    *opened += 1;
    // Nagle's algorithm would hold back a small request body behind its
    // head; a socket that refuses the option still works, only slower.
    let _ = tcp.set_nodelay(true);

    let proto = match connector {
        None => Proto::H1(H1::new(Io::plain(tcp))),
        // The TLS handshake's futures (rustls' connection, hyper's HTTP/2
        // handshake) are large, and a poll function's frame is sized for
        // its largest path: boxed, they use the fiber stack only when
        // dialing `https://`, not on every plain connect (BENCHMARKS.md,
        // (c)).
        Some(connector) => Box::pin(secure(connector, target, tcp, watch)).await?,
    };
    Ok(Conn {
        scheme: target.scheme,
        host: host.into(),
        port: target.port,
        proto,
    })
}

/// The session's connector, made on its first `https://` dial from the
/// run's configuration.
async fn connector<'a>(
    shared: &Shared,
    tls: &'a mut Option<TlsConnector>,
) -> Result<&'a TlsConnector, Failure> {
    let connector = match tls.take() {
        Some(connector) => connector,
        None => {
            let run = shared
                .tls
                .config()
                .await
                .map_err(|e| Failure::new(ErrorKind::Tls, e.to_string()))?;
            TlsConnector::from(tls::for_session(run))
        }
    };
    Ok(tls.insert(connector))
}

/// The TLS handshake on a connected `tcp`, then HTTP/2 when ALPN chose it.
async fn secure(
    connector: &TlsConnector,
    target: &Target,
    tcp: TcpStream,
    watch: &mut Stopwatch,
) -> Result<Proto, Failure> {
    let host = target.host();
    // Metered for HTTP/2's sake, before ALPN has said which it is.
    let io = Metered::new(tcp);
    let clock = io.clock();
    watch.enter(Phase::Tls);
    let name = ServerName::try_from(host.to_owned()).map_err(|_| {
        Failure::new(
            ErrorKind::Tls,
            format!("{host:?} is not a valid TLS server name"),
        )
    })?;
    let stream = connector.connect(name, io).await.map_err(|e| {
        let why = match find::<rustls::Error>(&e) {
            Some(tls) => tls.to_string(),
            None => io_summary(&e),
        };
        Failure::new(
            ErrorKind::Tls,
            format!("TLS handshake with {} failed: {why}", target.authority()),
        )
    })?;
    if stream.get_ref().1.alpn_protocol() == Some(b"h2") {
        watch.enter(Phase::Connect);
        let sender = handshake_h2(stream).await?;
        Ok(Proto::H2 { sender, clock })
    } else {
        Ok(Proto::H1(H1::new(Io::Tls(Box::new(stream)))))
    }
}

async fn resolve(host: &str, port: u16) -> Result<Vec<SocketAddr>, Failure> {
    let failed = |why: String| Failure::new(ErrorKind::Connect, why);
    let addrs: Vec<SocketAddr> = tokio::net::lookup_host((host, port))
        .await
        .map_err(|e| {
            // std puts this in front of the resolver's own words.
            let text = e.to_string();
            let why = text.trim_start_matches("failed to lookup address information: ");
            failed(format!("DNS lookup of {host} failed: {why}"))
        })?
        .collect();
    if addrs.is_empty() {
        return Err(failed(format!("DNS lookup of {host} found no address")));
    }
    Ok(addrs)
}

/// Connects to the first address that answers, in the resolver's order.
async fn connect(addrs: &[SocketAddr]) -> Result<TcpStream, Failure> {
    let mut last = None;
    for addr in addrs {
        match TcpStream::connect(addr).await {
            Ok(stream) => return Ok(stream),
            Err(e) => last = Some((addr, e)),
        }
    }
    let message = match last {
        Some((addr, e)) => format!("{} ({addr})", io_summary(&e)),
        None => "no address to connect to".to_owned(),
    };
    Err(Failure::new(ErrorKind::Connect, message))
}

/// Starts hyper's HTTP/2 on `io` (writing the connection preface) and
/// spawns the task that drives the connection.
async fn handshake_h2<I>(io: I) -> Result<http2::SendRequest<Full<Bytes>>, Failure>
where
    I: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let (sender, conn) = http2::Builder::new(TokioExecutor::new())
        .handshake(TokioIo::new(io))
        .await
        .map_err(|e| Failure::from_hyper(&e, "setting up the connection"))?;
    // The task ends when the session drops its sender or the peer closes;
    // a connection error reaches the request that was using it, so the
    // task has nothing to do with it.
    tokio::spawn(async move {
        let _ = conn.await;
    });
    Ok(sender)
}

#[cfg(test)]
mod tests {
    use tokio::net::TcpListener;

    use super::*;
    use crate::{Client, ClientOptions};

    async fn dial_to(
        client: &Client,
        listener: &TcpListener,
        scheme: &str,
        tls: &mut Option<TlsConnector>,
    ) -> Result<Conn, Failure> {
        let addr = listener.local_addr().unwrap();
        let target = Target::parse(&format!("{scheme}://{addr}/")).unwrap();
        let mut watch = Stopwatch::start();
        let mut opened = 0;
        let conn = dial(
            &client.shared,
            tls,
            &target,
            Grant::Unscreened,
            &mut watch,
            &mut opened,
        )
        .await;
        assert_eq!(opened, 1, "one TCP connection opened");
        conn
    }

    #[tokio::test]
    async fn a_plain_dial_reads_no_tls_roots() {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let client = Client::new(ClientOptions::default()).unwrap();
        let mut tls = None;
        let conn = dial_to(&client, &listener, "http", &mut tls).await.unwrap();
        assert!(matches!(conn.proto, Proto::H1(_)));
        assert!(tls.is_none());
        assert!(!client.shared.tls.is_made());
    }

    #[tokio::test]
    async fn the_first_https_dial_makes_the_runs_tls_configuration() {
        // A server that hangs up at once: the handshake fails, after the
        // roots were loaded and the session's connector made.
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let hang_up = async {
            let (socket, _) = listener.accept().await.unwrap();
            drop(socket);
        };
        let client = Client::new(ClientOptions::default()).unwrap();
        let mut tls = None;
        let (dialed, ()) = tokio::join!(dial_to(&client, &listener, "https", &mut tls), hang_up);
        let failure = dialed.err().unwrap();
        assert_eq!(failure.kind, ErrorKind::Tls, "{}", failure.message);
        assert!(tls.is_some());
        assert!(client.shared.tls.is_made());
    }
}
