//! SLA thresholds in k6's syntax: parse them from the plan, judge them
//! against [`RunResults`](crate::RunResults).
//!
//! A threshold is a metric, optionally filtered by tags, and an expression
//! `aggregation operator value`:
//!
//! | metric | tag filters | aggregations | value |
//! |---|---|---|---|
//! | `http_req_duration` | a request's: `{name:…}`, `{method:…}`, `{status:200}` or `{status:5xx}`, `{error_class:…}`, `{task:…}`, the journey's own tags, several at once | `avg min max med p(N)` | duration: `200ms`, `1.5s`, `500us`; a bare number is ms |
//! | `http_req_blocked`, `_connecting`, `_tls_handshaking`, `_sending`, `_waiting`, `_receiving`, `iteration_duration` | — | same | same |
//! | `transaction_duration` | `{name:…}` (without: all transactions) | same | same |
//! | `http_req_failed` | a request's | `rate` | `1%` or the fraction `0.01` |
//! | `checks` | `{check:…}` | `rate` (of passed checks) | same |
//! | `http_reqs` | a request's | `count`, `rate` (per second) | a number |
//! | `iterations`, `dropped_iterations` | — | `count`, `rate` (per second) | a number |
//! | `data_received`, `data_sent` | — | `count` (bytes), `rate` (bytes/s) | `B`, `kB`, `MB`, `GB` (decimal), `/s` for rates; a bare number is bytes |
//! | `vus` | — | `value` (last), `min`, `max` | a number |
//! | the journey's own metric, by name | — | by its kind: counter `count rate`, gauge `value min max`, rate `rate`, trend `avg min max med p(N)` | a number, `90%` for rates |
//!
//! Every metric also takes `{scenario:NAME}`. Requests filtered by tags
//! other than `name` are counted apart while the run goes, so the recorder
//! must be built with the thresholds' [`Threshold::submetric`]s. A name that
//! is not a built-in metric, and is not a near miss of one (a typo is
//! refused with a suggestion), is the journey's own metric; its kind is
//! known only from the results, where an aggregation it lacks fails the
//! threshold with a note.
//!
//! Operators are `<`, `<=`, `>`, `>=`, `==` and `!=`; `p(N)` takes any N
//! from 0 to 100, such as `p(99.9)`.
//!
//! # Relative thresholds
//!
//! The value may instead be a **reference** to the same metric (and tag
//! filter) measured elsewhere, optionally scaled: `SOURCE.AGGREGATION`,
//! `Nx SOURCE.AGGREGATION`, or `SOURCE.AGGREGATION + N%`. The source is
//! either a scenario of the same run, or `previous`, a stored earlier
//! result the caller supplies (see [`evaluate_with`]):
//!
//! | threshold | meaning |
//! |---|---|
//! | `http_req_duration{scenario:trajectory}: p(95) < 2x baseline.p50` | the trajectory scenario's p95 stays below twice the baseline scenario's median |
//! | `http_req_duration{name:query}: p(95) <= previous.p(95) + 20%` | no more than 20 % slower than the stored run |
//! | `http_reqs: rate >= 0.9x previous.rate` | throughput at least 90 % of the stored run's |
//!
//! In references percentiles may be written `p95` as well as `p(95)`. The
//! referenced aggregation must be in the same unit as the threshold's own
//! (a request count cannot be compared with a rate per second).
//!
//! **Unlike k6, a threshold with nothing to judge fails** (note
//! `"no samples"`): a gate on `http_req_duration{name:login}` that saw no
//! login request, because the journey broke or the name has a typo, must
//! not pass a CI job in silence. Counts (`count`, and `rate` of `http_reqs`,
//! `iterations` and data) are always judged, zero when nothing happened.
//!
//! ```
//! use throng_metrics::threshold::Threshold;
//!
//! let threshold = Threshold::parse("http_req_duration{name:query}", "p(95) < 200ms")?;
//! assert_eq!(threshold.to_string(), "http_req_duration{name:query}: p(95) < 200ms");
//!
//! let error = Threshold::parse("http_req_duration", "p(95) < 200mss").unwrap_err();
//! assert!(error.to_string().contains("`200mss` is not a duration"));
//! # Ok::<(), throng_metrics::threshold::ThresholdError>(())
//! ```

mod evaluate;
mod parse;
#[cfg(test)]
mod proptests;

use std::fmt;
use std::time::Duration;

use serde::{Deserialize, Serialize};

pub use evaluate::{evaluate, evaluate_with, verdict};
pub use parse::{ThresholdError, ThresholdErrorKind, UnitMismatch};

