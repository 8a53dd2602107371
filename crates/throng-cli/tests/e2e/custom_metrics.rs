//! Custom metrics and transactions from a real guest, with numbers known
//! in advance.

use throng_metrics::{CustomValue, DurationStats};
use throng_test_guests::GUEST_CUSTOM_METRICS;

use crate::check;
use crate::harness::{exclusive, target, throng};

/// Issue 4: a guest's counters, gauge, rate, trend and transaction land in
/// the results exactly, its invalid calls change nothing and warn once per
/// name, and the summary shows both sections.
#[tokio::test(flavor = "multi_thread")]
async fn custom_metrics_and_transactions_are_recorded_exactly() {
    let target = target().await;
    let _turn = exclusive().await;
    let url = format!("url={}/delay/20", target.base_url());
    // 4 VUs × 25 iterations each: iteration numbers 0..25 on every VU.
    let run = throng([
        "run",
        GUEST_CUSTOM_METRICS,
        "--vus",
        "4",
        "--iterations",
        "25",
        "-p",
        &url,
    ])
    .await;
    check!(run, run.code == 0);
    let r = run.results();
    check!(run, r.totals.iterations.completed == 100);
    check!(run, r.endpoint("call").map(|e| e.requests) == Some(200));

    let value = |name: &str| {
        r.custom_metric(name)
            .unwrap_or_else(|| panic!("no custom metric {name}\n{run}"))
            .value
            .clone()
    };
    let count = |name: &str| match value(name) {
        CustomValue::Counter { count, .. } => count,
        other => panic!("{name} is not a counter: {other:?}\n{run}"),
    };
    // The refused `writes += -1` and `writes` as a gauge changed nothing.
    check!(run, count("writes") == 100.0, "writes {}", count("writes"));
    check!(run, count("bytes_written") == 1_000.0);
    // VU v's iteration i is a hit when v + i is even: 12 or 13 of each
    // VU's 25, 50 of 100 in all.
    check!(
        run,
        value("cache_hit")
            == CustomValue::Rate {
                passes: 50,
                fails: 50,
                rate: 0.5
            }
    );
    let CustomValue::Gauge {
        value: last,
        min,
        max,
    } = value("queue_depth")
    else {
        panic!("queue_depth is not a gauge\n{run}");
    };
    check!(run, (min, max) == (0.0, 24.0), "min {min}, max {max}");
    check!(run, (0.0..=24.0).contains(&last), "last {last}");
    // Per VU, i % 3 over 0..25 is 0 nine times and 1 and 2 eight times:
    // 36 tens, 32 twenties, 32 thirties.
    let CustomValue::Trend(think) = value("think_ms") else {
        panic!("think_ms is not a trend\n{run}");
    };
    let near = |actual: f64, expected: f64| (expected..=expected * 1.001).contains(&actual);
    check!(run, think.count == 100 && think.min == 10.0, "{think:?}");
    check!(
        run,
        near(think.p50, 20.0) && near(think.p90, 30.0),
        "{think:?}"
    );
    check!(run, near(think.max, 30.0), "{think:?}");
    check!(run, (19.6..=19.7).contains(&think.avg), "{think:?}");
    let histogram = r.histogram("think_ms").expect("trend histogram");
    check!(run, histogram.len() == 100);
    // Only the valid names were recorded.
    let names: Vec<&str> = r.custom.iter().map(|m| m.name.as_str()).collect();
    check!(
        run,
        names
            == [
                "bytes_written",
                "cache_hit",
                "queue_depth",
                "think_ms",
                "writes"
            ],
        "{names:?}"
    );

    // Two requests of 20 ms each, timed as one step.
    let two_calls = r.transaction("two_calls").expect("transaction two_calls");
    check!(run, two_calls.count == 100 && two_calls.failed == 0);
    check!(run, two_calls.interrupted == 0);
    let DurationStats { p50, min, .. } = two_calls.stats;
    check!(run, (40.0..=50.0).contains(&p50), "two_calls p50 {p50}");
    check!(run, min >= 40.0, "two_calls min {min}");
    check!(run, r.transaction("never_started").is_none());
    check!(
        run,
        r.histogram("transaction_duration{name:two_calls}")
            .is_some_and(|h| h.len() == 100)
    );

    // Each refused name warns once, whatever the VU and the iteration.
    for warning in [
        "counter `writes` cannot take -1",
        "`http_req_duration` is a built-in metric",
        "`bad-name` is not a metric name",
        "`never_started` is not open",
    ] {
        let seen = run.stderr.matches(warning).count();
        check!(run, seen == 1, "{warning:?} warned {seen} times");
    }
    // `writes` already warned: its kind conflict is not reported again.
    check!(run, !run.stderr.contains("cannot be used as a gauge"));

    for section in ["Custom metrics", "Transactions", "two_calls", "cache_hit"] {
        check!(
            run,
            run.stdout.contains(section),
            "stdout lacks {section:?}"
        );
    }
    check!(run, run.stdout.contains("50.00 % (50 of 100)"));
}
