//! Comparing two runs: per-metric and per-endpoint change, and a
//! regression gate.
//!
//! [`compare`] lines up the figures of a base run (the last good one) and a
//! new run: latencies, error rate and throughput over all requests and for
//! each endpoint both runs have. [`Comparison::regressions`] picks the
//! figures that got worse than a limit, and [`render_comparison`] writes
//! the table a person reads, ending with the verdict. `docs/results-schema.md`
//! ("Comparing runs") documents the rules for users.
//!
//! # Rules
//!
//! - **Direction.** Higher is worse for latencies and the error rate; lower
//!   is worse for requests per second. [`Change::worse_by`] is the relative
//!   change in the worse direction: `+0.25` is 25 % worse whichever way
//!   that is, and an improvement is negative.
//! - **Noise floors.** A latency that moved by less than
//!   [`LATENCY_FLOOR_MS`] and an error rate that moved by less than
//!   [`ERROR_RATE_FLOOR_PP`] percentage points is never a regression,
//!   however large the relative change: 0.4 ms → 0.6 ms is 50 % worse and
//!   means nothing. Requests per second have no floor.
//! - **From nothing.** A relative change from a base of 0 is undefined, so
//!   `worse_by` is `None`, except for an error rate that rose from 0 % by
//!   at least the floor: errors where there were none are a regression
//!   whatever the limit (`worse_by` is infinite).
//! - **Missing figures.** A run without requests has no latency or error
//!   rate, a run of no wall time no rate; such a figure is `NaN` in the
//!   [`Change`] and is not judged.
//! - Only the top level of the results is compared, not the scenarios of a
//!   multi-scenario plan one by one.
//!
//! # Example
//!
//! ```
//! use std::time::{Duration, SystemTime};
//! use throng_metrics::{Metrics, Phases, RequestSample, RunMeta};
//! use throng_report::compare::{compare, parse_percent, render_comparison};
//!
//! let run = |millis| {
//!     let metrics = Metrics::new();
//!     for _ in 0..100 {
//!         metrics.record_request(&RequestSample {
//!             name: "query",
//!             method: "GET",
//!             status: Some(200),
//!             error: None,
//!             duration: Duration::from_millis(millis),
//!             phases: Phases::default(),
//!             bytes_received: 512,
//!             bytes_sent: 128,
//!             error_message: None,
//!         });
//!     }
//!     metrics.results(RunMeta {
//!         started_at: SystemTime::UNIX_EPOCH,
//!         duration: Duration::from_secs(10),
//!         scenario: "default".into(),
//!         executor: "constant-vus".into(),
//!         vus: 1,
//!         module: "journey.wasm".into(),
//!     })
//! };
//!
//! let comparison = compare(&run(20), &run(30));
//! let max = parse_percent("20%")?;
//! // p50, p95, p99 and avg, over all requests and for `query` (`max` is
//! // shown, not gated).
//! assert_eq!(comparison.regressions(max).len(), 8);
//!
//! let mut out = Vec::new();
//! render_comparison(&comparison, Some(max), &mut out, false).unwrap();
//! assert!(String::from_utf8(out).unwrap().ends_with("✗ 8 regressions beyond 20 %\n"));
//! # Ok::<(), String>(())
//! ```

use std::io::{self, Write};

use throng_metrics::{DurationStats, EndpointStats, RunResults};

use crate::style::{Painter, Style};
use crate::table::{Align, Cell, Table};
use crate::units;

/// Latency changes smaller than this many milliseconds are never
/// regressions.
pub const LATENCY_FLOOR_MS: f64 = 1.0;

/// Error-rate changes smaller than this many percentage points are never
/// regressions.
pub const ERROR_RATE_FLOOR_PP: f64 = 0.1;

/// The [`Change::scope`] of the figures over all requests.
pub const ALL: &str = "all";

/// Slack for floating-point noise when a change is held against a floor:
/// 1 failure in 1000 is 0.1 % give or take the last bit.
const TOLERANCE: f64 = 1e-9;

/// One compared figure.
#[derive(Debug, Clone, PartialEq)]
pub struct Change {
    /// [`ALL`] (`"all"`) for the figures over all requests, otherwise the
    /// endpoint's name.
    pub scope: String,
    /// `"p50"`, `"p95"`, `"p99"`, `"avg"`, `"max"`, `"error rate"` or
    /// `"req/s"`.
    pub metric: &'static str,
    /// The figure in the base run, in `unit`; `NaN` when that run has none
    /// (no request, or no wall time for a rate).
    pub base: f64,
    /// The figure in the new run, in `unit`; `NaN` when that run has none.
    pub new: f64,
    /// `"ms"` for latencies, `"%"` for the error rate (0 to 100), `"/s"`
    /// for requests per second.
    pub unit: &'static str,
    /// The relative change in the worse direction, as a fraction: `+0.25`
    /// is 25 % worse, `-0.1` 10 % better. `None` when `base` is 0 or a
    /// figure is missing on one side, except that an error rate rising from
    /// 0 by at least [`ERROR_RATE_FLOOR_PP`] is `f64::INFINITY`.
    pub worse_by: Option<f64>,
    /// Whether a higher figure is worse (latencies, error rate) or a lower
    /// one (req/s).
    pub higher_is_worse: bool,
}

