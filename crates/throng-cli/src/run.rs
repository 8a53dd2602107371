//! `throng run`: lower the inputs into a plan, load its journeys and data,
//! run it with live progress, judge it and report.

use std::collections::BTreeMap;
use std::num::NonZeroUsize;
use std::path::{Path, PathBuf};
use std::sync::{Arc, PoisonError};
use std::time::{Duration, Instant, SystemTime};

use anyhow::{Context, Result, anyhow, bail};
use throng_engine::{
    Plan, Run, RunControl, RunError, RunStats, ScenarioEntry, ScenarioLive, ScenarioState,
};
use throng_host::{Host, HostOptions, Journey, MemoryLayout, VuFactory};
use throng_http::{AllowList, AllowedHost};
use throng_metrics::threshold::{Severity, ThresholdOutcome, evaluate_with, verdict};
use throng_metrics::{Metrics, RunMeta, RunResults};
use throng_report::SummaryOptions;

use crate::args::{LoadArgs, OutputArgs, RunArgs};
use crate::exit::Outcome;
use crate::files;
use crate::plan_file::{self, DataDecl, HttpSettings, Lowered, PlanFile};
use crate::progress::{self, LiveScenario, LiveState, ProgressMode};
use crate::prometheus;
use crate::quick::{Builtin, QUICK_GET};
use crate::snapshot::{Snapshots, write_atomic};
use crate::stream::JsonLines;
use crate::terminal::{StderrLog, color};

/// `throng run`'s inputs, read before the async runtime starts.
pub struct Prepared {
    args: RunArgs,
    lowered: anyhow::Result<(Lowered, Option<Builtin>)>,
}

impl Prepared {
    /// Reads the plan or journey `args` name and readies the process for
    /// its VUs: the open-file limit raised to the hard one, and the file
    /// table grown for the VUs' connections (`files.rs`), which waits for
    /// no other thread only while there is none. Call it before any thread
    /// starts; an error waits for [`Prepared::run`] to report it.
    pub fn new(args: RunArgs) -> Self {
        let lowered = prepare(&args);
        if let Ok((lowered, _)) = &lowered {
            let (_, connections) = planned_connections(&lowered.plan, &lowered.http);
            // Raised again by the capacity check; it stays raised.
            let _ = rlimit::increase_nofile_limit(u64::MAX);
            files::grow_table(connections.saturating_add(SPARE_FILES));
        }
        Prepared { args, lowered }
    }

    /// Runs the plan, judges and reports it.
    pub async fn run(self) -> Outcome {
        let Prepared { args, lowered } = self;
        let (lowered, builtin) = match lowered {
            Ok(prepared) => prepared,
            Err(e) => return Outcome::BadInput(e),
        };
        execute(lowered, builtin, &args.output, &args.load).await
    }
}

fn prepare(args: &RunArgs) -> anyhow::Result<(Lowered, Option<Builtin>)> {
    if let Some(url) = &args.url {
        let mut load = args.load.clone();
        load.params.push(("url".into(), url.clone()));
        load.params.push(("method".into(), args.method.clone()));
        if let Some(body) = &args.body {
            load.params.push(("body".into(), body.clone()));
        }
        let module = PathBuf::from(QUICK_GET.name);
        let lowered = plan_file::lower(PlanFile::default(), Path::new("."), Some(module), &load)?;
        return Ok((lowered, Some(QUICK_GET)));
    }
    let target = args
        .target
        .as_deref()
        .ok_or_else(|| anyhow!("name a journey (.wasm), a plan (.toml) or --url"))?;
    let is_plan = target.extension().is_some_and(|e| e == "toml");
    let (file, module) = if is_plan {
        (PlanFile::read(target)?, None)
    } else {
        if !target.exists() {
            return Err(anyhow!("no such file: {}", target.display()));
        }
        (PlanFile::default(), Some(target.to_path_buf()))
    };
    let base_dir = target.parent().unwrap_or(Path::new("."));
    let lowered = plan_file::lower(file, base_dir, module, &args.load).with_context(|| {
        if is_plan {
            format!("in plan {}", target.display())
        } else {
            "in the command line".to_owned()
        }
    })?;
    Ok((lowered, None))
}

/// Sockets kept free beside the VUs' connections: the module cache, data
/// files, outputs, the metrics endpoint.
const SPARE_FILES: u64 = 256;

