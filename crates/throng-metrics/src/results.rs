//! The results of a run: what the JSON results file holds and what the
//! summary, thresholds and baselines read.
//!
//! Every duration statistic is in **milliseconds** (`f64`), every rate per
//! second of the run's wall time, every size in bytes. `docs/results-schema.md`
//! documents each field; [`SCHEMA`] names the version.

use std::collections::BTreeMap;
use std::io::Read;
use std::time::{Duration, SystemTime};

use hdrhistogram::Histogram;
use serde::{Deserialize, Serialize};

use crate::custom::{CustomMetric, TransactionStats};
use crate::histogram::{self, DecodeError};
use crate::sample::ErrorClass;
use crate::threshold::ThresholdOutcome;

/// The schema identifier written in every results file.
///
/// Adding a field keeps `v1` (readers ignore fields they do not know, and
/// a new field gets a default when absent); renaming, removing or changing
/// the meaning or unit of a field makes it `v2`.
pub const SCHEMA: &str = "throng.results/v1";

/// Histogram key of all requests' durations.
pub const HTTP_REQ_DURATION: &str = "http_req_duration";
/// Histogram key of open-model iterations' lateness against their schedule.
pub const SCHEDULE_LAG: &str = "schedule_lag";
/// Histogram key of the durations of finished (not interrupted) iterations.
pub const ITERATION_DURATION: &str = "iteration_duration";

/// Histogram keys of the request phases, in the order of the fields of
/// [`Phases`](crate::Phases) and [`PhaseStats`] (k6's metric names).
pub const PHASE_METRICS: [&str; 6] = [
    "http_req_blocked",
    "http_req_connecting",
    "http_req_tls_handshaking",
    "http_req_sending",
    "http_req_waiting",
    "http_req_receiving",
];

/// The histogram key of one endpoint's durations:
/// `http_req_duration{name:<name>}`, as a threshold would write it.
pub fn endpoint_histogram_key(name: &str) -> String {
    format!("{HTTP_REQ_DURATION}{{name:{name}}}")
}

/// What the caller knows about a run that the samples do not say.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunMeta {
    /// When the run started; RFC 3339 in UTC with milliseconds in JSON.
    #[serde(with = "rfc3339")]
    pub started_at: SystemTime,
    /// Wall time of the run; every per-second rate divides by it. Seconds
    /// (`duration_s`) in JSON.
    #[serde(rename = "duration_s", with = "seconds")]
    pub duration: Duration,
    /// The scenario's name (several, comma separated, for a plan of many).
    pub scenario: String,
    /// The executor kind, such as `constant-vus`.
    pub executor: String,
    /// The number of VUs (the largest, for executors that ramp).
    pub vus: u32,
    /// The scenario module, as the user named it (path or reference).
    pub module: String,
}

/// The merged results of a run, as written to the JSON results file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunResults {
    /// Always [`SCHEMA`] for results this version writes.
    pub schema: String,
    /// Whether these are the results of a run still going: a snapshot
    /// written while it ran (`meta.duration_s` is the time so far, and the
    /// thresholds are judged on what was measured by then). The final
    /// results leave it `false`, and JSON omits it then.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub partial: bool,
    /// What was run, when and for how long.
    pub meta: RunMeta,
    /// Counts and rates over the whole run.
    pub totals: Totals,
    /// Durations of all requests (k6's `http_req_duration`).
    pub http_req_duration: DurationStats,
    /// Durations of each phase of all requests.
    pub phases: PhaseStats,
    /// Durations of finished iterations, failed ones included, interrupted
    /// ones not.
    pub iteration_duration: DurationStats,
    /// One entry per request name, sorted by name.
    pub endpoints: Vec<EndpointStats>,
    /// Checks the journey made, sorted by name.
    pub checks: ChecksSummary,
    /// The journey's own counters, gauges, rates and trends, sorted by
    /// name; absent from JSON when it recorded none.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub custom: Vec<CustomMetric>,
    /// The journey's transactions, one entry per name, sorted by name;
    /// absent from JSON when it timed none.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub transactions: Vec<TransactionStats>,
    /// Requests filtered by tags, one entry per filter the thresholds asked
    /// for (`http_req_duration{method:POST,status:201}`), keyed in `name`
    /// by the filter without braces (`method:POST,status:201`); their
    /// histograms are under `http_req_duration{<filter>}`. `method` is
    /// empty.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub submetrics: Vec<EndpointStats>,
    /// The first distinct error messages.
    pub errors: ErrorsSummary,
    /// How each threshold fared; empty until the caller evaluates them
    /// (see [`crate::threshold::evaluate`]).
    pub thresholds: Vec<ThresholdOutcome>,
    /// Each histogram in HdrHistogram's compressed V2 form, base64, keyed
    /// by metric (`http_req_duration`, `http_req_duration{name:query}`,
    /// `iteration_duration`, `http_req_waiting`, ...), in microseconds; runs
    /// are merged by adding these.
    pub histograms: BTreeMap<String, String>,
    /// How late open-model iterations started against their schedule
    /// (`schedule_lag`); empty for closed-model scenarios.
    #[serde(default)]
    pub schedule_lag: DurationStats,
    /// One point per second of the run: active VUs, cumulative counts, and
    /// the request rate, error rate and percentiles of each second.
    #[serde(default)]
    pub timeline: Vec<TimelinePoint>,
    /// The load generator's own CPU, memory and scheduling lag, so nobody
    /// trusts numbers from a saturated generator; absent where the process
    /// cannot observe itself.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub generator: Option<GeneratorHealth>,
    /// The same results for each scenario of a multi-scenario plan, in plan
    /// order; empty when the plan has one scenario.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub scenarios: Vec<RunResults>,
}

