//! Running a scenario: VU lifecycles, think time and graceful stop.

use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use rand::rngs::SmallRng;
use rand::{Rng, SeedableRng};
use throng_metrics::{IterationOutcome, Metrics};
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

use crate::executor::ClosedSchedule;
use crate::plan::{Scenario, ThinkTime};
use crate::tasks::TaskPicker;
use crate::vu::{VirtualUser, VuFactory, VuInfo};

/// One execution of a scenario.
pub struct Run {
    scenario: Scenario,
    metrics: Arc<Metrics>,
    control: RunControl,
    seed: u64,
}

/// Stops a run from outside (a Ctrl-C handler, a deadline, a threshold).
#[derive(Debug, Clone, Default)]
pub struct RunControl {
    /// No new iterations; those in flight get the grace period.
    stop: CancellationToken,
    /// Interrupt iterations in flight now.
    abort: CancellationToken,
}

impl RunControl {
    /// Graceful stop: start no new iteration; iterations in flight get the
    /// scenario's grace period, then are interrupted.
    pub fn stop(&self) {
        self.stop.cancel();
    }

    /// Hard stop: interrupt iterations in flight now.
    pub fn abort(&self) {
        self.stop.cancel();
        self.abort.cancel();
    }

    /// Whether a stop was asked for or the scenario ended.
    pub fn is_stopping(&self) -> bool {
        self.stop.is_cancelled()
    }
}

/// What the engine itself observed about a run; measurements are in
/// [`Metrics`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunStats {
    /// Wall time from the first VU's start to the last VU's end.
    pub elapsed: Duration,
    /// VUs that completed `on_start`.
    pub vus_started: u32,
    /// VUs whose creation or `on_start` failed.
    pub vus_failed: u32,
    /// Whether iterations had to be interrupted at the end of the grace
    /// period.
    pub interrupted: bool,
}

/// Counters the VU tasks share.
#[derive(Default)]
struct Tally {
    started: AtomicU32,
    failed: AtomicU32,
}

impl Run {
    /// A run of `scenario` recording into `metrics`.
    pub fn new(scenario: Scenario, metrics: Arc<Metrics>) -> Self {
        Run {
            scenario,
            metrics,
            control: RunControl::default(),
            seed: rand::random(),
        }
    }

    /// Fix the seed of the VUs' random choices (tasks, think time).
    pub fn with_seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }

    /// A handle that stops this run.
    pub fn control(&self) -> RunControl {
        self.control.clone()
    }

    /// Run the scenario to its end. Fails before starting any VU when the
    /// plan's task weights do not fit the journey.
    pub async fn execute<F: VuFactory>(self, factory: Arc<F>) -> Result<RunStats, String> {
        let picker = Arc::new(TaskPicker::new(
            factory.tasks(),
            &self.scenario.task_weights,
        )?);
        let schedule = ClosedSchedule::of(&self.scenario.executor);
        let start = Instant::now();
        let shared = Arc::new(Shared {
            scenario_name: Arc::from(self.scenario.name.as_str()),
            think_time: self.scenario.think_time,
            schedule,
            deadline: start + schedule.deadline,
            picker,
            metrics: self.metrics,
            control: self.control.clone(),
            tally: Tally::default(),
        });

        let mut vus = tokio::task::JoinSet::new();
        for id in 1..=schedule.vus {
            let rng = SmallRng::seed_from_u64(
                self.seed ^ u64::from(id).wrapping_mul(0x9E37_79B9_7F4A_7C15),
            );
            vus.spawn(vu_loop(id, factory.clone(), shared.clone(), rng));
        }

        // The supervisor: end of the scenario (or a stop request) starts the
        // grace period, whose end interrupts what is still in flight.
        let control = self.control;
        let grace = self.scenario.graceful_stop;
        let supervisor = async {
            tokio::select! {
                _ = tokio::time::sleep_until(shared.deadline) => control.stop(),
                _ = control.stop.cancelled() => {}
            }
            tokio::time::sleep(grace).await;
            control.abort();
        };
        let all_done = async { while vus.join_next().await.is_some() {} };
        tokio::select! {
            _ = all_done => {}
            _ = supervisor => {
                while vus.join_next().await.is_some() {}
            }
        }
        Ok(RunStats {
            elapsed: start.elapsed(),
            vus_started: shared.tally.started.load(Ordering::Relaxed),
            vus_failed: shared.tally.failed.load(Ordering::Relaxed),
            interrupted: control.abort.is_cancelled(),
        })
    }
}

