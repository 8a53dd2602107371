//! k6-style thresholds: tables of good and bad expressions.

use std::time::Duration;

use throng_metrics::threshold::{self, Threshold, ThresholdErrorKind};
use throng_metrics::{IterationOutcome, Metrics, RequestSample, RunResults};

use crate::{meta, request};

/// A 10 s run: `login` 10 × 100 ms; `query` 80 × 20 ms and 10 × 250 ms of
/// which 5 got a 503; 1000 B received per request; checks `status is 200`
/// 95 ✓ 5 ✗ and `has body` 100 ✓; 10 iterations completed, 2 failed.
fn results() -> RunResults {
    let metrics = Metrics::new();
    for _ in 0..10 {
        metrics.record_request(&request("login", 100_000));
    }
    for _ in 0..80 {
        metrics.record_request(&request("query", 20_000));
    }
    for i in 0..10 {
        let status = if i < 5 { 503 } else { 200 };
        metrics.record_request(&RequestSample {
            status: Some(status),
            ..request("query", 250_000)
        });
    }
    for i in 0..100 {
        metrics.record_check("status is 200", i >= 5);
        metrics.record_check("has body", true);
    }
    for _ in 0..10 {
        metrics.record_iteration(Duration::from_secs(1), IterationOutcome::Completed, None);
    }
    for _ in 0..2 {
        metrics.record_iteration(Duration::from_secs(3), IterationOutcome::Failed, None);
    }
    metrics.record_iteration(Duration::from_secs(9), IterationOutcome::Interrupted, None);
    metrics.results(meta(10))
}

#[test]
fn good_expressions() {
    // (metric, expression, observed, unit, passed)
    let table: &[(&str, &str, f64, &str, bool)] = &[
        ("http_req_duration", "p(95) < 200ms", 250.111, "ms", false),
        ("http_req_duration", "p(95)<=0.3s", 250.111, "ms", true),
        ("http_req_duration", "p(80) < 20.1", 20.015, "ms", true),
        (
            "http_req_duration",
            "p(99.9) < 300000us",
            250.111,
            "ms",
            true,
        ),
        ("http_req_duration", "med == 20.015", 20.015, "ms", true),
        ("http_req_duration", "min > 19ms", 20.0, "ms", true),
        ("http_req_duration", "max < 250ms", 250.111, "ms", false),
        ("http_req_duration", "avg < 50ms", 51.011, "ms", false),
        (
            "http_req_duration{name:login}",
            "avg == 100ms",
            100.0,
            "ms",
            true,
        ),
        (
            "http_req_duration{ name : query }",
            "p(50) != 20ms",
            20.015,
            "ms",
            true,
        ),
        ("http_req_duration", "p(0) >= 19999.9µs", 20.0, "ms", true),
        ("http_req_waiting", "p(95) < 1ms", 0.0, "ms", true),
        ("iteration_duration", "p(90) < 2s", 3000.319, "ms", false),
        ("http_req_failed", "rate < 1%", 5.0, "%", false),
        ("http_req_failed", "rate <= 0.05", 5.0, "%", true),
        ("http_req_failed{name:login}", "rate == 0", 0.0, "%", true),
        (
            "http_req_failed{name:query}",
            "rate < 5.5%",
            100.0 * 5.0 / 90.0,
            "%",
            false,
        ),
        ("checks", "rate > 0.9", 97.5, "%", true),
        (
            "checks{check:status is 200}",
            "rate >= 99%",
            95.0,
            "%",
            false,
        ),
        ("http_reqs", "count == 100", 100.0, "", true),
        ("http_reqs", "rate > 5", 10.0, "/s", true),
        ("http_reqs{name:query}", "count > 100", 90.0, "", false),
        ("http_reqs{name:query}", "rate >= 9/s", 9.0, "/s", true),
        ("iterations", "count == 13", 13.0, "", true),
        ("iterations", "rate < 1", 1.3, "/s", false),
        ("data_received", "count < 1MB", 100_000.0, "B", true),
        ("data_received", "rate > 5kB/s", 10_000.0, "B/s", true),
        ("data_received", "rate > 0.5 MB/s", 10_000.0, "B/s", false),
        ("data_sent", "count >= 10kB", 10_000.0, "B", true),
    ];
    let results = results();
    let mut failures = Vec::new();
    for &(metric, expression, observed, unit, passed) in table {
        let threshold = Threshold::parse(metric, expression)
            .unwrap_or_else(|error| panic!("{metric}: {expression}: {error}"));
        let outcome = threshold.evaluate(&results);
        let got = outcome.observed.unwrap_or(f64::NAN);
        if (got - observed).abs() > 1e-9 || outcome.unit != unit || outcome.passed != passed {
            failures.push(format!(
                "{metric}: {expression}: observed {got} {} passed {} (expected {observed} {unit} {passed})",
                outcome.unit, outcome.passed
            ));
        }
    }
    assert!(failures.is_empty(), "\n{}", failures.join("\n"));
}

