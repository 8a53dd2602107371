//! Executors driven with fake VUs: no wasm, no network, tokio's paused clock.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use throng_engine::{
    Executor, REST_AFTER, Run, RunStats, Scenario, ScenarioEntry, ScenarioStats, Stage, Start,
    TaskInfo, ThinkTime, VirtualUser, VuError, VuFactory, VuInfo, ramping_vus_at,
};
use throng_metrics::{Metrics, RunMeta, RunResults};
use tokio::time::Instant;

/// What a fake iteration does.
#[derive(Clone, Copy)]
enum Work {
    /// Sleep this long.
    Sleep(Duration),
    /// Sleep `normal`, except that an iteration started inside the window
    /// `[from, from + len)` after the test's start waits until its end
    /// (a server that freezes once).
    Freeze {
        normal: Duration,
        from: Duration,
        len: Duration,
    },
}

struct FakeVu {
    id: u32,
    work: Work,
    fail_every: Option<(u64, bool)>,
    start: Start_,
    shared: Arc<Shared>,
}

/// What a fake `on_start` does: take this long, then fail or not.
#[derive(Clone, Copy, Default)]
struct Start_ {
    takes: Duration,
    fails: bool,
}

#[derive(Default)]
struct Counters {
    created: AtomicU64,
    started: AtomicU64,
    iterations: AtomicU64,
    stopped: AtomicU64,
    rested: AtomicU64,
}

/// One VU's first iteration takes longer than the others'.
#[derive(Clone, Copy)]
struct SlowFirst {
    vu: u32,
    takes: Duration,
}

struct Shared {
    counters: Counters,
    epoch: Instant,
    /// Iteration start times, in ms since `epoch`.
    starts: std::sync::Mutex<Vec<u64>>,
    /// When each VU gave back its pages: (VU id, ms since `epoch`).
    released: std::sync::Mutex<Vec<(u32, u64)>>,
    slow_first: Option<SlowFirst>,
}

impl VirtualUser for FakeVu {
    async fn on_start(&mut self) -> Result<(), VuError> {
        tokio::time::sleep(self.start.takes).await;
        if self.start.fails {
            return Err(VuError::failed("login refused"));
        }
        self.shared.counters.started.fetch_add(1, Ordering::Relaxed);
        Ok(())
    }
    async fn iteration(&mut self, _task: &str, n: u64) -> Result<(), VuError> {
        let now = self.shared.epoch.elapsed();
        self.shared
            .counters
            .iterations
            .fetch_add(1, Ordering::Relaxed);
        self.shared
            .starts
            .lock()
            .unwrap()
            .push(now.as_millis() as u64);
        match self.work {
            _ if n == 0 && self.shared.slow_first.is_some_and(|s| s.vu == self.id) => {
                let slow = self.shared.slow_first.unwrap();
                tokio::time::sleep(slow.takes).await
            }
            Work::Sleep(d) => tokio::time::sleep(d).await,
            Work::Freeze { normal, from, len } => {
                if now >= from && now < from + len {
                    tokio::time::sleep_until(self.shared.epoch + from + len).await;
                } else {
                    tokio::time::sleep(normal).await;
                }
            }
        }
        match self.fail_every {
            Some((k, fatal)) if n.is_multiple_of(k) => Err(VuError {
                message: format!("failed {n}"),
                fatal,
            }),
            _ => Ok(()),
        }
    }
    async fn on_stop(&mut self) {
        self.shared.counters.stopped.fetch_add(1, Ordering::Relaxed);
    }
    fn rest(&mut self) {
        self.shared.counters.rested.fetch_add(1, Ordering::Relaxed);
    }
    fn release_pages(&mut self) {
        let at = self.shared.epoch.elapsed().as_millis() as u64;
        self.shared.released.lock().unwrap().push((self.id, at));
    }
}

struct Factory {
    work: Work,
    fail_every: Option<(u64, bool)>,
    start: Start_,
    shared: Arc<Shared>,
    tasks: Vec<TaskInfo>,
}

impl Factory {
    fn new(work: Duration) -> Arc<Self> {
        Self::with(Work::Sleep(work), None, Vec::new())
    }

