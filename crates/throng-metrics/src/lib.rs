//! Measurements of a run: what throng records while VUs run, the results
//! it hands to reports, and the SLA thresholds that judge them.
//!
//! # Job and boundaries
//!
//! The engine and the host record into one shared [`Metrics`]: a finished
//! request ([`RequestSample`]), a check, an iteration, a VU whose `on-start`
//! failed, and what the journey measures itself: custom counters, gauges,
//! rates and trends ([`Metrics::add_counter`] and its siblings, k6's four
//! kinds; a bad call is refused with a [`MetricError`]) and transactions
//! ([`Metrics::record_transaction`]). [`Metrics::results`] merges everything into [`RunResults`], the
//! value behind the JSON results file (schema [`SCHEMA`], documented in
//! `docs/results-schema.md`) and the terminal summary of `throng-report`.
//! [`threshold`] parses k6-style thresholds and judges results with them.
//!
//! This crate never sees a hyper or wasmtime type: the HTTP client reduces
//! its errors to an [`ErrorClass`] and a message before recording. It
//! prints nothing and decides no exit code.
//!
//! Durations are recorded in HdrHistograms of microseconds with 3
//! significant digits (exact to 0.1%, enough for p99.9) and reported in
//! milliseconds. The histograms travel in the results in HdrHistogram's
//! standard compressed form, so results of several runs or workers merge
//! exactly ([`RunResults::histogram`]).
//!
//! # Example
//!
//! ```
//! use std::time::{Duration, SystemTime};
//! use throng_metrics::threshold::{self, Threshold};
//! use throng_metrics::{IterationOutcome, Metrics, Phases, RequestSample, RunMeta};
//!
//! let metrics = Metrics::new();
//! metrics.record_request(&RequestSample {
//!     name: "query",
//!     method: "GET",
//!     status: Some(200),
//!     error: None,
//!     duration: Duration::from_millis(20),
//!     phases: Phases::default(),
//!     bytes_received: 512,
//!     bytes_sent: 128,
//!     error_message: None,
//! });
//! metrics.record_check("status is 200", true);
//! metrics.record_iteration(Duration::from_millis(25), IterationOutcome::Completed, None);
//!
//! let mut results = metrics.results(RunMeta {
//!     started_at: SystemTime::now(),
//!     duration: Duration::from_secs(1),
//!     scenario: "default".into(),
//!     executor: "constant-vus".into(),
//!     vus: 1,
//!     module: "journey.wasm".into(),
//! });
//! assert_eq!(results.totals.requests, 1);
//!
//! let sla = [Threshold::parse("http_req_duration{name:query}", "p(95) < 200ms")?];
//! results.thresholds = threshold::evaluate(&sla, &results);
//! assert!(results.thresholds[0].passed);
//! # Ok::<(), throng_metrics::threshold::ThresholdError>(())
//! ```

mod custom;
mod histogram;
mod recorder;
mod results;
mod sample;
mod submetric;
pub mod threshold;

pub use custom::{
    BUILTIN_METRICS, CustomMetric, CustomValue, MAX_METRIC_NAME_LEN, MAX_TREND_VALUE, MetricError,
    MetricKind, TRANSACTION_DURATION, TransactionStats, check_metric_name,
    transaction_histogram_key,
};
pub use histogram::{
    DecodeError, MAX_MICROS, SIGNIFICANT_DIGITS, decode as decode_histogram,
    encode as encode_histogram,
};
pub use recorder::{LiveTotals, MAX_LISTED_ERRORS, Metrics};
pub use results::{
    CheckStats, ChecksSummary, DurationStats, EndpointStats, ErrorCount, ErrorSource,
    ErrorsSummary, GeneratorHealth, GeneratorSample, HTTP_REQ_DURATION, ITERATION_DURATION,
    IterationCounts, PHASE_METRICS, PhaseStats, ResultsError, RunMeta, RunResults,
    SATURATED_CPU_PERCENT, SATURATED_LAG_MS, SCHEDULE_LAG, SCHEMA, TimelinePoint, Totals,
    endpoint_histogram_key,
};
pub use sample::{ErrorClass, IterationOutcome, Phases, RequestSample};
pub use submetric::{RequestTags, Submetric, SubmetricError};
pub use threshold::{Threshold, ThresholdError, ThresholdOutcome, evaluate};

/// The HdrHistogram type used throughout, re-exported so callers need not
/// depend on the same version themselves.
pub use hdrhistogram::Histogram;
