//! A minimal HTTP client over one connection, HTTP/1.1 or HTTP/2, plus
//! helpers to start a target. Deliberately not throng-http: these tests
//! check the target, not the engine's client.

use std::time::{Duration, Instant};

use bytes::Bytes;
use http::header::{AUTHORIZATION, CONTENT_TYPE, HOST};
use http::{HeaderMap, Method, Request, Response, StatusCode};
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::client::conn::{http1, http2};
use hyper_util::rt::{TokioExecutor, TokioIo};
use serde_json::Value;
use throng_target::{Target, TargetConfig};
use tokio::net::TcpStream;

/// Which HTTP version a client speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Proto {
    H1,
    H2,
}

/// Both versions, for tests that must hold for each.
pub const PROTOCOLS: [Proto; 2] = [Proto::H1, Proto::H2];

/// Starts a target with `config`.
pub async fn start(config: TargetConfig) -> Target {
    Target::start(config).await.expect("target starts")
}

/// Starts a target with the default configuration.
pub async fn start_default() -> Target {
    start(TargetConfig::default()).await
}

/// One connection to a target.
pub struct Client {
    sender: Sender,
    authority: String,
    scheme: &'static str,
}

enum Sender {
    H1(http1::SendRequest<Full<Bytes>>),
    H2(http2::SendRequest<Full<Bytes>>),
}

/// A response with its whole body.
#[derive(Debug)]
pub struct Reply {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Bytes,
}

impl Reply {
    /// The body as JSON, after checking it says it is.
    pub fn json(&self) -> Value {
        assert_eq!(self.headers[CONTENT_TYPE], "application/json", "{self:?}");
        serde_json::from_slice(&self.body).expect("body is JSON")
    }
}

impl Client {
    /// Opens a plain TCP connection to `target`.
    pub async fn connect(target: &Target, proto: Proto) -> Client {
        let stream = TcpStream::connect(target.addr()).await.expect("connects");
        Client::handshake(stream, proto, target.addr().to_string(), "http").await
    }

    /// Speaks `proto` over an already open stream (plain or TLS).
    pub async fn handshake<S>(
        stream: S,
        proto: Proto,
        authority: String,
        scheme: &'static str,
    ) -> Client
    where
        S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send + 'static,
    {
        let io = TokioIo::new(stream);
        let sender = match proto {
            Proto::H1 => {
                let (sender, connection) = http1::handshake(io).await.expect("h1 handshake");
                tokio::spawn(connection);
                Sender::H1(sender)
            }
            Proto::H2 => {
                let (sender, connection) = http2::handshake(TokioExecutor::new(), io)
                    .await
                    .expect("h2 handshake");
                tokio::spawn(connection);
                Sender::H2(sender)
            }
        };
        Client {
            sender,
            authority,
            scheme,
        }
    }

    /// Sends a request and returns the response head with its body unread.
    pub async fn stream(
        &mut self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Bytes,
    ) -> Response<Incoming> {
        self.try_stream(method, path, token, body)
            .await
            .expect("response")
    }

    /// Like [`Client::stream`], but returns the connection's error.
    pub async fn try_stream(
        &mut self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Bytes,
    ) -> hyper::Result<Response<Incoming>> {
        let mut request = Request::builder().method(method);
        request = match self.sender {
            // HTTP/1.1: origin-form target and a Host header.
            Sender::H1(_) => request.uri(path).header(HOST, &self.authority),
            // HTTP/2: :scheme and :authority come from an absolute URI.
            Sender::H2(_) => request.uri(format!("{}://{}{path}", self.scheme, self.authority)),
        };
        if let Some(token) = token {
            request = request.header(AUTHORIZATION, format!("Bearer {token}"));
        }
        let request = request.body(Full::new(body)).expect("valid request");
        match &mut self.sender {
            Sender::H1(sender) => {
                sender.ready().await?;
                sender.send_request(request).await
            }
            Sender::H2(sender) => {
                sender.ready().await?;
                sender.send_request(request).await
            }
        }
    }

    /// `GET path`, returning the connection's error rather than panicking.
    pub async fn try_get(&mut self, path: &str) -> hyper::Result<StatusCode> {
        let response = self
            .try_stream(Method::GET, path, None, Bytes::new())
            .await?;
        Ok(response.status())
    }

    /// Sends a request and reads the whole response.
    pub async fn send(
        &mut self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Bytes,
    ) -> Reply {
        let response = self.stream(method, path, token, body).await;
        let (head, body) = response.into_parts();
        Reply {
            status: head.status,
            headers: head.headers,
            body: body.collect().await.expect("whole body").to_bytes(),
        }
    }

    /// `GET path`.
    pub async fn get(&mut self, path: &str) -> Reply {
        self.send(Method::GET, path, None, Bytes::new()).await
    }

    /// `POST path` with a JSON body and, optionally, a bearer token.
    pub async fn post(&mut self, path: &str, body: Value, token: Option<&str>) -> Reply {
        let body = Bytes::from(serde_json::to_vec(&body).unwrap());
        self.send(Method::POST, path, token, body).await
    }

    /// `POST path` with a raw body.
    pub async fn post_raw(&mut self, path: &str, body: &'static str) -> Reply {
        self.send(
            Method::POST,
            path,
            None,
            Bytes::from_static(body.as_bytes()),
        )
        .await
    }

    /// Logs in as the default clinician and returns the token.
    pub async fn login(&mut self) -> String {
        let reply = self
            .post(
                "/login",
                serde_json::json!({"username": "clinician", "password": "secret"}),
                None,
            )
            .await;
        assert_eq!(reply.status, StatusCode::OK, "{reply:?}");
        reply.json()["token"]
            .as_str()
            .expect("token is a string")
            .to_owned()
    }

    /// A second handle on the same HTTP/2 connection, to send concurrently.
    pub fn h2_clone(&self) -> Client {
        let Sender::H2(sender) = &self.sender else {
            panic!("only HTTP/2 connections multiplex");
        };
        Client {
            sender: Sender::H2(sender.clone()),
            authority: self.authority.clone(),
            scheme: self.scheme,
        }
    }
}

/// Reads a streamed body frame by frame, checking each byte against the
/// target's pattern; returns how many bytes arrived.
pub async fn drain_pattern(mut body: Incoming) -> u64 {
    let mut offset = 0u64;
    while let Some(frame) = body.frame().await {
        let frame = frame.expect("body frame");
        let Ok(data) = frame.into_data() else {
            continue;
        };
        for (i, byte) in data.iter().enumerate() {
            let at = offset + i as u64;
            assert_eq!(
                *byte,
                throng_target::pattern_byte(at),
                "byte at offset {at}"
            );
        }
        offset += data.len() as u64;
    }
    offset
}

/// Runs `future` and returns its output with how long it took.
pub async fn timed<T>(future: impl Future<Output = T>) -> (T, Duration) {
    let start = Instant::now();
    let output = future.await;
    (output, start.elapsed())
}

/// Polls `condition` for up to two seconds.
pub async fn wait_until(condition: impl Fn() -> bool) {
    for _ in 0..200 {
        if condition() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    panic!("condition not met within 2 s");
}