    fn with(work: Work, fail_every: Option<(u64, bool)>, tasks: Vec<TaskInfo>) -> Arc<Self> {
        let shared = Arc::new(Shared {
            counters: Counters::default(),
            epoch: Instant::now(),
            starts: Default::default(),
            released: Default::default(),
            slow_first: None,
        });
        Arc::new(Factory {
            work,
            fail_every,
            start: Start_::default(),
            shared,
            tasks,
        })
    }

    fn count(&self, pick: impl Fn(&Counters) -> &AtomicU64) -> u64 {
        pick(&self.shared.counters).load(Ordering::Relaxed)
    }
}

impl VuFactory for Factory {
    type Vu = FakeVu;
    fn tasks(&self) -> &[TaskInfo] {
        &self.tasks
    }
    async fn create(&self, info: VuInfo) -> Result<FakeVu, VuError> {
        self.shared.counters.created.fetch_add(1, Ordering::Relaxed);
        Ok(FakeVu {
            id: info.id,
            work: self.work,
            fail_every: self.fail_every,
            start: self.start,
            shared: self.shared.clone(),
        })
    }
}

fn scenario(executor: Executor) -> Scenario {
    Scenario::new("fake.wasm", executor)
}

async fn run(scenario: Scenario, factory: &Arc<Factory>, metrics: &Arc<Metrics>) -> ScenarioStats {
    let entry = ScenarioEntry {
        scenario,
        factory: factory.clone(),
        metrics: metrics.clone(),
    };
    let stats: RunStats = Run::new(vec![entry]).with_seed(7).execute().await.unwrap();
    stats.scenarios[0].clone()
}

fn results(metrics: &Metrics) -> RunResults {
    metrics.results(RunMeta {
        started_at: std::time::SystemTime::now(),
        duration: Duration::from_secs(1),
        scenario: "default".into(),
        executor: "test".into(),
        vus: 1,
        module: "fake".into(),
    })
}

fn secs(s: u64) -> Duration {
    Duration::from_secs(s)
}

fn ms(ms: u64) -> Duration {
    Duration::from_millis(ms)
}

#[tokio::test(start_paused = true)]
async fn per_vu_iterations_runs_exactly_vus_times_iterations() {
    let factory = Factory::new(ms(20));
    let metrics = Arc::new(Metrics::new());
    let executor = Executor::PerVuIterations {
        vus: 20,
        iterations: 50,
        max_duration: secs(600),
    };
    let stats = run(scenario(executor), &factory, &metrics).await;
    assert_eq!(factory.count(|c| &c.iterations), 1_000);
    assert_eq!(factory.count(|c| &c.started), 20);
    assert_eq!(factory.count(|c| &c.stopped), 20);
    assert_eq!(stats.vus_started, 20);
    assert!(!stats.interrupted);
    // 50 iterations of 20 ms each, all VUs in parallel.
    assert_eq!(stats.elapsed, ms(1_000));
    assert_eq!(results(&metrics).totals.iterations.completed, 1_000);
}

#[tokio::test(start_paused = true)]
async fn shared_iterations_runs_exactly_the_total() {
    let factory = Factory::new(ms(7));
    let metrics = Arc::new(Metrics::new());
    let executor = Executor::SharedIterations {
        vus: 10,
        iterations: 1_000,
        max_duration: secs(600),
    };
    run(scenario(executor), &factory, &metrics).await;
    assert_eq!(factory.count(|c| &c.iterations), 1_000);
    assert_eq!(results(&metrics).totals.iterations.completed, 1_000);
}

#[tokio::test(start_paused = true)]
async fn closed_executors_start_every_vu_at_the_same_instant() {
    let factory = Factory::new(ms(5));
    let metrics = Arc::new(Metrics::new());
    let executor = Executor::PerVuIterations {
        vus: 100,
        iterations: 1,
        max_duration: secs(60),
    };
    run(scenario(executor), &factory, &metrics).await;
    let starts = factory.shared.starts.lock().unwrap().clone();
    assert_eq!(starts.len(), 100);
    assert_eq!(
        starts.iter().max(),
        starts.iter().min(),
        "one start instant behind the barrier"
    );
}