#[test]
fn nothing_to_judge_fails() {
    // (metric, expression, note)
    let table = [
        (
            "http_req_duration{name:qurey}",
            "p(95) < 1s",
            "no samples: no request named `qurey`; did you mean `query`?",
        ),
        (
            "http_req_failed{name:logout}",
            "rate < 1%",
            "no samples: no request named `logout`",
        ),
        (
            "checks{check:has bodies}",
            "rate > 0",
            "no samples: no check named `has bodies`; did you mean `has body`?",
        ),
        ("http_req_connecting", "p(95) < 1s", ""),
    ];
    let results = results();
    for (metric, expression, note) in table {
        let outcome = Threshold::parse(metric, expression)
            .unwrap()
            .evaluate(&results);
        if note.is_empty() {
            // Phases were all zero, but recorded: a real observation.
            assert!(outcome.passed, "{outcome:?}");
            continue;
        }
        assert!(!outcome.passed, "{metric}: {expression}");
        assert_eq!(outcome.observed, None);
        assert_eq!(outcome.note.as_deref(), Some(note));
    }

    let empty = Metrics::new().results(meta(1));
    for (metric, expression) in [
        ("http_req_duration", "p(95) < 1s"),
        ("http_req_failed", "rate < 1%"),
        ("checks", "rate > 0.99"),
        ("iteration_duration", "avg < 1s"),
    ] {
        let outcome = Threshold::parse(metric, expression)
            .unwrap()
            .evaluate(&empty);
        assert!(!outcome.passed);
        assert_eq!(outcome.note.as_deref(), Some("no samples"), "{metric}");
    }
    // A count of nothing is zero, and judged.
    let outcome = Threshold::parse("http_reqs", "count == 0")
        .unwrap()
        .evaluate(&empty);
    assert!(outcome.passed);
    let outcome = Threshold::parse("http_reqs{name:x}", "count > 0")
        .unwrap()
        .evaluate(&results);
    assert_eq!((outcome.observed, outcome.passed), (Some(0.0), false));
    assert!(outcome.note.is_some());
}

