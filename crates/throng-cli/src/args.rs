//! The command line. The `///` comments are the help text.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use clap::{Args, Parser, Subcommand};
use throng_http::{AllowHostError, AllowedHost};

/// throng: load tests whose virtual users are WebAssembly components.
#[derive(Debug, Parser)]
#[command(name = "throng", version, about, long_about = None)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run a journey (`journey.wasm`), a plan (`plan.toml`), or a quick GET
    /// load against `--url`.
    Run(Box<RunArgs>),
    /// Start the bundled demo target and run the clinician journey against
    /// it.
    Demo(DemoArgs),
    /// Serve the demo target until Ctrl-C, for trying journeys by hand.
    Target(TargetArgs),
    /// Compare two results files: the change per metric and per endpoint,
    /// and a regression gate (exit 1 when a figure got worse than allowed).
    Compare(CompareArgs),
    /// Render a results file as a self-contained HTML report.
    Report(ReportArgs),
    /// Show what a module is: its contract version, exports, imports (each
    /// provided or missing), tasks and weights, and whether throng can run
    /// it (exit 0) or not (exit 2).
    Inspect(InspectArgs),
    /// Create a journey project (Rust, JavaScript or Python) that builds
    /// with one command and runs against the demo target.
    Init(InitArgs),
}

#[derive(Debug, Args)]
pub struct InitArgs {
    /// The project's name: letters, digits, `-` or `_`, starting with a
    /// letter. It names the folder too, unless `--dir` is given.
    pub name: String,

    /// The language the journey is written in.
    #[arg(long, value_enum, default_value_t = Lang::Rust)]
    pub lang: Lang,

    /// Where to create the project [default: ./NAME]; it must not exist or
    /// be empty.
    #[arg(long, value_name = "DIR")]
    pub dir: Option<PathBuf>,
}

/// A language `throng init` can scaffold.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Lang {
    /// Rust, with the throng SDK (`cargo build --release`).
    Rust,
    /// JavaScript, built with componentize-js.
    Js,
    /// Python, built with componentize-py.
    Python,
}

impl Lang {
    /// The name shown to the user.
    pub fn label(self) -> &'static str {
        match self {
            Lang::Rust => "rust",
            Lang::Js => "js",
            Lang::Python => "python",
        }
    }
}

#[derive(Debug, Args)]
pub struct InspectArgs {
    /// A journey component (`.wasm`).
    pub module: PathBuf,

    /// Print the report as JSON.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct ReportArgs {
    /// A results file (`--out` of `throng run`).
    pub results: PathBuf,

    /// Where to write the report [default: RESULTS with the extension
    /// `.html`, e.g. `results.html` beside `results.json`].
    #[arg(long, short = 'o', value_name = "FILE")]
    pub output: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct CompareArgs {
    /// The results of the last good run (`--out` of `throng run`).
    pub base: PathBuf,

    /// The results to judge.
    pub new: PathBuf,

    /// Fail (exit 1) when a latency, the error rate or the throughput got
    /// more than this much worse, e.g. `20%`.
    #[arg(long, value_name = "PERCENT")]
    pub max_regression: Option<String>,

    /// Never color the output.
    #[arg(long)]
    pub no_color: bool,
}

#[derive(Debug, Args)]
pub struct RunArgs {
    /// A journey component (`.wasm`) or a plan file (`.toml`).
    #[arg(required_unless_present = "url", conflicts_with = "url")]
    pub target: Option<PathBuf>,

    /// Quick mode: load this URL with the built-in one-request journey.
    #[arg(long, value_name = "URL")]
    pub url: Option<String>,

    /// Quick mode: the request method.
    #[arg(long, short = 'm', requires = "url", default_value = "GET")]
    pub method: String,

    /// Quick mode: the request body.
    #[arg(long, short = 'd', requires = "url")]
    pub body: Option<String>,

    #[command(flatten)]
    pub load: LoadArgs,

    #[command(flatten)]
    pub output: OutputArgs,
}

/// Flags that shape the load; each overrides the plan file.
#[derive(Debug, Clone, Args, Default)]
pub struct LoadArgs {
    /// Number of virtual users.
    #[arg(long, short = 'u')]
    pub vus: Option<u32>,

    /// How long VUs keep starting iterations (constant-vus), e.g. `30s`,
    /// `2m`.
    #[arg(long, value_parser = parse_duration)]
    pub duration: Option<Duration>,

    /// Iterations per VU (per-vu-iterations).
    #[arg(long, short = 'i')]
    pub iterations: Option<u64>,

    /// Upper bound on a per-vu-iterations run.
    #[arg(long, value_parser = parse_duration)]
    pub max_duration: Option<Duration>,

    /// Pause between a VU's iterations: `2s`, a range `1s..5s`, or pacing
    /// `every 2s` (start an iteration every 2 s whatever it took).
    #[arg(long)]
    pub think_time: Option<String>,

