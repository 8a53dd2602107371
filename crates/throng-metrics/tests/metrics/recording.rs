//! What `Metrics` counts, with numbers known in advance.

use std::sync::Arc;
use std::time::Duration;

use throng_metrics::{
    ErrorClass, ErrorSource, IterationOutcome, MAX_LISTED_ERRORS, Metrics, Phases, RequestSample,
};

use crate::{assert_near, meta, request};

#[test]
fn thousand_samples_of_20ms() {
    let metrics = Metrics::new();
    for _ in 0..1000 {
        metrics.record_request(&request("query", 20_000));
    }
    let results = metrics.results(meta(10));
    let stats = results.http_req_duration;
    assert_eq!(stats.count, 1000);
    assert!((20.0..=20.1).contains(&stats.p50), "p50 = {}", stats.p50);
    assert!((20.0..=20.1).contains(&stats.max), "max = {}", stats.max);
    assert!((19.9..=20.0).contains(&stats.min), "min = {}", stats.min);
    assert_eq!(results.totals.requests, 1000);
    assert_eq!(results.totals.failed, 0);
    assert_near(results.totals.req_per_s, 100.0, 1e-9);
    assert_eq!(results.endpoint("query").map(|e| e.requests), Some(1000));
}

#[test]
fn uniform_10_to_30ms() {
    let metrics = Metrics::new();
    // 10,000 values spread evenly over 10 ms .. 30 ms.
    for i in 0..10_000 {
        metrics.record_request(&request("query", 10_000 + i * 2));
    }
    let stats = metrics.results(meta(10)).http_req_duration;
    assert_near(stats.p50, 20.0, 0.05);
    assert_near(stats.p90, 28.0, 0.05);
    assert_near(stats.p95, 29.0, 0.05);
    assert_near(stats.avg, 20.0, 0.05);
}

#[test]
fn failures_by_class() {
    let metrics = Metrics::new();
    let statuses = [
        (Some(200), None),
        (Some(302), None),
        (Some(404), None),
        (Some(429), None),
        (Some(503), None),
        (None, Some(ErrorClass::Timeout)),
        (None, Some(ErrorClass::Connect)),
        // The client's own class wins over the status.
        (Some(500), Some(ErrorClass::Protocol)),
    ];
    for (status, error) in statuses {
        metrics.record_request(&RequestSample {
            status,
            error,
            ..request("login", 1_000)
        });
    }
    metrics.record_request(&request("query", 1_000));

    let results = metrics.results(meta(1));
    let totals = &results.totals;
    assert_eq!(totals.requests, 9);
    assert_eq!(totals.failed, 6);
    assert_near(totals.failure_rate, 6.0 / 9.0, 1e-12);
    let expected = [
        (ErrorClass::Connect, 1),
        (ErrorClass::Timeout, 1),
        (ErrorClass::Protocol, 1),
        (ErrorClass::Status4xx, 2),
        (ErrorClass::Status5xx, 1),
    ]
    .into_iter()
    .collect();
    assert_eq!(totals.errors_by_class, expected);

    let login = results.endpoint("login").expect("login was recorded");
    assert_eq!((login.requests, login.failed), (8, 6));
    assert_eq!(login.errors_by_class, expected);
    let query = results.endpoint("query").expect("query was recorded");
    assert_eq!((query.requests, query.failed), (1, 0));
    assert!(query.errors_by_class.is_empty());
}

#[test]
fn failed_follows_k6() {
    let ok = request("a", 1);
    assert!(!ok.failed());
    assert!(
        RequestSample {
            status: Some(399),
            ..ok
        }
        .error_class()
        .is_none()
    );
    assert_eq!(
        RequestSample {
            status: Some(400),
            ..ok
        }
        .error_class(),
        Some(ErrorClass::Status4xx)
    );
    assert!(
        RequestSample {
            status: Some(599),
            ..ok
        }
        .failed()
    );
    assert!(
        RequestSample {
            status: None,
            error: Some(ErrorClass::Denied),
            ..ok
        }
        .failed()
    );
}

#[test]
fn checks_counted_exactly() {
    let metrics = Metrics::new();
    for i in 0..1000 {
        metrics.record_check("status is 200", i % 10 != 0);
        metrics.record_check("has body", true);
    }
    let checks = metrics.results(meta(1)).checks;
    assert_eq!((checks.passed, checks.failed), (1900, 100));
    let names: Vec<_> = checks.by_name.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(names, ["has body", "status is 200"]);
    let status = checks.get("status is 200").expect("check recorded");
    assert_eq!((status.passed, status.failed), (900, 100));
    assert_eq!(status.pass_rate(), Some(0.9));
    assert_eq!(checks.pass_rate(), Some(0.95));
}