impl Change {
    fn new(scope: &str, metric: Metric, base: Option<f64>, new: Option<f64>) -> Change {
        let mut change = Change {
            scope: scope.to_owned(),
            metric: metric.name(),
            base: base.unwrap_or(f64::NAN),
            new: new.unwrap_or(f64::NAN),
            unit: metric.unit(),
            worse_by: None,
            higher_is_worse: metric.higher_is_worse(),
        };
        change.worse_by = change.compute_worse_by();
        change
    }

    fn compute_worse_by(&self) -> Option<f64> {
        if self.base.is_nan() || self.new.is_nan() {
            return None;
        }
        if self.base == 0.0 {
            // No relative change from nothing; but errors where there were
            // none are a regression whatever the limit.
            let appeared = self.unit == "%" && self.clears_floor();
            return appeared.then_some(f64::INFINITY);
        }
        let relative = (self.new - self.base) / self.base;
        Some(if self.higher_is_worse {
            relative
        } else {
            -relative
        })
    }

    /// Whether this figure got worse by more than `max` (a fraction, 0.2 =
    /// 20 %) and by at least its noise floor ([`LATENCY_FLOOR_MS`],
    /// [`ERROR_RATE_FLOOR_PP`]).
    ///
    /// `max` is shown but never gated: a single slow request moves it
    /// between two identical runs.
    pub fn is_regression(&self, max: f64) -> bool {
        self.metric != "max"
            && self.worse_by.is_some_and(|worse_by| worse_by > max)
            && self.clears_floor()
    }

    /// The smallest absolute change in `unit` that can count.
    fn floor(&self) -> f64 {
        match self.unit {
            "ms" => LATENCY_FLOOR_MS,
            "%" => ERROR_RATE_FLOOR_PP,
            _ => 0.0,
        }
    }

    fn clears_floor(&self) -> bool {
        (self.new - self.base).abs() >= self.floor() - TOLERANCE
    }

    /// Whether the figure got worse or better by at least its floor.
    fn moved(&self) -> bool {
        self.worse_by.is_some() && self.clears_floor()
    }
}

/// The figures of two runs side by side.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Comparison {
    /// Over all requests ([`ALL`]) p50, p95, p99, avg, max, error rate and
    /// req/s; then for each endpoint both runs have, sorted by name, p50,
    /// p95, p99, avg, error rate and req/s.
    pub changes: Vec<Change>,
    /// Endpoints only the base run has, sorted by name.
    pub only_in_base: Vec<String>,
    /// Endpoints only the new run has, sorted by name.
    pub only_in_new: Vec<String>,
}

impl Comparison {
    /// Changes worse than `max` (a fraction, 0.2 = 20 %), leaving out those
    /// within their noise floor (see [`Change::is_regression`]).
    pub fn regressions(&self, max: f64) -> Vec<&Change> {
        self.changes
            .iter()
            .filter(|change| change.is_regression(max))
            .collect()
    }
}

/// A figure that is compared.
#[derive(Debug, Clone, Copy)]
enum Metric {
    P50,
    P95,
    P99,
    Avg,
    Max,
    ErrorRate,
    ReqPerS,
}

/// The figures over all requests, in table order.
const OVERALL: [Metric; 7] = [
    Metric::P50,
    Metric::P95,
    Metric::P99,
    Metric::Avg,
    Metric::Max,
    Metric::ErrorRate,
    Metric::ReqPerS,
];

/// The figures of one endpoint, in table order: no `max`, which one slow
/// request sets.
const PER_ENDPOINT: [Metric; 6] = [
    Metric::P50,
    Metric::P95,
    Metric::P99,
    Metric::Avg,
    Metric::ErrorRate,
    Metric::ReqPerS,
];

impl Metric {
    fn name(self) -> &'static str {
        match self {
            Metric::P50 => "p50",
            Metric::P95 => "p95",
            Metric::P99 => "p99",
            Metric::Avg => "avg",
            Metric::Max => "max",
            Metric::ErrorRate => "error rate",
            Metric::ReqPerS => "req/s",
        }
    }

    fn unit(self) -> &'static str {
        match self {
            Metric::ErrorRate => "%",
            Metric::ReqPerS => "/s",
            _ => "ms",
        }
    }

    fn higher_is_worse(self) -> bool {
        !matches!(self, Metric::ReqPerS)
    }
}

