//! Custom metrics (counters, gauges, rates, trends) and transactions, with
//! numbers known in advance.

use std::sync::Arc;
use std::time::Duration;

use throng_metrics::{
    CustomValue, DurationStats, MetricError, MetricKind, Metrics, RunResults,
    transaction_histogram_key,
};

use crate::{assert_near, meta};

/// The figures of the custom metric `name`, which must exist.
#[track_caller]
fn value(results: &RunResults, name: &str) -> CustomValue {
    results
        .custom_metric(name)
        .unwrap_or_else(|| panic!("no custom metric {name}"))
        .value
        .clone()
}

#[track_caller]
fn trend(results: &RunResults, name: &str) -> DurationStats {
    match value(results, name) {
        CustomValue::Trend(stats) => stats,
        other => panic!("{name} is not a trend: {other:?}"),
    }
}

/// Asserts that a figure read from a histogram is `expected` to its
/// precision: 3 significant digits, the highest value equivalent to the
/// sample, so from `expected` to 0.1% above it.
#[track_caller]
fn assert_hdr(actual: f64, expected: f64) {
    assert!(
        actual >= expected && actual <= expected * 1.001,
        "{actual} is not {expected} to 3 significant digits"
    );
}

#[test]
fn counters_sum_and_rate_per_second() {
    let metrics = Metrics::new();
    for _ in 0..100 {
        metrics.add_counter("writes", 1.0).unwrap();
        metrics.add_counter("bytes_written", 10.5).unwrap();
    }
    metrics.add_counter("writes", 0.0).unwrap();
    let results = metrics.results(meta(10));
    assert_eq!(
        value(&results, "writes"),
        CustomValue::Counter {
            count: 100.0,
            rate: 10.0
        }
    );
    assert_eq!(
        value(&results, "bytes_written"),
        CustomValue::Counter {
            count: 1050.0,
            rate: 105.0
        }
    );
    assert_eq!(
        results.custom_metric("writes").map(|m| m.kind()),
        Some(MetricKind::Counter)
    );
}

#[test]
fn gauges_keep_the_last_value_and_the_extremes() {
    let metrics = Metrics::new();
    for v in [5.0, -3.5, 7.0, 2.0] {
        metrics.set_gauge("queue_depth", v).unwrap();
    }
    assert_eq!(
        value(&metrics.results(meta(1)), "queue_depth"),
        CustomValue::Gauge {
            value: 2.0,
            min: -3.5,
            max: 7.0
        }
    );
}

#[test]
fn rates_are_the_share_of_hits() {
    let metrics = Metrics::new();
    for hit in [true, true, true, false] {
        metrics.add_rate("cache_hit", hit).unwrap();
    }
    assert_eq!(
        value(&metrics.results(meta(1)), "cache_hit"),
        CustomValue::Rate {
            passes: 3,
            fails: 1,
            rate: 0.75
        }
    );
}

#[test]
fn trends_are_distributions_in_the_guests_unit() {
    let metrics = Metrics::new();
    // 100 each of 10, 20 and 30.
    for i in 0..300 {
        metrics
            .add_trend("think_ms", [10.0, 20.0, 30.0][i % 3])
            .unwrap();
    }
    // A unitless trend keeps thousandths.
    metrics.add_trend("ratio", 0.25).unwrap();
    metrics.add_trend("ratio", 0.0014).unwrap();
    let results = metrics.results(meta(1));

    let stats = trend(&results, "think_ms");
    assert_eq!(stats.count, 300);
    assert_eq!(stats.min, 10.0);
    assert_hdr(stats.p50, 20.0);
    for high in [stats.p90, stats.p99, stats.max] {
        assert_hdr(high, 30.0);
    }
    assert_near(stats.avg, 20.0, 0.02);
    let histogram = results
        .histogram("think_ms")
        .expect("stored under its name");
    assert_eq!(histogram.len(), 300);
    assert_eq!(histogram.lowest_equivalent(histogram.max()), 30_000);

    let ratio = trend(&results, "ratio");
    assert_eq!(ratio.min, 0.001);
    assert_hdr(ratio.max, 0.25);
}

