//! The HTML report, rendered by a real browser: headless Chromium loads the
//! page from `file://`, its script draws the charts, and the test reads the
//! resulting DOM and keeps a screenshot as a build artefact.

use std::path::{Path, PathBuf};

use throng_test_guests::GUEST_GET;

use crate::check;
use crate::harness::{closed_port, exclusive, target, throng};

/// A plan of two scenarios: `browse` for 4 s against a 10–40 ms endpoint,
/// and `outage`, from 1 s to 3 s, against an endpoint that answers 503. The
/// latency threshold passes, the error-rate one fails.
fn plan(base_url: &str) -> String {
    format!(
        r#"module = {GUEST_GET:?}

[scenarios.browse]
executor = "constant-vus"
vus = 3
duration = "4s"
think_time = "20ms"
[scenarios.browse.params]
url = "{base_url}/uniform/10/40"
name = "GET /uniform/{{range}}"

[scenarios.outage]
start_time = "1s"
executor = "constant-vus"
vus = 2
duration = "2s"
think_time = "50ms"
[scenarios.outage.params]
url = "{base_url}/status/503"
name = "GET /status/{{code}}"

[thresholds]
"http_req_duration{{name:GET /uniform/{{range}}}}" = ["p(95) < 5s"]
http_req_failed = ["rate < 1%"]
"#
    )
}

