//! Finding the target and the peers, and installing what is missing:
//! Debian packages with apt-get, oha with `cargo install`, Locust with pip
//! in a venv, and a Goose load test built from `xtask/src/bench/goose`
//! (Goose is a library: a load test is a program built against it). A
//! peer that cannot be installed is reported missing, not fatal; only
//! nginx and throng are required.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use anyhow::{Context, Result, bail};

/// oha's version, pinned so every run measures the same peer.
pub const OHA_VERSION: &str = "1.16.0";
/// Locust's version, pinned likewise.
pub const LOCUST_VERSION: &str = "2.47.0";

/// The programs of a bench run.
#[derive(Debug, Clone)]
pub struct Tools {
    /// The throng binary of this workspace as `cargo xtask dist` builds it:
    /// the `dist` profile with profile-guided optimisation.
    pub throng: PathBuf,
    /// The release xtask binary (its `__count-server`, `__hyper` and
    /// `__crowd` helpers).
    pub xtask: PathBuf,
    /// The bare wasmtime crowd (`throng-host`'s `wasm_crowd` example),
    /// release build.
    pub wasm_crowd: PathBuf,
    /// Debian's nginx.
    pub nginx: PathBuf,
    /// wrk, if installed.
    pub wrk: Option<PathBuf>,
    /// hey, if installed.
    pub hey: Option<PathBuf>,
    /// ab (apache2-utils), if installed.
    pub ab: Option<PathBuf>,
    /// oha, if installed.
    pub oha: Option<PathBuf>,
    /// Locust in its venv, if installed.
    pub locust: Option<PathBuf>,
    /// The Goose load test of `xtask/src/bench/goose`, if it built.
    pub goose: Option<PathBuf>,
    /// `(tool, why)` for each peer that could not be installed.
    pub missing: Vec<(String, String)>,
    /// Versions of each tool, for the report.
    pub versions: Vec<(String, String)>,
}

fn which(name: &str) -> Option<PathBuf> {
    let out = Command::new("which").arg(name).output().ok()?;
    let path = String::from_utf8_lossy(&out.stdout).trim().to_owned();
    (out.status.success() && !path.is_empty()).then(|| PathBuf::from(path))
}

