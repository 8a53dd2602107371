//! The socket under every connection, wrapped to note when a request has
//! been written.

use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

/// When a connection's socket finished writing the current request.
///
/// hyper does not say when a request has been written, and on HTTP/2 the
/// connection also writes frames of its own (settings, window updates,
/// pings) at any time, so the last write is no answer either. Instead the
/// session tells the clock how many bytes the request will take at least
/// ([`WriteClock::expect`]), and the clock notes when the socket has written
/// that many more. The connection task writes it and the session reads it
/// once the response head is in.
#[derive(Debug, Clone)]
pub(crate) struct WriteClock {
    epoch: Instant,
    state: Arc<ClockState>,
}

#[derive(Debug)]
struct ClockState {
    /// Bytes the socket has written so far.
    written: AtomicU64,
    /// The `written` count at which the current request is out.
    target: AtomicU64,
    /// When `target` was reached, in nanoseconds after `epoch` plus one;
    /// zero while it has not been.
    reached: AtomicU64,
}

// Relaxed ordering throughout: the session reads after hyper hands it the
// response through a channel, which orders the connection task's earlier
// stores before the read, and a count off by a concurrent control frame
// only moves an approximate instant by that frame's write.
impl WriteClock {
    pub(crate) fn new() -> WriteClock {
        WriteClock {
            epoch: Instant::now(),
            state: Arc::new(ClockState {
                written: AtomicU64::new(0),
                target: AtomicU64::new(u64::MAX),
                reached: AtomicU64::new(0),
            }),
        }
    }

    /// Starts timing a request that will write at least `bytes` bytes.
    pub(crate) fn expect(&self, bytes: u64) {
        let s = &self.state;
        s.target.store(u64::MAX, Ordering::Relaxed);
        s.reached.store(0, Ordering::Relaxed);
        let target = s
            .written
            .load(Ordering::Relaxed)
            .saturating_add(bytes.max(1));
        s.target.store(target, Ordering::Relaxed);
    }

    /// When the expected bytes were all written, if they have been.
    pub(crate) fn reached(&self) -> Option<Instant> {
        match self.state.reached.load(Ordering::Relaxed) {
            0 => None,
            nanos => Some(self.epoch + Duration::from_nanos(nanos - 1)),
        }
    }

    /// Notes that the socket wrote `n` more bytes.
    pub(crate) fn record(&self, n: usize) {
        let s = &self.state;
        let total = s.written.fetch_add(n as u64, Ordering::Relaxed) + n as u64;
        if total >= s.target.load(Ordering::Relaxed) && s.reached.load(Ordering::Relaxed) == 0 {
            let nanos = u64::try_from(self.epoch.elapsed().as_nanos()).unwrap_or(u64::MAX - 1);
            s.reached.store(nanos + 1, Ordering::Relaxed);
        }
    }
}

/// A stream that tells its [`WriteClock`] about every write.
#[derive(Debug)]
pub(crate) struct Metered<S> {
    inner: S,
    clock: WriteClock,
}

impl<S> Metered<S> {
    /// Wraps `inner` with a new clock.
    pub(crate) fn new(inner: S) -> Metered<S> {
        Metered {
            inner,
            clock: WriteClock::new(),
        }
    }

    /// The clock this stream drives.
    pub(crate) fn clock(&self) -> WriteClock {
        self.clock.clone()
    }

    fn counted(&self, poll: Poll<io::Result<usize>>) -> Poll<io::Result<usize>> {
        if let Poll::Ready(Ok(n)) = poll {
            self.clock.record(n);
        }
        poll
    }
}

impl<S: AsyncRead + Unpin> AsyncRead for Metered<S> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_read(cx, buf)
    }
}

impl<S: AsyncWrite + Unpin> AsyncWrite for Metered<S> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let poll = Pin::new(&mut self.inner).poll_write(cx, buf);
        self.counted(poll)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let poll = Pin::new(&mut self.inner).poll_write_vectored(cx, bufs);
        self.counted(poll)
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}
