//! Metrics the journey defines itself: k6's counters, gauges, rates and
//! trends, and transactions (a named step of several requests, timed by the
//! host).
//!
//! The recorder keeps one [`Series`] per metric name in each shard, and one
//! [`Transaction`] per transaction name. A name's kind is decided once per
//! recorder (that is, per scenario) by the first call that records it (see
//! `Metrics::add_counter` and its siblings); a call of another kind under
//! that name is refused with [`MetricError::KindConflict`].

use std::time::{Duration, Instant};

use hdrhistogram::Histogram;
use serde::{Deserialize, Serialize};

use crate::histogram::{self, new_histogram};
use crate::results::{
    DurationStats, HTTP_REQ_DURATION, ITERATION_DURATION, PHASE_METRICS, SCHEDULE_LAG, per_second,
    ratio,
};

/// Histogram key prefix of transaction durations (see
/// [`transaction_histogram_key`]).
pub const TRANSACTION_DURATION: &str = "transaction_duration";

/// The longest custom metric name, in characters (k6's limit).
pub const MAX_METRIC_NAME_LEN: usize = 128;

/// The largest trend value recorded; larger ones are recorded as this.
/// It keeps a trend's histogram (which stores `value × 1000`) within a few
/// hundred kilobytes whatever the guest sends.
pub const MAX_TREND_VALUE: f64 = 1e12;

/// Names of the metrics throng itself records (and `transaction_duration`,
/// the prefix of transaction histograms): a custom metric may not take one.
pub const BUILTIN_METRICS: [&str; 18] = [
    HTTP_REQ_DURATION,
    PHASE_METRICS[0],
    PHASE_METRICS[1],
    PHASE_METRICS[2],
    PHASE_METRICS[3],
    PHASE_METRICS[4],
    PHASE_METRICS[5],
    "http_req_failed",
    "http_reqs",
    "checks",
    "iterations",
    ITERATION_DURATION,
    "data_received",
    "data_sent",
    SCHEDULE_LAG,
    "dropped_iterations",
    "vus",
    TRANSACTION_DURATION,
];

/// The histogram key of one transaction's durations:
/// `transaction_duration{name:<name>}`, as a threshold would write it.
pub fn transaction_histogram_key(name: &str) -> String {
    format!("{TRANSACTION_DURATION}{{name:{name}}}")
}

/// The kind of a custom metric.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MetricKind {
    /// A sum (k6's `Counter`).
    Counter,
    /// The last value set, with the smallest and largest (k6's `Gauge`).
    Gauge,
    /// The share of events that were hits (k6's `Rate`).
    Rate,
    /// A distribution of values (k6's `Trend`).
    Trend,
}

impl MetricKind {
    /// The kind's name in JSON and messages: `counter`, `gauge`, `rate`,
    /// `trend`.
    pub fn as_str(self) -> &'static str {
        match self {
            MetricKind::Counter => "counter",
            MetricKind::Gauge => "gauge",
            MetricKind::Rate => "rate",
            MetricKind::Trend => "trend",
        }
    }
}

impl std::fmt::Display for MetricKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Why a custom metric call was not recorded. Nothing was recorded.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum MetricError {
    /// The name breaks the naming rule.
    #[error(
        "`{name}` is not a metric name: up to 128 ASCII letters, digits or `_`, starting with a letter or `_`"
    )]
    InvalidName {
        /// The name as given.
        name: String,
    },
    /// The name is one of [`BUILTIN_METRICS`].
    #[error("`{name}` is a built-in metric; a custom metric needs a name of its own")]
    BuiltIn {
        /// The name as given.
        name: String,
    },
    /// The name was first recorded as another kind.
    #[error("`{name}` is a {registered}, so it cannot be used as a {kind}")]
    KindConflict {
        /// The metric's name.
        name: String,
        /// The kind of the refused call.
        kind: MetricKind,
        /// The kind the name has in this run.
        registered: MetricKind,
    },
    /// The value is not finite, or negative where the kind needs it not to
    /// be.
    #[error("{kind} `{name}` cannot take {value}: {}", value_rule(*.kind))]
    InvalidValue {
        /// The metric's name.
        name: String,
        /// The metric's kind.
        kind: MetricKind,
        /// The refused value.
        value: f64,
    },
}

impl MetricError {
    /// The metric name the refused call gave.
    pub fn name(&self) -> &str {
        match self {
            MetricError::InvalidName { name }
            | MetricError::BuiltIn { name }
            | MetricError::KindConflict { name, .. }
            | MetricError::InvalidValue { name, .. } => name,
        }
    }
}

fn value_rule(kind: MetricKind) -> &'static str {
    match kind {
        MetricKind::Gauge => "values must be finite",
        _ => "values must be finite and not negative",
    }
}

