//! Running a plan: its scenarios in parallel or in sequence, each with its
//! own executor, under one control.

use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use throng_metrics::Metrics;
use tokio::sync::watch;
use tokio::task::JoinSet;
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

use crate::executor::Model;
use crate::live::{ScenarioLive, ScenarioState};
use crate::plan::Scenario;
use crate::scenario::{GIVE_UP_AFTER, ScenarioCtx, StartWave};
use crate::tasks::TaskPicker;
use crate::vu::VuFactory;
use crate::{closed, open};

/// One scenario of a run with what it needs: its VU factory and the
/// recorder its samples go to.
pub struct ScenarioEntry<F> {
    /// The scenario.
    pub scenario: Scenario,
    /// Makes its VUs.
    pub factory: Arc<F>,
    /// Where its samples go.
    pub metrics: Arc<Metrics>,
}

/// One execution of a plan. Build it, hand out its [`RunControl`] and
/// [`ScenarioLive`] views, then [`Run::execute`] it.
pub struct Run<F> {
    entries: Vec<ScenarioEntry<F>>,
    lives: Vec<Arc<ScenarioLive>>,
    control: RunControl,
    seed: u64,
    start: Option<Instant>,
}

/// Stops a run from outside (a Ctrl-C handler, a threshold).
#[derive(Debug, Clone, Default)]
pub struct RunControl {
    /// No new iterations; those in flight get the grace period.
    stop: CancellationToken,
    /// Interrupt iterations in flight now.
    abort: CancellationToken,
}

impl RunControl {
    /// Graceful stop: start no new iteration in any scenario; iterations in
    /// flight get their scenario's grace period, then are interrupted.
    pub fn stop(&self) {
        self.stop.cancel();
    }

    /// Hard stop: interrupt iterations in flight now.
    pub fn abort(&self) {
        self.stop.cancel();
        self.abort.cancel();
    }

    /// Whether a stop was asked for.
    pub fn is_stopping(&self) -> bool {
        self.stop.is_cancelled()
    }
}

/// What the engine itself observed about a run; measurements are in each
/// scenario's [`Metrics`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunStats {
    /// Wall time of the whole run.
    pub elapsed: Duration,
    /// Per scenario, in plan order.
    pub scenarios: Vec<ScenarioStats>,
}

/// What the engine observed about one scenario.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScenarioStats {
    /// The scenario's name.
    pub name: String,
    /// Whether it started at all (a stop can come before its turn).
    pub ran: bool,
    /// From its start (after its VUs were ready) to its end.
    pub elapsed: Duration,
    /// VUs that completed `on_start`.
    pub vus_started: u32,
    /// VUs whose creation or `on_start` failed.
    pub vus_failed: u32,
    /// Whether iterations had to be interrupted at the end of the grace
    /// period.
    pub interrupted: bool,
    /// Set when this scenario stopped the run early because its iterations
    /// all failed ([`GIVE_UP_AFTER`]): the first of their errors.
    pub gave_up: Option<String>,
}

/// Why a run could not be carried out.
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    /// A scenario's task weights name tasks its journey does not offer.
    #[error("{0}")]
    Tasks(String),
    /// A scenario's task panicked: a bug in throng, reported with what was
    /// measured until then.
    #[error("a scenario crashed: {0}")]
    Crashed(String),
}

impl ScenarioStats {
    fn not_run(name: &str) -> Self {
        ScenarioStats {
            name: name.to_owned(),
            ran: false,
            elapsed: Duration::ZERO,
            vus_started: 0,
            vus_failed: 0,
            interrupted: false,
            gave_up: None,
        }
    }
}

impl<F: VuFactory> Run<F> {
    /// A run of these scenarios. Their order is the plan's; references
    /// between them (`after`) must have been validated
    /// ([`crate::Plan::validate`]).
    pub fn new(entries: Vec<ScenarioEntry<F>>) -> Self {
        let lives = entries
            .iter()
            .map(|e| {
                let ex = &e.scenario.executor;
                let planned = ex.is_timed().then(|| ex.max_duration());
                Arc::new(ScenarioLive::new(&e.scenario.name, ex.max_vus(), planned))
            })
            .collect();
        Run {
            entries,
            lives,
            control: RunControl::default(),
            seed: rand::random(),
            start: None,
        }
    }

