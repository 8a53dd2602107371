//! The JSON results file: stable bytes, exact round trip, mergeable
//! histograms.

use std::time::Duration;

use throng_metrics::{Histogram, RunResults, SIGNIFICANT_DIGITS};
use throng_report::write_json;

use crate::{assert_golden, fixture, fixture_metrics, meta};

fn to_json(results: &RunResults) -> String {
    let mut out = Vec::new();
    write_json(results, &mut out).expect("writing to a Vec cannot fail");
    String::from_utf8(out).expect("JSON is UTF-8")
}

#[test]
fn stable_field_order() {
    let json = to_json(&fixture());
    assert!(json.starts_with("{\n  \"schema\": \"throng.results/v1\",\n  \"meta\": {"));
    assert!(json.ends_with("}\n"));
    assert_golden("results.json", &without_histogram_bytes(&json));
}

/// The JSON with each histogram's base64 replaced by `…`: the compressed
/// bytes depend on the deflate implementation, and other tests check that
/// they decode to the recorded values.
fn without_histogram_bytes(json: &str) -> String {
    json.lines()
        .map(|line| match line.split_once("\": \"HISTF") {
            Some((key, rest)) => {
                let comma = if rest.ends_with(',') { "," } else { "" };
                format!("{key}\": \"HISTF…\"{comma}\n")
            }
            None => format!("{line}\n"),
        })
        .collect()
}

#[test]
fn round_trip() {
    let results = fixture();
    let json = to_json(&results);
    let read = RunResults::from_json(json.as_bytes()).expect("readable");
    assert_eq!(read, results);
    // Writing what was read gives the same bytes.
    assert_eq!(to_json(&read), json);
}

#[test]
fn decoded_histogram_equals_recorded() {
    let mut recorded = Histogram::<u64>::new(SIGNIFICANT_DIGITS).unwrap();
    let metrics = throng_metrics::Metrics::new();
    for i in 0..5_000u64 {
        let micros = 1_000 + i * 37;
        recorded.record(micros).unwrap();
        metrics.record_request(&sample(micros));
    }
    let json = to_json(&metrics.results(meta(1)));
    let read = RunResults::from_json(json.as_bytes()).unwrap();
    let decoded = read.histogram("http_req_duration").expect("present");
    assert_eq!(decoded, recorded);
    assert_eq!(
        decoded.value_at_quantile(0.99),
        recorded.value_at_quantile(0.99)
    );
    let endpoint = read
        .histogram("http_req_duration{name:x}")
        .expect("present");
    assert_eq!(endpoint, recorded);
}

#[test]
fn merging_decoded_histograms_equals_one_fed_both() {
    let first = throng_metrics::Metrics::new();
    let second = throng_metrics::Metrics::new();
    let both = throng_metrics::Metrics::new();
    for i in 0..3_000u64 {
        let fast = 500 + i * 7;
        let slow = 250_000 + i * 1_013;
        first.record_request(&sample(fast));
        second.record_request(&sample(slow));
        both.record_request(&sample(fast));
        both.record_request(&sample(slow));
    }
    let decode = |metrics: &throng_metrics::Metrics| {
        let json = to_json(&metrics.results(meta(1)));
        RunResults::from_json(json.as_bytes())
            .unwrap()
            .histogram("http_req_duration")
            .unwrap()
    };
    let mut merged = decode(&first);
    merged
        .add(decode(&second))
        .expect("decoded histograms resize");
    let expected = decode(&both);
    assert_eq!(merged, expected);
    assert_eq!(merged.len(), 6_000);
    assert_eq!(
        merged.value_at_quantile(0.95),
        expected.value_at_quantile(0.95)
    );
}

#[test]
fn fixture_histograms_decode() {
    let results = fixture_metrics().results(meta(30));
    for key in results.histograms.keys() {
        assert!(results.try_histogram(key).unwrap().is_some(), "{key}");
    }
    let iterations = results.histogram("iteration_duration").unwrap();
    assert_eq!(iterations.len(), 50);
}

fn sample(micros: u64) -> throng_metrics::RequestSample<'static> {
    throng_metrics::RequestSample {
        name: "x",
        method: "GET",
        status: Some(200),
        error: None,
        duration: Duration::from_micros(micros),
        phases: Default::default(),
        bytes_received: 0,
        bytes_sent: 0,
        error_message: None,
    }
}
