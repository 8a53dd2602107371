//! CSV files for spreadsheets and for tools that read Locust's output:
//! statistics per endpoint ([`write_csv_stats`], Locust's `_stats.csv`) and
//! the run over time ([`write_csv_history`], like `_stats_history.csv`).
//! `docs/outputs.md` documents every column.

use std::io::{self, Write};
use std::time::SystemTime;

use throng_metrics::{
    DurationStats, HTTP_REQ_DURATION, Histogram, RunResults, TimelinePoint, endpoint_histogram_key,
};

/// Locust's `_stats.csv` header, in its order.
const STATS_HEADER: [&str; 22] = [
    "Type",
    "Name",
    "Request Count",
    "Failure Count",
    "Median Response Time",
    "Average Response Time",
    "Min Response Time",
    "Max Response Time",
    "Average Content Size",
    "Requests/s",
    "Failures/s",
    "50%",
    "66%",
    "75%",
    "80%",
    "90%",
    "95%",
    "98%",
    "99%",
    "99.9%",
    "99.99%",
    "100%",
];

/// The quantiles of the percentile columns (`50%` … `100%`).
const QUANTILES: [f64; 11] = [
    0.5, 0.66, 0.75, 0.8, 0.9, 0.95, 0.98, 0.99, 0.999, 0.9999, 1.0,
];

/// The header of the history file.
const HISTORY_HEADER: [&str; 13] = [
    "Timestamp",
    "User Count",
    "Type",
    "Name",
    "Requests/s",
    "Failures/s",
    "50%",
    "95%",
    "99%",
    "Total Request Count",
    "Total Failure Count",
    "Total Iterations",
    "Dropped Iterations",
];

/// The `Name` of the row that adds up all endpoints, as Locust calls it.
const AGGREGATED: &str = "Aggregated";

/// Per-endpoint statistics, one row per endpoint plus an `Aggregated` row,
/// Locust's `_stats.csv` columns.
///
/// Times are in milliseconds. Percentiles are read from each endpoint's
/// histogram; results without it (hand-made or trimmed files) fall back to
/// the endpoint's [`DurationStats`] and leave the percentiles those do not
/// hold empty.
pub fn write_csv_stats(results: &RunResults, out: impl Write) -> io::Result<()> {
    let mut csv = csv::Writer::from_writer(out);
    csv.write_record(STATS_HEADER).map_err(into_io)?;
    let seconds = results.meta.duration.as_secs_f64();
    for endpoint in &results.endpoints {
        let row = StatsRow {
            method: &endpoint.method,
            name: &endpoint.name,
            requests: endpoint.requests,
            failed: endpoint.failed,
            bytes_received: endpoint.bytes_received,
            req_per_s: endpoint.req_per_s,
            failed_per_s: per_second(endpoint.failed, seconds),
            durations: Durations::read(
                results,
                &endpoint_histogram_key(&endpoint.name),
                &endpoint.stats,
            ),
        };
        csv.write_record(row.cells()).map_err(into_io)?;
    }
    let totals = &results.totals;
    let aggregated = StatsRow {
        method: "",
        name: AGGREGATED,
        requests: totals.requests,
        failed: totals.failed,
        bytes_received: totals.bytes_received,
        req_per_s: totals.req_per_s,
        failed_per_s: per_second(totals.failed, seconds),
        durations: Durations::read(results, HTTP_REQ_DURATION, &results.http_req_duration),
    };
    csv.write_record(aggregated.cells()).map_err(into_io)?;
    csv.flush()
}

/// One row per timeline second: Locust's `_stats_history.csv`-like columns.
///
/// Counts are cumulative, as in the timeline; the two rates are the change
/// since the previous point divided by the time between them.
pub fn write_csv_history(results: &RunResults, out: impl Write) -> io::Result<()> {
    let mut csv = csv::Writer::from_writer(out);
    csv.write_record(HISTORY_HEADER).map_err(into_io)?;
    let started = unix_seconds(results.meta.started_at);
    let mut previous = TimelinePoint::default();
    for point in &results.timeline {
        let elapsed = point.t_s - previous.t_s;
        let rate = |now: u64, before: u64| {
            if elapsed > 0.0 {
                now.saturating_sub(before) as f64 / elapsed
            } else {
                0.0
            }
        };
        let row = [
            format!("{:.0}", started + point.t_s),
            point.vus.to_string(),
            String::new(),
            AGGREGATED.to_owned(),
            number(rate(point.requests, previous.requests)),
            number(rate(point.failed, previous.failed)),
            point.p50_ms.map(number).unwrap_or_default(),
            point.p95_ms.map(number).unwrap_or_default(),
            point.p99_ms.map(number).unwrap_or_default(),
            point.requests.to_string(),
            point.failed.to_string(),
            point.iterations.to_string(),
            point.dropped_iterations.to_string(),
        ];
        csv.write_record(&row).map_err(into_io)?;
        previous = *point;
    }
    csv.flush()
}

