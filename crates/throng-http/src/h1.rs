//! HTTP/1.1 on one kept-alive connection, spoken by the VU's own task.
//!
//! hyper's HTTP/1 client drives each connection from a task of its own
//! behind a channel, and keeps an 8 KiB write buffer and a read buffer of
//! 8 KiB or more for as long as the connection lives: about 30 KiB of every
//! idle VU, and two task wake-ups per request. Here the session writes the
//! request and reads the response itself, and the read buffer is only
//! allocated while a response is coming in. hyper still speaks HTTP/2.
//!
//! What is spoken: requests with a body of known length (never chunked
//! uploads), no pipelining, responses framed by `content-length`, by
//! `transfer-encoding: chunked` or by the connection's close, interim 1xx
//! responses skipped. Heads are parsed by `httparse`, the parser under
//! hyper's own HTTP/1.

use std::future::Future;
use std::io;
use std::pin::Pin;
use std::task::{Context, Poll, Waker};
use std::time::Instant;

use bytes::{Buf, Bytes, BytesMut};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, ReadBuf};
use tokio::net::TcpStream;
use tokio::net::tcp::OwnedReadHalf;
use tokio_rustls::client::TlsStream;

use crate::batch::{self, Outbox, Sent};
use crate::error::{Failure, find, io_summary};
use crate::wire::{Metered, WriteClock};
use crate::{BodyMode, ErrorKind};

/// The most of a response head (status line and headers), or of a chunk's
/// size line and trailers, that is buffered before the response is refused.
const MAX_HEAD: usize = 64 * 1024;
/// The smallest read: a whole small response in one `recv`.
const MIN_READ: usize = 4 * 1024;
/// The largest read, for long bodies; also the most a connection buffers.
const MAX_READ: usize = 64 * 1024;
/// Headers parsed on the stack (a `httparse::Header` is 32 bytes); a
/// response with more is parsed again with room for [`MANY_HEADERS`].
const FEW_HEADERS: usize = 48;
const MANY_HEADERS: usize = 1024;
/// A body up to this size goes out in the same write as the head.
const COALESCE_BODY: usize = 16 * 1024;

/// The socket of a connection, plain or under TLS.
#[derive(Debug)]
pub(crate) enum Io {
    Plain(Plain),
    /// Boxed: rustls's connection state is large and the plain case common.
    Tls(Box<TlsStream<Metered<TcpStream>>>),
}

/// A plain connection, split: the VU reads, and writes either itself or
/// through its thread's batch ([`batch`]).
#[derive(Debug)]
pub(crate) struct Plain {
    read: OwnedReadHalf,
    out: Outbox,
}

impl Io {
    /// A plain connection over `tcp`, split for batched writes.
    pub(crate) fn plain(tcp: TcpStream) -> Io {
        let (read, write) = tcp.into_split();
        Io::Plain(Plain {
            read,
            out: Outbox::new(write),
        })
    }
}

/// One HTTP/1.1 connection.
#[derive(Debug)]
pub(crate) struct H1 {
    io: Io,
    /// What has been read and not used yet: empty between responses, its
    /// allocation kept until the session rests ([`H1::release`]).
    buf: BytesMut,
    /// The request head being written; its buffer is kept for the next one.
    out: Vec<u8>,
    /// Whether the request is queued in the connection's [`Outbox`], not
    /// yet known to be written.
    queued: bool,
    /// Whether the request failed without a byte of it going out.
    unsent: bool,
    /// Whether a queued request failed to be written.
    write_failed: bool,
}

/// How a response body ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Framing {
    /// No body: a response to `HEAD`, a 204 or a 304.
    Empty,
    /// `content-length` bytes.
    Length(u64),
    /// `transfer-encoding: chunked`.
    Chunked,
    /// Everything until the server closes the connection.
    Close,
}

/// A response head, parsed.
#[derive(Debug)]
pub(crate) struct Head {
    pub(crate) status: u16,
    /// In the order received, names in lower case.
    pub(crate) headers: Vec<(String, String)>,
    pub(crate) framing: Framing,
    /// Whether the connection may carry another request once the body has
    /// been read.
    pub(crate) keep_alive: bool,
}