/// Checks `name` against the naming rule (k6's: up to
/// [`MAX_METRIC_NAME_LEN`] ASCII letters, digits or `_`, starting with a
/// letter or `_`) and the built-in names.
pub fn check_metric_name(name: &str) -> Result<(), MetricError> {
    let mut bytes = name.bytes();
    let first_ok = bytes
        .next()
        .is_some_and(|b| b.is_ascii_alphabetic() || b == b'_');
    let rest_ok = bytes.all(|b| b.is_ascii_alphanumeric() || b == b'_');
    if !first_ok || !rest_ok || name.len() > MAX_METRIC_NAME_LEN {
        return Err(MetricError::InvalidName {
            name: name.to_owned(),
        });
    }
    if BUILTIN_METRICS.contains(&name) {
        return Err(MetricError::BuiltIn {
            name: name.to_owned(),
        });
    }
    Ok(())
}

/// Checks `value` for a metric of `kind` that refuses what it cannot sum
/// or order: NaN and infinities always, negative values for counters and
/// trends.
pub(crate) fn check_value(name: &str, kind: MetricKind, value: f64) -> Result<(), MetricError> {
    let allowed = value.is_finite() && (kind == MetricKind::Gauge || value >= 0.0);
    if allowed {
        Ok(())
    } else {
        Err(MetricError::InvalidValue {
            name: name.to_owned(),
            kind,
            value,
        })
    }
}

/// One call's worth of a custom metric, validated.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Sample {
    Counter(f64),
    Gauge(f64, Instant),
    Rate(bool),
    /// Thousandths of the guest's unit.
    Trend(u64),
}

impl Sample {
    pub(crate) fn kind(self) -> MetricKind {
        match self {
            Sample::Counter(_) => MetricKind::Counter,
            Sample::Gauge(..) => MetricKind::Gauge,
            Sample::Rate(_) => MetricKind::Rate,
            Sample::Trend(_) => MetricKind::Trend,
        }
    }
}

/// A trend value as the histogram stores it: thousandths, rounded, so a
/// trend of milliseconds keeps microseconds like the built-in durations.
pub(crate) fn trend_units(value: f64) -> u64 {
    (value.min(MAX_TREND_VALUE) * 1000.0).round() as u64
}

/// A gauge's state: the last value by time of setting, and the extremes.
#[derive(Debug, Clone, Copy)]
pub(crate) struct GaugeState {
    last: f64,
    at: Instant,
    min: f64,
    max: f64,
}

/// What one shard (or the merge of all) holds for one custom metric.
pub(crate) enum Series {
    Counter(f64),
    /// `None` until set (a shard that only saw a refused call).
    Gauge(Option<GaugeState>),
    Rate {
        hits: u64,
        misses: u64,
    },
    Trend(Histogram<u64>),
}

impl Series {
    pub(crate) fn new(kind: MetricKind) -> Series {
        match kind {
            MetricKind::Counter => Series::Counter(0.0),
            MetricKind::Gauge => Series::Gauge(None),
            MetricKind::Rate => Series::Rate { hits: 0, misses: 0 },
            MetricKind::Trend => Series::Trend(new_histogram()),
        }
    }

    pub(crate) fn kind(&self) -> MetricKind {
        match self {
            Series::Counter(_) => MetricKind::Counter,
            Series::Gauge(_) => MetricKind::Gauge,
            Series::Rate { .. } => MetricKind::Rate,
            Series::Trend(_) => MetricKind::Trend,
        }
    }

    /// Adds `sample`, or refuses it when this series is of another kind.
    pub(crate) fn record(&mut self, name: &str, sample: Sample) -> Result<(), MetricError> {
        match (self, sample) {
            (Series::Counter(sum), Sample::Counter(value)) => *sum += value,
            (Series::Gauge(state), Sample::Gauge(value, at)) => {
                set_gauge(
                    state,
                    GaugeState {
                        last: value,
                        at,
                        min: value,
                        max: value,
                    },
                );
            }
            (Series::Rate { hits, misses }, Sample::Rate(hit)) => {
                if hit {
                    *hits += 1;
                } else {
                    *misses += 1;
                }
            }
            (Series::Trend(histogram), Sample::Trend(units)) => {
                histogram::record_value(histogram, units);
            }
            (series, sample) => {
                return Err(MetricError::KindConflict {
                    name: name.to_owned(),
                    kind: sample.kind(),
                    registered: series.kind(),
                });
            }
        }
        Ok(())
    }

    /// Adds `other` when it is of the same kind; a series of another kind
    /// (the same name used differently by two scenarios) is left out.
    pub(crate) fn merge(&mut self, other: &Series) {
        match (self, other) {
            (Series::Counter(mine), Series::Counter(theirs)) => *mine += theirs,
            (Series::Gauge(mine), Series::Gauge(Some(theirs))) => set_gauge(mine, *theirs),
            (
                Series::Rate { hits, misses },
                Series::Rate {
                    hits: their_hits,
                    misses: their_misses,
                },
            ) => {
                *hits += their_hits;
                *misses += their_misses;
            }
            (Series::Trend(mine), Series::Trend(theirs)) => histogram::merge(mine, theirs),
            _ => {}
        }
    }

