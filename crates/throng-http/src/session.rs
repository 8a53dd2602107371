//! One VU's session: its kept-alive connections and the send path.

use std::borrow::Borrow;
use std::fmt;
use std::io::Write as _;
use std::time::Duration;

use bytes::Bytes;
use http::header::{CONTENT_LENGTH, USER_AGENT};
use http::{HeaderMap, HeaderName, HeaderValue, Method};
use http_body_util::Full;
use tokio::time::Instant;
use tokio_rustls::TlsConnector;

use crate::allow::Grant;
use crate::dial::{Conn, HyperRequest, Proto, dial};
use crate::error::Failure;
use crate::h1::H1;
use crate::kept_timer::KeptTimer;
use crate::target::Target;
use crate::timings::{Phase, Stopwatch};
use crate::wire::WriteClock;
use crate::{BodyMode, Client, ErrorKind, HttpVersion, Request, RequestError, Response, body};

/// The bytes of an HTTP/2 frame header.
const H2_FRAME_HEADER: u64 = 9;

/// The connections of one VU, kept alive between its requests like one
/// browser keeps its own.
///
/// A session holds at most one connection per origin (scheme, host, port)
/// and sends one request at a time through `&mut self`, so it needs no lock.
/// In a client with [`shared_connections`](crate::ClientOptions::shared_connections)
/// it holds none: each request borrows one from the client's pool and
/// gives it back when it ends.
/// A connection the server closed is replaced on the next request without
/// the caller noticing (it shows in [`Session::connections_opened`]). A
/// request that fails or times out closes the connection it was using,
/// since its state is unknown; the next request opens a fresh one.
///
/// Sending must happen on a Tokio runtime. An HTTP/1.1 connection is driven
/// by the task that sends; an HTTP/2 connection by a task of its own.
pub struct Session {
    client: Client,
    /// Idle connections, a handful at most, so a scan beats a map.
    idle: Vec<Conn>,
    /// Made on the first `https://` connection, with this session's own
    /// TLS resumption cache.
    tls: Option<TlsConnector>,
    opened: u64,
    /// The timer behind every request's timeout, kept between requests so
    /// that most of them need no timer of their own.
    timer: KeptTimer,
    /// The last URL sent to, parsed and checked: a VU mostly sends to the
    /// same URL again, which then costs a comparison instead of a parse,
    /// an allow-list check and their allocations.
    route: Option<Route>,
}

/// A URL and what [`Target::parse`] and the allow list made of it; both
/// depend on nothing but the URL and the session's client.
struct Route {
    url: String,
    target: Target,
    grant: Grant,
}

impl Session {
    pub(crate) fn new(client: Client) -> Session {
        Session {
            client,
            idle: Vec::new(),
            tls: None,
            opened: 0,
            timer: KeptTimer::new(),
            route: None,
        }
    }

    /// Sends `req` and reads the response to its end.
    ///
    /// The timeout ([`Request::timeout`], else the client's default) covers
    /// everything: waiting for or opening a connection, the exchange and the
    /// body. On failure the error carries the timings measured so far.
    /// A host the client's [`AllowList`](crate::AllowList) refuses fails
    /// with [`ErrorKind::Denied`] before any connection is opened.
    pub async fn send(&mut self, req: Request) -> Result<Response, RequestError> {
        let prepared = self.check(req, Remember::Yes);
        self.run(prepared).await
    }

    /// Checks `req` once, to send it again and again with
    /// [`Session::send_prepared`]: its URL parsed and allowed, its headers
    /// checked, nothing of it copied or allocated per send. A request that
    /// fails the check fails each time it is sent, as [`Session::send`]
    /// would fail it.
    ///
    /// The allow-list check is this session's client's: send it through
    /// sessions of the same client.
    pub fn prepare(&mut self, req: Request) -> Prepared {
        // Not kept as the last route too: the prepared request holds it.
        self.check(req, Remember::No)
    }

    fn check(&mut self, req: Request, remember: Remember) -> Prepared {
        let Request {
            method,
            url,
            headers,
            body,
            timeout,
            body_mode,
            keep_headers,
        } = req;
        // The route before anything else, so a refused host costs no DNS
        // query and no socket.
        let checked = self.route(url, remember).and_then(|(target, grant)| {
            Message::new(method, target, headers, body).map(|message| (message, grant))
        });
        Prepared {
            checked: checked.map_err(|f| (f.kind, f.message)),
            timeout,
            body_mode,
            keep_headers,
        }
    }