impl H1 {
    pub(crate) fn new(io: Io) -> H1 {
        H1 {
            io,
            buf: BytesMut::new(),
            out: Vec::new(),
            queued: false,
            unsent: false,
            write_failed: false,
        }
    }

    /// Whether the connection still looks open, checked without waiting: a
    /// server that closed it, or sent bytes nobody asked for, makes it
    /// unusable.
    pub(crate) fn is_open(&mut self) -> bool {
        if !self.buf.is_empty() {
            return false;
        }
        let mut cx = Context::from_waker(Waker::noop());
        let mut byte = [0u8; 1];
        let mut probe = ReadBuf::new(&mut byte);
        Pin::new(&mut self.io)
            .poll_read(&mut cx, &mut probe)
            .is_pending()
    }

    /// The buffer to write the next request head into, empty.
    pub(crate) fn head_buffer(&mut self) -> &mut Vec<u8> {
        self.out.clear();
        &mut self.out
    }

    /// Writes the head in [`H1::head_buffer`], then `body`. On failure,
    /// also says whether nothing at all had been written, so that the
    /// server cannot have seen any of the request.
    ///
    /// On a plain connection, on a thread that batches its writes, a
    /// request of up to [`COALESCE_BODY`] bytes of body made at `now` is
    /// queued instead, and the clock that notes when it is written is
    /// returned: reading the response waits for it, and
    /// [`H1::unsent`] says whether it failed before any of it went out.
    pub(crate) async fn send(
        &mut self,
        body: &[u8],
        now: Instant,
    ) -> Result<Option<WriteClock>, (Failure, bool)> {
        self.unsent = false;
        self.write_failed = false;
        let mut written = 0;
        let outcome = if body.len() <= COALESCE_BODY {
            self.out.extend_from_slice(body);
            if let Io::Plain(plain) = &self.io
                && batch::on_this_thread()
            {
                let clock = plain.out.defer(&mut self.out, now);
                self.queued = true;
                return Ok(Some(clock));
            }
            write_all(&mut self.io, &self.out, &mut written).await
        } else {
            match write_all(&mut self.io, &self.out, &mut written).await {
                Ok(()) => write_all(&mut self.io, body, &mut written).await,
                failed => failed,
            }
        };
        let outcome = match outcome {
            Ok(()) => self.io.flush().await,
            failed => failed,
        };
        // A large body's buffer is not kept for the requests after it.
        if self.out.capacity() > 2 * COALESCE_BODY {
            self.out = Vec::new();
        }
        outcome
            .map(|()| None)
            .map_err(|e| (io_failure(&e, "sending the request"), written == 0))
    }

    /// Whether the request that just failed had not been written at all
    /// (its connection ended while it was queued, or writing it failed at
    /// the first byte), so that the server cannot have seen it.
    pub(crate) fn unsent(&self) -> bool {
        self.unsent
    }

    /// Reads the response head, skipping interim (1xx) responses. A
    /// response to `HEAD` (`head_request`) has no body whatever it says.
    /// The headers are copied out only when `keep_headers`; framing and
    /// keep-alive are read from them either way.
    ///
    /// A connection that closes before the head is complete fails the
    /// request, even with nothing of it read: the server had the request
    /// and may have acted on it, and a load test should see the failure
    /// rather than a quiet second try.
    pub(crate) async fn read_head(
        &mut self,
        head_request: bool,
        keep_headers: bool,
    ) -> Result<Head, Failure> {
        loop {
            match parse_head(&self.buf, keep_headers) {
                Ok(Some((used, parsed))) => {
                    self.buf.advance(used);
                    if (100..200).contains(&parsed.status) && parsed.status != 101 {
                        continue;
                    }
                    return head(parsed, head_request);
                }
                Ok(None) => {}
                Err(why) => {
                    return Err(Failure::new(
                        ErrorKind::Protocol,
                        format!("invalid HTTP response: {why}"),
                    ));
                }
            }
            if self.buf.len() >= MAX_HEAD {
                return Err(Failure::new(
                    ErrorKind::Protocol,
                    format!("invalid HTTP response: head over {MAX_HEAD} bytes"),
                ));
            }
            match self.fill(MIN_READ).await {
                Ok(0) => {
                    return Err(Failure::new(
                        ErrorKind::Protocol,
                        "connection closed before the response was complete",
                    ));
                }
                Ok(_) => {}
                Err(e) if self.write_failed => {
                    return Err(io_failure(&e, "sending the request"));
                }
                Err(e) => return Err(io_failure(&e, "waiting for the response")),
            }
        }
    }

