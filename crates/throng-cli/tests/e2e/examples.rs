//! The example plans in `examples/plans/`, each run scaled down against the
//! demo target: the plan parses, its journeys load from `--module-dir`, its
//! SLA holds on a healthy target, and the load has the plan's shape.

use std::path::Path;
use std::time::Duration;

use throng_metrics::RunResults;
use throng_target::{Latency, Target, TargetConfig};
use throng_test_guests::{JOURNEY_CLINICIAN, JOURNEY_TRAINING};

use crate::check;
use crate::harness::{Throng, exclusive, target_with, throng};

/// The demo target answering queries in 30–70 ms. Its default log-normal
/// latency (median 50 ms, p99 180 ms) answers ~0.06 % of queries after
/// 300 ms, and scaled down a plan's phase has so few queries (17 in the
/// spike's baseline) that its p95 is their slowest: the plans' `p(95) <
/// 300ms` gates would then fail ~1 run in 40 on a healthy target.
async fn target() -> Target {
    target_with(TargetConfig {
        query_latency: Latency::Uniform(Duration::from_millis(30), Duration::from_millis(70)),
        ..TargetConfig::default()
    })
    .await
}

const PLANS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../examples/plans");

/// The demo target's model, 25 MiB.
const MODEL: u64 = 25 * 1024 * 1024;

/// `throng run examples/plans/<plan> --scale <scale>` against `target`,
/// with the journeys the test guests build (they share one folder).
async fn run_plan(target: &Target, plan: &str, scale: &str) -> Throng {
    let modules = Path::new(JOURNEY_CLINICIAN).parent().unwrap();
    throng([
        "run".as_ref(),
        Path::new(PLANS).join(plan).as_os_str(),
        "--scale".as_ref(),
        scale.as_ref(),
        "-p".as_ref(),
        format!("base_url={}", target.base_url()).as_ref(),
        "--module-dir".as_ref(),
        modules.as_os_str(),
    ])
    .await
}

/// Requests named `name`, 0 when there were none.
fn requests(r: &RunResults, name: &str) -> u64 {
    r.endpoint(name).map_or(0, |e| e.requests)
}

fn scenario_names(r: &RunResults) -> Vec<&str> {
    r.scenarios
        .iter()
        .map(|s| s.meta.scenario.as_str())
        .collect()
}

/// Every threshold passed, and there were `n` of them.
fn all_thresholds_passed(r: &RunResults, n: usize) -> bool {
    r.thresholds.len() == n && r.thresholds.iter().all(|t| t.passed)
}