#[tokio::test(start_paused = true)]
async fn constant_vus_runs_for_its_duration_with_think_time() {
    let factory = Factory::new(ms(100));
    let metrics = Arc::new(Metrics::new());
    let mut scenario = scenario(Executor::ConstantVus {
        vus: 4,
        duration: secs(3),
    });
    scenario.think_time = Some(ThinkTime::Constant(ms(200)));
    let stats = run(scenario, &factory, &metrics).await;
    // Each VU: 100 ms work + 200 ms think = 10 iterations in 3 s.
    assert_eq!(factory.count(|c| &c.iterations), 40);
    assert_eq!(stats.elapsed, secs(3));
    assert_eq!(results(&metrics).totals.iterations.completed, 40);
}

#[tokio::test(start_paused = true)]
async fn pacing_starts_an_iteration_every_period_whatever_it_took() {
    let factory = Factory::new(ms(30));
    let metrics = Arc::new(Metrics::new());
    let mut scenario = scenario(Executor::ConstantVus {
        vus: 2,
        duration: secs(1),
    });
    scenario.think_time = Some(ThinkTime::Pacing(ms(100)));
    run(scenario, &factory, &metrics).await;
    // One start every 100 ms per VU: 0, 100, ..., 900.
    assert_eq!(factory.count(|c| &c.iterations), 20);
    let starts = factory.shared.starts.lock().unwrap().clone();
    assert!(starts.iter().all(|t| t % 100 == 0), "{starts:?}");
}

#[tokio::test(start_paused = true)]
async fn ramping_vus_follows_its_stages_second_by_second() {
    let factory = Factory::new(ms(50));
    let metrics = Arc::new(Metrics::new());
    let stages = vec![
        Stage {
            duration: secs(5),
            target: 10,
        },
        Stage {
            duration: secs(3),
            target: 10,
        },
        Stage {
            duration: secs(0),
            target: 20,
        },
        Stage {
            duration: secs(2),
            target: 20,
        },
        Stage {
            duration: secs(4),
            target: 2,
        },
    ];
    let executor = Executor::RampingVus {
        start_vus: 1,
        stages: stages.clone(),
    };
    let mut scenario = scenario(executor);
    scenario.graceful_stop = ms(100);
    run(scenario, &factory, &metrics).await;
    let timeline = metrics.timeline();
    assert!(timeline.len() >= 14, "{} points", timeline.len());
    for point in timeline.iter().filter(|p| p.t_s <= 14.0) {
        let t = Duration::from_secs_f64(point.t_s);
        // A step that lands on the sampling instant may be seen on either
        // side of it.
        let planned = [
            ramping_vus_at(1, &stages, t),
            ramping_vus_at(1, &stages, t.saturating_sub(ms(1))),
        ];
        assert!(
            planned.iter().any(|p| point.vus.abs_diff(*p) <= 1),
            "at {} s: {} active, {planned:?} planned",
            point.t_s,
            point.vus
        );
    }
    // VUs above the target park between iterations: 20 made, never more.
    assert_eq!(factory.count(|c| &c.created), 20);
}

#[tokio::test(start_paused = true)]
async fn constant_arrival_rate_starts_its_iterations_on_schedule() {
    let factory = Factory::new(ms(3));
    let metrics = Arc::new(Metrics::new());
    let executor = Executor::ConstantArrivalRate {
        rate: 200,
        time_unit: secs(1),
        duration: secs(5),
        pre_allocated_vus: 5,
        max_vus: 20,
    };
    run(scenario(executor), &factory, &metrics).await;
    assert_eq!(factory.count(|c| &c.iterations), 1_000);
    let r = results(&metrics);
    assert_eq!(
        (r.totals.iterations.completed, r.totals.dropped_iterations),
        (1_000, 0)
    );
    assert_eq!(r.schedule_lag.max, 0.0, "a fast system is served on time");
}

#[tokio::test(start_paused = true)]
async fn a_stall_shows_in_the_tail_and_the_lag_not_as_fewer_iterations() {
    // 100 iterations/s for 10 s; the system answers in 5 ms but freezes for
    // 2 s once, 4.5 s in.
    let work = Work::Freeze {
        normal: ms(5),
        from: ms(4_500),
        len: secs(2),
    };
    let factory = Factory::with(work, None, Vec::new());
    let metrics = Arc::new(Metrics::new());
    let executor = Executor::ConstantArrivalRate {
        rate: 100,
        time_unit: secs(1),
        duration: secs(10),
        pre_allocated_vus: 10,
        max_vus: 100,
    };
    run(scenario(executor), &factory, &metrics).await;
    let r = results(&metrics);
    assert_eq!(
        r.totals.iterations.total + r.totals.dropped_iterations,
        1_000
    );
    assert_eq!(r.totals.dropped_iterations, 0);
    assert!(
        r.iteration_duration.p99 >= 1_000.0,
        "p99 {} ms",
        r.iteration_duration.p99
    );
    assert!(
        r.schedule_lag.max >= 900.0,
        "lag max {} ms",
        r.schedule_lag.max
    );
}