    /// Reads the body framed by `framing` to its end, kept (up to
    /// `max_kept` bytes) or counted and dropped, adding to `received` as
    /// bytes arrive so that a failure part-way reports what came in.
    pub(crate) async fn read_body(
        &mut self,
        framing: Framing,
        mode: BodyMode,
        max_kept: usize,
        received: &mut u64,
    ) -> Result<Bytes, Failure> {
        let mut sink = match mode {
            BodyMode::Keep => Sink::Keep {
                max: u64::try_from(max_kept).unwrap_or(u64::MAX),
                first: None,
                joined: BytesMut::new(),
            },
            BodyMode::Discard => Sink::Discard,
        };
        match framing {
            Framing::Empty => {}
            Framing::Length(len) => {
                sink.expect(len)?;
                self.copy(len, &mut sink, received).await?;
            }
            Framing::Chunked => self.chunked(&mut sink, received).await?,
            Framing::Close => loop {
                if self.buf.is_empty() && self.fill(MAX_READ / 2).await.map_err(body_failure)? == 0
                {
                    break;
                }
                let n = self.buf.len();
                sink.take(&mut self.buf, n, received)?;
            },
        }
        Ok(sink.finish())
    }

    /// Whether what was read is all used, so the connection is at a message
    /// boundary. The read buffer stays for the next response: allocating
    /// it again for every request cost a 4 KiB `malloc` and `free` each
    /// (see [`H1::release`]).
    pub(crate) fn at_rest(&self) -> bool {
        self.buf.is_empty() && !self.queued
    }

    /// Frees the read buffer, if nothing in it is waiting to be used, for
    /// an idle time ahead; the next response allocates it again.
    pub(crate) fn release(&mut self) {
        if self.buf.is_empty() {
            self.buf = BytesMut::new();
        }
    }

    /// Moves `len` body bytes into `sink`.
    async fn copy(
        &mut self,
        mut len: u64,
        sink: &mut Sink,
        received: &mut u64,
    ) -> Result<(), Failure> {
        while len > 0 {
            if self.buf.is_empty() {
                let want = usize::try_from(len).unwrap_or(MAX_READ);
                if self.fill(want).await.map_err(body_failure)? == 0 {
                    return Err(body_failure(io::ErrorKind::UnexpectedEof.into()));
                }
            }
            let n = usize::try_from(len).map_or(self.buf.len(), |len| len.min(self.buf.len()));
            sink.take(&mut self.buf, n, received)?;
            len -= n as u64;
        }
        Ok(())
    }

    async fn chunked(&mut self, sink: &mut Sink, received: &mut u64) -> Result<(), Failure> {
        let invalid = || Failure::new(ErrorKind::Protocol, "invalid HTTP response: bad chunk size");
        loop {
            let size = loop {
                match httparse::parse_chunk_size(&self.buf) {
                    Ok(httparse::Status::Complete((used, size))) => {
                        self.buf.advance(used);
                        break size;
                    }
                    Ok(httparse::Status::Partial) => self.fill_line().await?,
                    Err(_) => return Err(invalid()),
                }
            };
            if size == 0 {
                // Trailers, if any, then the empty line that ends them.
                loop {
                    match self.buf.windows(2).position(|w| w == b"\r\n") {
                        Some(0) => {
                            self.buf.advance(2);
                            return Ok(());
                        }
                        Some(end) => self.buf.advance(end + 2),
                        None => self.fill_line().await?,
                    }
                }
            }
            self.copy(size, sink, received).await?;
            while self.buf.len() < 2 {
                self.fill_line().await?;
            }
            if &self.buf[..2] != b"\r\n" {
                return Err(invalid());
            }
            self.buf.advance(2);
        }
    }

