//! Result files for people and CI: CSV, JUnit XML, and comparing runs.

use throng_test_guests::{GUEST_CHECKS, GUEST_GET};

use crate::check;
use crate::harness::{exclusive, target, throng};

#[tokio::test(flavor = "multi_thread")]
async fn csv_and_junit_files_describe_the_run() {
    let target = target().await;
    let _turn = exclusive().await;
    let dir = tempfile::tempdir().unwrap();
    let prefix = dir.path().join("run");
    let junit = dir.path().join("junit.xml");
    let url = format!("url={}/status/500", target.base_url());
    let run = throng([
        "run".as_ref(),
        GUEST_CHECKS.as_ref(),
        "--vus".as_ref(),
        "2".as_ref(),
        "--iterations".as_ref(),
        "10".as_ref(),
        "-p".as_ref(),
        url.as_ref(),
        "--threshold".as_ref(),
        "http_req_duration: p(95) < 5s".as_ref(),
        "--threshold".as_ref(),
        "http_req_failed: rate < 1%".as_ref(),
        "--csv".as_ref(),
        prefix.as_os_str(),
        "--junit".as_ref(),
        junit.as_os_str(),
    ])
    .await;
    check!(run, run.code == 1, "the error-rate threshold fails");

    // CSV: Locust's columns, one row per endpoint and an aggregate.
    let mut stats = csv::Reader::from_path(dir.path().join("run_stats.csv")).unwrap();
    let header: Vec<String> = stats.headers().unwrap().iter().map(str::to_owned).collect();
    check!(
        run,
        header[..4] == ["Type", "Name", "Request Count", "Failure Count"],
        "{header:?}"
    );
    check!(
        run,
        header.iter().any(|h| h == "99%") && header.last().is_some_and(|h| h == "100%")
    );
    let rows: Vec<csv::StringRecord> = stats.records().map(Result::unwrap).collect();
    let names: Vec<&str> = rows.iter().map(|r| &r[1]).collect();
    check!(run, names == ["checked", "Aggregated"], "{names:?}");
    check!(
        run,
        &rows[0][2] == "20" && &rows[0][3] == "20",
        "{:?}",
        rows[0]
    );
    let history = csv::Reader::from_path(dir.path().join("run_stats_history.csv")).unwrap();
    check!(
        run,
        history.into_records().count() == run.results().timeline.len()
    );

    // JUnit: a real XML parser finds one case per threshold and per check,
    // failures marked.
    let xml = std::fs::read_to_string(&junit).unwrap();
    let mut reader = quick_xml::Reader::from_str(&xml);
    let (mut cases, mut failures) = (Vec::new(), 0);
    loop {
        match reader.read_event().unwrap() {
            quick_xml::events::Event::Start(e) | quick_xml::events::Event::Empty(e) => {
                match e.name().as_ref() {
                    b"testcase" => {
                        let name = e
                            .try_get_attribute("name")
                            .unwrap()
                            .unwrap()
                            .unescape_value()
                            .unwrap()
                            .into_owned();
                        cases.push(name);
                    }
                    b"failure" => failures += 1,
                    _ => {}
                }
            }
            quick_xml::events::Event::Eof => break,
            _ => {}
        }
    }
    // 2 thresholds + 5 checks (always, never, even iteration, status is
    // 200, headers arrived).
    check!(run, cases.len() == 7, "{cases:?}");
    check!(run, cases.iter().any(|c| c.contains("http_req_failed")));
    // Failing: the error-rate threshold, `never`, `even iteration`, `status is 200`.
    check!(run, failures == 4, "{failures} failures in\n{xml}");
}

#[tokio::test(flavor = "multi_thread")]
async fn compare_gates_a_regression_against_the_last_good_run() {
    let target = target().await;
    let _turn = exclusive().await;
    let dir = tempfile::tempdir().unwrap();
    let mut files = Vec::new();
    for (name, ms) in [("base", 20), ("new", 40)] {
        let out = dir.path().join(format!("{name}.json"));
        let url = format!("url={}/delay/{ms}", target.base_url());
        let run = throng([
            "run",
            GUEST_GET,
            "--vus",
            "4",
            "--iterations",
            "10",
            "-p",
            &url,
            "-p",
            "name=delay",
        ])
        .await;
        check!(run, run.code == 0);
        std::fs::write(&out, serde_json::to_string(run.results()).unwrap()).unwrap();
        files.push(out);
    }
    let (base, new) = (files[0].to_str().unwrap(), files[1].to_str().unwrap());
    // 20 ms → 40 ms is far more than 20 % worse.
    let gate = throng(["compare", base, new, "--max-regression", "20%"]).await;
    check!(gate, gate.code == 1);
    check!(
        gate,
        gate.stdout.contains("delay") && gate.stdout.contains('✗')
    );
    // A run compared with itself has no regression.
    let same = throng(["compare", base, base, "--max-regression", "20%"]).await;
    check!(same, same.code == 0);
    // Bad input is exit 2, naming the file.
    let missing = throng(["compare", base, "/nonexistent/new.json"]).await;
    check!(
        missing,
        missing.code == 2 && missing.stderr.contains("/nonexistent/new.json")
    );
}
