//! The example journeys and the components bundled in the binary.

use throng_test_guests::{JOURNEY_CLINICIAN, JOURNEY_HELLO, THRONG_QUICK_GET};

use crate::check;
use crate::harness::{exclusive, target, throng};

#[tokio::test(flavor = "multi_thread")]
async fn the_hello_journey_checks_health() {
    let target = target().await;
    let _turn = exclusive().await;
    let base = format!("base_url={}", target.base_url());
    let run = throng([
        "run",
        JOURNEY_HELLO,
        "--vus",
        "3",
        "--iterations",
        "7",
        "-p",
        &base,
    ])
    .await;
    check!(run, run.code == 0);
    let r = run.results();
    check!(run, r.endpoint("health").is_some_and(|e| e.requests == 21));
    check!(
        run,
        r.checks
            .get("health is 200")
            .is_some_and(|c| (c.passed, c.failed) == (21, 0))
    );
}

/// `hello-js` or `hello-py`, which prepare their one request in `on_start`
/// and send it by handle, ignoring response headers: 4 VUs × 250
/// iterations are exactly 1,000 requests, the server saw as many, each
/// response came back with its status and body and without headers, and
/// the preparing itself sent nothing.
pub(crate) async fn a_prepared_hello_counts_exactly(journey: &std::ffi::OsStr) {
    let target = target().await;
    let _turn = exclusive().await;
    let base = format!("base_url={}", target.base_url());
    let run = throng([
        "run".as_ref(),
        journey,
        "--vus".as_ref(),
        "4".as_ref(),
        "--iterations".as_ref(),
        "250".as_ref(),
        "-p".as_ref(),
        base.as_ref(),
    ])
    .await;
    check!(run, run.code == 0);
    let r = run.results();
    check!(
        run,
        r.totals.requests == 1_000 && r.totals.failed == 0,
        "requests {} failed {}",
        r.totals.requests,
        r.totals.failed
    );
    check!(
        run,
        r.endpoint("health").is_some_and(|e| e.requests == 1_000)
    );
    check!(run, r.totals.iterations.completed == 1_000);
    for name in ["health is 200", "health says ok", "no headers copied"] {
        check!(
            run,
            r.checks
                .get(name)
                .is_some_and(|c| (c.passed, c.failed) == (1_000, 0)),
            "check {name}"
        );
    }
    let stats = target.stats();
    check!(
        run,
        stats.requests == 1_000,
        "server saw {}",
        stats.requests
    );
    check!(run, stats.by_route.get("GET /health") == Some(&1_000));
}

#[tokio::test(flavor = "multi_thread")]
async fn the_clinician_logs_in_once_per_vu_then_runs_weighted_tasks() {
    let target = target().await;
    let _turn = exclusive().await;
    let base = format!("base_url={}", target.base_url());
    let run = throng([
        "run",
        JOURNEY_CLINICIAN,
        "--vus",
        "4",
        "--iterations",
        "25",
        "-p",
        &base,
        "-p",
        "think_min_s=0",
        "-p",
        "think_max_s=0",
    ])
    .await;
    check!(run, run.code == 0);
    let r = run.results();
    let count = |name: &str| r.endpoint(name).map_or(0, |e| e.requests);
    check!(run, count("login") == 4, "one login per VU");
    // Tasks `ask` (weight 4) and `health` (weight 1) share the 100 iterations.
    check!(run, count("query") + count("health") == 100);
    check!(
        run,
        count("query") > count("health"),
        "ask outweighs health"
    );
    check!(
        run,
        r.checks.failed == 0
            && r.checks
                .get("query ok")
                .is_some_and(|c| c.passed == count("query"))
    );
    // Login and query went through the server's token check.
    check!(run, !target.stats().by_status.contains_key(&401));
}

#[tokio::test(flavor = "multi_thread")]
async fn the_clinician_counts_a_failed_login() {
    let target = target().await;
    let _turn = exclusive().await;
    let base = format!("base_url={}", target.base_url());
    let run = throng([
        "run",
        JOURNEY_CLINICIAN,
        "--vus",
        "2",
        "--iterations",
        "3",
        "-p",
        &base,
        "-p",
        "password=wrong",
    ])
    .await;
    // Every VU failed on_start: nothing could run, the run aborts.
    check!(run, run.code == 3);
    check!(
        run,
        run.stderr.contains("every VU failed to start") && run.stderr.contains("401")
    );
    let r = run.results();
    check!(
        run,
        r.totals.vu_start_failures == 2 && r.totals.iterations.total == 0
    );
    check!(
        run,
        r.checks
            .get("login ok")
            .is_some_and(|c| (c.passed, c.failed) == (0, 2))
    );
}

/// The components inside the binary are what their sources build today
/// (guest builds are reproducible); `cargo xtask guests` refreshes them.
#[test]
fn bundled_components_match_their_sources() {
    let assets = concat!(env!("CARGO_MANIFEST_DIR"), "/assets");
    for (built, bundled) in [
        (THRONG_QUICK_GET, "quick-get.wasm"),
        (JOURNEY_CLINICIAN, "clinician.wasm"),
    ] {
        let fresh = std::fs::read(built).unwrap();
        let shipped = std::fs::read(format!("{assets}/{bundled}")).unwrap();
        assert!(
            fresh == shipped,
            "assets/{bundled} is stale: run `cargo xtask guests`"
        );
    }
}