/// The name of the stored earlier result in relative thresholds
/// (`previous.p(95)`).
pub const PREVIOUS: &str = "previous";

/// One parsed threshold.
#[derive(Debug, Clone, PartialEq)]
pub struct Threshold {
    /// The metric as written, with its tag filter, e.g.
    /// `http_req_duration{name:query}`.
    pub metric: String,
    /// The expression as written, e.g. `p(95) < 200ms`.
    pub expression: String,
    pub(crate) source: Source,
    pub(crate) aggregation: Aggregation,
    pub(crate) operator: Operator,
    pub(crate) limit: Limit,
    /// Whether a failure fails the run or only warns.
    pub severity: Severity,
    /// `Some(delay)`: stop the run as soon as this threshold fails, judged
    /// every second on what was measured so far, once `delay` has passed
    /// since the run started (k6's `abortOnFail` and `delayAbortEval`).
    pub abort_on_fail: Option<Duration>,
}

/// What a failed threshold means for the run.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// The run fails (exit code 1).
    #[default]
    Error,
    /// The summary warns; the verdict is unaffected.
    Warning,
}

impl Severity {
    fn is_error(&self) -> bool {
        *self == Severity::Error
    }
}

/// What a relative threshold compares against.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Baseline {
    /// Another scenario of the same run, by name.
    Scenario(String),
    /// The stored earlier result ([`PREVIOUS`]).
    Previous,
}

/// The limit of a threshold, in the metric's base unit: milliseconds, a
/// fraction, a count, per second, bytes or bytes per second.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Limit {
    /// A value written in the expression.
    Fixed(f64),
    /// `factor` times the same metric aggregated by `aggregation` in
    /// `baseline`.
    Relative {
        factor: f64,
        baseline: Baseline,
        aggregation: Aggregation,
    },
}

impl Threshold {
    /// Parses one threshold; the error names the threshold, says what is
    /// wrong and how to write it.
    pub fn parse(metric: &str, expression: &str) -> Result<Threshold, ThresholdError> {
        parse::parse(metric, expression)
    }

    /// Judges this threshold against a run's results.
    pub fn evaluate(&self, results: &crate::RunResults) -> ThresholdOutcome {
        evaluate::evaluate_one(self, results, None)
    }

    /// Judges this threshold, reading `previous` for a threshold relative
    /// to the stored earlier result.
    pub fn evaluate_with(
        &self,
        results: &crate::RunResults,
        previous: Option<&crate::RunResults>,
    ) -> ThresholdOutcome {
        evaluate::evaluate_one(self, results, previous)
    }

    /// What a relative threshold compares against; `None` for a fixed
    /// limit. Callers check before the run that the scenario exists and
    /// that a stored result is at hand.
    pub fn baseline(&self) -> Option<&Baseline> {
        match &self.limit {
            Limit::Fixed(_) => None,
            Limit::Relative { baseline, .. } => Some(baseline),
        }
    }

    /// The tag filter whose requests must be counted apart while the run
    /// goes (`{status:500}`, `{method:POST,name:upload}`), if any: build
    /// the recorder with it ([`Metrics::with_submetrics`](crate::Metrics::with_submetrics)).
    pub fn submetric(&self) -> Option<&crate::Submetric> {
        self.source.submetric.as_ref()
    }

    /// The scenario this threshold judges (`{scenario:NAME}`), if any.
    pub fn scenario(&self) -> Option<&str> {
        self.source.scenario.as_deref()
    }
}

impl fmt::Display for Threshold {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.metric, self.expression)
    }
}

/// How one threshold fared.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ThresholdOutcome {
    /// The metric as written.
    pub metric: String,
    /// The expression as written.
    pub expression: String,
    /// The measured value in `unit`; `None` when there was nothing to
    /// measure.
    pub observed: Option<f64>,
    /// The unit of `observed`: `ms`, `%`, `/s`, `B`, `B/s`, or empty for a
    /// plain count.
    pub unit: String,
    /// Whether the threshold held.
    pub passed: bool,
    /// The limit the observed value was held against, in `unit`: the
    /// written value, or for a relative threshold the value it worked out
    /// to; `None` when a relative threshold's baseline had nothing to
    /// measure.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limit: Option<f64>,
    /// Whether a failure fails the run (`error`) or only warns.
    #[serde(default, skip_serializing_if = "Severity::is_error")]
    pub severity: Severity,
    /// Whether this threshold's failure stopped the run early
    /// (`abort_on_fail`).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub aborted_run: bool,
    /// Why there is no observed value (`no samples`, ...), or a remark on
    /// it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

