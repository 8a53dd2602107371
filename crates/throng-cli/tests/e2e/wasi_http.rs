//! Requests a guest sends through plain `wasi:http` (what JavaScript's
//! `fetch` and Python's WASI HTTP use) are allow-listed, timed, named and
//! recorded like `http.send` requests, and the WASI a guest sees grants no
//! files, no environment and no sockets.

use std::path::{Path, PathBuf};

use throng_metrics::ErrorClass;
use throng_target::Target;
use throng_test_guests::GUEST_WASI_HTTP;

use crate::check;
use crate::harness::{exclusive, target, throng};

/// A plan running `GUEST_WASI_HTTP` against `target` with `params` (TOML
/// lines) and `rest` after the params table.
fn plan(dir: &Path, target: &Target, params: &str, rest: &str) -> PathBuf {
    let path = dir.join("plan.toml");
    let base = target.base_url();
    let authority = base.trim_start_matches("http://");
    std::fs::write(
        &path,
        format!(
            "module = {GUEST_WASI_HTTP:?}\n\n[params]\nbase_url = \"{base}\"\nauthority = \"{authority}\"\n{params}\n{rest}"
        ),
    )
    .unwrap();
    path
}

#[tokio::test(flavor = "multi_thread")]
async fn wasi_http_requests_are_counted_timed_and_named_by_method_and_path() {
    let target = target().await;
    let _turn = exclusive().await;
    let dir = tempfile::tempdir().unwrap();
    let plan = plan(
        dir.path(),
        &target,
        "",
        "[scenario]\nvus = 10\niterations = 40\n",
    );
    let run = throng(["run".as_ref(), plan.as_os_str()]).await;
    check!(run, run.code == 0);
    let r = run.results();
    check!(
        run,
        r.totals.requests == 400,
        "requests {}",
        r.totals.requests
    );
    check!(run, r.totals.failed == 0);
    let delay = r
        .endpoint("GET /delay/20")
        .expect("requests named by method and path");
    check!(run, delay.requests == 400);
    check!(
        run,
        (20.0..=25.0).contains(&delay.stats.p50),
        "p50 {} ms",
        delay.stats.p50
    );
    check!(
        run,
        r.checks
            .get("status 200")
            .is_some_and(|c| (c.passed, c.failed) == (400, 0))
            && r.checks
                .get("body arrived")
                .is_some_and(|c| c.passed == 400)
    );
    // Server side: every request arrived, over one kept-alive connection per
    // VU.
    let stats = target.stats();
    check!(run, stats.by_route.get("GET /delay/{ms}") == Some(&400));
    check!(
        run,
        stats.connections_accepted == 10,
        "connections {}",
        stats.connections_accepted
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_guest_names_and_tags_wasi_http_requests_with_throng_headers() {
    let target = target().await;
    let _turn = exclusive().await;
    let dir = tempfile::tempdir().unwrap();
    let plan = plan(
        dir.path(),
        &target,
        "name = \"fetched\"\ntag = \"kind=api\"\npath = \"/health\"\n",
        "[scenario]\nvus = 2\niterations = 15\n\n[thresholds]\n\"http_reqs{kind:api}\" = [\"count == 30\"]\n",
    );
    let run = throng(["run".as_ref(), plan.as_os_str()]).await;
    check!(run, run.code == 0);
    let r = run.results();
    check!(
        run,
        r.endpoint("fetched").is_some_and(|e| e.requests == 30),
        "named by x-throng-name"
    );
    check!(
        run,
        r.thresholds.len() == 1 && r.thresholds[0].passed && r.thresholds[0].observed == Some(30.0),
        "{:?}",
        r.thresholds
    );
    check!(run, target.stats().by_route.get("GET /health") == Some(&30));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_wasi_http_request_to_a_host_outside_the_allow_list_is_denied() {
    let target = target().await;
    let _turn = exclusive().await;
    let dir = tempfile::tempdir().unwrap();
    // Only the target is allowed (the default: the hosts of the params'
    // URLs); the guest asks for another port on the same address.
    let plan = plan(
        dir.path(),
        &target,
        "",
        "[scenario]\nvus = 2\niterations = 5\n",
    );
    let other = crate::harness::closed_port();
    let run = throng([
        "run".as_ref(),
        plan.as_os_str(),
        "-p".as_ref(),
        format!("authority=127.0.0.1:{other}").as_ref(),
    ])
    .await;
    let r = run.results();
    check!(
        run,
        r.totals.errors_by_class.get(&ErrorClass::Denied) == Some(&10),
        "{:?}",
        r.totals.errors_by_class
    );
    check!(
        run,
        r.checks
            .get("refused as denied")
            .is_some_and(|c| (c.passed, c.failed) == (10, 0)),
        "the guest saw wasi:http's HTTP-request-denied"
    );
    check!(run, r.totals.iterations.failed == 10);
    check!(run, target.stats().connections_accepted == 0);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_guest_sees_no_environment_no_files_and_its_output_is_logged() {
    // The test's own environment, which throng inherits, is not empty.
    assert!(std::env::var_os("PATH").is_some());
    let target = target().await;
    let _turn = exclusive().await;
    let dir = tempfile::tempdir().unwrap();
    let plan = plan(
        dir.path(),
        &target,
        "",
        "[scenario]\nvus = 2\niterations = 3\n\n[scenario.tasks]\nget = 0\nsandbox = 1\n",
    );
    let run = throng(["run".as_ref(), plan.as_os_str()]).await;
    check!(run, run.code == 0);
    let r = run.results();
    for name in ["no env var", "no file", "no folder"] {
        check!(
            run,
            r.checks
                .get(name)
                .is_some_and(|c| (c.passed, c.failed) == (6, 0)),
            "check `{name}`"
        );
    }
    check!(run, r.totals.requests == 0);
    // What the guest printed reached the person running the test, once per
    // iteration.
    let shown = format!("{}{}", run.stdout, run.stderr);
    check!(run, shown.matches("sandbox checked").count() == 6);
}