    /// Cap each VU at this many iterations per second (hey's `-q`).
    #[arg(long, value_name = "PER_SECOND")]
    pub rate_per_vu: Option<f64>,

    /// Multiply every duration and VU count of the plan (shared iteration
    /// totals too): `--scale 0.05` runs a plan briefly.
    #[arg(long, value_name = "FACTOR", value_parser = parse_scale)]
    pub scale: Option<f64>,

    /// Folder to look for modules a plan names when they are not beside the
    /// plan (repeatable), e.g. `target/wasm32-wasip2/release`.
    #[arg(long = "module-dir", value_name = "DIR", env = "THRONG_MODULE_DIR")]
    pub module_dirs: Vec<PathBuf>,

    /// How long iterations in flight may finish once the run ends.
    #[arg(long, value_parser = parse_duration)]
    pub graceful_stop: Option<Duration>,

    /// A parameter for the journey, `key=value` (repeatable).
    #[arg(long = "param", short = 'p', value_name = "KEY=VALUE", value_parser = parse_param)]
    pub params: Vec<(String, String)>,

    /// A threshold, `METRIC: EXPRESSION`, e.g.
    /// `http_req_duration: p(95) < 500ms` (repeatable).
    #[arg(long = "threshold", value_name = "METRIC: EXPR")]
    pub thresholds: Vec<String>,

    /// A stored earlier result (a `--out` file) that thresholds read as
    /// `previous`, e.g. `p(95) < previous.p(95) + 20%`; overrides the
    /// plan's `previous`.
    #[arg(long, value_name = "RESULTS.json")]
    pub previous: Option<PathBuf>,

    /// Fail the run when any metric is more than this much worse than in
    /// `--previous`, e.g. `20%` (as `throng compare --max-regression`).
    #[arg(long, value_name = "PERCENT")]
    pub max_regression: Option<String>,

    /// Accept any TLS certificate (self-signed targets).
    #[arg(long)]
    pub insecure: bool,

    /// A host requests may go to, `HOST[:PORT]`, `*.DOMAIN[:PORT]` or an IP
    /// address (repeatable): adds to the plan's `allow_hosts`, or to the
    /// default, the hosts of the URLs in the params. Without a port any
    /// port matches. `*` turns the check off.
    #[arg(long = "allow-host", value_name = "HOST[:PORT]", value_parser = parse_allow_host)]
    pub allow_hosts: Vec<AllowedHost>,

    /// Default deadline of one request.
    #[arg(long, value_parser = parse_duration)]
    pub timeout: Option<Duration>,

    /// Deadline of opening a connection: DNS, TCP connect and TLS
    /// handshake (default 10s).
    #[arg(long, value_parser = parse_duration)]
    pub connect_timeout: Option<Duration>,

    /// VUs share at most N connections instead of keeping one each (per
    /// origin): a request waits for a free one, and the wait shows as
    /// `blocked`. For many VUs that mostly think: they then need N open
    /// files and local ports, not one per VU.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..))]
    pub shared_connections: Option<u64>,

    /// Compile the module even if a cached build exists.
    #[arg(long)]
    pub no_cache: bool,

    /// Folder for compiled modules (default: the user's cache folder).
    #[arg(long, env = "THRONG_CACHE_DIR", value_name = "DIR")]
    pub cache_dir: Option<PathBuf>,

    /// Linear memory each VU may use, in MiB (default 64); a guest that
    /// grows past it traps and loses its iteration.
    #[arg(long, value_name = "MIB")]
    pub max_vu_memory: Option<u64>,

    /// How long one iteration (or `on_start`, `on_stop`) may run, e.g.
    /// `30s` (default 10m); past it the guest is stopped and the iteration
    /// fails.
    #[arg(long, value_parser = parse_duration)]
    pub iteration_timeout: Option<Duration>,

    /// The largest response body a VU may keep in memory, in MiB (default
    /// 64); a larger one fails its request as `denied`. Bodies read in
    /// discard mode are not capped.
    #[arg(long, value_name = "MIB")]
    pub max_kept_body: Option<u64>,

    /// Log lines each VU may write per second (default 20); the rest are
    /// counted as dropped. 0 silences guest logs.
    #[arg(long, value_name = "PER_SECOND")]
    pub log_rate: Option<u32>,

    /// How each VU's memory is laid out: `fast` (guard regions, shared
    /// copy-on-write images), `compact` (fewer memory mappings and less
    /// resident memory per VU, bounds checked by the guest's code), or
    /// `auto`: fast unless the VUs would exceed the kernel's cap on
    /// memory mappings.
    #[arg(long, value_enum, default_value_t = LayoutArg::Auto)]
    pub memory_layout: LayoutArg,
}

/// The `--memory-layout` choices.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum LayoutArg {
    /// Fast unless the VUs need the compact layout.
    #[default]
    Auto,
    /// wasmtime's defaults: guard regions and copy-on-write images.
    Fast,
    /// One mapping per memory, sized to it.
    Compact,
}

