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

/// Thresholds on the guest's own metrics, its transaction, and requests
/// filtered by status, method, task and the guest's own tag: each judged on
/// the numbers the guest is known to produce, one of them failing.
#[tokio::test(flavor = "multi_thread")]
async fn thresholds_judge_custom_metrics_transactions_and_tagged_requests() {
    let target = target().await;
    let _turn = exclusive().await;
    let url = format!("url={}/delay/20", target.base_url());
    // (threshold, observed, passed)
    let table: &[(&str, f64, bool)] = &[
        ("writes: count == 100", 100.0, true),
        ("bytes_written: count >= 1000", 1_000.0, true),
        ("cache_hit: rate == 50%", 50.0, true),
        ("queue_depth: max == 24", 24.0, true),
        ("think_ms: med < 21", 20.015, true),
        (
            "transaction_duration{name:two_calls}: p(50) >= 40ms",
            f64::NAN,
            true,
        ),
        ("http_reqs{step:second}: count == 100", 100.0, true),
        (
            "http_reqs{task:default,method:GET,status:200}: count == 200",
            200.0,
            true,
        ),
        ("http_reqs{status:5xx}: count == 0", 0.0, true),
        (
            "http_req_duration{status:2xx,step:second}: p(50) >= 20ms",
            f64::NAN,
            true,
        ),
        ("dropped_iterations: count == 0", 0.0, true),
        ("vus: max == 4", 4.0, true),
        ("writes: count > 100", 100.0, false),
    ];
    let mut args: Vec<String> = [
        "run",
        GUEST_CUSTOM_METRICS,
        "--vus",
        "4",
        "--iterations",
        "25",
        "-p",
        &url,
    ]
    .map(str::to_owned)
    .to_vec();
    for (threshold, ..) in table {
        args.extend(["--threshold".to_owned(), (*threshold).to_owned()]);
    }
    let run = throng(args).await;
    check!(run, run.code == 1, "one threshold fails");
    let outcomes = &run.results().thresholds;
    check!(run, outcomes.len() == table.len());
    for (outcome, &(threshold, observed, passed)) in outcomes.iter().zip(table) {
        check!(run, outcome.passed == passed, "{threshold}: {outcome:?}");
        let value = outcome.observed.unwrap_or(f64::NAN);
        check!(
            run,
            observed.is_nan() || (value - observed).abs() < 1e-6,
            "{threshold}: {outcome:?}"
        );
    }
    // Only the requests a filter names were counted apart.
    let keys: Vec<&str> = run
        .results()
        .submetrics
        .iter()
        .map(|s| s.name.as_str())
        .collect();
    check!(
        run,
        keys == [
            "status:2xx,step:second",
            "status:5xx",
            "step:second",
            "task:default,method:GET,status:200"
        ],
        "{keys:?}"
    );
}