#[tokio::test(flavor = "multi_thread")]
async fn the_html_report_renders_in_chromium_with_verdict_tables_and_charts() {
    // Fail, not skip, where there is no browser: a test that cannot run
    // must not pass.
    let chromium = chromium();
    let target = target().await;
    let dir = tempfile::tempdir().unwrap();
    let plan_file = dir.path().join("plan.toml");
    std::fs::write(&plan_file, plan(&target.base_url())).unwrap();
    let html = dir.path().join("run.html");

    let run = {
        let _turn = exclusive().await;
        throng([
            "run".as_ref(),
            plan_file.as_os_str(),
            "--html".as_ref(),
            html.as_os_str(),
        ])
        .await
    };
    check!(run, run.code == 1, "the error-rate threshold fails");
    let results = run.results();
    check!(
        run,
        results.scenarios.len() == 2 && results.timeline.len() >= 4
    );
    let written = std::fs::read_to_string(&html).unwrap();

    // `throng report` renders the same page from the results file.
    let from_file = dir.path().join("from-file.html");
    let report = throng([
        "report".as_ref(),
        run.results_file.as_os_str(),
        "-o".as_ref(),
        from_file.as_os_str(),
    ])
    .await;
    check!(report, report.code == 0);
    check!(
        report,
        std::fs::read_to_string(&from_file).unwrap() == written,
        "throng report and run --html differ"
    );

    let dom = chromium_dump_dom(&chromium, &html, dir.path()).await;

    check!(
        run,
        dom.contains(r#"<h1 id="verdict">FAILED</h1>"#),
        "{dom}"
    );
    check!(run, dom.contains("1 of 2 thresholds failed"));
    let thresholds = between(&dom, r#"<section id="thresholds">"#, "</section>");
    let rows: Vec<&str> = thresholds.split("<tr class=").skip(1).collect();
    check!(run, rows.len() == 2, "{thresholds}");
    let expected = [
        (
            "\"pass\"",
            "✓",
            "http_req_duration{name:GET /uniform/{range}}",
            "p(95) &lt; 5s",
        ),
        ("\"fail\"", "✗", "http_req_failed", "rate &lt; 1%"),
    ];
    for (row, (class, mark, metric, expression)) in rows.iter().zip(expected) {
        check!(
            run,
            row.starts_with(class)
                && row.contains(mark)
                && row.contains(metric)
                && row.contains(expression),
            "{metric} {expression}: {row}"
        );
    }
    let endpoints = between(&dom, r#"<section id="endpoints">"#, "</section>");
    check!(
        run,
        endpoints.contains("GET /uniform/{range}") && endpoints.contains("GET /status/{code}")
    );

    // Each chart was drawn by the page's script: an SVG with a line of at
    // least two points, and both scenarios marked as bands.
    for id in [
        "chart-latency",
        "chart-throughput",
        "chart-errors",
        "chart-vus",
    ] {
        let chart = between(
            &dom,
            &format!(r#"<figure class="chart" id="{id}">"#),
            "</figure>",
        );
        check!(run, chart.contains("<svg"), "{id} has no SVG: {chart}");
        let drawn = chart.split(r#"<path class="series" d=""#).skip(1).any(|d| {
            let d = &d[..d.find('"').unwrap()];
            d.starts_with('M') && d.contains('L')
        });
        check!(run, drawn, "{id} has no drawn line: {chart}");
        check!(run, !chart.contains("no data"), "{id}: {chart}");
        check!(
            run,
            chart.matches(r#"<rect class="band""#).count() == 2
                && chart.contains(">browse</text>")
                && chart.contains(">outage</text>"),
            "{id} does not mark both scenarios: {chart}"
        );
    }

    let png = artefacts().join("html-report.png");
    chromium_screenshot(&chromium, &html, &png, dir.path()).await;
    let bytes = std::fs::read(&png).unwrap_or_else(|e| panic!("{}: {e}", png.display()));
    check!(run, bytes.starts_with(b"\x89PNG\r\n\x1a\n"), "not a PNG");
    let size = |at: usize| u32::from_be_bytes(bytes[at..at + 4].try_into().unwrap());
    check!(run, (size(16), size(20)) == (1280, 2400), "PNG size");
    // A blank page of this size compresses to a few kB; a drawn report is
    // far larger.
    check!(run, bytes.len() > 50_000, "{} bytes", bytes.len());
}

#[tokio::test(flavor = "multi_thread")]
async fn report_refuses_a_missing_or_bad_results_file() {
    let missing = throng(["report", "/nonexistent/results.json"]).await;
    check!(
        missing,
        missing.code == 2 && missing.stderr.contains("/nonexistent/results.json")
    );
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("results.json");
    std::fs::write(&bad, "{\"schema\": \"k6\"}").unwrap();
    let out = dir.path().join("report.html");
    let refused = throng([
        "report".as_ref(),
        bad.as_os_str(),
        "-o".as_ref(),
        out.as_os_str(),
    ])
    .await;
    check!(
        refused,
        refused.code == 2
            && refused.stderr.contains(&*bad.to_string_lossy())
            && refused.stderr.contains("schema"),
    );
    check!(refused, !out.exists(), "no page for a bad file");
}

/// Chromium on PATH, or a failure saying how to get it.
fn chromium() -> PathBuf {
    std::env::var_os("PATH")
        .into_iter()
        .flat_map(|path| std::env::split_paths(&path).collect::<Vec<_>>())
        .map(|dir| dir.join("chromium"))
        .find(|candidate| candidate.is_file())
        .expect(
            "chromium is not on PATH: this test renders the HTML report in headless Chromium; \
             install it with `apt-get install chromium` (.ci/run does)",
        )
}

/// Where build artefacts go: `$THRONG_ARTEFACTS`, else `artefacts/` in the
/// target folder.
fn artefacts() -> PathBuf {
    let dir = match std::env::var_os("THRONG_ARTEFACTS") {
        Some(dir) => PathBuf::from(dir),
        None => std::env::var_os("CARGO_TARGET_DIR")
            .map(PathBuf::from)
            .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target"))
            .join("artefacts"),
    };
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Headless Chromium with a throwaway profile, and a proxy on a closed port
/// so anything the page tried to fetch would fail: what it shows comes
/// from the file alone.
fn headless(chromium: &Path, profile: &Path) -> tokio::process::Command {
    let mut command = tokio::process::Command::new(chromium);
    command
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--no-first-run",
            "--hide-scrollbars",
            // Lets the page's script and layout settle before the dump.
            "--virtual-time-budget=5000",
        ])
        .arg(format!("--proxy-server=http://127.0.0.1:{}", closed_port()))
        .arg(format!(
            "--user-data-dir={}",
            profile.join("chromium").display()
        ))
        .kill_on_drop(true);
    command
}

/// The page's DOM after its script ran; fails on a script error or a
/// Content-Security-Policy violation, which Chromium logs as console
/// messages.
async fn chromium_dump_dom(chromium: &Path, page: &Path, scratch: &Path) -> String {
    let output = headless(chromium, scratch)
        .args(["--enable-logging=stderr", "--v=0", "--dump-dom"])
        .arg(file_url(page))
        .output()
        .await
        .expect("chromium starts");
    assert!(
        output.status.success(),
        "chromium --dump-dom failed:\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let log = String::from_utf8_lossy(&output.stderr);
    let console: Vec<&str> = log
        .lines()
        .filter(|line| line.contains(":CONSOLE"))
        .collect();
    assert!(
        console
            .iter()
            .all(|line| !line.contains("Uncaught") && !line.contains("Refused")),
        "the page logged errors:\n{}",
        console.join("\n")
    );
    String::from_utf8(output.stdout).expect("the DOM is UTF-8")
}

async fn chromium_screenshot(chromium: &Path, page: &Path, png: &Path, scratch: &Path) {
    let output = headless(chromium, scratch)
        .arg(format!("--screenshot={}", png.display()))
        .arg("--window-size=1280,2400")
        .arg(file_url(page))
        .output()
        .await
        .expect("chromium starts");
    assert!(
        output.status.success(),
        "chromium --screenshot failed:\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
}

fn file_url(path: &Path) -> String {
    format!("file://{}", path.canonicalize().unwrap().display())
}

/// The text from `start` to the next `end`, or a failure showing `text`.
fn between<'t>(text: &'t str, start: &str, end: &str) -> &'t str {
    let from = text
        .find(start)
        .unwrap_or_else(|| panic!("{start} not found in\n{text}"));
    let to = from + text[from..].find(end).unwrap_or(text.len() - from);
    &text[from..to]
}
