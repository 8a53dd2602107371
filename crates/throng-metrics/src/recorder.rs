//! [`Metrics`]: the recorder every VU of a run shares.
//!
//! Recording must not make all VUs queue on one lock, so the recorder is a
//! fixed set of shards, each behind its own mutex; a thread always records
//! into the same shard (picked once per thread), and so almost never waits.
//! [`Metrics::results`] locks the shards one after another and adds them up.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

use hashbrown::HashMap;
use hdrhistogram::Histogram;

use crate::custom::{
    CustomMetric, MetricError, MetricKind, Sample, Series, Transaction, TransactionStats,
    check_metric_name, check_value, transaction_histogram_key, trend_units,
};
use crate::histogram::{self, decode, encode, new_histogram};
use crate::results::{
    CheckStats, ChecksSummary, DurationStats, EndpointStats, ErrorCount, ErrorSource,
    ErrorsSummary, HTTP_REQ_DURATION, ITERATION_DURATION, IterationCounts, PHASE_METRICS,
    PhaseStats, RunMeta, RunResults, SCHEDULE_LAG, SCHEMA, TimelinePoint, Totals,
    endpoint_histogram_key, per_second, ratio,
};
use crate::sample::{ErrorClass, IterationOutcome, Phases, RequestSample};
use crate::submetric::{RequestTags, Submetric};

/// How many distinct error messages [`Metrics::results`] lists.
pub const MAX_LISTED_ERRORS: usize = 5;

/// How many distinct messages one shard keeps counting; more than the
/// listed ones so that a message first seen on one thread is still counted
/// when it recurs on another.
const TRACKED_ERRORS_PER_SHARD: usize = 32;

/// Longer error messages are cut to this many characters.
const MAX_MESSAGE_CHARS: usize = 300;

/// The phases of a request as an array, in the order of [`PHASE_METRICS`].
fn phase_durations(phases: &Phases) -> [Duration; 6] {
    [
        phases.blocked,
        phases.connect,
        phases.tls,
        phases.sending,
        phases.waiting,
        phases.receiving,
    ]
}

/// Gives each thread a number once; the thread records into shard
/// `number % shards`.
static NEXT_THREAD: AtomicUsize = AtomicUsize::new(0);

thread_local! {
    static THREAD_NUMBER: usize = NEXT_THREAD.fetch_add(1, Ordering::Relaxed);
}

/// Records requests, checks, iterations, custom metrics and transactions
/// from every VU of a run.
///
/// `Send + Sync`; share it through an `Arc`. Recording is cheap: one
/// uncontended lock, histogram increments, and an allocation only the first
/// time a thread sees a request, check, metric or transaction name.
pub struct Metrics {
    shards: Box<[Mutex<Option<Shard>>]>,
    /// The kind of each custom metric name, decided by the first call that
    /// records it. A shard asks here only the first time it sees a name.
    kinds: Mutex<HashMap<String, MetricKind>>,
    /// One point per second, appended by [`Metrics::sample_timeline`].
    timeline: Mutex<Timeline>,
    /// Orders distinct error messages by when they were first seen, across
    /// shards.
    error_sequence: AtomicU64,
    /// Tag filters whose requests are counted apart.
    submetrics: Box<[Submetric]>,
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}

impl std::fmt::Debug for Metrics {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Metrics")
            .field("shards", &self.shards.len())
            .finish_non_exhaustive()
    }
}

impl Metrics {
    /// An empty recorder with twice as many shards as the machine has
    /// hardware threads (a power of two from 4 to 64), so that tokio's
    /// workers and blocking threads rarely share one.
    pub fn new() -> Self {
        let threads = std::thread::available_parallelism().map_or(4, usize::from);
        let shards = (threads * 2).next_power_of_two().clamp(4, 64);
        Metrics {
            shards: (0..shards).map(|_| Mutex::new(None)).collect(),
            kinds: Mutex::new(HashMap::new()),
            timeline: Mutex::new(Timeline::default()),
            error_sequence: AtomicU64::new(0),
            submetrics: Box::new([]),
        }
    }