/// Whether this process can hold the plan's VUs, checked before anything
/// loads: the memory layout that keeps them under the kernel's cap on
/// memory mappings, and enough open files for their connections, one per
/// VU or the shared ones (the soft limit is raised to the hard one first,
/// as servers do). Warns when the allowed hosts are too few for those
/// connections from the local port range.
fn capacity(
    plan: &Plan,
    http: &HttpSettings,
    quiet: bool,
    wanted: Option<MemoryLayout>,
) -> Result<MemoryLayout> {
    let (vus, connections) = planned_connections(plan, http);
    if let Some(warning) =
        local_ports().and_then(|ports| port_warning(connections, &http.allow, ports))
    {
        eprintln!("throng: warning: {warning}");
    }
    let files = rlimit::increase_nofile_limit(u64::MAX).unwrap_or(u64::MAX);
    if let Some(message) = files_error(vus, connections, files) {
        bail!(message);
    }
    let layout = throng_host::layout_for(vus, wanted)?;
    if layout == MemoryLayout::Compact && wanted.is_none() && !quiet {
        eprintln!(
            "throng: {vus} VUs: compact memory layout (no guard regions, no copy-on-write images) \
             to stay under vm.max_map_count"
        );
    }
    Ok(layout)
}

/// The VUs `plan` may run at once and the connections they may hold.
fn planned_connections(plan: &Plan, http: &HttpSettings) -> (u64, u64) {
    let vus: u64 = plan
        .scenarios
        .iter()
        .map(|s| u64::from(s.executor.max_vus()))
        .sum();
    (vus, connections(vus, http.shared_connections))
}

/// How many connections `vus` VUs may hold at once: one each, or at most
/// the `shared` ones.
fn connections(vus: u64, shared: Option<NonZeroUsize>) -> u64 {
    shared.map_or(vus, |n| vus.min(n.get() as u64))
}

/// What to tell the user when `connections` (of `vus` VUs) and the files
/// kept beside them need more than the `files` this process may open.
fn files_error(vus: u64, connections: u64, files: u64) -> Option<String> {
    let needed = connections.saturating_add(SPARE_FILES);
    if needed <= files {
        return None;
    }
    let whose = if connections < vus {
        format!("{connections} shared connections")
    } else {
        format!("{vus} VUs (a connection each)")
    };
    Some(format!(
        "{whose} need {needed} open files with some to spare, more than this process may open \
         ({files}): raise the limit, e.g. `ulimit -n {}` in the shell that runs throng (the hard \
         limit is set in /etc/security/limits.conf), or let the VUs share fewer connections with \
         `--shared-connections N` (plan: `[http] shared_connections`)",
        needed.next_power_of_two()
    ))
}

/// The local port range (`net.ipv4.ip_local_port_range`, which IPv6
/// shares): how many connections one local address may hold to one
/// destination address and port.
fn local_ports() -> Option<(u32, u32)> {
    let text = std::fs::read_to_string("/proc/sys/net/ipv4/ip_local_port_range").ok()?;
    let mut ends = text.split_whitespace().map(str::parse::<u32>);
    match (ends.next()?, ends.next()?) {
        (Ok(low), Ok(high)) if low <= high => Some((low, high)),
        _ => None,
    }
}

/// What to tell the user when the run's `connections` (one per VU, or the
/// shared ones) may be more than the local port range `ports` gives the
/// destinations `allow` names; `None` when they fit, or when the list
/// names hosts by pattern or on any port (nothing bounds them then).
fn port_warning(connections: u64, allow: &AllowList, (low, high): (u32, u32)) -> Option<String> {
    let entries = allow.entries();
    if allow.allows_any()
        || entries.is_empty()
        || !entries.iter().all(AllowedHost::is_one_destination)
    {
        return None;
    }
    let per_destination = u64::from(high - low + 1);
    let most = per_destination * entries.len() as u64;
    if connections <= most {
        return None;
    }
    let widest = u64::from(u16::MAX - 1023);
    let remedy = if connections <= widest * entries.len() as u64 {
        "widen it as root with `sysctl -w net.ipv4.ip_local_port_range=\"1024 65535\"`, spread \
         the VUs over more target addresses, or let them share fewer connections \
         (`--shared-connections N`)"
    } else {
        "spread the VUs over more target addresses (even the widest range, 1024-65535, holds \
         64,512 each), or let them share fewer connections (`--shared-connections N`)"
    };
    let hosts: Vec<String> = entries.iter().map(ToString::to_string).collect();
    Some(format!(
        "{connections} connections to {} may be open at once, but one local address \
         opens at most {per_destination} connections to one address and port \
         (net.ipv4.ip_local_port_range = {low} {high}), {most} in all: VUs past that fail to \
         connect; {remedy}",
        hosts.join(", ")
    ))
}

