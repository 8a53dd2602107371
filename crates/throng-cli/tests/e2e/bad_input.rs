//! Bad input exits 2 with a message that names the problem.

use throng_test_guests::{GUEST_NO_JOURNEY, GUEST_OTHER_VERSION};

use crate::check;
use crate::harness::throng;

async fn refused(args: &[&str], expect: &[&str]) {
    let run = throng(args).await;
    check!(run, run.code == 2, "exit code");
    for text in expect {
        check!(run, run.stderr.contains(text), "stderr lacks {text:?}");
    }
    check!(run, !run.stderr.contains("panicked"));
}

#[tokio::test]
async fn a_missing_file() {
    refused(
        &[
            "run",
            "/nonexistent/journey.wasm",
            "--vus",
            "1",
            "--iterations",
            "1",
        ],
        &["/nonexistent/journey.wasm"],
    )
    .await;
    refused(
        &["run", "/nonexistent/plan.toml"],
        &["cannot read plan /nonexistent/plan.toml"],
    )
    .await;
}

#[tokio::test]
async fn a_file_that_is_not_wasm() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("notes.wasm");
    std::fs::write(&path, "hello").unwrap();
    let path = path.to_str().unwrap();
    refused(
        &["run", path, "--iterations", "1"],
        &[path, "not a WebAssembly file"],
    )
    .await;
}

#[tokio::test]
async fn a_core_module_instead_of_a_component() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("core.wasm");
    // The smallest valid core module: magic and version 1.
    std::fs::write(&path, b"\0asm\x01\0\0\0").unwrap();
    let path = path.to_str().unwrap();
    refused(
        &["run", path, "--iterations", "1"],
        &[
            path,
            "core WebAssembly module, not a component",
            "wasm32-wasip2",
        ],
    )
    .await;
}

#[tokio::test]
async fn a_component_without_the_journey_export() {
    refused(
        &["run", GUEST_NO_JOURNEY, "--iterations", "1"],
        &[
            GUEST_NO_JOURNEY,
            "does not export `throng:vu/journey@0.1.0`",
            "wasi:cli/run",
        ],
    )
    .await;
}

#[tokio::test]
async fn a_component_of_another_contract_version() {
    refused(
        &["run", GUEST_OTHER_VERSION, "--iterations", "1"],
        &["throng:vu@0.2.0", "throng:vu@0.1.0"],
    )
    .await;
}

#[tokio::test]
async fn a_plan_with_an_unknown_key() {
    let dir = tempfile::tempdir().unwrap();
    let plan = dir.path().join("plan.toml");
    std::fs::write(
        &plan,
        "module = \"j.wasm\"\n\n[scenario]\nvus = 2\nduraton = \"10s\"\n",
    )
    .unwrap();
    let plan = plan.to_str().unwrap();
    refused(
        &["run", plan],
        &[plan, "line 5", "unknown field `duraton`", "duration"],
    )
    .await;
}

#[tokio::test]
async fn a_plan_with_a_bad_threshold() {
    let dir = tempfile::tempdir().unwrap();
    let plan = dir.path().join("plan.toml");
    std::fs::write(&plan, "module = \"j.wasm\"\n[scenario]\nvus = 1\niterations = 1\n[thresholds]\nhttp_req_duration = [\"p(95) < 200mss\"]\n").unwrap();
    let plan = plan.to_str().unwrap();
    refused(&["run", plan], &[plan, "http_req_duration", "200mss"]).await;
}

#[tokio::test]
async fn bad_flags() {
    refused(&["run", "x.wasm", "--vus", "many"], &["--vus", "many"]).await;
    refused(
        &["run", "x.wasm", "--duration", "soon"],
        &["soon", "not a duration"],
    )
    .await;
    refused(
        &[
            "run",
            "--url",
            "http://127.0.0.1:1/",
            "--vus",
            "0",
            "--iterations",
            "1",
        ],
        &["vus", "at least 1"],
    )
    .await;
    refused(
        &["run", "--url", "http://127.0.0.1:1/", "--vus", "2"],
        &["needs a `duration`"],
    )
    .await;
    refused(
        &[
            "run",
            "--url",
            "http://127.0.0.1:1/",
            "--iterations",
            "1",
            "--threshold",
            "http_req_duraton: p(95) < 1s",
        ],
        &["http_req_duraton", "http_req_duration"],
    )
    .await;
}