    /// Fix the seed of the VUs' random choices (tasks, think time).
    pub fn with_seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }

    /// Count the run's time (its `elapsed`, the timeline) from `start`
    /// instead of from [`execute`](Self::execute): a caller that times
    /// other things from its own start (a threshold's delay) then reads the
    /// same clock as the results.
    pub fn with_start(mut self, start: std::time::Instant) -> Self {
        self.start = Some(Instant::from_std(start));
        self
    }

    /// A handle that stops this run.
    pub fn control(&self) -> RunControl {
        self.control.clone()
    }

    /// Live views of the scenarios, in plan order.
    pub fn live(&self) -> Vec<Arc<ScenarioLive>> {
        self.lives.clone()
    }

    /// Run every scenario to its end. Fails before starting any VU when a
    /// scenario's task weights do not fit its journey, and after the run
    /// when a scenario crashed (the others were stopped gracefully; what
    /// was measured stays in the recorders).
    pub async fn execute(self) -> Result<RunStats, RunError> {
        let mut pickers = Vec::with_capacity(self.entries.len());
        for entry in &self.entries {
            let picker = TaskPicker::new(entry.factory.tasks(), &entry.scenario.task_weights)
                .map_err(|e| RunError::Tasks(format!("scenario `{}`: {e}", entry.scenario.name)))?;
            pickers.push(picker);
        }
        let plan_start = self.start.unwrap_or_else(Instant::now);
        let done: Vec<_> = self.entries.iter().map(|_| watch::channel(false)).collect();
        let recorders: Vec<(Arc<Metrics>, Arc<ScenarioLive>)> = self
            .entries
            .iter()
            .map(|e| e.metrics.clone())
            .zip(self.lives.iter().cloned())
            .collect();
        let final_sample: Vec<(Arc<Metrics>, Arc<ScenarioLive>)> = recorders.clone();
        let sampler = sample_timeline(plan_start, recorders);

        let mut tasks = JoinSet::new();
        let mut first_vu_id = 1u32;
        for (i, (entry, picker)) in self.entries.into_iter().zip(pickers).enumerate() {
            let after = entry.scenario.start.after.as_ref().and_then(|name| {
                self.lives
                    .iter()
                    .position(|l| l.name() == name)
                    .map(|j| done[j].1.clone())
            });
            let ctx = Arc::new(ScenarioCtx {
                name: Arc::from(entry.scenario.name.as_str()),
                factory: entry.factory,
                metrics: entry.metrics,
                picker,
                think: entry.scenario.think_time,
                stop: self.control.stop.child_token(),
                abort: self.control.abort.child_token(),
                live: self.lives[i].clone(),
                first_vu_id,
                seed: self.seed ^ (i as u64).wrapping_mul(0xA24B_AED4_963E_E407),
                vus_started: AtomicU32::new(0),
                vus_failed: AtomicU32::new(0),
                completed: AtomicU64::new(0),
                failed: AtomicU64::new(0),
                first_error: OnceLock::new(),
                give_up_after: GIVE_UP_AFTER.max(2 * u64::from(entry.scenario.executor.max_vus())),
                gave_up: OnceLock::new(),
                run_stop: self.control.stop.clone(),
                wave: StartWave::default(),
            });
            first_vu_id += entry.scenario.executor.max_vus();
            let finished = done[i].0.clone();
            tasks.spawn(async move {
                let stats = run_scenario(ctx, entry.scenario, after).await;
                let _ = finished.send(true);
                (i, stats)
            });
        }
        let mut scenarios: Vec<Option<ScenarioStats>> = vec![None; done.len()];
        let mut crashed = None;
        let collect = async {
            while let Some(joined) = tasks.join_next().await {
                match joined {
                    Ok((i, stats)) => scenarios[i] = Some(stats),
                    // A scenario that panicked: stop the others gracefully
                    // and report it; what was measured is kept.
                    Err(e) => {
                        self.control.stop();
                        crashed.get_or_insert_with(|| e.to_string());
                    }
                }
            }
        };
        tokio::select! {
            _ = collect => {}
            _ = sampler => unreachable!("the sampler runs until dropped"),
        }
        // A last point, so the timeline ends where the counts do.
        for (metrics, live) in &final_sample {
            metrics.sample_timeline(plan_start.elapsed(), live.active_vus());
        }
        if let Some(message) = crashed {
            return Err(RunError::Crashed(message));
        }
        let scenarios = scenarios
            .into_iter()
            .zip(&self.lives)
            .map(|(stats, live)| stats.unwrap_or_else(|| ScenarioStats::not_run(live.name())))
            .collect();
        Ok(RunStats {
            elapsed: plan_start.elapsed(),
            scenarios,
        })
    }
}

/// Wait for the scenario's turn, then run its executor.
async fn run_scenario<F: VuFactory>(
    ctx: Arc<ScenarioCtx<F>>,
    scenario: Scenario,
    after: Option<watch::Receiver<bool>>,
) -> ScenarioStats {
    let mut stats = ScenarioStats::not_run(&scenario.name);
    let turn = async {
        if let Some(mut after) = after {
            let _ = after.wait_for(|&finished| finished).await;
        }
        tokio::time::sleep(scenario.start.delay).await;
    };
    tokio::select! {
        _ = turn => {}
        _ = ctx.stop.cancelled() => {
            ctx.live.set_state(ScenarioState::Done);
            return stats;
        }
    }
    let grace = scenario.graceful_stop;
    let model = async {
        match Model::of(&scenario.executor) {
            Model::Closed(model) => closed::run(ctx.clone(), model, grace).await,
            Model::Open(model) => open::run(ctx.clone(), model, grace).await,
        }
    };
    // Whenever the stop comes (during start-up too, while VUs log in), the
    // grace period runs from it; then what is left is interrupted.
    let grace_guard = async {
        ctx.stop.cancelled().await;
        tokio::time::sleep(grace).await;
        ctx.abort.cancel();
        std::future::pending::<()>().await;
    };
    tokio::select! {
        _ = model => {}
        _ = grace_guard => unreachable!("the guard never finishes"),
    }
    ctx.live.set_state(ScenarioState::Done);
    stats.ran = true;
    stats.elapsed = ctx.live.elapsed();
    stats.vus_started = ctx.vus_started.load(Ordering::Relaxed);
    stats.vus_failed = ctx.vus_failed.load(Ordering::Relaxed);
    stats.interrupted = ctx.abort.is_cancelled();
    stats.gave_up = ctx.gave_up.get().cloned();
    stats
}

/// Every whole second from the plan's start, one timeline point per
/// scenario: active VUs and the recorder's counts. Runs until dropped.
async fn sample_timeline(start: Instant, recorders: Vec<(Arc<Metrics>, Arc<ScenarioLive>)>) {
    let mut ticks = tokio::time::interval_at(start, Duration::from_secs(1));
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    loop {
        let tick = ticks.tick().await;
        let t = tick - start;
        for (metrics, live) in &recorders {
            metrics.sample_timeline(t, live.active_vus());
        }
    }
}
