//! Test servers, certificates and clients.
//!
//! The servers answer a few routes:
//! - `/echo[?status=N]`: status N (default 200), the request body back, and
//!   `x-method`, `x-host`, `x-user-agent`, `x-content-length` telling what
//!   arrived;
//! - `/bytes/N`: N bytes streamed in 16 KiB frames with no length declared,
//!   byte `k` being `k % 251`;
//! - `/sized/N`: N bytes with a `content-length`;
//! - `/sleep/MS`: answers after MS milliseconds;
//! - `/never`: never answers.

use std::convert::Infallible;
use std::future::Future;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, OnceLock};
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::Bytes;
use http::header::{CONTENT_LENGTH, HOST, USER_AGENT};
use http_body::{Body, Frame};
use http_body_util::combinators::BoxBody;
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::service::service_fn;
use hyper_util::rt::{TokioExecutor, TokioIo};
use hyper_util::server::conn::auto;
use rcgen::{BasicConstraints, CertificateParams, CertifiedIssuer, IsCa, KeyPair};
use rustls::ServerConfig;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use throng_http::{Client, ClientOptions, HttpVersion};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;
use tokio_rustls::TlsAcceptor;

/// Which protocol a parametrised test runs over.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Proto {
    /// `http://`, HTTP/1.1.
    Http1,
    /// `https://`, HTTP/2 picked by ALPN.
    Http2,
}

impl Proto {
    pub fn version(self) -> HttpVersion {
        match self {
            Proto::Http1 => HttpVersion::Http1,
            Proto::Http2 => HttpVersion::Http2,
        }
    }
}

/// Runs an `async fn run(proto: Proto)` body once per protocol, as
/// `name::http1` and `name::http2`, and once more over HTTP/1.1 with
/// requests written in batches, as `name::http1_batched` (see [`batched`]).
macro_rules! both {
    ($name:ident, |$proto:ident| $body:block) => {
        mod $name {
            #[allow(unused_imports)]
            use super::*;

            async fn run($proto: $crate::harness::Proto) $body

            #[tokio::test]
            async fn http1() {
                run($crate::harness::Proto::Http1).await
            }

            #[tokio::test]
            async fn http2() {
                run($crate::harness::Proto::Http2).await
            }

            #[test]
            fn http1_batched() {
                $crate::harness::batched(run($crate::harness::Proto::Http1))
            }
        }
    };
}
pub(crate) use both;

/// Runs `test` as `throng run` runs VUs: on a worker thread of a
/// multi-threaded runtime whose workers write requests in batches
/// (`throng_http::batch_writes`).
pub fn batched(test: impl Future<Output = ()> + Send + 'static) {
    let runtime = throng_http::batch_writes(
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all(),
    )
    .build()
    .unwrap();
    runtime.block_on(async {
        // A worker batches from the first time it parks; idle, both have
        // by now.
        tokio::time::sleep(Duration::from_millis(20)).await;
        tokio::spawn(test).await.unwrap();
    });
}

/// How a [`Server`] listens.
#[derive(Debug, Clone, Copy)]
pub struct Setup {
    /// `None` for plain HTTP, else the ALPN protocols offered.
    pub tls: Option<&'static [&'static [u8]]>,
    /// `false` answers every HTTP/1.1 request with `connection: close`.
    pub keep_alive: bool,
}

impl Setup {
    pub fn of(proto: Proto) -> Setup {
        Setup {
            tls: match proto {
                Proto::Http1 => None,
                Proto::Http2 => Some(&[b"h2", b"http/1.1"]),
            },
            keep_alive: true,
        }
    }
}

/// A hyper server on 127.0.0.1 that counts the connections it accepts, and
/// the most it had open at once. It lives as long as the test's runtime.
pub struct Server {
    base: String,
    accepts: Arc<AtomicU64>,
    peak_open: Arc<AtomicU64>,
}

