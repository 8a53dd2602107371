//! JUnit XML, read back with a real XML parser.

use std::collections::BTreeMap;
use std::time::Duration;

use quick_xml::Reader;
use quick_xml::events::{BytesStart, Event};
use throng_metrics::threshold::{self, Threshold};
use throng_metrics::{Metrics, RequestSample, RunResults};
use throng_report::write_junit;

use crate::csv::known_run;
use crate::meta;

/// What the tests look at in a JUnit file.
#[derive(Debug, Default)]
struct Report {
    /// The attributes of `<testsuites>`.
    attributes: BTreeMap<String, String>,
    suites: Vec<Suite>,
}

#[derive(Debug, Default)]
struct Suite {
    attributes: BTreeMap<String, String>,
    cases: Vec<Case>,
}

#[derive(Debug, Default)]
struct Case {
    name: String,
    /// The `message` of its `<failure>`, if it has one.
    failure: Option<String>,
}

impl Report {
    fn parse(xml: &str) -> Report {
        let mut reader = Reader::from_str(xml);
        let mut report = Report::default();
        loop {
            let element = match reader.read_event().expect("well-formed XML") {
                Event::Start(element) | Event::Empty(element) => element,
                Event::Eof => return report,
                _ => continue,
            };
            let attributes = attributes(&reader, &element);
            match element.name().as_ref() {
                b"testsuites" => report.attributes = attributes,
                b"testsuite" => report.suites.push(Suite {
                    attributes,
                    cases: Vec::new(),
                }),
                b"testcase" => {
                    let suite = report.suites.last_mut().expect("a case inside a suite");
                    suite.cases.push(Case {
                        name: attributes["name"].clone(),
                        failure: None,
                    });
                }
                b"failure" => {
                    let case = report
                        .suites
                        .last_mut()
                        .and_then(|suite| suite.cases.last_mut())
                        .expect("a failure inside a case");
                    assert!(case.failure.is_none(), "one failure per case");
                    case.failure = Some(attributes["message"].clone());
                }
                _ => {}
            }
        }
    }

    #[track_caller]
    fn suite(&self, name: &str) -> &Suite {
        self.suites
            .iter()
            .find(|suite| suite.attributes["name"] == name)
            .unwrap_or_else(|| panic!("no suite {name}"))
    }
}

impl Suite {
    #[track_caller]
    fn case(&self, name: &str) -> &Case {
        self.cases
            .iter()
            .find(|case| case.name == name)
            .unwrap_or_else(|| panic!("no case {name} in {:?}", self.cases))
    }

    fn names(&self) -> Vec<&str> {
        self.cases.iter().map(|case| case.name.as_str()).collect()
    }
}

fn attributes(reader: &Reader<&[u8]>, element: &BytesStart) -> BTreeMap<String, String> {
    element
        .attributes()
        .map(|attribute| {
            let attribute = attribute.expect("a well-formed attribute");
            let key = String::from_utf8(attribute.key.as_ref().to_vec()).expect("UTF-8");
            let value = attribute
                .decode_and_unescape_value(reader.decoder())
                .expect("a valid attribute value")
                .into_owned();
            (key, value)
        })
        .collect()
}

fn junit(results: &RunResults) -> String {
    let mut out = Vec::new();
    write_junit(results, &mut out).expect("writing to a Vec cannot fail");
    String::from_utf8(out).expect("the XML is UTF-8")
}

