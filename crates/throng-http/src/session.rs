//! One VU's session: its kept-alive connections and the send path.

use std::fmt;

use bytes::Bytes;
use http::header::{CONTENT_LENGTH, HOST, USER_AGENT};
use http::{HeaderMap, HeaderName, HeaderValue, Method};
use http_body_util::Full;
use tokio_rustls::TlsConnector;

use crate::allow::Grant;
use crate::dial::{Conn, HyperRequest, dial};
use crate::error::Failure;
use crate::target::Target;
use crate::timings::{Phase, Stopwatch};
use crate::{Client, ErrorKind, HttpVersion, Request, RequestError, Response, body};

/// The bytes of an HTTP/2 frame header.
const H2_FRAME_HEADER: u64 = 9;

/// The connections of one VU, kept alive between its requests like one
/// browser keeps its own.
///
/// A session holds at most one connection per origin (scheme, host, port)
/// and sends one request at a time through `&mut self`, so it needs no lock.
/// A connection the server closed is replaced on the next request without
/// the caller noticing (it shows in [`Session::connections_opened`]). A
/// request that fails or times out closes the connection it was using,
/// since its state is unknown; the next request opens a fresh one.
///
/// Sending must happen on a Tokio runtime: each connection is driven by a
/// task of its own.
pub struct Session {
    client: Client,
    /// Idle connections, a handful at most, so a scan beats a map.
    idle: Vec<Conn>,
    /// Made on the first `https://` connection, with this session's own
    /// TLS resumption cache.
    tls: Option<TlsConnector>,
    opened: u64,
}