/// How the load generator itself fared during the run.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct GeneratorHealth {
    /// CPU cores the generator could use.
    pub cores: u32,
    /// One sample per second.
    pub samples: Vec<GeneratorSample>,
    /// Highest CPU use of any second, in % of all `cores`.
    pub max_cpu_percent: f64,
    /// Average CPU use over the run, in % of all `cores`.
    pub avg_cpu_percent: f64,
    /// Highest resident memory seen, in bytes.
    pub max_rss_bytes: u64,
    /// Worst lateness of the generator's own timer, in milliseconds: how
    /// long work waited for a thread.
    pub max_lag_ms: f64,
    /// Whether the generator was saturated (CPU above
    /// [`SATURATED_CPU_PERCENT`] in any second, or lag above
    /// [`SATURATED_LAG_MS`]): its figures may be skewed.
    pub saturated: bool,
}

/// CPU use, in % of all cores, above which the generator counts as saturated.
pub const SATURATED_CPU_PERCENT: f64 = 90.0;

/// Timer lateness, in milliseconds, above which the generator counts as
/// saturated.
pub const SATURATED_LAG_MS: f64 = 10.0;

/// The generator at one second of the run.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct GeneratorSample {
    /// Seconds since the run started.
    pub t_s: f64,
    /// CPU used in the second before, in % of all cores.
    pub cpu_percent: f64,
    /// Resident memory, in bytes.
    pub rss_bytes: u64,
    /// Worst timer lateness in the second before, in milliseconds.
    pub lag_ms: f64,
}

impl GeneratorHealth {
    /// Sums up `samples` taken on a machine with `cores` cores.
    pub fn from_samples(cores: u32, samples: Vec<GeneratorSample>) -> Self {
        let max_cpu_percent = samples.iter().map(|s| s.cpu_percent).fold(0.0, f64::max);
        let avg_cpu_percent = if samples.is_empty() {
            0.0
        } else {
            samples.iter().map(|s| s.cpu_percent).sum::<f64>() / samples.len() as f64
        };
        let max_rss_bytes = samples.iter().map(|s| s.rss_bytes).max().unwrap_or(0);
        let max_lag_ms = samples.iter().map(|s| s.lag_ms).fold(0.0, f64::max);
        GeneratorHealth {
            cores,
            saturated: max_cpu_percent > SATURATED_CPU_PERCENT || max_lag_ms > SATURATED_LAG_MS,
            samples,
            max_cpu_percent,
            avg_cpu_percent,
            max_rss_bytes,
            max_lag_ms,
        }
    }
}