/// Load the journeys and data, run the plan, judge and report it.
pub async fn execute(
    lowered: Lowered,
    builtin: Option<Builtin>,
    output: &OutputArgs,
    load: &LoadArgs,
) -> Outcome {
    let Lowered {
        plan,
        http,
        limits,
        data,
        previous,
        max_regression,
    } = lowered;
    // The stored result is read before anything runs: a bad file is bad
    // input, not a surprise after a long run.
    let previous = match previous.as_deref().map(read_results).transpose() {
        Ok(previous) => previous,
        Err(e) => return Outcome::BadInput(e.context("previous")),
    };
    let log = Arc::new(StderrLog::new(output.quiet));
    // Live outputs are claimed before anything loads, so a taken port or a
    // bad path is a usage error, not a lost run.
    let endpoint = match output.metrics_addr {
        Some(addr) => match prometheus::Endpoint::bind(addr).await {
            Ok(endpoint) => {
                // Even with --quiet: with port 0 nothing else tells the port.
                eprintln!("throng: metrics at http://{}/metrics", endpoint.addr());
                Some(endpoint)
            }
            Err(e) => return Outcome::BadInput(e),
        },
        None => None,
    };
    let jsonl = match output.jsonl.as_deref().map(JsonLines::create).transpose() {
        Ok(jsonl) => jsonl,
        Err(e) => return Outcome::BadInput(e),
    };
    let layout = match capacity(&plan, &http, output.quiet, load.memory_layout.wanted()) {
        Ok(layout) => layout,
        Err(e) => return Outcome::BadInput(e),
    };
    let mut options = HostOptions {
        use_cache: !load.no_cache,
        cache_dir: load.cache_dir.clone(),
        log: Some(log.clone()),
        layout,
        stack_first: all_stack_first(&plan, builtin),
        ..HostOptions::default()
    };
    if let Some(bytes) = limits.max_vu_memory {
        options.max_memory = bytes;
    }
    if let Some(timeout) = limits.iteration_timeout {
        options.iteration_timeout = timeout;
    }
    if let Some(rate) = limits.log_rate {
        options.log_rate = rate;
    }
    let host = match Host::new(options) {
        Ok(host) => host,
        Err(e) => return Outcome::Aborted(e.into()),
    };
    let journeys = match load_journeys(&host, &plan, builtin).await {
        Ok(journeys) => journeys,
        Err(e) => return Outcome::BadInput(e),
    };
    let feeders = match load_data(&data) {
        Ok(feeders) => feeders,
        Err(e) => return Outcome::BadInput(e),
    };
    let mut client_options = throng_http::ClientOptions {
        insecure: http.insecure,
        allow: http.allow,
        ..Default::default()
    };
    if let Some(timeout) = http.timeout {
        client_options.default_timeout = timeout;
    }
    if let Some(timeout) = http.connect_timeout {
        client_options.connect_timeout = timeout;
    }
    client_options.shared_connections = http.shared_connections;
    if let Some(max) = limits.max_kept_body {
        client_options.max_kept_body = max;
    }
    let client = match throng_http::Client::new(client_options) {
        Ok(client) => client,
        Err(e) => return Outcome::BadInput(anyhow!("HTTP client: {e}")),
    };

    let mut entries = Vec::with_capacity(plan.scenarios.len());
    for scenario in &plan.scenarios {
        // Requests the thresholds filter by tags are counted apart.
        let submetrics = plan
            .thresholds
            .iter()
            .filter_map(|t| t.submetric().cloned());
        let metrics = Arc::new(Metrics::with_submetrics(submetrics));
        let journey = journeys[&scenario.module].clone();
        let factory = VuFactory::new(
            &host,
            journey,
            client.clone(),
            metrics.clone(),
            scenario.params.clone(),
        )
        .with_data(feeders.clone());
        entries.push(ScenarioEntry {
            scenario: scenario.clone(),
            factory: Arc::new(factory),
            metrics,
        });
    }
    let recorders: Vec<Arc<Metrics>> = entries.iter().map(|e| e.metrics.clone()).collect();
    // The run's clock: the results' duration, the abort watcher's delays
    // and the snapshots all count from here.
    let began = std::time::Instant::now();
    let run = Run::new(entries).with_start(began);
    let lives = run.live();
    let signals = tokio::spawn(stop_on_signals(run.control(), output.quiet));

    if !output.quiet {
        for (path, journey) in &journeys {
            let info = journey.load_info();
            eprintln!(
                "throng: {} · {} KiB · {} in {:.1} ms",
                path.display(),
                info.size / 1024,
                if info.cached {
                    "loaded from cache"
                } else {
                    "compiled"
                },
                info.load_time.as_secs_f64() * 1e3,
            );
        }
        for s in &plan.scenarios {
            eprintln!("throng: scenario {} · {}", s.name, describe(s));
        }
    }
    let live_source = {
        let lives = lives.clone();
        let recorders = recorders.clone();
        move || live_view(&lives, &recorders)
    };
    let progress = progress::spawn(ProgressMode::detect(output.quiet), live_source);
    log.attach(progress.handle());
    let started_at = SystemTime::now();
    let sampler = crate::health::Sampler::start();
    let _trimmer = crate::trim::Trimmer::start();
    let watcher = AbortWatcher::spawn(
        &plan,
        began,
        started_at,
        lives.clone(),
        recorders.clone(),
        run.control(),
        previous.clone(),
    );
    // Both stop when dropped, on every way out of this function.
    let _serving = endpoint.map(|endpoint| {
        endpoint.serve(prometheus::RunCollector {
            scenarios: lives
                .iter()
                .cloned()
                .zip(recorders.iter().cloned())
                .collect(),
            health: sampler.as_ref().map(crate::health::Sampler::latest),
        })
    });
    let streaming = jsonl.map(|jsonl| {
        jsonl.start(
            lives
                .iter()
                .map(|l| l.name().to_owned())
                .zip(recorders.iter().cloned())
                .collect(),
        )
    });
    let snapshots = output.out.as_deref().and_then(|path| {
        let (plan, lives, recorders, previous) = (
            plan.clone(),
            lives.clone(),
            recorders.clone(),
            previous.clone(),
        );
        let results = move || {
            let scenario_elapsed: Vec<Duration> = lives.iter().map(|l| l.elapsed()).collect();
            let mut results = collect_results(
                &plan,
                began.elapsed(),
                &scenario_elapsed,
                &recorders,
                started_at,
            );
            results.thresholds = evaluate_with(&plan.thresholds, &results, previous.as_ref());
            results
        };
        Snapshots::start(path, output.snapshot_interval, output.quiet, results)
    });
    let executed = run.execute().await;
    if let Some(snapshots) = snapshots {
        snapshots.finish().await;
    }
    let aborted_by = watcher.finish();
    let jsonl = match streaming {
        Some(streaming) => streaming.finish().await,
        None => None,
    };
    let generator = match sampler {
        Some(sampler) => Some(sampler.finish().await),
        None => None,
    };
    progress.finish().await;
    signals.abort();
    let (stats, crashed) = match executed {
        Ok(stats) => (stats, None),
        Err(e @ RunError::Tasks(_)) => return Outcome::BadInput(anyhow!(e)),
        // What was measured before the crash is still reported.
        Err(e @ RunError::Crashed(_)) => (
            RunStats {
                elapsed: began.elapsed(),
                scenarios: Vec::new(),
            },
            Some(e),
        ),
    };

    let elapsed: Vec<Duration> = (0..plan.scenarios.len())
        .map(|i| stats.scenarios.get(i).map_or(stats.elapsed, |s| s.elapsed))
        .collect();
    let mut results = collect_results(&plan, stats.elapsed, &elapsed, &recorders, started_at);
    results.generator = generator;
    results.thresholds = evaluate_with(&plan.thresholds, &results, previous.as_ref());
    if let Some(i) = aborted_by {
        results.thresholds[i].aborted_run = true;
    }
    if let (Some(max), Some(previous)) = (max_regression, &previous) {
        results
            .thresholds
            .push(regression_gate(previous, &results, max));
    }
    let passed = verdict(&results.thresholds);

    // Results are written first, so nothing measured is lost whatever
    // happens to the rest.
    let written = write_outputs(&results, output);
    let streamed = jsonl.map_or(Ok(()), |jsonl| jsonl.end(&results));
    if let Err(e) = written {
        return Outcome::Aborted(e);
    }
    if !output.quiet {
        let mut stdout = std::io::stdout().lock();
        let options = SummaryOptions {
            color: color(output.no_color),
            width: None,
        };
        if let Err(e) = throng_report::render_summary(&results, &mut stdout, &options) {
            return Outcome::Aborted(anyhow!("writing the summary: {e}"));
        }
    }
    if let Some(e) = crashed {
        return Outcome::Aborted(anyhow!(e));
    }
    if let Some((i, name, first)) = stats
        .scenarios
        .iter()
        .enumerate()
        .find_map(|(i, s)| s.gave_up.as_ref().map(|first| (i, &s.name, first)))
    {
        let failed = results
            .scenarios
            .get(i)
            .unwrap_or(&results)
            .totals
            .iterations
            .failed;
        return Outcome::Aborted(anyhow!(
            "scenario `{name}`: {failed} iterations failed and none completed, so the run \
             stopped early; the first error: {first}"
        ));
    }
    if let Some(i) = aborted_by {
        let t = &results.thresholds[i];
        return Outcome::Aborted(anyhow!(
            "threshold `{}: {}` failed and has abort_on_fail",
            t.metric,
            t.expression
        ));
    }
    let started: u32 = stats.scenarios.iter().map(|s| s.vus_started).sum();
    let failed: u32 = stats.scenarios.iter().map(|s| s.vus_failed).sum();
    if started == 0 && failed > 0 {
        let first = results
            .errors
            .messages
            .first()
            .map(|e| e.message.clone())
            .unwrap_or_default();
        return Outcome::Aborted(anyhow!("every VU failed to start; first error: {first}"));
    }
    if let Err(e) = streamed {
        return Outcome::Aborted(e);
    }
    Outcome::Verdict { passed }
}