    /// Sends a request made by [`Session::prepare`], as [`Session::send`]
    /// sends one.
    pub async fn send_prepared(&mut self, prepared: &Prepared) -> Result<Response, RequestError> {
        self.run(prepared).await
    }

    async fn run<P: Borrow<Prepared>>(&mut self, prepared: P) -> Result<Response, RequestError> {
        let mut watch = Stopwatch::start();
        let mut received = 0;
        let limit = prepared
            .borrow()
            .timeout
            .unwrap_or(self.client.shared.default_timeout);
        let now = Instant::from_std(watch.phase_began());
        let deadline = now.checked_add(limit).unwrap_or_else(|| now + FAR);
        // The exchange's state lives on the heap, not inline in this
        // future: the future of a guest's `send` is polled on the VU's
        // fiber stack, and every KiB it holds inline there becomes
        // resident stack memory of each VU.
        let mut timer = std::mem::take(&mut self.timer);
        let exchange = Box::pin(self.exchange(prepared, &mut watch, &mut received));
        let outcome = timer.run(deadline, exchange).await;
        self.timer = timer;
        let failure = match outcome {
            Some(Ok(response)) => return Ok(response),
            Some(Err(failure)) => failure,
            None => Failure::new(
                ErrorKind::Timeout,
                format!("request timed out after {limit:?}"),
            ),
        };
        Err(failure.into_error(watch.finish(), received))
    }

    /// How many connections this session has opened so far: every TCP
    /// connection it established, including one whose TLS handshake then
    /// failed.
    pub fn connections_opened(&self) -> u64 {
        self.opened
    }

    /// Closes the idle connections; the next request opens new ones. Shared
    /// connections belong to the client's pool and stay open.
    pub fn close(&mut self) {
        self.idle.clear();
    }

    /// Frees what the idle connections keep for their next response (the
    /// read buffer of each HTTP/1.1 connection) and the requests' kept
    /// timer, for an idle time ahead: a VU about to think for seconds need
    /// not hold them. The connections stay open.
    pub fn rest(&mut self) {
        self.timer.drop_timer();
        for conn in &mut self.idle {
            if let Proto::H1(h1) = &mut conn.proto {
                h1.release();
            }
        }
    }

    async fn exchange<P: Borrow<Prepared>>(
        &mut self,
        prepared: P,
        watch: &mut Stopwatch,
        received: &mut u64,
    ) -> Result<Response, Failure> {
        let prepared = prepared.borrow();
        let (message, grant) = match &prepared.checked {
            Ok((message, grant)) => (message, *grant),
            Err((kind, why)) => return Err(Failure::new(*kind, why.clone())),
        };
        let shared = &self.client.shared;
        let read = Read {
            mode: prepared.body_mode,
            max_kept: shared.max_kept_body,
            keep_headers: prepared.keep_headers,
        };

        // With shared connections, a slot first: the wait is `blocked`.
        // Held until the connection is back in the pool.
        let _slot = match &shared.pool {
            Some(pool) => Some(pool.slot().await),
            None => None,
        };
        let mut retried = false;
        loop {
            let (mut conn, reused) = self.checkout(&message.target, grant, watch).await?;
            let user_agent = &self.client.shared.user_agent;
            let attempt = match &mut conn.proto {
                Proto::H1(h1) => send_h1(h1, message, user_agent, read, watch, received).await,
                Proto::H2 { sender, clock } => {
                    // Boxed: hyper's request futures would size this
                    // function's frame, on every HTTP/1.1 request too
                    // (see `dial`).
                    let h2 = H2 { sender, clock };
                    Box::pin(send_h2(h2, message, user_agent, read, watch, received)).await
                }
            };
            match attempt {
                Ok(got) => {
                    let timings = watch.finish();
                    let version = match conn.proto {
                        Proto::H1(_) => HttpVersion::Http1,
                        Proto::H2 { .. } => HttpVersion::Http2,
                    };
                    if got.keep {
                        match &self.client.shared.pool {
                            Some(pool) => pool.put(conn),
                            None => self.idle.push(conn),
                        }
                    }
                    return Ok(Response {
                        status: got.status,
                        version,
                        headers: got.headers,
                        body: got.body,
                        body_bytes: *received,
                        bytes_sent: got.bytes_sent,
                        timings,
                        reused_connection: reused,
                    });
                }
                // The connection had closed before the request reached the
                // server (it sat idle and the server let it go): safe to
                // send again on a new connection, once. A request the server
                // may have seen is never sent twice.
                Err(failed) if failed.unsent && reused && !retried => retried = true,
                Err(failed) => return Err(failed.failure),
            }
        }
    }