/// The state of a run at one whole second.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct TimelinePoint {
    /// Seconds since the plan started.
    pub t_s: f64,
    /// VUs active at that moment.
    pub vus: u32,
    /// Requests so far.
    pub requests: u64,
    /// Failed requests so far.
    pub failed: u64,
    /// Iterations finished so far.
    pub iterations: u64,
    /// Iterations dropped so far (open model, no VU free).
    pub dropped_iterations: u64,
    /// Requests per second over the interval since the previous point.
    #[serde(default)]
    pub req_per_s: f64,
    /// Failed requests per second over the interval since the previous
    /// point.
    #[serde(default)]
    pub failed_per_s: f64,
    /// Median duration of the requests that finished in the interval since
    /// the previous point, in ms; `null` when none did.
    #[serde(default)]
    pub p50_ms: Option<f64>,
    /// 95th percentile of the interval's request durations, in ms.
    #[serde(default)]
    pub p95_ms: Option<f64>,
    /// 99th percentile of the interval's request durations, in ms.
    #[serde(default)]
    pub p99_ms: Option<f64>,
}

impl PhaseStats {
    /// The statistics of the phase whose metric name (one of
    /// [`PHASE_METRICS`]) is `metric`.
    pub fn by_metric(&self, metric: &str) -> Option<&DurationStats> {
        let all = [
            &self.blocked,
            &self.connect,
            &self.tls,
            &self.sending,
            &self.waiting,
            &self.receiving,
        ];
        let index = PHASE_METRICS.iter().position(|name| *name == metric)?;
        Some(all[index])
    }
}

impl RunResults {
    /// Decodes one histogram of [`RunResults::histograms`]; `None` if the
    /// key is absent or the text is not a valid histogram (use
    /// [`RunResults::try_histogram`] to tell these apart).
    pub fn histogram(&self, key: &str) -> Option<Histogram<u64>> {
        self.try_histogram(key).ok().flatten()
    }

    /// Decodes one histogram of [`RunResults::histograms`]: `Ok(None)` if
    /// the key is absent.
    pub fn try_histogram(&self, key: &str) -> Result<Option<Histogram<u64>>, ResultsError> {
        let Some(text) = self.histograms.get(key) else {
            return Ok(None);
        };
        histogram::decode(text)
            .map(Some)
            .map_err(|source| ResultsError::Histogram {
                key: key.to_owned(),
                source,
            })
    }

    /// The statistics of the endpoint named `name`, if any request had that
    /// name.
    pub fn endpoint(&self, name: &str) -> Option<&EndpointStats> {
        self.endpoints.iter().find(|endpoint| endpoint.name == name)
    }

    /// The requests matching a tag filter the thresholds asked for, by
    /// [`Submetric::key`](crate::Submetric::key).
    pub fn submetric(&self, key: &str) -> Option<&EndpointStats> {
        self.submetrics.iter().find(|s| s.name == key)
    }

    /// The custom metric named `name`, if the journey recorded one.
    pub fn custom_metric(&self, name: &str) -> Option<&CustomMetric> {
        self.custom.iter().find(|metric| metric.name == name)
    }

    /// The transaction named `name`, if the journey started one.
    pub fn transaction(&self, name: &str) -> Option<&TransactionStats> {
        self.transactions
            .iter()
            .find(|transaction| transaction.name == name)
    }

    /// Reads a results file, refusing one written under another major
    /// schema version.
    pub fn from_json(reader: impl Read) -> Result<RunResults, ResultsError> {
        let value: serde_json::Value = serde_json::from_reader(reader)?;
        let schema = value.get("schema").and_then(|schema| schema.as_str());
        if schema != Some(SCHEMA) {
            return Err(ResultsError::Schema {
                found: schema.unwrap_or("(none)").to_owned(),
            });
        }
        Ok(serde_json::from_value(value)?)
    }
}