/// Whether every module the plan names lays its memory out stack first
/// (`throng_host::stack_first`), read before the host is made. A module
/// that cannot be read counts as not: its load says why.
fn all_stack_first(plan: &Plan, builtin: Option<Builtin>) -> bool {
    plan.scenarios.iter().all(|scenario| match builtin {
        Some(b) if scenario.module == Path::new(b.name) => throng_host::stack_first(b.bytes),
        _ => std::fs::read(&scenario.module).is_ok_and(|bytes| throng_host::stack_first(&bytes)),
    })
}

/// Load every module the plan names, once each.
async fn load_journeys(
    host: &Host,
    plan: &Plan,
    builtin: Option<Builtin>,
) -> anyhow::Result<BTreeMap<PathBuf, Journey>> {
    let mut journeys = BTreeMap::new();
    for scenario in &plan.scenarios {
        if journeys.contains_key(&scenario.module) {
            continue;
        }
        let loaded = match builtin {
            Some(b) if scenario.module == Path::new(b.name) => {
                host.load_bytes(Path::new(b.name), b.bytes).await
            }
            _ => host.load(&scenario.module).await,
        };
        journeys.insert(scenario.module.clone(), loaded?);
    }
    Ok(journeys)
}

/// Load the plan's data sets, once, shared by every VU.
fn load_data(data: &[DataDecl]) -> anyhow::Result<throng_data::Feeders> {
    let mut feeders = Vec::with_capacity(data.len());
    for d in data {
        let strategy = d
            .strategy
            .parse()
            .map_err(|e| anyhow!("data.{}.strategy: {e}", d.name))?;
        // Flattened: the message already holds its I/O cause, which
        // `{:#}` would print a second time.
        let feeder = throng_data::Feeder::load(&d.name, &d.file, strategy)
            .map_err(|e| anyhow!("data.{}: {e}", d.name))?;
        feeders.push(feeder);
    }
    Ok(throng_data::Feeders::new(feeders)?)
}

