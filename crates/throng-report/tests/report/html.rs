//! The HTML report: the verdict, the tables and the chart data are on the
//! page, every name is escaped, and nothing is fetched.

use std::time::Duration;

use throng_metrics::{Metrics, RequestSample, RunMeta, RunResults};
use throng_report::write_html;

use crate::csv::known_run;
use crate::meta;

fn render(results: &RunResults) -> String {
    let mut out = Vec::new();
    write_html(results, &mut out).expect("writing to a Vec succeeds");
    String::from_utf8(out).expect("the page is UTF-8")
}

/// The markup of the `<section id="ID">`.
fn section<'h>(html: &'h str, id: &str) -> &'h str {
    let open = format!("<section id=\"{id}\">");
    let start = html
        .find(&open)
        .unwrap_or_else(|| panic!("no section {id}"));
    let end = start + html[start..].find("</section>").expect("section closes");
    &html[start..end]
}

/// The JSON in `<script type="application/json" id="throng-data">`, parsed.
fn chart_data(html: &str) -> serde_json::Value {
    let open = r#"<script type="application/json" id="throng-data">"#;
    let start = html.find(open).expect("the data block") + open.len();
    let end = start + html[start..].find("</script>").expect("the block closes");
    serde_json::from_str(&html[start..end]).expect("the data block is JSON")
}