    /// An empty recorder that also counts the requests matching each of
    /// `submetrics` apart (the tag filters of the plan's thresholds);
    /// duplicates are counted once.
    pub fn with_submetrics(submetrics: impl IntoIterator<Item = Submetric>) -> Self {
        let mut unique: Vec<Submetric> = Vec::new();
        for submetric in submetrics {
            if !unique.iter().any(|s| s.key() == submetric.key()) {
                unique.push(submetric);
            }
        }
        Metrics {
            submetrics: unique.into_boxed_slice(),
            ..Metrics::new()
        }
    }

    /// Records one finished request.
    pub fn record_request(&self, sample: &RequestSample<'_>) {
        self.record_request_tagged(sample, &RequestTags::default());
    }

    /// Records one finished request with its task and the journey's tags,
    /// which the recorder's sub-metrics may filter on.
    pub fn record_request_tagged(&self, sample: &RequestSample<'_>, tags: &RequestTags<'_>) {
        let class = sample.error_class();
        self.with_shard(|shard| {
            if !self.submetrics.is_empty() {
                if shard.submetrics.len() < self.submetrics.len() {
                    shard
                        .submetrics
                        .resize_with(self.submetrics.len(), RequestCounts::default);
                }
                for (counts, submetric) in shard.submetrics.iter_mut().zip(&*self.submetrics) {
                    if submetric.matches(sample, tags) {
                        counts.record(sample, class);
                    }
                }
            }
            shard.requests.record(sample, class);
            histogram::record(&mut shard.interval, sample.duration);
            for (histogram, duration) in
                shard.phases.iter_mut().zip(phase_durations(&sample.phases))
            {
                histogram::record(histogram, duration);
            }
            let endpoint = slot(&mut shard.endpoints, sample.name);
            endpoint.requests.record(sample, class);
            if !endpoint
                .methods
                .iter()
                .any(|method| method == sample.method)
            {
                endpoint.methods.push(sample.method.to_owned());
            }
            if let Some(message) = sample.error_message {
                shard.errors.record(
                    ErrorSource::Request,
                    Some(sample.name),
                    message,
                    &self.error_sequence,
                );
            }
        });
    }

    /// Records one check the journey made.
    pub fn record_check(&self, name: &str, passed: bool) {
        self.with_shard(|shard| {
            let check = slot(&mut shard.checks, name);
            if passed {
                check.passed += 1;
            } else {
                check.failed += 1;
            }
        });
    }

    /// Records one ended iteration. `error` is the guest's error or the
    /// reason for the interruption; the first distinct ones are kept with
    /// their counts.
    pub fn record_iteration(
        &self,
        duration: Duration,
        outcome: IterationOutcome,
        error: Option<&str>,
    ) {
        self.with_shard(|shard| {
            match outcome {
                IterationOutcome::Completed => shard.iterations.completed += 1,
                IterationOutcome::Failed => shard.iterations.failed += 1,
                IterationOutcome::Interrupted => shard.iterations.interrupted += 1,
            }
            if outcome != IterationOutcome::Interrupted {
                histogram::record(&mut shard.iteration_duration, duration);
            }
            if let Some(message) = error {
                shard
                    .errors
                    .record(ErrorSource::Iteration, None, message, &self.error_sequence);
            }
        });
    }

    /// Adds `value` to the counter `name` (k6's `Counter`).
    ///
    /// Refused, with nothing recorded, when the name is not a valid custom
    /// metric name ([`check_metric_name`](crate::check_metric_name)), is
    /// already another kind in this recorder, or `value` is negative or not
    /// finite.
    pub fn add_counter(&self, name: &str, value: f64) -> Result<(), MetricError> {
        check_metric_name(name)?;
        check_value(name, MetricKind::Counter, value)?;
        self.record_custom(name, Sample::Counter(value))
    }