#[test]
fn two_suites_with_counts_and_run_time() {
    let xml = junit(&known_run());
    assert!(xml.starts_with("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites"));
    let report = Report::parse(&xml);
    let names: Vec<&str> = report
        .suites
        .iter()
        .map(|suite| suite.attributes["name"].as_str())
        .collect();
    assert_eq!(names, ["thresholds", "checks"]);

    let counts = |attributes: &BTreeMap<String, String>| {
        (
            attributes["tests"].clone(),
            attributes["failures"].clone(),
            attributes["time"].clone(),
        )
    };
    let thresholds = report.suite("thresholds");
    assert_eq!(
        counts(&thresholds.attributes),
        ("3".into(), "2".into(), "3.000".into())
    );
    let checks = report.suite("checks");
    assert_eq!(
        counts(&checks.attributes),
        ("2".into(), "1".into(), "3.000".into())
    );
    assert_eq!(
        counts(&report.attributes),
        ("5".into(), "3".into(), "3.000".into())
    );
    // meta() starts at 2025-01-02T03:04:05.678Z.
    assert_eq!(thresholds.attributes["timestamp"], "2025-01-02T03:04:05");
}

#[test]
fn one_case_per_threshold_failing_ones_carry_failure() {
    let report = Report::parse(&junit(&known_run()));
    let suite = report.suite("thresholds");
    assert_eq!(
        suite.names(),
        [
            "http_req_duration{name:query}: p(95) < 200ms",
            "http_req_failed: rate < 1%",
            "http_req_duration{name:missing}: p(95) < 100ms",
        ]
    );
    assert_eq!(suite.cases[0].failure, None);
    // 5 of 110 requests failed.
    assert_eq!(
        suite.cases[1].failure.as_deref(),
        Some("observed 4.55 % · limit 1.00 %")
    );
    let missing = suite.cases[2].failure.as_deref().expect("a failure");
    assert!(missing.starts_with("no samples"), "{missing}");
}

#[test]
fn one_case_per_check_failing_when_any_failed() {
    let report = Report::parse(&junit(&known_run()));
    let suite = report.suite("checks");
    assert_eq!(suite.names(), ["ok", "status is 200"]);
    assert_eq!(
        suite.case("ok").failure.as_deref(),
        Some("10 of 100 failed")
    );
    assert_eq!(suite.case("status is 200").failure, None);
}

#[test]
fn empty_run_has_empty_suites() {
    let report = Report::parse(&junit(&Metrics::new().results(meta(0))));
    assert_eq!(report.suites.len(), 2);
    for suite in &report.suites {
        assert!(suite.cases.is_empty());
        assert_eq!(suite.attributes["tests"], "0");
        assert_eq!(suite.attributes["failures"], "0");
        assert_eq!(suite.attributes["time"], "0.000");
    }
}

#[test]
fn special_characters_are_escaped_and_round_trip() {
    let endpoint = "GET /a?b=1&c=<2>";
    let check = "body says \"it's <ok> & done\"\nsecond line";
    let metrics = Metrics::new();
    metrics.record_request(&RequestSample {
        name: endpoint,
        method: "GET",
        status: Some(200),
        error: None,
        duration: Duration::from_millis(300),
        phases: Default::default(),
        bytes_received: 0,
        bytes_sent: 0,
        error_message: None,
    });
    metrics.record_check(check, false);
    let mut results = metrics.results(meta(1));
    let metric = format!("http_req_duration{{name:{endpoint}}}");
    let sla = [Threshold::parse(&metric, "p(95) < 200ms").expect("valid threshold")];
    results.thresholds = threshold::evaluate(&sla, &results);

    let xml = junit(&results);
    assert!(xml.contains("c=&lt;2&gt;"), "{xml}");
    assert!(!xml.contains(endpoint));
    let report = Report::parse(&xml);
    let case = &report.suite("thresholds").cases[0];
    assert_eq!(case.name, format!("{metric}: p(95) < 200ms"));
    assert_eq!(
        case.failure.as_deref(),
        Some("observed 300.0 ms · limit 200.0 ms")
    );
    let case = report.suite("checks").case(check);
    assert_eq!(case.failure.as_deref(), Some("1 of 1 failed"));
}

#[test]
fn control_characters_do_not_break_the_xml() {
    let metrics = Metrics::new();
    metrics.record_check("bell\u{7}", true);
    let report = Report::parse(&junit(&metrics.results(meta(1))));
    assert_eq!(report.suite("checks").names(), ["bell\u{fffd}"]);
}