/// Per-scenario results, and for a plan of several scenarios their sum with
/// the scenarios nested.
/// `elapsed` is the plan's wall time, `scenario_elapsed` each scenario's.
fn collect_results(
    plan: &Plan,
    elapsed: Duration,
    scenario_elapsed: &[Duration],
    recorders: &[Arc<Metrics>],
    started_at: SystemTime,
) -> RunResults {
    let meta = |i: usize| {
        let s = &plan.scenarios[i];
        RunMeta {
            started_at,
            duration: scenario_elapsed.get(i).copied().unwrap_or(elapsed),
            scenario: s.name.clone(),
            executor: s.executor.name().to_owned(),
            vus: s.executor.max_vus(),
            module: s.module.display().to_string(),
        }
    };
    if recorders.len() == 1 {
        return recorders[0].results(meta(0));
    }
    let all: Vec<&Metrics> = recorders.iter().map(|m| m.as_ref()).collect();
    let mut total = Metrics::merged_results(
        &all,
        RunMeta {
            started_at,
            duration: elapsed,
            scenario: plan
                .scenarios
                .iter()
                .map(|s| s.name.as_str())
                .collect::<Vec<_>>()
                .join(", "),
            executor: "plan".to_owned(),
            vus: plan.scenarios.iter().map(|s| s.executor.max_vus()).sum(),
            module: plan.scenarios[0].module.display().to_string(),
        },
    );
    total.scenarios = recorders
        .iter()
        .enumerate()
        .map(|(i, m)| m.results(meta(i)))
        .collect();
    total
}

