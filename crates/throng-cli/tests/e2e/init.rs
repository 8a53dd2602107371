//! `throng init`: each language's project builds with its one command and
//! runs against the demo target.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::check;
use crate::harness::{exclusive, target, throng};

/// Where scaffolded projects build, kept between test runs so a second run
/// compiles only the journey: beside the test binaries.
fn build_dir(lang: &str) -> PathBuf {
    let release = Path::new(env!("CARGO_BIN_EXE_throng")).parent().unwrap();
    release.parent().unwrap().join("init-projects").join(lang)
}

/// Runs `program args` in `dir`, panicking with its output when it fails.
fn must_run(dir: &Path, program: &str, args: &[&str], env: &[(&str, &Path)]) {
    let mut cmd = Command::new(program);
    cmd.args(args).current_dir(dir);
    for (key, value) in env {
        cmd.env(key, value);
    }
    let output = cmd
        .output()
        .unwrap_or_else(|e| panic!("running {program}: {e}"));
    assert!(
        output.status.success(),
        "{program} {args:?} failed in {}\n--- stdout\n{}\n--- stderr\n{}",
        dir.display(),
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}

/// Runs the scaffolded `wasm` against a fresh demo target: 2 VUs × 10
/// iterations, no think time. The template logs in once per VU, then asks
/// (weight 4) or checks health (weight 1).
async fn runs_against_the_demo_target(wasm: &Path) {
    let target = target().await;
    let _turn = exclusive().await;
    let base = format!("base_url={}", target.base_url());
    let run = throng([
        "run".as_ref(),
        wasm.as_os_str(),
        "--vus".as_ref(),
        "2".as_ref(),
        "--iterations".as_ref(),
        "10".as_ref(),
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
    check!(run, count("login") == 2);
    check!(run, count("query") + count("health") == 20);
    check!(run, r.totals.failed == 0 && r.checks.failed == 0);
    check!(run, r.checks.get("login ok").is_some_and(|c| c.passed == 2));
    check!(run, target.stats().by_route.get("POST /login") == Some(&2));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_rust_project_builds_with_cargo_and_runs() {
    let dir = tempfile::tempdir().unwrap();
    let project = dir.path().join("my-journey");
    let init = throng([
        "init".as_ref(),
        "my-journey".as_ref(),
        "--lang".as_ref(),
        "rust".as_ref(),
        "--dir".as_ref(),
        project.as_os_str(),
    ])
    .await;
    check!(init, init.code == 0);
    check!(init, init.stdout.contains("cargo build --release"));
    let target_dir = build_dir("rust");
    must_run(
        &project,
        env!("CARGO"),
        &["build", "--release", "--quiet"],
        &[("CARGO_TARGET_DIR", &target_dir)],
    );
    let wasm = target_dir.join("wasm32-wasip2/release/my_journey.wasm");
    assert!(wasm.exists(), "{} was not built", wasm.display());
    runs_against_the_demo_target(&wasm).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_js_project_builds_with_npm_and_runs() {
    let dir = tempfile::tempdir().unwrap();
    let project = dir.path().join("js-journey");
    let init = throng([
        "init".as_ref(),
        "js-journey".as_ref(),
        "--lang".as_ref(),
        "js".as_ref(),
        "--dir".as_ref(),
        project.as_os_str(),
    ])
    .await;
    check!(init, init.code == 0);
    check!(init, init.stdout.contains("npm install && npm run build"));
    // npm's own cache makes the install quick after the first.
    must_run(
        &project,
        "npm",
        &["install", "--prefer-offline", "--no-audit", "--no-fund"],
        &[],
    );
    must_run(&project, "npm", &["run", "build"], &[]);
    runs_against_the_demo_target(&project.join("journey.wasm")).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_python_project_builds_with_its_build_script_and_runs() {
    let dir = tempfile::tempdir().unwrap();
    let project = dir.path().join("py-journey");
    let init = throng([
        "init".as_ref(),
        "py-journey".as_ref(),
        "--lang".as_ref(),
        "python".as_ref(),
        "--dir".as_ref(),
        project.as_os_str(),
    ])
    .await;
    check!(init, init.code == 0);
    check!(init, init.stdout.contains("python3 build.py"));
    // The script makes its own venv with the pinned componentize-py (pip's
    // cache makes that quick after the first time), as a user's first build
    // does.
    must_run(&project, "python3", &["build.py"], &[]);
    runs_against_the_demo_target(&project.join("journey.wasm")).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn init_refuses_a_bad_name_and_a_folder_in_use() {
    let dir = tempfile::tempdir().unwrap();
    let bad = throng(["init", "9lives"]).await;
    check!(
        bad,
        bad.code == 2 && bad.stderr.contains("`9lives` is not a project name")
    );
    std::fs::write(dir.path().join("keep.txt"), "mine").unwrap();
    let used = throng([
        "init".as_ref(),
        "journey".as_ref(),
        "--dir".as_ref(),
        dir.path().as_os_str(),
    ])
    .await;
    check!(
        used,
        used.code == 2 && used.stderr.contains("the folder exists and is not empty")
    );
    check!(
        used,
        std::fs::read_to_string(dir.path().join("keep.txt")).unwrap() == "mine"
    );
}
