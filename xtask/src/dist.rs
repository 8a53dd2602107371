//! `cargo xtask dist`: the fastest `throng` binary this machine can build,
//! the `dist` profile (whole-program LTO) plus profile-guided optimisation.
//!
//! 1. An instrumented build (`-Cprofile-generate`) in its own target folder.
//! 2. Training: that binary runs the built-in `--url` journey, the bundled
//!    clinician, 10,000 VUs starting at once and 1,000 VUs with think time
//!    against throng's own demo target on 127.0.0.1 (about 30 s). The
//!    target's own profile is written apart and not used.
//! 3. `llvm-profdata merge` (rustup's `llvm-tools`, installed when missing).
//! 4. The optimised build (`-Cprofile-use`), copied to
//!    `$CARGO_TARGET_DIR/dist-pgo/throng`.
//!
//! rustc tracks the profile as an input of every crate, so a new profile
//! rebuilds them all (about 10 minutes here). Training is therefore redone
//! only when the instrumented binary is newer than the profile, that is
//! when the code changed.
//!
//! The training never touches the bench's nginx: the profile comes from
//! the demo a user would run, not from the benchmark it is judged by.

use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};

use crate::{cargo, run};

/// What `build` produced.
#[derive(Debug, Clone)]
pub struct Built {
    /// The profile-optimised binary.
    pub throng: PathBuf,
    /// The merged profile it was built with.
    pub profile: PathBuf,
}

/// Entry point of the `dist` verb.
pub fn main(target_dir: &Path) -> Result<()> {
    let built = build(target_dir)?;
    println!(
        "dist: {} (profile {})",
        built.throng.display(),
        built.profile.display()
    );
    Ok(())
}

/// The host's target triple, from `rustc -vV`.
fn host() -> Result<String> {
    let out = Command::new("rustc")
        .arg("-vV")
        .output()
        .context("running rustc -vV")?;
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .find_map(|l| l.strip_prefix("host: "))
        .map(|h| h.trim().to_owned())
        .context("rustc -vV printed no host")
}

/// `llvm-profdata` of the active toolchain, installing `llvm-tools` with
/// rustup when it is missing.
fn profdata_tool(host: &str) -> Result<PathBuf> {
    let out = Command::new("rustc")
        .args(["--print", "sysroot"])
        .output()
        .context("running rustc --print sysroot")?;
    let sysroot = PathBuf::from(String::from_utf8_lossy(&out.stdout).trim());
    let tool = sysroot.join(format!("lib/rustlib/{host}/bin/llvm-profdata"));
    if !tool.exists() {
        println!("dist: rustup component add llvm-tools");
        let mut add = Command::new("rustup");
        add.args(["component", "add", "llvm-tools"]);
        run(add)?;
    }
    if !tool.exists() {
        bail!(
            "{} is missing after `rustup component add llvm-tools`",
            tool.display()
        );
    }
    Ok(tool)
}

/// One `cargo build --profile dist -p throng-cli` with `flags` as
/// RUSTFLAGS, in `dir`. `--target` keeps the flags off build scripts and
/// proc macros.
fn build_with(dir: &Path, host: &str, flags: &str) -> Result<PathBuf> {
    let mut cmd = cargo();
    cmd.args(["build", "--profile", "dist", "-p", "throng-cli", "--target"])
        .arg(host)
        .arg("--target-dir")
        .arg(dir)
        .env("RUSTFLAGS", flags)
        .env_remove("CARGO_ENCODED_RUSTFLAGS");
    run(cmd)?;
    Ok(dir.join(host).join("dist/throng"))
}

