//! Journeys written in JavaScript (componentize-js components built by
//! `cargo xtask test` from `examples/journeys/*-js`): the same counts,
//! latencies and sandbox as a Rust journey.

use std::net::TcpListener;
use std::path::PathBuf;
use std::time::Duration;

use throng_metrics::{ErrorClass, RunResults};
use throng_target::{Latency, TargetConfig};

use crate::check;
use crate::harness::{cache_dir, exclusive, target, target_with, throng};

/// A built JavaScript journey, `<THRONG_POLYGLOT_DIR>/<name>.wasm`.
pub(crate) fn component(name: &str) -> PathBuf {
    let dir = std::env::var_os("THRONG_POLYGLOT_DIR").unwrap_or_else(|| {
        panic!(
            "THRONG_POLYGLOT_DIR is not set: run the tests with `cargo xtask test`, \
             which builds the JavaScript journeys first (or `cargo xtask polyglot` and \
             THRONG_POLYGLOT_DIR=$CARGO_TARGET_DIR/polyglot)"
        )
    });
    let path = PathBuf::from(dir).join(format!("{name}.wasm"));
    assert!(
        path.exists(),
        "{} is missing: run `cargo xtask test` (or `cargo xtask polyglot`)",
        path.display()
    );
    path
}

/// Issue 6's acceptance for JavaScript: the clinician in JavaScript (the
/// helper's `http` for login and query, a plain `fetch` for health) counts
/// 10 logins + 990 task requests exactly, every check passes, the tasks
/// split about 4:1, the server saw the same counts, and `query` against a
/// fixed 20 ms latency has its p50 in 20–25 ms.
#[tokio::test(flavor = "multi_thread")]
async fn the_js_clinician_counts_1000_requests_exactly() {
    let target = target_with(TargetConfig {
        query_latency: Latency::Fixed(Duration::from_millis(20)),
        ..TargetConfig::default()
    })
    .await;
    let journey = component("clinician-js");
    let _turn = exclusive().await;
    let base = format!("base_url={}", target.base_url());
    let run = throng([
        "run".as_ref(),
        journey.as_os_str(),
        "--vus".as_ref(),
        "10".as_ref(),
        "--iterations".as_ref(),
        "99".as_ref(),
        "-p".as_ref(),
        base.as_ref(),
        "-p".as_ref(),
        "think_min_s=0".as_ref(),
        "-p".as_ref(),
        "think_max_s=0".as_ref(),
    ])
    .await;
    check!(run, run.code == 0);
    let r = run.results();
    let count = |name: &str| r.endpoint(name).map_or(0, |e| e.requests);
    let (login, query, health) = (count("login"), count("query"), count("health"));
    check!(
        run,
        r.totals.requests == 1_000,
        "requests {}",
        r.totals.requests
    );
    check!(run, r.totals.failed == 0);
    check!(run, login == 10, "one login per VU");
    check!(
        run,
        query + health == 990,
        "query {query} + health {health}"
    );
    check!(run, r.endpoints.len() == 3, "only login, query and health");
    let it = &r.totals.iterations;
    check!(
        run,
        (it.completed, it.failed, it.interrupted) == (990, 0, 0)
    );
    // Weights 4:1 over 990 draws: query's share is 0.8 ± 0.013 (one
    // standard deviation); 0.72..0.88 is six of them either side.
    let share = query as f64 / 990.0;
    check!(run, (0.72..=0.88).contains(&share), "query share {share}");
    check!(run, r.checks.failed == 0);
    for (name, passed) in [
        ("login ok", login),
        ("query ok", query),
        ("answer present", query),
        ("health is 200", health),
    ] {
        check!(
            run,
            r.checks
                .get(name)
                .is_some_and(|c| (c.passed, c.failed) == (passed, 0)),
            "check {name}"
        );
    }
    // The server agrees, request for request.
    let stats = target.stats();
    let route = |key: &str| stats.by_route.get(key).copied().unwrap_or(0);
    check!(
        run,
        stats.requests == 1_000,
        "server saw {}",
        stats.requests
    );
    check!(run, route("POST /login") == 10);
    check!(run, route("POST /query") == query);
    check!(run, route("GET /health") == health);
    check!(run, stats.by_status.get(&200) == Some(&1_000));
    let q = r.endpoint("query").expect("endpoint `query`");
    check!(
        run,
        (20.0..=25.0).contains(&q.stats.p50),
        "query p50 {} ms",
        q.stats.p50
    );
    check!(run, q.stats.min >= 20.0, "query min {} ms", q.stats.min);
}

/// The JavaScript helper's `prepare()` and `ignoreResponseHeaders()`.
#[tokio::test(flavor = "multi_thread")]
async fn a_js_prepared_request_counts_exactly() {
    crate::journeys::a_prepared_hello_counts_exactly(component("hello-js").as_os_str()).await;
}

/// A plan running `sandbox-js` against `forbidden` with only the demo
/// target on its allow list, in a folder that also holds a secret file.
struct SandboxPlan {
    dir: tempfile::TempDir,
    plan: PathBuf,
    secret_file: PathBuf,
}