    /// Sets the gauge `name` to `value` (k6's `Gauge`): the last value set
    /// (by the monotonic clock, across threads) is kept, with the smallest
    /// and the largest. Refused like [`Metrics::add_counter`], except that
    /// negative values are fine.
    pub fn set_gauge(&self, name: &str, value: f64) -> Result<(), MetricError> {
        check_metric_name(name)?;
        check_value(name, MetricKind::Gauge, value)?;
        self.record_custom(name, Sample::Gauge(value, Instant::now()))
    }

    /// Counts one event of the rate `name` (k6's `Rate`), a hit when `hit`.
    /// Refused when the name is invalid or another kind.
    pub fn add_rate(&self, name: &str, hit: bool) -> Result<(), MetricError> {
        check_metric_name(name)?;
        self.record_custom(name, Sample::Rate(hit))
    }

    /// Adds `value` to the trend `name` (k6's `Trend`). The histogram keeps
    /// thousandths of the value's unit with 3 significant digits; values
    /// above [`MAX_TREND_VALUE`](crate::MAX_TREND_VALUE) are recorded as it.
    /// Refused like [`Metrics::add_counter`].
    pub fn add_trend(&self, name: &str, value: f64) -> Result<(), MetricError> {
        check_metric_name(name)?;
        check_value(name, MetricKind::Trend, value)?;
        self.record_custom(name, Sample::Trend(trend_units(value)))
    }

    /// Records one ended transaction `name` that took `duration`, failed
    /// unless `ok`. Any non-empty name is fine: transactions have names of
    /// their own, like requests.
    pub fn record_transaction(&self, name: &str, duration: Duration, ok: bool) {
        self.with_shard(|shard| {
            let transaction = slot(&mut shard.transactions, name);
            histogram::record(&mut transaction.duration, duration);
            if !ok {
                transaction.failed += 1;
            }
        });
    }

    /// Counts a transaction `name` that was still open when its iteration
    /// ended: it is not timed.
    pub fn record_interrupted_transaction(&self, name: &str) {
        self.with_shard(|shard| slot(&mut shard.transactions, name).interrupted += 1);
    }

    fn record_custom(&self, name: &str, sample: Sample) -> Result<(), MetricError> {
        self.with_shard(|shard| {
            if let Some(series) = shard.custom.get_mut(name) {
                return series.record(name, sample);
            }
            // First time this shard sees the name: the recorder-wide kind decides.
            // The series is kept even when this call is refused, so the
            // next refusal needs no recorder-wide lock.
            let kind = *self
                .kinds
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .entry(name.to_owned())
                .or_insert(sample.kind());
            shard
                .custom
                .entry(name.to_owned())
                .or_insert_with(|| Series::new(kind))
                .record(name, sample)
        })
    }

    /// Records a VU whose `on-start` failed.
    pub fn record_vu_start_failure(&self, error: &str) {
        self.with_shard(|shard| {
            shard.vu_start_failures += 1;
            shard
                .errors
                .record(ErrorSource::VuStart, None, error, &self.error_sequence);
        });
    }

    /// Everything recorded so far, merged. Callable while VUs still record
    /// (each shard is read at a slightly different instant) and at the end.
    /// `thresholds` is left empty for the caller to fill.
    pub fn results(&self, meta: RunMeta) -> RunResults {
        Self::merged_results(&[self], meta)
    }

    /// Results of several recorders added up (the scenarios of one plan):
    /// histograms merge exactly, counters add, timelines add point by point.
    pub fn merged_results(all: &[&Metrics], meta: RunMeta) -> RunResults {
        let mut total = Shard::new();
        let mut submetrics: BTreeMap<String, RequestCounts> = BTreeMap::new();
        for metrics in all {
            metrics.fold_into(&mut total);
            metrics.fold_submetrics_into(&mut submetrics);
        }
        let mut results = total.into_results(meta);
        results.submetrics = submetrics
            .into_iter()
            .map(|(key, counts)| {
                results.histograms.insert(
                    format!("{HTTP_REQ_DURATION}{{{key}}}"),
                    encode(&counts.duration),
                );
                counts.stats(key, String::new(), results.meta.duration)
            })
            .collect();
        results.timeline = match all {
            [one] => one.timeline(),
            _ => {
                let timelines: Vec<_> = all.iter().map(|m| m.lock_timeline()).collect();
                let timelines: Vec<&Timeline> = timelines.iter().map(|t| &**t).collect();
                add_timelines(&timelines)
            }
        };
        results
    }

