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

/// A plan of two scenarios, one after the other: `baseline`, 1 VU on
/// `/delay/20`, then `load`, 4 VUs on `/delay/{load_ms}`; 20 iterations
/// each. `thresholds` is the body of `[thresholds]`.
async fn baseline_then_load(load_ms: u32, thresholds: &str) -> crate::harness::Throng {
    let target = target().await;
    let _turn = exclusive().await;
    let dir = tempfile::tempdir().unwrap();
    let plan = dir.path().join("plan.toml");
    let base = target.base_url();
    std::fs::write(
        &plan,
        format!(
            r#"module = {GUEST_GET:?}

[scenarios.baseline]
executor = "shared-iterations"
vus = 1
iterations = 20
params = {{ url = "{base}/delay/20", name = "delay" }}

[scenarios.load]
after = "baseline"
executor = "shared-iterations"
vus = 4
iterations = 20
params = {{ url = "{base}/delay/{load_ms}", name = "delay" }}

[thresholds]
{thresholds}
"#
        ),
    )
    .unwrap();
    throng(["run".as_ref(), plan.as_os_str()]).await
}

#[tokio::test(flavor = "multi_thread")]
async fn relative_to_a_baseline_scenario_of_the_same_run() {
    let threshold = r#""http_req_duration{scenario:load}" = ["p(95) < 2x baseline.p50"]"#;
    // Under load the endpoint keeps its 20 ms: well below 40 ms.
    let run = baseline_then_load(20, threshold).await;
    check!(run, run.code == 0);
    let outcome = &run.results().thresholds[0];
    check!(
        run,
        outcome.limit.is_some_and(|l| (40.0..50.0).contains(&l)),
        "{outcome:?}"
    );
    // Under load it takes 60 ms: three times the single user's 20 ms.
    let run = baseline_then_load(60, threshold).await;
    check!(run, run.code == 1);
    let outcome = &run.results().thresholds[0];
    check!(
        run,
        !outcome.passed
            && outcome.observed.is_some_and(|o| (60.0..80.0).contains(&o))
            && outcome.limit.is_some_and(|l| (40.0..50.0).contains(&l)),
        "{outcome:?}"
    );
    let line = run
        .stdout
        .lines()
        .find(|l| l.contains("2x baseline.p50"))
        .expect("the threshold's line");
    check!(
        run,
        line.contains('✗') && line.contains("limit 4"),
        "{line:?}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn relative_to_a_stored_run_and_the_regression_gate() {
    let target = target().await;
    let dir = tempfile::tempdir().unwrap();
    let previous = dir.path().join("last-good.json");
    let run_against = |ms: u32, extra: Vec<String>| {
        let url = format!("url={}/delay/{ms}", target.base_url());
        let mut args: Vec<String> = [
            "run",
            GUEST_GET,
            "--vus",
            "4",
            "--iterations",
            "10",
            "-p",
            url.as_str(),
            "-p",
            "name=delay",
        ]
        .map(str::to_owned)
        .to_vec();
        args.extend(extra);
        async move {
            let _turn = exclusive().await;
            throng(args).await
        }
    };
    let good = run_against(20, vec![]).await;
    check!(good, good.code == 0);
    std::fs::write(&previous, serde_json::to_string(good.results()).unwrap()).unwrap();

    let gates = |threshold: &str| {
        vec![
            "--previous".to_owned(),
            previous.display().to_string(),
            "--threshold".to_owned(),
            threshold.to_owned(),
        ]
    };
    // Twice as slow: 40 ms against 20 ms fails `+ 20%`, and so does the
    // compare-based gate.
    let mut args = gates("http_req_duration{name:delay}: p(95) <= previous.p(95) + 20%");
    args.extend(["--max-regression".to_owned(), "20%".to_owned()]);
    let slow = run_against(40, args.clone()).await;
    check!(slow, slow.code == 1);
    let outcomes = &slow.results().thresholds;
    check!(slow, outcomes.len() == 2, "{outcomes:?}");
    check!(slow, !outcomes[0].passed, "{:?}", outcomes[0]);
    let gate = &outcomes[1];
    check!(
        slow,
        gate.metric == "regression"
            && !gate.passed
            && gate.observed.is_some_and(|worse| worse > 50.0)
            && gate
                .note
                .as_deref()
                .is_some_and(|n| n.contains("all: p95 +")),
        "{gate:?}"
    );
    // As fast as before: both hold.
    let same = run_against(20, args).await;
    check!(same, same.code == 0);

    // A stored result that is not one is refused before anything runs.
    std::fs::write(&previous, "{}").unwrap();
    let bad = run_against(20, gates("http_req_duration: p(95) < previous.p(95)")).await;
    check!(bad, bad.code == 2 && bad.stderr.contains("last-good.json"));
    check!(bad, bad.results.is_none());
}

#[tokio::test(flavor = "multi_thread")]
async fn abort_on_fail_stops_the_run_after_its_delay_and_keeps_the_results() {
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
start_ms = "1500"

[scenario]
vus = 2
duration = "60s"
think_time = "50ms"

[thresholds]
http_req_failed = [
  {{ threshold = "rate < 1%", abort_on_fail = true, delay_abort_eval = "2s" }},
  {{ threshold = "rate < 0.5%", severity = "warning" }},
]
"#,
            target.base_url()
        ),
    )
    .unwrap();
    let run = throng(["run".as_ref(), plan.as_os_str()]).await;
    check!(run, run.code == 3, "aborted runs exit 3");
    check!(run, run.stderr.contains("abort_on_fail"));
    let results = run.results();
    // Stopped at its first judgement after 2 s, not at 60 s. The delay and
    // the results' duration count on one clock, from when the load began:
    // the VUs' 1.5 s `on_start` is not part of the delay (counted from the
    // process's start it would stop the run 0.5 s into its load).
    let seconds = results.meta.duration.as_secs_f64();
    check!(run, (2.0..15.0).contains(&seconds), "ran {seconds} s");
    check!(
        run,
        results.totals.requests > 0 && results.totals.failed == results.totals.requests
    );
    let [abort, warning] = &results.thresholds[..] else {
        panic!("two outcomes\n{run}");
    };
    check!(run, abort.aborted_run && !abort.passed, "{abort:?}");
    check!(run, !warning.passed && !warning.fails_run(), "{warning:?}");
    check!(
        run,
        run.stdout.contains("stopped early"),
        "summary says why"
    );
}

