//! What every loop of one scenario shares, and the VU steps they compose:
//! make a VU ready, run one iteration, pause.

use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use rand::Rng;
use rand::rngs::SmallRng;
use throng_metrics::{IterationOutcome, Metrics};
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

use crate::live::ScenarioLive;
use crate::plan::ThinkTime;
use crate::tasks::TaskPicker;
use crate::vu::{REST_AFTER, VirtualUser, VuFactory, VuInfo};

/// The shared state of one running scenario.
pub(crate) struct ScenarioCtx<F> {
    pub name: Arc<str>,
    pub factory: Arc<F>,
    pub metrics: Arc<Metrics>,
    pub picker: TaskPicker,
    pub think: Option<ThinkTime>,
    /// The scenario ended (deadline, budget or a stop): start no iteration.
    pub stop: CancellationToken,
    /// The grace period is over: interrupt what runs.
    pub abort: CancellationToken,
    pub live: Arc<ScenarioLive>,
    /// First VU id of this scenario (ids are unique across the plan).
    pub first_vu_id: u32,
    pub seed: u64,
    pub vus_started: AtomicU32,
    pub vus_failed: AtomicU32,
    /// Iterations of this scenario that completed, and that failed.
    pub completed: AtomicU64,
    pub failed: AtomicU64,
    /// The first error an iteration of this scenario failed with.
    pub first_error: OnceLock<String>,
    /// Failed iterations, none completed, after which the scenario stops
    /// the run (see [`GIVE_UP_AFTER`]).
    pub give_up_after: u64,
    /// Set when this scenario stopped the run because its iterations all
    /// failed: the first error.
    pub gave_up: OnceLock<String>,
    /// Stops the whole run gracefully (the run's stop, not the scenario's).
    pub run_stop: CancellationToken,
    /// The VUs a start barrier released together, until each has ended its
    /// first iteration.
    pub wave: StartWave,
}

/// The VUs a start barrier releases at once, until each has ended its
/// first iteration. While any has not, a VU about to pause gives back only
/// what costs no system call ([`VirtualUser::rest`]) and waits (at most
/// [`REST_DEFER`]) before giving back pages
/// ([`VirtualUser::release_pages`]): that work takes the core from VUs
/// still connecting, whose first requests then come later (BENCHMARKS.md,
/// (c)).
#[derive(Default)]
pub(crate) struct StartWave {
    left: AtomicU32,
    over: CancellationToken,
}

/// The longest a VU's pages wait for its start wave: bounds what is held
/// when a first iteration hangs.
pub const REST_DEFER: Duration = Duration::from_secs(5);

impl StartWave {
    /// `vus` VUs are released now; with none (or no barrier), the wave is
    /// over.
    pub fn release(&self, vus: u32) {
        self.left.store(vus, Ordering::Relaxed);
        if vus == 0 {
            self.over.cancel();
        }
    }

    /// One VU of the wave ended its first iteration, or left without one.
    pub fn one_done(&self) {
        if self.left.fetch_sub(1, Ordering::Relaxed) == 1 {
            self.over.cancel();
        }
    }
}

/// A scenario stops the run when this many of its iterations, and at least
/// two per VU it may have, have failed while none completed (interrupted
/// ones do not count): its journey is broken, and running it for the rest
/// of the plan would only burn time. A healthy run with a few failures
/// cannot stop this way, nor one whose first wave of VUs all fail once
/// (a target slow to warm up).
pub const GIVE_UP_AFTER: u64 = 20;

/// How one iteration ended, for the loop.
pub(crate) enum Ran {
    /// Finished (completed or failed); the VU goes on.
    Done,
    /// The VU's instance trapped: replace it.
    Poisoned,
    /// Interrupted at the end of the grace period: the VU ends.
    Interrupted,
}

impl<F: VuFactory> ScenarioCtx<F> {
    /// Create a VU and run its `on_start`; counts and reports a failure.
    pub async fn ready_vu(&self, index: u32) -> Option<F::Vu> {
        let info = VuInfo {
            id: self.first_vu_id + index,
            scenario: self.name.clone(),
        };
        // Boxed: making a VU is the largest future a VU's task awaits
        // (2.8 KiB for a wasm VU, instantiation included), and awaited
        // inline it would size the task for the VU's whole life.
        let started = tokio::select! {
            biased;
            _ = self.abort.cancelled() => return None,
            vu = Box::pin(async {
                let mut vu = self.factory.create(info).await?;
                vu.on_start().await.map(|()| vu)
            }) => vu,
        };
        match started {
            Ok(vu) => {
                self.vus_started.fetch_add(1, Ordering::Relaxed);
                Some(vu)
            }
            Err(e) => {
                self.vus_failed.fetch_add(1, Ordering::Relaxed);
                self.metrics.record_vu_start_failure(&e.message);
                None
            }
        }
    }