    /// Counts an open-model iteration that was due while no VU was free.
    pub fn record_dropped_iteration(&self) {
        self.with_shard(|shard| shard.dropped_iterations += 1);
    }

    /// Records how late an open-model iteration started against its
    /// schedule.
    pub fn record_schedule_lag(&self, lag: Duration) {
        self.with_shard(|shard| histogram::record(&mut shard.schedule_lag, lag));
    }

    /// Cumulative counts and the p95 of request durations so far, for live
    /// progress. Merges the shards' counters and one histogram each.
    pub fn live(&self) -> LiveTotals {
        let mut live = LiveTotals::default();
        let mut durations = new_histogram();
        for shard in self.shards.iter() {
            let guard = shard.lock().unwrap_or_else(PoisonError::into_inner);
            if let Some(shard) = guard.as_ref() {
                live.requests += shard.requests.count;
                live.failed += shard.requests.failed;
                live.iterations += shard.iterations.completed
                    + shard.iterations.failed
                    + shard.iterations.interrupted;
                live.dropped_iterations += shard.dropped_iterations;
                histogram::merge(&mut durations, &shard.requests.duration);
            }
        }
        live.p95_ms =
            (!durations.is_empty()).then(|| durations.value_at_quantile(0.95) as f64 / 1_000.0);
        live
    }

    /// Appends one timeline point: `t` since the plan started and the VUs
    /// active now; the counts, rates and the percentiles of the requests
    /// that finished since the previous point come from the recorder
    /// itself. Call it from one task (the run's sampler), about once a
    /// second.
    pub fn sample_timeline(&self, t: Duration, vus: u32) {
        let mut point = TimelinePoint {
            t_s: t.as_secs_f64(),
            vus,
            ..TimelinePoint::default()
        };
        let mut interval = new_histogram();
        for shard in self.shards.iter() {
            let mut guard = shard.lock().unwrap_or_else(PoisonError::into_inner);
            if let Some(shard) = guard.as_mut() {
                point.requests += shard.requests.count;
                point.failed += shard.requests.failed;
                point.iterations += shard.iterations.completed
                    + shard.iterations.failed
                    + shard.iterations.interrupted;
                point.dropped_iterations += shard.dropped_iterations;
                histogram::merge(&mut interval, &shard.interval);
                shard.interval.reset();
            }
        }
        let mut timeline = self.timeline.lock().unwrap_or_else(PoisonError::into_inner);
        let previous = timeline.points.last().copied().unwrap_or_default();
        let elapsed = point.t_s - previous.t_s;
        if elapsed > 0.0 {
            point.req_per_s = point.requests.saturating_sub(previous.requests) as f64 / elapsed;
            point.failed_per_s = point.failed.saturating_sub(previous.failed) as f64 / elapsed;
        }
        set_percentiles(&mut point, &interval);
        timeline.points.push(point);
        timeline.intervals.push(encode(&interval));
    }

    /// The timeline so far.
    pub fn timeline(&self) -> Vec<TimelinePoint> {
        self.lock_timeline().points.clone()
    }

    fn lock_timeline(&self) -> std::sync::MutexGuard<'_, Timeline> {
        self.timeline.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Adds this recorder's sub-metrics into `total`, by key: every one the
    /// recorder was built with, recorded into or not.
    fn fold_submetrics_into(&self, total: &mut BTreeMap<String, RequestCounts>) {
        for submetric in self.submetrics.iter() {
            total.entry(submetric.key().to_owned()).or_default();
        }
        for shard in self.shards.iter() {
            let guard = shard.lock().unwrap_or_else(PoisonError::into_inner);
            if let Some(shard) = guard.as_ref() {
                for (counts, submetric) in shard.submetrics.iter().zip(&*self.submetrics) {
                    if let Some(mine) = total.get_mut(submetric.key()) {
                        mine.merge(counts);
                    }
                }
            }
        }
    }

