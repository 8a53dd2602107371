//! `throng inspect`: what a module is and whether throng can run it, as
//! golden files with paths, sizes and timings replaced. Run with
//! `THRONG_BLESS=1` to rewrite the golden files after an intended change.

use std::path::PathBuf;

use throng_test_guests::{GUEST_GET, GUEST_NO_JOURNEY, GUEST_OTHER_VERSION, JOURNEY_CLINICIAN};

use crate::check;
use crate::harness::{Throng, throng};

/// Inspect `module`, check the exit code, and compare the normalised
/// output with `golden/<name>.txt`.
async fn inspect(module: &str, code: i32, name: &str) -> Throng {
    let run = throng(["inspect", module]).await;
    check!(run, run.code == code, "exit code");
    check!(run, !run.stderr.contains("panicked"));
    assert_golden(name, &normalise(&run.stdout, module));
    run
}

/// Replace what changes between machines and builds: the module path,
/// its size and the compile time.
fn normalise(text: &str, module: &str) -> String {
    text.replace(module, "<MODULE>")
        .lines()
        .map(|line| {
            if line.starts_with("size ") {
                "size      <SIZE>".to_owned()
            } else if line.starts_with("compile ") {
                "compile   <TIME>".to_owned()
            } else {
                line.to_owned()
            }
        })
        .map(|line| line + "\n")
        .collect()
}

#[track_caller]
fn assert_golden(name: &str, actual: &str) {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/e2e/golden")
        .join(format!("{name}.txt"));
    if std::env::var_os("THRONG_BLESS").is_some() {
        std::fs::write(&path, actual).expect("golden file is writable");
        return;
    }
    let expected = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        expected == actual,
        "{} differs (THRONG_BLESS=1 rewrites it)\n--- expected\n{expected}\n--- actual\n{actual}",
        path.display()
    );
}

#[tokio::test]
async fn the_clinician_journey_lists_its_tasks_and_weights() {
    let run = inspect(JOURNEY_CLINICIAN, 0, "inspect_clinician").await;
    check!(run, run.stdout.contains("  ask     weight 4\n"));
    check!(run, run.stdout.contains("  health  weight 1\n"));
    check!(
        run,
        run.stdout.ends_with("ok: throng can run this module\n")
    );
}

/// A journey another toolchain built, `<THRONG_POLYGLOT_DIR>/<name>.wasm`
/// (`cargo xtask test` builds them).
fn polyglot(name: &str) -> String {
    let dir = std::env::var("THRONG_POLYGLOT_DIR").unwrap_or_else(|_| {
        panic!("THRONG_POLYGLOT_DIR is not set: run the tests with `cargo xtask test`, which builds the JS and Python journeys")
    });
    let path = PathBuf::from(dir).join(format!("{name}.wasm"));
    assert!(
        path.exists(),
        "{} is missing: run `cargo xtask polyglot`",
        path.display()
    );
    path.to_string_lossy().into_owned()
}

/// componentize-js's component: the same contract and tasks as the Rust
/// clinician, and the WASI and `wasi:http` imports its runtime needs, each
/// provided.
#[tokio::test]
async fn the_javascript_clinician() {
    let module = polyglot("clinician-js");
    let run = inspect(&module, 0, "inspect_clinician_js").await;
    check!(run, run.stdout.contains("  ask     weight 4\n"));
    check!(run, run.stdout.contains("wasi:http/outgoing-handler"));
    check!(run, !run.stdout.contains("MISSING"));
}

/// componentize-py's component: the same, with Python's larger WASI set
/// (sockets included: linked, and refusing every address).
#[tokio::test]
async fn the_python_clinician() {
    let module = polyglot("clinician-py");
    let run = inspect(&module, 0, "inspect_clinician_py").await;
    check!(run, run.stdout.contains("  ask     weight 4\n"));
    check!(run, run.stdout.contains("wasi:sockets/tcp"));
    check!(run, !run.stdout.contains("MISSING"));
}

