//! The end-of-test summary a person reads at a glance: verdict, thresholds,
//! scenarios, endpoints, transactions, totals, checks, custom metrics,
//! errors, in that order; sections with nothing to show are left out.

use std::io::{self, Write};

use throng_metrics::{
    CustomMetric, CustomValue, DurationStats, ErrorSource, RunResults, ThresholdOutcome,
};

use crate::style::{Painter, Style};
use crate::table::{Align, Cell, Cut, Table};
use crate::units;

/// How the summary is rendered.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SummaryOptions {
    /// Colour marks and headings with ANSI escape codes.
    pub color: bool,
    /// The terminal's width: request names and error messages are cut to
    /// fit it. `None` cuts nothing.
    pub width: Option<usize>,
}

const INDENT: &str = "  ";

/// Writes the summary of `results` to `out`.
pub fn render_summary(
    results: &RunResults,
    out: &mut dyn Write,
    opts: &SummaryOptions,
) -> io::Result<()> {
    let summary = Summary {
        results,
        paint: Painter { color: opts.color },
        width: opts.width,
    };
    let mut lines = Vec::new();
    summary.verdict(&mut lines);
    summary.thresholds(&mut lines);
    summary.scenarios(&mut lines);
    summary.endpoints(&mut lines);
    summary.transactions(&mut lines);
    summary.totals(&mut lines);
    summary.checks(&mut lines);
    summary.custom(&mut lines);
    summary.errors(&mut lines);
    for line in lines {
        writeln!(out, "{line}")?;
    }
    Ok(())
}

struct Summary<'r> {
    results: &'r RunResults,
    paint: Painter,
    width: Option<usize>,
}

