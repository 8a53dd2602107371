//! Executors driven with fake VUs: no wasm, no network, tokio's paused clock.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use throng_engine::{
    Executor, Run, Scenario, TaskInfo, ThinkTime, VirtualUser, VuError, VuFactory, VuInfo,
};
use throng_metrics::{Metrics, RunMeta};

/// A VU whose iteration sleeps `work` and fails when `fail_every` divides
/// the iteration number.
struct FakeVu {
    work: Duration,
    fail_every: Option<(u64, bool)>,
    counters: Arc<Counters>,
}

#[derive(Default)]
struct Counters {
    created: AtomicU64,
    started: AtomicU64,
    iterations: AtomicU64,
    stopped: AtomicU64,
}

impl VirtualUser for FakeVu {
    async fn on_start(&mut self) -> Result<(), VuError> {
        self.counters.started.fetch_add(1, Ordering::Relaxed);
        Ok(())
    }
    async fn iteration(&mut self, _task: &str, n: u64) -> Result<(), VuError> {
        self.counters.iterations.fetch_add(1, Ordering::Relaxed);
        tokio::time::sleep(self.work).await;
        match self.fail_every {
            Some((k, fatal)) if n.is_multiple_of(k) => Err(VuError {
                message: format!("failed {n}"),
                fatal,
            }),
            _ => Ok(()),
        }
    }
    async fn on_stop(&mut self) {
        self.counters.stopped.fetch_add(1, Ordering::Relaxed);
    }
}

struct Factory {
    work: Duration,
    fail_every: Option<(u64, bool)>,
    counters: Arc<Counters>,
    tasks: Vec<TaskInfo>,
}

impl Factory {
    fn new(work: Duration) -> Arc<Self> {
        Arc::new(Factory {
            work,
            fail_every: None,
            counters: Arc::default(),
            tasks: Vec::new(),
        })
    }
}

impl VuFactory for Factory {
    type Vu = FakeVu;
    fn tasks(&self) -> &[TaskInfo] {
        &self.tasks
    }
    async fn create(&self, _info: VuInfo) -> Result<FakeVu, VuError> {
        self.counters.created.fetch_add(1, Ordering::Relaxed);
        Ok(FakeVu {
            work: self.work,
            fail_every: self.fail_every,
            counters: self.counters.clone(),
        })
    }
}

fn results(metrics: &Metrics) -> throng_metrics::RunResults {
    metrics.results(RunMeta {
        started_at: std::time::SystemTime::now(),
        duration: Duration::from_secs(1),
        scenario: "default".into(),
        executor: "test".into(),
        vus: 1,
        module: "fake".into(),
    })
}

#[tokio::test(start_paused = true)]
async fn per_vu_iterations_runs_exactly_vus_times_iterations() {
    let factory = Factory::new(Duration::from_millis(20));
    let metrics = Arc::new(Metrics::new());
    let executor = Executor::PerVuIterations {
        vus: 20,
        iterations: 50,
        max_duration: Duration::from_secs(600),
    };
    let stats = Run::new(Scenario::new(executor), metrics.clone())
        .execute(factory.clone())
        .await
        .unwrap();
    assert_eq!(factory.counters.iterations.load(Ordering::Relaxed), 1_000);
    assert_eq!(factory.counters.started.load(Ordering::Relaxed), 20);
    assert_eq!(factory.counters.stopped.load(Ordering::Relaxed), 20);
    assert_eq!(stats.vus_started, 20);
    assert!(!stats.interrupted);
    // 50 iterations of 20 ms each, all VUs in parallel.
    assert_eq!(stats.elapsed.as_millis() / 10, 100, "{:?}", stats.elapsed);
    assert_eq!(results(&metrics).totals.iterations.completed, 1_000);
}

#[tokio::test(start_paused = true)]
async fn constant_vus_runs_for_its_duration_with_think_time() {
    let factory = Factory::new(Duration::from_millis(100));
    let metrics = Arc::new(Metrics::new());
    let mut scenario = Scenario::new(Executor::ConstantVus {
        vus: 4,
        duration: Duration::from_secs(3),
    });
    scenario.think_time = Some(ThinkTime::Constant(Duration::from_millis(200)));
    let stats = Run::new(scenario, metrics.clone())
        .execute(factory.clone())
        .await
        .unwrap();
    // Each VU: 100 ms work + 200 ms think = 10 iterations in 3 s.
    assert_eq!(factory.counters.iterations.load(Ordering::Relaxed), 40);
    assert_eq!(stats.elapsed, Duration::from_secs(3));
    assert_eq!(results(&metrics).totals.iterations.completed, 40);
}

