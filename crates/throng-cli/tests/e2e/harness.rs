//! A tiny harness: start a target, run `throng`, read what it wrote.

use std::path::{Path, PathBuf};
use std::process::Output;
use std::sync::LazyLock;

use tempfile::TempDir;
use throng_metrics::RunResults;
use throng_target::{Target, TargetConfig};
use tokio::sync::{Mutex, MutexGuard};

/// Load tests take turns: two cores shared by parallel runs would blur the
/// latencies they assert on.
static LOAD: LazyLock<Mutex<()>> = LazyLock::new(|| Mutex::new(()));

/// Hold this while a test generates load.
pub async fn exclusive() -> MutexGuard<'static, ()> {
    LOAD.lock().await
}

/// A demo target on a free port.
pub async fn target() -> Target {
    target_with(TargetConfig::default()).await
}

/// A demo target with `config` on a free port.
pub async fn target_with(config: TargetConfig) -> Target {
    Target::start(config).await.expect("demo target starts")
}

/// The result of one `throng` invocation.
pub struct Throng {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
    pub results: Option<RunResults>,
    /// Where `run` and `demo` wrote their results (`--out`).
    pub results_file: PathBuf,
    /// Keeps the results folder alive for the test.
    _dir: TempDir,
}

impl Throng {
    /// Parsed results; panics with the run's output when there are none.
    pub fn results(&self) -> &RunResults {
        self.results
            .as_ref()
            .unwrap_or_else(|| panic!("no results written\n{self}"))
    }
}

impl std::fmt::Display for Throng {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "exit {}\n--- stdout\n{}\n--- stderr\n{}",
            self.code, self.stdout, self.stderr
        )
    }
}

/// Run `throng ARGS... --out <tmp>/results.json` and collect everything.
pub async fn throng<I, S>(args: I) -> Throng
where
    I: IntoIterator<Item = S>,
    S: AsRef<std::ffi::OsStr>,
{
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("results.json");
    let mut args: Vec<std::ffi::OsString> =
        args.into_iter().map(|a| a.as_ref().to_owned()).collect();
    if args.first().is_some_and(|a| a == "run" || a == "demo") {
        args.extend(["--out".into(), out.clone().into_os_string()]);
    }
    let output = command(&args, dir.path()).await;
    let results = out.exists().then(|| {
        let file = std::fs::File::open(&out).unwrap();
        RunResults::from_json(file).expect("results parse")
    });
    Throng {
        code: output.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        results,
        results_file: out,
        _dir: dir,
    }
}

async fn command(args: &[std::ffi::OsString], cwd: &Path) -> Output {
    tokio::process::Command::new(env!("CARGO_BIN_EXE_throng"))
        .args(args)
        .current_dir(cwd)
        .env("NO_COLOR", "1")
        .env("THRONG_CACHE_DIR", cache_dir())
        .kill_on_drop(true)
        .output()
        .await
        .expect("throng runs")
}

/// One compiled-module cache for the whole test run, outside the user's.
pub fn cache_dir() -> PathBuf {
    static DIR: LazyLock<TempDir> = LazyLock::new(|| tempfile::tempdir().unwrap());
    DIR.path().to_path_buf()
}

/// A port on 127.0.0.1 where nothing listens.
pub fn closed_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.local_addr().unwrap().port()
}

/// Asserts `$cond`, printing the run's whole output when it fails.
#[macro_export]
macro_rules! check {
    ($run:expr, $cond:expr $(,)?) => {
        assert!($cond, "{} failed\n{}", stringify!($cond), $run)
    };
    ($run:expr, $cond:expr, $($fmt:tt)+) => {
        assert!($cond, "{}\n{}", format!($($fmt)+), $run)
    };
}