impl Session {
    pub(crate) fn new(client: Client) -> Session {
        Session {
            client,
            idle: Vec::new(),
            tls: None,
            opened: 0,
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
        let mut watch = Stopwatch::start();
        let mut received = 0;
        let limit = req.timeout.unwrap_or(self.client.shared.default_timeout);
        // The exchange's state (~9 KiB: hyper's handshake and send) lives
        // on the heap, not inline in this future: the future of a guest's
        // `send` is polled on the VU's fiber stack, and every KiB it holds
        // inline there becomes resident stack memory of each VU.
        let exchange = Box::pin(self.exchange(req, &mut watch, &mut received));
        let outcome = tokio::time::timeout(limit, exchange).await;
        let failure = match outcome {
            Ok(Ok(response)) => return Ok(response),
            Ok(Err(failure)) => failure,
            Err(_) => Failure::new(
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

    /// Closes the idle connections; the next request opens new ones.
    pub fn close(&mut self) {
        self.idle.clear();
    }

    async fn exchange(
        &mut self,
        req: Request,
        watch: &mut Stopwatch,
        received: &mut u64,
    ) -> Result<Response, Failure> {
        let Request {
            method,
            url,
            headers,
            body,
            timeout: _,
            body_mode,
        } = req;
        let target = Target::parse(&url)?;
        // Before anything else, so a refused host costs no DNS query and
        // no socket.
        let grant = self.client.shared.allow.check(&target)?;
        let body_len = body.as_ref().map_or(0, |b| b.len() as u64);
        let (mut request, bytes_sent) = build(method, &target, headers, body, &self.client)?;

        let mut host_added = false;
        let (conn, reused, head) = loop {
            let (mut conn, reused) = self.checkout(&target, grant, watch).await?;
            fit(&mut request, conn.version(), &target, &mut host_added);
            let clock = conn.clock();
            clock.expect(match conn.version() {
                HttpVersion::Http1 => bytes_sent,
                // HPACK makes the head's size unknowable here: count the
                // HEADERS frame header and the body, a lower bound.
                HttpVersion::Http2 => H2_FRAME_HEADER + body_len,
            });
            watch.enter_exchange(clock);
            match conn.send(request).await {
                Ok(head) => break (conn, reused, head),
                Err(mut e) => match e.take_message() {
                    // The connection closed between our check and the send,
                    // so the request never left: safe to send again on a
                    // new connection, once.
                    Some(unsent) if reused => request = unsent,
                    _ => return Err(Failure::from_hyper(e.error(), "waiting for the response")),
                },
            }
        };

        watch.enter(Phase::Receiving);
        let version = conn.version();
        let (parts, incoming) = head.into_parts();
        let max_kept = self.client.shared.max_kept_body;
        let body = body::read(incoming, body_mode, max_kept, received).await?;
        let timings = watch.finish();
        // Read to its end, the connection is free for the next request.
        self.idle.push(conn);
        Ok(Response {
            status: parts.status.as_u16(),
            version,
            headers: header_list(&parts.headers),
            body,
            body_bytes: *received,
            bytes_sent,
            timings,
            reused_connection: reused,
        })
    }

    /// This session's connection to `target` if it is still open, else a
    /// new one; `true` when reused. The connection leaves the idle list
    /// until its request has ended well.
    async fn checkout(
        &mut self,
        target: &Target,
        grant: Grant,
        watch: &mut Stopwatch,
    ) -> Result<(Conn, bool), Failure> {
        if let Some(i) = self.idle.iter().position(|c| c.serves(target)) {
            let mut conn = self.idle.swap_remove(i);
            if conn.ready().await {
                return Ok((conn, true));
            }
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

impl fmt::Debug for Session {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Session")
            .field("idle", &self.idle.len())
            .field("opened", &self.opened)
            .finish_non_exhaustive()
    }
}

/// The request for hyper, and the bytes it comes to as HTTP/1.1 would write
/// it. The URI and `host` are settled by [`fit`] once the connection's
/// version is known.
fn build(
    method: Method,
    target: &Target,
    headers: Vec<(String, String)>,
    body: Option<Bytes>,
    client: &Client,
) -> Result<(HyperRequest, u64), Failure> {
    let invalid = |why: String| Failure::new(ErrorKind::InvalidRequest, why);
    let mut map = HeaderMap::with_capacity(headers.len() + 3);
    for (name, value) in headers {
        let name = HeaderName::from_bytes(name.as_bytes())
            .map_err(|_| invalid(format!("invalid header name {name:?}")))?;
        // Takes the String's buffer rather than copying it.
        let value = HeaderValue::from_maybe_shared(Bytes::from(value))
            .map_err(|_| invalid(format!("invalid value for header {name:?}")))?;
        map.append(name, value);
    }
    if !map.contains_key(USER_AGENT) {
        map.insert(USER_AGENT, client.shared.user_agent.clone());
    }
    let body_len = body.as_ref().map_or(0, Bytes::len);
    // Some servers answer a POST, PUT or PATCH without a length with
    // 411 Length Required, so those always say how long their body is.
    let wants_length =
        body.is_some() || [Method::POST, Method::PUT, Method::PATCH].contains(&method);
    if wants_length && !map.contains_key(CONTENT_LENGTH) {
        map.insert(CONTENT_LENGTH, HeaderValue::from(body_len));
    }

    let target_len = target
        .uri
        .path_and_query()
        .map_or(0, |pq| pq.as_str().len())
        .max(1);
    let host_len = if map.contains_key(HOST) {
        0
    } else {
        "host: \r\n".len() + target.authority().len()
    };
    let header_len: usize = map
        .iter()
        .map(|(name, value)| name.as_str().len() + value.len() + ": \r\n".len())
        .sum();
    let head_len = method.as_str().len() + " ".len() + target_len + " HTTP/1.1\r\n".len();
    let bytes_sent = head_len + host_len + header_len + "\r\n".len() + body_len;

    let mut request = HyperRequest::new(Full::new(body.unwrap_or_default()));
    *request.method_mut() = method;
    *request.headers_mut() = map;
    Ok((request, bytes_sent as u64))
}

/// Shapes `request` for a connection speaking `version`: HTTP/1.1 wants the
/// path in the request line and a `host` header, HTTP/2 the absolute URI
/// (hyper turns it into `:scheme` and `:authority`) and no `host` of ours.
fn fit(request: &mut HyperRequest, version: HttpVersion, target: &Target, host_added: &mut bool) {
    match version {
        HttpVersion::Http1 => {
            *request.uri_mut() = target.origin_form();
            if !request.headers().contains_key(HOST) {
                // The authority came out of a parsed URI, so it is a valid
                // header value.
                if let Ok(host) = HeaderValue::from_str(target.authority()) {
                    request.headers_mut().insert(HOST, host);
                    *host_added = true;
                }
            }
        }
        HttpVersion::Http2 => {
            *request.uri_mut() = target.uri.clone();
            if *host_added {
                request.headers_mut().remove(HOST);
                *host_added = false;
            }
        }
    }
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
