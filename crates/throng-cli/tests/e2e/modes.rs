//! The ways to start a run: a module, a plan, quick mode, the demo.

use throng_metrics::ErrorClass;
use throng_test_guests::GUEST_GET;

use crate::check;
use crate::harness::{exclusive, target, target_with, throng};

#[tokio::test(flavor = "multi_thread")]
async fn quick_mode_runs_the_builtin_journey() {
    let target = target().await;
    let _turn = exclusive().await;
    let url = format!("{}/fast", target.base_url());
    let run = throng(["run", "--url", &url, "--vus", "5", "--iterations", "20"]).await;
    check!(run, run.code == 0);
    let r = run.results();
    check!(run, r.totals.requests == 100 && r.totals.failed == 0);
    check!(
        run,
        r.endpoint("GET /fast").is_some_and(|e| e.requests == 100)
    );
    check!(
        run,
        r.checks
            .get("status is 2xx")
            .is_some_and(|c| c.passed == 100)
    );
    check!(run, target.stats().requests == 100);
}

/// Quick mode's journey reads nothing of a body, so it streams and counts
/// it, as wrk and oha do: a body over `--max-kept-body` passes and every
/// byte is counted. `-p discard=false` hands bodies to the guest, where
/// the cap refuses it.
#[tokio::test(flavor = "multi_thread")]
async fn quick_mode_counts_bodies_without_keeping_them() {
    let target = target().await;
    let _turn = exclusive().await;
    let bytes: u64 = 2 << 20;
    let url = format!("{}/bytes/{bytes}", target.base_url());
    let quick = ["run", "--url", &url, "--vus", "1", "--iterations", "3"];
    let run = throng(quick.iter().copied().chain(["--max-kept-body", "1"])).await;
    check!(run, run.code == 0);
    let r = run.results();
    check!(run, r.totals.requests == 3 && r.totals.failed == 0);
    check!(
        run,
        r.totals.bytes_received >= 3 * bytes,
        "{} bytes received",
        r.totals.bytes_received
    );
    let kept = ["--max-kept-body", "1", "-p", "discard=false"];
    let run = throng(quick.iter().copied().chain(kept)).await;
    check!(run, run.code == 0);
    let r = run.results();
    check!(run, r.totals.requests == 3 && r.totals.failed == 3);
    check!(
        run,
        r.totals.errors_by_class.get(&ErrorClass::Denied) == Some(&3)
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn quick_mode_posts_a_body_and_runs_for_a_duration() {
    let target = target().await;
    let _turn = exclusive().await;
    let url = format!("{}/login", target.base_url());
    let body = r#"{"username":"clinician","password":"secret"}"#;
    let run = throng([
        "run",
        "--url",
        &url,
        "-m",
        "POST",
        "-d",
        body,
        "--vus",
        "2",
        "--duration",
        "1s",
    ])
    .await;
    check!(run, run.code == 0);
    let r = run.results();
    let login = r.endpoint("POST /login").expect("POST /login");
    check!(run, login.requests > 10 && login.failed == 0);
    check!(
        run,
        (1.0..3.0).contains(&r.meta.duration.as_secs_f64()),
        "ran {} s",
        r.meta.duration.as_secs_f64()
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn https_targets_with_insecure() {
    let target = target_with(throng_target::TargetConfig {
        tls: true,
        ..Default::default()
    })
    .await;
    let _turn = exclusive().await;
    let url = format!("https://127.0.0.1:{}/fast", target.addr().port());
    let run = throng([
        "run",
        "--url",
        &url,
        "--vus",
        "2",
        "--iterations",
        "5",
        "--insecure",
    ])
    .await;
    check!(run, run.code == 0);
    let r = run.results();
    check!(run, r.totals.requests == 10 && r.totals.failed == 0);
    check!(run, r.phases.tls.max > 0.0, "a TLS handshake was timed");
    check!(
        run,
        target.stats().by_version.get("HTTP/2.0") == Some(&10),
        "ALPN picked h2: {:?}",
        target.stats().by_version
    );
    // Without --insecure the self-signed certificate is refused.
    let run = throng(["run", "--url", &url, "--vus", "1", "--iterations", "2"]).await;
    check!(
        run,
        run.results()
            .totals
            .errors_by_class
            .get(&throng_metrics::ErrorClass::Tls)
            == Some(&2)
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_second_run_loads_the_compiled_module_from_the_cache() {
    let target = target().await;
    let _turn = exclusive().await;
    let cache = tempfile::tempdir().unwrap();
    let cache = cache.path().to_str().unwrap();
    let url = format!("url={}/fast", target.base_url());
    let args = [
        "run",
        GUEST_GET,
        "--iterations",
        "1",
        "-p",
        &url,
        "--cache-dir",
        cache,
    ];
    let cold = throng(args).await;
    check!(
        cold,
        cold.code == 0 && cold.stderr.contains(" compiled in ")
    );
    let warm = throng(args).await;
    check!(
        warm,
        warm.code == 0 && warm.stderr.contains("loaded from cache")
    );
    check!(
        warm,
        std::fs::read_dir(cache).unwrap().count() == 1,
        "one cache entry"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn the_demo_runs_and_passes_its_thresholds() {
    let _turn = exclusive().await;
    let run = throng([
        "demo",
        "--vus",
        "10",
        "--duration",
        "3s",
        "--think",
        "0.1..0.3",
    ])
    .await;
    check!(run, run.code == 0);
    let r = run.results();
    check!(
        run,
        r.endpoint("login").is_some_and(|e| e.requests == 10),
        "one login per VU"
    );
    check!(run, r.endpoint("query").is_some_and(|e| e.requests > 20));
    check!(
        run,
        r.thresholds.len() == 4 && r.thresholds.iter().all(|t| t.passed)
    );
    check!(run, r.totals.failed == 0);
}

#[tokio::test(flavor = "multi_thread")]
async fn the_generator_reports_its_own_cpu_and_memory() {
    let target = target().await;
    let _turn = exclusive().await;
    let url = format!("{}/delay/10", target.base_url());
    let run = throng(["run", "--url", &url, "--vus", "2", "--duration", "2s"]).await;
    check!(run, run.code == 0);
    let g = run.results().generator.as_ref().expect("generator health");
    // One sample per whole second, and the last partial one.
    check!(
        run,
        (2..=3).contains(&g.samples.len()),
        "{} samples",
        g.samples.len()
    );
    check!(
        run,
        g.max_rss_bytes > 1 << 20 && g.samples.iter().all(|s| s.rss_bytes > 0)
    );
    check!(
        run,
        g.cores >= 1 && (0.0..=100.0 * 1.5).contains(&g.max_cpu_percent)
    );
    check!(
        run,
        run.stdout.contains("generator") && run.stdout.contains("rss max")
    );
}