    /// An empty series of the same kind, to merge this one into.
    pub(crate) fn empty_like(&self) -> Series {
        Series::new(self.kind())
    }

    /// The result of this series for a run of `wall` time.
    pub(crate) fn value(&self, wall: Duration) -> CustomValue {
        match self {
            Series::Counter(sum) => CustomValue::Counter {
                count: *sum,
                rate: per_second_f64(*sum, wall),
            },
            Series::Gauge(state) => {
                let state = state.as_ref();
                CustomValue::Gauge {
                    value: state.map_or(0.0, |s| s.last),
                    min: state.map_or(0.0, |s| s.min),
                    max: state.map_or(0.0, |s| s.max),
                }
            }
            Series::Rate { hits, misses } => CustomValue::Rate {
                passes: *hits,
                fails: *misses,
                rate: ratio(*hits, hits + misses),
            },
            Series::Trend(histogram) => {
                CustomValue::Trend(DurationStats::from_histogram(histogram))
            }
        }
    }
}

/// Folds `new` into a gauge: the later setting wins as the last value
/// (ties keep the one folded in last), the extremes widen.
fn set_gauge(state: &mut Option<GaugeState>, new: GaugeState) {
    match state {
        None => *state = Some(new),
        Some(state) => {
            if new.at >= state.at {
                state.last = new.last;
                state.at = new.at;
            }
            state.min = state.min.min(new.min);
            state.max = state.max.max(new.max);
        }
    }
}

/// `amount` per second of `duration`, 0 for an empty duration.
fn per_second_f64(amount: f64, duration: Duration) -> f64 {
    let seconds = duration.as_secs_f64();
    if seconds > 0.0 { amount / seconds } else { 0.0 }
}

/// What one shard (or the merge of all) holds for one transaction name.
pub(crate) struct Transaction {
    pub(crate) duration: Histogram<u64>,
    pub(crate) failed: u64,
    pub(crate) interrupted: u64,
}

impl Default for Transaction {
    fn default() -> Self {
        Transaction {
            duration: new_histogram(),
            failed: 0,
            interrupted: 0,
        }
    }
}

impl Transaction {
    pub(crate) fn merge(&mut self, other: &Transaction) {
        histogram::merge(&mut self.duration, &other.duration);
        self.failed += other.failed;
        self.interrupted += other.interrupted;
    }

    pub(crate) fn stats(&self, name: &str, wall: Duration) -> TransactionStats {
        let count = self.duration.len();
        TransactionStats {
            name: name.to_owned(),
            count,
            failed: self.failed,
            interrupted: self.interrupted,
            per_s: per_second(count, wall),
            stats: DurationStats::from_histogram(&self.duration),
        }
    }
}

/// One custom metric in the results.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CustomMetric {
    /// The metric's name.
    pub name: String,
    /// Its kind (`kind` in JSON) and figures.
    #[serde(flatten)]
    pub value: CustomValue,
}

impl CustomMetric {
    /// The metric's kind.
    pub fn kind(&self) -> MetricKind {
        match self.value {
            CustomValue::Counter { .. } => MetricKind::Counter,
            CustomValue::Gauge { .. } => MetricKind::Gauge,
            CustomValue::Rate { .. } => MetricKind::Rate,
            CustomValue::Trend(_) => MetricKind::Trend,
        }
    }
}

/// The figures of one custom metric, by kind. In JSON the kind is the
/// field `kind` beside the figures.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum CustomValue {
    /// A counter.
    Counter {
        /// The sum of every value added (k6's `count`).
        count: f64,
        /// `count` per second of the run's wall time.
        rate: f64,
    },
    /// A gauge.
    Gauge {
        /// The value set last, by any VU (by the host's clock).
        value: f64,
        /// The smallest value set.
        min: f64,
        /// The largest value set.
        max: f64,
    },
    /// A rate.
    Rate {
        /// Events that were hits.
        passes: u64,
        /// Events that were not.
        fails: u64,
        /// `passes / (passes + fails)`, from 0 to 1 (0 without events).
        rate: f64,
    },
    /// A trend: the statistics of its values, in the guest's own unit
    /// (kept to 0.001 of it).
    Trend(DurationStats),
}

/// One transaction name in the results.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TransactionStats {
    /// The transaction's name.
    pub name: String,
    /// Transactions that ended, successful or not; each one is timed.
    pub count: u64,
    /// Of which ended as failed.
    pub failed: u64,
    /// Transactions still open when their iteration ended: not timed, not
    /// in `count`.
    pub interrupted: u64,
    /// `count` per second of the run's wall time.
    pub per_s: f64,
    /// Durations of the ended ones, in milliseconds.
    pub stats: DurationStats,
}

impl TransactionStats {
    /// `failed / count` (0 when none ended).
    pub fn failure_rate(&self) -> f64 {
        ratio(self.failed, self.count)
    }
}
