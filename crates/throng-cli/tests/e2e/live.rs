//! Live outputs: the Prometheus endpoint scraped during a run, and the
//! JSON lines file read while it is being written.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use openmetrics_parser::{MetricsExposition, OpenMetricsType, OpenMetricsValue};
use tempfile::TempDir;
use throng_metrics::RunResults;
use throng_test_guests::GUEST_GET;
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::process::{Child, Command};
use tokio::sync::mpsc;

use crate::harness::{cache_dir, closed_port, exclusive, target, throng};

/// A `throng run` going on in the background, its stderr read line by
/// line.
struct Running {
    child: Child,
    lines: mpsc::UnboundedReceiver<String>,
    stderr: Arc<Mutex<String>>,
    dir: TempDir,
}

impl Running {
    /// `throng run ARGS... --out <tmp>/results.json`.
    fn start(args: &[&str]) -> Running {
        let dir = tempfile::tempdir().unwrap();
        let mut child = Command::new(env!("CARGO_BIN_EXE_throng"))
            .arg("run")
            .args(args)
            .arg("--out")
            .arg(dir.path().join("results.json"))
            .current_dir(dir.path())
            .env("NO_COLOR", "1")
            .env("THRONG_CACHE_DIR", cache_dir())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .expect("throng starts");
        let (tx, lines) = mpsc::unbounded_channel();
        let stderr = Arc::new(Mutex::new(String::new()));
        let mut reader = BufReader::new(child.stderr.take().unwrap()).lines();
        let all = stderr.clone();
        tokio::spawn(async move {
            while let Ok(Some(line)) = reader.next_line().await {
                all.lock().unwrap().push_str(&format!("{line}\n"));
                let _ = tx.send(line);
            }
        });
        Running {
            child,
            lines,
            stderr,
            dir,
        }
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// The first stderr line from now on that starts with `prefix`.
    async fn line(&mut self, prefix: &str) -> String {
        let wait = async {
            while let Some(line) = self.lines.recv().await {
                if line.starts_with(prefix) {
                    return line;
                }
            }
            panic!("stderr ended before `{prefix}`\n{}", self.stderr());
        };
        // Long enough for a cold module cache.
        match tokio::time::timeout(Duration::from_secs(120), wait).await {
            Ok(line) => line,
            Err(_) => panic!("no `{prefix}` on stderr\n{}", self.stderr()),
        }
    }

    fn stderr(&self) -> String {
        self.stderr.lock().unwrap().clone()
    }

    fn still_running(&mut self) -> bool {
        self.child.try_wait().unwrap().is_none()
    }

    /// Wait for the exit; the exit code and the results file.
    async fn finish(mut self) -> (i32, RunResults, TempDir) {
        let status = tokio::time::timeout(Duration::from_secs(60), self.child.wait())
            .await
            .expect("the run ends")
            .unwrap();
        let file = std::fs::File::open(self.path("results.json"))
            .unwrap_or_else(|e| panic!("no results ({e})\n{}", self.stderr()));
        let results = RunResults::from_json(file).expect("results parse");
        (status.code().unwrap_or(-1), results, self.dir)
    }
}

/// A plain HTTP/1.1 GET of `path`: the status code, the headers (names
/// lower-cased) and the body.
async fn get(addr: SocketAddr, path: &str) -> std::io::Result<(u16, String, String)> {
    let mut stream = tokio::net::TcpStream::connect(addr).await?;
    let request = format!("GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n");
    stream.write_all(request.as_bytes()).await?;
    let mut response = String::new();
    stream.read_to_string(&mut response).await?;
    let (head, body) = response.split_once("\r\n\r\n").expect("a response head");
    let status = head
        .split(' ')
        .nth(1)
        .and_then(|code| code.parse().ok())
        .expect("a status code");
    Ok((status, head.to_lowercase(), body.to_owned()))
}

type Exposition = MetricsExposition<OpenMetricsType, OpenMetricsValue>;

/// Scrape `/metrics` and parse it as OpenMetrics text.
async fn scrape(addr: SocketAddr) -> (Exposition, String) {
    let (status, head, body) = get(addr, "/metrics").await.expect("scrape");
    assert_eq!(status, 200, "{head}\n{body}");
    assert!(
        head.contains("content-type: application/openmetrics-text; version=1.0.0"),
        "{head}"
    );
    let parsed = openmetrics_parser::openmetrics::parse_openmetrics(&body)
        .unwrap_or_else(|e| panic!("not OpenMetrics text ({e:?}):\n{body}"));
    (parsed, body)
}

/// The value of the sample of `family` with exactly `labels`.
fn value(exposition: &Exposition, family: &str, labels: &[(&str, &str)]) -> Option<f64> {
    let family = exposition.families.get(family)?;
    let names = family.get_label_names();
    if names.len() != labels.len() {
        return None;
    }
    let values: Option<Vec<String>> = names
        .iter()
        .map(|name| {
            labels
                .iter()
                .find(|(n, _)| n == name)
                .map(|(_, v)| (*v).to_owned())
        })
        .collect();
    let sample = family.get_sample_by_label_values(&values?)?;
    match &sample.value {
        OpenMetricsValue::Counter(counter) => Some(counter.value.as_f64()),
        OpenMetricsValue::Gauge(n) => Some(n.as_f64()),
        _ => None,
    }
}

/// Issue 4's acceptance point: the endpoint is scraped during a run by a
/// real HTTP request and parses as exposition format; the numbers are the
/// run's own.
#[tokio::test(flavor = "multi_thread")]
async fn the_prometheus_endpoint_is_scraped_during_a_run() {
    let target = target().await;
    let _turn = exclusive().await;
    let url = format!("url={}/delay/20", target.base_url());
    let mut run = Running::start(&[
        GUEST_GET,
        "--vus",
        "5",
        "--duration",
        "4s",
        "-p",
        &url,
        "-p",
        "name=delay",
        "--metrics-addr",
        "127.0.0.1:0",
    ]);
    let line = run.line("throng: metrics at ").await;
    let addr: SocketAddr = line
        .trim_start_matches("throng: metrics at http://")
        .trim_end_matches("/metrics")
        .parse()
        .unwrap_or_else(|e| panic!("{line:?}: {e}"));
    run.line("throng: scenario").await;

    let (status, _, _) = get(addr, "/").await.unwrap();
    assert_eq!(status, 404, "only /metrics is served");
    let scenario = ("scenario", "default");
    let requests = |e: &Exposition| value(e, "throng_http_reqs", &[scenario]).expect("requests");
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let (first, body) = scrape(addr).await;
    tokio::time::sleep(Duration::from_millis(1000)).await;
    let (second, _) = scrape(addr).await;
    assert!(run.still_running(), "scraped while the run went on");

    for e in [&first, &second] {
        assert_eq!(value(e, "throng_vus", &[scenario]), Some(5.0), "{body}");
        assert_eq!(value(e, "throng_vus_max", &[scenario]), Some(5.0));
        assert_eq!(value(e, "throng_http_req_failed", &[scenario]), Some(0.0));
        let endpoint = [scenario, ("name", "delay")];
        assert_eq!(
            value(e, "throng_endpoint_reqs", &endpoint),
            Some(requests(e))
        );
        let p50 = value(
            e,
            "throng_endpoint_req_duration_seconds",
            &[scenario, ("name", "delay"), ("quantile", "0.5")],
        )
        .expect("the endpoint's p50");
        assert!((0.020..=0.025).contains(&p50), "p50 {p50} s\n{body}");
        let p99 = value(
            e,
            "throng_http_req_duration_seconds",
            &[scenario, ("quantile", "0.99")],
        )
        .expect("the scenario's p99");
        assert!(p99 >= p50, "p99 {p99} < p50 {p50}");
        let received = value(e, "throng_data_received_bytes", &[scenario]).expect("bytes");
        assert!(received > 0.0);
    }
    let (n1, n2) = (requests(&first), requests(&second));
    assert!(n1 > 0.0, "requests in the first scrape");
    // 5 VUs of 20 ms requests make ~250 a second.
    assert!(n2 > n1, "the count grows: {n1} then {n2}");

    let (code, results, _dir) = run.finish().await;
    assert_eq!(code, 0);
    let total = results.totals.requests;
    assert!(n2 <= total as f64, "scraped {n2} of {total}");
    assert_eq!(results.totals.failed, 0);
    assert_eq!(results.totals.iterations.completed, total);
    assert_eq!(results.endpoint("delay").map(|e| e.requests), Some(total));
    // The endpoint ends with the run.
    assert!(get(addr, "/metrics").await.is_err(), "still serving");
}

/// The JSON lines file holds points while the run goes, and at the end
/// one line per threshold and an `end` line that agree with the results.
#[tokio::test(flavor = "multi_thread")]
async fn json_lines_are_written_while_the_run_goes() {
    let target = target().await;
    let _turn = exclusive().await;
    let url = format!("url={}/delay/20", target.base_url());
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("live.jsonl");
    let mut run = Running::start(&[
        GUEST_GET,
        "--vus",
        "2",
        "--duration",
        "4s",
        "-p",
        &url,
        "--threshold",
        "http_req_duration: p(95) < 5s",
        "--threshold",
        "http_req_failed: rate < 1%",
        "--jsonl",
        file.to_str().unwrap(),
    ]);
    run.line("throng: scenario").await;
    tokio::time::sleep(Duration::from_millis(2500)).await;
    let so_far = std::fs::read_to_string(&file).unwrap();
    assert!(run.still_running(), "read while the run went on");
    let points = complete_lines(&so_far)
        .iter()
        .filter(|l| l["type"] == "point")
        .count();
    assert!(points >= 2, "{points} points after 2.5 s:\n{so_far}");

    let (code, results, _dir) = run.finish().await;
    assert_eq!(code, 0);
    let text = std::fs::read_to_string(&file).unwrap();
    assert!(text.ends_with('\n'), "every line is complete");
    let lines = complete_lines(&text);
    let points: Vec<&serde_json::Value> = lines.iter().filter(|l| l["type"] == "point").collect();
    assert!(points.len() >= 4, "{text}");
    for pair in points.windows(2) {
        let (a, b) = (pair[0]["t_s"].as_f64(), pair[1]["t_s"].as_f64());
        assert!(a < b, "t_s goes {a:?} then {b:?}");
        let (a, b) = (pair[0]["requests"].as_u64(), pair[1]["requests"].as_u64());
        assert!(a <= b, "requests go {a:?} then {b:?}");
    }
    assert!(points.iter().all(|p| p["scenario"] == "default"));
    let last = points.last().unwrap();
    assert_eq!(last["requests"].as_u64(), Some(results.totals.requests));
    assert!(results.totals.requests > 0);

    let thresholds: Vec<&serde_json::Value> =
        lines.iter().filter(|l| l["type"] == "threshold").collect();
    assert_eq!(thresholds.len(), results.thresholds.len());
    for (line, outcome) in thresholds.iter().zip(&results.thresholds) {
        assert_eq!(line["metric"], outcome.metric.as_str());
        assert_eq!(line["expression"], outcome.expression.as_str());
        assert_eq!(line["passed"], outcome.passed);
    }
    let end = lines.last().unwrap();
    assert_eq!(end["type"], "end", "the last line is `end`");
    assert_eq!(end["passed"], true);
    assert_eq!(
        end["totals"]["requests"].as_u64(),
        Some(results.totals.requests)
    );
    assert_eq!(
        lines.iter().filter(|l| l["type"] == "end").count(),
        1,
        "{text}"
    );
}

/// The lines of `text` that a newline has ended, each parsed.
fn complete_lines(text: &str) -> Vec<serde_json::Value> {
    let complete = &text[..text.rfind('\n').map_or(0, |i| i + 1)];
    complete
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{l:?}: {e}")))
        .collect()
}

/// A live output that cannot be had is a usage error before anything
/// runs, naming the flag.
#[tokio::test(flavor = "multi_thread")]
async fn a_bad_live_output_is_a_usage_error() {
    let url = format!("url=http://127.0.0.1:{}/", closed_port());
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let taken = listener.local_addr().unwrap().to_string();
    let missing = Path::new("no-such-folder").join("live.jsonl");
    let cases: [(&str, &str, &str); 3] = [
        ("--metrics-addr", "nonsense", "--metrics-addr"),
        ("--metrics-addr", &taken, "--metrics-addr"),
        ("--jsonl", missing.to_str().unwrap(), "live.jsonl"),
    ];
    for (flag, value, named) in cases {
        let run = throng(["run", GUEST_GET, "-i", "1", "-p", &url, flag, value]).await;
        crate::check!(run, run.code == 2, "{flag} {value}");
        crate::check!(run, run.stderr.contains(named), "names {named}");
        crate::check!(run, run.results.is_none(), "nothing ran");
    }
}

/// A JSON lines file that cannot be written to (a full disk: `/dev/full`)
/// is reported, and the results file is written all the same; the run then
/// exits 3, naming the file.
#[cfg(target_os = "linux")]
#[tokio::test(flavor = "multi_thread")]
async fn a_failing_json_lines_file_loses_no_other_output() {
    let url = format!("url=http://127.0.0.1:{}/", closed_port());
    let run = throng([
        "run",
        GUEST_GET,
        "-i",
        "3",
        "-p",
        &url,
        "--jsonl",
        "/dev/full",
    ])
    .await;
    crate::check!(run, run.code == 3);
    crate::check!(run, run.stderr.contains("--jsonl /dev/full"));
    crate::check!(run, run.results().totals.requests == 3);
}