#[tokio::test(start_paused = true)]
async fn arrivals_beyond_the_pool_and_its_queue_are_dropped() {
    let factory = Factory::new(secs(10));
    let metrics = Arc::new(Metrics::new());
    let executor = Executor::ConstantArrivalRate {
        rate: 10,
        time_unit: secs(1),
        duration: secs(2),
        pre_allocated_vus: 2,
        max_vus: 4,
    };
    let mut scenario = scenario(executor);
    scenario.graceful_stop = secs(60);
    run(scenario, &factory, &metrics).await;
    let r = results(&metrics);
    // 20 due: 4 run at once, 4 queue (and are dropped when the schedule
    // ends, still queued), 12 find the queue full.
    assert_eq!(r.totals.iterations.completed, 4);
    assert_eq!(r.totals.dropped_iterations, 16);
}

#[tokio::test(start_paused = true)]
async fn ramping_arrival_rate_integrates_its_stages() {
    let factory = Factory::new(ms(1));
    let metrics = Arc::new(Metrics::new());
    let executor = Executor::RampingArrivalRate {
        start_rate: 0,
        time_unit: secs(1),
        stages: vec![
            Stage {
                duration: secs(4),
                target: 100,
            },
            Stage {
                duration: secs(2),
                target: 100,
            },
        ],
        pre_allocated_vus: 5,
        max_vus: 10,
    };
    run(scenario(executor), &factory, &metrics).await;
    assert_eq!(factory.count(|c| &c.iterations), 200 + 200);
}

#[tokio::test(start_paused = true)]
async fn iterations_past_the_grace_period_are_interrupted() {
    let factory = Factory::new(secs(10));
    let metrics = Arc::new(Metrics::new());
    let mut scenario = scenario(Executor::ConstantVus {
        vus: 3,
        duration: secs(1),
    });
    scenario.graceful_stop = secs(2);
    let stats = run(scenario, &factory, &metrics).await;
    assert!(stats.interrupted);
    assert_eq!(stats.elapsed, secs(3));
    let totals = results(&metrics).totals.iterations;
    assert_eq!(
        (totals.completed, totals.failed, totals.interrupted),
        (0, 0, 3)
    );
    // Interrupted VUs cannot be re-entered, so on_stop is skipped.
    assert_eq!(factory.count(|c| &c.stopped), 0);
}

#[tokio::test(start_paused = true)]
async fn iterations_that_finish_within_grace_complete() {
    let factory = Factory::new(ms(1_500));
    let metrics = Arc::new(Metrics::new());
    let mut scenario = scenario(Executor::ConstantVus {
        vus: 2,
        duration: secs(1),
    });
    scenario.graceful_stop = secs(5);
    let stats = run(scenario, &factory, &metrics).await;
    assert!(!stats.interrupted);
    assert_eq!(stats.elapsed, ms(1_500));
    assert_eq!(results(&metrics).totals.iterations.completed, 2);
}

#[tokio::test(start_paused = true)]
async fn a_graceful_stop_from_outside_ends_the_run_early() {
    let factory = Factory::new(ms(100));
    let entry = ScenarioEntry {
        scenario: scenario(Executor::ConstantVus {
            vus: 2,
            duration: secs(60),
        }),
        factory: factory.clone(),
        metrics: Arc::new(Metrics::new()),
    };
    let run = Run::new(vec![entry]);
    let control = run.control();
    tokio::spawn(async move {
        tokio::time::sleep(ms(1_050)).await;
        control.stop();
    });
    let stats = run.execute().await.unwrap();
    assert_eq!(stats.elapsed, ms(1_100));
    assert_eq!(factory.count(|c| &c.iterations), 22);
}