/// What one run says about one scope.
struct Figures<'r> {
    /// `None` without samples.
    stats: Option<&'r DurationStats>,
    /// Percent; `None` without requests.
    error_rate: Option<f64>,
    /// `None` for a run of no wall time.
    req_per_s: Option<f64>,
}

impl<'r> Figures<'r> {
    fn overall(results: &'r RunResults) -> Figures<'r> {
        let totals = &results.totals;
        Figures::new(
            &results.http_req_duration,
            totals.requests,
            totals.failed,
            totals.req_per_s,
            !results.meta.duration.is_zero(),
        )
    }

    fn endpoint(endpoint: &'r EndpointStats, results: &RunResults) -> Figures<'r> {
        Figures::new(
            &endpoint.stats,
            endpoint.requests,
            endpoint.failed,
            endpoint.req_per_s,
            !results.meta.duration.is_zero(),
        )
    }

    /// `timed` is whether the run has wall time to divide by.
    fn new(
        stats: &'r DurationStats,
        requests: u64,
        failed: u64,
        req_per_s: f64,
        timed: bool,
    ) -> Figures<'r> {
        Figures {
            stats: (stats.count > 0).then_some(stats),
            error_rate: (requests > 0).then(|| failed as f64 / requests as f64 * 100.0),
            req_per_s: timed.then_some(req_per_s),
        }
    }

    fn get(&self, metric: Metric) -> Option<f64> {
        let stats = self.stats;
        match metric {
            Metric::P50 => stats.map(|s| s.p50),
            Metric::P95 => stats.map(|s| s.p95),
            Metric::P99 => stats.map(|s| s.p99),
            Metric::Avg => stats.map(|s| s.avg),
            Metric::Max => stats.map(|s| s.max),
            Metric::ErrorRate => self.error_rate,
            Metric::ReqPerS => self.req_per_s,
        }
    }
}

/// Compares the `new` run with the `base` run (the last good one): the
/// figures over all requests, and those of each endpoint both runs have.
pub fn compare(base: &RunResults, new: &RunResults) -> Comparison {
    let mut changes = Vec::new();
    let (before, after) = (Figures::overall(base), Figures::overall(new));
    for metric in OVERALL {
        changes.push(Change::new(
            ALL,
            metric,
            before.get(metric),
            after.get(metric),
        ));
    }

    let mut only_in_base = Vec::new();
    for endpoint in &base.endpoints {
        let Some(other) = new.endpoint(&endpoint.name) else {
            only_in_base.push(endpoint.name.clone());
            continue;
        };
        let before = Figures::endpoint(endpoint, base);
        let after = Figures::endpoint(other, new);
        for metric in PER_ENDPOINT {
            changes.push(Change::new(
                &endpoint.name,
                metric,
                before.get(metric),
                after.get(metric),
            ));
        }
    }
    let only_in_new = new
        .endpoints
        .iter()
        .filter(|endpoint| base.endpoint(&endpoint.name).is_none())
        .map(|endpoint| endpoint.name.clone())
        .collect();

    Comparison {
        changes,
        only_in_base,
        only_in_new,
    }
}

/// Writes `comparison` to `out` as an aligned table (scope, metric, base,
/// new, change), then the endpoints only one run has.
///
/// With a limit `max` (a fraction, 0.2 = 20 %), rows beyond it are marked
/// `✗`, rows beyond it in relative terms but within their noise floor say
/// so, and a verdict line ends the text: `✓ no regression beyond 20 %` or
/// `✗ 3 regressions beyond 20 %`. `color` adds ANSI colours.
pub fn render_comparison(
    comparison: &Comparison,
    max: Option<f64>,
    out: &mut dyn Write,
    color: bool,
) -> io::Result<()> {
    let paint = Painter { color };
    let mut lines = Vec::new();

    let mut aligns = vec![
        Align::Left,
        Align::Left,
        Align::Right,
        Align::Right,
        Align::Right,
    ];
    if max.is_some() {
        aligns.push(Align::Left);
    }
    let mut table = Table::new(&aligns);
    let mut header: Vec<Cell> = ["scope", "metric", "base", "new", "change"]
        .into_iter()
        .map(|title| Cell::styled(title, Style::Dim))
        .collect();
    if max.is_some() {
        header.push(Cell::new(""));
    }
    table.row(header);
    for change in &comparison.changes {
        table.row(row(change, max));
    }
    lines.extend(table.lines("", None, paint));

    let only = [
        ("only in base", &comparison.only_in_base),
        ("only in new", &comparison.only_in_new),
    ];
    if only.iter().any(|(_, names)| !names.is_empty()) {
        lines.push(String::new());
        let mut table = Table::new(&[Align::Left, Align::Left]);
        for (label, names) in only {
            if !names.is_empty() {
                table.row(vec![
                    Cell::styled(label, Style::Dim),
                    Cell::new(names.join(" · ")),
                ]);
            }
        }
        lines.extend(table.lines("", None, paint));
    }

    if let Some(max) = max {
        lines.push(String::new());
        let limit = percent_limit(max);
        lines.push(match comparison.regressions(max).len() {
            0 => paint.paint(Style::Good, &format!("✓ no regression beyond {limit}")),
            1 => paint.paint(Style::BadBold, &format!("✗ 1 regression beyond {limit}")),
            count => paint.paint(
                Style::BadBold,
                &format!("✗ {count} regressions beyond {limit}"),
            ),
        });
    }

    for line in lines {
        writeln!(out, "{line}")?;
    }
    Ok(())
}

fn row(change: &Change, max: Option<f64>) -> Vec<Cell> {
    let value = |figure: f64| {
        if figure.is_nan() {
            "–".to_owned()
        } else {
            units::observed(figure, change.unit)
        }
    };
    // Without a limit, any change past the floor is coloured.
    let regressed = change.is_regression(max.unwrap_or(0.0));
    let style = if regressed {
        Style::Bad
    } else if change.moved() && change.worse_by.is_some_and(|w| w < 0.0) {
        Style::Good
    } else {
        Style::Plain
    };
    let mut cells = vec![
        Cell::new(&change.scope),
        Cell::new(change.metric),
        Cell::new(value(change.base)),
        Cell::new(value(change.new)),
        Cell::styled(change_text(change), style),
    ];
    if let Some(max) = max {
        cells.push(if regressed {
            Cell::styled("✗", Style::Bad)
        } else if change.metric == "max" && change.worse_by.is_some_and(|w| w > max) {
            Cell::styled("not gated", Style::Dim)
        } else if change.worse_by.is_some_and(|w| w > max) {
            let floor = match change.unit {
                "%" => format!("{ERROR_RATE_FLOOR_PP} pp"),
                _ => format!("{LATENCY_FLOOR_MS} ms"),
            };
            Cell::styled(format!("noise (< {floor})"), Style::Dim)
        } else {
            Cell::new("")
        });
    }
    cells
}

/// `+12.3 %`, `−4.0 %`, `±0.0 %`; from a base of 0 the absolute change
/// (`+1.00 pp`); `–` when a figure is missing.
fn change_text(change: &Change) -> String {
    let (base, new) = (change.base, change.new);
    if base.is_nan() || new.is_nan() {
        return "–".to_owned();
    }
    if base == 0.0 && new != 0.0 {
        let difference = new - base;
        let magnitude = match change.unit {
            "%" => format!("{:.2} pp", difference.abs()),
            unit => units::observed(difference.abs(), unit),
        };
        return format!("{}{magnitude}", sign(difference));
    }
    let relative = if base == 0.0 {
        0.0
    } else {
        (new - base) / base * 100.0
    };
    let magnitude = format!("{:.1}", relative.abs());
    if magnitude == "0.0" {
        "±0.0 %".to_owned()
    } else {
        format!("{}{magnitude} %", sign(relative))
    }
}

fn sign(value: f64) -> &'static str {
    if value < 0.0 { "−" } else { "+" }
}