/// Why a results file or one of its histograms could not be read.
#[derive(Debug, thiserror::Error)]
pub enum ResultsError {
    /// The text is not JSON, or not the shape of a results file.
    #[error("not a throng results file: {0}")]
    Json(#[from] serde_json::Error),
    /// The file was written under another schema version.
    #[error("results schema `{found}` is not supported; this version reads `{SCHEMA}`")]
    Schema {
        /// The `schema` field found (`(none)` if absent).
        found: String,
    },
    /// A histogram in the file is damaged.
    #[error("histogram `{key}` in the results cannot be decoded: {source}")]
    Histogram {
        /// The histogram's key.
        key: String,
        /// What is wrong with it.
        source: DecodeError,
    },
}

/// Counts and rates over the whole run.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Totals {
    /// Requests sent (k6's `http_reqs`).
    pub requests: u64,
    /// Requests that failed: no usable response, or status 400 and above.
    pub failed: u64,
    /// `failed / requests`, a fraction from 0 to 1 (0 without requests).
    pub failure_rate: f64,
    /// Requests per second of wall time.
    pub req_per_s: f64,
    /// Bytes read from the network (k6's `data_received`).
    pub bytes_received: u64,
    /// Bytes written to the network (k6's `data_sent`).
    pub bytes_sent: u64,
    /// `bytes_received` per second of wall time.
    pub received_bytes_per_s: f64,
    /// `bytes_sent` per second of wall time.
    pub sent_bytes_per_s: f64,
    /// Iterations by how they ended.
    pub iterations: IterationCounts,
    /// All iterations (`iterations.total`) per second of wall time.
    pub iterations_per_s: f64,
    /// Failed requests by class; classes with no failure are left out.
    pub errors_by_class: BTreeMap<ErrorClass, u64>,
    /// VUs whose `on-start` failed (they ran no iteration).
    pub vu_start_failures: u64,
    /// Open-model iterations that were due but found no free VU (k6's
    /// `dropped_iterations`).
    #[serde(default)]
    pub dropped_iterations: u64,
}

/// Iterations by how they ended.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct IterationCounts {
    /// Ran to the end and succeeded.
    pub completed: u64,
    /// The guest returned an error or trapped.
    pub failed: u64,
    /// Stopped by the engine before they ended.
    pub interrupted: u64,
    /// The sum of the three.
    pub total: u64,
}

/// Summary statistics of one duration histogram, in milliseconds.
///
/// Percentiles are HdrHistogram's: the highest value equivalent to the
/// sample at that rank, exact to 0.1%. All values are 0 when `count` is 0.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct DurationStats {
    /// Number of samples.
    pub count: u64,
    /// Smallest sample.
    pub min: f64,
    /// Mean.
    pub avg: f64,
    /// Median (k6's `med`).
    pub p50: f64,
    /// 90th percentile.
    pub p90: f64,
    /// 95th percentile.
    pub p95: f64,
    /// 99th percentile.
    pub p99: f64,
    /// 99.9th percentile.
    pub p99_9: f64,
    /// Largest sample.
    pub max: f64,
}

impl DurationStats {
    /// Summarises a histogram of microseconds.
    pub fn from_histogram(histogram: &Histogram<u64>) -> DurationStats {
        if histogram.is_empty() {
            return DurationStats::default();
        }
        let at = |quantile: f64| micros_to_ms(histogram.value_at_quantile(quantile) as f64);
        DurationStats {
            count: histogram.len(),
            min: micros_to_ms(histogram.min() as f64),
            avg: micros_to_ms(histogram.mean()),
            p50: at(0.5),
            p90: at(0.9),
            p95: at(0.95),
            p99: at(0.99),
            p99_9: at(0.999),
            max: micros_to_ms(histogram.max() as f64),
        }
    }
}

/// Microseconds to milliseconds, kept to whole microseconds (the
/// histograms' unit) so the JSON does not carry noise digits.
pub(crate) fn micros_to_ms(micros: f64) -> f64 {
    micros.round() / 1000.0
}

/// Duration statistics of each phase of all requests (see
/// [`Phases`](crate::Phases)).
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct PhaseStats {
    /// Waiting for a connection slot (`http_req_blocked`).
    pub blocked: DurationStats,
    /// Opening TCP connections (`http_req_connecting`).
    pub connect: DurationStats,
    /// TLS handshakes (`http_req_tls_handshaking`).
    pub tls: DurationStats,
    /// Writing requests (`http_req_sending`).
    pub sending: DurationStats,
    /// Waiting for the first byte (`http_req_waiting`).
    pub waiting: DurationStats,
    /// Reading responses (`http_req_receiving`).
    pub receiving: DurationStats,
}

/// Statistics of the requests that share one name.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EndpointStats {
    /// The request name the guest gave.
    pub name: String,
    /// The method of these requests; several are joined with `,` in the
    /// order first seen.
    pub method: String,
    /// Requests sent.
    pub requests: u64,
    /// Requests that failed.
    pub failed: u64,
    /// Failed requests by class; classes with no failure are left out.
    pub errors_by_class: BTreeMap<ErrorClass, u64>,
    /// Bytes read for these requests.
    pub bytes_received: u64,
    /// Bytes written for these requests.
    pub bytes_sent: u64,
    /// Requests per second of the run's wall time.
    pub req_per_s: f64,
    /// Their durations.
    pub stats: DurationStats,
}

