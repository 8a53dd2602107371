//! Requests written in batches, when a worker thread runs out of tasks.
//!
//! A VU that writes its request the moment it is made pays, inside its
//! `send` system call, for waking the server when the server sits on the
//! same machine and has gone idle: the loopback hands the bytes over and
//! wakes the server's thread right there. Fifty VUs on one core woke nginx
//! 0.25–0.27 times per request that way. wrk does not: its event loop
//! writes the requests of the connections it has just read responses on
//! together, so the server wakes once for the lot.
//!
//! Here a plain HTTP/1.1 request made on a tokio worker thread is queued on
//! that thread ([`Outbox::defer`]) and written when the thread has no task
//! left to run (tokio's `on_thread_park`, see [`batch_writes`]), when the
//! queue holds [`MAX_QUEUED`] requests, when its oldest has waited
//! [`MAX_WAIT`] as another is queued, or when a computing guest yields the
//! thread (the host calls [`flush_writes`]). The VU meanwhile waits for its
//! response as it would have. The request's `sending` phase ends when the
//! socket has written it, so its wait in the queue is never counted as the
//! server's time.
//!
//! Only threads that park through the hook batch: batching starts on a
//! thread the first time it parks, so a runtime without the hook (tests,
//! other embedders) and tokio's blocking threads write at once, as before.

use std::cell::RefCell;
use std::io;
use std::mem;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::task::{Context, Poll, Waker};
use std::time::{Duration, Instant};

use tokio::io::AsyncWrite;
use tokio::net::tcp::OwnedWriteHalf;

use crate::wire::WriteClock;

/// The most requests a thread queues before it writes them all.
pub(crate) const MAX_QUEUED: usize = 64;
/// The longest a queued request waits when other requests keep being made
/// on a busy thread.
pub(crate) const MAX_WAIT: Duration = Duration::from_micros(200);

thread_local! {
    static QUEUE: RefCell<Queue> = const {
        RefCell::new(Queue { on: false, slots: Vec::new(), oldest: None })
    };
}

/// One thread's queued requests.
struct Queue {
    /// Whether this thread calls [`flush_writes`] before it parks.
    on: bool,
    slots: Vec<Arc<Mutex<Slot>>>,
    /// When the first request in `slots` was made.
    oldest: Option<Instant>,
}

/// Whether a request made now on this thread would be queued.
pub(crate) fn on_this_thread() -> bool {
    QUEUE.with_borrow(|q| q.on)
}

/// Sets up `builder` so that its worker threads batch the requests made on
/// them, writing each batch when the thread runs out of tasks. Replaces any
/// `on_thread_park` callback set before.
pub fn batch_writes(builder: &mut tokio::runtime::Builder) -> &mut tokio::runtime::Builder {
    builder.on_thread_park(|| {
        // A thread that parks through this hook will again: it may batch.
        QUEUE.with_borrow_mut(|q| q.on = true);
        flush_writes();
    })
}

/// Writes every request queued on this thread now: for a task about to
/// keep the thread busy for long (a computing guest), since the batch
/// would otherwise wait for the thread to park.
pub fn flush_writes() {
    let mut slots = QUEUE.with_borrow_mut(|q| {
        q.oldest = None;
        mem::take(&mut q.slots)
    });
    if slots.is_empty() {
        return;
    }
    for slot in &slots {
        write_queued(slot);
    }
    // Keep the queue's allocation for the next batch.
    slots.clear();
    QUEUE.with_borrow_mut(|q| {
        if q.slots.is_empty() {
            q.slots = slots;
        }
    });
}

/// The write side of a plain connection, and the request it has queued.
#[derive(Debug)]
pub(crate) struct Outbox {
    slot: Arc<Mutex<Slot>>,
}

#[derive(Debug)]
struct Slot {
    /// `None` only while dropping (see `Drop for Slot`).
    half: Option<OwnedWriteHalf>,
    /// The queued request, all of it (head and body).
    bytes: Vec<u8>,
    /// How much of `bytes` the socket has taken.
    written: usize,
    state: State,
    /// The VU waiting on a queued request, woken if the write needs it.
    waker: Option<Waker>,
    /// Notes when the request was all written.
    clock: WriteClock,
}

#[derive(Debug)]
enum State {
    /// Nothing queued.
    Idle,
    Queued,
    /// All of `bytes` written.
    Written,
    /// The socket took part of it and would block: the VU writes the rest.
    Stalled,
    Failed(io::Error),
}

/// What became of a queued request, once the VU asks.
pub(crate) enum Sent {
    /// All of it is out (or nothing was queued).
    Written,
    /// The write failed; `unsent` if no byte of it went out.
    Failed { error: io::Error, unsent: bool },
}

impl Outbox {
    /// Holds `half`, the connection's write side, with nothing queued.
    pub(crate) fn new(half: OwnedWriteHalf) -> Outbox {
        Outbox {
            slot: Arc::new(Mutex::new(Slot {
                half: Some(half),
                bytes: Vec::new(),
                written: 0,
                state: State::Idle,
                waker: None,
                clock: WriteClock::new(),
            })),
        }
    }