    /// Where `url` goes and whether it may: parsed and checked anew only
    /// when it differs from the last request's URL, which it then becomes
    /// if `remember` says so.
    fn route(&mut self, url: String, remember: Remember) -> Result<(Target, Grant), Failure> {
        if let Some(route) = &self.route
            && route.url == url
        {
            return Ok((route.target.clone(), route.grant));
        }
        let target = Target::parse(&url)?;
        let grant = self.client.shared.allow.check(&target)?;
        if let Remember::Yes = remember {
            self.route = Some(Route {
                url,
                target: target.clone(),
                grant,
            });
        }
        Ok((target, grant))
    }

    /// This session's (or the pool's) connection to `target` if it is still
    /// open, else a new one; `true` when reused. The connection leaves the
    /// idle list until its request has ended well.
    async fn checkout(
        &mut self,
        target: &Target,
        grant: Grant,
        watch: &mut Stopwatch,
    ) -> Result<(Conn, bool), Failure> {
        let pool = self.client.shared.pool.as_ref();
        let idle = match pool {
            Some(pool) => pool.take(target),
            None => self
                .idle
                .iter()
                .position(|c| c.serves(target))
                .map(|i| self.idle.swap_remove(i)),
        };
        if let Some(mut conn) = idle
            && conn.ready().await
        {
            return Ok((conn, true));
        }
        if let Some(pool) = pool {
            pool.make_room();
        }
        let shared = &self.client.shared;
        let limit = shared.connect_timeout;
        let dialing = dial(
            shared,
            &mut self.tls,
            target,
            grant,
            watch,
            &mut self.opened,
        );
        match tokio::time::timeout(limit, dialing).await {
            Ok(conn) => Ok((conn?, false)),
            Err(_) => Err(Failure::new(
                ErrorKind::Connect,
                format!(
                    "timed out after {limit:?} connecting to {}",
                    target.authority()
                ),
            )),
        }
    }
}

/// How long "no timeout" is: a deadline this far out never comes.
const FAR: Duration = Duration::from_secs(100 * 365 * 24 * 3600);

impl fmt::Debug for Session {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Session")
            .field("idle", &self.idle.len())
            .field("opened", &self.opened)
            .finish_non_exhaustive()
    }
}

/// Whether a checked URL becomes the session's last route.
#[derive(Clone, Copy)]
enum Remember {
    Yes,
    No,
}

/// A request checked once by [`Session::prepare`], to be sent as often as
/// the caller likes with [`Session::send_prepared`].
pub struct Prepared {
    /// The request ready to be written and what the allow list granted,
    /// or why it cannot be sent.
    checked: Result<(Message, Grant), (ErrorKind, String)>,
    timeout: Option<Duration>,
    body_mode: BodyMode,
    keep_headers: bool,
}

impl fmt::Debug for Prepared {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut out = f.debug_struct("Prepared");
        match &self.checked {
            Ok((message, _)) => out
                .field("method", &message.method)
                .field("uri", &message.target.uri),
            Err((kind, why)) => out.field("error", kind).field("why", why),
        };
        out.finish_non_exhaustive()
    }
}

/// A request checked and ready to be written on any connection, as often
/// as it takes.
struct Message {
    method: Method,
    target: Target,
    /// As the journey gave them, checked to be sendable.
    headers: Vec<(String, String)>,
    body: Option<Bytes>,
    has_host: bool,
    has_user_agent: bool,
    has_length: bool,
    /// The journey asked for `connection: close`.
    closes: bool,
}