    fn fold_into(&self, total: &mut Shard) {
        for shard in self.shards.iter() {
            let guard = shard.lock().unwrap_or_else(PoisonError::into_inner);
            if let Some(shard) = guard.as_ref() {
                total.merge(shard);
            }
        }
    }

    fn with_shard<R>(&self, record: impl FnOnce(&mut Shard) -> R) -> R {
        let index = THREAD_NUMBER.with(|number| number % self.shards.len());
        // A panic while holding the lock cannot leave a shard half updated
        // in a way that matters (counters only), so poisoning is ignored.
        let mut guard = self.shards[index]
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        record(guard.get_or_insert_with(Shard::new))
    }
}

/// Cumulative counts of a recorder at one moment.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct LiveTotals {
    /// Requests so far.
    pub requests: u64,
    /// Failed requests so far.
    pub failed: u64,
    /// Iterations finished so far (any outcome).
    pub iterations: u64,
    /// Iterations dropped so far.
    pub dropped_iterations: u64,
    /// p95 of request durations so far, in milliseconds.
    pub p95_ms: Option<f64>,
}

/// A recorder's timeline: its points, and beside each the histogram of
/// the request durations of its interval, compressed (a few hundred bytes
/// a second), so that the timelines of several recorders add up to exact
/// percentiles.
#[derive(Default)]
struct Timeline {
    points: Vec<TimelinePoint>,
    intervals: Vec<String>,
}

/// Sets the interval percentiles of `point` from `interval`'s durations.
fn set_percentiles(point: &mut TimelinePoint, interval: &Histogram<u64>) {
    let at = |quantile: f64| {
        (!interval.is_empty()).then(|| interval.value_at_quantile(quantile) as f64 / 1_000.0)
    };
    point.p50_ms = at(0.50);
    point.p95_ms = at(0.95);
    point.p99_ms = at(0.99);
}

/// Adds timelines sampled at the same instants (every recorder of a plan is
/// sampled by one ticker), point by point; the interval percentiles come
/// from the recorders' interval histograms added together.
fn add_timelines(timelines: &[&Timeline]) -> Vec<TimelinePoint> {
    let len = timelines.iter().map(|t| t.points.len()).max().unwrap_or(0);
    (0..len)
        .map(|i| {
            let mut sum = TimelinePoint::default();
            let mut interval = new_histogram();
            for timeline in timelines {
                let Some(point) = timeline.points.get(i) else {
                    continue;
                };
                sum.t_s = point.t_s;
                sum.vus += point.vus;
                sum.requests += point.requests;
                sum.failed += point.failed;
                sum.iterations += point.iterations;
                sum.dropped_iterations += point.dropped_iterations;
                sum.req_per_s += point.req_per_s;
                sum.failed_per_s += point.failed_per_s;
                // Written by `encode` above, so decoding cannot fail.
                if let Some(Ok(histogram)) = timeline.intervals.get(i).map(|h| decode(h)) {
                    histogram::merge(&mut interval, &histogram);
                }
            }
            set_percentiles(&mut sum, &interval);
            sum
        })
        .collect()
}

/// The entry for `key`, created empty the first time; allocates only then,
/// and hashes the key once.
fn slot<'m, V: Default>(map: &'m mut HashMap<String, V>, key: &str) -> &'m mut V {
    map.entry_ref(key).or_default()
}

