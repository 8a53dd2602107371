//! The HTML report: one self-contained page a person opens after a run or
//! a CI job keeps as an artefact. `docs/outputs.md` describes what is on
//! it.
//!
//! The tables are rendered here, with maud, which escapes every value it
//! is given, so a request name or an error message cannot become markup.
//! The charts are drawn by the page's own script (`assets/report.js`) from
//! the data embedded as JSON in a `<script type="application/json">`
//! block, so a browser that shows them has run the script. Nothing is
//! fetched: the style and script are inline, and a Content-Security-Policy
//! that names them by hash forbids any other source, so the page works from
//! `file://` without a network and runs no script but its own.

use std::io::{self, Write};

use base64::Engine as _;
use maud::{DOCTYPE, Markup, PreEscaped, html};
use serde_json::json;
use sha2::{Digest, Sha256};
use throng_metrics::{
    DurationStats, EndpointStats, ErrorSource, GeneratorHealth, RunResults, ThresholdOutcome,
    TimelinePoint,
};

use crate::units;

const STYLE: &str = include_str!("../assets/report.css");
const SCRIPT: &str = include_str!("../assets/report.js");

/// Writes the HTML report of `results`: one UTF-8 page with inline style
/// and script and no external resource.
///
/// In order: the verdict and what was run, the thresholds, the scenarios
/// (for a plan of several), the endpoints, the checks, the errors, the
/// generator's health, and charts over time of latency percentiles,
/// throughput, errors and active VUs, each scenario's active span shaded.
/// The data behind the charts is embedded as JSON in the element with id
/// `throng-data`.
pub fn write_html(results: &RunResults, mut out: impl Write) -> io::Result<()> {
    let data = chart_data(results)?;
    out.write_all(page(results, &data).into_string().as_bytes())?;
    out.flush()
}

fn page(results: &RunResults, data: &str) -> Markup {
    let verdict = Verdict::of(&results.thresholds);
    html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                meta http-equiv="Content-Security-Policy" content=(csp());
                meta name="generator" content=(concat!("throng ", env!("CARGO_PKG_VERSION")));
                title { (verdict.word()) " · " (results.meta.scenario) " · throng report" }
                style { (PreEscaped(STYLE)) }
            }
            body {
                main {
                    (header(results, &verdict))
                    (thresholds(&results.thresholds))
                    (scenarios(&results.scenarios))
                    (endpoints(results))
                    (checks(results))
                    (errors(results))
                    (generator(results.generator.as_ref()))
                    (charts())
                    footer {
                        "throng " (env!("CARGO_PKG_VERSION")) " · results schema "
                        code { (results.schema) }
                        " · this page is self-contained and works offline"
                    }
                }
                script type="application/json" id="throng-data" { (PreEscaped(data)) }
                script { (PreEscaped(SCRIPT)) }
            }
        }
    }
}

/// The page may load nothing and run nothing but its own inline style and
/// script, named by their hashes.
fn csp() -> String {
    format!(
        "default-src 'none'; style-src '{}'; script-src '{}'; img-src data:",
        sha256(STYLE),
        sha256(SCRIPT)
    )
}

fn sha256(text: &str) -> String {
    let digest = Sha256::digest(text.as_bytes());
    format!(
        "sha256-{}",
        base64::engine::general_purpose::STANDARD.encode(digest)
    )
}

/// The overall verdict, as the summary states it.
enum Verdict {
    NoThresholds,
    Passed { total: usize },
    Failed { failed: usize, total: usize },
}

impl Verdict {
    fn of(thresholds: &[ThresholdOutcome]) -> Verdict {
        let failed = thresholds.iter().filter(|t| t.fails_run()).count();
        match (thresholds.len(), failed) {
            (0, _) => Verdict::NoThresholds,
            (total, 0) => Verdict::Passed { total },
            (total, failed) => Verdict::Failed { failed, total },
        }
    }

    fn word(&self) -> &'static str {
        match self {
            Verdict::NoThresholds => "NO THRESHOLDS",
            Verdict::Passed { .. } => "PASSED",
            Verdict::Failed { .. } => "FAILED",
        }
    }

    fn class(&self) -> &'static str {
        match self {
            Verdict::NoThresholds => "verdict none",
            Verdict::Passed { .. } => "verdict pass",
            Verdict::Failed { .. } => "verdict fail",
        }
    }

    fn detail(&self) -> String {
        match *self {
            Verdict::NoThresholds => "no thresholds to judge".to_owned(),
            Verdict::Passed { total } => {
                format!("all {total} {} passed", plural(total, "threshold"))
            }
            Verdict::Failed { failed, total } => {
                format!("{failed} of {total} {} failed", plural(total, "threshold"))
            }
        }
    }
}