fn sandbox_plan(allowed: &str, forbidden: Option<&str>) -> SandboxPlan {
    let dir = tempfile::tempdir().unwrap();
    let secret_file = dir.path().join("secret.txt");
    std::fs::write(&secret_file, "the guest must not read this").unwrap();
    let module = component("sandbox-js");
    let fetch = forbidden.map_or(String::new(), |url| format!("forbidden_url = \"{url}\"\n"));
    let plan = dir.path().join("plan.toml");
    std::fs::write(
        &plan,
        format!(
            "module = {module:?}\nallow_hosts = [\"{allowed}\"]\n\n[params]\n{fetch}file = {secret_file:?}\n\n\
             [scenario]\nvus = 2\niterations = 3\n"
        ),
    )
    .unwrap();
    SandboxPlan {
        dir,
        plan,
        secret_file,
    }
}

/// A `fetch` to a host off the allow list is refused before any
/// connection: counted as `denied` in the results' errors by class, and
/// the guest's `fetch` rejects (its check `fetch refused` passes) instead
/// of hanging.
#[tokio::test(flavor = "multi_thread")]
async fn a_js_fetch_outside_the_allow_list_is_denied() {
    let target = target().await;
    let _turn = exclusive().await;
    // A real listener the fetch is pointed at: the kernel would queue any
    // connection attempt without `accept`.
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    listener.set_nonblocking(true).unwrap();
    let forbidden = listener.local_addr().unwrap();
    let plan = sandbox_plan(
        &target.addr().to_string(),
        Some(&format!("http://{forbidden}/steal")),
    );
    let run = throng([
        "run".as_ref(),
        plan.plan.as_os_str(),
        "--timeout".as_ref(),
        "5s".as_ref(),
    ])
    .await;
    check!(run, run.code == 0);
    let r = run.results();
    check!(
        run,
        listener.accept().is_err(),
        "a connection reached the socket"
    );
    check!(run, r.totals.requests == 6 && r.totals.failed == 6);
    check!(
        run,
        r.totals.errors_by_class.get(&ErrorClass::Denied) == Some(&6)
            && r.totals.errors_by_class.len() == 1
    );
    check!(run, r.totals.bytes_sent == 0);
    check!(
        run,
        r.checks
            .get("fetch refused")
            .is_some_and(|c| (c.passed, c.failed) == (6, 0))
    );
    let it = &r.totals.iterations;
    check!(run, (it.completed, it.failed, it.interrupted) == (6, 0, 0));
    check!(
        run,
        r.errors.messages.iter().any(|m| m
            .message
            .contains(&format!("{forbidden} is not an allowed host")))
    );

    // The same plan reaches the socket once the flag allows it: the
    // listener above was really there to be reached.
    let run = throng([
        "run".as_ref(),
        plan.plan.as_os_str(),
        "--allow-host".as_ref(),
        forbidden.to_string().as_ref(),
        "--timeout".as_ref(),
        "200ms".as_ref(),
        "--vus".as_ref(),
        "1".as_ref(),
        "--iterations".as_ref(),
        "1".as_ref(),
    ])
    .await;
    let r = run.results();
    check!(
        run,
        !r.totals.errors_by_class.contains_key(&ErrorClass::Denied)
    );
    check!(run, listener.accept().is_ok(), "the allowed fetch connects");
}

/// A JavaScript guest sees no environment variable (throng's own process
/// has one set by this test), no arguments, no working directory and no
/// preopened directory, so it cannot open a file that exists.
#[tokio::test(flavor = "multi_thread")]
async fn a_js_guest_cannot_read_a_file_or_an_env_var() {
    let target = target().await;
    let _turn = exclusive().await;
    let plan = sandbox_plan(&target.addr().to_string(), None);
    let (code, stdout, stderr, results) =
        throng_with_env(&plan, ("THRONG_JS_SECRET", "do-not-pass-through")).await;
    let shown = format!("exit {code}\n--- stdout\n{stdout}\n--- stderr\n{stderr}");
    assert!(code == 0, "{shown}");
    let r = results.unwrap_or_else(|| panic!("no results\n{shown}"));
    assert!(plan.secret_file.exists());
    for name in [
        "no env vars",
        "no args",
        "no cwd",
        "no preopened dirs",
        "file unreadable",
    ] {
        assert!(
            r.checks
                .get(name)
                .is_some_and(|c| (c.passed, c.failed) == (6, 0)),
            "check {name}\n{shown}"
        );
    }
    assert!(r.totals.requests == 0, "{shown}");
    // The guest logs the name of any variable it sees.
    assert!(!stderr.contains("THRONG_JS_SECRET"), "{shown}");
}

/// `throng run <plan>` with one more variable in throng's environment
/// (the harness's `throng` passes the test's own environment through).
async fn throng_with_env(
    plan: &SandboxPlan,
    (key, value): (&str, &str),
) -> (i32, String, String, Option<RunResults>) {
    let out = plan.dir.path().join("results.json");
    let output = tokio::process::Command::new(env!("CARGO_BIN_EXE_throng"))
        .arg("run")
        .arg(&plan.plan)
        .arg("--out")
        .arg(&out)
        .current_dir(plan.dir.path())
        .env("NO_COLOR", "1")
        .env("THRONG_CACHE_DIR", cache_dir())
        .env(key, value)
        .kill_on_drop(true)
        .output()
        .await
        .expect("throng runs");
    let results = out
        .exists()
        .then(|| RunResults::from_json(std::fs::File::open(&out).unwrap()).expect("results parse"));
    (
        output.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
        results,
    )
}
