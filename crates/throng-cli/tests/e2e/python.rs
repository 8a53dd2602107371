//! Python journeys (guest-sdk/python, built with componentize-py by
//! `cargo xtask test`): the same counts, checks and latencies as the Rust
//! clinician, and the same sandbox.

use std::io::ErrorKind as IoErrorKind;
use std::net::TcpListener;
use std::time::Duration;

use throng_metrics::{ErrorClass, RunResults};
use throng_target::{Latency, TargetConfig};

use crate::check;
use crate::harness::{cache_dir, exclusive, target, target_with, throng};

/// The path of the Python component `name` (`clinician-py`), built by
/// `cargo xtask test` into `$THRONG_POLYGLOT_DIR`.
pub(crate) fn component(name: &str) -> String {
    let dir = std::env::var("THRONG_POLYGLOT_DIR").unwrap_or_else(|_| {
        panic!("THRONG_POLYGLOT_DIR is not set: run the tests with `cargo xtask test`, which builds the Python journeys")
    });
    let path = std::path::Path::new(&dir).join(format!("{name}.wasm"));
    assert!(
        path.exists(),
        "{} is missing: run `cargo xtask test` (or `cargo xtask polyglot`)",
        path.display()
    );
    path.to_string_lossy().into_owned()
}

/// Issue 6's acceptance for Python: 10 VUs × 99 iterations of the clinician
/// without think time are exactly 1,000 requests (10 logins, 990 tasks
/// drawn 4:1), every check passes, the server counts the same, and a 20 ms
/// query has its p50 in 20–25 ms.
#[tokio::test(flavor = "multi_thread")]
async fn the_python_clinician_logs_in_once_per_vu_then_runs_weighted_tasks() {
    let module = component("clinician-py");
    let target = target_with(TargetConfig {
        query_latency: Latency::Fixed(Duration::from_millis(20)),
        ..TargetConfig::default()
    })
    .await;
    let _turn = exclusive().await;
    let base = format!("base_url={}", target.base_url());
    let run = throng([
        "run",
        &module,
        "--vus",
        "10",
        "--iterations",
        "99",
        "-p",
        &base,
        "-p",
        "think_min_s=0",
        "-p",
        "think_max_s=0",
    ])
    .await;
    check!(run, run.code == 0);
    let r = run.results();
    let count = |name: &str| r.endpoint(name).map_or(0, |e| e.requests);
    check!(run, r.totals.requests == 1_000 && r.totals.failed == 0);
    check!(run, count("login") == 10, "one login per VU");
    check!(run, count("query") + count("health") == 990);
    check!(run, r.totals.iterations.completed == 990);
    // 990 draws at 4:1: the query share is 80 % with a deviation of 1.3
    // points; 70–90 % is far outside chance and far from 50:50.
    let share = 100.0 * count("query") as f64 / 990.0;
    check!(
        run,
        (70.0..=90.0).contains(&share),
        "query share {share:.1} %"
    );
    for (name, passed) in [
        ("login ok", 10),
        ("query ok", count("query")),
        ("answer present", count("query")),
        ("health is 200", count("health")),
    ] {
        check!(
            run,
            r.checks
                .get(name)
                .is_some_and(|c| (c.passed, c.failed) == (passed, 0)),
            "check {name:?}"
        );
    }
    let stats = target.stats();
    check!(
        run,
        stats.requests == 1_000,
        "server saw {}",
        stats.requests
    );
    check!(
        run,
        stats.by_route.get("POST /login") == Some(&10)
            && stats.by_route.get("POST /query") == Some(&count("query"))
            && stats.by_route.get("GET /health") == Some(&count("health")),
        "server routes {:?}",
        stats.by_route
    );
    let p50 = r.endpoint("query").map_or(0.0, |e| e.stats.p50);
    check!(run, (20.0..=25.0).contains(&p50), "query p50 {p50} ms");
}