#[test]
fn bad_expressions() {
    // (metric, expression, the error after "invalid threshold `…` on `…`: ")
    let table = [
        (
            "http_req_durations",
            "p(95) < 200ms",
            "unknown metric `http_req_durations`; did you mean `http_req_duration`?",
        ),
        (
            "http_req_connect",
            "p(95) < 200ms",
            "unknown metric `http_req_connect`; did you mean `http_req_connecting`?",
        ),
        (
            "http_req_duration",
            "p(95) 200ms",
            "no comparison operator; write e.g. `p(95) < 200ms` (operators: < <= > >= == !=)",
        ),
        (
            "http_req_duration",
            "p(95) = 200ms",
            "`=` is not an operator; use `==` to compare for equality",
        ),
        (
            "http_req_duration",
            "p(95) => 200ms",
            "`=>` is not an operator; use `>=`",
        ),
        (
            "http_req_duration",
            "p(95) ! 200ms",
            "`!` is not an operator; use one of < <= > >= == !=",
        ),
        (
            "http_req_duration",
            "< 200ms",
            "no aggregation before the operator; `http_req_duration` takes avg, min, max, med, p(N)",
        ),
        (
            "http_req_duration",
            "p95 < 200ms",
            "`http_req_duration` has no aggregation `p95`; it takes avg, min, max, med, p(N) (write percentiles as p(95))",
        ),
        (
            "http_req_duration",
            "rate < 1%",
            "`http_req_duration` has no aggregation `rate`; it takes avg, min, max, med, p(N)",
        ),
        (
            "http_req_failed",
            "p(95) < 1%",
            "`http_req_failed` has no aggregation `p(95)`; it takes rate",
        ),
        (
            "checks",
            "count > 1",
            "`checks` has no aggregation `count`; it takes rate",
        ),
        (
            "data_received",
            "avg > 1",
            "`data_received` has no aggregation `avg`; it takes count, rate",
        ),
        (
            "http_req_duration",
            "p(101) < 1s",
            "`p(101)` is not a percentile; write p(N) with N from 0 to 100, e.g. p(95) or p(99.9)",
        ),
        (
            "http_req_duration",
            "p(x) < 1s",
            "`p(x)` is not a percentile; write p(N) with N from 0 to 100, e.g. p(95) or p(99.9)",
        ),
        (
            "http_req_duration",
            "p(95) <",
            "no value after the operator; expected a duration; write e.g. `200ms`, `1.5s` or `500us` (a bare number is milliseconds)",
        ),
        (
            "http_req_duration",
            "p(95) < 200mss",
            "`200mss` is not a duration; write e.g. `200ms`, `1.5s` or `500us` (a bare number is milliseconds)",
        ),
        (
            "http_req_duration",
            "p(95) < -1",
            "`-1` is not a duration; write e.g. `200ms`, `1.5s` or `500us` (a bare number is milliseconds)",
        ),
        (
            "http_req_failed",
            "rate < 5",
            "`5` is not a rate; write a percentage such as `1%` or a fraction from 0 to 1 such as `0.01`",
        ),
        (
            "http_reqs",
            "count > 10/s",
            "`10/s` is not a count; write a number such as `1000`",
        ),
        (
            "http_reqs",
            "rate > 10 rps",
            "`10 rps` is not a rate per second; write a number such as `50` or `50/s`",
        ),
        (
            "data_received",
            "rate > 10MB",
            "`10MB` is not a throughput; write e.g. `10MB/s`, `500kB/s` or `1024` (bytes per second; kB = 1000 B)",
        ),
        (
            "data_received",
            "count > 10MiB",
            "`10MiB` is not a size; write e.g. `500MB`, `20kB` or `1024` (bytes; kB = 1000 B)",
        ),
        (
            "http_req_waiting{status:200}",
            "p(95) < 1s",
            "`http_req_waiting` cannot be filtered by `status`; it takes only `{scenario:...}`",
        ),
        (
            "http_req_duration{status:2oo}",
            "p(95) < 1s",
            "`status:2oo` is not a status; write e.g. `status:200` or `status:5xx`",
        ),
        (
            "http_reqs{error_class:5xx}",
            "count < 1",
            "`error_class:5xx` is not a class; it takes none, connect, timeout, tls, protocol, denied, invalid_request, status_4xx, status_5xx",
        ),
        (
            "transaction_duration{check:x}",
            "p(95) < 1s",
            "`transaction_duration` cannot be filtered by `check`; it takes `{name:...}` (and `{scenario:...}`)",
        ),
        (
            "vus",
            "avg < 10",
            "`vus` has no aggregation `avg`; it takes value, min, max",
        ),
        (
            "writes{table:x}",
            "count > 1",
            "`writes` cannot be filtered by `table`; it takes only `{scenario:...}`",
        ),
        (
            "my-metric",
            "count > 1",
            "unknown metric `my-metric`; known metrics: http_req_duration, http_req_blocked, http_req_connecting, http_req_tls_handshaking, http_req_sending, http_req_waiting, http_req_receiving, iteration_duration, transaction_duration, http_req_failed, checks, http_reqs, iterations, dropped_iterations, data_received, data_sent, vus; a journey's own metric is named with up to 128 ASCII letters, digits or `_`",
        ),
        (
            "checks{name:x}",
            "rate > 0.9",
            "`checks` cannot be filtered by `name`; it takes `{check:...}` (and `{scenario:...}`)",
        ),
        (
            "iterations{name:x}",
            "count > 1",
            "`iterations` cannot be filtered by `name`; it takes only `{scenario:...}`",
        ),
        (
            "http_req_duration{name}",
            "p(95) < 1s",
            "tag filter `{name}` is not of the form `{name:value}`",
        ),
        (
            "http_req_duration{name:x",
            "p(95) < 1s",
            "tag filter `{name:x` is not of the form `{name:value}`",
        ),
        (
            "http_req_duration{name:}",
            "p(95) < 1s",
            "tag filter `{name:}` is not of the form `{name:value}`",
        ),
        (
            "http_req_duration",
            "p(95) < 2x baseline",
            "`2x baseline` is not a reference: `baseline` names no aggregation after a `.`; write e.g. `2x baseline.p50`, `baseline.p(95)` or `previous.p(95) + 20%`",
        ),
        (
            "http_req_duration",
            "p(95) < 0x baseline.p50",
            "`0x baseline.p50` is not a reference: `0` is not a positive factor; write e.g. `2x baseline.p50`, `baseline.p(95)` or `previous.p(95) + 20%`",
        ),
        (
            "http_req_duration",
            "p(95) < baseline.p(95) - 100%",
            "`baseline.p(95) - 100%` is not a reference: `- 100%` leaves nothing of the baseline; write e.g. `2x baseline.p50`, `baseline.p(95)` or `previous.p(95) + 20%`",
        ),
        (
            "http_req_duration",
            "p(95) < 2x baseline.rate",
            "`http_req_duration` has no aggregation `rate`; it takes avg, min, max, med, p(N)",
        ),
        (
            "http_req_duration",
            "p(95) < 2x baseline.p(200)",
            "`p(200)` is not a percentile; write p(N) with N from 0 to 100, e.g. p(95) or p(99.9)",
        ),
        (
            "http_reqs",
            "rate > 0.9x previous.count",
            "`count` is a count but `rate` is a rate per second; compare like with like, e.g. `rate < 2x baseline.rate`",
        ),
    ];
    let mut failures = Vec::new();
    for (metric, expression, message) in table {
        let expected = format!("invalid threshold `{expression}` on `{metric}`: {message}");
        match Threshold::parse(metric, expression) {
            Ok(threshold) => failures.push(format!("{threshold}: parsed, expected an error")),
            Err(error) if error.to_string() != expected => {
                failures.push(format!(
                    "{metric}: {expression}:\n  got      {error}\n  expected {expected}"
                ));
            }
            Err(_) => {}
        }
    }
    assert!(failures.is_empty(), "\n{}", failures.join("\n"));
}