fn header(results: &RunResults, verdict: &Verdict) -> Markup {
    let meta = &results.meta;
    let totals = &results.totals;
    let saturated = results.generator.as_ref().filter(|g| g.saturated);
    let failed_class = if totals.failed > 0 { "bad" } else { "" };
    html! {
        header.(verdict.class()) {
            div.brand { "throng · load test report" }
            div.verdict-line {
                h1 #verdict { (verdict.word()) }
                p.verdict-detail { (verdict.detail()) }
            }
            dl.about {
                div { dt { (plural(scenario_count(results), "Scenario")) } dd { (meta.scenario) } }
                div { dt { "Executor" } dd { (meta.executor) } }
                div { dt { "Module" } dd { code { (meta.module) } } }
                div { dt { "Started" } dd { (humantime::format_rfc3339_seconds(meta.started_at)) } }
            }
        }
        @if results.partial {
            p.warning { "⚠ Partial results: a snapshot written while the run was still going (the run may have been cut short)." }
        }
        @if let Some(g) = saturated {
            p.warning { (saturation_warning(g)) }
        }
        section.kpis aria-label="Totals" {
            (kpi("Duration", units::wall_time(meta.duration), ""))
            (kpi("VUs", units::count(u64::from(meta.vus)), ""))
            (kpi("Requests", units::count(totals.requests), ""))
            (kpi("Requests/s", units::per_second(totals.req_per_s), ""))
            (kpi("Failure rate", units::percent(totals.failure_rate), failed_class))
            (kpi("p95 latency", stat_ms(&results.http_req_duration, |s| s.p95), ""))
            (kpi("Data received", units::bytes(totals.bytes_received as f64), ""))
            (kpi("Iterations", units::count(totals.iterations.total), ""))
        }
    }
}

fn scenario_count(results: &RunResults) -> usize {
    results.scenarios.len().max(1)
}

fn kpi(label: &str, value: String, class: &str) -> Markup {
    html! {
        div.kpi.(class) {
            div.kpi-value { (value) }
            div.kpi-label { (label) }
        }
    }
}

fn saturation_warning(g: &GeneratorHealth) -> String {
    format!(
        "⚠ The load generator was saturated (CPU max {:.0} % of {} {}, timer lag max {}): figures may be skewed.",
        g.max_cpu_percent,
        g.cores,
        plural(g.cores as usize, "core"),
        units::duration_ms(g.max_lag_ms),
    )
}