    /// Reads more of a line of the chunked framing.
    async fn fill_line(&mut self) -> Result<(), Failure> {
        if self.buf.len() >= MAX_HEAD {
            return Err(Failure::new(
                ErrorKind::Protocol,
                format!("invalid HTTP response: chunk line over {MAX_HEAD} bytes"),
            ));
        }
        match self.fill(MIN_READ).await.map_err(body_failure)? {
            0 => Err(body_failure(io::ErrorKind::UnexpectedEof.into())),
            _ => Ok(()),
        }
    }

    /// Reads once into the buffer, making room for about `want` bytes
    /// (between [`MIN_READ`] and [`MAX_READ`]); 0 at the end of the stream.
    async fn fill(&mut self, want: usize) -> io::Result<usize> {
        let want = want.clamp(MIN_READ, MAX_READ);
        let room = self.buf.capacity() - self.buf.len();
        if room < MIN_READ || (self.buf.is_empty() && room < want) {
            self.buf.reserve(want);
        }
        if self.queued {
            return std::future::poll_fn(|cx| self.poll_fill_queued(cx)).await;
        }
        self.io.read_buf(&mut self.buf).await
    }

    /// Reads once while the request may still be queued, and notes what
    /// became of it: written (the usual case, seen as the response comes
    /// in), failed, or left behind by a connection that ended first.
    fn poll_fill_queued(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<usize>> {
        let Io::Plain(plain) = &mut self.io else {
            self.queued = false;
            return std::pin::pin!(self.io.read_buf(&mut self.buf)).poll(cx);
        };
        if self.queued {
            match plain.out.poll_sent(cx) {
                Poll::Ready(Sent::Written) => self.queued = false,
                Poll::Ready(Sent::Failed { error, unsent }) => {
                    self.queued = false;
                    self.unsent = unsent;
                    self.write_failed = true;
                    return Poll::Ready(Err(error));
                }
                Poll::Pending => {}
            }
        }
        let read = std::pin::pin!(plain.read.read_buf(&mut self.buf)).poll(cx);
        if self.queued && matches!(read, Poll::Ready(Ok(0) | Err(_))) && plain.out.cancel() {
            self.queued = false;
            self.unsent = true;
        }
        read
    }
}

/// Where body bytes go.
enum Sink {
    Keep {
        max: u64,
        /// Most bodies arrive in one piece, which is kept as it is.
        first: Option<Bytes>,
        /// A body of several pieces, copied together.
        joined: BytesMut,
    },
    Discard,
}

impl Sink {
    /// Refuses a declared length over the cap before any of it is read.
    fn expect(&self, len: u64) -> Result<(), Failure> {
        match *self {
            Sink::Keep { max, .. } if len > max => Err(Failure::body_too_large(len, max)),
            _ => Ok(()),
        }
    }

    /// Moves the first `n` bytes of `buf` here.
    fn take(&mut self, buf: &mut BytesMut, n: usize, received: &mut u64) -> Result<(), Failure> {
        *received += n as u64;
        match self {
            Sink::Discard => buf.advance(n),
            Sink::Keep { max, first, joined } => {
                if *received > *max {
                    return Err(Failure::body_too_large(*received, *max));
                }
                if first.is_none() && joined.is_empty() {
                    *first = Some(buf.split_to(n).freeze());
                } else {
                    if let Some(first) = first.take() {
                        joined.extend_from_slice(&first);
                    }
                    joined.extend_from_slice(&buf[..n]);
                    buf.advance(n);
                }
            }
        }
        Ok(())
    }