#[test]
fn unknown_far_metric_lists_known_ones() {
    let error = Threshold::parse("latency p95", "p(95) < 1s").unwrap_err();
    assert!(matches!(
        error.kind,
        ThresholdErrorKind::UnknownMetric {
            suggestion: None,
            ..
        }
    ));
    assert!(
        error
            .to_string()
            .contains("known metrics: http_req_duration, http_req_blocked,"),
        "{error}"
    );
}

#[test]
fn request_names_may_hold_braces() {
    let metric = "http_req_duration{name:GET /patients/{id}}";
    let metrics = Metrics::new();
    metrics.record_request(&request("GET /patients/{id}", 30_000));
    let results = metrics.results(meta(1));
    let outcome = Threshold::parse(metric, "p(99) < 31ms")
        .unwrap()
        .evaluate(&results);
    assert!(outcome.passed, "{outcome:?}");
}

#[test]
fn evaluate_keeps_order_and_text() {
    let thresholds = [
        Threshold::parse("http_reqs", "count > 0").unwrap(),
        Threshold::parse("http_req_duration", "p(95) < 200ms").unwrap(),
    ];
    let outcomes = threshold::evaluate(&thresholds, &results());
    let shown: Vec<_> = outcomes
        .iter()
        .map(|o| (o.metric.as_str(), o.expression.as_str(), o.passed))
        .collect();
    assert_eq!(
        shown,
        [
            ("http_reqs", "count > 0", true),
            ("http_req_duration", "p(95) < 200ms", false),
        ]
    );
}