/// What one shard (or the merge of all) has recorded.
struct Shard {
    requests: RequestCounts,
    phases: [Histogram<u64>; 6],
    endpoints: HashMap<String, Endpoint>,
    iteration_duration: Histogram<u64>,
    iterations: IterationCounts,
    checks: HashMap<String, CheckCount>,
    errors: ErrorLog,
    vu_start_failures: u64,
    dropped_iterations: u64,
    schedule_lag: Histogram<u64>,
    custom: HashMap<String, Series>,
    transactions: HashMap<String, Transaction>,
    /// Request durations since the last timeline point; emptied by
    /// [`Metrics::sample_timeline`], never merged into results.
    interval: Histogram<u64>,
    /// Requests of each of the recorder's sub-metrics, in their order;
    /// empty until the first request.
    submetrics: Vec<RequestCounts>,
}

impl Shard {
    fn new() -> Shard {
        Shard {
            requests: RequestCounts::default(),
            phases: std::array::from_fn(|_| new_histogram()),
            endpoints: HashMap::new(),
            iteration_duration: new_histogram(),
            iterations: IterationCounts::default(),
            checks: HashMap::new(),
            errors: ErrorLog::default(),
            vu_start_failures: 0,
            dropped_iterations: 0,
            schedule_lag: new_histogram(),
            custom: HashMap::new(),
            transactions: HashMap::new(),
            interval: new_histogram(),
            submetrics: Vec::new(),
        }
    }

    fn merge(&mut self, other: &Shard) {
        self.requests.merge(&other.requests);
        for (mine, theirs) in self.phases.iter_mut().zip(&other.phases) {
            histogram::merge(mine, theirs);
        }
        for (name, theirs) in &other.endpoints {
            let mine = slot(&mut self.endpoints, name);
            mine.requests.merge(&theirs.requests);
            for method in &theirs.methods {
                if !mine.methods.contains(method) {
                    mine.methods.push(method.clone());
                }
            }
        }
        histogram::merge(&mut self.iteration_duration, &other.iteration_duration);
        self.iterations.completed += other.iterations.completed;
        self.iterations.failed += other.iterations.failed;
        self.iterations.interrupted += other.iterations.interrupted;
        for (name, theirs) in &other.checks {
            let mine = slot(&mut self.checks, name);
            mine.passed += theirs.passed;
            mine.failed += theirs.failed;
        }
        self.errors.merge(&other.errors);
        self.vu_start_failures += other.vu_start_failures;
        self.dropped_iterations += other.dropped_iterations;
        histogram::merge(&mut self.schedule_lag, &other.schedule_lag);
        for (name, theirs) in &other.custom {
            // Within one recorder a name has one kind; across scenarios the
            // first recorder merged decides and other kinds are left out.
            self.custom
                .entry(name.clone())
                .or_insert_with(|| theirs.empty_like())
                .merge(theirs);
        }
        for (name, theirs) in &other.transactions {
            slot(&mut self.transactions, name).merge(theirs);
        }
    }