    fn finish(self) -> Bytes {
        match self {
            Sink::Keep { first, joined, .. } => first.unwrap_or_else(|| joined.freeze()),
            Sink::Discard => Bytes::new(),
        }
    }
}

/// A response head as `httparse` gave it, its headers copied out of the
/// buffer when asked for.
struct Parsed {
    status: u16,
    /// 0 for HTTP/1.0, 1 for HTTP/1.1.
    version: u8,
    /// Empty unless the headers were to be kept.
    headers: Vec<(String, String)>,
    signals: Signals,
}

/// What the headers say about the body's framing and the connection,
/// gathered while they are still borrowed from the read buffer.
#[derive(Debug, Default)]
struct Signals {
    /// `content-length`, every value of it agreeing.
    length: Option<u64>,
    /// A `content-length` that is not one number, as received.
    bad_length: Option<String>,
    /// `transfer-encoding`: whether its last coding is `chunked`.
    chunked: Option<bool>,
    /// `connection` lists `close`.
    close: bool,
    /// `connection` lists `keep-alive`.
    keep_alive: bool,
}

impl Signals {
    fn see(&mut self, name: &str, value: &[u8]) {
        let tokens = || value.split(|&b| b == b',').map(<[u8]>::trim_ascii);
        if name.eq_ignore_ascii_case("content-length") {
            for part in tokens() {
                let n = std::str::from_utf8(part)
                    .ok()
                    .filter(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()))
                    .and_then(|p| p.parse::<u64>().ok());
                match n {
                    Some(n) if self.length.is_none_or(|l| l == n) => self.length = Some(n),
                    _ => {
                        self.bad_length
                            .get_or_insert_with(|| String::from_utf8_lossy(value).into_owned());
                    }
                }
            }
        } else if name.eq_ignore_ascii_case("transfer-encoding") {
            let last = tokens().next_back().unwrap_or_default();
            self.chunked = Some(last.eq_ignore_ascii_case(b"chunked"));
        } else if name.eq_ignore_ascii_case("connection") {
            for token in tokens() {
                self.close |= token.eq_ignore_ascii_case(b"close");
                self.keep_alive |= token.eq_ignore_ascii_case(b"keep-alive");
            }
        }
    }
}

/// Parses a complete head at the start of `buf`: how many bytes it took,
/// and the head, with its headers copied out if `keep_headers`; `None`
/// while it is incomplete.
fn parse_head(buf: &[u8], keep_headers: bool) -> Result<Option<(usize, Parsed)>, &'static str> {
    let mut few = [httparse::EMPTY_HEADER; FEW_HEADERS];
    match parse_with(buf, &mut few, keep_headers) {
        Err(httparse::Error::TooManyHeaders) => {
            let mut many = vec![httparse::EMPTY_HEADER; MANY_HEADERS];
            parse_with(buf, &mut many, keep_headers).map_err(describe)
        }
        other => other.map_err(describe),
    }
}

fn parse_with<'b>(
    buf: &'b [u8],
    headers: &mut [httparse::Header<'b>],
    keep_headers: bool,
) -> Result<Option<(usize, Parsed)>, httparse::Error> {
    let mut response = httparse::Response::new(headers);
    let httparse::Status::Complete(used) = response.parse(buf)? else {
        return Ok(None);
    };
    let mut signals = Signals::default();
    for h in response.headers.iter() {
        signals.see(h.name, h.value);
    }
    let headers = if keep_headers {
        response
            .headers
            .iter()
            .map(|h| {
                let value = match std::str::from_utf8(h.value) {
                    Ok(text) => text.to_owned(),
                    Err(_) => String::from_utf8_lossy(h.value).into_owned(),
                };
                (h.name.to_ascii_lowercase(), value)
            })
            .collect()
    } else {
        Vec::new()
    };
    // A complete parse always has both.
    let (Some(status), Some(version)) = (response.code, response.version) else {
        return Err(httparse::Error::Status);
    };
    Ok(Some((
        used,
        Parsed {
            status,
            version,
            headers,
            signals,
        },
    )))
}

