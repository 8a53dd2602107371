//! Judging thresholds against a run's results.

use hdrhistogram::Histogram;

use super::parse::{ValueUnit, closest};
use super::{Aggregation, Baseline, Kind, Limit, Source, Threshold, ThresholdOutcome};
use crate::custom::{CustomValue, TRANSACTION_DURATION, transaction_histogram_key};
use crate::results::{
    DurationStats, HTTP_REQ_DURATION, ITERATION_DURATION, RunResults, endpoint_histogram_key,
    micros_to_ms, per_second,
};

/// Judges every threshold against `results`, in order. A threshold
/// relative to `previous` fails with a note; use [`evaluate_with`] to
/// supply the stored result.
pub fn evaluate(thresholds: &[Threshold], results: &RunResults) -> Vec<ThresholdOutcome> {
    evaluate_with(thresholds, results, None)
}

/// Judges every threshold against `results`, in order; thresholds
/// relative to `previous` read `previous`.
pub fn evaluate_with(
    thresholds: &[Threshold],
    results: &RunResults,
    previous: Option<&RunResults>,
) -> Vec<ThresholdOutcome> {
    thresholds
        .iter()
        .map(|threshold| evaluate_one(threshold, results, previous))
        .collect()
}

/// Whether a run with these outcomes passes: no threshold of severity
/// `error` failed.
pub fn verdict(outcomes: &[ThresholdOutcome]) -> bool {
    !outcomes.iter().any(ThresholdOutcome::fails_run)
}

pub(super) fn evaluate_one(
    threshold: &Threshold,
    results: &RunResults,
    previous: Option<&RunResults>,
) -> ThresholdOutcome {
    let unit = ValueUnit::of(threshold.source.metric.kind, threshold.aggregation);
    let observation = observe_in(&threshold.source, threshold.aggregation, results);
    let limit = match &threshold.limit {
        Limit::Fixed(value) => Ok(*value),
        Limit::Relative {
            factor,
            baseline,
            aggregation,
        } => {
            let (label, measured) = match baseline {
                Baseline::Scenario(name) => {
                    let source = Source {
                        scenario: Some(name.clone()),
                        ..threshold.source.clone()
                    };
                    (format!("scenario `{name}`"), Some((source, results)))
                }
                Baseline::Previous => (
                    "the previous run".to_owned(),
                    previous.map(|previous| (threshold.source.clone(), previous)),
                ),
            };
            match measured {
                None => Err("no previous results to compare with".to_owned()),
                Some((source, baseline)) => observe_in(&source, *aggregation, baseline)
                    .map(|observation| observation.value * factor)
                    .map_err(|note| format!("baseline {label}: {note}")),
            }
        }
    };
    // A journey's own metric shows in the unit of the kind it turned out
    // to be.
    let unit = match &observation {
        Ok(Observation {
            unit: Some(actual), ..
        }) => *actual,
        _ => unit,
    };
    let (observed, passed, note) = match (observation, &limit) {
        (Ok(Observation { value, note, .. }), Ok(limit)) => {
            let passed = threshold.operator.holds(value, *limit);
            (Some(in_unit(value, unit)), passed, note)
        }
        (Ok(Observation { value, .. }), Err(note)) => {
            (Some(in_unit(value, unit)), false, Some(note.clone()))
        }
        (Err(note), _) => (None, false, Some(note)),
    };
    ThresholdOutcome {
        metric: threshold.metric.clone(),
        expression: threshold.expression.clone(),
        observed,
        unit: unit.symbol().to_owned(),
        passed,
        limit: limit.ok().map(|limit| in_unit(limit, unit)),
        severity: threshold.severity,
        aborted_run: false,
        note,
    }
}

/// The value `source` aggregated by `aggregation` in `results`, or in the
/// scenario it names.
fn observe_in(
    source: &Source,
    aggregation: Aggregation,
    results: &RunResults,
) -> Result<Observation, String> {
    match &source.scenario {
        None => observe(source, aggregation, results),
        Some(name) => match scenario_results(results, name) {
            Some(scenario) => observe(source, aggregation, scenario),
            None => Err(format!("the run has no scenario named `{name}`")),
        },
    }
}