/// A gate on a request that never happens has nothing to judge while the
/// run goes: it must not abort the run at its first tick (it used to, at
/// once), but it still fails at the end with `no samples`.
#[tokio::test(flavor = "multi_thread")]
async fn abort_on_fail_waits_for_samples_and_no_samples_still_fails_at_the_end() {
    let target = target().await;
    let _turn = exclusive().await;
    let dir = tempfile::tempdir().unwrap();
    let plan = dir.path().join("plan.toml");
    std::fs::write(
        &plan,
        format!(
            r#"module = {GUEST_GET:?}

[params]
url = "{}/health"
name = "health"

[scenario]
vus = 1
duration = "3s"
think_time = "100ms"

[thresholds]
"http_req_duration{{name:never}}" = [
  {{ threshold = "p(95) < 1000ms", abort_on_fail = true }},
]
"#,
            target.base_url()
        ),
    )
    .unwrap();
    let run = throng(["run".as_ref(), plan.as_os_str()]).await;
    check!(run, run.code == 1, "a failed threshold, not an abort (3)");
    let results = run.results();
    let seconds = results.meta.duration.as_secs_f64();
    check!(run, seconds >= 2.9, "ran its 3 s, not {seconds} s");
    check!(
        run,
        results.totals.requests > 10 && results.totals.failed == 0
    );
    let [outcome] = &results.thresholds[..] else {
        panic!("one outcome\n{run}");
    };
    check!(run, !outcome.passed && !outcome.aborted_run, "{outcome:?}");
    check!(
        run,
        outcome
            .note
            .as_deref()
            .is_some_and(|n| n.contains("no samples")),
        "{outcome:?}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_bad_threshold_in_a_plan_names_its_line_before_anything_runs() {
    let dir = tempfile::tempdir().unwrap();
    let plan = dir.path().join("plan.toml");
    let table = [
        (
            r#"http_req_failed = ["rate < 1%", "rate < 5 %%"]"#,
            "plan.toml:8:33: thresholds.http_req_failed[1]: invalid threshold `rate < 5 %%` on `http_req_failed`: `5 %%` is not a rate; write a percentage",
        ),
        (
            r#"http_req_failed = [{ threshold = "rate < 1%", abort_on_fial = true }]"#,
            "plan.toml:8:20: thresholds.http_req_failed[0]: unknown key `abort_on_fial` (did you mean `abort_on_fail`?)",
        ),
        (
            r#"http_req_duration = ["p(95) < 2x baseline.p50"]"#,
            "the plan has no scenario `baseline`",
        ),
        (
            r#"http_req_duration = ["p(95) < previous.p(95) + 20%"]"#,
            "`previous` needs a stored result: set `previous = \"last-good.json\"` in the plan or pass --previous FILE",
        ),
    ];
    for (thresholds, message) in table {
        std::fs::write(
            &plan,
            format!(
                "module = {GUEST_GET:?}\n\n[scenario]\nvus = 1\niterations = 1\n\n[thresholds]\n{thresholds}\n"
            ),
        )
        .unwrap();
        let run = throng(["run".as_ref(), plan.as_os_str()]).await;
        check!(run, run.code == 2, "{thresholds}");
        check!(run, run.stderr.contains(message), "expected {message:?}");
        check!(run, run.results.is_none(), "nothing ran");
    }
}