#[test]
fn eight_threads_count_exactly() {
    fn is_shareable<T: Send + Sync>() {}
    is_shareable::<Metrics>();

    let metrics = Arc::new(Metrics::new());
    let threads: Vec<_> = (0..8)
        .map(|thread| {
            let metrics = Arc::clone(&metrics);
            std::thread::spawn(move || {
                let name = if thread % 2 == 0 { "even" } else { "odd" };
                for i in 0..10_000 {
                    let status = if i % 100 == 0 { 500 } else { 200 };
                    metrics.record_request(&RequestSample {
                        status: Some(status),
                        ..request(name, 5_000 + i)
                    });
                    metrics.record_check("ok", status == 200);
                }
                metrics.record_iteration(Duration::from_secs(1), IterationOutcome::Completed, None);
            })
        })
        .collect();
    for thread in threads {
        thread.join().expect("recording thread panicked");
    }
    let results = metrics.results(meta(10));
    assert_eq!(results.totals.requests, 80_000);
    assert_eq!(results.totals.failed, 800);
    assert_eq!(results.totals.bytes_received, 80_000_000);
    assert_eq!(results.http_req_duration.count, 80_000);
    assert_eq!(results.endpoint("even").map(|e| e.requests), Some(40_000));
    assert_eq!(results.endpoint("odd").map(|e| e.failed), Some(400));
    assert_eq!(
        (results.checks.passed, results.checks.failed),
        (79_200, 800)
    );
    assert_eq!(results.totals.iterations.completed, 8);
    let decoded = results
        .histogram("http_req_duration")
        .expect("histogram present");
    assert_eq!(decoded.len(), 80_000);
}

#[test]
fn iterations_by_outcome() {
    let metrics = Metrics::new();
    for _ in 0..7 {
        metrics.record_iteration(Duration::from_secs(1), IterationOutcome::Completed, None);
    }
    for _ in 0..2 {
        let error = Some("guest error: login failed");
        metrics.record_iteration(Duration::from_secs(2), IterationOutcome::Failed, error);
    }
    // An interrupted iteration says nothing about the system: not timed.
    metrics.record_iteration(Duration::from_secs(60), IterationOutcome::Interrupted, None);

    let results = metrics.results(meta(10));
    let iterations = results.totals.iterations;
    assert_eq!(
        (
            iterations.completed,
            iterations.failed,
            iterations.interrupted,
            iterations.total
        ),
        (7, 2, 1, 10)
    );
    assert_near(results.totals.iterations_per_s, 1.0, 1e-12);
    assert_eq!(results.iteration_duration.count, 9);
    assert!(results.iteration_duration.max < 2100.0);
}

#[test]
fn first_distinct_errors_with_counts() {
    let metrics = Metrics::new();
    metrics.record_vu_start_failure("on-start: 401 Unauthorized");
    for i in 0..20 {
        let message = format!("error number {}", i % 8);
        metrics.record_iteration(Duration::ZERO, IterationOutcome::Failed, Some(&message));
    }
    metrics.record_request(&RequestSample {
        status: None,
        error: Some(ErrorClass::Timeout),
        error_message: Some("timed out after 10s"),
        ..request("query", 10_000_000)
    });

    let results = metrics.results(meta(1));
    assert_eq!(results.totals.vu_start_failures, 1);
    let errors = &results.errors;
    assert_eq!(errors.messages.len(), MAX_LISTED_ERRORS);
    let first = &errors.messages[0];
    assert_eq!(first.source, ErrorSource::VuStart);
    assert_eq!(first.message, "on-start: 401 Unauthorized");
    // Messages 0..4 occur 3 times each (20 = 2 * 8 + 4), 4..8 twice.
    let listed: Vec<_> = errors.messages[1..]
        .iter()
        .map(|e| (e.message.as_str(), e.count))
        .collect();
    assert_eq!(
        listed,
        [
            ("error number 0", 3),
            ("error number 1", 3),
            ("error number 2", 3),
            ("error number 3", 3),
        ]
    );
    // Not listed: "error number 4" (2), 5..7 (2 each), the timeout (1).
    assert_eq!(errors.unlisted, 9);
}

#[test]
fn request_errors_name_the_request_and_long_messages_are_cut() {
    let metrics = Metrics::new();
    let long = "x".repeat(1000);
    for _ in 0..3 {
        metrics.record_request(&RequestSample {
            status: None,
            error: Some(ErrorClass::Protocol),
            error_message: Some(&long),
            ..request("upload", 1)
        });
    }
    let errors = metrics.results(meta(1)).errors;
    let entry = &errors.messages[0];
    assert_eq!(entry.source, ErrorSource::Request);
    assert_eq!(entry.name.as_deref(), Some("upload"));
    assert_eq!(entry.message.chars().count(), 300);
    assert_eq!(entry.count, 3);
}

#[test]
fn extreme_durations_are_clamped_not_fatal() {
    let metrics = Metrics::new();
    metrics.record_request(&request("a", 0));
    metrics.record_request(&RequestSample {
        duration: Duration::MAX,
        ..request("a", 0)
    });
    metrics.record_request(&RequestSample {
        duration: Duration::from_secs(10 * 3600),
        ..request("a", 0)
    });
    let stats = metrics.results(meta(1)).http_req_duration;
    assert_eq!(stats.count, 3);
    assert_eq!(stats.min, 0.0);
    // One hour, to the histogram's precision.
    assert_near(stats.max, 3_600_000.0, 3_600.0);
}