fn thresholds(thresholds: &[ThresholdOutcome]) -> Markup {
    html! {
        section #thresholds {
            h2 { "Thresholds" }
            @if thresholds.is_empty() {
                p.empty { "The run had no thresholds." }
            } @else {
                table {
                    thead { tr {
                        th.mark { "" } th { "Metric" } th { "Expression" }
                        th.num { "Observed" } th.num { "Limit" } th { "Note" }
                    } }
                    tbody {
                        @for t in thresholds {
                            tr.(row_class(t)) {
                                td.mark { (outcome_mark(t)) }
                                td { code { (t.metric) } }
                                td { code { (t.expression) } }
                                td.num { (t.observed.map_or_else(|| "–".to_owned(), |v| units::observed(v, &t.unit))) }
                                td.num { (t.limit.map_or_else(|| "–".to_owned(), |v| units::observed(v, &t.unit))) }
                                td.note {
                                    @if t.aborted_run { strong { "Stopped the run (abort_on_fail). " } }
                                    @if !t.passed && !t.fails_run() { "Warning only. " }
                                    (t.note.as_deref().unwrap_or(""))
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}

fn row_class(t: &ThresholdOutcome) -> &'static str {
    if t.passed {
        "pass"
    } else if t.fails_run() {
        "fail"
    } else {
        "warn"
    }
}

/// ✓, ✗, or ⚠ for a warning that was not met.
fn outcome_mark(t: &ThresholdOutcome) -> Markup {
    if !t.passed && !t.fails_run() {
        html! { span.warn title="warning" { "⚠" } }
    } else {
        mark(t.passed)
    }
}

fn mark(passed: bool) -> Markup {
    html! {
        @if passed {
            span.ok title="passed" { "✓" }
        } @else {
            span.ko title="failed" { "✗" }
        }
    }
}

fn scenarios(scenarios: &[RunResults]) -> Markup {
    html! {
        @if !scenarios.is_empty() {
            section #scenarios {
                h2 { "Scenarios" }
                table {
                    thead { tr {
                        th { "Scenario" } th { "Executor" } th.num { "VUs" } th.num { "Time" }
                        th.num { "Requests" } th.num { "Failed" } th.num { "p50" } th.num { "p95" }
                        th.num { "p99" } th.num { "Req/s" } th.num { "Iterations" }
                    } }
                    tbody {
                        @for s in scenarios {
                            tr {
                                td { (s.meta.scenario) }
                                td { (s.meta.executor) }
                                td.num { (units::count(u64::from(s.meta.vus))) }
                                td.num { (units::wall_time(s.meta.duration)) }
                                td.num { (units::count(s.totals.requests)) }
                                td.num.bad[s.totals.failed > 0] { (units::count(s.totals.failed)) }
                                td.num { (stat_ms(&s.http_req_duration, |d| d.p50)) }
                                td.num { (stat_ms(&s.http_req_duration, |d| d.p95)) }
                                td.num { (stat_ms(&s.http_req_duration, |d| d.p99)) }
                                td.num { (units::per_second(s.totals.req_per_s)) }
                                td.num { (units::count(s.totals.iterations.total)) }
                            }
                        }
                    }
                }
            }
        }
    }
}

fn endpoints(results: &RunResults) -> Markup {
    html! {
        section #endpoints {
            h2 { "Endpoints" }
            @if results.endpoints.is_empty() {
                p.empty { "No request was sent." }
            } @else {
                table {
                    thead { tr {
                        th { "Name" } th { "Method" } th.num { "Requests" } th.num { "Failed" }
                        th.num { "Failure %" } th.num { "avg" } th.num { "p50" } th.num { "p90" }
                        th.num { "p95" } th.num { "p99" } th.num { "max" } th.num { "Req/s" }
                    } }
                    tbody {
                        @for e in &results.endpoints {
                            (endpoint_row(e))
                        }
                    }
                    @if results.endpoints.len() > 1 {
                        tfoot {
                            (endpoint_row(&EndpointStats {
                                name: "All requests".to_owned(),
                                method: String::new(),
                                requests: results.totals.requests,
                                failed: results.totals.failed,
                                errors_by_class: Default::default(),
                                bytes_received: results.totals.bytes_received,
                                bytes_sent: results.totals.bytes_sent,
                                req_per_s: results.totals.req_per_s,
                                stats: results.http_req_duration,
                            }))
                        }
                    }
                }
            }
        }
    }
}

fn endpoint_row(e: &EndpointStats) -> Markup {
    let failure = if e.requests == 0 {
        0.0
    } else {
        e.failed as f64 / e.requests as f64
    };
    let s = &e.stats;
    html! {
        tr {
            td.name { (e.name) }
            td { (e.method) }
            td.num { (units::count(e.requests)) }
            td.num.bad[e.failed > 0] { (units::count(e.failed)) }
            td.num.bad[e.failed > 0] { (units::percent(failure)) }
            td.num { (stat_ms(s, |d| d.avg)) }
            td.num { (stat_ms(s, |d| d.p50)) }
            td.num { (stat_ms(s, |d| d.p90)) }
            td.num { (stat_ms(s, |d| d.p95)) }
            td.num { (stat_ms(s, |d| d.p99)) }
            td.num { (stat_ms(s, |d| d.max)) }
            td.num { (units::per_second(e.req_per_s)) }
        }
    }
}

/// One figure of `stats` in ms, or `–` when nothing was measured.
fn stat_ms(stats: &DurationStats, figure: impl Fn(&DurationStats) -> f64) -> String {
    if stats.count == 0 {
        "–".to_owned()
    } else {
        units::duration_ms(figure(stats))
    }
}

fn checks(results: &RunResults) -> Markup {
    let checks = &results.checks;
    html! {
        section #checks {
            h2 { "Checks" }
            @if checks.by_name.is_empty() {
                p.empty { "The journey made no checks." }
            } @else {
                table {
                    thead { tr {
                        th.mark { "" } th { "Check" } th.num { "Passed" } th.num { "Failed" }
                        th.num { "Pass rate" }
                    } }
                    tbody {
                        @for c in &checks.by_name {
                            tr.(if c.failed == 0 { "pass" } else { "fail" }) {
                                td.mark { (mark(c.failed == 0)) }
                                td.name { (c.name) }
                                td.num { (units::count(c.passed)) }
                                td.num.bad[c.failed > 0] { (units::count(c.failed)) }
                                td.num { (units::percent(rate(c.passed, c.failed))) }
                            }
                        }
                    }
                }
            }
        }
    }
}

fn rate(passed: u64, failed: u64) -> f64 {
    let made = passed + failed;
    if made == 0 {
        0.0
    } else {
        passed as f64 / made as f64
    }
}

fn errors(results: &RunResults) -> Markup {
    let by_class = &results.totals.errors_by_class;
    let errors = &results.errors;
    let failed = results.totals.failed;
    html! {
        section #errors {
            h2 { "Errors" }
            @if by_class.is_empty() && errors.messages.is_empty() {
                p.empty { "No request or iteration failed." }
            } @else {
                div.split {
                    div {
                        h3 { "Failed requests by class" }
                        @if by_class.is_empty() {
                            p.empty { "No request failed." }
                        } @else {
                            table {
                                thead { tr { th { "Class" } th.num { "Requests" } th.num { "Share of failed" } } }
                                tbody {
                                    @for (class, count) in by_class {
                                        tr {
                                            td { code { (class.as_str()) } }
                                            td.num { (units::count(*count)) }
                                            td.num { (units::percent(*count as f64 / failed.max(1) as f64)) }
                                        }
                                    }
                                }
                            }
                        }
                    }
                    div {
                        h3 { "First distinct messages" }
                        @if errors.messages.is_empty() {
                            p.empty { "No error message was recorded." }
                        } @else {
                            table {
                                thead { tr { th { "Source" } th { "Message" } th.num { "Count" } } }
                                tbody {
                                    @for e in &errors.messages {
                                        tr {
                                            td { (source(e.source)) }
                                            td.message {
                                                @if let Some(name) = &e.name {
                                                    span.tag { (name) } " "
                                                }
                                                (e.message)
                                            }
                                            td.num { (units::count(e.count)) }
                                        }
                                    }
                                }
                            }
                            @if errors.unlisted > 0 {
                                p.note { (units::count(errors.unlisted)) " more occurrences of messages not listed." }
                            }
                        }
                    }
                }
            }
        }
    }
}

fn source(source: ErrorSource) -> &'static str {
    match source {
        ErrorSource::Request => "request",
        ErrorSource::Iteration => "iteration",
        ErrorSource::VuStart => "VU start",
    }
}

fn generator(generator: Option<&GeneratorHealth>) -> Markup {
    html! {
        section #generator {
            h2 { "Load generator" }
            @match generator {
                None => p.empty { "Not measured: this system does not let the process observe itself." },
                Some(g) => {
                    @if g.saturated {
                        p.warning { (saturation_warning(g)) }
                    } @else {
                        p.healthy { "✓ The generator was not saturated: its figures can be trusted." }
                    }
                    table.compact {
                        tbody {
                            tr { th { "CPU cores" } td.num { (g.cores) } }
                            tr { th { "CPU, average" } td.num { (format!("{:.0} %", g.avg_cpu_percent)) } }
                            tr { th { "CPU, highest second" } td.num.bad[g.max_cpu_percent > throng_metrics::SATURATED_CPU_PERCENT] { (format!("{:.0} %", g.max_cpu_percent)) } }
                            tr { th { "Memory, highest" } td.num { (units::bytes(g.max_rss_bytes as f64)) } }
                            tr { th { "Timer lag, worst" } td.num.bad[g.max_lag_ms > throng_metrics::SATURATED_LAG_MS] { (units::duration_ms(g.max_lag_ms)) } }
                        }
                    }
                }
            }
        }
    }
}