/// Reads a results file written by `--out`; errors name the file.
pub fn read_results(path: &Path) -> anyhow::Result<RunResults> {
    let file =
        std::fs::File::open(path).with_context(|| format!("cannot read {}", path.display()))?;
    RunResults::from_json(std::io::BufReader::new(file))
        .with_context(|| format!("{} is not a throng results file", path.display()))
}

/// The `max_regression` gate as one threshold outcome: the worst change
/// against `previous`, and which metrics regressed.
fn regression_gate(previous: &RunResults, results: &RunResults, max: f64) -> ThresholdOutcome {
    let comparison = throng_report::compare::compare(previous, results);
    let regressions = comparison.regressions(max);
    let worst = comparison
        .changes
        .iter()
        .filter_map(|c| c.worse_by)
        .fold(0.0, f64::max);
    let note = (!regressions.is_empty()).then(|| {
        let listed: Vec<String> = regressions
            .iter()
            .take(5)
            .map(|c| {
                format!(
                    "{}: {} {:+.1}%",
                    c.scope,
                    c.metric,
                    c.worse_by.unwrap_or(0.0) * 100.0
                )
            })
            .collect();
        let more = regressions.len().saturating_sub(listed.len());
        let more = if more > 0 {
            format!(" and {more} more")
        } else {
            String::new()
        };
        format!("worse than previous: {}{more}", listed.join(", "))
    });
    ThresholdOutcome {
        metric: "regression".to_owned(),
        expression: format!("worst change vs previous <= {}%", max * 100.0),
        observed: Some(worst * 100.0),
        unit: "%".to_owned(),
        passed: regressions.is_empty(),
        limit: Some(max * 100.0),
        severity: Severity::Error,
        aborted_run: false,
        note,
    }
}

/// Judges the thresholds that have `abort_on_fail` once a second on what
/// was measured so far, and stops the run at the first that fails on
/// something measured.
struct AbortWatcher {
    task: Option<tokio::task::JoinHandle<()>>,
    fired: Arc<std::sync::Mutex<Option<usize>>>,
}