#[test]
fn a_failed_run_shows_its_verdict_and_every_threshold() {
    let html = render(&known_run());
    assert!(html.starts_with("<!DOCTYPE html>"));
    assert!(html.contains(r#"<header class="verdict fail">"#));
    assert!(html.contains(r#"<h1 id="verdict">FAILED</h1>"#));
    assert!(html.contains("2 of 3 thresholds failed"));
    assert!(html.contains("<title>FAILED · clinician · throng report</title>"));

    let thresholds = section(&html, "thresholds");
    // One row per threshold, in plan order, with its mark, metric,
    // expression (escaped) and observed value or note.
    let rows: Vec<&str> = thresholds.split("<tr class=").skip(1).collect();
    assert_eq!(rows.len(), 3, "{thresholds}");
    let expected = [
        (
            "\"pass\"",
            "✓",
            "http_req_duration{name:query}",
            "p(95) &lt; 200ms",
            "20.0 ms",
        ),
        ("\"fail\"", "✗", "http_req_failed", "rate &lt; 1%", "4.55 %"),
        (
            "\"fail\"",
            "✗",
            "http_req_duration{name:missing}",
            "p(95) &lt; 100ms",
            "no samples: no request named `missing`",
        ),
    ];
    for (row, (class, mark, metric, expression, observed)) in rows.iter().zip(expected) {
        assert!(row.starts_with(class), "{row}");
        for text in [mark, metric, expression, observed] {
            assert!(row.contains(text), "{text} not in {row}");
        }
    }
}

#[test]
fn a_passing_run_says_passed() {
    let mut results = known_run();
    results.thresholds.retain(|t| t.passed);
    let html = render(&results);
    assert!(html.contains(r#"<header class="verdict pass">"#));
    assert!(html.contains(r#"<h1 id="verdict">PASSED</h1>"#));
    assert!(html.contains("all 1 threshold passed"));
}

#[test]
fn the_header_and_tables_hold_the_known_numbers() {
    let html = render(&known_run());
    let header = &html[..html.find("<section id=\"thresholds\">").unwrap()];
    for text in [
        "clinician",
        "constant-vus",
        "examples/clinician.wasm",
        "2025-01-02T03:04:05Z",
        "3.0 s",
        "110",    // requests
        "36.7",   // req/s
        "4.55 %", // failure rate
        "102 kB", // 10 × 200 B + 100 × 1000 B
    ] {
        assert!(header.contains(text), "{text} not in the header\n{header}");
    }

    let endpoints = section(&html, "endpoints");
    let rows: Vec<&str> = endpoints.split("<tr>").skip(2).collect();
    // login, query, then the total.
    assert_eq!(rows.len(), 3, "{endpoints}");
    assert!(rows[0].contains(">login<") && rows[0].contains(">POST<"));
    assert!(rows[1].contains(">query<") && rows[1].contains(">GET<"));
    assert!(rows[1].contains(">100<") && rows[1].contains(">5<") && rows[1].contains(">5.00 %<"));
    assert!(rows[1].contains(">20.0 ms<"), "{}", rows[1]);
    assert!(rows[2].contains("All requests") && rows[2].contains(">110<"));

    let checks = section(&html, "checks");
    assert!(checks.contains(">ok<") && checks.contains(">90.00 %<"));
    assert!(checks.contains(">status is 200<") && checks.contains(">100.00 %<"));

    let errors = section(&html, "errors");
    assert!(errors.contains("<code>status_5xx</code>"), "{errors}");
}

#[test]
fn the_chart_data_parses_back() {
    let html = render(&known_run());
    let data = chart_data(&html);
    assert_eq!(data["duration_s"], 3.0);
    let timeline = data["timeline"].as_array().expect("a timeline");
    let seconds: Vec<f64> = timeline
        .iter()
        .map(|p| p["t_s"].as_f64().unwrap())
        .collect();
    assert_eq!(seconds, [1.0, 2.0, 3.0]);
    let vus: Vec<u64> = timeline
        .iter()
        .map(|p| p["vus"].as_u64().unwrap())
        .collect();
    assert_eq!(vus, [4, 5, 2]);
    assert_eq!(timeline[0]["req_per_s"], 50.0);
    assert_eq!(timeline[1]["failed_per_s"], 3.0);
    // 20 ms requests read back from the histogram, exact to 0.1 %.
    let p95 = timeline[1]["p95_ms"]
        .as_f64()
        .expect("a p95 in the second second");
    assert!((20.0..20.1).contains(&p95), "{p95}");
    assert!(
        timeline[2]["p95_ms"].is_null(),
        "no request in the third second"
    );
    // One scenario: no bands.
    assert_eq!(data["scenarios"], serde_json::json!([]));
    for id in [
        "chart-latency",
        "chart-throughput",
        "chart-errors",
        "chart-vus",
    ] {
        assert!(html.contains(&format!("id=\"{id}\"")), "{id}");
    }
}

const EVIL: &str = "<img src=x onerror=alert(1)></script><script>alert(2)</script>";

#[test]
fn names_and_messages_are_escaped_in_the_page_and_the_data() {
    let metrics = Metrics::new();
    metrics.record_request(&RequestSample {
        name: EVIL,
        method: "GET",
        status: None,
        error: Some(throng_metrics::ErrorClass::Protocol),
        duration: Duration::from_millis(5),
        phases: Default::default(),
        bytes_received: 0,
        bytes_sent: 0,
        error_message: Some(EVIL),
    });
    metrics.record_check(EVIL, false);
    metrics.sample_timeline(Duration::from_secs(1), 1);
    let evil_meta = || RunMeta {
        scenario: EVIL.to_owned(),
        module: EVIL.to_owned(),
        ..meta(1)
    };
    let mut results = metrics.results(evil_meta());
    results.scenarios = vec![metrics.results(evil_meta())];
    results.thresholds = vec![throng_metrics::ThresholdOutcome {
        metric: EVIL.to_owned(),
        expression: "p(95) < 1ms".to_owned(),
        observed: None,
        unit: "ms".to_owned(),
        passed: false,
        limit: Some(1.0),
        severity: Default::default(),
        aborted_run: false,
        note: Some(EVIL.to_owned()),
    }];
    let html = render(&results);

    assert!(!html.contains("<img"), "{html}");
    assert!(!html.contains("alert(2)</script>"));
    // Exactly the page's own two script elements.
    assert_eq!(html.matches("<script").count(), 2);
    assert_eq!(html.matches("</script>").count(), 2);
    let escaped =
        "&lt;img src=x onerror=alert(1)&gt;&lt;/script&gt;&lt;script&gt;alert(2)&lt;/script&gt;";
    for id in ["thresholds", "scenarios", "endpoints", "checks", "errors"] {
        assert!(section(&html, id).contains(escaped), "{id} lacks the name");
    }
    // The data block holds the name intact once parsed.
    let data = chart_data(&html);
    assert_eq!(data["scenarios"][0]["name"], EVIL);
}

#[test]
fn an_empty_run_renders() {
    let results = Metrics::new().results(meta(0));
    let html = render(&results);
    assert!(html.contains(r#"<header class="verdict none">"#));
    assert!(html.contains(r#"<h1 id="verdict">NO THRESHOLDS</h1>"#));
    assert!(section(&html, "thresholds").contains("The run had no thresholds."));
    assert!(section(&html, "endpoints").contains("No request was sent."));
    assert!(section(&html, "checks").contains("The journey made no checks."));
    assert!(section(&html, "errors").contains("No request or iteration failed."));
    let data = chart_data(&html);
    assert_eq!(data["timeline"], serde_json::json!([]));
    assert!(html.contains("id=\"chart-vus\""));
}

#[test]
fn the_page_fetches_nothing() {
    let html = render(&known_run());
    for outside in [
        "src=", "href=", "<link", "@import", "url(", "<iframe", "<img",
    ] {
        assert!(!html.contains(outside), "{outside} in the page");
    }
    // And forbids anything else: only its own style and script, by hash.
    assert!(html.contains(
        r#"<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'sha256-"#
    ));
}

/// Each scenario of a plan is marked from its first to its last active
/// second.
#[test]
fn scenarios_are_marked_where_they_were_active() {
    let request = RequestSample {
        name: "ping",
        method: "GET",
        status: Some(200),
        error: None,
        duration: Duration::from_millis(10),
        phases: Default::default(),
        bytes_received: 10,
        bytes_sent: 10,
        error_message: None,
    };
    // warmup: busy for 2 s, then idle; peak: idle for 2 s, then busy.
    let (warmup, peak) = (Metrics::new(), Metrics::new());
    for (second, warmup_vus, peak_vus) in [(1, 2, 0), (2, 2, 0), (3, 0, 3), (4, 0, 3)] {
        let busy = if warmup_vus > 0 { &warmup } else { &peak };
        busy.record_request(&request);
        warmup.sample_timeline(Duration::from_secs(second), warmup_vus);
        peak.sample_timeline(Duration::from_secs(second), peak_vus);
    }
    let named = |name: &str| RunMeta {
        scenario: name.to_owned(),
        ..meta(4)
    };
    let mut results = Metrics::merged_results(&[&warmup, &peak], named("warmup, peak"));
    results.scenarios = vec![warmup.results(named("warmup")), peak.results(named("peak"))];

    let html = render(&results);
    let data = chart_data(&html);
    assert_eq!(
        data["scenarios"],
        serde_json::json!([
            { "name": "warmup", "start_s": 0.0, "end_s": 2.0 },
            { "name": "peak", "start_s": 2.0, "end_s": 4.0 },
        ])
    );
    let scenarios = section(&html, "scenarios");
    assert!(scenarios.contains(">warmup<") && scenarios.contains(">peak<"));
    assert!(html.contains("<dt>Scenarios</dt>"));
}

#[test]
fn a_partial_snapshot_says_so() {
    let mut results = known_run();
    assert!(!render(&results).contains("Partial results"));
    results.partial = true;
    assert!(render(&results).contains("⚠ Partial results: a snapshot"));
}