impl Summary<'_> {
    fn heading(&self, lines: &mut Vec<String>, title: &str) {
        lines.push(String::new());
        lines.push(self.paint.paint(Style::Bold, title));
    }

    fn verdict(&self, lines: &mut Vec<String>) {
        let thresholds = &self.results.thresholds;
        let failed = thresholds.iter().filter(|t| t.fails_run()).count();
        let warned = thresholds
            .iter()
            .filter(|t| !t.passed && !t.fails_run())
            .count();
        let warnings = match warned {
            0 => String::new(),
            n => format!(" · {n} {} not met", plural(n, "warning")),
        };
        let verdict = match (thresholds.len(), failed) {
            (0, _) => self.paint.paint(Style::Dim, "– no thresholds to judge"),
            (total, 0) if warned == 0 => self.paint.paint(
                Style::Good,
                &format!("✓ all {total} {} passed", plural(total, "threshold")),
            ),
            (total, 0) => self.paint.paint(
                Style::Warn,
                &format!(
                    "✓ no threshold failed ({total} {}){warnings}",
                    plural(total, "threshold")
                ),
            ),
            (total, failed) => self.paint.paint(
                Style::BadBold,
                &format!(
                    "✗ {failed} of {total} {} failed{warnings}",
                    plural(total, "threshold")
                ),
            ),
        };
        lines.push(verdict);
        if let Some(t) = thresholds.iter().find(|t| t.aborted_run) {
            let line = format!(
                "⚠ the run was stopped early: `{}: {}` failed and has abort_on_fail",
                t.metric, t.expression
            );
            lines.push(self.paint.paint(Style::BadBold, &line));
        }
        if self.results.partial {
            let warning = "⚠ partial results: a snapshot written while the run was still going";
            lines.push(self.paint.paint(Style::Warn, warning));
        }
        if let Some(g) = self.results.generator.as_ref().filter(|g| g.saturated) {
            let warning = format!(
                "⚠ the load generator was saturated (cpu max {:.0} % of {} {}, timer lag max {}): figures may be skewed",
                g.max_cpu_percent,
                g.cores,
                plural(g.cores as usize, "core"),
                units::duration_ms(g.max_lag_ms),
            );
            lines.push(self.paint.paint(Style::Warn, &warning));
        }

        let meta = &self.results.meta;
        let about = format!(
            "scenario {} · {} · {} {} · {} · module {} · started {}",
            meta.scenario,
            meta.executor,
            meta.vus,
            plural(meta.vus as usize, "VU"),
            units::wall_time(meta.duration),
            meta.module,
            humantime::format_rfc3339_seconds(meta.started_at),
        );
        lines.push(format!("{INDENT}{}", self.paint.paint(Style::Dim, &about)));
    }

    fn thresholds(&self, lines: &mut Vec<String>) {
        let thresholds = &self.results.thresholds;
        if thresholds.is_empty() {
            return;
        }
        self.heading(lines, "Thresholds");
        let mut table = Table::new(&[Align::Left, Align::Left, Align::Left, Align::Left]);
        for outcome in thresholds {
            let mark = if outcome.passed {
                Cell::styled("✓", Style::Good)
            } else if outcome.fails_run() {
                Cell::styled("✗", Style::Bad)
            } else {
                Cell::styled("⚠", Style::Warn)
            };
            table.row(vec![
                mark,
                Cell::new(&outcome.metric),
                Cell::new(&outcome.expression),
                self.observed(outcome),
            ]);
        }
        lines.extend(table.lines(INDENT, None, self.paint));
    }

    fn observed(&self, outcome: &ThresholdOutcome) -> Cell {
        let style = if outcome.passed {
            Style::Plain
        } else if outcome.fails_run() {
            Style::Bad
        } else {
            Style::Warn
        };
        Cell::styled(describe_outcome(outcome), style)
    }

    /// One row per scenario of a multi-scenario plan: the phases of a
    /// progressive plan side by side.
    fn scenarios(&self, lines: &mut Vec<String>) {
        let scenarios = &self.results.scenarios;
        if scenarios.is_empty() {
            return;
        }
        self.heading(lines, "Scenarios");
        let mut aligns = vec![Align::Left, Align::Left];
        aligns.extend([Align::Right; 9]);
        let mut table = Table::new(&aligns).shrink_column(0, Cut::Middle);
        let header = [
            "scenario",
            "executor",
            "VUs",
            "time",
            "requests",
            "failed",
            "p50",
            "p95",
            "p99",
            "req/s",
            "iterations",
        ];
        table.row(
            header
                .iter()
                .map(|title| Cell::styled(*title, Style::Dim))
                .collect(),
        );
        for s in scenarios {
            let t = &s.totals;
            let failed_style = if t.failed > 0 {
                Style::Bad
            } else {
                Style::Plain
            };
            table.row(vec![
                Cell::new(&s.meta.scenario),
                Cell::new(&s.meta.executor),
                Cell::new(units::count(u64::from(s.meta.vus))),
                Cell::new(units::wall_time(s.meta.duration)),
                Cell::new(units::count(t.requests)),
                Cell::styled(units::count(t.failed), failed_style),
                Cell::new(units::duration_ms(s.http_req_duration.p50)),
                Cell::new(units::duration_ms(s.http_req_duration.p95)),
                Cell::new(units::duration_ms(s.http_req_duration.p99)),
                Cell::new(units::per_second(t.req_per_s)),
                Cell::new(units::count(t.iterations.total)),
            ]);
        }
        lines.extend(table.lines(INDENT, self.width, self.paint));
    }

    fn endpoints(&self, lines: &mut Vec<String>) {
        let results = self.results;
        if results.endpoints.is_empty() {
            return;
        }
        self.heading(lines, "Endpoints");
        let mut aligns = vec![Align::Left];
        aligns.extend([Align::Right; 8]);
        let mut table = Table::new(&aligns).shrink_column(0, Cut::Middle);
        let header = [
            "name", "requests", "failed", "avg", "p50", "p95", "p99", "max", "req/s",
        ];
        table.row(
            header
                .iter()
                .map(|title| Cell::styled(*title, Style::Dim))
                .collect(),
        );
        for endpoint in &results.endpoints {
            table.row(self.endpoint_row(
                &endpoint.name,
                endpoint.requests,
                endpoint.failed,
                &endpoint.stats,
                endpoint.req_per_s,
                Style::Plain,
            ));
        }
        if results.endpoints.len() > 1 {
            let totals = &results.totals;
            table.row(self.endpoint_row(
                "all",
                totals.requests,
                totals.failed,
                &results.http_req_duration,
                totals.req_per_s,
                Style::Bold,
            ));
        }
        lines.extend(table.lines(INDENT, self.width, self.paint));
    }

    fn endpoint_row(
        &self,
        name: &str,
        requests: u64,
        failed: u64,
        stats: &DurationStats,
        per_second: f64,
        style: Style,
    ) -> Vec<Cell> {
        let failed_style = if failed > 0 { Style::Bad } else { style };
        vec![
            Cell::styled(name, style),
            Cell::styled(units::count(requests), style),
            Cell::styled(units::count(failed), failed_style),
            Cell::styled(units::duration_ms(stats.avg), style),
            Cell::styled(units::duration_ms(stats.p50), style),
            Cell::styled(units::duration_ms(stats.p95), style),
            Cell::styled(units::duration_ms(stats.p99), style),
            Cell::styled(units::duration_ms(stats.max), style),
            Cell::styled(units::per_second(per_second), style),
        ]
    }

    /// One row per transaction name, like an endpoint: how many ended,
    /// failed (and were interrupted, when any was) and their durations.
    fn transactions(&self, lines: &mut Vec<String>) {
        let transactions = &self.results.transactions;
        if transactions.is_empty() {
            return;
        }
        self.heading(lines, "Transactions");
        let interrupted = transactions.iter().any(|t| t.interrupted > 0);
        let mut header = vec!["name", "count", "failed"];
        if interrupted {
            header.push("interrupted");
        }
        header.extend(["avg", "p50", "p95", "p99", "max"]);
        let mut aligns = vec![Align::Left];
        aligns.extend(vec![Align::Right; header.len() - 1]);
        let mut table = Table::new(&aligns).shrink_column(0, Cut::Middle);
        table.row(
            header
                .iter()
                .map(|title| Cell::styled(*title, Style::Dim))
                .collect(),
        );
        for t in transactions {
            let failed_style = if t.failed > 0 {
                Style::Bad
            } else {
                Style::Plain
            };
            let mut row = vec![
                Cell::new(&t.name),
                Cell::new(units::count(t.count)),
                Cell::styled(units::count(t.failed), failed_style),
            ];
            if interrupted {
                let style = if t.interrupted > 0 {
                    Style::Warn
                } else {
                    Style::Plain
                };
                row.push(Cell::styled(units::count(t.interrupted), style));
            }
            let stats = &t.stats;
            row.extend(
                [stats.avg, stats.p50, stats.p95, stats.p99, stats.max]
                    .map(|ms| Cell::new(units::duration_ms(ms))),
            );
            table.row(row);
        }
        lines.extend(table.lines(INDENT, self.width, self.paint));
    }

    fn totals(&self, lines: &mut Vec<String>) {
        let results = self.results;
        let totals = &results.totals;
        self.heading(lines, "Totals");
        let mut table = Table::new(&[Align::Left, Align::Left]);

        let failed_style = if totals.failed > 0 {
            Style::Bad
        } else {
            Style::Plain
        };
        let requests = format!(
            "{} ({}/s), {} failed ({})",
            units::count(totals.requests),
            units::per_second(totals.req_per_s),
            units::count(totals.failed),
            units::percent(totals.failure_rate),
        );
        table.row(vec![
            Cell::new("requests"),
            Cell::styled(requests, failed_style),
        ]);

        let data = format!(
            "{} received ({}/s), {} sent ({}/s)",
            units::bytes(totals.bytes_received as f64),
            units::bytes(totals.received_bytes_per_s),
            units::bytes(totals.bytes_sent as f64),
            units::bytes(totals.sent_bytes_per_s),
        );
        table.row(vec![Cell::new("data"), Cell::new(data)]);

        if totals.requests > 0 {
            let phases = &results.phases;
            let text = [
                ("blocked", &phases.blocked),
                ("connect", &phases.connect),
                ("tls", &phases.tls),
                ("sending", &phases.sending),
                ("waiting", &phases.waiting),
                ("receiving", &phases.receiving),
            ]
            .map(|(name, stats)| format!("{name} {}", units::duration_ms(stats.avg)))
            .join(" · ");
            table.row(vec![Cell::new("phases (avg)"), Cell::new(text)]);
        }

        if let Some(g) = &results.generator {
            let text = format!(
                "cpu avg {:.0} %, max {:.0} % of {} {} · rss max {} · timer lag max {}",
                g.avg_cpu_percent,
                g.max_cpu_percent,
                g.cores,
                plural(g.cores as usize, "core"),
                units::bytes(g.max_rss_bytes as f64),
                units::duration_ms(g.max_lag_ms),
            );
            let style = if g.saturated {
                Style::Warn
            } else {
                Style::Plain
            };
            table.row(vec![Cell::new("generator"), Cell::styled(text, style)]);
        }

        let lag = &results.schedule_lag;
        if lag.count > 0 || totals.dropped_iterations > 0 {
            let style = if totals.dropped_iterations > 0 || lag.p99 > 10.0 {
                Style::Warn
            } else {
                Style::Plain
            };
            let text = format!(
                "lag p50 {}, p99 {}, max {} · {} dropped",
                units::duration_ms(lag.p50),
                units::duration_ms(lag.p99),
                units::duration_ms(lag.max),
                units::count(totals.dropped_iterations),
            );
            table.row(vec![Cell::new("schedule"), Cell::styled(text, style)]);
        }

        let iterations = totals.iterations;
        let iteration_style = if iterations.failed > 0 {
            Style::Warn
        } else {
            Style::Plain
        };
        let text = format!(
            "{} ({}/s): {} completed, {} failed, {} interrupted",
            units::count(iterations.total),
            units::per_second(totals.iterations_per_s),
            units::count(iterations.completed),
            units::count(iterations.failed),
            units::count(iterations.interrupted),
        );
        table.row(vec![
            Cell::new("iterations"),
            Cell::styled(text, iteration_style),
        ]);

        let stats = &results.iteration_duration;
        if stats.count > 0 {
            let text = format!(
                "avg {}, p50 {}, p95 {}, max {}",
                units::duration_ms(stats.avg),
                units::duration_ms(stats.p50),
                units::duration_ms(stats.p95),
                units::duration_ms(stats.max),
            );
            table.row(vec![Cell::new("iteration time"), Cell::new(text)]);
        }
        if totals.vu_start_failures > 0 {
            table.row(vec![
                Cell::new("VU start failures"),
                Cell::styled(units::count(totals.vu_start_failures), Style::Bad),
            ]);
        }
        lines.extend(table.lines(INDENT, None, self.paint));
    }

    fn checks(&self, lines: &mut Vec<String>) {
        let checks = &self.results.checks;
        let Some(rate) = checks.pass_rate() else {
            return;
        };
        self.heading(
            lines,
            &format!(
                "Checks  {} passed ({} of {})",
                units::percent(rate),
                units::count(checks.passed),
                units::count(checks.passed + checks.failed),
            ),
        );
        let mut table = Table::new(&[
            Align::Left,
            Align::Left,
            Align::Right,
            Align::Right,
            Align::Right,
        ])
        .shrink_column(1, Cut::Middle);
        for check in &checks.by_name {
            let (mark, style) = if check.failed == 0 {
                (Cell::styled("✓", Style::Good), Style::Plain)
            } else {
                (Cell::styled("✗", Style::Bad), Style::Bad)
            };
            table.row(vec![
                mark,
                Cell::new(&check.name),
                Cell::new(format!("{} ✓", units::count(check.passed))),
                Cell::styled(format!("{} ✗", units::count(check.failed)), style),
                Cell::new(units::percent(check.pass_rate().unwrap_or(0.0))),
            ]);
        }
        lines.extend(table.lines(INDENT, self.width, self.paint));
    }

    /// One row per custom metric: its name, its kind and its figures, in
    /// the metric's own unit.
    fn custom(&self, lines: &mut Vec<String>) {
        let custom = &self.results.custom;
        if custom.is_empty() {
            return;
        }
        self.heading(lines, "Custom metrics");
        let mut table =
            Table::new(&[Align::Left, Align::Left, Align::Left]).shrink_column(0, Cut::Middle);
        for metric in custom {
            table.row(vec![
                Cell::new(&metric.name),
                Cell::styled(metric.kind().as_str(), Style::Dim),
                Cell::new(custom_figures(metric)),
            ]);
        }
        lines.extend(table.lines(INDENT, self.width, self.paint));
    }

    fn errors(&self, lines: &mut Vec<String>) {
        let results = self.results;
        let by_class = &results.totals.errors_by_class;
        let errors = &results.errors;
        if by_class.is_empty() && errors.messages.is_empty() && errors.unlisted == 0 {
            return;
        }
        self.heading(lines, "Errors");
        if !by_class.is_empty() {
            let classes: Vec<String> = by_class
                .iter()
                .map(|(class, count)| format!("{class} {}", units::count(*count)))
                .collect();
            lines.push(format!("{INDENT}by class  {}", classes.join(" · ")));
        }
        // Messages are the one free-form text here: cut to fit the width.
        let mut table =
            Table::new(&[Align::Right, Align::Left, Align::Left]).shrink_column(2, Cut::End);
        for error in &errors.messages {
            let source = match (&error.source, &error.name) {
                (ErrorSource::Request, Some(name)) => format!("request {name}"),
                (source, _) => source.as_str().replace('_', " "),
            };
            table.row(vec![
                Cell::styled(format!("{}×", units::count(error.count)), Style::Bad),
                Cell::styled(source, Style::Dim),
                Cell::new(&error.message),
            ]);
        }
        lines.extend(table.lines(INDENT, self.width, self.paint));
        if errors.unlisted > 0 {
            lines.push(format!(
                "{INDENT}{}",
                self.paint.paint(
                    Style::Dim,
                    &format!("… and {} more not listed", units::count(errors.unlisted))
                )
            ));
        }
    }
}