    /// Queues the request in `bytes` (made at `now`) to be written with this
    /// thread's batch, and hands back the buffer of the request before it
    /// (empty) in `bytes`. Returns the clock that notes when it is written.
    pub(crate) fn defer(&self, bytes: &mut Vec<u8>, now: Instant) -> WriteClock {
        let clock = {
            let mut slot = lock(&self.slot);
            mem::swap(&mut slot.bytes, bytes);
            slot.written = 0;
            slot.state = State::Queued;
            slot.clock.expect(slot.bytes.len() as u64);
            slot.clock.clone()
        };
        bytes.clear();
        let full = QUEUE.with_borrow_mut(|q| {
            let oldest = *q.oldest.get_or_insert(now);
            q.slots.push(self.slot.clone());
            q.slots.len() >= MAX_QUEUED || now.saturating_duration_since(oldest) >= MAX_WAIT
        });
        if full {
            flush_writes();
        }
        clock
    }

    /// Waits for the queued request to be written, writing the rest itself
    /// if the socket stalled part-way.
    pub(crate) fn poll_sent(&self, cx: &mut Context<'_>) -> Poll<Sent> {
        let mut slot = lock(&self.slot);
        let slot = &mut *slot;
        loop {
            match mem::replace(&mut slot.state, State::Idle) {
                State::Idle | State::Written => return Poll::Ready(Sent::Written),
                State::Failed(error) => {
                    return Poll::Ready(Sent::Failed {
                        error,
                        unsent: slot.written == 0,
                    });
                }
                State::Queued => {
                    slot.state = State::Queued;
                    match &slot.waker {
                        Some(w) if w.will_wake(cx.waker()) => {}
                        _ => slot.waker = Some(cx.waker().clone()),
                    }
                    return Poll::Pending;
                }
                State::Stalled => {
                    let Some(half) = slot.half.as_mut() else {
                        return Poll::Ready(Sent::Written);
                    };
                    match std::pin::Pin::new(half).poll_write(cx, &slot.bytes[slot.written..]) {
                        Poll::Pending => {
                            slot.state = State::Stalled;
                            return Poll::Pending;
                        }
                        Poll::Ready(outcome) => slot.state = wrote(slot, outcome),
                    }
                }
            }
        }
    }

    /// Takes a queued request back before it is written; `true` if it was
    /// (so the server never saw any of it).
    pub(crate) fn cancel(&self) -> bool {
        let mut slot = lock(&self.slot);
        if matches!(slot.state, State::Queued) {
            slot.state = State::Idle;
            slot.waker = None;
            return slot.written == 0;
        }
        false
    }

    /// Writes `buf` at once (no request may be queued).
    pub(crate) fn poll_write(&self, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        match lock(&self.slot).half.as_mut() {
            Some(half) => std::pin::Pin::new(half).poll_write(cx, buf),
            None => Poll::Ready(Err(io::ErrorKind::NotConnected.into())),
        }
    }

    /// Shuts the write side down.
    pub(crate) fn poll_shutdown(&self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match lock(&self.slot).half.as_mut() {
            Some(half) => std::pin::Pin::new(half).poll_shutdown(cx),
            None => Poll::Ready(Ok(())),
        }
    }
}

impl Drop for Outbox {
    /// A connection given up with its request still queued (the VU was
    /// stopped, or its request timed out) does not send it.
    fn drop(&mut self) {
        self.cancel();
    }
}

impl Drop for Slot {
    fn drop(&mut self) {
        // Dropping the half would shut the write side down first: one more
        // system call per connection closed, for a FIN that closing the
        // socket sends anyway.
        if let Some(half) = self.half.take() {
            half.forget();
        }
    }
}

/// Writes one queued request, as far as the socket takes it. A request the
/// socket would not take whole, or failed on, wakes its VU to see to it.
fn write_queued(slot: &Mutex<Slot>) {
    let mut slot = lock(slot);
    let slot = &mut *slot;
    if !matches!(slot.state, State::Queued) {
        return;
    }
    loop {
        let Some(half) = slot.half.as_ref() else {
            return;
        };
        match half.try_write(&slot.bytes[slot.written..]) {
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                slot.state = State::Stalled;
                break;
            }
            outcome => {
                slot.state = wrote(slot, outcome);
                match slot.state {
                    State::Written => return,
                    // Part of it: try the rest.
                    State::Stalled => {}
                    _ => break,
                }
            }
        }
    }
    if let Some(waker) = slot.waker.take() {
        waker.wake();
    }
}

/// The state after the socket took `outcome` of the rest of the request.
fn wrote(slot: &mut Slot, outcome: io::Result<usize>) -> State {
    match outcome {
        Ok(0) => State::Failed(io::ErrorKind::WriteZero.into()),
        Ok(n) => {
            slot.written += n;
            slot.clock.record(n);
            if slot.written == slot.bytes.len() {
                State::Written
            } else {
                State::Stalled
            }
        }
        Err(e) => State::Failed(e),
    }
}

fn lock(slot: &Mutex<Slot>) -> MutexGuard<'_, Slot> {
    // Nothing in a slot is left half-changed by a panic that matters more
    // than the connection it belongs to.
    slot.lock().unwrap_or_else(PoisonError::into_inner)
}