/// `results()` as the top level of a two-scenario run: `baseline` had the
/// ten 100 ms logins, `load` the 90 queries (p50 20 ms, p95 250 ms).
fn two_scenarios() -> RunResults {
    let baseline = Metrics::new();
    let load = Metrics::new();
    for _ in 0..10 {
        baseline.record_request(&request("login", 100_000));
    }
    for _ in 0..80 {
        load.record_request(&request("query", 20_000));
    }
    for _ in 0..10 {
        load.record_request(&request("query", 250_000));
    }
    let mut all = Metrics::merged_results(&[&baseline, &load], meta(10));
    let named = |metrics: &Metrics, name: &str| {
        let mut results = metrics.results(meta(10));
        results.meta.scenario = name.to_owned();
        results
    };
    all.scenarios = vec![named(&baseline, "baseline"), named(&load, "load")];
    all
}

#[test]
fn relative_to_another_scenario() {
    let results = two_scenarios();
    // (metric, expression, observed, limit, passed)
    let table: &[(&str, &str, f64, f64, bool)] = &[
        // load p95 250.111 ms against 2 × baseline's median of 100 ms
        // (100.031: the top of its histogram bucket).
        (
            "http_req_duration{scenario:load}",
            "p(95) < 2x baseline.p50",
            250.111,
            200.062,
            false,
        ),
        (
            "http_req_duration{scenario:load}",
            "p(95) < 3 x baseline.p(50)",
            250.111,
            300.093,
            true,
        ),
        (
            "http_req_duration{scenario:load}",
            "med <= baseline.med - 75%",
            20.015,
            25.007_75,
            true,
        ),
        (
            "http_req_duration{scenario:load}",
            "p(99.9) < baseline.p99.9 + 150%",
            250.111,
            250.077_5,
            false,
        ),
        // 90 requests against 10, counted over the same 10 s.
        (
            "http_reqs{scenario:load}",
            "rate >= 9x baseline.rate",
            9.0,
            9.0,
            true,
        ),
        (
            "http_reqs{scenario:load}",
            "count > 10x baseline.count",
            90.0,
            100.0,
            false,
        ),
    ];
    let mut failures = Vec::new();
    for &(metric, expression, observed, limit, passed) in table {
        let outcome = Threshold::parse(metric, expression)
            .unwrap()
            .evaluate(&results);
        let close = |a: Option<f64>, b: f64| a.is_some_and(|a| (a - b).abs() < 1e-6);
        if !(close(outcome.observed, observed)
            && close(outcome.limit, limit)
            && outcome.passed == passed)
        {
            failures.push(format!(
                "{metric}: {expression}: got {:?} / limit {:?} / {}, expected {observed} / {limit} / {passed} ({:?})",
                outcome.observed, outcome.limit, outcome.passed, outcome.note
            ));
        }
    }
    assert!(failures.is_empty(), "\n{}", failures.join("\n"));

    // A scenario name may hold dots, even `.p`: the aggregation is what
    // follows the first dot that an aggregation follows.
    let threshold = Threshold::parse("http_req_duration", "p(95) < 2x eu.prod.p99.9").unwrap();
    assert_eq!(
        threshold.baseline(),
        Some(&threshold::Baseline::Scenario("eu.prod".to_owned()))
    );

    // A baseline with nothing to measure fails the threshold, saying why.
    let outcome = Threshold::parse("http_req_duration{scenario:load}", "p(95) < 2x warmup.p50")
        .unwrap()
        .evaluate(&results);
    assert!(!outcome.passed);
    assert_eq!(
        outcome.note.as_deref(),
        Some("baseline scenario `warmup`: the run has no scenario named `warmup`")
    );
    let outcome = Threshold::parse(
        "http_req_duration{scenario:load,name:query}",
        "p(95) < 2x baseline.p50",
    )
    .unwrap()
    .evaluate(&results);
    assert_eq!(
        outcome.note.as_deref(),
        Some("baseline scenario `baseline`: no samples: no request named `query`")
    );
}