impl AbortWatcher {
    #[allow(clippy::too_many_arguments)]
    fn spawn(
        plan: &Plan,
        began: Instant,
        started_at: SystemTime,
        lives: Vec<Arc<ScenarioLive>>,
        recorders: Vec<Arc<Metrics>>,
        control: RunControl,
        previous: Option<RunResults>,
    ) -> AbortWatcher {
        let fired = Arc::new(std::sync::Mutex::new(None));
        let watched: Vec<(usize, Duration)> = plan
            .thresholds
            .iter()
            .enumerate()
            .filter_map(|(i, t)| t.abort_on_fail.map(|delay| (i, delay)))
            .collect();
        if watched.is_empty() {
            return AbortWatcher { task: None, fired };
        }
        let plan = plan.clone();
        let slot = fired.clone();
        let task = tokio::spawn(async move {
            let mut ticks = tokio::time::interval(Duration::from_secs(1));
            ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                ticks.tick().await;
                // The delay counts from when the load began, the first
                // scenario running with its VUs made (k6 counts from the
                // test's start, after its VUs' init), so no scenario's
                // reported duration is shorter than the delay.
                let Some(load_began) = lives.iter().filter_map(|l| l.started()).min() else {
                    continue;
                };
                let loaded = load_began.elapsed();
                let due: Vec<usize> = watched
                    .iter()
                    .filter(|&&(_, delay)| loaded >= delay)
                    .map(|&(i, _)| i)
                    .collect();
                if due.is_empty() {
                    continue;
                }
                let scenario_elapsed: Vec<Duration> = lives.iter().map(|l| l.elapsed()).collect();
                let results = collect_results(
                    &plan,
                    began.elapsed(),
                    &scenario_elapsed,
                    &recorders,
                    started_at,
                );
                // A threshold with nothing measured yet (`no samples`) is
                // not judged while the run goes: the first tick comes at
                // once, before the first request has ended. It still fails
                // at the end if nothing ever came.
                let failed = due.into_iter().find(|&i| {
                    let outcome = plan.thresholds[i].evaluate_with(&results, previous.as_ref());
                    outcome.observed.is_some() && outcome.fails_run()
                });
                if let Some(i) = failed {
                    *slot.lock().unwrap_or_else(PoisonError::into_inner) = Some(i);
                    control.stop();
                    return;
                }
            }
        });
        AbortWatcher {
            task: Some(task),
            fired,
        }
    }

    /// Stops watching; the index of the threshold that stopped the run.
    fn finish(self) -> Option<usize> {
        if let Some(task) = self.task {
            task.abort();
        }
        *self.fired.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

fn live_view(lives: &[Arc<ScenarioLive>], recorders: &[Arc<Metrics>]) -> Vec<LiveScenario> {
    lives
        .iter()
        .zip(recorders)
        .map(|(live, metrics)| {
            let totals = metrics.live();
            LiveScenario {
                name: live.name().to_owned(),
                elapsed: live.elapsed(),
                total: live.planned(),
                state: match live.state() {
                    ScenarioState::Waiting | ScenarioState::Starting => LiveState::Waiting,
                    ScenarioState::Running => LiveState::Running,
                    ScenarioState::Stopping => LiveState::Stopping,
                    ScenarioState::Done => LiveState::Done,
                },
                active_vus: live.active_vus(),
                max_vus: live.max_vus(),
                requests: totals.requests,
                failed: totals.failed,
                iterations: totals.iterations,
                dropped_iterations: totals.dropped_iterations,
                p95_ms: totals.p95_ms,
            }
        })
        .collect()
}

fn describe(s: &throng_engine::Scenario) -> String {
    use throng_engine::Executor as E;
    let d = |d: std::time::Duration| humantime::format_duration(d).to_string();
    let what = match &s.executor {
        E::ConstantVus { vus, duration } => {
            format!("constant-vus · {vus} VUs for {}", d(*duration))
        }
        E::PerVuIterations {
            vus, iterations, ..
        } => format!("per-vu-iterations · {vus} VUs × {iterations}"),
        E::SharedIterations {
            vus, iterations, ..
        } => format!("shared-iterations · {iterations} over {vus} VUs"),
        E::RampingVus { stages, .. } => format!(
            "ramping-vus · {} stages over {}",
            stages.len(),
            d(s.executor.max_duration())
        ),
        E::ConstantArrivalRate {
            rate,
            time_unit,
            duration,
            ..
        } => {
            format!(
                "constant-arrival-rate · {rate} per {} for {}",
                d(*time_unit),
                d(*duration)
            )
        }
        E::RampingArrivalRate { stages, .. } => {
            format!(
                "ramping-arrival-rate · {} stages over {}",
                stages.len(),
                d(s.executor.max_duration())
            )
        }
    };
    match &s.start.after {
        Some(after) => format!("{what} · after {after}"),
        None => what,
    }
}

/// Every results file the command line asked for.
fn write_outputs(results: &RunResults, output: &OutputArgs) -> anyhow::Result<()> {
    if let Some(path) = &output.out {
        // Atomic, as the snapshots before it: a crash while writing leaves
        // the last snapshot, not half a file.
        write_atomic(path, |w| throng_report::write_json(results, w))?;
    }
    if let Some(prefix) = &output.csv {
        let with = |suffix: &str| {
            let mut name = prefix.as_os_str().to_owned();
            name.push(suffix);
            PathBuf::from(name)
        };
        write_file(&with("_stats.csv"), |w| {
            throng_report::write_csv_stats(results, w)
        })?;
        write_file(&with("_stats_history.csv"), |w| {
            throng_report::write_csv_history(results, w)
        })?;
    }
    if let Some(path) = &output.junit {
        write_file(path, |w| throng_report::write_junit(results, w))?;
    }
    if let Some(path) = &output.html {
        write_file(path, |w| throng_report::write_html(results, w))?;
    }
    Ok(())
}

pub(crate) fn write_file(
    path: &Path,
    write: impl FnOnce(&mut std::io::BufWriter<std::fs::File>) -> std::io::Result<()>,
) -> anyhow::Result<()> {
    let file =
        std::fs::File::create(path).with_context(|| format!("cannot create {}", path.display()))?;
    let mut out = std::io::BufWriter::new(file);
    write(&mut out)
        .and_then(|()| std::io::Write::flush(&mut out))
        .with_context(|| format!("writing {}", path.display()))
}

/// First Ctrl-C (or SIGTERM): graceful stop. Second: stop now.
async fn stop_on_signals(control: throng_engine::RunControl, quiet: bool) {
    if wait_for_signal().await.is_err() {
        return;
    }
    if !quiet {
        eprintln!(
            "throng: stopping; iterations in flight get their grace period (Ctrl-C again to stop now)"
        );
    }
    control.stop();
    if wait_for_signal().await.is_ok() {
        if !quiet {
            eprintln!("throng: stopping now; iterations in flight are interrupted");
        }
        control.abort();
    }
}

async fn wait_for_signal() -> std::io::Result<()> {
    #[cfg(unix)]
    {
        let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())?;
        tokio::select! {
            r = tokio::signal::ctrl_c() => r,
            _ = term.recv() => Ok(()),
        }
    }
    #[cfg(not(unix))]
    {
        tokio::signal::ctrl_c().await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn allow(entries: &[&str]) -> AllowList {
        AllowList::only(entries.iter().map(|e| e.parse().unwrap()))
    }

    /// Linux's default range: 28,232 ports.
    const DEFAULT: (u32, u32) = (32_768, 60_999);

    #[test]
    fn more_vus_than_one_destination_has_ports_are_warned_of() {
        let one = allow(&["127.0.0.1:8080"]);
        assert_eq!(port_warning(28_232, &one, DEFAULT), None);
        let warning = port_warning(30_000, &one, DEFAULT).unwrap();
        for part in [
            "30000 connections",
            "127.0.0.1:8080",
            "at most 28232 connections",
            "= 32768 60999",
            "sysctl -w net.ipv4.ip_local_port_range=\"1024 65535\"",
        ] {
            assert!(warning.contains(part), "{part:?} in {warning}");
        }
        // Four addresses hold four times as many; past the widest range
        // only more addresses help.
        let four = allow(&[
            "127.0.0.1:80",
            "127.0.0.2:80",
            "127.0.0.3:80",
            "127.0.0.4:80",
        ]);
        assert_eq!(port_warning(100_000, &four, DEFAULT), None);
        let beyond = port_warning(300_000, &four, DEFAULT).unwrap();
        assert!(
            beyond.contains("more target addresses (even the widest"),
            "{beyond}"
        );
    }

    #[test]
    fn shared_connections_bound_the_open_files_needed() {
        let shared = NonZeroUsize::new(1_000);
        assert_eq!(connections(100_000, None), 100_000);
        assert_eq!(connections(100_000, shared), 1_000);
        assert_eq!(connections(10, shared), 10);
        // This machine's hard limit: 100,000 VUs with a connection each do
        // not fit, the same VUs sharing 1,000 connections do.
        let each = files_error(100_000, 100_000, 20_000).unwrap();
        for part in [
            "100000 VUs (a connection each)",
            "100256 open files",
            "(20000)",
            "ulimit -n 131072",
            "--shared-connections N",
        ] {
            assert!(each.contains(part), "{part:?} in {each}");
        }
        assert_eq!(files_error(100_000, 1_000, 20_000), None);
        let shared = files_error(100_000, 30_000, 20_000).unwrap();
        assert!(
            shared.starts_with("30000 shared connections need 30256"),
            "{shared}"
        );
    }

    #[test]
    fn hosts_without_one_port_or_with_patterns_bound_nothing() {
        for entries in [&["127.0.0.1"][..], &["*.example.com:443"], &["*"], &[]] {
            assert_eq!(
                port_warning(1_000_000, &allow(entries), DEFAULT),
                None,
                "{entries:?}"
            );
        }
        assert_eq!(port_warning(1_000_000, &AllowList::any(), DEFAULT), None);
        // One unbounded entry among bounded ones: nothing is known.
        let mixed = allow(&["127.0.0.1:80", "api.example.com"]);
        assert_eq!(port_warning(1_000_000, &mixed, DEFAULT), None);
    }
}