#[test]
fn bad_calls_are_refused_and_record_nothing() {
    let metrics = Metrics::new();
    metrics.add_counter("writes", 1.0).unwrap();
    let long = "a".repeat(129);
    for name in ["", "1st", "with-dash", "with space", "é", long.as_str()] {
        assert!(
            matches!(
                metrics.add_counter(name, 1.0),
                Err(MetricError::InvalidName { .. })
            ),
            "{name:?}"
        );
    }
    assert!(metrics.add_counter(&"a".repeat(128), 1.0).is_ok());
    for name in [
        "http_req_duration",
        "checks",
        "iterations",
        "transaction_duration",
    ] {
        let error = metrics.add_trend(name, 1.0).unwrap_err();
        assert_eq!(
            error,
            MetricError::BuiltIn {
                name: name.to_owned()
            }
        );
    }
    let error = metrics.set_gauge("writes", 1.0).unwrap_err();
    assert_eq!(
        error.to_string(),
        "`writes` is a counter, so it cannot be used as a gauge"
    );
    assert!(matches!(
        metrics.add_rate("writes", true),
        Err(MetricError::KindConflict { .. })
    ));
    for bad in [-1.0, f64::NAN, f64::INFINITY] {
        assert!(matches!(
            metrics.add_counter("writes", bad),
            Err(MetricError::InvalidValue { .. })
        ));
        assert!(metrics.add_trend("lat", bad).is_err());
    }
    assert!(metrics.set_gauge("temp", f64::NEG_INFINITY).is_err());
    assert!(
        metrics.set_gauge("temp", -40.0).is_ok(),
        "gauges go negative"
    );
    assert_eq!(
        metrics.add_counter("writes", -1.0).unwrap_err().to_string(),
        "counter `writes` cannot take -1: values must be finite and not negative"
    );

    let results = metrics.results(meta(1));
    let names: Vec<&str> = results.custom.iter().map(|m| m.name.as_str()).collect();
    assert_eq!(names, [&"a".repeat(128), "temp", "writes"]);
    assert_eq!(
        value(&results, "writes"),
        CustomValue::Counter {
            count: 1.0,
            rate: 1.0
        }
    );
}

#[test]
fn transactions_count_fail_and_time_by_name() {
    let metrics = Metrics::new();
    for ms in [40, 42, 44] {
        metrics.record_transaction("checkout", Duration::from_millis(ms), true);
    }
    metrics.record_transaction("checkout", Duration::from_millis(100), false);
    metrics.record_interrupted_transaction("checkout");
    metrics.record_interrupted_transaction("login");
    let results = metrics.results(meta(2));

    let checkout = results.transaction("checkout").expect("checkout");
    assert_eq!(
        (checkout.count, checkout.failed, checkout.interrupted),
        (4, 1, 1)
    );
    assert_eq!(checkout.failure_rate(), 0.25);
    assert_eq!(checkout.per_s, 2.0);
    assert_eq!(checkout.stats.min, 40.0);
    assert_hdr(checkout.stats.max, 100.0);
    assert_hdr(checkout.stats.p50, 42.0);
    let histogram = results
        .histogram(&transaction_histogram_key("checkout"))
        .expect("histogram under transaction_duration{name:checkout}");
    assert_eq!(histogram.len(), 4);

    let login = results.transaction("login").expect("login");
    assert_eq!((login.count, login.interrupted), (0, 1));
    assert_eq!(login.stats, DurationStats::default());
    assert!(results.transaction("nope").is_none());
}

#[test]
fn eight_threads_record_custom_metrics_exactly() {
    let metrics = Arc::new(Metrics::new());
    let threads: Vec<_> = (0..8)
        .map(|thread| {
            let metrics = Arc::clone(&metrics);
            std::thread::spawn(move || {
                for i in 0..10_000u32 {
                    metrics.add_counter("writes", 1.0).unwrap();
                    metrics.add_rate("even", i % 2 == 0).unwrap();
                    metrics.add_trend("size", f64::from(1 + i % 4)).unwrap();
                    metrics.set_gauge("thread", f64::from(thread)).unwrap();
                    metrics.record_transaction("step", Duration::from_millis(5), i % 10 != 0);
                }
            })
        })
        .collect();
    for thread in threads {
        thread.join().expect("recording thread panicked");
    }
    let results = metrics.results(meta(10));
    assert_eq!(
        value(&results, "writes"),
        CustomValue::Counter {
            count: 80_000.0,
            rate: 8_000.0
        }
    );
    assert_eq!(
        value(&results, "even"),
        CustomValue::Rate {
            passes: 40_000,
            fails: 40_000,
            rate: 0.5
        }
    );
    let size = trend(&results, "size");
    assert_eq!(size.count, 80_000);
    assert_eq!(size.min, 1.0);
    assert_hdr(size.max, 4.0);
    assert_hdr(size.avg, 2.5);
    let CustomValue::Gauge { min, max, .. } = value(&results, "thread") else {
        panic!("thread is a gauge");
    };
    assert_eq!((min, max), (0.0, 7.0));
    let step = results.transaction("step").expect("step");
    assert_eq!((step.count, step.failed), (80_000, 8_000));
}