#[tokio::test]
async fn a_journey_without_tasks() {
    inspect(GUEST_GET, 0, "inspect_get").await;
}

#[tokio::test]
async fn a_component_without_the_journey_export() {
    let run = inspect(GUEST_NO_JOURNEY, 2, "inspect_no_journey").await;
    check!(run, run.stdout.contains("wasi:cli/run"));
    check!(run, run.stdout.contains("refused: "));
}

#[tokio::test]
async fn a_component_of_another_contract_version_still_lists_its_imports() {
    let run = inspect(GUEST_OTHER_VERSION, 2, "inspect_other_version").await;
    check!(run, run.stdout.contains("throng:vu@0.2.0 (does not match"));
    check!(run, run.stdout.contains("throng:vu@0.1.0"));
    check!(run, run.stdout.contains("wasi:io/streams@0.2"));
}

#[tokio::test]
async fn a_core_module_and_a_file_that_is_not_wasm() {
    let dir = tempfile::tempdir().unwrap();
    let core = dir.path().join("core.wasm");
    // The smallest valid core module: magic and version 1.
    std::fs::write(&core, b"\0asm\x01\0\0\0").unwrap();
    inspect(core.to_str().unwrap(), 2, "inspect_core_module").await;
    let notes = dir.path().join("notes.wasm");
    std::fs::write(&notes, "hello").unwrap();
    inspect(notes.to_str().unwrap(), 2, "inspect_not_wasm").await;
}

/// A component importing two interfaces no host provides, with one the
/// host does provide between them.
fn component_with_missing_imports() -> Vec<u8> {
    use wasm_encoder::{
        Component, ComponentImportSection, ComponentTypeRef, ComponentTypeSection,
        ComponentValType, InstanceType,
    };
    let mut one_func = InstanceType::new();
    one_func
        .ty()
        .function()
        .params([] as [(&str, ComponentValType); 0])
        .result(None);
    one_func.export("f", ComponentTypeRef::Func(0));
    let mut types = ComponentTypeSection::new();
    types.instance(&one_func);
    types.instance(&InstanceType::new());
    let mut imports = ComponentImportSection::new();
    imports.import("acme:gone/first@1.0.0", ComponentTypeRef::Instance(0));
    imports.import("wasi:cli/exit@0.2.0", ComponentTypeRef::Instance(1));
    imports.import("acme:gone/second@1.0.0", ComponentTypeRef::Instance(0));
    let mut component = Component::new();
    component.section(&types).section(&imports);
    component.finish()
}

#[tokio::test]
async fn each_missing_import_is_named_and_the_rest_still_checked() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("missing.wasm");
    std::fs::write(&path, component_with_missing_imports()).unwrap();
    let run = inspect(path.to_str().unwrap(), 2, "inspect_missing_imports").await;
    check!(run, run.stdout.contains("acme:gone/first@1.0.0   MISSING"));
    check!(run, run.stdout.contains("wasi:cli/exit@0.2.0     provided"));
    check!(run, run.stdout.contains("acme:gone/second@1.0.0  MISSING"));
}

#[tokio::test]
async fn json_output_names_each_import_and_the_verdict() {
    let run = throng(["inspect", "--json", GUEST_OTHER_VERSION]).await;
    check!(run, run.code == 2);
    let report: serde_json::Value = serde_json::from_str(&run.stdout).expect("JSON on stdout");
    assert_eq!(report["kind"], "component");
    assert_eq!(report["contract_versions"], serde_json::json!(["0.2.0"]));
    assert_eq!(report["host_contract"], "0.1.0");
    assert_eq!(report["runnable"], false);
    let imports = report["imports"].as_array().unwrap();
    assert!(!imports.is_empty());
    assert!(imports.iter().all(|i| i["status"] == "provided"));
}

#[tokio::test]
async fn a_missing_file_is_bad_input() {
    let run = throng(["inspect", "/nonexistent/journey.wasm"]).await;
    check!(run, run.code == 2);
    check!(run, run.stderr.contains("/nonexistent/journey.wasm"));
}