#[test]
fn relative_to_a_previous_run() {
    let previous = results();
    // Now the queries are 10 % slower: 88 ms avg against 51 ms before is
    // far worse, p50 22 ms against 20 ms is 10 % worse.
    let metrics = Metrics::new();
    for _ in 0..80 {
        metrics.record_request(&request("query", 22_000));
    }
    for _ in 0..20 {
        metrics.record_request(&request("query", 275_000));
    }
    let now = metrics.results(meta(10));
    let judge = |metric: &str, expression: &str| {
        let threshold = Threshold::parse(metric, expression).unwrap();
        threshold::evaluate_with(&[threshold], &now, Some(&previous)).remove(0)
    };
    let outcome = judge("http_req_duration{name:query}", "med <= previous.med + 20%");
    assert!(outcome.passed, "{outcome:?}");
    let outcome = judge("http_req_duration{name:query}", "med <= previous.med + 5%");
    assert!(!outcome.passed, "{outcome:?}");
    assert!((outcome.limit.unwrap() - 20.015 * 1.05).abs() < 1e-6);
    let outcome = judge("http_req_failed", "rate <= previous.rate");
    assert!(
        outcome.passed,
        "no failures now against 5 % before: {outcome:?}"
    );

    // Without a stored run, the threshold fails and says so.
    let threshold = Threshold::parse("http_req_duration", "p(95) < previous.p95").unwrap();
    assert_eq!(threshold.baseline(), Some(&threshold::Baseline::Previous));
    let outcome = threshold.evaluate(&now);
    assert!(!outcome.passed);
    assert_eq!(
        outcome.note.as_deref(),
        Some("no previous results to compare with")
    );
}

#[test]
fn tag_filters_count_their_requests_apart() {
    use throng_metrics::{ErrorClass, RequestTags, Submetric};
    let filters = [
        "status:201",
        "status:5xx",
        "method:post",
        "error_class:timeout",
        "error_class:none",
        "task:upload",
        "step:second",
        "name:query,status:200",
    ];
    let submetrics = filters.map(|filter| {
        let pairs = filter.split(',').map(|pair| pair.split_once(':').unwrap());
        Submetric::new(pairs).unwrap()
    });
    let metrics = Metrics::with_submetrics(submetrics);
    let second = [("step".to_owned(), "second".to_owned())];
    // 10 POST uploads of 30 ms answered 201, in task `upload`, tagged;
    // 20 GET queries of 10 ms, 5 of them 503; 3 timeouts of 1 s.
    for _ in 0..10 {
        let sample = RequestSample {
            method: "POST",
            status: Some(201),
            ..request("upload", 30_000)
        };
        let tags = RequestTags {
            task: Some("upload"),
            tags: &second,
        };
        metrics.record_request_tagged(&sample, &tags);
    }
    for i in 0..20 {
        let status = if i < 5 { 503 } else { 200 };
        let sample = RequestSample {
            status: Some(status),
            ..request("query", 10_000)
        };
        metrics.record_request_tagged(&sample, &RequestTags::default());
    }
    for _ in 0..3 {
        metrics.record_request(&RequestSample {
            status: None,
            error: Some(ErrorClass::Timeout),
            ..request("query", 1_000_000)
        });
    }
    let results = metrics.results(meta(10));
    // (threshold metric, expression, observed)
    let table: &[(&str, &str, f64)] = &[
        ("http_reqs{status:201}", "count == 10", 10.0),
        ("http_reqs{status:5xx}", "count == 5", 5.0),
        ("http_req_failed{status:5xx}", "rate == 100%", 100.0),
        ("http_reqs{method:post}", "count == 10", 10.0),
        ("http_req_duration{method:post}", "p(99) < 31ms", 30.015),
        ("http_reqs{error_class:timeout}", "count == 3", 3.0),
        ("http_reqs{error_class:none}", "count == 25", 25.0),
        ("http_reqs{task:upload}", "count == 10", 10.0),
        ("http_reqs{step:second}", "rate == 1", 1.0),
        (
            "http_req_duration{name:query,status:200}",
            "max < 11ms",
            10.007,
        ),
        ("http_req_failed{name:query,status:200}", "rate == 0", 0.0),
    ];
    let mut failures = Vec::new();
    for &(metric, expression, observed) in table {
        let outcome = Threshold::parse(metric, expression)
            .unwrap()
            .evaluate(&results);
        let close = outcome
            .observed
            .is_some_and(|o| (o - observed).abs() < 1e-6);
        if !(outcome.passed && close) {
            failures.push(format!("{metric}: {expression}: {outcome:?}"));
        }
    }
    assert!(failures.is_empty(), "\n{}", failures.join("\n"));

    // A filter the recorder was not built with was not counted: the
    // threshold fails and says so rather than judging zero.
    let outcome = Threshold::parse("http_reqs{status:404}", "count == 0")
        .unwrap()
        .evaluate(&results);
    assert!(!outcome.passed);
    assert!(
        outcome
            .note
            .as_deref()
            .unwrap()
            .contains("did not count them"),
        "{outcome:?}"
    );
}