/// An exception in `on_start` fails the VU's start, counted, with the
/// exception and the line it came from in the message (not a trap).
/// The Python SDK's `Client.prepare` and `ignore_response_headers`.
#[tokio::test(flavor = "multi_thread")]
async fn a_python_prepared_request_counts_exactly() {
    crate::journeys::a_prepared_hello_counts_exactly(component("hello-py").as_ref()).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn the_python_clinician_counts_a_failed_login() {
    let module = component("clinician-py");
    let target = target().await;
    let _turn = exclusive().await;
    let base = format!("base_url={}", target.base_url());
    let run = throng([
        "run",
        &module,
        "--vus",
        "2",
        "--iterations",
        "3",
        "-p",
        &base,
        "-p",
        "password=wrong",
    ])
    .await;
    check!(run, run.code == 3);
    check!(
        run,
        run.stderr
            .contains("RuntimeError: login failed with status 401 (at clinician.py:")
    );
    let r = run.results();
    check!(
        run,
        r.totals.vu_start_failures == 2 && r.totals.iterations.total == 0
    );
    check!(
        run,
        r.checks
            .get("login ok")
            .is_some_and(|c| (c.passed, c.failed) == (0, 2))
    );
}

/// The Python sandbox guest finds no environment (not even a variable set
/// in throng's own), no file (not even one that exists), no directory and
/// no socket (nothing reaches a listening one), while random and clocks
/// still work and what it prints is logged. See crates/test-guests/python/README.md.
#[tokio::test(flavor = "multi_thread")]
async fn a_python_guest_cannot_read_files_or_env_or_open_sockets() {
    let module = component("sandbox-py");
    let dir = tempfile::tempdir().unwrap();
    let secret = dir.path().join("secret.txt");
    std::fs::write(&secret, "the guest must not read this").unwrap();
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    listener.set_nonblocking(true).unwrap();
    let port = listener.local_addr().unwrap().port();
    let out = dir.path().join("results.json");
    let _turn = exclusive().await;
    let output = tokio::process::Command::new(env!("CARGO_BIN_EXE_throng"))
        .args(["run", &module, "--vus", "2", "--iterations", "3", "-p"])
        .arg(format!("file={}", secret.display()))
        .args(["-p", "env_var=THRONG_PY_SANDBOX_SECRET", "-p"])
        .arg(format!("port={port}"))
        .arg("--out")
        .arg(&out)
        .current_dir(dir.path())
        .env("NO_COLOR", "1")
        .env("THRONG_CACHE_DIR", cache_dir())
        .env("THRONG_PY_SANDBOX_SECRET", "visible")
        .kill_on_drop(true)
        .output()
        .await
        .expect("throng runs");
    let shown = format!(
        "exit {:?}\n--- stderr\n{}",
        output.status.code(),
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(output.status.success(), "{shown}");
    let r = RunResults::from_json(std::fs::File::open(&out).unwrap()).expect("results parse");
    for name in [
        "environment empty",
        "env var hidden",
        "file unreadable",
        "hostname unreadable",
        "root unlistable",
        "socket refused",
        "random works",
        "clock works",
    ] {
        assert!(
            r.checks
                .get(name)
                .is_some_and(|c| (c.passed, c.failed) == (6, 0)),
            "check {name:?} not passed 6 times\n{shown}"
        );
    }
    assert_eq!(
        pending(&listener),
        0,
        "the guest's socket reached the listener\n{shown}"
    );
    // What it printed reached the person running the test, once per
    // iteration.
    assert_eq!(
        String::from_utf8_lossy(&output.stderr)
            .matches("sandbox checked")
            .count(),
        6,
        "{shown}"
    );
}

/// Python reaches `wasi:http` unchanged (componentize-py's `poll_loop`,
/// world `vu-http`): its requests are named by `x-throng-name`, counted
/// like the SDK's, and one to an address off the allow list is refused as
/// `denied` before any connection.
#[tokio::test(flavor = "multi_thread")]
async fn python_wasi_http_requests_are_recorded_and_off_list_ones_denied() {
    let module = component("fetch-py");
    let target = target().await;
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    listener.set_nonblocking(true).unwrap();
    let forbidden = listener.local_addr().unwrap();
    let _turn = exclusive().await;
    let run = throng([
        "run",
        &module,
        "--vus",
        "2",
        "--iterations",
        "5",
        "-p",
        &format!("url={}/health", target.base_url()),
        "-p",
        "name=py health",
        "-p",
        &format!("denied_authority={forbidden}"),
    ])
    .await;
    check!(run, run.code == 0);
    let r = run.results();
    check!(
        run,
        r.endpoint("py health")
            .is_some_and(|e| e.requests == 10 && e.failed == 0)
    );
    check!(run, r.totals.requests == 20 && r.totals.failed == 10);
    check!(
        run,
        r.totals.errors_by_class.get(&ErrorClass::Denied) == Some(&10),
        "{:?}",
        r.totals.errors_by_class
    );
    for name in ["allowed fetch is 200", "refused as denied"] {
        check!(
            run,
            r.checks
                .get(name)
                .is_some_and(|c| (c.passed, c.failed) == (10, 0)),
            "check {name:?}"
        );
    }
    check!(run, target.stats().by_route.get("GET /health") == Some(&10));
    check!(
        run,
        pending(&listener) == 0,
        "a connection reached the socket"
    );
}

/// Connections waiting on `listener`, taking them all.
fn pending(listener: &TcpListener) -> u64 {
    let mut count = 0;
    loop {
        match listener.accept() {
            Ok(_) => count += 1,
            Err(e) if e.kind() == IoErrorKind::WouldBlock => return count,
            Err(e) => panic!("accept: {e}"),
        }
    }
}