    fn into_results(self, meta: RunMeta) -> RunResults {
        let wall = meta.duration;
        let requests = &self.requests;
        let mut iterations = self.iterations;
        iterations.total = iterations.completed + iterations.failed + iterations.interrupted;

        let totals = Totals {
            requests: requests.count,
            failed: requests.failed,
            failure_rate: ratio(requests.failed, requests.count),
            req_per_s: per_second(requests.count, wall),
            bytes_received: requests.bytes_received,
            bytes_sent: requests.bytes_sent,
            received_bytes_per_s: per_second(requests.bytes_received, wall),
            sent_bytes_per_s: per_second(requests.bytes_sent, wall),
            iterations,
            iterations_per_s: per_second(iterations.total, wall),
            errors_by_class: requests.errors_by_class(),
            vu_start_failures: self.vu_start_failures,
            dropped_iterations: self.dropped_iterations,
        };

        let mut histograms = BTreeMap::new();
        histograms.insert(HTTP_REQ_DURATION.to_owned(), encode(&requests.duration));
        histograms.insert(
            ITERATION_DURATION.to_owned(),
            encode(&self.iteration_duration),
        );
        if !self.schedule_lag.is_empty() {
            histograms.insert(SCHEDULE_LAG.to_owned(), encode(&self.schedule_lag));
        }
        for (key, histogram) in PHASE_METRICS.iter().zip(&self.phases) {
            histograms.insert((*key).to_owned(), encode(histogram));
        }

        let mut endpoints: Vec<EndpointStats> = self
            .endpoints
            .iter()
            .map(|(name, endpoint)| {
                let counts = &endpoint.requests;
                histograms.insert(endpoint_histogram_key(name), encode(&counts.duration));
                counts.stats(name.clone(), endpoint.methods.join(","), wall)
            })
            .collect();
        endpoints.sort_by(|a, b| a.name.cmp(&b.name));

        let mut by_name: Vec<CheckStats> = self
            .checks
            .iter()
            .map(|(name, count)| CheckStats {
                name: name.clone(),
                passed: count.passed,
                failed: count.failed,
            })
            .collect();
        by_name.sort_by(|a, b| a.name.cmp(&b.name));
        let checks = ChecksSummary {
            passed: by_name.iter().map(|check| check.passed).sum(),
            failed: by_name.iter().map(|check| check.failed).sum(),
            by_name,
        };

        let mut custom: Vec<CustomMetric> = self
            .custom
            .iter()
            .map(|(name, series)| {
                if let Series::Trend(values) = series {
                    histograms.insert(name.clone(), encode(values));
                }
                CustomMetric {
                    name: name.clone(),
                    value: series.value(wall),
                }
            })
            .collect();
        custom.sort_by(|a, b| a.name.cmp(&b.name));

        let mut transactions: Vec<TransactionStats> = self
            .transactions
            .iter()
            .map(|(name, transaction)| {
                histograms.insert(
                    transaction_histogram_key(name),
                    encode(&transaction.duration),
                );
                transaction.stats(name, wall)
            })
            .collect();
        transactions.sort_by(|a, b| a.name.cmp(&b.name));

        let [blocked, connect, tls, sending, waiting, receiving] =
            self.phases.each_ref().map(DurationStats::from_histogram);

        RunResults {
            schema: SCHEMA.to_owned(),
            partial: false,
            meta,
            totals,
            http_req_duration: DurationStats::from_histogram(&requests.duration),
            phases: PhaseStats {
                blocked,
                connect,
                tls,
                sending,
                waiting,
                receiving,
            },
            iteration_duration: DurationStats::from_histogram(&self.iteration_duration),
            endpoints,
            checks,
            errors: self.errors.summary(),
            thresholds: Vec::new(),
            histograms,
            schedule_lag: DurationStats::from_histogram(&self.schedule_lag),
            timeline: Vec::new(),
            custom,
            transactions,
            submetrics: Vec::new(),
            generator: None,
            scenarios: Vec::new(),
        }
    }
}

/// Counters and the duration histogram of a set of requests.
struct RequestCounts {
    duration: Histogram<u64>,
    count: u64,
    failed: u64,
    by_class: [u64; ErrorClass::ALL.len()],
    bytes_received: u64,
    bytes_sent: u64,
}

impl Default for RequestCounts {
    fn default() -> Self {
        RequestCounts {
            duration: new_histogram(),
            count: 0,
            failed: 0,
            by_class: [0; ErrorClass::ALL.len()],
            bytes_received: 0,
            bytes_sent: 0,
        }
    }
}

impl RequestCounts {
    fn record(&mut self, sample: &RequestSample<'_>, class: Option<ErrorClass>) {
        histogram::record(&mut self.duration, sample.duration);
        self.count += 1;
        if let Some(class) = class {
            self.failed += 1;
            self.by_class[class.index()] += 1;
        }
        self.bytes_received += sample.bytes_received;
        self.bytes_sent += sample.bytes_sent;
    }

    fn merge(&mut self, other: &RequestCounts) {
        histogram::merge(&mut self.duration, &other.duration);
        self.count += other.count;
        self.failed += other.failed;
        for (mine, theirs) in self.by_class.iter_mut().zip(other.by_class) {
            *mine += theirs;
        }
        self.bytes_received += other.bytes_received;
        self.bytes_sent += other.bytes_sent;
    }