/// The four chart containers; the script draws an SVG into each.
fn charts() -> Markup {
    let charts = [
        (
            "chart-latency",
            "Latency percentiles",
            "each second's requests, ms",
        ),
        ("chart-throughput", "Throughput", "requests per second"),
        (
            "chart-errors",
            "Errors",
            "failed share of each second's requests, %",
        ),
        ("chart-vus", "Active VUs", "virtual users at each second"),
    ];
    html! {
        section #charts {
            h2 { "Over time" }
            div.charts {
                @for (id, title, subtitle) in charts {
                    figure.chart id=(id) {
                        figcaption { strong { (title) } " " span { (subtitle) } }
                        noscript { p.empty { "The charts are drawn by the page's script; allow JavaScript to see them." } }
                    }
                }
            }
        }
    }
}

/// The data the charts need, as JSON safe inside a `<script>` element:
/// `<`, `>` and `&` are written as `\u` escapes, which only occur inside
/// JSON strings and mean the same there.
fn chart_data(results: &RunResults) -> io::Result<String> {
    let bands: Vec<_> = scenario_bands(results)
        .into_iter()
        .map(|(name, start_s, end_s)| json!({ "name": name, "start_s": start_s, "end_s": end_s }))
        .collect();
    let data = json!({
        "duration_s": results.meta.duration.as_secs_f64(),
        "timeline": results.timeline,
        "scenarios": bands,
    });
    let text = serde_json::to_string(&data)?;
    Ok(text
        .replace('<', "\\u003c")
        .replace('>', "\\u003e")
        .replace('&', "\\u0026"))
}