/// One scenario's results: a nested entry of a multi-scenario run, or the
/// run itself when it is that one scenario.
fn scenario_results<'r>(results: &'r RunResults, name: &str) -> Option<&'r RunResults> {
    if results.scenarios.is_empty() {
        return (results.meta.scenario == name).then_some(results);
    }
    results.scenarios.iter().find(|s| s.meta.scenario == name)
}

/// A value in the threshold's base unit, with an optional remark.
struct Observation {
    value: f64,
    note: Option<String>,
    /// For a journey's own metric, the unit of its actual kind.
    unit: Option<ValueUnit>,
}

impl From<f64> for Observation {
    fn from(value: f64) -> Self {
        Observation {
            value,
            note: None,
            unit: None,
        }
    }
}

/// The value `source` aggregated by `aggregation` is, or why there is none.
fn observe(
    source: &Source,
    aggregation: Aggregation,
    results: &RunResults,
) -> Result<Observation, String> {
    let metric = source.metric;
    let filter = source.filter.as_deref();
    let totals = &results.totals;
    if let Some(submetric) = &source.submetric {
        return tagged(source, submetric.key(), aggregation, results);
    }
    match (metric.name, metric.kind) {
        (_, Kind::Trend) => trend(source, aggregation, results).map(Observation::from),
        (_, Kind::Custom) => custom(source, aggregation, results),
        ("dropped_iterations", _) => {
            let count = totals.dropped_iterations;
            let per_second = per_second(count, results.meta.duration);
            Ok(pick(aggregation, count, per_second).into())
        }
        ("vus", _) => {
            let mut vus = results.timeline.iter().map(|point| point.vus);
            let value = match aggregation {
                Aggregation::Min => vus.min(),
                Aggregation::Max => vus.max(),
                _ => vus.next_back(),
            };
            value
                .map(|vus| Observation::from(f64::from(vus)))
                .ok_or_else(|| format!("{NO_SAMPLES}: the results have no timeline"))
        }
        ("http_req_failed", _) => match filter {
            None if totals.requests > 0 => Ok(totals.failure_rate.into()),
            None => Err(NO_SAMPLES.to_owned()),
            Some(name) => match results.endpoint(name) {
                Some(endpoint) if endpoint.requests > 0 => Ok(endpoint.failure_rate().into()),
                _ => Err(no_endpoint(results, name)),
            },
        },
        ("checks", _) => {
            let rate = match filter {
                None => results.checks.pass_rate(),
                Some(name) => match results.checks.get(name) {
                    Some(check) => check.pass_rate(),
                    None => {
                        let names = results.checks.by_name.iter().map(|c| c.name.as_str());
                        return Err(format!("{NO_SAMPLES}: {}", no_such("check", name, names)));
                    }
                },
            };
            rate.map(Observation::from)
                .ok_or_else(|| NO_SAMPLES.to_owned())
        }
        ("http_reqs", _) => {
            let (count, per_second) = match filter {
                None => (totals.requests, totals.req_per_s),
                Some(name) => match results.endpoint(name) {
                    Some(endpoint) => (endpoint.requests, endpoint.req_per_s),
                    // Zero is a real count: `count > 0` must fail, `count
                    // == 0` pass; the note says the name was never seen.
                    None => {
                        let value = 0.0;
                        let names = results.endpoints.iter().map(|e| e.name.as_str());
                        let note = Some(no_such("request", name, names));
                        return Ok(Observation {
                            value,
                            note,
                            unit: None,
                        });
                    }
                },
            };
            Ok(pick(aggregation, count, per_second).into())
        }
        ("iterations", _) => {
            let count = totals.iterations.total;
            Ok(pick(aggregation, count, totals.iterations_per_s).into())
        }
        ("data_received", _) => Ok(pick(
            aggregation,
            totals.bytes_received,
            totals.received_bytes_per_s,
        )
        .into()),
        ("data_sent", _) => {
            Ok(pick(aggregation, totals.bytes_sent, totals.sent_bytes_per_s).into())
        }
        (name, _) => Err(format!("metric `{name}` cannot be judged")),
    }
}

const NO_SAMPLES: &str = "no samples";

fn pick(aggregation: Aggregation, count: u64, per_second: f64) -> f64 {
    if aggregation == Aggregation::Rate {
        per_second
    } else {
        count as f64
    }
}