    /// These requests' figures under `name`.
    fn stats(&self, name: String, method: String, wall: Duration) -> EndpointStats {
        EndpointStats {
            name,
            method,
            requests: self.count,
            failed: self.failed,
            errors_by_class: self.errors_by_class(),
            bytes_received: self.bytes_received,
            bytes_sent: self.bytes_sent,
            req_per_s: per_second(self.count, wall),
            stats: DurationStats::from_histogram(&self.duration),
        }
    }

    fn errors_by_class(&self) -> BTreeMap<ErrorClass, u64> {
        ErrorClass::ALL
            .into_iter()
            .zip(self.by_class)
            .filter(|&(_, count)| count > 0)
            .collect()
    }
}

#[derive(Default)]
struct Endpoint {
    requests: RequestCounts,
    /// Methods seen under this name, in the order first seen (almost always
    /// one).
    methods: Vec<String>,
}

#[derive(Default)]
struct CheckCount {
    passed: u64,
    failed: u64,
}

/// The first distinct error messages and their counts.
#[derive(Default)]
struct ErrorLog {
    entries: Vec<ErrorEntry>,
    /// Occurrences of messages not in `entries`.
    unlisted: u64,
}

struct ErrorEntry {
    source: ErrorSource,
    name: Option<String>,
    message: String,
    count: u64,
    first_seen: u64,
}

impl ErrorEntry {
    fn is(&self, source: ErrorSource, name: Option<&str>, message: &str) -> bool {
        self.source == source && self.name.as_deref() == name && self.message == message
    }
}

impl ErrorLog {
    fn record(
        &mut self,
        source: ErrorSource,
        name: Option<&str>,
        message: &str,
        sequence: &AtomicU64,
    ) {
        let message = truncate(message);
        if let Some(entry) = self
            .entries
            .iter_mut()
            .find(|entry| entry.is(source, name, message))
        {
            entry.count += 1;
        } else if self.entries.len() < TRACKED_ERRORS_PER_SHARD {
            self.entries.push(ErrorEntry {
                source,
                name: name.map(str::to_owned),
                message: message.to_owned(),
                count: 1,
                first_seen: sequence.fetch_add(1, Ordering::Relaxed),
            });
        } else {
            self.unlisted += 1;
        }
    }

    /// Adds `other`'s entries, without a cap: only the merged log of all
    /// shards grows past the per-shard limit, and only for the summary.
    fn merge(&mut self, other: &ErrorLog) {
        for theirs in &other.entries {
            if let Some(mine) = self
                .entries
                .iter_mut()
                .find(|mine| mine.is(theirs.source, theirs.name.as_deref(), &theirs.message))
            {
                mine.count += theirs.count;
                mine.first_seen = mine.first_seen.min(theirs.first_seen);
            } else {
                self.entries.push(ErrorEntry {
                    source: theirs.source,
                    name: theirs.name.clone(),
                    message: theirs.message.clone(),
                    count: theirs.count,
                    first_seen: theirs.first_seen,
                });
            }
        }
        self.unlisted += other.unlisted;
    }

    fn summary(mut self) -> ErrorsSummary {
        self.entries.sort_by_key(|entry| entry.first_seen);
        let unlisted = self
            .entries
            .iter()
            .skip(MAX_LISTED_ERRORS)
            .map(|entry| entry.count)
            .sum::<u64>()
            + self.unlisted;
        let messages = self
            .entries
            .into_iter()
            .take(MAX_LISTED_ERRORS)
            .map(|entry| ErrorCount {
                source: entry.source,
                name: entry.name,
                message: entry.message,
                count: entry.count,
            })
            .collect();
        ErrorsSummary { messages, unlisted }
    }
}

/// `message` cut to [`MAX_MESSAGE_CHARS`] characters.
fn truncate(message: &str) -> &str {
    match message.char_indices().nth(MAX_MESSAGE_CHARS) {
        Some((end, _)) => &message[..end],
        None => message,
    }
}
