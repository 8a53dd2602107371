//! Latencies against a server whose latency is known.

use throng_test_guests::GUEST_GET;

use crate::check;
use crate::harness::{exclusive, target, throng};

/// Issue 2's first acceptance point: 20 VUs × 50 iterations against an
/// endpoint that sleeps 20 ms count exactly 1,000 requests with p50 in
/// 20–25 ms, and the JSON says what the summary says.
#[tokio::test(flavor = "multi_thread")]
async fn twenty_vus_by_fifty_iterations_of_a_20ms_endpoint() {
    let target = target().await;
    let _turn = exclusive().await;
    let url = format!("{}/delay/20", target.base_url());
    let run = throng([
        "run",
        GUEST_GET,
        "--vus",
        "20",
        "--iterations",
        "50",
        "-p",
        &format!("url={url}"),
        "-p",
        "name=delay",
    ])
    .await;
    check!(run, run.code == 0);
    let r = run.results();
    check!(
        run,
        r.totals.requests == 1_000,
        "requests {}",
        r.totals.requests
    );
    check!(run, r.totals.failed == 0);
    check!(run, r.totals.iterations.completed == 1_000);
    let delay = r.endpoint("delay").expect("endpoint `delay`");
    check!(run, delay.requests == 1_000);
    check!(
        run,
        (20.0..=25.0).contains(&delay.stats.p50),
        "p50 {} ms",
        delay.stats.p50
    );
    check!(run, delay.stats.min >= 20.0, "min {} ms", delay.stats.min);
    // The server saw every one of them.
    check!(
        run,
        target.stats().by_route.get("GET /delay/{ms}") == Some(&1_000)
    );
    // The summary shows the same numbers as the JSON.
    let row = run
        .stdout
        .lines()
        .find(|l| l.trim_start().starts_with("delay"))
        .expect("a `delay` row");
    let cells: Vec<&str> = row.split_whitespace().collect();
    check!(run, cells[1] == "1,000" && cells[2] == "0", "row {row:?}");
    check!(
        run,
        row.contains(&format!("{:.1} ms", delay.stats.p50)),
        "row {row:?} lacks p50 {:.1}",
        delay.stats.p50
    );
}

/// The same through a request the host keeps (`RequestBuilder::prepare`):
/// 1,000 requests counted, each seen by the server, p50 in 20–25 ms, on
/// one connection per VU.
#[tokio::test(flavor = "multi_thread")]
async fn a_prepared_request_counts_and_times_as_a_built_one() {
    let target = target().await;
    let _turn = exclusive().await;
    let url = format!("{}/delay/20", target.base_url());
    let run = throng([
        "run",
        GUEST_GET,
        "--vus",
        "20",
        "--iterations",
        "50",
        "-p",
        &format!("url={url}"),
        "-p",
        "name=delay",
        "-p",
        "prepared=true",
    ])
    .await;
    check!(run, run.code == 0);
    let r = run.results();
    check!(run, r.totals.requests == 1_000 && r.totals.failed == 0);
    check!(run, r.totals.iterations.completed == 1_000);
    let delay = r.endpoint("delay").expect("endpoint `delay`");
    check!(run, delay.requests == 1_000);
    check!(
        run,
        (20.0..=25.0).contains(&delay.stats.p50),
        "p50 {} ms",
        delay.stats.p50
    );
    check!(
        run,
        target.stats().by_route.get("GET /delay/{ms}") == Some(&1_000)
    );
}

/// Issue 4's acceptance: an endpoint whose latency is uniform over 10–30 ms
/// (drawn to the microsecond, slept to within tens of microseconds), 5,000
/// requests: p50 is 20 ms and p95 29 ms, each within 1 ms.
#[tokio::test(flavor = "multi_thread")]
async fn uniform_10_to_30ms_over_5000_requests_has_known_percentiles() {
    let target = target().await;
    let _turn = exclusive().await;
    let url = format!("url={}/uniform/10/30", target.base_url());
    let run = throng([
        "run",
        GUEST_GET,
        "--vus",
        "25",
        "--iterations",
        "200",
        "-p",
        &url,
        "-p",
        "name=uniform",
    ])
    .await;
    check!(run, run.code == 0);
    let r = run.results();
    let uniform = r.endpoint("uniform").expect("endpoint `uniform`");
    check!(run, uniform.requests == 5_000 && uniform.failed == 0);
    let stats = uniform.stats;
    check!(run, (stats.p50 - 20.0).abs() <= 1.0, "p50 {} ms", stats.p50);
    check!(run, (stats.p95 - 29.0).abs() <= 1.0, "p95 {} ms", stats.p95);
    // Nothing answers before its delay; the top can stretch on a busy
    // machine, so it is not asserted.
    check!(run, stats.min >= 10.0, "{stats:?}");
    // The serialised histogram says the same as the statistics.
    let histogram = r
        .histogram("http_req_duration{name:uniform}")
        .expect("the endpoint's histogram");
    check!(run, histogram.len() == 5_000);
    let p95 = histogram.value_at_quantile(0.95) as f64 / 1000.0;
    check!(
        run,
        (p95 - stats.p95).abs() < 0.001,
        "{p95} vs {}",
        stats.p95
    );
}