/// Each scenario's active span on the plan's clock, for a plan of several:
/// `(name, start_s, end_s)`.
fn scenario_bands(results: &RunResults) -> Vec<(String, f64, f64)> {
    results
        .scenarios
        .iter()
        .filter_map(|s| {
            active_span(&s.timeline, s.meta.duration.as_secs_f64())
                .map(|(start, end)| (s.meta.scenario.clone(), start, end))
        })
        .collect()
}

/// When a scenario that ran for `duration_s` seconds was active, read from
/// its timeline: from its first to its last point with VUs, or with
/// requests that grew since the point before. `None` if it never was.
///
/// Points are a second apart, so where requests grew the activity began
/// within the second before the point, and the span starts there; a last
/// point with requests but no VUs ended within its second, and the
/// scenario's own duration says where.
pub(crate) fn active_span(timeline: &[TimelinePoint], duration_s: f64) -> Option<(f64, f64)> {
    let mut span: Option<(f64, f64)> = None;
    let (mut previous_t, mut previous_requests) = (0.0, 0);
    for point in timeline {
        let grew = point.requests > previous_requests;
        if point.vus > 0 || grew {
            let start = span.map_or(if grew { previous_t } else { point.t_s }, |(s, _)| s);
            let end = if point.vus > 0 {
                point.t_s
            } else {
                point.t_s.min(start + duration_s).max(previous_t)
            };
            span = Some((start, end));
        }
        previous_t = point.t_s;
        previous_requests = point.requests;
    }
    span
}

fn plural(count: usize, word: &str) -> String {
    if count == 1 {
        word.to_owned()
    } else {
        format!("{word}s")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn point(t_s: f64, vus: u32, requests: u64) -> TimelinePoint {
        TimelinePoint {
            t_s,
            vus,
            requests,
            ..TimelinePoint::default()
        }
    }

    #[test]
    fn a_scenario_is_active_from_its_first_to_its_last_busy_second() {
        // Waits 2 s, runs 2.5 s with VUs, its last requests land by 5 s.
        let timeline = [
            point(1.0, 0, 0),
            point(2.0, 0, 0),
            point(3.0, 2, 10),
            point(4.0, 2, 20),
            point(5.0, 0, 25),
            point(6.0, 0, 25),
        ];
        assert_eq!(active_span(&timeline, 2.5), Some((2.0, 4.5)));
        // A duration that cannot be right is bounded by the points.
        assert_eq!(active_span(&timeline, 10.0), Some((2.0, 5.0)));
        assert_eq!(active_span(&timeline, 0.1), Some((2.0, 4.0)));
        // VUs at a point, requests not yet: active from that point on.
        let late = [point(1.0, 0, 0), point(2.0, 3, 0), point(3.0, 3, 9)];
        assert_eq!(active_span(&late, 1.0), Some((2.0, 3.0)));
        assert_eq!(active_span(&[point(1.0, 0, 0)], 1.0), None);
        assert_eq!(active_span(&[], 1.0), None);
    }

    #[test]
    fn the_policy_names_the_inline_style_and_script() {
        let policy = csp();
        assert!(policy.starts_with("default-src 'none'"));
        assert!(policy.contains(&sha256(SCRIPT)) && policy.contains(&sha256(STYLE)));
        assert_eq!(
            sha256(""),
            "sha256-47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU="
        );
    }
}