/// The requests of a tag filter (`{status:500}`), counted apart during
/// the run.
fn tagged(
    source: &Source,
    key: &str,
    aggregation: Aggregation,
    results: &RunResults,
) -> Result<Observation, String> {
    let Some(requests) = results.submetric(key) else {
        return Err(format!(
            "the results hold no requests filtered by `{{{key}}}` (the run did not count them)"
        ));
    };
    let none = || format!("{NO_SAMPLES}: no request matched `{{{key}}}`");
    match source.metric.name {
        HTTP_REQ_DURATION => {
            if requests.requests == 0 {
                return Err(none());
            }
            let histogram_key = format!("{HTTP_REQ_DURATION}{{{key}}}");
            duration_of(&requests.stats, &histogram_key, aggregation, results)
                .map(Observation::from)
        }
        "http_req_failed" if requests.requests > 0 => Ok(requests.failure_rate().into()),
        "http_req_failed" => Err(none()),
        _ => Ok(pick(aggregation, requests.requests, requests.req_per_s).into()),
    }
}

/// The value of the journey's own metric.
fn custom(
    source: &Source,
    aggregation: Aggregation,
    results: &RunResults,
) -> Result<Observation, String> {
    let name = source.custom.as_deref().unwrap_or_default();
    let Some(metric) = results.custom_metric(name) else {
        let names = results.custom.iter().map(|m| m.name.as_str());
        return Err(format!(
            "{NO_SAMPLES}: {}",
            no_such("metric of the journey", name, names)
        ));
    };
    let wrong = |takes: &str| {
        format!(
            "`{name}` is a {} metric; it takes {takes}",
            metric.kind().as_str()
        )
    };
    let (value, unit) = match (&metric.value, aggregation) {
        (CustomValue::Counter { count, .. }, Aggregation::Count) => (*count, ValueUnit::Count),
        (CustomValue::Counter { rate, .. }, Aggregation::Rate) => (*rate, ValueUnit::PerSecond),
        (CustomValue::Counter { .. }, _) => return Err(wrong("count, rate")),
        (CustomValue::Gauge { value, .. }, Aggregation::Value) => (*value, ValueUnit::Count),
        (CustomValue::Gauge { min, .. }, Aggregation::Min) => (*min, ValueUnit::Count),
        (CustomValue::Gauge { max, .. }, Aggregation::Max) => (*max, ValueUnit::Count),
        (CustomValue::Gauge { .. }, _) => return Err(wrong("value, min, max")),
        (CustomValue::Rate { passes, fails, .. }, _) if passes + fails == 0 => {
            return Err(NO_SAMPLES.to_owned());
        }
        (CustomValue::Rate { rate, .. }, Aggregation::Rate) => (*rate, ValueUnit::Fraction),
        (CustomValue::Rate { .. }, _) => return Err(wrong("rate")),
        (CustomValue::Trend(_), Aggregation::Count | Aggregation::Rate | Aggregation::Value) => {
            return Err(wrong("avg, min, max, med, p(N)"));
        }
        (CustomValue::Trend(stats), _) if stats.count == 0 => return Err(NO_SAMPLES.to_owned()),
        (CustomValue::Trend(stats), _) => (
            duration_of(stats, name, aggregation, results)?,
            ValueUnit::Count,
        ),
    };
    Ok(Observation {
        value,
        note: None,
        unit: Some(unit),
    })
}

/// The duration (ms) a trend threshold is about.
fn trend(source: &Source, aggregation: Aggregation, results: &RunResults) -> Result<f64, String> {
    let metric = source.metric.name;
    if metric == TRANSACTION_DURATION {
        return transaction(source, aggregation, results);
    }
    let (stats, key) = match source.filter.as_deref() {
        Some(name) => match results.endpoint(name) {
            Some(endpoint) => (endpoint.stats, endpoint_histogram_key(name)),
            None => return Err(no_endpoint(results, name)),
        },
        None => {
            let stats = match metric {
                HTTP_REQ_DURATION => results.http_req_duration,
                ITERATION_DURATION => results.iteration_duration,
                phase => *results
                    .phases
                    .by_metric(phase)
                    .ok_or_else(|| format!("metric `{phase}` is not in the results"))?,
            };
            (stats, metric.to_owned())
        }
    };
    if stats.count == 0 {
        return Err(NO_SAMPLES.to_owned());
    }
    duration_of(&stats, &key, aggregation, results)
}