#[tokio::test(flavor = "multi_thread")]
async fn sla_phases_run_one_after_the_other() {
    let target = target().await;
    let _turn = exclusive().await;
    let run = run_plan(&target, "sla-phases.toml", "0.001").await;
    check!(run, run.code == 0);
    let r = run.results();
    check!(
        run,
        scenario_names(r) == ["warmup", "steady", "peak", "stress", "soak"]
    );
    check!(run, all_thresholds_passed(r, 12));
    // Chained by `after`, the phases' durations add up to the run's (run
    // side by side, their sum would be far longer than the run).
    let phases: Duration = r.scenarios.iter().map(|s| s.meta.duration).sum();
    check!(
        run,
        phases >= Duration::from_millis(4_680) && phases <= r.meta.duration,
        "phases {phases:?} in a run of {:?}",
        r.meta.duration
    );
    // Each phase has its own VUs, and each VU logs in once.
    check!(
        run,
        r.scenarios
            .iter()
            .all(|s| s.meta.vus == 1 && requests(s, "login") == 1)
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn progressive_phases_of_10_50_and_100_users_make_2_queries_each() {
    let target = target().await;
    let _turn = exclusive().await;
    let run = run_plan(&target, "progressive.toml", "1").await;
    check!(run, run.code == 0);
    let r = run.results();
    check!(
        run,
        scenario_names(r) == ["users-10", "users-50", "users-100"]
    );
    for (phase, users) in r.scenarios.iter().zip([10, 50, 100]) {
        check!(
            run,
            phase.meta.vus == users
                && requests(phase, "login") == u64::from(users)
                && requests(phase, "query") == 2 * u64::from(users)
                && phase.totals.failed == 0,
            "phase {}",
            phase.meta.scenario
        );
    }
    check!(run, all_thresholds_passed(r, 9));
}

#[tokio::test(flavor = "multi_thread")]
async fn ramp_up_adds_users_in_steps() {
    let target = target().await;
    let _turn = exclusive().await;
    let run = run_plan(&target, "ramp-up.toml", "0.05").await;
    check!(run, run.code == 0);
    let r = run.results();
    // Scaled by 0.05, the steps from 5 to 30 users become 0, 1, 1, 1, 1, 2
    // VUs, 3 s apart; each VU logs in when the ramp first wants it.
    check!(run, r.meta.vus == 2 && requests(r, "login") == 2);
    let vus: Vec<u32> = r.timeline.iter().map(|p| p.vus).collect();
    let first = |n: u32| vus.iter().position(|&v| v == n);
    check!(
        run,
        first(0) == Some(0) && first(1) < first(2) && first(1).is_some(),
        "VUs per second {vus:?}"
    );
    check!(run, all_thresholds_passed(r, 5));
}

#[tokio::test(flavor = "multi_thread")]
async fn spike_has_more_users_then_recovers() {
    let target = target().await;
    let _turn = exclusive().await;
    let run = run_plan(&target, "spike.toml", "0.05").await;
    check!(run, run.code == 0);
    let r = run.results();
    check!(run, scenario_names(r) == ["baseline", "spike", "recovery"]);
    let vus: Vec<u32> = r.scenarios.iter().map(|s| s.meta.vus).collect();
    check!(run, vus == [1, 2, 1], "VUs per phase {vus:?}");
    let logins: Vec<u64> = r.scenarios.iter().map(|s| requests(s, "login")).collect();
    check!(run, logins == [1, 2, 1], "logins per phase {logins:?}");
    // Second by second, the run goes from 1 VU to 2 and back to 1.
    let timeline: Vec<u32> = r.timeline.iter().map(|p| p.vus).collect();
    let peak = timeline.iter().position(|&v| v == 2);
    check!(
        run,
        peak.is_some_and(|i| timeline[..i].contains(&1) && timeline[i..].contains(&1)),
        "VUs per second {timeline:?}"
    );
    check!(
        run,
        r.scenarios.iter().all(|s| requests(s, "query") > 0),
        "every phase asked questions"
    );
    check!(run, all_thresholds_passed(r, 7));
}

#[tokio::test(flavor = "multi_thread")]
async fn rate_limited_workers_share_the_requests_at_a_capped_rate() {
    let target = target().await;
    let _turn = exclusive().await;
    let run = run_plan(&target, "rate-limited.toml", "0.2").await;
    check!(run, run.code == 0);
    let r = run.results();
    // 10 workers share 1,000 requests, each at most one per 20 ms: the
    // last of a worker's 100 requests starts 1.98 s in. Uncapped, the
    // health endpoint answers 1,000 requests well within a second.
    check!(run, r.meta.vus == 10 && requests(r, "health") == 1_000);
    check!(
        run,
        r.meta.duration >= Duration::from_millis(1_950),
        "ran {:?}",
        r.meta.duration
    );
    check!(
        run,
        r.totals.req_per_s <= 520.0,
        "{} req/s",
        r.totals.req_per_s
    );
    check!(run, all_thresholds_passed(r, 5));
}

/// Each of the four tasks' share of the requests named after them, in
/// percent, in the order status, start, export, cancel.
fn task_shares(r: &RunResults) -> [f64; 4] {
    let counts = ["status", "start", "export", "cancel"].map(|name| requests(r, name));
    let total: u64 = counts.iter().sum();
    counts.map(|count| 100.0 * count as f64 / total as f64)
}

#[tokio::test(flavor = "multi_thread")]
async fn training_mix_follows_its_task_weights() {
    let target = target().await;
    let _turn = exclusive().await;
    let run = run_plan(&target, "training-mix.toml", "0.008").await;
    check!(run, run.code == 0);
    let r = run.results();
    let shares = task_shares(r);
    // A few hundred draws: each share within 10 points of its weight.
    check!(
        run,
        shares
            .iter()
            .zip([40.0, 30.0, 20.0, 10.0])
            .all(|(share, weight)| (share - weight).abs() < 10.0),
        "shares {shares:?}"
    );
    check!(
        run,
        r.totals.iterations.completed > 100,
        "{} iterations",
        r.totals.iterations.completed
    );
    // One job per VU to start with, and one per cancel.
    check!(run, requests(r, "setup") == 1 + requests(r, "cancel"));
    check!(run, all_thresholds_passed(r, 6));
}

#[tokio::test(flavor = "multi_thread")]
async fn training_task_shares_hold_within_3_points_over_10000_iterations() {
    let target = target().await;
    let _turn = exclusive().await;
    let dir = tempfile::tempdir().unwrap();
    let plan = dir.path().join("plan.toml");
    std::fs::write(
        &plan,
        format!(
            "module = {JOURNEY_TRAINING:?}\n[params]\nbase_url = \"{}\"\n\
             [scenario]\nexecutor = \"shared-iterations\"\nvus = 10\niterations = 10000\n",
            target.base_url()
        ),
    )
    .unwrap();
    let run = throng(["run".as_ref(), plan.as_os_str()]).await;
    check!(run, run.code == 0);
    let r = run.results();
    check!(run, r.totals.iterations.completed == 10_000);
    check!(run, r.checks.failed == 0);
    let shares = task_shares(r);
    check!(
        run,
        shares
            .iter()
            .zip([40.0, 30.0, 20.0, 10.0])
            .all(|(share, weight)| (share - weight).abs() <= 3.0),
        "shares {shares:?}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn clinician_locust_logs_in_once_and_asks_from_the_data_files() {
    let target = target().await;
    let _turn = exclusive().await;
    let run = run_plan(&target, "clinician-locust.toml", "0.008").await;
    check!(run, run.code == 0);
    let r = run.results();
    check!(run, r.meta.vus == 1 && requests(r, "login") == 1);
    let tasks = requests(r, "query") + requests(r, "health");
    check!(
        run,
        tasks == r.totals.iterations.total && tasks > 30,
        "{tasks} tasks"
    );
    check!(
        run,
        r.checks
            .get("answer present")
            .is_some_and(|c| c.failed == 0 && c.passed == requests(r, "query"))
    );
    check!(run, all_thresholds_passed(r, 7));
}

/// Regression guard for the clinician's data path: with a `questions`
/// set in the plan it asks from the set (here until a sequential-unique
/// set runs out), not from its built-in list.
#[tokio::test(flavor = "multi_thread")]
async fn the_clinician_asks_the_plans_questions() {
    let target = target().await;
    let _turn = exclusive().await;
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("questions.csv"),
        "question\nAny allergies?\nLatest HbA1c?\nNext follow-up?\n",
    )
    .unwrap();
    let plan = dir.path().join("plan.toml");
    std::fs::write(
        &plan,
        format!(
            "module = {JOURNEY_CLINICIAN:?}\n[params]\nbase_url = \"{}\"\nthink_min_s = \"0\"\nthink_max_s = \"0\"\n\
             [scenario]\nvus = 1\niterations = 10\n[scenario.tasks]\nhealth = 0\n\
             [data.questions]\nfile = \"questions.csv\"\nstrategy = \"sequential-unique\"\n",
            target.base_url()
        ),
    )
    .unwrap();
    let run = throng(["run".as_ref(), plan.as_os_str()]).await;
    let r = run.results();
    let it = &r.totals.iterations;
    check!(run, (it.completed, it.failed) == (3, 7));
    check!(run, requests(r, "query") == 3);
    check!(
        run,
        r.errors
            .messages
            .iter()
            .any(|e| e.message.contains("`questions` is exhausted"))
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn model_download_clients_each_fetch_the_whole_model_once() {
    let target = target().await;
    let _turn = exclusive().await;
    let run = run_plan(&target, "model-download.toml", "1").await;
    check!(run, run.code == 0);
    let r = run.results();
    let clients = 100;
    check!(run, r.meta.vus == 100);
    check!(
        run,
        requests(r, "download") == clients && r.totals.iterations.completed == clients
    );
    check!(
        run,
        r.totals.bytes_received == clients * MODEL,
        "received {} bytes",
        r.totals.bytes_received
    );
    check!(run, all_thresholds_passed(r, 6));
}

#[tokio::test(flavor = "multi_thread")]
async fn arrival_rate_starts_iterations_on_schedule() {
    let target = target().await;
    let _turn = exclusive().await;
    let run = run_plan(&target, "arrival-rate.toml", "0.01").await;
    check!(run, run.code == 0);
    let r = run.results();
    // 50 iterations a second for 3 s, each a login and a health call.
    let it = r.totals.iterations.total;
    check!(run, (145..=155).contains(&it), "{it} iterations");
    check!(run, r.totals.dropped_iterations == 0);
    check!(
        run,
        requests(r, "login") == it && requests(r, "health") == it
    );
    check!(run, all_thresholds_passed(r, 6));
}