impl Message {
    /// Checks every header name (an RFC 9110 token) and value (no control
    /// characters but tab), as hyper would have.
    fn new(
        method: Method,
        target: Target,
        headers: Vec<(String, String)>,
        body: Option<Bytes>,
    ) -> Result<Message, Failure> {
        let invalid = |why: String| Failure::new(ErrorKind::InvalidRequest, why);
        let mut message = Message {
            method,
            target,
            headers: Vec::new(),
            body,
            has_host: false,
            has_user_agent: false,
            has_length: false,
            closes: false,
        };
        for (name, value) in &headers {
            if name.is_empty() || !name.bytes().all(is_token) {
                return Err(invalid(format!("invalid header name {name:?}")));
            }
            if !value
                .bytes()
                .all(|b| b == b'\t' || (b >= b' ' && b != 0x7f))
            {
                return Err(invalid(format!("invalid value for header {name:?}")));
            }
            let is = |known: &str| name.eq_ignore_ascii_case(known);
            message.has_host |= is("host");
            message.has_user_agent |= is("user-agent");
            message.has_length |= is("content-length");
            message.closes |= is("connection")
                && value
                    .split(',')
                    .any(|token| token.trim().eq_ignore_ascii_case("close"));
        }
        message.headers = headers;
        Ok(message)
    }

    fn body(&self) -> &[u8] {
        self.body.as_deref().unwrap_or_default()
    }

    /// Some servers answer a POST, PUT or PATCH without a length with
    /// 411 Length Required, so those always say how long their body is.
    fn adds_length(&self) -> bool {
        !self.has_length
            && (self.body.is_some()
                || [Method::POST, Method::PUT, Method::PATCH].contains(&self.method))
    }

    /// Writes the HTTP/1.1 head: the request line, `host`, the journey's
    /// headers, then `user-agent` and `content-length` unless given.
    fn write_head(&self, out: &mut Vec<u8>, user_agent: &HeaderValue) {
        fn line(out: &mut Vec<u8>, name: &[u8], value: &[u8]) {
            out.extend_from_slice(name);
            out.extend_from_slice(b": ");
            out.extend_from_slice(value);
            out.extend_from_slice(b"\r\n");
        }
        out.extend_from_slice(self.method.as_str().as_bytes());
        out.push(b' ');
        out.extend_from_slice(self.target.origin_form().as_bytes());
        out.extend_from_slice(b" HTTP/1.1\r\n");
        if !self.has_host {
            line(out, b"host", self.target.authority().as_bytes());
        }
        for (name, value) in &self.headers {
            line(out, name.as_bytes(), value.as_bytes());
        }
        if !self.has_user_agent {
            line(out, b"user-agent", user_agent.as_bytes());
        }
        if self.adds_length() {
            // Writing a number into a Vec cannot fail.
            let _ = write!(out, "content-length: {}\r\n", self.body().len());
        }
        out.extend_from_slice(b"\r\n");
    }

    /// The request as hyper's HTTP/2 takes it: the absolute URI (hyper
    /// makes `:scheme` and `:authority` of it) and no `host` of ours.
    fn for_h2(&self, user_agent: &HeaderValue) -> Result<HyperRequest, Failure> {
        let invalid = |why: String| Failure::new(ErrorKind::InvalidRequest, why);
        let mut map = HeaderMap::with_capacity(self.headers.len() + 2);
        for (name, value) in &self.headers {
            let name = HeaderName::from_bytes(name.as_bytes())
                .map_err(|_| invalid(format!("invalid header name {name:?}")))?;
            let value = HeaderValue::from_str(value)
                .map_err(|_| invalid(format!("invalid value for header {name:?}")))?;
            map.append(name, value);
        }
        if !self.has_user_agent {
            map.insert(USER_AGENT, user_agent.clone());
        }
        if self.adds_length() {
            map.insert(CONTENT_LENGTH, HeaderValue::from(self.body().len()));
        }
        let mut request = HyperRequest::new(Full::new(self.body.clone().unwrap_or_default()));
        *request.method_mut() = self.method.clone();
        *request.uri_mut() = self.target.uri.clone();
        *request.headers_mut() = map;
        Ok(request)
    }
}