#[tokio::test(start_paused = true)]
async fn scenarios_run_in_sequence_and_in_parallel() {
    let factory = Factory::new(ms(100));
    let entry = |name: &str, vus: u32, iterations: u64, after: Option<&str>| {
        let mut s = scenario(Executor::PerVuIterations {
            vus,
            iterations,
            max_duration: secs(60),
        });
        s.name = name.into();
        s.start = Start {
            after: after.map(Into::into),
            delay: Duration::ZERO,
        };
        ScenarioEntry {
            scenario: s,
            factory: factory.clone(),
            metrics: Arc::new(Metrics::new()),
        }
    };
    // warmup (1 s), then phase1 (1 s), then phase2 (1 s); `side` runs
    // beside them from the start (0.5 s).
    let entries = vec![
        entry("warmup", 2, 10, None),
        entry("phase1", 10, 10, Some("warmup")),
        entry("phase2", 50, 10, Some("phase1")),
        entry("side", 1, 5, None),
    ];
    let metrics: Vec<_> = entries.iter().map(|e| e.metrics.clone()).collect();
    let stats = Run::new(entries).execute().await.unwrap();
    assert_eq!(stats.elapsed, secs(3));
    let counts: Vec<u64> = metrics
        .iter()
        .map(|m| results(m).totals.iterations.completed)
        .collect();
    assert_eq!(counts, [20, 100, 500, 5]);
    assert!(stats.scenarios.iter().all(|s| s.ran));
    assert_eq!(stats.scenarios[3].elapsed, ms(500));
}

#[tokio::test(start_paused = true)]
async fn failures_are_counted_and_fatal_ones_replace_the_vu() {
    for fatal in [false, true] {
        let factory = Factory::with(Work::Sleep(ms(1)), Some((5, fatal)), Vec::new());
        let metrics = Arc::new(Metrics::new());
        let executor = Executor::PerVuIterations {
            vus: 2,
            iterations: 10,
            max_duration: secs(60),
        };
        run(scenario(executor), &factory, &metrics).await;
        let totals = results(&metrics).totals.iterations;
        // Iterations 0 and 5 fail on each VU.
        assert_eq!((totals.completed, totals.failed), (16, 4), "fatal={fatal}");
        assert_eq!(
            factory.count(|c| &c.created),
            if fatal { 2 + 4 } else { 2 },
            "fatal={fatal}"
        );
    }
}

#[tokio::test(start_paused = true)]
async fn task_weights_that_name_no_task_are_refused() {
    let factory = Factory::with(
        Work::Sleep(Duration::ZERO),
        None,
        vec![TaskInfo {
            name: "ask".into(),
            weight: 1,
        }],
    );
    let mut scenario = scenario(Executor::ConstantVus {
        vus: 1,
        duration: secs(1),
    });
    scenario.task_weights.insert("asq".into(), 3);
    let entry = ScenarioEntry {
        scenario,
        factory: factory.clone(),
        metrics: Arc::new(Metrics::new()),
    };
    let err = Run::new(vec![entry]).execute().await.unwrap_err();
    assert!(err.to_string().contains("`asq`"), "{err}");
    assert_eq!(factory.count(|c| &c.created), 0);
}

/// A factory whose VUs' `on_start` behaves as `start` says.
fn starting(work: Duration, start: Start_) -> Arc<Factory> {
    let base = Factory::new(work);
    Arc::new(Factory {
        work: base.work,
        fail_every: None,
        start,
        shared: base.shared.clone(),
        tasks: Vec::new(),
    })
}

#[tokio::test(start_paused = true)]
async fn an_open_model_lasts_its_duration_not_until_its_last_arrival() {
    // Regression: the scenario used to end at its last due time (9 min).
    let factory = Factory::new(ms(10));
    let metrics = Arc::new(Metrics::new());
    let executor = Executor::ConstantArrivalRate {
        rate: 1,
        time_unit: secs(60),
        duration: secs(600),
        pre_allocated_vus: 1,
        max_vus: 1,
    };
    let stats = run(scenario(executor), &factory, &metrics).await;
    assert_eq!(factory.count(|c| &c.iterations), 10);
    assert_eq!(stats.elapsed, secs(600));
}

