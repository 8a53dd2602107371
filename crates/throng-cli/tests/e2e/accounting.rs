//! Checks and failures are counted exactly and classified.

use throng_metrics::ErrorClass;
use throng_test_guests::{GUEST_CHECKS, GUEST_GET};

use crate::check;
use crate::harness::{Throng, closed_port, exclusive, target, throng};

/// The passed and failed counts of the check `name` in `run`'s results.
fn check_counts(run: &Throng, name: &str) -> (u64, u64) {
    let c = run
        .results()
        .checks
        .get(name)
        .unwrap_or_else(|| panic!("check {name}\n{run}"));
    (c.passed, c.failed)
}

#[tokio::test(flavor = "multi_thread")]
async fn checks_are_counted_exactly() {
    let target = target().await;
    let _turn = exclusive().await;
    let url = format!("url={}/status/500", target.base_url());
    let run = throng([
        "run",
        GUEST_CHECKS,
        "--vus",
        "4",
        "--iterations",
        "25",
        "-p",
        &url,
    ])
    .await;
    let r = run.results();
    let count = |name: &str| check_counts(&run, name);
    check!(run, count("always") == (100, 0));
    check!(run, count("never") == (0, 100));
    // Iterations 0..25 on each VU: 13 even, 12 odd.
    check!(run, count("even iteration") == (52, 48));
    check!(run, count("status is 200") == (0, 100));
    check!(run, count("headers arrived") == (100, 0));
    check!(run, r.checks.passed == 252 && r.checks.failed == 248);
    // 500s are failed requests of class 5xx; the iterations themselves
    // completed (a bad status is not a transport error).
    check!(run, r.totals.requests == 100 && r.totals.failed == 100);
    check!(
        run,
        r.totals.errors_by_class.get(&ErrorClass::Status5xx) == Some(&100)
    );
    check!(run, r.totals.iterations.completed == 100);
    check!(run, run.code == 0, "no thresholds: exit 0");
}

/// `send-ignoring-headers` (the SDK's `ignore_response_headers`) hands the
/// guest no headers and changes nothing else.
#[tokio::test(flavor = "multi_thread")]
async fn ignored_response_headers_do_not_reach_the_guest() {
    let target = target().await;
    let _turn = exclusive().await;
    let url = format!("url={}/status/200", target.base_url());
    let run = throng([
        "run",
        GUEST_CHECKS,
        "--vus",
        "2",
        "--iterations",
        "10",
        "-p",
        &url,
        "-p",
        "ignore_headers=true",
    ])
    .await;
    let r = run.results();
    let count = |name: &str| check_counts(&run, name);
    check!(run, count("headers arrived") == (0, 20));
    check!(run, count("status is 200") == (20, 0));
    check!(run, r.totals.requests == 20 && r.totals.failed == 0);
    check!(run, r.totals.bytes_received > 0);
    check!(run, run.code == 0);
}

#[tokio::test(flavor = "multi_thread")]
async fn statuses_split_into_4xx_and_5xx() {
    let target = target().await;
    let _turn = exclusive().await;
    for (status, class) in [(404, ErrorClass::Status4xx), (503, ErrorClass::Status5xx)] {
        let url = format!("url={}/status/{status}", target.base_url());
        let run = throng([
            "run",
            GUEST_GET,
            "--vus",
            "2",
            "--iterations",
            "10",
            "-p",
            &url,
        ])
        .await;
        let r = run.results();
        check!(run, r.totals.failed == 20);
        check!(
            run,
            r.totals.errors_by_class.get(&class) == Some(&20),
            "{status}"
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn refused_connections_are_connect_failures() {
    let _turn = exclusive().await;
    let url = format!("url=http://127.0.0.1:{}/", closed_port());
    let run = throng([
        "run",
        GUEST_GET,
        "--vus",
        "3",
        "--iterations",
        "4",
        "-p",
        &url,
    ])
    .await;
    let r = run.results();
    check!(run, r.totals.requests == 12 && r.totals.failed == 12);
    check!(
        run,
        r.totals.errors_by_class.get(&ErrorClass::Connect) == Some(&12)
    );
    // The guest turns the transport error into a failed iteration.
    let it = &r.totals.iterations;
    check!(run, (it.completed, it.failed, it.interrupted) == (0, 12, 0));
    check!(
        run,
        run.stdout.contains("connect"),
        "the summary names the class"
    );
}

/// A prepared request that cannot be sent fails, and is counted, every
/// time it is sent, as the same request sent anew would be: refused
/// connections as `connect`, a URL throng cannot send to as
/// `invalid-request`, and both name the request's endpoint.
#[tokio::test(flavor = "multi_thread")]
async fn a_prepared_request_fails_and_counts_each_time() {
    let _turn = exclusive().await;
    let refused = format!("url=http://127.0.0.1:{}/", closed_port());
    for (url, class) in [
        (refused.as_str(), ErrorClass::Connect),
        ("url=ftp://127.0.0.1/file", ErrorClass::InvalidRequest),
    ] {
        let run = throng([
            "run",
            GUEST_GET,
            "--vus",
            "3",
            "--iterations",
            "4",
            "-p",
            url,
            "-p",
            "prepared=true",
        ])
        .await;
        let r = run.results();
        check!(
            run,
            r.totals.requests == 12 && r.totals.failed == 12,
            "{url}"
        );
        check!(
            run,
            r.totals.errors_by_class.get(&class) == Some(&12),
            "{url}"
        );
        let get = r.endpoint("get").expect("endpoint `get`");
        check!(run, get.requests == 12 && get.failed == 12, "{url}");
        let it = &r.totals.iterations;
        check!(run, (it.completed, it.failed, it.interrupted) == (0, 12, 0));
    }
}