/// `b` may appear in a header name (RFC 9110 `tchar`).
fn is_token(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b)
}

/// What to do with the response body.
#[derive(Debug, Clone, Copy)]
struct Read {
    mode: BodyMode,
    max_kept: usize,
    keep_headers: bool,
}

/// A response read to its end.
struct Got {
    status: u16,
    headers: Vec<(String, String)>,
    body: Bytes,
    bytes_sent: u64,
    /// The connection can carry the next request.
    keep: bool,
}

/// A request that went wrong on one connection.
struct Failed {
    failure: Failure,
    /// The server cannot have seen it, so it may go again.
    unsent: bool,
}

impl From<Failure> for Failed {
    fn from(failure: Failure) -> Failed {
        Failed {
            failure,
            unsent: false,
        }
    }
}

async fn send_h1(
    h1: &mut H1,
    message: &Message,
    user_agent: &HeaderValue,
    read: Read,
    watch: &mut Stopwatch,
    received: &mut u64,
) -> Result<Got, Failed> {
    let out = h1.head_buffer();
    message.write_head(out, user_agent);
    let bytes_sent = (out.len() + message.body().len()) as u64;
    watch.enter(Phase::Sending);
    // A write that failed before any byte went out (the server had closed
    // the connection while it sat idle) left nothing the server could act
    // on.
    let queued = h1
        .send(message.body(), watch.phase_began())
        .await
        .map_err(|(failure, unsent)| Failed { failure, unsent })?;
    match queued {
        // Written with the thread's batch: `sending` ends when the clock
        // says.
        Some(clock) => watch.sent_later(clock),
        None => watch.enter(Phase::Waiting),
    }
    let head = h1
        .read_head(message.method == Method::HEAD, read.keep_headers)
        .await
        .map_err(|failure| Failed {
            failure,
            unsent: h1.unsent(),
        })?;
    watch.enter(Phase::Receiving);
    let body = h1
        .read_body(head.framing, read.mode, read.max_kept, received)
        .await?;
    Ok(Got {
        status: head.status,
        headers: head.headers,
        body,
        bytes_sent,
        keep: head.keep_alive && !message.closes && h1.at_rest(),
    })
}

/// An HTTP/2 connection's sender and the clock of its writes.
struct H2<'c> {
    sender: &'c mut hyper::client::conn::http2::SendRequest<Full<Bytes>>,
    clock: &'c WriteClock,
}

async fn send_h2(
    H2 { sender, clock }: H2<'_>,
    message: &Message,
    user_agent: &HeaderValue,
    read: Read,
    watch: &mut Stopwatch,
    received: &mut u64,
) -> Result<Got, Failed> {
    let request = message.for_h2(user_agent)?;
    // Counted as HTTP/1.1 would write it; HPACK makes the head's size on
    // this connection unknowable here.
    let mut head = Vec::new();
    message.write_head(&mut head, user_agent);
    let bytes_sent = (head.len() + message.body().len()) as u64;
    // The clock waits for the HEADERS frame header and the body, a lower
    // bound of what the request writes.
    clock.expect(H2_FRAME_HEADER + message.body().len() as u64);
    watch.enter_exchange(clock.clone());
    let response = match sender.try_send_request(request).await {
        Ok(response) => response,
        Err(mut e) => {
            return Err(Failed {
                unsent: e.take_message().is_some(),
                failure: Failure::from_hyper(e.error(), "waiting for the response"),
            });
        }
    };
    watch.enter(Phase::Receiving);
    let (parts, incoming) = response.into_parts();
    let body = body::read(incoming, read.mode, read.max_kept, received).await?;
    Ok(Got {
        status: parts.status.as_u16(),
        headers: if read.keep_headers {
            header_list(&parts.headers)
        } else {
            Vec::new()
        },
        body,
        bytes_sent,
        keep: true,
    })
}

fn header_list(headers: &HeaderMap) -> Vec<(String, String)> {
    headers
        .iter()
        .map(|(name, value)| {
            let value = match value.to_str() {
                Ok(text) => text.to_owned(),
                Err(_) => String::from_utf8_lossy(value.as_bytes()).into_owned(),
            };
            (name.as_str().to_owned(), value)
        })
        .collect()
}
