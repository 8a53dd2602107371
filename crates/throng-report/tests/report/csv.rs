//! The CSV files: Locust's columns, numbers read back with a CSV parser.

use std::time::Duration;

use throng_metrics::threshold::{self, Threshold};
use throng_metrics::{IterationOutcome, Metrics, RequestSample, RunResults, TimelinePoint};
use throng_report::{write_csv_history, write_csv_stats};

use crate::meta;

/// A 3 s run with round numbers, shared with the JUnit tests:
///
/// - `query`: 100 requests of 20 ms, 1000 bytes each, 5 answered 500;
/// - `login`: 10 requests of 5 ms, 200 bytes each;
/// - checks `ok` (90 passed, 10 failed) and `status is 200` (all 110
///   passed);
/// - a timeline at 1, 2 and 3 s: 50 requests (2 failed), 20 iterations
///   and 1 dropped by 1 s; all 110 (5 failed), 40 iterations and 3 dropped
///   by 2 s; nothing more by 3 s;
/// - thresholds: `http_req_duration{name:query}: p(95) < 200ms` passes,
///   `http_req_failed: rate < 1%` fails (5 of 110), and
///   `http_req_duration{name:missing}: p(95) < 100ms` fails for want of
///   samples.
pub(crate) fn known_run() -> RunResults {
    let metrics = Metrics::new();
    let request = |name, millis, status, bytes_received| RequestSample {
        name,
        method: if name == "login" { "POST" } else { "GET" },
        status: Some(status),
        error: None,
        duration: Duration::from_millis(millis),
        phases: Default::default(),
        bytes_received,
        bytes_sent: 100,
        error_message: None,
    };
    let iterations = |count| {
        for _ in 0..count {
            metrics.record_iteration(Duration::from_millis(60), IterationOutcome::Completed, None);
        }
    };

    // First second: all logins, 40 queries of which 2 fail.
    for _ in 0..10 {
        metrics.record_request(&request("login", 5, 200, 200));
    }
    for i in 0..40 {
        let status = if i < 2 { 500 } else { 200 };
        metrics.record_request(&request("query", 20, status, 1000));
    }
    iterations(20);
    metrics.record_dropped_iteration();
    metrics.sample_timeline(Duration::from_secs(1), 4);

    // Second second: the other 60 queries, 3 of which fail.
    for i in 0..60 {
        let status = if i < 3 { 500 } else { 200 };
        metrics.record_request(&request("query", 20, status, 1000));
    }
    iterations(20);
    metrics.record_dropped_iteration();
    metrics.record_dropped_iteration();
    metrics.sample_timeline(Duration::from_secs(2), 5);

    // Third second: nothing happens.
    metrics.sample_timeline(Duration::from_secs(3), 2);

    for i in 0..100 {
        metrics.record_check("ok", i < 90);
    }
    for _ in 0..110 {
        metrics.record_check("status is 200", true);
    }

    let mut results = metrics.results(meta(3));
    let thresholds = [
        ("http_req_duration{name:query}", "p(95) < 200ms"),
        ("http_req_failed", "rate < 1%"),
        ("http_req_duration{name:missing}", "p(95) < 100ms"),
    ]
    .map(|(metric, expression)| Threshold::parse(metric, expression).expect("valid threshold"));
    results.thresholds = threshold::evaluate(&thresholds, &results);
    results
}

const STATS_HEADER: &str = "Type,Name,Request Count,Failure Count,Median Response Time,\
    Average Response Time,Min Response Time,Max Response Time,Average Content Size,\
    Requests/s,Failures/s,50%,66%,75%,80%,90%,95%,98%,99%,99.9%,99.99%,100%";

const HISTORY_HEADER: &str = "Timestamp,User Count,Type,Name,Requests/s,Failures/s,\
    50%,95%,99%,Total Request Count,Total Failure Count,Total Iterations,Dropped Iterations";

/// The header and the rows of a CSV file, each row a map from column name
/// to cell.
struct Table {
    header: Vec<String>,
    rows: Vec<Vec<String>>,
}

impl Table {
    fn parse(bytes: &[u8]) -> Table {
        let mut reader = csv::Reader::from_reader(bytes);
        let header = reader
            .headers()
            .expect("a header")
            .iter()
            .map(str::to_owned)
            .collect();
        let rows = reader
            .records()
            .map(|row| {
                row.expect("a valid row")
                    .iter()
                    .map(str::to_owned)
                    .collect()
            })
            .collect();
        Table { header, rows }
    }

