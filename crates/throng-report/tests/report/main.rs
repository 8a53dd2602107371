//! Tests of throng-report: what users see, against committed golden files.
//!
//! Run with `THRONG_BLESS=1` to rewrite the golden files after an intended
//! change, then review the diff.

mod compare;
mod csv;
mod html;
mod json;
mod junit;
mod summary;

use std::path::PathBuf;
use std::time::{Duration, SystemTime};

use throng_metrics::threshold::{self, Threshold};
use throng_metrics::{
    ErrorClass, IterationOutcome, Metrics, Phases, RequestSample, RunMeta, RunResults,
};

/// A 30 s run with numbers chosen by hand: three endpoints, failures of
/// several classes, checks, iterations of every outcome, errors and
/// thresholds that pass and fail.
fn fixture() -> RunResults {
    let metrics = fixture_metrics();
    let mut results = metrics.results(meta(30));
    let thresholds = [
        ("http_req_duration", "p(95) < 500ms"),
        (
            "http_req_duration{name:GET /patients/{id}}",
            "p(95) < 200ms",
        ),
        ("http_req_failed", "rate < 1%"),
        ("checks", "rate > 0.9"),
        ("data_received", "rate > 1kB/s"),
        ("http_reqs{name:logout}", "count > 0"),
    ]
    .map(|(metric, expression)| Threshold::parse(metric, expression).expect("valid threshold"));
    results.thresholds = threshold::evaluate(&thresholds, &results);
    results
}

fn fixture_metrics() -> Metrics {
    let metrics = Metrics::new();
    let phases = Phases {
        blocked: Duration::from_micros(5),
        connect: Duration::from_micros(300),
        tls: Duration::ZERO,
        sending: Duration::from_micros(40),
        waiting: Duration::from_millis(18),
        receiving: Duration::from_micros(900),
    };
    let ok = |name, method, micros| RequestSample {
        name,
        method,
        status: Some(200),
        error: None,
        duration: Duration::from_micros(micros),
        phases,
        bytes_received: 2_000,
        bytes_sent: 300,
        error_message: None,
    };
    for i in 0..50 {
        metrics.record_request(&ok("POST /login", "POST", 80_000 + i * 800));
    }
    for i in 0..900 {
        metrics.record_request(&ok("GET /patients/{id}", "GET", 15_000 + (i % 100) * 2_500));
    }
    for i in 0..50 {
        let (status, error, message) = match i % 5 {
            0 => (Some(503), None, None),
            1 => (
                None,
                Some(ErrorClass::Timeout),
                Some("request timed out after 10s"),
            ),
            _ => (Some(200), None, None),
        };
        metrics.record_request(&RequestSample {
            status,
            error,
            error_message: message,
            ..ok("GET /models/{id}/download", "GET", 1_200_000 + i * 20_000)
        });
    }
    for i in 0..1000 {
        metrics.record_check("status is 200", i % 50 != 0);
        metrics.record_check("body has patient", true);
    }
    metrics.record_vu_start_failure("on-start: login returned 401");
    for i in 0..48 {
        metrics.record_iteration(
            Duration::from_millis(4_000 + i * 20),
            IterationOutcome::Completed,
            None,
        );
    }
    for _ in 0..2 {
        let error = Some("guest error: patient list was empty");
        metrics.record_iteration(Duration::from_millis(900), IterationOutcome::Failed, error);
    }
    metrics.record_iteration(
        Duration::from_millis(1_500),
        IterationOutcome::Interrupted,
        Some("interrupted: run ended"),
    );
    metrics
}

fn meta(seconds: u64) -> RunMeta {
    RunMeta {
        started_at: SystemTime::UNIX_EPOCH + Duration::from_millis(1_735_787_045_678),
        duration: Duration::from_secs(seconds),
        scenario: "clinician".into(),
        executor: "constant-vus".into(),
        vus: 10,
        module: "examples/clinician.wasm".into(),
    }
}

/// Compares `actual` with the golden file `name`, or rewrites the file when
/// `THRONG_BLESS` is set.
#[track_caller]
fn assert_golden(name: &str, actual: &str) {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/report/golden")
        .join(name);
    if std::env::var_os("THRONG_BLESS").is_some() {
        std::fs::write(&path, actual).expect("golden file is writable");
        return;
    }
    let expected = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        expected == actual,
        "{} differs (THRONG_BLESS=1 rewrites it)\n--- expected\n{expected}\n--- actual\n{actual}",
        path.display()
    );
}
