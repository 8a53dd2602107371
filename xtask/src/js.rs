//! The JavaScript toolchain and the JavaScript example journeys.
//!
//! componentize-js is pinned by `guest-sdk/js/package.json` and its
//! `package-lock.json`; [`ensure_toolchain`] installs exactly that lock into
//! `<repo>/.toolchains/js` and does nothing (no network) when the installed
//! lock is the committed one. It runs `npm install` with the lock rather
//! than `npm ci`: npm 11's `ci` refuses this lock because some of jco's
//! optional per-platform packages have no version in it, while `install`
//! installs exactly the locked versions. [`build_examples`] turns each
//! journey under `examples/journeys/*-js` into `<out>/<name>.wasm`, skipping
//! one whose inputs have not changed since its last build.

use std::collections::hash_map::DefaultHasher;
use std::fs;
use std::hash::{Hash, Hasher};
use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, Result, bail};

/// The JavaScript journeys to build: name (folder under
/// `examples/journeys`, and output file stem) and the WIT world.
const EXAMPLES: [(&str, &str); 3] = [
    ("clinician-js", "vu"),
    ("hello-js", "vu"),
    ("sandbox-js", "sandbox"),
];

/// StarlingMonkey features throng does not provide: the guest never serves
/// HTTP, so no `wasi:http/incoming-handler` export. `fetch` (wasi:http
/// outgoing), stdio, clocks and random stay.
const DISABLED_FEATURES: [&str; 1] = ["fetch-event"];

/// Where the toolchain lives: `<root>/.toolchains/js`.
fn toolchain_dir(root: &Path) -> PathBuf {
    root.join(".toolchains").join("js")
}

/// The componentize-js command-line entry point inside the toolchain.
fn componentize_cli(toolchain: &Path) -> PathBuf {
    toolchain.join("node_modules/@bytecodealliance/componentize-js/src/cli.js")
}

/// Install the pinned componentize-js into `<root>/.toolchains/js` unless
/// the lock installed there is already the committed one. Returns the
/// toolchain folder.
pub fn ensure_toolchain(root: &Path) -> Result<PathBuf> {
    let sdk = root.join("guest-sdk/js");
    let dir = toolchain_dir(root);
    let manifest = read(&sdk.join("package.json"))?;
    let lock = read(&sdk.join("package-lock.json"))?;
    let stamp = dir.join(".installed-lock.json");
    if componentize_cli(&dir).exists() && fs::read(&stamp).is_ok_and(|s| s == lock) {
        return Ok(dir);
    }
    fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
    fs::write(dir.join("package.json"), &manifest)?;
    fs::write(dir.join("package-lock.json"), &lock)?;
    println!("installing componentize-js into {}", dir.display());
    let mut npm = Command::new("npm");
    npm.current_dir(&dir)
        .args(["install", "--prefer-offline", "--no-audit", "--no-fund"]);
    run(
        npm,
        "npm (Node.js 18 or later is needed to build JavaScript journeys)",
    )?;
    fs::write(&stamp, &lock)?;
    Ok(dir)
}

/// Build every JavaScript example journey into `<out>/<name>.wasm`.
pub fn build_examples(root: &Path, out: &Path) -> Result<()> {
    let toolchain = ensure_toolchain(root)?;
    fs::create_dir_all(out).with_context(|| format!("creating {}", out.display()))?;
    for (name, world) in EXAMPLES {
        let source = root.join("examples/journeys").join(name);
        let wit = wit_dir(root, &source, out, name)?;
        let target = out.join(format!("{name}.wasm"));
        let stamp = out.join(format!("{name}.wasm.inputs"));
        let inputs = fingerprint(&[
            &source,
            &wit,
            &root.join("guest-sdk/js/throng.js"),
            &root.join("guest-sdk/js/package-lock.json"),
        ])?;
        if target.exists() && fs::read_to_string(&stamp).is_ok_and(|s| s == inputs) {
            continue;
        }
        println!("building {}", target.display());
        // componentize-js reads imported modules through a sandbox rooted
        // at the working directory, so the journey's relative import of
        // guest-sdk/js/throng.js resolves only from the repository root.
        let mut node = Command::new("node");
        node.current_dir(root)
            .arg(componentize_cli(&toolchain))
            .arg(Path::new("examples/journeys").join(name).join("journey.js"))
            .arg("--wit")
            .arg(&wit)
            .args(["--world-name", world, "--disable"])
            .args(DISABLED_FEATURES)
            .arg("--out")
            .arg(&target);
        run(node, "node")?;
        fs::write(&stamp, inputs)?;
    }
    Ok(())
}

/// The WIT folder a journey builds against: the repository's `wit/`, or,
/// for a journey with its own `wit/` (a world that adds imports), a copy of
/// that folder under `out` with the repository's `vu.wit` in its `deps/`.
fn wit_dir(root: &Path, source: &Path, out: &Path, name: &str) -> Result<PathBuf> {
    let own = source.join("wit");
    if !own.is_dir() {
        return Ok(root.join("wit"));
    }
    let dir = out.join(format!(".wit-{name}"));
    let _ = fs::remove_dir_all(&dir);
    copy_dir(&own, &dir)?;
    fs::create_dir_all(dir.join("deps"))?;
    fs::copy(root.join("wit/vu.wit"), dir.join("deps/vu.wit")).context("copying wit/vu.wit")?;
    Ok(dir)
}

fn copy_dir(from: &Path, to: &Path) -> Result<()> {
    fs::create_dir_all(to).with_context(|| format!("creating {}", to.display()))?;
    for entry in fs::read_dir(from).with_context(|| format!("reading {}", from.display()))? {
        let entry = entry?;
        let path = entry.path();
        if path.is_dir() {
            copy_dir(&path, &to.join(entry.file_name()))?;
        } else {
            fs::copy(&path, to.join(entry.file_name()))
                .with_context(|| format!("copying {}", path.display()))?;
        }
    }
    Ok(())
}

/// A hash of every file's path and contents under `paths`, in a stable
/// order: equal fingerprints mean nothing a build reads has changed.
fn fingerprint(paths: &[&Path]) -> Result<String> {
    let mut files = Vec::new();
    for path in paths {
        collect(path, &mut files)?;
    }
    files.sort();
    let mut hasher = DefaultHasher::new();
    for file in files {
        file.hash(&mut hasher);
        read(&file)?.hash(&mut hasher);
    }
    Ok(format!("{:016x}", hasher.finish()))
}

fn collect(path: &Path, files: &mut Vec<PathBuf>) -> Result<()> {
    if path.is_dir() {
        for entry in fs::read_dir(path).with_context(|| format!("reading {}", path.display()))? {
            collect(&entry?.path(), files)?;
        }
    } else {
        files.push(path.to_path_buf());
    }
    Ok(())
}

fn read(path: &Path) -> Result<Vec<u8>> {
    fs::read(path).with_context(|| format!("reading {}", path.display()))
}

fn run(mut cmd: Command, what: &str) -> Result<()> {
    let shown = format!("{cmd:?}");
    let status = cmd
        .status()
        .with_context(|| format!("running {what}: {shown}"))?;
    if !status.success() {
        bail!("{shown} failed with {status}");
    }
    Ok(())
}
