//! Phase timings, and the stopwatch that fills them in as a request moves
//! from phase to phase.

use std::time::{Duration, Instant};

use crate::wire::WriteClock;

/// How long each phase of one request took, in the order they happen.
///
/// The names and meanings follow k6's `http_req_*` metrics. Phases a request
/// did not go through are zero: `dns`, `connect` and `tls` on a reused
/// connection, `dns` for an IP address, `tls` for `http://`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct Timings {
    /// From the call to the moment a connection was ready or dialing began:
    /// parsing, finding the session's connection for the origin and waiting
    /// for it to be free (and, on the run's first `https://` dial, loading
    /// the system's trusted roots).
    pub blocked: Duration,
    /// Resolving the host name.
    pub dns: Duration,
    /// The TCP connect, plus setting up HTTP on the new connection (for
    /// HTTP/2, writing the connection preface).
    pub connect: Duration,
    /// The TLS handshake.
    pub tls: Duration,
    /// From handing the request to the connection until the socket had
    /// written it (on HTTP/2, where the head's compressed size is unknown,
    /// until it had written at least the body).
    pub sending: Duration,
    /// From then until the response head was parsed (time to first byte).
    pub waiting: Duration,
    /// From the response head until the end of the body.
    pub receiving: Duration,
}

impl Timings {
    /// `sending + waiting + receiving`: the request's duration as k6's
    /// `http_req_duration` defines it, without connection setup.
    pub fn duration(&self) -> Duration {
        self.sending + self.waiting + self.receiving
    }
}

/// A phase of a request in flight.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Phase {
    Blocked,
    Dns,
    Connect,
    Tls,
    /// Writing the request (HTTP/1.1).
    Sending,
    /// Waiting for the response head (HTTP/1.1).
    Waiting,
    /// Sending and waiting, told apart when the phase ends by the
    /// connection's [`WriteClock`] (HTTP/2, where hyper's task writes, and
    /// HTTP/1.1 requests written with their thread's batch).
    Exchange,
    Receiving,
}

/// Adds each phase's time to [`Timings`] as the request leaves it, so that a
/// request cut short (by an error or its timeout) still reports what it went
/// through, including the phase it was in.
#[derive(Debug)]
pub(crate) struct Stopwatch {
    timings: Timings,
    phase: Phase,
    since: Instant,
    clock: Option<WriteClock>,
}

impl Stopwatch {
    /// Starts in [`Phase::Blocked`].
    pub(crate) fn start() -> Stopwatch {
        Stopwatch {
            timings: Timings::default(),
            phase: Phase::Blocked,
            since: Instant::now(),
            clock: None,
        }
    }

    /// When the current phase began (right after [`Stopwatch::start`], the
    /// start itself: a caller needing "now" then reads no clock again).
    pub(crate) fn phase_began(&self) -> Instant {
        self.since
    }

    /// Ends the current phase and starts `next`. A phase may be entered more
    /// than once (a retried request dials twice); its times add up.
    pub(crate) fn enter(&mut self, next: Phase) {
        let now = Instant::now();
        self.close(now);
        self.phase = next;
        self.since = now;
    }

    /// Starts [`Phase::Exchange`] on a connection whose writes `clock` tracks
    /// (already told what to expect).
    pub(crate) fn enter_exchange(&mut self, clock: WriteClock) {
        self.enter(Phase::Exchange);
        self.clock = Some(clock);
    }

    /// Makes the [`Phase::Sending`] just entered a [`Phase::Exchange`] from
    /// the same start: the request goes out later, when `clock` notes it
    /// (HTTP/1.1 requests written with their thread's batch).
    pub(crate) fn sent_later(&mut self, clock: WriteClock) {
        debug_assert_eq!(self.phase, Phase::Sending);
        self.phase = Phase::Exchange;
        self.clock = Some(clock);
    }

    /// Ends the current phase and returns the timings so far.
    pub(crate) fn finish(&mut self) -> Timings {
        self.enter(self.phase);
        self.timings
    }

    fn close(&mut self, now: Instant) {
        let spent = now.saturating_duration_since(self.since);
        let t = &mut self.timings;
        match self.phase {
            Phase::Blocked => t.blocked += spent,
            Phase::Dns => t.dns += spent,
            Phase::Connect => t.connect += spent,
            Phase::Tls => t.tls += spent,
            Phase::Sending => t.sending += spent,
            Phase::Waiting => t.waiting += spent,
            Phase::Receiving => t.receiving += spent,
            Phase::Exchange => {
                // Sending ends when the socket has written the request (see
                // WriteClock); until then the request is still going out.
                let written = self
                    .clock
                    .take()
                    .and_then(|clock| clock.reached())
                    .map_or(now, |at| at.clamp(self.since, now));
                t.sending += written - self.since;
                t.waiting += now - written;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn duration_is_sending_waiting_receiving() {
        let t = Timings {
            blocked: Duration::from_millis(1),
            dns: Duration::from_millis(2),
            connect: Duration::from_millis(4),
            tls: Duration::from_millis(8),
            sending: Duration::from_millis(16),
            waiting: Duration::from_millis(32),
            receiving: Duration::from_millis(64),
        };
        assert_eq!(t.duration(), Duration::from_millis(112));
    }

    #[test]
    fn finish_counts_the_phase_in_progress() {
        let mut watch = Stopwatch::start();
        watch.enter(Phase::Connect);
        std::thread::sleep(Duration::from_millis(5));
        let t = watch.finish();
        assert!(t.connect >= Duration::from_millis(5), "{t:?}");
        assert_eq!(t.receiving, Duration::ZERO);
    }
}
