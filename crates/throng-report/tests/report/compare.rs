//! Comparing two runs: figures, direction, noise floors, the gate and the
//! table.

use std::time::Duration;

use throng_metrics::{Metrics, Phases, RequestSample, RunResults};
use throng_report::compare::{Change, Comparison, compare, parse_percent, render_comparison};
use throng_report::write_json;

use crate::meta;

/// `count` requests named `name` of `micros` each, the first `failures` of
/// them answered with status 500.
struct Requests {
    name: &'static str,
    count: u64,
    micros: u64,
    failures: u64,
}

fn run(seconds: u64, all: &[Requests]) -> RunResults {
    let metrics = Metrics::new();
    for requests in all {
        for i in 0..requests.count {
            metrics.record_request(&RequestSample {
                name: requests.name,
                method: "GET",
                status: Some(if i < requests.failures { 500 } else { 200 }),
                error: None,
                duration: Duration::from_micros(requests.micros),
                phases: Phases::default(),
                bytes_received: 1_000,
                bytes_sent: 100,
                error_message: None,
            });
        }
    }
    metrics.results(meta(seconds))
}

/// 10 s: `query` at 20 ms, `ping` at 0.5 ms with 1 failure in 2000, and
/// `health`, which the new run no longer calls.
fn base() -> RunResults {
    run(
        10,
        &[
            Requests {
                name: "query",
                count: 200,
                micros: 20_000,
                failures: 0,
            },
            Requests {
                name: "ping",
                count: 2_000,
                micros: 500,
                failures: 1,
            },
            Requests {
                name: "health",
                count: 10,
                micros: 2_000,
                failures: 0,
            },
        ],
    )
}

/// 12 s: `query` at 26 ms (30 % slower) with 2 failures in 200 (1 %),
/// `ping` at 0.9 ms with 2 failures in 2000, and the new `search`.
fn new() -> RunResults {
    run(
        12,
        &[
            Requests {
                name: "query",
                count: 200,
                micros: 26_000,
                failures: 2,
            },
            Requests {
                name: "ping",
                count: 2_000,
                micros: 900,
                failures: 2,
            },
            Requests {
                name: "search",
                count: 20,
                micros: 5_000,
                failures: 0,
            },
        ],
    )
}

#[track_caller]
fn change<'c>(comparison: &'c Comparison, scope: &str, metric: &str) -> &'c Change {
    comparison
        .changes
        .iter()
        .find(|c| c.scope == scope && c.metric == metric)
        .unwrap_or_else(|| panic!("no {metric} of {scope} in {comparison:#?}"))
}

fn is_in(regressions: &[&Change], scope: &str, metric: &str) -> bool {
    regressions
        .iter()
        .any(|c| c.scope == scope && c.metric == metric)
}

fn render(comparison: &Comparison, max: Option<f64>, color: bool) -> String {
    let mut out = Vec::new();
    render_comparison(comparison, max, &mut out, color).expect("writing to a Vec cannot fail");
    String::from_utf8(out).expect("the comparison is UTF-8")
}

#[test]
fn slower_endpoint_regresses_beyond_its_limit() {
    let comparison = compare(&base(), &new());
    let p50 = change(&comparison, "query", "p50");
    assert_eq!((p50.unit, p50.higher_is_worse), ("ms", true));
    let worse_by = p50.worse_by.expect("both runs have a p50");
    assert!((worse_by - 0.30).abs() < 0.01, "worse by {worse_by}");
    assert!(is_in(&comparison.regressions(0.2), "query", "p50"));
    assert!(!is_in(&comparison.regressions(0.35), "query", "p50"));
}

#[test]
fn errors_where_there_were_none_always_regress() {
    let comparison = compare(&base(), &new());
    let rate = change(&comparison, "query", "error rate");
    assert_eq!((rate.base, rate.new, rate.unit), (0.0, 1.0, "%"));
    assert_eq!(rate.worse_by, Some(f64::INFINITY));
    assert!(is_in(
        &comparison.regressions(1000.0),
        "query",
        "error rate"
    ));
}

#[test]
fn fewer_requests_per_second_is_worse() {
    // 200 requests in 10 s, then in 12 s: 20/s → 16.7/s.
    let comparison = compare(&base(), &new());
    let rate = change(&comparison, "query", "req/s");
    assert!(!rate.higher_is_worse);
    assert_eq!((rate.base, rate.unit), (20.0, "/s"));
    let worse_by = rate.worse_by.unwrap();
    assert!((worse_by - 1.0 / 6.0).abs() < 1e-9, "worse by {worse_by}");
    assert!(is_in(&comparison.regressions(0.1), "query", "req/s"));

    // The other way round, both throughput and latency improved.
    let reverse = compare(&new(), &base());
    assert!(change(&reverse, "query", "req/s").worse_by.unwrap() < -0.19);
    assert!(change(&reverse, "query", "p50").worse_by.unwrap() < -0.2);
    assert!(!is_in(&reverse.regressions(0.0), "query", "p50"));
    assert!(!is_in(&reverse.regressions(0.0), "query", "req/s"));
}

#[test]
fn changes_within_the_noise_floors_never_regress() {
    let comparison = compare(&base(), &new());
    // 0.5 ms → 0.9 ms: 80 % worse, but by less than 1 ms.
    let p50 = change(&comparison, "ping", "p50");
    assert!(p50.worse_by.unwrap() > 0.7);
    // 0.05 % → 0.10 %: twice the errors, but by 0.05 percentage points.
    let rate = change(&comparison, "ping", "error rate");
    assert!((rate.worse_by.unwrap() - 1.0).abs() < 1e-9);
    let regressions = comparison.regressions(0.0);
    assert!(!is_in(&regressions, "ping", "p50"));
    assert!(!is_in(&regressions, "ping", "error rate"));
}

