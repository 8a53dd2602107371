//! The terminal summary.

use std::time::Duration;

use throng_metrics::Metrics;
use throng_report::{SummaryOptions, render_summary};

use crate::{assert_golden, fixture, meta};

fn render(results: &throng_metrics::RunResults, opts: &SummaryOptions) -> String {
    let mut out = Vec::new();
    render_summary(results, &mut out, opts).expect("writing to a Vec cannot fail");
    String::from_utf8(out).expect("the summary is UTF-8")
}

/// Removes ANSI escape sequences (`ESC [ ... m`).
fn strip_ansi(text: &str) -> String {
    let mut plain = String::new();
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        if c == '\x1b' {
            for c in chars.by_ref() {
                if c == 'm' {
                    break;
                }
            }
        } else {
            plain.push(c);
        }
    }
    plain
}

#[test]
fn full_run() {
    let text = render(&fixture(), &SummaryOptions::default());
    assert!(!text.contains('\x1b'), "no colour unless asked");
    assert_golden("summary.txt", &text);
}

#[test]
fn empty_run() {
    let results = Metrics::new().results(meta(0));
    assert_golden(
        "summary-empty.txt",
        &render(&results, &SummaryOptions::default()),
    );
}

#[test]
fn narrow_terminal() {
    let opts = SummaryOptions {
        color: false,
        width: Some(100),
    };
    let text = render(&fixture(), &opts);
    assert_golden("summary-narrow.txt", &text);
}

#[test]
fn colour_changes_nothing_but_colour() {
    for width in [None, Some(100)] {
        let plain = render(
            &fixture(),
            &SummaryOptions {
                color: false,
                width,
            },
        );
        let colored = render(&fixture(), &SummaryOptions { color: true, width });
        assert!(colored.contains("\x1b[31m✗\x1b[0m"), "{colored}");
        assert!(colored.contains("\x1b[32m✓\x1b[0m"), "{colored}");
        assert_eq!(strip_ansi(&colored), plain);
    }
}

#[test]
fn all_passed_verdict() {
    let mut results = fixture();
    results.thresholds.retain(|t| t.passed);
    let text = render(&results, &SummaryOptions::default());
    assert!(text.starts_with("✓ all 3 thresholds passed\n"), "{text}");
}

#[test]
fn custom_metrics_and_transactions_have_sections() {
    let metrics = Metrics::new();
    for i in 0..100u32 {
        metrics.add_counter("writes", 1.0).unwrap();
        metrics.add_counter("bytes_written", 10.0).unwrap();
        metrics.add_rate("cache_hit", i % 4 != 0).unwrap();
        metrics
            .add_trend("think_ms", [10.0, 20.0, 30.0][i as usize % 3])
            .unwrap();
        let ms = 40 + u64::from(i % 10);
        metrics.record_transaction("checkout", Duration::from_millis(ms), i % 20 != 0);
    }
    metrics.set_gauge("queue_depth", -2.0).unwrap();
    metrics.set_gauge("queue_depth", 24.0).unwrap();
    metrics.set_gauge("queue_depth", 7.5).unwrap();
    metrics.record_transaction("login", Duration::from_millis(120), true);
    metrics.record_interrupted_transaction("login");
    let text = render(&metrics.results(meta(20)), &SummaryOptions::default());
    assert_golden("summary-custom.txt", &text);

    // Without any, neither section appears.
    let plain = render(&fixture(), &SummaryOptions::default());
    assert!(!plain.contains("Custom metrics") && !plain.contains("Transactions"));
}

#[test]
fn a_partial_snapshot_says_so() {
    let mut results = fixture();
    assert!(!render(&results, &SummaryOptions::default()).contains("partial"));
    results.partial = true;
    let text = render(&results, &SummaryOptions::default());
    let second = text.lines().nth(1).unwrap_or_default();
    assert!(
        second.starts_with("⚠ partial results"),
        "right under the verdict: {text}"
    );
}