impl EndpointStats {
    /// `failed / requests` (0 without requests).
    pub fn failure_rate(&self) -> f64 {
        ratio(self.failed, self.requests)
    }
}

/// The checks of a run.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ChecksSummary {
    /// Passed checks, all names together.
    pub passed: u64,
    /// Failed checks, all names together.
    pub failed: u64,
    /// Per check name, sorted by name.
    pub by_name: Vec<CheckStats>,
}

impl ChecksSummary {
    /// `passed / (passed + failed)`, or `None` without any check.
    pub fn pass_rate(&self) -> Option<f64> {
        pass_rate(self.passed, self.failed)
    }

    /// The check named `name`, if the journey made it.
    pub fn get(&self, name: &str) -> Option<&CheckStats> {
        self.by_name.iter().find(|check| check.name == name)
    }
}

/// How often one named check passed and failed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CheckStats {
    /// The check's name.
    pub name: String,
    /// Times it passed.
    pub passed: u64,
    /// Times it failed.
    pub failed: u64,
}

impl CheckStats {
    /// `passed / (passed + failed)`, or `None` if never made.
    pub fn pass_rate(&self) -> Option<f64> {
        pass_rate(self.passed, self.failed)
    }
}

/// The first distinct error messages of a run.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ErrorsSummary {
    /// Up to [`MAX_LISTED_ERRORS`](crate::MAX_LISTED_ERRORS) distinct
    /// messages, in the order first seen, each with how often it occurred.
    pub messages: Vec<ErrorCount>,
    /// Occurrences of errors whose message is not listed (more distinct
    /// messages than are kept).
    pub unlisted: u64,
}

/// One distinct error message and how often it occurred.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorCount {
    /// What failed.
    pub source: ErrorSource,
    /// The request name, for request errors.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// The message (cut to 300 characters).
    pub message: String,
    /// How often it occurred.
    pub count: u64,
}

/// What an error message came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorSource {
    /// A request failed.
    Request,
    /// An iteration failed or was interrupted.
    Iteration,
    /// A VU's `on-start` failed.
    VuStart,
}

impl ErrorSource {
    /// The stable name used in JSON and in the summary.
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorSource::Request => "request",
            ErrorSource::Iteration => "iteration",
            ErrorSource::VuStart => "vu_start",
        }
    }
}

/// `part / whole`, 0 when `whole` is 0.
pub(crate) fn ratio(part: u64, whole: u64) -> f64 {
    if whole == 0 {
        0.0
    } else {
        part as f64 / whole as f64
    }
}

/// `count` per second of `duration`, 0 for an empty duration.
pub(crate) fn per_second(count: u64, duration: Duration) -> f64 {
    let seconds = duration.as_secs_f64();
    if seconds > 0.0 {
        count as f64 / seconds
    } else {
        0.0
    }
}

fn pass_rate(passed: u64, failed: u64) -> Option<f64> {
    let total = passed + failed;
    (total > 0).then(|| ratio(passed, total))
}

/// `SystemTime` as an RFC 3339 UTC string with milliseconds.
mod rfc3339 {
    use std::time::SystemTime;

    use serde::{Deserialize, Deserializer, Serializer, de::Error as _};

    pub fn serialize<S: Serializer>(time: &SystemTime, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(&humantime::format_rfc3339_millis(*time))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<SystemTime, D::Error> {
        let text = String::deserialize(deserializer)?;
        humantime::parse_rfc3339_weak(&text)
            .map_err(|error| D::Error::custom(format!("`{text}` is not an RFC 3339 time: {error}")))
    }
}

/// `Duration` as seconds (`f64`).
mod seconds {
    use std::time::Duration;

    use serde::{Deserialize, Deserializer, Serializer, de::Error as _};

    pub fn serialize<S: Serializer>(duration: &Duration, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_f64(duration.as_secs_f64())
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Duration, D::Error> {
        let seconds = f64::deserialize(deserializer)?;
        Duration::try_from_secs_f64(seconds)
            .map_err(|_| D::Error::custom(format!("{seconds} is not a duration in seconds")))
    }
}