/// hyper's words for the same faults, which users may already know.
fn describe(err: httparse::Error) -> &'static str {
    match err {
        httparse::Error::Status => "invalid HTTP status-code parsed",
        httparse::Error::Version => "invalid HTTP version parsed",
        httparse::Error::TooManyHeaders => "too many headers",
        httparse::Error::HeaderName
        | httparse::Error::HeaderValue
        | httparse::Error::NewLine
        | httparse::Error::Token => "invalid HTTP header parsed",
    }
}

/// Settles framing and keep-alive from the parsed head.
fn head(parsed: Parsed, head_request: bool) -> Result<Head, Failure> {
    let Parsed {
        status,
        version,
        headers,
        signals,
    } = parsed;
    if let Some(value) = signals.bad_length {
        return Err(Failure::new(
            ErrorKind::Protocol,
            format!("invalid HTTP response: content-length {value:?}"),
        ));
    }
    let (length, chunked) = (signals.length, signals.chunked);
    // HTTP/1.0 closes unless asked to keep the connection; `close` wins.
    let mut close = signals.close || (version == 0 && !signals.keep_alive);
    let framing = if head_request || status == 204 || status == 304 {
        Framing::Empty
    } else {
        match (chunked, length) {
            (Some(true), _) => Framing::Chunked,
            (Some(false), _) => Framing::Close,
            (None, Some(len)) => Framing::Length(len),
            (None, None) => Framing::Close,
        }
    };
    // A length beside a transfer coding is a smuggling risk: the body is
    // read by the coding and the connection not used again.
    if framing == Framing::Close || (chunked.is_some() && length.is_some()) {
        close = true;
    }
    Ok(Head {
        status,
        headers,
        framing,
        keep_alive: !close,
    })
}

/// `write_all` that counts what went out in `written`, so a failure can
/// tell whether any of it did.
async fn write_all(io: &mut Io, mut bytes: &[u8], written: &mut usize) -> io::Result<()> {
    while !bytes.is_empty() {
        match io.write(bytes).await? {
            0 => return Err(io::ErrorKind::WriteZero.into()),
            n => {
                *written += n;
                bytes = &bytes[n..];
            }
        }
    }
    Ok(())
}

/// A socket error while `doing` something: a TLS fault when rustls raised
/// it, else a protocol failure (a timeout for `TimedOut`).
fn io_failure(err: &io::Error, doing: &str) -> Failure {
    if let Some(tls) = find::<rustls::Error>(err) {
        return Failure::new(ErrorKind::Tls, format!("TLS error while {doing}: {tls}"));
    }
    let kind = match err.kind() {
        io::ErrorKind::TimedOut => ErrorKind::Timeout,
        _ => ErrorKind::Protocol,
    };
    Failure::new(kind, format!("{} while {doing}", io_summary(err)))
}

fn body_failure(err: io::Error) -> Failure {
    io_failure(&err, "reading the response body")
}

impl AsyncRead for Io {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Io::Plain(p) => Pin::new(&mut p.read).poll_read(cx, buf),
            Io::Tls(s) => Pin::new(s.as_mut()).poll_read(cx, buf),
        }
    }
}

impl AsyncWrite for Io {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        match self.get_mut() {
            Io::Plain(p) => p.out.poll_write(cx, buf),
            Io::Tls(s) => Pin::new(s.as_mut()).poll_write(cx, buf),
        }
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.get_mut() {
            // A socket holds nothing back to flush.
            Io::Plain(_) => Poll::Ready(Ok(())),
            Io::Tls(s) => Pin::new(s.as_mut()).poll_flush(cx),
        }
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Io::Plain(p) => p.out.poll_shutdown(cx),
            Io::Tls(s) => Pin::new(s.as_mut()).poll_shutdown(cx),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parsed(raw: &[u8]) -> Head {
        let (used, p) = parse_head(raw, true).unwrap().expect("complete");
        assert_eq!(used, raw.len());
        head(p, false).unwrap()
    }

