//! Thresholds decide the exit code, and the summary says which failed.

use throng_test_guests::GUEST_GET;

use crate::check;
use crate::harness::{exclusive, target, throng};

async fn run_with_threshold(threshold: &str) -> crate::harness::Throng {
    let target = target().await;
    let _turn = exclusive().await;
    let url = format!("url={}/delay/20", target.base_url());
    throng([
        "run",
        GUEST_GET,
        "--vus",
        "5",
        "--iterations",
        "10",
        "-p",
        &url,
        "-p",
        "name=delay",
        "--threshold",
        threshold,
    ])
    .await
}

#[tokio::test(flavor = "multi_thread")]
async fn a_threshold_that_holds_exits_0() {
    let run = run_with_threshold("http_req_duration{name:delay}: p(95) < 500ms").await;
    check!(run, run.code == 0);
    check!(run, run.stdout.starts_with("✓ all 1 threshold passed"));
    let outcome = &run.results().thresholds[0];
    check!(
        run,
        outcome.passed && outcome.observed.is_some_and(|v| (20.0..100.0).contains(&v))
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_threshold_that_fails_exits_1_and_is_marked() {
    let run = run_with_threshold("http_req_duration: p(95) < 5ms").await;
    check!(run, run.code == 1);
    let line = run
        .stdout
        .lines()
        .find(|l| l.contains("p(95) < 5ms"))
        .expect("the threshold's line");
    check!(run, line.contains('✗'), "line {line:?}");
    check!(run, !run.results().thresholds[0].passed);
    // Nothing measured is lost on a failed verdict.
    check!(run, run.results().totals.requests == 50);
}

#[tokio::test(flavor = "multi_thread")]
async fn plan_thresholds_and_cli_overrides() {
    let target = target().await;
    let _turn = exclusive().await;
    let dir = tempfile::tempdir().unwrap();
    let plan = dir.path().join("plan.toml");
    std::fs::write(
        &plan,
        format!(
            r#"module = {GUEST_GET:?}

[params]
url = "{}/status/500"
name = "broken"

[scenario]
vus = 2
iterations = 5

[thresholds]
http_req_failed = ["rate < 1%"]
"http_req_duration{{name:broken}}" = ["max < 10s"]
"#,
            target.base_url()
        ),
    )
    .unwrap();
    let run = throng([
        "run".as_ref(),
        plan.as_os_str(),
        "--vus".as_ref(),
        "3".as_ref(),
    ])
    .await;
    check!(run, run.code == 1);
    let r = run.results();
    // --vus 3 overrides the plan's 2: 3 × 5 requests, all 500s.
    check!(run, r.totals.requests == 15 && r.totals.failed == 15);
    let failed_rate = r
        .thresholds
        .iter()
        .find(|t| t.metric == "http_req_failed")
        .unwrap();
    check!(run, !failed_rate.passed);
    let max = r
        .thresholds
        .iter()
        .find(|t| t.metric.contains("broken"))
        .unwrap();
    check!(run, max.passed);
}
