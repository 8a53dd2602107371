//! Handing due arrivals to the pool on time.
//!
//! tokio's timer wheel counts whole milliseconds and rounds a deadline up,
//! so sleeping on it until each arrival starts the typical iteration about
//! 1 ms late. On a multi-thread runtime the dispatcher sleeps on a Linux
//! timerfd instead, registered with tokio's reactor: the kernel wakes the
//! runtime's poll at the due time, to the microsecond. (A dispatcher thread
//! of its own was as precise and cost as much CPU, but hands each batch
//! over between threads and needs waking on a stop.) On each wake it hands
//! out *every* arrival already due, and it wakes at most once per
//! `fine::GAP`: arrivals closer together than that start together, a
//! little late, rather than each paying for a wake. It never waits on
//! anything but its timer and the stop: an arrival that finds no idle VU
//! is queued and the scenario's task told, which grows the pool. It does
//! not spin, as it shares its core with the VUs.
//!
//! tokio can pause its clock (the engine's tests do) only on a
//! current-thread runtime; there, and where no timerfd can be made, the
//! dispatcher sleeps on tokio's timer, which a paused clock drives.

use std::iter::Peekable;
use std::sync::Arc;
use std::time::Duration;

use throng_metrics::Metrics;
use tokio::runtime::{Handle, RuntimeFlavor};
use tokio::sync::Notify;
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

use super::{Pool, SharedPool, lock};
use crate::executor::Arrivals;

/// Walks the schedule and gives each due arrival to an idle worker, the
/// queue, or the drop count.
pub(super) struct Dispatcher {
    pub arrivals: Peekable<Arrivals>,
    /// Offsets in `arrivals` count from here.
    pub start: Instant,
    pub pool: SharedPool,
    /// The queue's length, and the pool's limit.
    pub max_vus: u32,
    /// Told when an arrival found every VU busy: the scenario's task may
    /// grow the pool.
    pub wanted: Arc<Notify>,
    pub metrics: Arc<Metrics>,
    /// The scenario's stop: hand out nothing more.
    pub stop: CancellationToken,
}

impl Dispatcher {
    /// Hand out every arrival due at or before `now`, in order. Returns the
    /// next due time, or `None` when the schedule is done or stopped.
    fn hand_out(&mut self, now: Instant) -> Option<Instant> {
        let mut next = self.start + *self.arrivals.peek()?;
        if next > now {
            return Some(next);
        }
        let mut pool = lock(&self.pool);
        // Checked under the lock: the scenario drains the queue under it
        // after its stop, so nothing is queued after that drain.
        if self.stop.is_cancelled() {
            return None;
        }
        while next <= now {
            self.arrivals.next();
            self.assign(&mut pool, next);
            next = self.start + *self.arrivals.peek()?;
        }
        Some(next)
    }

    fn assign(&self, pool: &mut Pool, due: Instant) {
        if let Some(worker) = pool.idle.pop() {
            // A worker is in the idle list only while it waits on its
            // channel (capacity 1, empty), so the hand-over cannot fail; if
            // it ever did, the arrival is counted, not lost.
            if worker.try_send(due).is_err() {
                self.metrics.record_dropped_iteration();
            }
        } else {
            if pool.queue.len() < self.max_vus as usize {
                pool.queue.push_back(due);
            } else {
                self.metrics.record_dropped_iteration();
            }
            // Either way the pool is too small for the rate.
            self.wanted.notify_one();
        }
    }
}

/// Dispatch the whole schedule; returns when it is done or stopped.
pub(super) async fn run(mut dispatcher: Dispatcher) {
    let mut timer = Timer::for_this_runtime();
    let stop = dispatcher.stop.clone();
    let mut woke = Instant::now();
    while let Some(due) = dispatcher.hand_out(woke) {
        let at = due.max(woke + timer.gap());
        tokio::select! {
            biased;
            _ = stop.cancelled() => break,
            _ = timer.sleep_until(at) => {}
        }
        woke = Instant::now();
    }
}

/// What the dispatcher sleeps on.
enum Timer {
    /// tokio's timer: whole milliseconds, rounded up.
    Tokio,
    /// The kernel's high-resolution timer.
    #[cfg(target_os = "linux")]
    Fine(fine::FineTimer),
}

impl Timer {
    fn for_this_runtime() -> Timer {
        if Handle::current().runtime_flavor() == RuntimeFlavor::CurrentThread {
            // Perhaps a paused clock, which only tokio's timer follows.
            return Timer::Tokio;
        }
        #[cfg(target_os = "linux")]
        if let Ok(timer) = fine::FineTimer::new() {
            return Timer::Fine(timer);
        }
        Timer::Tokio
    }

    /// The least time between two wakes: arrivals closer together than
    /// this are handed out together.
    fn gap(&self) -> Duration {
        match self {
            Timer::Tokio => Duration::ZERO,
            #[cfg(target_os = "linux")]
            Timer::Fine(_) => fine::GAP,
        }
    }

    async fn sleep_until(&mut self, at: Instant) {
        match self {
            Timer::Tokio => tokio::time::sleep_until(at).await,
            #[cfg(target_os = "linux")]
            Timer::Fine(timer) => {
                if timer.sleep_until(at).await.is_err() {
                    // Not expected of a timer that could be made; tokio's
                    // is less precise but does not fail.
                    *self = Timer::Tokio;
                    tokio::time::sleep_until(at).await;
                }
            }
        }
    }
}

#[cfg(target_os = "linux")]
mod fine {
    use std::io;
    use std::os::fd::OwnedFd;
    use std::time::Duration;

