//! The results as a file: schema check, times, histograms.

use throng_metrics::{Metrics, ResultsError, RunResults, SCHEMA};

use crate::{meta, request};

fn recorded() -> RunResults {
    let metrics = Metrics::new();
    for i in 0..100 {
        metrics.record_request(&request("query", 10_000 + i * 100));
    }
    metrics.results(meta(10))
}

#[test]
fn reads_back_what_it_wrote() {
    let results = recorded();
    let json = serde_json::to_string(&results).expect("serialisable");
    let read = RunResults::from_json(json.as_bytes()).expect("readable");
    assert_eq!(read, results);
}

#[test]
fn times_are_rfc3339_and_seconds() {
    let json = serde_json::to_value(recorded()).expect("serialisable");
    assert_eq!(json["schema"], SCHEMA);
    assert_eq!(json["meta"]["started_at"], "2025-01-02T03:04:05.678Z");
    assert_eq!(json["meta"]["duration_s"], 10.0);
}

#[test]
fn a_snapshot_says_it_is_partial_and_final_results_say_nothing() {
    let mut results = recorded();
    let json = serde_json::to_value(&results).expect("serialisable");
    assert!(json.get("partial").is_none(), "absent when false");
    results.partial = true;
    let json = serde_json::to_string(&results).expect("serialisable");
    let read = RunResults::from_json(json.as_bytes()).expect("readable");
    assert!(read.partial);
    // Written right after `schema`, so a reader sees it first.
    let at = |key: &str| json.find(&format!("\"{key}\"")).unwrap();
    assert!(at("schema") < at("partial") && at("partial") < at("meta"));
}

#[test]
fn refuses_another_schema() {
    let mut json = serde_json::to_value(recorded()).expect("serialisable");
    json["schema"] = "throng.results/v2".into();
    let error = RunResults::from_json(json.to_string().as_bytes()).unwrap_err();
    assert!(matches!(error, ResultsError::Schema { .. }));
    assert_eq!(
        error.to_string(),
        "results schema `throng.results/v2` is not supported; this version reads `throng.results/v1`"
    );

    let error = RunResults::from_json(&b"{}"[..]).unwrap_err();
    assert!(error.to_string().contains("`(none)`"), "{error}");
}

#[test]
fn ignores_fields_it_does_not_know() {
    let mut json = serde_json::to_value(recorded()).expect("serialisable");
    json["totals"]["added_in_a_later_v1"] = 42.into();
    assert!(RunResults::from_json(json.to_string().as_bytes()).is_ok());
}

#[test]
fn damaged_histogram_is_an_error_not_a_panic() {
    let mut results = recorded();
    results
        .histograms
        .insert("http_req_duration".into(), "bm90IGEgaGlzdG9ncmFt".into());
    assert!(results.histogram("http_req_duration").is_none());
    let error = results.try_histogram("http_req_duration").unwrap_err();
    assert!(
        error
            .to_string()
            .starts_with("histogram `http_req_duration`"),
        "{error}"
    );
    assert!(matches!(results.try_histogram("absent"), Ok(None)));
}

#[test]
fn histogram_keys() {
    let keys: Vec<_> = recorded().histograms.into_keys().collect();
    assert_eq!(
        keys,
        [
            "http_req_blocked",
            "http_req_connecting",
            "http_req_duration",
            "http_req_duration{name:query}",
            "http_req_receiving",
            "http_req_sending",
            "http_req_tls_handshaking",
            "http_req_waiting",
            "iteration_duration",
        ]
    );
}

/// Issue 4's acceptance: the histograms of two results files, decoded and
/// added, equal the histogram of one recorder that saw both runs' samples,
/// count for count at every value.
#[test]
fn merging_two_files_histograms_equals_recording_both_runs_into_one() {
    let first = Metrics::new();
    let second = Metrics::new();
    let both = Metrics::new();
    // Two different distributions: 10–30 ms evenly, and a slow tail.
    for i in 0..5_000u64 {
        let micros = 10_000 + i * 4;
        first.record_request(&request("query", micros));
        both.record_request(&request("query", micros));
    }
    for i in 0..1_000u64 {
        let micros = 200_000 + i * 997;
        second.record_request(&request("query", micros));
        both.record_request(&request("query", micros));
    }
    let through_a_file = |metrics: &Metrics| {
        let json = serde_json::to_string(&metrics.results(meta(10))).unwrap();
        RunResults::from_json(json.as_bytes()).unwrap()
    };
    let (first, second) = (through_a_file(&first), through_a_file(&second));
    let expected = both.results(meta(10));
    for key in ["http_req_duration", "http_req_duration{name:query}"] {
        let mut merged = first.histogram(key).unwrap();
        merged.add(second.histogram(key).unwrap()).unwrap();
        let direct = expected.histogram(key).unwrap();
        assert_eq!(merged.len(), 6_000, "{key}");
        let counts = |h: &throng_metrics::Histogram<u64>| -> Vec<(u64, u64)> {
            h.iter_recorded()
                .map(|v| (v.value_iterated_to(), v.count_at_value()))
                .collect()
        };
        assert_eq!(counts(&merged), counts(&direct), "{key}");
        for quantile in [0.5, 0.9, 0.95, 0.99, 0.999] {
            assert_eq!(
                merged.value_at_quantile(quantile),
                direct.value_at_quantile(quantile),
                "{key} at {quantile}"
            );
        }
    }
}