/// What the summary says of one custom metric.
fn custom_figures(metric: &CustomMetric) -> String {
    let n = units::number;
    match &metric.value {
        CustomValue::Counter { count, rate } => {
            format!("{} ({}/s)", n(*count), units::per_second(*rate))
        }
        CustomValue::Gauge { value, min, max } => {
            format!("{} (min {}, max {})", n(*value), n(*min), n(*max))
        }
        CustomValue::Rate {
            passes,
            fails,
            rate,
        } => format!(
            "{} ({} of {})",
            units::percent(*rate),
            units::count(*passes),
            units::count(passes + fails),
        ),
        CustomValue::Trend(stats) => format!(
            "avg {}, p50 {}, p95 {}, p99 {}, max {} ({} {})",
            n(stats.avg),
            n(stats.p50),
            n(stats.p95),
            n(stats.p99),
            n(stats.max),
            units::count(stats.count),
            plural(stats.count as usize, "value"),
        ),
    }
}

fn plural(count: usize, word: &str) -> String {
    if count == 1 {
        word.to_owned()
    } else {
        format!("{word}s")
    }
}

/// `observed 250.1 ms · limit 200 ms (note)`: the measured value next to
/// the limit it was held against, as the summary and JUnit show it.
pub(crate) fn describe_outcome(outcome: &ThresholdOutcome) -> String {
    let mut text = match outcome.observed {
        Some(value) => format!("observed {}", units::observed(value, &outcome.unit)),
        None if outcome.note.is_none() => "not observed".to_owned(),
        None => String::new(),
    };
    if let (Some(_), Some(limit)) = (outcome.observed, outcome.limit) {
        text.push_str(&format!(
            " · limit {}",
            units::observed(limit, &outcome.unit)
        ));
    }
    match (&outcome.note, text.is_empty()) {
        (Some(note), true) => text.push_str(note),
        (Some(note), false) => text.push_str(&format!(" ({note})")),
        (None, _) => {}
    }
    if outcome.aborted_run {
        text.push_str(" · stopped the run");
    }
    text
}