#[tokio::test(start_paused = true)]
async fn arrivals_whose_vu_cannot_start_are_dropped_and_free_their_slot() {
    // Regression: such an arrival was neither run nor counted, and its pool
    // slot was never given back.
    let factory = starting(
        ms(1),
        Start_ {
            takes: ms(1),
            fails: true,
        },
    );
    let metrics = Arc::new(Metrics::new());
    let executor = Executor::ConstantArrivalRate {
        rate: 10,
        time_unit: secs(1),
        duration: secs(1),
        pre_allocated_vus: 1,
        max_vus: 2,
    };
    run(scenario(executor), &factory, &metrics).await;
    let r = results(&metrics);
    assert_eq!(r.totals.iterations.total, 0);
    assert_eq!(
        r.totals.dropped_iterations, 10,
        "every arrival accounted for"
    );
    // 1 pre-allocated + one worker per arrival, each slot freed on failure.
    assert_eq!(r.totals.vu_start_failures, 11);
}

#[tokio::test(start_paused = true)]
async fn a_vu_rests_before_long_pauses_only() {
    // 3 VUs x 4 iterations: 3 pauses each between them.
    for (think, rests) in [
        (ThinkTime::Constant(ms(200)), 0),
        (ThinkTime::Constant(REST_AFTER), 9),
        (ThinkTime::Uniform(secs(1), secs(5)), 9),
        // Pacing pauses for what is left of the period: 600 - 100 ms.
        (ThinkTime::Pacing(ms(600)), 9),
        (ThinkTime::Pacing(ms(500)), 0),
    ] {
        let factory = Factory::new(ms(100));
        let metrics = Arc::new(Metrics::new());
        let mut scenario = scenario(Executor::PerVuIterations {
            vus: 3,
            iterations: 4,
            max_duration: secs(60),
        });
        scenario.think_time = Some(think);
        run(scenario, &factory, &metrics).await;
        assert_eq!(factory.count(|c| &c.iterations), 12);
        assert_eq!(factory.count(|c| &c.rested), rests, "{think:?}");
    }
}

/// A factory whose VU `slow.vu` takes `slow.takes` over its first
/// iteration, every other iteration 100 ms.
fn slow_first(slow: SlowFirst) -> Arc<Factory> {
    let shared = Arc::new(Shared {
        counters: Counters::default(),
        epoch: Instant::now(),
        starts: Default::default(),
        released: Default::default(),
        slow_first: Some(slow),
    });
    Arc::new(Factory {
        work: Work::Sleep(ms(100)),
        fail_every: None,
        start: Start_::default(),
        shared,
        tasks: Vec::new(),
    })
}

/// Runs 4 VUs x 3 iterations, thinking 2 s, VU 1's first iteration taking
/// `first`; returns when each VU gave back its pages, in ms.
async fn releases_with_a_slow_first(first: Duration, think: Duration) -> Vec<(u32, u64)> {
    let factory = slow_first(SlowFirst {
        vu: 1,
        takes: first,
    });
    let mut scenario = scenario(Executor::PerVuIterations {
        vus: 4,
        iterations: 3,
        max_duration: secs(600),
    });
    scenario.think_time = Some(ThinkTime::Constant(think));
    run(scenario, &factory, &Arc::new(Metrics::new())).await;
    assert_eq!(factory.count(|c| &c.iterations), 12);
    // Buffers go at once: every pause rests.
    assert_eq!(factory.count(|c| &c.rested), 8);
    let mut released = factory.shared.released.lock().unwrap().clone();
    released.sort();
    released
}

#[tokio::test(start_paused = true)]
async fn pages_wait_until_every_vu_has_ended_its_first_iteration() {
    // VU 1's first iteration ends at 1.5 s; the others pause from 0.1 s to
    // 2.1 s and give back their pages at 1.5 s, not at 0.1 s.
    let released = releases_with_a_slow_first(ms(1_500), secs(2)).await;
    assert_eq!(
        released,
        [
            (1, 1_500),
            (1, 3_600),
            (2, 1_500),
            (2, 2_200),
            (3, 1_500),
            (3, 2_200),
            (4, 1_500),
            (4, 2_200),
        ]
    );
}

#[tokio::test(start_paused = true)]
async fn pages_stay_when_the_wave_ends_too_close_to_the_pause_s_end() {
    // At 1.8 s the others' pauses have 300 ms left, less than REST_AFTER:
    // their first pause gives back nothing.
    let released = releases_with_a_slow_first(ms(1_800), secs(2)).await;
    assert_eq!(
        released,
        [(1, 1_800), (1, 3_900), (2, 2_200), (3, 2_200), (4, 2_200)]
    );
}

