//! Nothing lost: Ctrl-C or SIGTERM stops a run gracefully and every
//! requested output is still written; a second Ctrl-C stops it at once;
//! snapshots of the results survive a SIGKILL.
//!
//! Each test spawns the real binary itself, signals that process by its
//! pid, and reads what it wrote.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};

use throng_metrics::RunResults;
use throng_test_guests::GUEST_GET;
use tokio::process::Child;

use crate::harness::{cache_dir, exclusive, target};

/// One `throng run` in the background, its output going to files.
struct Running {
    child: Child,
    dir: tempfile::TempDir,
}

impl Running {
    /// `throng run GUEST_GET ARGS...` in a fresh folder, with `--jsonl`,
    /// whose first line marks that the run has started.
    fn start(args: &[&str]) -> Running {
        let dir = tempfile::tempdir().unwrap();
        let file = |name| std::fs::File::create(dir.path().join(name)).unwrap();
        let child = tokio::process::Command::new(env!("CARGO_BIN_EXE_throng"))
            .arg("run")
            .arg(GUEST_GET)
            .args(args)
            .arg("--jsonl")
            .arg(dir.path().join("run.jsonl"))
            .current_dir(dir.path())
            .env("NO_COLOR", "1")
            .env("THRONG_CACHE_DIR", cache_dir())
            .stdin(Stdio::null())
            .stdout(file("stdout"))
            .stderr(file("stderr"))
            .kill_on_drop(true)
            .spawn()
            .expect("throng starts");
        Running { child, dir }
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// Waits until the run has started (its first JSON line is out).
    async fn started(&self) {
        let path = self.path("run.jsonl");
        let ready = poll(Duration::from_secs(30), || {
            std::fs::read_to_string(&path).is_ok_and(|text| text.contains('\n'))
        })
        .await;
        assert!(ready, "the run did not start\n{}", self.output());
    }

    /// `kill -SIGNAL <pid>`: this test's own process, by its pid.
    fn signal(&self, signal: &str) {
        let pid = self.child.id().expect("still running").to_string();
        let status = std::process::Command::new("kill")
            .args([&format!("-{signal}"), &pid])
            .status()
            .expect("kill runs");
        assert!(status.success(), "kill -{signal} {pid}");
    }

    /// Waits at most `within` for the process to exit; its exit code and
    /// how long that took.
    async fn exit(&mut self, within: Duration) -> (i32, Duration) {
        let since = Instant::now();
        match tokio::time::timeout(within, self.child.wait()).await {
            Ok(status) => {
                let status = status.unwrap();
                let code = status
                    .code()
                    .unwrap_or_else(|| panic!("killed by a signal: {status}\n{}", self.output()));
                (code, since.elapsed())
            }
            Err(_) => panic!("still running after {within:?}\n{}", self.output()),
        }
    }

    fn results(&self, name: &str) -> RunResults {
        read_results(&self.path(name)).unwrap_or_else(|e| panic!("{name}: {e}\n{}", self.output()))
    }

    fn output(&self) -> String {
        let read = |name| std::fs::read_to_string(self.path(name)).unwrap_or_default();
        format!(
            "--- stdout\n{}\n--- stderr\n{}",
            read("stdout"),
            read("stderr")
        )
    }
}

fn read_results(path: &Path) -> Result<RunResults, String> {
    let file = std::fs::File::open(path).map_err(|e| e.to_string())?;
    RunResults::from_json(file).map_err(|e| e.to_string())
}

/// Checks `ready` every 50 ms until it holds (true) or `timeout` passes.
async fn poll(timeout: Duration, mut ready: impl FnMut() -> bool) -> bool {
    let deadline = Instant::now() + timeout;
    while Instant::now() < deadline {
        if ready() {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    ready()
}

/// 5 VUs against a 20 ms endpoint: at most 250 requests a second.
const VUS: f64 = 5.0;
const DELAY_S: f64 = 0.020;
/// The graceful stop the runs are given.
const GRACE: Duration = Duration::from_secs(5);

/// A 60 s run asked for every output, stopped by `signal` after 3 s: it
/// ends within its grace period with its verdict's exit code, and every
/// output holds the ~3 s that ran.
async fn stopped_by(signal: &str, threshold: &str, verdict: i32) {
    let target = target().await;
    let _turn = exclusive().await;
    let url = format!("url={}/delay/20", target.base_url());
    let mut run = Running::start(&[
        "--vus",
        "5",
        "--duration",
        "60s",
        "--graceful-stop",
        "5s",
        "-p",
        &url,
        "--threshold",
        threshold,
        "--out",
        "results.json",
        "--csv",
        "run",
        "--junit",
        "junit.xml",
        "--html",
        "report.html",
    ]);
    run.started().await;
    tokio::time::sleep(Duration::from_secs(3)).await;
    run.signal(signal);
    let margin = Duration::from_secs(5);
    let (code, took) = run.exit(GRACE + margin).await;
    let out = run.output();
    assert_eq!(code, verdict, "exit code after {took:?}\n{out}");
    assert!(
        out.contains("stopping; iterations in flight get their grace period"),
        "{out}"
    );

    // JSON: the ~3 s that ran, at the rate the endpoint allows.
    let results = run.results("results.json");
    assert!(!results.partial, "the final results are not partial");
    let seconds = results.meta.duration.as_secs_f64();
    assert!(
        (2.5..=3.0 + GRACE.as_secs_f64()).contains(&seconds),
        "duration_s {seconds}\n{out}"
    );
    let totals = &results.totals;
    let ideal = VUS / DELAY_S * seconds;
    let requests = totals.requests as f64;
    assert!(
        requests >= ideal / 2.0 && requests <= ideal + VUS,
        "{requests} requests in {seconds} s; at most {ideal} possible\n{out}"
    );
    let iterations = &totals.iterations;
    assert_eq!(totals.failed, 0, "{out}");
    assert_eq!(
        (
            iterations.completed,
            iterations.failed,
            iterations.interrupted
        ),
        (totals.requests, 0, 0),
        "20 ms iterations all finish within the grace period\n{out}"
    );
    assert_eq!(
        iterations.total,
        iterations.completed + iterations.failed + iterations.interrupted
    );
    assert_eq!(results.thresholds.len(), 1);
    assert_eq!(results.thresholds[0].passed, verdict == 0);

    // CSV: the same requests, one history row per timeline point.
    let mut stats = csv::Reader::from_path(run.path("run_stats.csv")).unwrap();
    let rows: Vec<csv::StringRecord> = stats.records().map(Result::unwrap).collect();
    let aggregated = rows.last().expect("an Aggregated row");
    assert_eq!(&aggregated[1], "Aggregated");
    assert_eq!(aggregated[2].parse::<u64>().unwrap(), totals.requests);
    let history = csv::Reader::from_path(run.path("run_stats_history.csv")).unwrap();
    let points = history.into_records().map(Result::unwrap).count();
    assert_eq!(points, results.timeline.len());
    assert!(points >= 3, "{points} points over {seconds} s");

    // JUnit: well-formed XML with the threshold's test case.
    let xml = std::fs::read_to_string(run.path("junit.xml")).unwrap();
    let mut reader = quick_xml::Reader::from_str(&xml);
    let mut cases = 0;
    loop {
        match reader.read_event().expect("well-formed JUnit XML") {
            quick_xml::events::Event::Start(e) | quick_xml::events::Event::Empty(e)
                if e.name().as_ref() == b"testcase" =>
            {
                cases += 1
            }
            quick_xml::events::Event::Eof => break,
            _ => {}
        }
    }
    assert_eq!(cases, 1, "{xml}");

    // HTML: a whole document.
    let html = std::fs::read_to_string(run.path("report.html")).unwrap();
    assert!(html.starts_with("<!DOCTYPE html>"));
    assert!(html.trim_end().ends_with("</html>"));

    // JSON lines: every line parses, and the last holds the same totals.
    let jsonl = std::fs::read_to_string(run.path("run.jsonl")).unwrap();
    let lines: Vec<serde_json::Value> = jsonl
        .lines()
        .map(|line| serde_json::from_str(line).expect("a JSON line"))
        .collect();
    let end = lines.last().unwrap();
    assert_eq!(end["type"], "end");
    assert_eq!(end["passed"], verdict == 0);
    assert_eq!(end["totals"]["requests"], totals.requests);
}

#[tokio::test(flavor = "multi_thread")]
async fn sigint_stops_a_60s_run_after_3s_and_writes_every_output() {
    stopped_by("INT", "http_req_failed: rate < 1%", 0).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn sigterm_stops_a_60s_run_after_3s_and_writes_every_output() {
    // A threshold the 20 ms endpoint fails: the exit code is the verdict's.
    stopped_by("TERM", "http_req_duration: p(95) < 1ms", 1).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_second_sigint_interrupts_a_long_graceful_stop_at_once() {
    let target = target().await;
    let _turn = exclusive().await;
    // Iterations of 20 s and a graceful stop of 30 s: after the first
    // Ctrl-C the run would wait ~20 s for them.
    let url = format!("url={}/delay/20000", target.base_url());
    let mut run = Running::start(&[
        "--vus",
        "5",
        "--duration",
        "60s",
        "--graceful-stop",
        "30s",
        "-p",
        &url,
        "--out",
        "results.json",
        "--junit",
        "junit.xml",
    ]);
    run.started().await;
    tokio::time::sleep(Duration::from_secs(2)).await;
    run.signal("INT");
    tokio::time::sleep(Duration::from_secs(1)).await;
    run.signal("INT");
    let (code, took) = run.exit(Duration::from_secs(10)).await;
    let out = run.output();
    assert!(
        took < Duration::from_secs(3),
        "exited {took:?} after\n{out}"
    );
    assert_eq!(code, 0, "no thresholds: the verdict passes\n{out}");
    assert!(out.contains("stopping now"), "{out}");

    let results = run.results("results.json");
    let iterations = &results.totals.iterations;
    assert_eq!(
        (
            iterations.completed,
            iterations.failed,
            iterations.interrupted
        ),
        (0, 0, 5),
        "each VU's one iteration is interrupted\n{out}"
    );
    assert_eq!(iterations.total, 5);
    let seconds = results.meta.duration.as_secs_f64();
    assert!(
        (2.5..10.0).contains(&seconds),
        "duration_s {seconds}\n{out}"
    );
    assert!(run.path("junit.xml").exists());
}

#[tokio::test(flavor = "multi_thread")]
async fn snapshots_of_the_results_survive_a_sigkill() {
    let target = target().await;
    let _turn = exclusive().await;
    let url = format!("url={}/delay/20", target.base_url());
    let mut run = Running::start(&[
        "--vus",
        "5",
        "--duration",
        "20s",
        "-p",
        &url,
        "--out",
        "results.json",
        "--snapshot-interval",
        "1s",
    ]);
    run.started().await;
    // A snapshot of at least ~2 s of the run, read while it goes.
    let path = run.path("results.json");
    let mut seen = None;
    let ready = poll(Duration::from_secs(10), || {
        seen = read_results(&path).ok();
        seen.as_ref()
            .is_some_and(|r| r.meta.duration >= Duration::from_secs(2))
    })
    .await;
    assert!(ready, "no snapshot of 2 s\n{}", run.output());
    let snapshot = seen.unwrap();
    assert!(snapshot.partial, "a snapshot is marked partial");
    assert!(snapshot.totals.requests > 0);
    assert!(snapshot.meta.duration < Duration::from_secs(15));

    // SIGKILL: nothing runs at exit, the last snapshot is what is left.
    run.child.start_kill().unwrap();
    let status = run.child.wait().await.unwrap();
    assert_eq!(status.code(), None, "killed by a signal");
    let left = run.results("results.json");
    assert!(left.partial);
    assert!(left.totals.requests >= snapshot.totals.requests);
    assert!(left.meta.duration >= snapshot.meta.duration);
    assert!(left.meta.duration < Duration::from_secs(15));
    // The requests are consistent with the time the snapshot covers.
    let seconds = left.meta.duration.as_secs_f64();
    let requests = left.totals.requests as f64;
    let ideal = VUS / DELAY_S * seconds;
    assert!(
        requests >= ideal / 2.0 && requests <= ideal + VUS,
        "{requests} requests in {seconds} s"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn the_final_results_replace_the_last_snapshot() {
    let target = target().await;
    let _turn = exclusive().await;
    let url = format!("url={}/delay/20", target.base_url());
    let mut run = Running::start(&[
        "--vus",
        "2",
        "--duration",
        "2s",
        "-p",
        &url,
        "--out",
        "results.json",
        "--snapshot-interval",
        "200ms",
    ]);
    let (code, _) = run.exit(Duration::from_secs(30)).await;
    assert_eq!(code, 0, "{}", run.output());
    let results = run.results("results.json");
    assert!(!results.partial, "the final write clears `partial`");
    let iterations = &results.totals.iterations;
    assert_eq!(iterations.completed, results.totals.requests);
    assert!(results.totals.requests > 0);
    assert!(!run.path("results.json.tmp").exists());
    let json = std::fs::read_to_string(run.path("results.json")).unwrap();
    assert!(!json.contains("\"partial\""), "absent when false");
}