/// The numbers of one row of the statistics file.
struct StatsRow<'r> {
    method: &'r str,
    name: &'r str,
    requests: u64,
    failed: u64,
    bytes_received: u64,
    req_per_s: f64,
    failed_per_s: f64,
    durations: Durations,
}

impl StatsRow<'_> {
    fn cells(&self) -> Vec<String> {
        let stats = &self.durations.stats;
        let average_size = if self.requests == 0 {
            0.0
        } else {
            self.bytes_received as f64 / self.requests as f64
        };
        let mut cells = vec![
            self.method.to_owned(),
            self.name.to_owned(),
            self.requests.to_string(),
            self.failed.to_string(),
            number(stats.p50),
            number(stats.avg),
            number(stats.min),
            number(stats.max),
            number(average_size),
            number(self.req_per_s),
            number(self.failed_per_s),
        ];
        cells.extend(
            self.durations
                .percentiles
                .iter()
                .map(|ms| ms.map(number).unwrap_or_default()),
        );
        cells
    }
}

/// The duration columns of one row, in milliseconds.
struct Durations {
    stats: DurationStats,
    /// One per [`QUANTILES`]; `None` where neither the histogram nor the
    /// summary statistics say.
    percentiles: [Option<f64>; 11],
}

impl Durations {
    /// From the histogram `key` if the results hold it, otherwise from the
    /// summary `stats`.
    fn read(results: &RunResults, key: &str, stats: &DurationStats) -> Durations {
        match results.histogram(key) {
            Some(histogram) => Durations::from_histogram(&histogram),
            None => Durations::from_stats(stats),
        }
    }

    fn from_histogram(histogram: &Histogram<u64>) -> Durations {
        let stats = DurationStats::from_histogram(histogram);
        let percentiles = QUANTILES.map(|quantile| {
            Some(if histogram.is_empty() {
                0.0
            } else {
                micros_to_ms(histogram.value_at_quantile(quantile))
            })
        });
        Durations { stats, percentiles }
    }

    fn from_stats(stats: &DurationStats) -> Durations {
        let percentiles = QUANTILES.map(|quantile| match quantile {
            0.5 => Some(stats.p50),
            0.9 => Some(stats.p90),
            0.95 => Some(stats.p95),
            0.99 => Some(stats.p99),
            0.999 => Some(stats.p99_9),
            1.0 => Some(stats.max),
            _ => None,
        });
        Durations {
            stats: *stats,
            percentiles,
        }
    }
}

/// Whole microseconds (the histograms' unit) as milliseconds.
fn micros_to_ms(micros: u64) -> f64 {
    micros as f64 / 1000.0
}

/// `count` per second of `seconds`, 0 for an empty run.
fn per_second(count: u64, seconds: f64) -> f64 {
    if seconds > 0.0 {
        count as f64 / seconds
    } else {
        0.0
    }
}

/// A number kept to three decimals (a microsecond, for milliseconds)
/// without trailing zeros: `20.015`, `33.333`, `5`.
fn number(value: f64) -> String {
    let rounded = (value * 1000.0).round() / 1000.0;
    // `-0` would read oddly in a spreadsheet.
    if rounded == 0.0 {
        "0".to_owned()
    } else {
        rounded.to_string()
    }
}

/// Seconds since the Unix epoch, negative before it.
fn unix_seconds(time: SystemTime) -> f64 {
    match time.duration_since(SystemTime::UNIX_EPOCH) {
        Ok(since) => since.as_secs_f64(),
        Err(before) => -before.duration().as_secs_f64(),
    }
}

/// The `io::Error` behind a CSV error, so that a full disk or a closed
/// pipe keeps its kind. The other kinds (unequal row lengths, bad UTF-8)
/// cannot happen with these fixed rows of strings.
fn into_io(error: csv::Error) -> io::Error {
    match error.into_kind() {
        csv::ErrorKind::Io(error) => error,
        other => io::Error::other(format!("CSV: {other:?}")),
    }
}