#[tokio::test(start_paused = true)]
async fn iterations_past_the_grace_period_are_interrupted() {
    let factory = Factory::new(Duration::from_secs(10));
    let metrics = Arc::new(Metrics::new());
    let mut scenario = Scenario::new(Executor::ConstantVus {
        vus: 3,
        duration: Duration::from_secs(1),
    });
    scenario.graceful_stop = Duration::from_secs(2);
    let stats = Run::new(scenario, metrics.clone())
        .execute(factory.clone())
        .await
        .unwrap();
    assert!(stats.interrupted);
    assert_eq!(stats.elapsed, Duration::from_secs(3));
    let totals = results(&metrics).totals.iterations;
    assert_eq!(
        (totals.completed, totals.failed, totals.interrupted),
        (0, 0, 3)
    );
    // Interrupted VUs cannot be re-entered, so on_stop is skipped.
    assert_eq!(factory.counters.stopped.load(Ordering::Relaxed), 0);
}

#[tokio::test(start_paused = true)]
async fn iterations_that_finish_within_grace_complete() {
    let factory = Factory::new(Duration::from_millis(1500));
    let metrics = Arc::new(Metrics::new());
    let mut scenario = Scenario::new(Executor::ConstantVus {
        vus: 2,
        duration: Duration::from_secs(1),
    });
    scenario.graceful_stop = Duration::from_secs(5);
    let stats = Run::new(scenario, metrics.clone())
        .execute(factory.clone())
        .await
        .unwrap();
    assert!(!stats.interrupted);
    assert_eq!(stats.elapsed, Duration::from_millis(1500));
    assert_eq!(results(&metrics).totals.iterations.completed, 2);
}

#[tokio::test(start_paused = true)]
async fn a_graceful_stop_from_outside_ends_the_run_early() {
    let factory = Factory::new(Duration::from_millis(100));
    let metrics = Arc::new(Metrics::new());
    let run = Run::new(
        Scenario::new(Executor::ConstantVus {
            vus: 2,
            duration: Duration::from_secs(60),
        }),
        metrics,
    );
    let control = run.control();
    tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(1050)).await;
        control.stop();
    });
    let stats = run.execute(factory.clone()).await.unwrap();
    assert_eq!(stats.elapsed, Duration::from_millis(1100));
    assert_eq!(factory.counters.iterations.load(Ordering::Relaxed), 22);
}

#[tokio::test(start_paused = true)]
async fn failures_are_counted_and_fatal_ones_replace_the_vu() {
    for fatal in [false, true] {
        let factory = Arc::new(Factory {
            work: Duration::from_millis(1),
            fail_every: Some((5, fatal)),
            counters: Arc::default(),
            tasks: Vec::new(),
        });
        let metrics = Arc::new(Metrics::new());
        let executor = Executor::PerVuIterations {
            vus: 2,
            iterations: 10,
            max_duration: Duration::from_secs(60),
        };
        Run::new(Scenario::new(executor), metrics.clone())
            .execute(factory.clone())
            .await
            .unwrap();
        let totals = results(&metrics).totals.iterations;
        // Iterations 0 and 5 fail on each VU.
        assert_eq!((totals.completed, totals.failed), (16, 4), "fatal={fatal}");
        let created = factory.counters.created.load(Ordering::Relaxed);
        assert_eq!(created, if fatal { 2 + 4 } else { 2 }, "fatal={fatal}");
    }
}

#[tokio::test(start_paused = true)]
async fn task_weights_that_name_no_task_are_refused() {
    let factory = Arc::new(Factory {
        work: Duration::ZERO,
        fail_every: None,
        counters: Arc::default(),
        tasks: vec![TaskInfo {
            name: "ask".into(),
            weight: 1,
        }],
    });
    let mut scenario = Scenario::new(Executor::ConstantVus {
        vus: 1,
        duration: Duration::from_secs(1),
    });
    scenario.task_weights.insert("asq".into(), 3);
    let err = Run::new(scenario, Arc::new(Metrics::new()))
        .execute(factory.clone())
        .await
        .unwrap_err();
    assert!(err.contains("`asq`"), "{err}");
    assert_eq!(factory.counters.created.load(Ordering::Relaxed), 0);
}
