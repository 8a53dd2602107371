//! JUnit XML, which every CI system shows as test results: one test case
//! per threshold and one per check name. `docs/outputs.md` documents the
//! shape.
//!
//! The XML is written by hand: it is a dozen elements, and the only care it
//! needs is escaping, which [`escape`] does for text and attributes alike.

use std::fmt::Write as _;
use std::io::{self, Write};
use std::time::SystemTime;

use throng_metrics::{CheckStats, RunResults, ThresholdOutcome};

use crate::summary::describe_outcome;

/// JUnit XML: a `<testsuites>` with a `<testsuite name="thresholds">` (one
/// `<testcase>` per threshold, named `metric: expression`, with a
/// `<failure message="observed X · limit Y …">` when it failed; a threshold
/// of severity `warning` that was not met passes with a note in its
/// output) and a `<testsuite name="checks">` (one
/// `<testcase>` per check name, failing when any of its checks failed, with
/// the message `N of M failed`).
///
/// Each suite carries its `tests` and `failures` counts and the run's wall
/// time in seconds as `time`; both suites are written even when empty.
pub fn write_junit(results: &RunResults, mut out: impl Write) -> io::Result<()> {
    let time = format!("{:.3}", results.meta.duration.as_secs_f64());
    let timestamp = timestamp(results.meta.started_at);
    let thresholds: Vec<Case> = results.thresholds.iter().map(threshold_case).collect();
    let checks: Vec<Case> = results.checks.by_name.iter().map(check_case).collect();
    let suites = [("thresholds", thresholds), ("checks", checks)];

    let tests: usize = suites.iter().map(|(_, cases)| cases.len()).sum();
    let failed: usize = suites.iter().map(|(_, cases)| failures(cases)).sum();
    let mut xml = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let _ = writeln!(
        xml,
        "<testsuites name=\"throng\" tests=\"{tests}\" failures=\"{failed}\" errors=\"0\" time=\"{time}\">"
    );
    for (name, cases) in &suites {
        let _ = writeln!(
            xml,
            "  <testsuite name=\"{name}\" tests=\"{}\" failures=\"{}\" errors=\"0\" skipped=\"0\" time=\"{time}\" timestamp=\"{timestamp}\">",
            cases.len(),
            failures(cases),
        );
        for case in cases {
            case.write(&mut xml, name);
        }
        xml.push_str("  </testsuite>\n");
    }
    xml.push_str("</testsuites>\n");
    out.write_all(xml.as_bytes())?;
    out.flush()
}

/// One `<testcase>`.
struct Case {
    name: String,
    /// The failure message, if the case failed.
    failure: Option<String>,
    /// What was measured, for `<system-out>`.
    output: String,
}

impl Case {
    fn write(&self, xml: &mut String, suite: &str) {
        let _ = write!(
            xml,
            "    <testcase name=\"{}\" classname=\"{suite}\">",
            escape(&self.name)
        );
        if let Some(message) = &self.failure {
            let _ = write!(xml, "\n      <failure message=\"{}\"/>", escape(message));
        }
        let _ = write!(
            xml,
            "\n      <system-out>{}</system-out>\n    </testcase>\n",
            escape(&self.output)
        );
    }
}

fn failures(cases: &[Case]) -> usize {
    cases.iter().filter(|case| case.failure.is_some()).count()
}

fn threshold_case(outcome: &ThresholdOutcome) -> Case {
    let described = describe_outcome(outcome);
    // A warning that was not met is reported, not failed: CI keeps going.
    let output = if !outcome.passed && !outcome.fails_run() {
        format!("warning not met: {described}")
    } else {
        described.clone()
    };
    // The case's name holds the expression; the message says what was
    // measured against which limit.
    let failure = outcome.fails_run().then(|| described.clone());
    Case {
        name: format!("{}: {}", outcome.metric, outcome.expression),
        failure,
        output,
    }
}

fn check_case(check: &CheckStats) -> Case {
    let made = check.passed + check.failed;
    Case {
        name: check.name.clone(),
        failure: (check.failed > 0).then(|| format!("{} of {made} failed", check.failed)),
        output: format!("{} passed, {} failed", check.passed, check.failed),
    }
}

/// When the run started, as JUnit's schema wants it: ISO 8601 without a
/// zone (it is UTC).
fn timestamp(started_at: SystemTime) -> String {
    let text = humantime::format_rfc3339_seconds(started_at).to_string();
    text.trim_end_matches('Z').to_owned()
}

/// `text` made safe inside an XML attribute or element: the five markup
/// characters as entities, line breaks and tabs as character references
/// (an attribute would otherwise turn them into spaces), and the control
/// characters XML 1.0 cannot carry at all replaced with U+FFFD.
fn escape(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => escaped.push_str("&amp;"),
            '<' => escaped.push_str("&lt;"),
            '>' => escaped.push_str("&gt;"),
            '"' => escaped.push_str("&quot;"),
            '\'' => escaped.push_str("&apos;"),
            '\n' => escaped.push_str("&#10;"),
            '\r' => escaped.push_str("&#13;"),
            '\t' => escaped.push_str("&#9;"),
            '\u{0}'..='\u{1f}' | '\u{fffe}' | '\u{ffff}' => escaped.push('\u{fffd}'),
            c => escaped.push(c),
        }
    }
    escaped
}

#[cfg(test)]
mod tests {
    use super::escape;

    #[test]
    fn escapes_markup_and_control_characters() {
        assert_eq!(
            escape("GET /a?b=1&c=<2> \"x\" 'y'"),
            "GET /a?b=1&amp;c=&lt;2&gt; &quot;x&quot; &apos;y&apos;"
        );
        assert_eq!(escape("a\nb\tc\u{7}"), "a&#10;b&#9;c\u{fffd}");
    }
}