    use rustix::time::{
        Itimerspec, TimerfdClockId, TimerfdFlags, TimerfdTimerFlags, Timespec, timerfd_create,
        timerfd_settime,
    };
    use tokio::io::Interest;
    use tokio::io::unix::AsyncFd;
    use tokio::time::Instant;

    /// The least time between two wakes. Spreading arrivals out costs CPU
    /// (each wake, and each iteration run alone rather than beside
    /// others, costs the runtime a park and an unpark): at 5,000/s on one
    /// core, 15 % with tokio's 1 ms timer, 25 % with 500 µs, 31 % with
    /// 250 µs, 48 % waking for every arrival. 500 µs keeps the lag's p99
    /// near 0.6 ms.
    pub(super) const GAP: Duration = Duration::from_micros(500);

    /// A timerfd watched by tokio's reactor: its expiry wakes the runtime's
    /// poll directly, to the microsecond, with no thread of its own and no
    /// hand-over between threads.
    pub(super) struct FineTimer {
        fd: AsyncFd<OwnedFd>,
    }

    impl FineTimer {
        pub(super) fn new() -> io::Result<FineTimer> {
            let fd = timerfd_create(
                TimerfdClockId::Monotonic,
                TimerfdFlags::NONBLOCK | TimerfdFlags::CLOEXEC,
            )?;
            // SAFETY: the AsyncFd owns the timerfd, which stays open and
            // the same until the AsyncFd drops it (tokio's requirement).
            #[allow(unsafe_code)]
            let fd = unsafe { AsyncFd::register_with_interest(fd, Interest::READABLE)? };
            Ok(FineTimer { fd })
        }

        pub(super) async fn sleep_until(&self, at: Instant) -> io::Result<()> {
            let wait = at.saturating_duration_since(Instant::now());
            if wait.is_zero() {
                return Ok(());
            }
            let once = Itimerspec {
                it_interval: Timespec {
                    tv_sec: 0,
                    tv_nsec: 0,
                },
                it_value: Timespec::try_from(wait).map_err(|_| io::ErrorKind::InvalidInput)?,
            };
            timerfd_settime(self.fd.get_ref(), TimerfdTimerFlags::empty(), &once)?;
            let mut expirations = [0u8; 8];
            loop {
                let mut ready = self.fd.readable().await?;
                match ready.try_io(|fd| Ok(rustix::io::read(fd.get_ref(), &mut expirations)?)) {
                    Ok(read) => {
                        // The read emptied the timer, which stays empty
                        // until it is armed again and expires.
                        ready.clear_ready();
                        return read.map(drop);
                    }
                    // Not expired yet (readiness left from before).
                    Err(_would_block) => continue,
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use tokio::sync::mpsc;

    use super::*;

    fn dispatcher(arrivals: Arrivals, stop: CancellationToken) -> (Dispatcher, SharedPool) {
        let pool = SharedPool::default();
        let dispatcher = Dispatcher {
            arrivals: arrivals.peekable(),
            start: Instant::now(),
            pool: pool.clone(),
            max_vus: 1_000,
            wanted: Arc::default(),
            metrics: Arc::new(Metrics::new()),
            stop,
        };
        (dispatcher, pool)
    }

    #[cfg(target_os = "linux")]
    #[tokio::test(flavor = "multi_thread")]
    async fn the_fine_timer_never_wakes_early() {
        let timer = fine::FineTimer::new().unwrap();
        // Twice each: the second sleep starts with the first's readiness.
        for us in [1, 1, 50, 50, 300, 300, 1_500, 1_500] {
            let at = Instant::now() + Duration::from_micros(us);
            timer.sleep_until(at).await.unwrap();
            assert!(Instant::now() >= at, "woke before {us} µs");
        }
    }

    #[tokio::test(flavor = "multi_thread")]
    async fn every_arrival_goes_to_one_worker_in_order_never_early() {
        // 100 arrivals in 50 ms, 100 idle workers.
        let arrivals = Arrivals::constant(2_000, Duration::from_secs(1), Duration::from_millis(50));
        let expected: Vec<Duration> = arrivals.clone().collect();
        let (dispatcher, pool) = dispatcher(arrivals, CancellationToken::new());
        let start = dispatcher.start;
        let mut received = Vec::new();
        for _ in 0..expected.len() {
            let (tx, mut rx) = mpsc::channel::<Instant>(1);
            lock(&pool).idle.push(tx);
            received.push(tokio::spawn(async move {
                let due = rx.recv().await.expect("a job");
                (due, Instant::now())
            }));
        }
        run(dispatcher).await;
        let mut got = Vec::new();
        for worker in received {
            let (due, at) = worker.await.unwrap();
            assert!(at >= due, "handed out before it was due");
            got.push(due - start);
        }
        // The idle list is a stack: the last worker pushed got the first.
        got.reverse();
        assert_eq!(got, expected);
        assert!(lock(&pool).queue.is_empty());
    }

    #[tokio::test(flavor = "multi_thread")]
    async fn a_stop_ends_a_long_gap_between_arrivals() {
        // One arrival a minute for 10 minutes; the stop comes after the first.
        let arrivals = Arrivals::constant(1, Duration::from_secs(60), Duration::from_secs(600));
        let stop = CancellationToken::new();
        let (dispatcher, pool) = dispatcher(arrivals, stop.clone());
        let wanted = dispatcher.wanted.clone();
        let dispatching = tokio::spawn(run(dispatcher));
        // No VU: the first arrival is queued and the pool asked to grow.
        wanted.notified().await;
        stop.cancel();
        tokio::time::timeout(Duration::from_secs(30), dispatching)
            .await
            .expect("the stop ends the dispatcher, not the next arrival")
            .unwrap();
        assert_eq!(lock(&pool).queue.len(), 1);
    }
}