impl ThresholdOutcome {
    /// Whether this outcome fails the run: it did not hold, and it is not
    /// a warning.
    pub fn fails_run(&self) -> bool {
        !self.passed && self.severity == Severity::Error
    }
}

/// Which number of the results a threshold reads.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Source {
    pub(crate) metric: &'static MetricSpec,
    /// The one-tag filter read from the results directly: a request or
    /// transaction `name`, or a `check`.
    pub(crate) filter: Option<String>,
    /// Any other request filter (`{status:500}`, `{method:POST,name:x}`),
    /// counted apart while the run goes.
    pub(crate) submetric: Option<crate::Submetric>,
    /// The journey's own metric, by name, for [`CUSTOM`].
    pub(crate) custom: Option<String>,
    /// `{scenario:NAME}`: judge that scenario's results only.
    pub(crate) scenario: Option<String>,
}

/// A metric thresholds can name.
#[derive(Debug, PartialEq)]
pub(crate) struct MetricSpec {
    pub(crate) name: &'static str,
    pub(crate) kind: Kind,
    /// The tags it can be filtered by.
    pub(crate) tags: Tags,
}

/// The tag filters a metric takes, besides `scenario`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Tags {
    None,
    /// A request's tags: `name`, `method`, `status`, `error_class`,
    /// `task` and the journey's own.
    Request,
    /// Only this one.
    One(&'static str),
}

/// What kind of numbers a metric holds, which decides its aggregations and
/// the units of its values.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    /// A duration histogram.
    Trend,
    /// A share of true outcomes.
    Rate,
    /// A count of events.
    Counter,
    /// A count of bytes.
    Bytes,
    /// A level sampled over time (active VUs).
    Gauge,
    /// The journey's own metric, whose kind is known only from the results.
    Custom,
}

impl Kind {
    /// The aggregations a metric of this kind has, as a user writes them.
    pub(crate) fn aggregations(self) -> &'static str {
        match self {
            Kind::Trend => "avg, min, max, med, p(N)",
            Kind::Rate => "rate",
            Kind::Counter | Kind::Bytes => "count, rate",
            Kind::Gauge => "value, min, max",
            Kind::Custom => {
                "count, rate (counters, rates), value, min, max (gauges), avg, min, max, med, p(N) (trends)"
            }
        }
    }
}

/// Every built-in metric a threshold can name.
pub(crate) const METRICS: &[MetricSpec] = &[
    spec("http_req_duration", Kind::Trend, Tags::Request),
    spec("http_req_blocked", Kind::Trend, Tags::None),
    spec("http_req_connecting", Kind::Trend, Tags::None),
    spec("http_req_tls_handshaking", Kind::Trend, Tags::None),
    spec("http_req_sending", Kind::Trend, Tags::None),
    spec("http_req_waiting", Kind::Trend, Tags::None),
    spec("http_req_receiving", Kind::Trend, Tags::None),
    spec("iteration_duration", Kind::Trend, Tags::None),
    spec("transaction_duration", Kind::Trend, Tags::One("name")),
    spec("http_req_failed", Kind::Rate, Tags::Request),
    spec("checks", Kind::Rate, Tags::One("check")),
    spec("http_reqs", Kind::Counter, Tags::Request),
    spec("iterations", Kind::Counter, Tags::None),
    spec("dropped_iterations", Kind::Counter, Tags::None),
    spec("data_received", Kind::Bytes, Tags::None),
    spec("data_sent", Kind::Bytes, Tags::None),
    spec("vus", Kind::Gauge, Tags::None),
];

/// Stands for every metric the journey defines itself.
pub(crate) const CUSTOM: MetricSpec = spec("custom", Kind::Custom, Tags::None);

const fn spec(name: &'static str, kind: Kind, tags: Tags) -> MetricSpec {
    MetricSpec { name, kind, tags }
}

/// How the samples of a metric are reduced to one number.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Aggregation {
    Avg,
    Min,
    Max,
    Med,
    /// A percentile from 0 to 100.
    Percentile(f64),
    Rate,
    Count,
    /// A gauge's last value.
    Value,
}

/// The comparison an observed value must pass.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Operator {
    Lt,
    Le,
    Gt,
    Ge,
    Eq,
    Ne,
}

impl Operator {
    pub(crate) fn holds(self, observed: f64, limit: f64) -> bool {
        match self {
            Operator::Lt => observed < limit,
            Operator::Le => observed <= limit,
            Operator::Gt => observed > limit,
            Operator::Ge => observed >= limit,
            Operator::Eq => observed == limit,
            Operator::Ne => observed != limit,
        }
    }
}