    #[track_caller]
    fn cell<'t>(&'t self, row: &'t [String], column: &str) -> &'t str {
        let index = self
            .header
            .iter()
            .position(|name| name == column)
            .unwrap_or_else(|| panic!("no column {column}"));
        &row[index]
    }

    #[track_caller]
    fn number(&self, row: &[String], column: &str) -> f64 {
        let cell = self.cell(row, column);
        cell.parse()
            .unwrap_or_else(|_| panic!("{column} is `{cell}`, not a number"))
    }

    #[track_caller]
    fn row(&self, name: &str) -> &[String] {
        self.rows
            .iter()
            .find(|row| self.cell(row, "Name") == name)
            .unwrap_or_else(|| panic!("no row {name}"))
    }
}

fn stats(results: &RunResults) -> Table {
    let mut out = Vec::new();
    write_csv_stats(results, &mut out).expect("writing to a Vec cannot fail");
    Table::parse(&out)
}

fn history(results: &RunResults) -> Table {
    let mut out = Vec::new();
    write_csv_history(results, &mut out).expect("writing to a Vec cannot fail");
    Table::parse(&out)
}

#[track_caller]
fn assert_near(actual: f64, expected: f64, tolerance: f64) {
    assert!(
        (actual - expected).abs() <= tolerance,
        "{actual} is not within {tolerance} of {expected}"
    );
}

#[test]
fn stats_header_is_locusts() {
    let table = stats(&known_run());
    assert_eq!(table.header.join(","), STATS_HEADER);
    assert!(table.rows.iter().all(|row| row.len() == table.header.len()));
}

#[test]
fn stats_one_row_per_endpoint_then_aggregated() {
    let table = stats(&known_run());
    let names: Vec<&str> = table
        .rows
        .iter()
        .map(|row| table.cell(row, "Name"))
        .collect();
    assert_eq!(names, ["login", "query", "Aggregated"]);
    let types: Vec<&str> = table
        .rows
        .iter()
        .map(|row| table.cell(row, "Type"))
        .collect();
    assert_eq!(types, ["POST", "GET", ""]);
}

#[test]
fn stats_endpoint_numbers() {
    let table = stats(&known_run());
    let query = table.row("query");
    assert_eq!(table.cell(query, "Request Count"), "100");
    assert_eq!(table.cell(query, "Failure Count"), "5");
    for column in [
        "Median Response Time",
        "Average Response Time",
        "50%",
        "100%",
    ] {
        assert_near(table.number(query, column), 20.0, 0.1);
    }
    assert_near(table.number(query, "Min Response Time"), 20.0, 0.1);
    assert_near(table.number(query, "Max Response Time"), 20.0, 0.1);
    assert_eq!(table.number(query, "Average Content Size"), 1000.0);
    assert_near(table.number(query, "Requests/s"), 100.0 / 3.0, 0.001);
    assert_near(table.number(query, "Failures/s"), 5.0 / 3.0, 0.001);

    let login = table.row("login");
    assert_eq!(table.cell(login, "Request Count"), "10");
    assert_eq!(table.cell(login, "Failure Count"), "0");
    assert_near(table.number(login, "Median Response Time"), 5.0, 0.01);
    assert_eq!(table.number(login, "Average Content Size"), 200.0);
    assert_eq!(table.number(login, "Failures/s"), 0.0);
}

#[test]
fn stats_aggregated_row_adds_up() {
    let table = stats(&known_run());
    let all = table.row("Aggregated");
    assert_eq!(table.cell(all, "Request Count"), "110");
    assert_eq!(table.cell(all, "Failure Count"), "5");
    // 100 of the 110 requests took 20 ms, 10 took 5 ms.
    assert_near(table.number(all, "Median Response Time"), 20.0, 0.1);
    assert_near(table.number(all, "Min Response Time"), 5.0, 0.01);
    assert_near(table.number(all, "Max Response Time"), 20.0, 0.1);
    assert_near(
        table.number(all, "Average Response Time"),
        2050.0 / 110.0,
        0.1,
    );
    assert_near(
        table.number(all, "Average Content Size"),
        102_000.0 / 110.0,
        0.001,
    );
    assert_near(table.number(all, "Requests/s"), 110.0 / 3.0, 0.001);
    // 10 of 110 samples are 5 ms: the 66th percentile and above are 20 ms.
    assert_near(table.number(all, "66%"), 20.0, 0.1);
    assert_near(table.number(all, "99.99%"), 20.0, 0.1);
}

