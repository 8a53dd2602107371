//! Tests of throng-metrics through its public API, one module per feature.

mod custom;
mod recording;
mod results_file;
mod thresholds;

use std::time::{Duration, SystemTime};

use throng_metrics::{Phases, RequestSample, RunMeta};

/// A successful request of `name` that took `micros` microseconds.
fn request(name: &str, micros: u64) -> RequestSample<'_> {
    RequestSample {
        name,
        method: "GET",
        status: Some(200),
        error: None,
        duration: Duration::from_micros(micros),
        phases: Phases::default(),
        bytes_received: 1000,
        bytes_sent: 100,
        error_message: None,
    }
}

/// Metadata of a run that lasted `seconds`.
fn meta(seconds: u64) -> RunMeta {
    RunMeta {
        // 2025-01-02T03:04:05.678Z: whole milliseconds survive the file.
        started_at: SystemTime::UNIX_EPOCH + Duration::from_millis(1_735_787_045_678),
        duration: Duration::from_secs(seconds),
        scenario: "default".into(),
        executor: "constant-vus".into(),
        vus: 10,
        module: "journey.wasm".into(),
    }
}

/// Asserts `actual` is within `tolerance` of `expected`.
#[track_caller]
fn assert_near(actual: f64, expected: f64, tolerance: f64) {
    assert!(
        (actual - expected).abs() <= tolerance,
        "{actual} is not within {tolerance} of {expected}"
    );
}