/// `0.2` as `20 %`, `0.125` as `12.5 %`.
fn percent_limit(max: f64) -> String {
    let text = format!("{:.2}", max * 100.0);
    let text = text.trim_end_matches('0').trim_end_matches('.');
    format!("{text} %")
}

/// Reads a regression limit: `20%`, `20 %` and `0.2` are all 0.2.
///
/// A number with `%` is a percentage (`150%` is allowed); a bare number is
/// a fraction from 0 to 1, so `20` is refused rather than read as 2000 %.
/// Errors quote the text.
pub fn parse_percent(text: &str) -> Result<f64, String> {
    let trimmed = text.trim();
    let (number, scale) = match trimmed.strip_suffix('%') {
        Some(number) => (number.trim_end(), 100.0),
        None => (trimmed, 1.0),
    };
    let value = number
        .parse::<f64>()
        .ok()
        .filter(|value| value.is_finite())
        .ok_or_else(|| {
            format!("`{text}` is not a percentage: write `20%`, or a fraction such as `0.2`")
        })?;
    if value < 0.0 {
        return Err(format!("`{text}` is negative: a limit is 0 or more"));
    }
    if scale == 1.0 && value > 1.0 {
        return Err(format!(
            "`{text}` is ambiguous: write `{trimmed}%`, or a fraction from 0 to 1 such as `0.2`"
        ));
    }
    Ok(value / scale)
}