#[test]
fn stats_percentiles_fall_back_to_summary_without_histograms() {
    let mut results = known_run();
    results.histograms.clear();
    let table = stats(&results);
    let query = table.row("query");
    assert_near(table.number(query, "Median Response Time"), 20.0, 0.1);
    assert_near(table.number(query, "95%"), 20.0, 0.1);
    assert_near(table.number(query, "100%"), 20.0, 0.1);
    // The summary statistics hold no 66th percentile.
    assert_eq!(table.cell(query, "66%"), "");
}

#[test]
fn stats_of_an_empty_run() {
    let table = stats(&Metrics::new().results(meta(0)));
    assert_eq!(table.rows.len(), 1);
    let all = table.row("Aggregated");
    assert_eq!(table.cell(all, "Request Count"), "0");
    assert_eq!(table.number(all, "Average Content Size"), 0.0);
    assert_eq!(table.number(all, "Requests/s"), 0.0);
}

#[test]
fn stats_names_with_commas_and_quotes_round_trip() {
    let metrics = Metrics::new();
    let name = "GET /a?b=1,2&c=\"<2>\"";
    metrics.record_request(&RequestSample {
        name,
        method: "GET",
        status: Some(200),
        error: None,
        duration: Duration::from_millis(1),
        phases: Default::default(),
        bytes_received: 0,
        bytes_sent: 0,
        error_message: None,
    });
    let table = stats(&metrics.results(meta(1)));
    assert_eq!(table.cell(&table.rows[0], "Name"), name);
}

#[test]
fn history_header_and_one_row_per_point() {
    let results = known_run();
    let table = history(&results);
    assert_eq!(table.header.join(","), HISTORY_HEADER);
    assert_eq!(table.rows.len(), results.timeline.len());
    assert_eq!(table.rows.len(), 3);
    for row in &table.rows {
        assert_eq!(table.cell(row, "Type"), "");
        assert_eq!(table.cell(row, "Name"), "Aggregated");
    }
}

#[test]
fn history_rates_are_deltas() {
    let table = history(&known_run());
    let column = |name| -> Vec<String> {
        table
            .rows
            .iter()
            .map(|row| table.cell(row, name).to_owned())
            .collect()
    };
    // meta() starts at 1_735_787_045.678 s; points at 1, 2 and 3 s.
    assert_eq!(
        column("Timestamp"),
        ["1735787047", "1735787048", "1735787049"]
    );
    assert_eq!(column("User Count"), ["4", "5", "2"]);
    assert_eq!(column("Total Request Count"), ["50", "110", "110"]);
    assert_eq!(column("Total Failure Count"), ["2", "5", "5"]);
    assert_eq!(column("Total Iterations"), ["20", "40", "40"]);
    assert_eq!(column("Dropped Iterations"), ["1", "3", "3"]);
    // The first point divides by its own time, the others by the second
    // since the one before.
    assert_eq!(column("Requests/s"), ["50", "60", "0"]);
    assert_eq!(column("Failures/s"), ["2", "3", "0"]);
    // Percentiles of each second's requests: the first second's 10 logins
    // of 5 ms are a fifth of its requests, so every percentile from p50 up
    // is a 20 ms query; the third second had no request.
    for percentile in ["50%", "95%", "99%"] {
        let cells = column(percentile);
        let ms: Vec<f64> = cells[..2].iter().map(|c| c.parse().unwrap()).collect();
        assert!(
            ms.iter().all(|ms| (20.0..20.1).contains(ms)),
            "{percentile}: {cells:?}"
        );
        assert_eq!(cells[2], "", "{percentile}");
    }
}

#[test]
fn history_rates_divide_by_the_time_between_points() {
    let mut results = known_run();
    let point = |t_s, requests, failed| TimelinePoint {
        t_s,
        vus: 1,
        requests,
        failed,
        ..TimelinePoint::default()
    };
    // A first point at 0 s has no rate; a last, partial second divides by
    // its length.
    results.timeline = vec![point(0.0, 7, 1), point(1.0, 17, 1), point(1.5, 20, 2)];
    let table = history(&results);
    let rates: Vec<(f64, f64)> = table
        .rows
        .iter()
        .map(|row| {
            (
                table.number(row, "Requests/s"),
                table.number(row, "Failures/s"),
            )
        })
        .collect();
    assert_eq!(rates, [(0.0, 0.0), (10.0, 0.0), (6.0, 2.0)]);
}

#[test]
fn history_of_a_run_without_timeline_is_the_header() {
    let mut out = Vec::new();
    write_csv_history(&Metrics::new().results(meta(0)), &mut out).unwrap();
    assert_eq!(
        String::from_utf8(out).unwrap(),
        format!("{HISTORY_HEADER}\n")
    );
}