#[test]
fn phases_methods_and_bytes() {
    let metrics = Metrics::new();
    let phases = Phases {
        blocked: Duration::from_micros(10),
        connect: Duration::from_millis(1),
        tls: Duration::from_millis(2),
        sending: Duration::from_micros(50),
        waiting: Duration::from_millis(15),
        receiving: Duration::from_millis(3),
    };
    metrics.record_request(&RequestSample {
        phases,
        ..request("item", 21_060)
    });
    metrics.record_request(&RequestSample {
        method: "PUT",
        phases,
        ..request("item", 21_060)
    });
    let results = metrics.results(meta(2));
    assert_near(results.phases.waiting.p50, 15.0, 0.02);
    assert_near(results.phases.connect.avg, 1.0, 0.001);
    assert_near(results.phases.blocked.max, 0.01, 0.0);
    let item = results.endpoint("item").expect("recorded");
    assert_eq!(item.method, "GET,PUT");
    assert_eq!((item.bytes_received, item.bytes_sent), (2000, 200));
    assert_near(results.totals.received_bytes_per_s, 1000.0, 1e-12);
    assert_near(results.totals.sent_bytes_per_s, 100.0, 1e-12);
    assert!(results.histograms.contains_key("http_req_waiting"));
}

#[test]
fn results_while_recording_and_after() {
    let metrics = Metrics::new();
    metrics.record_request(&request("a", 1_000));
    let early = metrics.results(meta(1));
    metrics.record_request(&request("a", 1_000));
    let late = metrics.results(meta(1));
    assert_eq!(early.totals.requests, 1);
    assert_eq!(late.totals.requests, 2);
    assert!(late.thresholds.is_empty());
}

#[test]
fn empty_run() {
    let results = Metrics::new().results(meta(0));
    assert_eq!(results.totals.requests, 0);
    assert_eq!(results.totals.failure_rate, 0.0);
    assert_eq!(results.totals.req_per_s, 0.0);
    assert_eq!(results.http_req_duration.count, 0);
    assert_eq!(results.http_req_duration.p99, 0.0);
    assert!(results.endpoints.is_empty());
    assert_eq!(results.checks.pass_rate(), None);
}

#[test]
fn timeline_points_hold_each_seconds_rate_and_percentiles() {
    let metrics = Metrics::new();
    // First second: 100 requests of 10 ms; second: 50 of 40 ms; third:
    // nothing.
    for _ in 0..100 {
        metrics.record_request(&request("query", 10_000));
    }
    metrics.sample_timeline(Duration::from_secs(1), 3);
    for _ in 0..50 {
        metrics.record_request(&request("query", 40_000));
    }
    metrics.sample_timeline(Duration::from_secs(2), 3);
    metrics.sample_timeline(Duration::from_secs(3), 0);

    let timeline = metrics.results(meta(3)).timeline;
    assert_eq!(timeline.len(), 3);
    let requests: Vec<u64> = timeline.iter().map(|p| p.requests).collect();
    assert_eq!(requests, [100, 150, 150]);
    let rates: Vec<f64> = timeline.iter().map(|p| p.req_per_s).collect();
    assert_eq!(rates, [100.0, 50.0, 0.0]);
    // Each second's percentiles are its own requests', not the run's.
    for (point, ms) in timeline.iter().zip([Some(10.0), Some(40.0), None]) {
        for observed in [point.p50_ms, point.p95_ms, point.p99_ms] {
            match (observed, ms) {
                (Some(observed), Some(ms)) => assert_near(observed, ms, 0.05),
                (observed, ms) => assert_eq!(observed, ms, "at {} s", point.t_s),
            }
        }
    }
}

#[test]
fn merged_timelines_add_counts_and_merge_interval_histograms() {
    // Two scenarios in the same second: 90 requests of 10 ms and 10 of
    // 100 ms. Together their p50 is 10 ms and their p95 100 ms, which no
    // sum or average of the two scenarios' own percentiles would give.
    let fast = Metrics::new();
    let slow = Metrics::new();
    for _ in 0..90 {
        fast.record_request(&request("fast", 10_000));
    }
    for _ in 0..10 {
        slow.record_request(&request("slow", 100_000));
    }
    fast.sample_timeline(Duration::from_secs(1), 9);
    slow.sample_timeline(Duration::from_secs(1), 1);

    let merged = Metrics::merged_results(&[&fast, &slow], meta(1)).timeline;
    assert_eq!(merged.len(), 1);
    let point = merged[0];
    assert_eq!((point.vus, point.requests), (10, 100));
    assert_eq!(point.req_per_s, 100.0);
    assert_near(point.p50_ms.unwrap(), 10.0, 0.05);
    assert_near(point.p95_ms.unwrap(), 100.0, 0.1);
    assert_near(point.p99_ms.unwrap(), 100.0, 0.1);
}