fn quiet_status(cmd: &mut Command) -> bool {
    cmd.stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

struct Apt {
    updated: bool,
}

impl Apt {
    /// Installs the first of `packages` that apt-get installs, running
    /// `apt-get update` once first.
    fn install(&mut self, packages: &[&str]) -> bool {
        if !self.updated {
            println!("bench: apt-get update");
            self.updated = true;
            let _ = quiet_status(Command::new("apt-get").args(["update", "-qq"]));
        }
        packages.iter().any(|p| {
            println!("bench: apt-get install -y {p}");
            quiet_status(
                Command::new("apt-get")
                    .args(["install", "-y", "-qq", p])
                    .env("DEBIAN_FRONTEND", "noninteractive"),
            )
        })
    }
}

fn version(program: &Path, args: &[&str]) -> String {
    Command::new(program)
        .args(args)
        .output()
        .map(|o| {
            let text = format!(
                "{}{}",
                String::from_utf8_lossy(&o.stdout),
                String::from_utf8_lossy(&o.stderr)
            );
            text.lines()
                .find(|l| !l.trim().is_empty())
                .unwrap_or("")
                .trim()
                .to_owned()
        })
        .unwrap_or_default()
}

/// Finds or installs every tool. `root` is the workspace, `target_dir` the
/// cargo target folder holding the release `throng`.
pub fn ensure(root: &Path, target_dir: &Path) -> Result<Tools> {
    let mut apt = Apt { updated: false };
    let mut missing = Vec::new();
    let mut debian = |bin: &str, packages: &[&str], apt: &mut Apt| -> Option<PathBuf> {
        if let Some(p) = which(bin) {
            return Some(p);
        }
        if apt.install(packages)
            && let Some(p) = which(bin)
        {
            return Some(p);
        }
        missing.push((
            bin.to_owned(),
            format!("apt-get install {} failed", packages.join(" or ")),
        ));
        None
    };
    let Some(nginx) = which("nginx").or_else(|| {
        apt.install(&["nginx-light", "nginx"]);
        which("nginx")
    }) else {
        bail!("nginx is required and `apt-get install -y nginx-light` (or nginx) failed");
    };
    let wrk = debian("wrk", &["wrk"], &mut apt);
    let hey = debian("hey", &["hey"], &mut apt);
    let ab = debian("ab", &["apache2-utils"], &mut apt);
    if which("taskset").is_none() && !apt.install(&["util-linux"]) {
        bail!("taskset (util-linux) is required");
    }

    let toolchains = root.join(".toolchains");
    // oha's own `release-ci` profile (LTO, one codegen unit, as its
    // Cargo.toml sets for its CI's release builds), which matches throng's
    // `dist` build. Its own folder, so an oha installed with the plain
    // release profile by an older harness is not reused.
    let oha_root = toolchains.join("oha");
    let oha_bin = oha_root.join("bin/oha");
    let installed_oha = version(&oha_bin, &["--version"]);
    if !installed_oha.contains(OHA_VERSION) {
        println!("bench: cargo install oha {OHA_VERSION} --profile release-ci (a few minutes)");
        let ok = quiet_status(
            Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into())).args([
                "install",
                "oha",
                "--version",
                OHA_VERSION,
                "--locked",
                "--profile",
                "release-ci",
                "--root",
                &oha_root.to_string_lossy(),
            ]),
        );
        if !ok {
            missing.push((
                "oha".into(),
                format!("cargo install oha {OHA_VERSION} failed"),
            ));
        }
    }
    let oha = oha_bin.exists().then_some(oha_bin);

    let venv = toolchains.join("bench-venv");
    let locust_bin = venv.join("bin/locust");
    if !version(&locust_bin, &["--version"]).contains(LOCUST_VERSION) {
        println!(
            "bench: pip install locust=={LOCUST_VERSION} into {}",
            venv.display()
        );
        let made = venv.join("bin/pip").exists()
            || quiet_status(Command::new("python3").args(["-m", "venv"]).arg(&venv))
            || (apt.install(&["python3-venv"])
                && quiet_status(Command::new("python3").args(["-m", "venv"]).arg(&venv)));
        let ok = made
            && quiet_status(Command::new(venv.join("bin/pip")).args([
                "install",
                "-q",
                &format!("locust=={LOCUST_VERSION}"),
            ]));
        if !ok {
            missing.push((
                "locust".into(),
                format!("pip install locust=={LOCUST_VERSION} failed"),
            ));
        }
    }
    let locust = locust_bin.exists().then_some(locust_bin);

    // Cargo rebuilds only what changed; the lock file pins every crate.
    let goose_target = toolchains.join("goose-target");
    let goose_bin = goose_target.join("release/goose-bench");
    if !goose_bin.exists() {
        println!("bench: building the Goose load test (a few minutes)");
    }
    let built = quiet_status(
        Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
            .args(["build", "--release", "--locked", "--manifest-path"])
            .arg(root.join("xtask/src/bench/goose/Cargo.toml"))
            .env("CARGO_TARGET_DIR", &goose_target),
    );
    if !built {
        missing.push((
            "goose".into(),
            "cargo build of xtask/src/bench/goose failed".into(),
        ));
    }
    let goose = (built && goose_bin.exists()).then_some(goose_bin);

    let throng = target_dir.join("dist-pgo/throng");
    if !throng.exists() {
        bail!(
            "{} is missing: the bench builds it with `cargo xtask dist` first",
            throng.display()
        );
    }
    // The harness's own helpers, built from this workspace in release
    // (wasmtime is the tests' build, not a second one).
    let mut helpers = crate::cargo();
    helpers.args([
        "build",
        "--release",
        "--quiet",
        "-p",
        "xtask",
        "-p",
        "throng-host",
        "--bin",
        "xtask",
        "--example",
        "wasm_crowd",
    ]);
    crate::run(helpers).context("building the bench's helpers")?;
    let xtask = target_dir.join("release/xtask");
    let wasm_crowd = target_dir.join("release/examples/wasm_crowd");

    let mut versions = vec![
        ("throng".to_owned(), version(&throng, &["--version"])),
        ("nginx".to_owned(), version(&nginx, &["-v"])),
    ];
    for (name, path, args) in [
        ("wrk", &wrk, &["-v"][..]),
        ("ab", &ab, &["-V"][..]),
        ("oha", &oha, &["--version"][..]),
        ("locust", &locust, &["--version"][..]),
        ("goose", &goose, &["--version"][..]),
    ] {
        if let Some(p) = path {
            versions.push((name.to_owned(), version(p, args)));
        }
    }
    if hey.is_some() {
        let v = Command::new("dpkg-query")
            .args(["-W", "-f", "${Version}", "hey"])
            .output()
            .map(|o| format!("hey (Debian {})", String::from_utf8_lossy(&o.stdout)))
            .unwrap_or_default();
        versions.push(("hey".to_owned(), v));
    }
    Ok(Tools {
        throng,
        xtask,
        wasm_crowd,
        nginx,
        wrk,
        hey,
        ab,
        oha,
        locust,
        goose,
        missing,
        versions,
    })
}