/// A transaction's durations, or all transactions' together.
fn transaction(
    source: &Source,
    aggregation: Aggregation,
    results: &RunResults,
) -> Result<f64, String> {
    if let Some(name) = source.filter.as_deref() {
        let Some(transaction) = results.transaction(name) else {
            let names = results.transactions.iter().map(|t| t.name.as_str());
            return Err(format!(
                "{NO_SAMPLES}: {}",
                no_such("transaction", name, names)
            ));
        };
        if transaction.stats.count == 0 {
            return Err(NO_SAMPLES.to_owned());
        }
        let key = transaction_histogram_key(name);
        return duration_of(&transaction.stats, &key, aggregation, results);
    }
    let mut all = crate::histogram::new_histogram();
    for transaction in &results.transactions {
        let key = transaction_histogram_key(&transaction.name);
        match results.try_histogram(&key) {
            Ok(Some(histogram)) => crate::histogram::merge(&mut all, &histogram),
            Ok(None) => return Err(format!("histogram `{key}` is not in the results")),
            Err(error) => return Err(error.to_string()),
        }
    }
    if all.is_empty() {
        return Err(NO_SAMPLES.to_owned());
    }
    from_histogram(&all, aggregation).ok_or_else(|| "not a duration aggregation".to_owned())
}

/// `aggregation` of durations summed up in `stats`, reading the histogram
/// under `key` for percentiles the statistics do not hold.
fn duration_of(
    stats: &DurationStats,
    key: &str,
    aggregation: Aggregation,
    results: &RunResults,
) -> Result<f64, String> {
    if let Some(value) = from_stats(stats, aggregation) {
        return Ok(value);
    }
    let histogram = match results.try_histogram(key) {
        Ok(Some(histogram)) => histogram,
        Ok(None) => return Err(format!("histogram `{key}` is not in the results")),
        Err(error) => return Err(error.to_string()),
    };
    from_histogram(&histogram, aggregation)
        .ok_or_else(|| format!("`{key}` has no aggregation {aggregation:?}"))
}

fn from_stats(stats: &DurationStats, aggregation: Aggregation) -> Option<f64> {
    Some(match aggregation {
        Aggregation::Avg => stats.avg,
        Aggregation::Min => stats.min,
        Aggregation::Max => stats.max,
        Aggregation::Med => stats.p50,
        Aggregation::Percentile(50.0) => stats.p50,
        Aggregation::Percentile(90.0) => stats.p90,
        Aggregation::Percentile(95.0) => stats.p95,
        Aggregation::Percentile(99.0) => stats.p99,
        Aggregation::Percentile(99.9) => stats.p99_9,
        Aggregation::Percentile(100.0) => stats.max,
        _ => return None,
    })
}

fn from_histogram(histogram: &Histogram<u64>, aggregation: Aggregation) -> Option<f64> {
    let micros = match aggregation {
        Aggregation::Avg => histogram.mean(),
        Aggregation::Min => histogram.min() as f64,
        Aggregation::Max => histogram.max() as f64,
        Aggregation::Med => histogram.value_at_quantile(0.5) as f64,
        Aggregation::Percentile(p) => histogram.value_at_quantile(p / 100.0) as f64,
        // Parsing allows only the aggregations above for trends.
        Aggregation::Rate | Aggregation::Count | Aggregation::Value => return None,
    };
    Some(micros_to_ms(micros))
}

/// A value in the base unit, shown in `unit` (fractions as percentages).
fn in_unit(value: f64, unit: ValueUnit) -> f64 {
    match unit {
        ValueUnit::Fraction => value * 100.0,
        _ => value,
    }
}

/// `no samples: no request named `qurey`; did you mean `query`?`
fn no_endpoint(results: &RunResults, name: &str) -> String {
    let names = results.endpoints.iter().map(|e| e.name.as_str());
    format!("{NO_SAMPLES}: {}", no_such("request", name, names))
}

/// `no request named `qurey`; did you mean `query`?`
fn no_such<'n>(what: &str, name: &str, known: impl Iterator<Item = &'n str>) -> String {
    match closest(name, known) {
        Some(near) => format!("no {what} named `{name}`; did you mean `{near}`?"),
        None => format!("no {what} named `{name}`"),
    }
}