    /// Run one iteration and record it. Its duration counts from `origin`:
    /// when it began (closed model) or when it was due (open model, so a
    /// stalled system shows up in the tail instead of vanishing).
    pub async fn iterate(
        &self,
        vu: &mut F::Vu,
        rng: &mut SmallRng,
        number: u64,
        origin: Instant,
    ) -> Ran {
        let task = self.picker.pick(rng);
        let result = tokio::select! {
            biased;
            _ = self.abort.cancelled() => None,
            r = vu.iteration(task, number) => Some(r),
        };
        let took = origin.elapsed();
        match result {
            None => {
                self.metrics
                    .record_iteration(took, IterationOutcome::Interrupted, None);
                Ran::Interrupted
            }
            Some(Ok(())) => {
                self.metrics
                    .record_iteration(took, IterationOutcome::Completed, None);
                self.completed.fetch_add(1, Ordering::Relaxed);
                Ran::Done
            }
            Some(Err(e)) => {
                self.metrics
                    .record_iteration(took, IterationOutcome::Failed, Some(&e.message));
                self.count_failure(&e.message);
                if e.fatal { Ran::Poisoned } else { Ran::Done }
            }
        }
    }

    /// Count a failed iteration; stop the run when none has completed
    /// after `give_up_after` failures.
    fn count_failure(&self, message: &str) {
        let first = self.first_error.get_or_init(|| message.to_owned());
        let failed = self.failed.fetch_add(1, Ordering::Relaxed) + 1;
        if failed >= self.give_up_after
            && self.completed.load(Ordering::Relaxed) == 0
            && self.gave_up.set(first.clone()).is_ok()
        {
            self.run_stop.cancel();
        }
    }

    /// The pause after an iteration that began at `began`; ends early when
    /// the scenario stops. A long one lets the VU rest first.
    pub async fn pause(&self, vu: &mut F::Vu, rng: &mut SmallRng, began: Instant) {
        let Some(think) = self.think else {
            return;
        };
        let now = Instant::now();
        let until = match think {
            ThinkTime::Constant(d) => now + d,
            ThinkTime::Uniform(lo, hi) if lo == hi => now + lo,
            ThinkTime::Uniform(lo, hi) => now + rng.random_range(lo..=hi),
            ThinkTime::Pacing(every) => began + every,
        };
        let mut left = until.saturating_duration_since(now);
        if left >= REST_AFTER {
            vu.rest();
            if !self.wave.over.is_cancelled() {
                tokio::select! {
                    biased;
                    _ = self.stop.cancelled() => return,
                    _ = self.wave.over.cancelled() => {}
                    _ = tokio::time::sleep_until(until.min(now + REST_DEFER)) => {}
                }
                left = until.saturating_duration_since(Instant::now());
            }
            if left >= REST_AFTER {
                vu.release_pages();
            }
        }
        tokio::select! {
            _ = tokio::time::sleep_until(until) => {}
            _ = self.stop.cancelled() => {}
        }
    }

    /// Run `on_stop` unless the grace period is over.
    pub async fn finish(&self, mut vu: F::Vu) {
        tokio::select! {
            biased;
            _ = self.abort.cancelled() => {}
            _ = vu.on_stop() => {}
        }
    }

    /// Stop at `deadline` (or earlier on request), then interrupt after
    /// `grace`.
    pub async fn supervise(&self, deadline: Instant, grace: Duration) {
        tokio::select! {
            _ = tokio::time::sleep_until(deadline) => self.stop.cancel(),
            _ = self.stop.cancelled() => {}
        }
        self.live.set_state(crate::live::ScenarioState::Stopping);
        tokio::time::sleep(grace).await;
        self.abort.cancel();
    }
}

/// A VU's own random generator, derived from the run's seed.
pub(crate) fn vu_rng(seed: u64, vu_id: u32) -> SmallRng {
    use rand::SeedableRng;
    SmallRng::seed_from_u64(seed ^ u64::from(vu_id).wrapping_mul(0x9E37_79B9_7F4A_7C15))
}