#[test]
fn the_first_kind_wins_across_threads() {
    let metrics = Arc::new(Metrics::new());
    let threads: Vec<_> = (0..8)
        .map(|thread| {
            let metrics = Arc::clone(&metrics);
            std::thread::spawn(move || {
                (0..1_000)
                    .filter(|_| {
                        if thread % 2 == 0 {
                            metrics.add_counter("x", 1.0).is_ok()
                        } else {
                            metrics.set_gauge("x", 1.0).is_ok()
                        }
                    })
                    .count()
            })
        })
        .collect();
    let accepted: Vec<usize> = threads
        .into_iter()
        .map(|t| t.join().expect("recording thread panicked"))
        .collect();
    let results = metrics.results(meta(1));
    let by_counters: usize = accepted.iter().step_by(2).sum();
    let by_gauges: usize = accepted.iter().skip(1).step_by(2).sum();
    match value(&results, "x") {
        CustomValue::Counter { count, .. } => {
            assert_eq!((by_counters, by_gauges), (4_000, 0));
            assert_eq!(count, 4_000.0);
        }
        CustomValue::Gauge { .. } => assert_eq!((by_counters, by_gauges), (0, 4_000)),
        other => panic!("x is {other:?}"),
    }
}

#[test]
fn scenarios_merge_and_the_later_gauge_wins() {
    let first = Metrics::new();
    let second = Metrics::new();
    // Set one after another, with time between them to order them.
    for (metrics, value) in [(&first, 1.0), (&second, 9.0), (&first, 4.0)] {
        metrics.set_gauge("depth", value).unwrap();
        std::thread::sleep(Duration::from_millis(1));
    }
    for (metrics, value) in [(&first, 10.0), (&second, 30.0)] {
        metrics.add_counter("writes", 2.0).unwrap();
        metrics.add_trend("lat", value).unwrap();
        metrics.add_rate("hit", value > 20.0).unwrap();
        metrics.record_transaction("step", Duration::from_millis(value as u64), true);
    }
    // The same name as two kinds: the first scenario's kind is kept.
    first.add_counter("mixed", 1.0).unwrap();
    second.add_rate("mixed", true).unwrap();

    let results = Metrics::merged_results(&[&first, &second], meta(1));
    assert_eq!(
        value(&results, "depth"),
        CustomValue::Gauge {
            value: 4.0,
            min: 1.0,
            max: 9.0
        }
    );
    assert_eq!(
        value(&results, "writes"),
        CustomValue::Counter {
            count: 4.0,
            rate: 4.0
        }
    );
    assert_eq!(
        value(&results, "hit"),
        CustomValue::Rate {
            passes: 1,
            fails: 1,
            rate: 0.5
        }
    );
    let lat = trend(&results, "lat");
    assert_eq!((lat.count, lat.min), (2, 10.0));
    assert_hdr(lat.max, 30.0);
    assert_eq!(results.histogram("lat").map(|h| h.len()), Some(2));
    let step = results.transaction("step").expect("step");
    assert_eq!(step.count, 2);
    assert_hdr(step.stats.max, 30.0);
    assert_eq!(
        value(&results, "mixed"),
        CustomValue::Counter {
            count: 1.0,
            rate: 1.0
        }
    );
}

#[test]
fn the_results_file_carries_custom_metrics_and_transactions() {
    let metrics = Metrics::new();
    metrics.add_counter("writes", 3.0).unwrap();
    metrics.set_gauge("depth", 2.5).unwrap();
    metrics.add_rate("hit", true).unwrap();
    metrics.add_trend("think_ms", 12.5).unwrap();
    metrics.record_transaction("step", Duration::from_millis(40), true);
    let results = metrics.results(meta(1));

    let json = serde_json::to_value(&results).expect("serialisable");
    assert_eq!(
        json["custom"][3],
        serde_json::json!({"name": "writes", "kind": "counter", "count": 3.0, "rate": 3.0})
    );
    assert_eq!(json["custom"][0]["kind"], "gauge");
    assert_eq!(json["custom"][2]["kind"], "trend");
    assert_hdr(json["custom"][2]["p50"].as_f64().expect("a number"), 12.5);
    assert_eq!(json["transactions"][0]["name"], "step");
    assert_eq!(json["transactions"][0]["stats"]["count"], 1);

    let read = RunResults::from_json(json.to_string().as_bytes()).expect("readable");
    assert_eq!(read, results);

    // Files without them (and runs that record none) have none.
    let plain = serde_json::to_value(Metrics::new().results(meta(1))).expect("serialisable");
    assert!(plain.get("custom").is_none() && plain.get("transactions").is_none());
    let read = RunResults::from_json(plain.to_string().as_bytes()).expect("readable");
    assert!(read.custom.is_empty() && read.transactions.is_empty());
}