impl LayoutArg {
    /// The layout asked for, if any.
    pub fn wanted(self) -> Option<throng_host::MemoryLayout> {
        match self {
            LayoutArg::Auto => None,
            LayoutArg::Fast => Some(throng_host::MemoryLayout::Fast),
            LayoutArg::Compact => Some(throng_host::MemoryLayout::Compact),
        }
    }
}

/// Where results go.
#[derive(Debug, Args, Default)]
pub struct OutputArgs {
    /// Write the results as JSON (schema `throng.results/v1`).
    #[arg(long, short = 'o', value_name = "FILE")]
    pub out: Option<PathBuf>,

    /// With `--out`: replace the file with the results so far every
    /// INTERVAL while the run goes (atomically, marked `"partial": true`),
    /// so a crash loses at most that much; `0` turns snapshots off.
    #[arg(long, value_name = "INTERVAL", default_value = "10s", value_parser = parse_duration)]
    pub snapshot_interval: Duration,

    /// Write CSV statistics: `PREFIX_stats.csv` (per endpoint) and
    /// `PREFIX_stats_history.csv` (per second), Locust's columns.
    #[arg(long, value_name = "PREFIX")]
    pub csv: Option<PathBuf>,

    /// Write JUnit XML: one test case per threshold and per check.
    #[arg(long, value_name = "FILE")]
    pub junit: Option<PathBuf>,

    /// Write a self-contained HTML report: verdict, tables, and charts over
    /// time (`throng report` renders one from a results file).
    #[arg(long, value_name = "FILE")]
    pub html: Option<PathBuf>,

    /// Serve Prometheus metrics at `http://HOST:PORT/metrics` while the
    /// run goes (OpenMetrics text); port 0 takes a free port, printed at
    /// the start.
    #[arg(long, value_name = "HOST:PORT", value_parser = parse_listen_addr)]
    pub metrics_addr: Option<SocketAddr>,

    /// Stream the run to FILE as JSON lines while it goes: each scenario's
    /// point every second, then each threshold and the totals.
    #[arg(long, value_name = "FILE")]
    pub jsonl: Option<PathBuf>,

    /// Print nothing but errors.
    #[arg(long, short = 'q')]
    pub quiet: bool,

    /// Never color the output.
    #[arg(long)]
    pub no_color: bool,
}

#[derive(Debug, Args)]
pub struct DemoArgs {
    /// Virtual users.
    #[arg(long, default_value_t = 50)]
    pub vus: u32,

    /// How long the demo runs.
    #[arg(long, default_value = "20s", value_parser = parse_duration)]
    pub duration: Duration,

    /// Think time inside each clinician's iteration, in seconds: `MIN..MAX`.
    #[arg(long, default_value = "0.5..2")]
    pub think: String,

    #[command(flatten)]
    pub output: OutputArgs,
}

#[derive(Debug, Args)]
pub struct TargetArgs {
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1:8080")]
    pub addr: SocketAddr,

    /// Serve HTTPS with a self-signed certificate.
    #[arg(long)]
    pub tls: bool,

    /// Latency of `POST /query`: `50ms`, `10ms..30ms` or
    /// `lognormal:50ms:180ms` (median, p99).
    #[arg(long)]
    pub query_latency: Option<String>,
}

pub fn parse_duration(text: &str) -> Result<Duration, String> {
    humantime::parse_duration(text.trim())
        .map_err(|e| format!("`{text}` is not a duration ({e}); try `30s`, `2m` or `500ms`"))
}

fn parse_listen_addr(text: &str) -> Result<SocketAddr, String> {
    use std::net::ToSocketAddrs;
    let not = |why: String| format!("`{text}` is not HOST:PORT ({why}); try `127.0.0.1:9464`");
    text.to_socket_addrs()
        .map_err(|e| not(e.to_string()))?
        .next()
        .ok_or_else(|| not("no address".into()))
}

fn parse_scale(text: &str) -> Result<f64, String> {
    match text.parse::<f64>() {
        Ok(f) if f > 0.0 && f.is_finite() => Ok(f),
        _ => Err(format!(
            "`{text}` is not a positive factor such as 0.05 or 2"
        )),
    }
}

fn parse_allow_host(text: &str) -> Result<AllowedHost, String> {
    text.parse().map_err(|e: AllowHostError| e.to_string())
}

fn parse_param(text: &str) -> Result<(String, String), String> {
    match text.split_once('=') {
        Some((k, v)) if !k.is_empty() => Ok((k.to_owned(), v.to_owned())),
        _ => Err(format!("`{text}` is not `key=value`")),
    }
}