#[test]
fn endpoints_in_one_run_only() {
    let comparison = compare(&base(), &new());
    assert_eq!(comparison.only_in_base, ["health"]);
    assert_eq!(comparison.only_in_new, ["search"]);
    let scopes: Vec<&str> = comparison
        .changes
        .iter()
        .map(|c| c.scope.as_str())
        .collect();
    assert!(!scopes.contains(&"health") && !scopes.contains(&"search"));
    assert_eq!(scopes.iter().filter(|scope| **scope == "all").count(), 7);
    assert_eq!(scopes.iter().filter(|scope| **scope == "query").count(), 6);
}

#[test]
fn table_marks_regressions_and_ends_with_the_verdict() {
    let comparison = compare(&base(), &new());
    let text = render(&comparison, Some(0.2), false);
    assert!(!text.contains('\x1b'), "no colour unless asked");
    assert_eq!(
        text,
        "\
scope  metric         base      new    change
all    p50          500 µs   900 µs   +80.0 %  noise (< 1 ms)
all    p95         20.0 ms  26.0 ms   +30.0 %  ✗
all    p99         20.0 ms  26.0 ms   +30.0 %  ✗
all    avg         2.27 ms  3.20 ms   +40.8 %  noise (< 1 ms)
all    max         20.0 ms  26.0 ms   +30.0 %  not gated
all    error rate   0.05 %   0.18 %  +298.2 %  ✗
all    req/s       221.0/s  185.0/s   −16.3 %
ping   p50          500 µs   900 µs   +80.0 %  noise (< 1 ms)
ping   p95          500 µs   900 µs   +80.0 %  noise (< 1 ms)
ping   p99          500 µs   900 µs   +80.0 %  noise (< 1 ms)
ping   avg          500 µs   900 µs   +80.0 %  noise (< 1 ms)
ping   error rate   0.05 %   0.10 %  +100.0 %  noise (< 0.1 pp)
ping   req/s       200.0/s  166.7/s   −16.7 %
query  p50         20.0 ms  26.0 ms   +30.0 %  ✗
query  p95         20.0 ms  26.0 ms   +30.0 %  ✗
query  p99         20.0 ms  26.0 ms   +30.0 %  ✗
query  avg         20.0 ms  26.0 ms   +30.0 %  ✗
query  error rate   0.00 %   1.00 %  +1.00 pp  ✗
query  req/s        20.0/s   16.7/s   −16.7 %

only in base  health
only in new   search

✗ 8 regressions beyond 20 %
"
    );
    let count = comparison.regressions(0.2).len();
    assert!(text.ends_with(&format!("\n✗ {count} regressions beyond 20 %\n")));
}

#[test]
fn table_without_a_limit_has_no_marks_and_no_verdict() {
    let text = render(&compare(&base(), &new()), None, false);
    assert!(!text.contains('✗') && !text.contains('✓'));
    assert!(text.ends_with("only in new   search\n"), "{text}");
}

#[test]
fn colour_changes_nothing_but_colour() {
    let comparison = compare(&base(), &new());
    let coloured = render(&comparison, Some(0.2), true);
    assert!(coloured.contains("\x1b[31m✗\x1b[0m"));
    assert_eq!(strip_ansi(&coloured), render(&comparison, Some(0.2), false));
}

#[test]
fn run_without_requests_has_missing_figures() {
    let empty = Metrics::new().results(meta(0));
    let comparison = compare(&empty, &new());
    let p50 = change(&comparison, "all", "p50");
    assert!(p50.base.is_nan() && p50.worse_by.is_none());
    assert!(change(&comparison, "all", "req/s").worse_by.is_none());
    assert!(comparison.regressions(0.0).is_empty());
    let text = render(&comparison, Some(0.2), false);
    assert!(
        text.contains("\nall    p50            –   900 µs       –\n"),
        "{text}"
    );
    assert!(
        text.contains("\nall    req/s          –  185.0/s       –\n"),
        "{text}"
    );
    assert!(text.ends_with("\n✓ no regression beyond 20 %\n"), "{text}");
}

#[test]
fn results_file_read_back_compares_equal_to_itself() {
    let results = new();
    let mut json = Vec::new();
    write_json(&results, &mut json).expect("writing to a Vec cannot fail");
    let read = RunResults::from_json(json.as_slice()).expect("readable");
    for comparison in [compare(&read, &read), compare(&results, &read)] {
        assert!(comparison.regressions(0.0).is_empty(), "{comparison:#?}");
        assert!(comparison.only_in_base.is_empty() && comparison.only_in_new.is_empty());
        for change in &comparison.changes {
            assert_eq!(change.base, change.new, "{change:?}");
            assert!(change.worse_by.is_none_or(|w| w == 0.0), "{change:?}");
        }
    }
    let text = render(&compare(&read, &read), Some(0.0), false);
    assert!(text.ends_with("\n✓ no regression beyond 0 %\n"), "{text}");
}

#[test]
fn percentages() {
    let good = [
        ("20%", 0.2),
        ("20 %", 0.2),
        (" 20% ", 0.2),
        ("12.5%", 0.125),
        ("150%", 1.5),
        ("0%", 0.0),
        ("0.2", 0.2),
        ("0", 0.0),
        ("1", 1.0),
    ];
    for (text, value) in good {
        assert_eq!(parse_percent(text), Ok(value), "{text:?}");
    }
    let bad = [
        "",
        "%",
        "abc",
        "20",
        "1.5",
        "-5%",
        "-0.1",
        "NaN",
        "inf%",
        "20%%",
        "2,5%",
        "20 percent",
    ];
    for text in bad {
        let error = parse_percent(text).expect_err(text);
        assert!(error.contains(&format!("`{text}`")), "{error}");
    }
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