    #[test]
    fn framing_follows_the_head() {
        let h = parsed(b"HTTP/1.1 200 OK\r\nContent-Length: 12\r\n\r\n");
        assert_eq!((h.framing, h.keep_alive), (Framing::Length(12), true));
        assert_eq!(h.headers, [("content-length".to_owned(), "12".to_owned())]);

        let h = parsed(b"HTTP/1.1 200 OK\r\ntransfer-encoding: gzip, chunked\r\n\r\n");
        assert_eq!((h.framing, h.keep_alive), (Framing::Chunked, true));

        let h = parsed(b"HTTP/1.1 200 OK\r\n\r\n");
        assert_eq!((h.framing, h.keep_alive), (Framing::Close, false));

        let h = parsed(b"HTTP/1.1 204 No Content\r\ncontent-length: 5\r\n\r\n");
        assert_eq!((h.framing, h.keep_alive), (Framing::Empty, true));

        let h = parsed(b"HTTP/1.0 200 OK\r\ncontent-length: 1\r\n\r\n");
        assert_eq!((h.framing, h.keep_alive), (Framing::Length(1), false));
        let h = parsed(b"HTTP/1.0 200 OK\r\nconnection: Keep-Alive\r\ncontent-length: 1\r\n\r\n");
        assert!(h.keep_alive);

        let h = parsed(b"HTTP/1.1 200 OK\r\nconnection: close\r\ncontent-length: 1\r\n\r\n");
        assert_eq!((h.framing, h.keep_alive), (Framing::Length(1), false));

        let h =
            parsed(b"HTTP/1.1 200 OK\r\ncontent-length: 3\r\ntransfer-encoding: chunked\r\n\r\n");
        assert_eq!((h.framing, h.keep_alive), (Framing::Chunked, false));
    }

    #[test]
    fn framing_is_read_from_headers_that_are_not_kept() {
        let raw = b"HTTP/1.0 200 OK\r\nConnection: Keep-Alive\r\nContent-Length: 12\r\n\r\n";
        let (used, p) = parse_head(raw, false).unwrap().expect("complete");
        assert_eq!(used, raw.len());
        let h = head(p, false).unwrap();
        assert_eq!((h.framing, h.keep_alive), (Framing::Length(12), true));
        assert!(h.headers.is_empty());

        let raw = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n";
        let h = head(parse_head(raw, false).unwrap().unwrap().1, false).unwrap();
        assert_eq!((h.framing, h.keep_alive), (Framing::Chunked, false));

        let raw = b"HTTP/1.1 200 OK\r\ncontent-length: 3, 4\r\n\r\n";
        let p = parse_head(raw, false).unwrap().unwrap().1;
        assert!(head(p, false).is_err());
    }

    #[test]
    fn bad_heads_are_refused_with_hypers_words() {
        assert_eq!(
            parse_head(b"HTTP/1.1 2x0 OK\r\n\r\n", true).err(),
            Some("invalid HTTP status-code parsed")
        );
        assert_eq!(
            parse_head(b"HTTP/1.1 200 OK\r\nbad header\r\n\r\n", true).err(),
            Some("invalid HTTP header parsed")
        );
        assert!(
            parse_head(b"HTTP/1.1 200 OK\r\ncontent-le", true)
                .unwrap()
                .is_none()
        );
        let p = parse_head(b"HTTP/1.1 200 OK\r\ncontent-length: 1, 2\r\n\r\n", true)
            .unwrap()
            .unwrap()
            .1;
        assert!(head(p, false).is_err());
        let p = parse_head(b"HTTP/1.1 200 OK\r\ncontent-length: -1\r\n\r\n", true)
            .unwrap()
            .unwrap()
            .1;
        assert!(head(p, false).is_err());
    }

    #[test]
    fn many_headers_are_parsed_off_the_stack() {
        let mut raw = b"HTTP/1.1 200 OK\r\n".to_vec();
        for i in 0..200 {
            raw.extend_from_slice(format!("x-h{i}: {i}\r\n").as_bytes());
        }
        raw.extend_from_slice(b"\r\n");
        let h = parsed(&raw);
        assert_eq!(h.headers.len(), 200);
        assert_eq!(h.headers[199], ("x-h199".to_owned(), "199".to_owned()));
    }
}