impl Server {
    pub async fn start(proto: Proto) -> Server {
        Server::with(Setup::of(proto)).await
    }

    pub async fn with(setup: Setup) -> Server {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let accepts = Arc::new(AtomicU64::new(0));
        let peak_open = Arc::new(AtomicU64::new(0));
        let open = Arc::new(AtomicU64::new(0));
        let acceptor = setup.tls.map(|alpn| TlsAcceptor::from(server_tls(alpn)));
        let (counter, peak) = (accepts.clone(), peak_open.clone());
        tokio::spawn(async move {
            loop {
                let Ok((tcp, _)) = listener.accept().await else {
                    return;
                };
                counter.fetch_add(1, Ordering::SeqCst);
                let now_open = open.fetch_add(1, Ordering::SeqCst) + 1;
                peak.fetch_max(now_open, Ordering::SeqCst);
                let acceptor = acceptor.clone();
                let open = open.clone();
                tokio::spawn(async move {
                    // Counted closed when serving ends: the client closed it
                    // (or the server did).
                    let _open = Decrement(open);
                    match acceptor {
                        None => serve(tcp, setup.keep_alive).await,
                        Some(acceptor) => {
                            if let Ok(tls) = acceptor.accept(tcp).await {
                                serve(tls, setup.keep_alive).await;
                            }
                        }
                    }
                });
            }
        });
        let scheme = if setup.tls.is_some() { "https" } else { "http" };
        Server {
            base: format!("{scheme}://{addr}"),
            accepts,
            peak_open,
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// `127.0.0.1:port`.
    pub fn authority(&self) -> &str {
        self.base.split("://").nth(1).unwrap()
    }

    pub fn accepts(&self) -> u64 {
        self.accepts.load(Ordering::SeqCst)
    }

    /// The most connections open at once so far.
    pub fn peak_open(&self) -> u64 {
        self.peak_open.load(Ordering::SeqCst)
    }
}

/// Takes one from a count when dropped.
struct Decrement(Arc<AtomicU64>);

impl Drop for Decrement {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

async fn serve<I>(io: I, keep_alive: bool)
where
    I: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send + 'static,
{
    let mut builder = auto::Builder::new(TokioExecutor::new());
    builder.http1().keep_alive(keep_alive);
    let _ = builder
        .serve_connection(TokioIo::new(io), service_fn(route))
        .await;
}

type TestBody = BoxBody<Bytes, Infallible>;

async fn route(req: http::Request<Incoming>) -> Result<http::Response<TestBody>, Infallible> {
    let path = req.uri().path().to_owned();
    let mut parts = path.trim_start_matches('/').splitn(2, '/');
    let (route, arg) = (parts.next().unwrap_or(""), parts.next().unwrap_or(""));
    let n: u64 = arg.parse().unwrap_or(0);
    let response = match route {
        "echo" => return Ok(echo(req).await),
        "bytes" => http::Response::new(Pattern::new(n).boxed()),
        "sized" => http::Response::new(full(vec![b'x'; n as usize])),
        "sleep" => {
            tokio::time::sleep(Duration::from_millis(n)).await;
            http::Response::new(full("slept"))
        }
        "never" => std::future::pending().await,
        _ => {
            let mut response = http::Response::new(full("not found"));
            *response.status_mut() = http::StatusCode::NOT_FOUND;
            response
        }
    };
    Ok(response)
}

async fn echo(req: http::Request<Incoming>) -> http::Response<TestBody> {
    let status = req
        .uri()
        .query()
        .and_then(|q| q.strip_prefix("status="))
        .and_then(|s| s.parse().ok())
        .unwrap_or(200);
    let header = |name| {
        req.headers()
            .get(name)
            .map(|v: &http::HeaderValue| v.to_str().unwrap().to_owned())
            .unwrap_or_default()
    };
    // HTTP/2 carries the host as `:authority`, which hyper puts in the URI.
    let host = req
        .uri()
        .authority()
        .map(|a| a.to_string())
        .unwrap_or_else(|| header(HOST));
    let response = http::Response::builder()
        .status(status)
        .header("x-method", req.method().as_str())
        .header("x-host", host)
        .header("x-user-agent", header(USER_AGENT))
        .header("x-content-length", header(CONTENT_LENGTH))
        .header("x-test", header(http::HeaderName::from_static("x-test")));
    let body = req.into_body().collect().await.unwrap().to_bytes();
    response.body(full(body)).unwrap()
}

fn full(bytes: impl Into<Bytes>) -> TestBody {
    Full::new(bytes.into()).boxed()
}

/// `k % 251` for byte `k`, in 16 KiB frames, with no declared length.
struct Pattern {
    left: u64,
    offset: u64,
    window: Bytes,
}

const FRAME: usize = 16 * 1024;

impl Pattern {
    fn new(len: u64) -> Pattern {
        static WINDOW: OnceLock<Bytes> = OnceLock::new();
        let window = WINDOW.get_or_init(|| (0..FRAME + 251).map(|i| (i % 251) as u8).collect());
        Pattern {
            left: len,
            offset: 0,
            window: window.clone(),
        }
    }
}

impl Body for Pattern {
    type Data = Bytes;
    type Error = Infallible;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        _cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Infallible>>> {
        if self.left == 0 {
            return Poll::Ready(None);
        }
        let len = self.left.min(FRAME as u64) as usize;
        let start = (self.offset % 251) as usize;
        let data = self.window.slice(start..start + len);
        self.left -= len as u64;
        self.offset += len as u64;
        Poll::Ready(Some(Ok(Frame::data(data))))
    }
}

/// A raw TCP server that reads the request, writes `reply` as it is and
/// closes the connection.
pub async fn raw_server(reply: &'static [u8]) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        while let Ok((mut tcp, _)) = listener.accept().await {
            let mut buf = [0; 4096];
            let _ = tcp.read(&mut buf).await;
            let _ = tcp.write_all(reply).await;
            let _ = tcp.shutdown().await;
        }
    });
    format!("http://{addr}")
}