#[tokio::test(start_paused = true)]
async fn pages_wait_for_the_wave_at_most_rest_defer() {
    // VU 1's first iteration hangs for 30 s: the others give back their
    // pages REST_DEFER into each of their 10 s pauses.
    let released = releases_with_a_slow_first(secs(30), secs(10)).await;
    let defer = throng_engine::REST_DEFER.as_millis() as u64;
    let (first, second) = (100 + defer, 10_200 + defer);
    assert_eq!(
        released,
        [
            (1, 30_000),
            (1, 40_100),
            (2, first),
            (2, second),
            (3, first),
            (3, second),
            (4, first),
            (4, second),
        ]
    );
}

#[tokio::test(start_paused = true)]
async fn no_pause_after_the_last_iteration_of_a_budget() {
    // Regression: a VU paused its think time after its last iteration.
    let factory = Factory::new(ms(100));
    let metrics = Arc::new(Metrics::new());
    let mut scenario = scenario(Executor::PerVuIterations {
        vus: 2,
        iterations: 1,
        max_duration: secs(60),
    });
    scenario.think_time = Some(ThinkTime::Constant(secs(5)));
    let stats = run(scenario, &factory, &metrics).await;
    assert_eq!(stats.elapsed, ms(100));
}

#[tokio::test(start_paused = true)]
async fn a_stop_during_start_up_is_bounded_by_the_grace_period() {
    // Regression: a stop while VUs logged in waited for every on_start.
    let factory = starting(
        ms(10),
        Start_ {
            takes: secs(60),
            fails: false,
        },
    );
    let mut s = scenario(Executor::ConstantVus {
        vus: 3,
        duration: secs(30),
    });
    s.graceful_stop = secs(2);
    let entry = ScenarioEntry {
        scenario: s,
        factory: factory.clone(),
        metrics: Arc::new(Metrics::new()),
    };
    let run = Run::new(vec![entry]);
    let control = run.control();
    tokio::spawn(async move {
        tokio::time::sleep(secs(1)).await;
        control.stop();
    });
    let began = Instant::now();
    run.execute().await.unwrap();
    assert_eq!(began.elapsed(), secs(3));
    assert_eq!(factory.count(|c| &c.iterations), 0);
}

#[tokio::test(start_paused = true)]
async fn a_scenario_whose_iterations_all_fail_stops_the_run() {
    // Every iteration fails, half of them fatally (a trap): the run stops
    // once 20 have failed (2 VUs: the floor of 20 applies), long before
    // its minute, naming the first error.
    for fatal in [false, true] {
        let factory = Factory::with(Work::Sleep(ms(10)), Some((1, fatal)), Vec::new());
        let metrics = Arc::new(Metrics::new());
        let executor = Executor::ConstantVus {
            vus: 2,
            duration: secs(60),
        };
        let stats = run(scenario(executor), &factory, &metrics).await;
        assert_eq!(stats.gave_up.as_deref(), Some("failed 0"), "fatal={fatal}");
        assert!(
            stats.elapsed < secs(1),
            "fatal={fatal}: {:?}",
            stats.elapsed
        );
        let it = results(&metrics).totals.iterations;
        assert_eq!((it.completed, it.interrupted), (0, 0), "fatal={fatal}");
        // The 20th failure stops the run; the other VU's iteration in
        // flight still ends.
        assert!((20..=21).contains(&it.failed), "fatal={fatal}: {it:?}");
    }
}

#[tokio::test(start_paused = true)]
async fn a_first_wave_of_failures_does_not_stop_the_run() {
    // 30 VUs whose first iteration fails (and every 40th after it): 30
    // failures before anything completes, under the two per VU that
    // stopping needs, so the run goes its full length.
    let factory = Factory::with(Work::Sleep(ms(100)), Some((40, true)), Vec::new());
    let metrics = Arc::new(Metrics::new());
    let executor = Executor::ConstantVus {
        vus: 30,
        duration: secs(5),
    };
    let stats = run(scenario(executor), &factory, &metrics).await;
    assert_eq!(stats.gave_up, None);
    assert_eq!(stats.elapsed, secs(5));
    let it = results(&metrics).totals.iterations;
    // 50 iterations per VU: numbers 0 and 40 fail.
    assert_eq!((it.completed, it.failed), (30 * 48, 30 * 2));
}