#[test]
fn custom_metrics_transactions_and_engine_counters() {
    let metrics = Metrics::new();
    for i in 0..100u32 {
        metrics.add_counter("writes", 1.0).unwrap();
        metrics.set_gauge("queue_depth", f64::from(i % 25)).unwrap();
        metrics.add_rate("cache_hit", i % 4 == 0).unwrap();
        metrics
            .add_trend("think_ms", f64::from(10 + (i % 3) * 10))
            .unwrap();
        metrics.record_transaction("checkout", Duration::from_millis(40), i % 10 != 0);
    }
    for _ in 0..7 {
        metrics.record_dropped_iteration();
    }
    metrics.sample_timeline(Duration::from_secs(1), 4);
    metrics.sample_timeline(Duration::from_secs(2), 6);
    metrics.sample_timeline(Duration::from_secs(3), 0);
    let results = metrics.results(meta(10));
    // (metric, expression, observed, unit, passed)
    let table: &[(&str, &str, f64, &str, bool)] = &[
        ("writes", "count == 100", 100.0, "", true),
        ("writes", "rate >= 10", 10.0, "/s", true),
        ("queue_depth", "max == 24", 24.0, "", true),
        ("queue_depth", "value < 24", 24.0, "", false),
        ("cache_hit", "rate >= 25%", 25.0, "%", true),
        ("cache_hit", "rate > 0.3", 25.0, "%", false),
        ("think_ms", "med < 21", 20.015, "", true),
        ("think_ms", "p(95) < 30", 30.015, "", false),
        (
            "transaction_duration{name:checkout}",
            "p(95) < 41ms",
            40.031,
            "ms",
            true,
        ),
        ("transaction_duration", "avg < 40ms", 40.0, "ms", false),
        ("dropped_iterations", "count == 0", 7.0, "", false),
        ("vus", "max == 6", 6.0, "", true),
        ("vus", "value == 0", 0.0, "", true),
    ];
    let mut failures = Vec::new();
    for &(metric, expression, observed, unit, passed) in table {
        let outcome = Threshold::parse(metric, expression)
            .unwrap()
            .evaluate(&results);
        let close = outcome
            .observed
            .is_some_and(|o| (o - observed).abs() < 0.05);
        if !(close && outcome.unit == unit && outcome.passed == passed) {
            failures.push(format!("{metric}: {expression}: {outcome:?}"));
        }
    }
    assert!(failures.is_empty(), "\n{}", failures.join("\n"));

    // An aggregation the metric's kind does not have, and a metric the
    // journey never recorded, fail with a note.
    let judge = |metric, expression| {
        Threshold::parse(metric, expression)
            .unwrap()
            .evaluate(&results)
    };
    let outcome = judge("writes", "p(95) < 1");
    assert_eq!(
        outcome.note.as_deref(),
        Some("`writes` is a counter metric; it takes count, rate")
    );
    let outcome = judge("write", "count > 1");
    assert!(!outcome.passed);
    assert_eq!(
        outcome.note.as_deref(),
        Some("no samples: no metric of the journey named `write`; did you mean `writes`?")
    );
}