/// An address where nothing listens.
pub async fn closed_port() -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    listener.local_addr().unwrap()
}

/// The test CA, and a server certificate it signed for `127.0.0.1` and
/// `localhost`.
struct Pki {
    ca_pem: String,
    cert: CertificateDer<'static>,
    key: Vec<u8>,
}

fn pki() -> &'static Pki {
    static PKI: OnceLock<Pki> = OnceLock::new();
    PKI.get_or_init(|| {
        let mut ca = CertificateParams::new(Vec::new()).unwrap();
        ca.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        let ca = CertifiedIssuer::self_signed(ca, KeyPair::generate().unwrap()).unwrap();
        let key = KeyPair::generate().unwrap();
        let cert = CertificateParams::new(vec!["127.0.0.1".to_owned(), "localhost".to_owned()])
            .unwrap()
            .signed_by(&key, &ca)
            .unwrap();
        Pki {
            ca_pem: ca.pem(),
            cert: cert.der().clone(),
            key: key.serialize_der(),
        }
    })
}

/// PEM of the CA that signed the test servers' certificate.
pub fn ca_pem() -> String {
    pki().ca_pem.clone()
}

fn server_tls(alpn: &[&[u8]]) -> Arc<ServerConfig> {
    let pki = pki();
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(pki.key.clone()));
    let mut config = ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(vec![pki.cert.clone()], key)
        .unwrap();
    config.alpn_protocols = alpn.iter().map(|p| p.to_vec()).collect();
    Arc::new(config)
}

/// Options that trust the test CA.
pub fn options() -> ClientOptions {
    ClientOptions {
        extra_roots_pem: vec![ca_pem()],
        ..ClientOptions::default()
    }
}

/// A client that trusts the test CA.
pub fn client() -> Client {
    Client::new(options()).unwrap()
}
