//! Python journeys: the pinned componentize-py in a project-local venv, and
//! the build of every Python example and test guest into a component.
//!
//! The toolchain lives in `<repo>/.toolchains/python` (a venv made with the
//! machine's `python3`, or `$THRONG_PYTHON`); a stamp file names the pinned
//! version, so a second call with everything present spawns nothing.
//!
//! A Python guest is a folder named `<name>-py` under `examples/journeys/`
//! or `crates/test-guests/python/`; its module is `<name>` with `-` as `_`
//! (`clinician-py/clinician.py`). It builds against `wit/` world `vu`, or
//! the world named in the folder's optional `world` file, with
//! `guest-sdk/python` on the Python path, to `<out>/<name>-py.wasm`. A
//! component newer than every input (the folder, the SDK, `wit/`, the
//! toolchain stamp) is not rebuilt: each build takes tens of seconds.

use std::env;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::SystemTime;

use anyhow::{Context, Result, bail};

/// The componentize-py release journeys are built with.
pub const COMPONENTIZE_PY: &str = "componentize-py==0.25.1";

/// Folders holding Python guests, relative to the repository root.
const GUEST_DIRS: [&str; 2] = ["examples/journeys", "crates/test-guests/python"];

/// Make sure the pinned componentize-py is installed under
/// `<root>/.toolchains/python`; returns the path of its executable.
pub fn ensure_toolchain(root: &Path) -> Result<PathBuf> {
    let venv = root.join(".toolchains/python");
    let exe = venv.join("bin/componentize-py");
    let stamp = venv.join("throng-toolchain");
    if exe.exists() && fs::read_to_string(&stamp).is_ok_and(|s| s.trim() == COMPONENTIZE_PY) {
        return Ok(exe);
    }
    let python = env::var_os("THRONG_PYTHON").unwrap_or_else(|| "python3".into());
    println!("installing {COMPONENTIZE_PY} into {}", venv.display());
    if !venv.join("bin/python").exists() {
        let mut make = Command::new(&python);
        make.arg("-m").arg("venv").arg(&venv);
        super::run(make).context("making the Python venv (needs python3 >= 3.10 with venv)")?;
    }
    let mut pip = Command::new(venv.join("bin/python"));
    pip.args([
        "-m",
        "pip",
        "install",
        "--quiet",
        "--disable-pip-version-check",
        COMPONENTIZE_PY,
    ]);
    super::run(pip)?;
    fs::write(&stamp, COMPONENTIZE_PY).with_context(|| format!("writing {}", stamp.display()))?;
    Ok(exe)
}

/// Build every Python guest into `<out>/<folder>.wasm`, skipping those
/// already newer than their inputs.
pub fn build_examples(root: &Path, out: &Path) -> Result<()> {
    let exe = ensure_toolchain(root)?;
    fs::create_dir_all(out).with_context(|| format!("creating {}", out.display()))?;
    for dir in guests(root)? {
        let folder = dir.file_name().unwrap_or_default().to_string_lossy();
        let wasm = out.join(format!("{folder}.wasm"));
        let module = folder.trim_end_matches("-py").replace('-', "_");
        let world = match fs::read_to_string(dir.join("world")) {
            Ok(w) => w.trim().to_owned(),
            Err(_) => "vu".to_owned(),
        };
        let inputs = [
            dir.clone(),
            root.join("guest-sdk/python"),
            root.join("wit"),
            root.join(".toolchains/python/throng-toolchain"),
        ];
        if is_fresh(&wasm, &inputs) {
            continue;
        }
        println!(
            "building {} (componentize-py, world {world})",
            wasm.display()
        );
        let mut cmd = Command::new(&exe);
        cmd.current_dir(root)
            .arg("-d")
            .arg(root.join("wit"))
            .args(["-w", &world, "componentize", "-p"])
            .arg(&dir)
            .arg("-p")
            .arg(root.join("guest-sdk/python"))
            .arg(&module)
            .arg("-o")
            .arg(&wasm);
        super::run(cmd)?;
    }
    Ok(())
}

/// The Python guest folders (`*-py`), sorted.
fn guests(root: &Path) -> Result<Vec<PathBuf>> {
    let mut found = Vec::new();
    for parent in GUEST_DIRS {
        let parent = root.join(parent);
        let Ok(entries) = fs::read_dir(&parent) else {
            continue;
        };
        for entry in entries {
            let path = entry
                .with_context(|| format!("reading {}", parent.display()))?
                .path();
            if path.is_dir() && path.to_string_lossy().ends_with("-py") {
                found.push(path);
            }
        }
    }
    found.sort();
    if found.is_empty() {
        bail!("no Python guests (folders named *-py) under {GUEST_DIRS:?}");
    }
    Ok(found)
}

/// Whether `wasm` exists and is newer than every file under `inputs`.
fn is_fresh(wasm: &Path, inputs: &[PathBuf]) -> bool {
    let Ok(built) = fs::metadata(wasm).and_then(|m| m.modified()) else {
        return false;
    };
    inputs.iter().all(|p| newest(p).is_some_and(|t| t <= built))
}

/// The newest modification time of `path` and the files below it, ignoring
/// the `__pycache__` folders componentize-py writes beside the sources.
fn newest(path: &Path) -> Option<SystemTime> {
    let meta = fs::metadata(path).ok()?;
    let mut time = meta.modified().ok()?;
    if meta.is_dir() {
        for entry in fs::read_dir(path).ok()?.flatten() {
            if entry.file_name() == "__pycache__" {
                continue;
            }
            time = time.max(newest(&entry.path())?);
        }
    }
    Some(time)
}
