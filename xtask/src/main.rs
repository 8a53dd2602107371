//! `cargo xtask <verb>`: the project's named chores, in plain Rust.
//!
//! - `demo [ARGS]`: start the demo target and run the clinician journey.
//! - `test [ARGS]`: install what tests need (the wasm32-wasip2 target), then
//!   run every test of the workspace.
//! - `lint`: rustfmt, clippy and rustdoc, all warnings as errors.
//! - `guests`: rebuild the bundled components in crates/throng-cli/assets.
//! - `polyglot`: install the JS and Python toolchains under `.toolchains/`
//!   and build their example journeys into `$CARGO_TARGET_DIR/polyglot`.
//! - `dist`: the `dist` build with profile-guided optimisation, trained
//!   on the demo (see `dist.rs`); writes `$CARGO_TARGET_DIR/dist-pgo/throng`.
//! - `bench [--quick] [--only a,b,...]`: throng against its peers on one
//!   nginx; writes BENCHMARKS.md (see `bench/mod.rs`).

mod bench;
mod dist;

use std::env;
use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, Result, bail};

mod js;
mod python;

const WASM_TARGET: &str = "wasm32-wasip2";

fn main() -> Result<()> {
    let mut args = env::args().skip(1);
    let verb = args.next().unwrap_or_default();
    let rest: Vec<String> = args.collect();
    match verb.as_str() {
        "demo" => demo(&rest),
        "test" => test(&rest),
        "lint" => lint(),
        "guests" => guests(),
        "polyglot" => polyglot().map(drop),
        "dist" => dist::main(&target_dir()),
        "bench" => bench::main(&root(), &target_dir(), &rest),
        _ => bail!("usage: cargo xtask <demo|test|lint|guests|polyglot|dist|bench> [ARGS]"),
    }
}

/// The workspace root: the nearest folder at or above the current one whose
/// `Cargo.toml` declares the workspace. Found at run time, not compiled in:
/// clones at different paths that share a target directory also share the
/// uplifted `xtask` binary, and a compiled-in path would point at whichever
/// clone built it last.
fn root() -> PathBuf {
    let here = env::current_dir().unwrap_or_else(|_| PathBuf::from("."));
    here.ancestors()
        .find(|dir| {
            std::fs::read_to_string(dir.join("Cargo.toml"))
                .is_ok_and(|manifest| manifest.contains("[workspace]"))
        })
        .map(Path::to_path_buf)
        .unwrap_or(here)
}

fn cargo() -> Command {
    let mut cmd = Command::new(env::var("CARGO").unwrap_or_else(|_| "cargo".into()));
    cmd.current_dir(root());
    cmd
}

fn run(mut cmd: Command) -> Result<()> {
    let shown = format!("{cmd:?}");
    let status = cmd.status().with_context(|| format!("running {shown}"))?;
    if !status.success() {
        bail!("{shown} failed with {status}");
    }
    Ok(())
}

fn demo(args: &[String]) -> Result<()> {
    let mut cmd = cargo();
    cmd.args([
        "run",
        "--release",
        "--quiet",
        "-p",
        "throng-cli",
        "--",
        "demo",
    ])
    .args(args);
    run(cmd)
}

fn test(args: &[String]) -> Result<()> {
    ensure_wasm_target()?;
    let polyglot = polyglot()?;
    // Release, like the demo: one build of wasmtime serves both, and the
    // latency tests measure an optimised client.
    let mut cmd = cargo();
    cmd.args(["test", "--release"])
        .args(args)
        .env("THRONG_POLYGLOT_DIR", polyglot);
    run(cmd)
}

/// Install the JS and Python toolchains and build their example journeys
/// into `<target dir>/polyglot`, the folder the e2e tests read through
/// `THRONG_POLYGLOT_DIR`.
fn polyglot() -> Result<PathBuf> {
    let root = root();
    let out = target_dir().join("polyglot");
    js::build_examples(&root, &out)?;
    python::build_examples(&root, &out)?;
    Ok(out)
}

/// `$CARGO_TARGET_DIR`, or `<root>/target`.
fn target_dir() -> PathBuf {
    env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| root().join("target"))
}

fn lint() -> Result<()> {
    ensure_wasm_target()?;
    let mut fmt = cargo();
    fmt.args(["fmt", "--all", "--", "--check"]);
    run(fmt)?;
    let mut clippy = cargo();
    clippy.args([
        "clippy",
        "--release",
        "--all-targets",
        "--",
        "-D",
        "warnings",
    ]);
    run(clippy)?;
    let mut doc = cargo();
    doc.args(["doc", "--release", "--no-deps"])
        .env("RUSTDOCFLAGS", "-D warnings");
    run(doc)
}

/// Rebuild the components the `throng` binary embeds. They come from the
/// same build that compiles the test guests (`crates/test-guests/build.rs`),
/// so the bundled bytes are exactly what the tests check them against.
fn guests() -> Result<()> {
    ensure_wasm_target()?;
    let mut cmd = cargo();
    cmd.args(["build", "--release", "-p", "throng-test-guests"]);
    run(cmd)?;
    let built = target_dir().join("guests").join(WASM_TARGET);
    let assets = root().join("crates/throng-cli/assets");
    // quick-get is built with the workspace's `guest-lto` profile.
    for (from, to) in [
        ("guest-lto/throng_quick_get.wasm", "quick-get.wasm"),
        ("release/journey_clinician.wasm", "clinician.wasm"),
    ] {
        std::fs::copy(built.join(from), assets.join(to))
            .with_context(|| format!("copying {from}"))?;
        println!("refreshed crates/throng-cli/assets/{to}");
    }
    Ok(())
}

/// Tests compile guests for wasm32-wasip2; a fresh machine lacks the target.
fn ensure_wasm_target() -> Result<()> {
    let installed = Command::new("rustup")
        .args(["target", "list", "--installed"])
        .output()
        .context("running rustup (needed to install the wasm32-wasip2 target)")?;
    if String::from_utf8_lossy(&installed.stdout)
        .lines()
        .any(|l| l.trim() == WASM_TARGET)
    {
        return Ok(());
    }
    let mut add = Command::new("rustup");
    add.args(["target", "add", WASM_TARGET]);
    run(add)
}