/// Builds the instrumented binary, trains it, merges the profile and builds
/// the optimised binary. Each build is incremental in its own folder.
pub fn build(target_dir: &Path) -> Result<Built> {
    let host = host()?;
    let tool = profdata_tool(&host)?;
    let pgo = target_dir.join("pgo");
    let raw = pgo.join("raw");
    let profile = pgo.join("merged.profdata");

    println!("dist: the instrumented build");
    let generate = build_with(
        &pgo.join("generate"),
        &host,
        &format!("-Cprofile-generate={}", raw.display()),
    )?;

    if newer(&generate, &profile) {
        let _ = std::fs::remove_dir_all(&raw);
        std::fs::create_dir_all(&raw).with_context(|| format!("creating {}", raw.display()))?;
        println!("dist: training against the demo target");
        train(&generate, &pgo)?;
        let mut merge = Command::new(&tool);
        merge.arg("merge").arg("-o").arg(&profile).arg(&raw);
        run(merge)?;
    } else {
        println!("dist: the profile is newer than the instrumented binary; kept");
    }

    println!("dist: the optimised build");
    let optimised = build_with(
        &pgo.join("use"),
        &host,
        &format!("-Cprofile-use={}", profile.display()),
    )?;
    let out_dir = target_dir.join("dist-pgo");
    std::fs::create_dir_all(&out_dir)?;
    let throng = out_dir.join("throng");
    // Copied through a temporary name: a running copy of the old binary
    // keeps its inode.
    let tmp = out_dir.join("throng.tmp");
    std::fs::copy(&optimised, &tmp).with_context(|| format!("copying {}", optimised.display()))?;
    std::fs::rename(&tmp, &throng)?;
    Ok(Built { throng, profile })
}

/// Whether `a` was modified after `b` (or `b` is missing).
fn newer(a: &Path, b: &Path) -> bool {
    let modified = |p: &Path| std::fs::metadata(p).and_then(|m| m.modified()).ok();
    match (modified(a), modified(b)) {
        (Some(a), Some(b)) => a > b,
        _ => true,
    }
}

/// Kills the demo target when training ends, however it ends.
struct Target(Child);

impl Drop for Target {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// The training runs. Each is bounded by its own `--duration`.
fn train(throng: &Path, pgo: &Path) -> Result<()> {
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0")?;
        l.local_addr()?.port()
    };
    let base = format!("http://127.0.0.1:{port}");
    let _target = Target(
        Command::new(throng)
            .args(["target", "--addr", &format!("127.0.0.1:{port}")])
            .args(["--query-latency", "0ms"])
            // The target's profile is not the load generator's.
            .env(
                "LLVM_PROFILE_FILE",
                pgo.join("target-%p.profraw").display().to_string(),
            )
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .context("starting the demo target")?,
    );
    let deadline = Instant::now() + Duration::from_secs(10);
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        if Instant::now() > deadline {
            bail!("the demo target did not listen on {port}");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let health = format!("{base}/health");
    let clinician = crate::root().join("crates/throng-cli/assets/clinician.wasm");
    let out = pgo.join("train.json");
    let runs: [Vec<String>; 4] = [
        args(&["run", "--url", &health, "--vus", "50", "--duration", "8s"]),
        args(&[
            "run",
            &clinician.display().to_string(),
            "--vus",
            "50",
            "--duration",
            "8s",
            "-p",
            &format!("base_url={base}"),
            "-p",
            "think_min_s=0",
            "-p",
            "think_max_s=0",
        ]),
        args(&[
            "run",
            "--url",
            &health,
            "--vus",
            "10000",
            "--duration",
            "4s",
            "--think-time",
            "60s",
            "--graceful-stop",
            "0s",
        ]),
        args(&[
            "run",
            "--url",
            &health,
            "--vus",
            "1000",
            "--duration",
            "6s",
            "--think-time",
            "1s..2s",
        ]),
    ];
    for a in runs {
        let mut cmd = Command::new(throng);
        cmd.args(&a)
            .arg("--quiet")
            .arg("--out")
            .arg(&out)
            .env(
                "LLVM_PROFILE_FILE",
                pgo.join("raw/throng-%m.profraw").display().to_string(),
            )
            .stdout(Stdio::null());
        run(cmd)?;
    }
    Ok(())
}

fn args(a: &[&str]) -> Vec<String> {
    a.iter().map(|s| (*s).to_owned()).collect()
}