/// What every VU task of a run reads.
struct Shared {
    scenario_name: Arc<str>,
    think_time: Option<ThinkTime>,
    schedule: ClosedSchedule,
    deadline: Instant,
    picker: Arc<TaskPicker>,
    metrics: Arc<Metrics>,
    control: RunControl,
    tally: Tally,
}

impl Shared {
    fn may_start_iteration(&self, done: u64) -> bool {
        !self.control.stop.is_cancelled()
            && Instant::now() < self.deadline
            && self.schedule.iterations_per_vu.is_none_or(|n| done < n)
    }
}

/// Creates a VU and runs its `on_start`; counts and reports a failure.
async fn start_vu<F: VuFactory>(factory: &F, shared: &Shared, id: u32) -> Option<F::Vu> {
    let info = VuInfo {
        id,
        scenario: shared.scenario_name.clone(),
    };
    let started = tokio::select! {
        biased;
        _ = shared.control.abort.cancelled() => return None,
        vu = async {
            let mut vu = factory.create(info).await?;
            vu.on_start().await.map(|()| vu)
        } => vu,
    };
    match started {
        Ok(vu) => Some(vu),
        Err(e) => {
            shared.tally.failed.fetch_add(1, Ordering::Relaxed);
            shared.metrics.record_vu_start_failure(&e.message);
            None
        }
    }
}

async fn vu_loop<F: VuFactory>(id: u32, factory: Arc<F>, shared: Arc<Shared>, mut rng: SmallRng) {
    let Some(mut vu) = start_vu(&*factory, &shared, id).await else {
        return;
    };
    shared.tally.started.fetch_add(1, Ordering::Relaxed);
    let mut done = 0u64;
    while shared.may_start_iteration(done) {
        let task = shared.picker.pick(&mut rng);
        let began = Instant::now();
        let result = tokio::select! {
            biased;
            _ = shared.control.abort.cancelled() => None,
            r = vu.iteration(task, done) => Some(r),
        };
        let took = began.elapsed();
        done += 1;
        match result {
            None => {
                // The iteration's future was dropped mid-call: the instance
                // cannot be entered again, so this VU ends here.
                shared
                    .metrics
                    .record_iteration(took, IterationOutcome::Interrupted, None);
                return;
            }
            Some(Ok(())) => {
                shared
                    .metrics
                    .record_iteration(took, IterationOutcome::Completed, None)
            }
            Some(Err(e)) => {
                shared
                    .metrics
                    .record_iteration(took, IterationOutcome::Failed, Some(&e.message));
                if e.fatal {
                    // A trapped instance is poisoned; a fresh one takes over.
                    match start_vu(&*factory, &shared, id).await {
                        Some(fresh) => vu = fresh,
                        None => return,
                    }
                }
            }
        }
        if let Some(think) = shared.think_time {
            if !shared.may_start_iteration(done) {
                break;
            }
            let pause = match think {
                ThinkTime::Constant(d) => d,
                ThinkTime::Uniform(lo, hi) if lo == hi => lo,
                ThinkTime::Uniform(lo, hi) => rng.random_range(lo..=hi),
            };
            tokio::select! {
                _ = tokio::time::sleep(pause) => {}
                _ = shared.control.stop.cancelled() => {}
                _ = tokio::time::sleep_until(shared.deadline) => {}
            }
        }
    }
    tokio::select! {
        biased;
        _ = shared.control.abort.cancelled() => {}
        _ = vu.on_stop() => {}
    }
}
