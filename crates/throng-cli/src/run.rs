//! `throng run`: lower the inputs into a plan, load the journey, run it,
//! judge it and report.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::SystemTime;

use anyhow::{Context, anyhow};
use throng_engine::{Plan, Run};
use throng_host::{Host, HostOptions, VuFactory};
use throng_metrics::{Metrics, RunMeta, RunResults};
use throng_report::SummaryOptions;

use crate::args::{LoadArgs, OutputArgs, RunArgs};
use crate::exit::Outcome;
use crate::plan_file::{self, HttpSettings, PlanFile};
use crate::quick::{Builtin, QUICK_GET};
use crate::terminal::{StderrLog, color};

/// Where the journey's bytes come from.
pub enum ModuleSource {
    /// A file named by the plan or the command line.
    File(PathBuf),
    /// A component compiled into the binary.
    Builtin(Builtin),
}

pub async fn run(args: RunArgs) -> Outcome {
    let (plan, http, source) = match prepare(&args) {
        Ok(prepared) => prepared,
        Err(e) => return Outcome::BadInput(e),
    };
    execute(plan, http, source, &args.output, &args.load).await
}

fn prepare(args: &RunArgs) -> anyhow::Result<(Plan, HttpSettings, ModuleSource)> {
    if let Some(url) = &args.url {
        let mut load = args.load.clone();
        load.params.push(("url".into(), url.clone()));
        load.params.push(("method".into(), args.method.clone()));
        if let Some(body) = &args.body {
            load.params.push(("body".into(), body.clone()));
        }
        let module = PathBuf::from(QUICK_GET.name);
        let (plan, http) =
            plan_file::lower(PlanFile::default(), Path::new("."), Some(module), &load)?;
        return Ok((plan, http, ModuleSource::Builtin(QUICK_GET)));
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
    let (plan, http) = plan_file::lower(file, base_dir, module, &args.load).with_context(|| {
        if is_plan {
            format!("in plan {}", target.display())
        } else {
            "in the command line".to_owned()
        }
    })?;
    let source = ModuleSource::File(plan.module.clone());
    Ok((plan, http, source))
}

/// Load the journey, run the plan, judge and report it.
pub async fn execute(
    plan: Plan,
    http: HttpSettings,
    source: ModuleSource,
    output: &OutputArgs,
    load: &LoadArgs,
) -> Outcome {
    let mut options = HostOptions {
        use_cache: !load.no_cache,
        cache_dir: load.cache_dir.clone(),
        log: Some(Arc::new(StderrLog {
            quiet: output.quiet,
        })),
        ..HostOptions::default()
    };
    if let Some(mib) = load.max_vu_memory {
        options.max_memory = mib << 20;
    }
    let host = match Host::new(options) {
        Ok(host) => host,
        Err(e) => return Outcome::Aborted(e.into()),
    };
    let loaded = match &source {
        ModuleSource::File(path) => host.load(path).await,
        ModuleSource::Builtin(b) => host.load_bytes(Path::new(b.name), b.bytes).await,
    };
    let journey = match loaded {
        Ok(journey) => journey,
        Err(e) => return Outcome::BadInput(e.into()),
    };
    let mut client_options = throng_http::ClientOptions {
        insecure: http.insecure,
        ..Default::default()
    };
    if let Some(timeout) = http.timeout {
        client_options.default_timeout = timeout;
    }
    let client = match throng_http::Client::new(client_options) {
        Ok(client) => client,
        Err(e) => return Outcome::BadInput(anyhow!("HTTP client: {e}")),
    };

    let metrics = Arc::new(Metrics::new());
    let factory = VuFactory::new(
        &host,
        journey.clone(),
        client,
        metrics.clone(),
        plan.params.clone(),
    );
    let run = Run::new(plan.scenario.clone(), metrics.clone());
    let signals = tokio::spawn(stop_on_signals(run.control(), output.quiet));

    if !output.quiet {
        let info = journey.load_info();
        eprintln!(
            "throng: {} · {} · {} VUs · {} · module {} KiB {} in {:.1} ms",
            journey.path().display(),
            plan.scenario.name,
            plan.scenario.executor.vus(),
            describe(&plan),
            info.size / 1024,
            if info.cached {
                "loaded from cache"
            } else {
                "compiled"
            },
            info.load_time.as_secs_f64() * 1e3,
        );
    }
    let started_at = SystemTime::now();
    let stats = match run.execute(Arc::new(factory)).await {
        Ok(stats) => stats,
        Err(e) => return Outcome::BadInput(anyhow!(e)),
    };
    signals.abort();

    let mut results = metrics.results(RunMeta {
        started_at,
        duration: stats.elapsed,
        scenario: plan.scenario.name.clone(),
        executor: plan.scenario.executor.name().to_owned(),
        vus: plan.scenario.executor.vus(),
        module: journey.path().display().to_string(),
    });
    results.thresholds = throng_metrics::evaluate(&plan.thresholds, &results);
    let passed = results.thresholds.iter().all(|t| t.passed);

    // Results are written before anything can go wrong with the verdict, so
    // nothing measured is lost.
    if let Some(path) = &output.out
        && let Err(e) = write_json(&results, path)
    {
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
    if stats.vus_started == 0 && stats.vus_failed > 0 {
        let first = results
            .errors
            .messages
            .first()
            .map(|e| e.message.clone())
            .unwrap_or_default();
        return Outcome::Aborted(anyhow!("every VU failed to start; first error: {first}"));
    }
    Outcome::Verdict { passed }
}

fn describe(plan: &Plan) -> String {
    match &plan.scenario.executor {
        throng_engine::Executor::ConstantVus { duration, .. } => {
            format!("constant-vus for {}", humantime::format_duration(*duration))
        }
        throng_engine::Executor::PerVuIterations { iterations, .. } => {
            format!("per-vu-iterations × {iterations}")
        }
    }
}

fn write_json(results: &RunResults, path: &Path) -> anyhow::Result<()> {
    let file =
        std::fs::File::create(path).with_context(|| format!("cannot create {}", path.display()))?;
    throng_report::write_json(results, std::io::BufWriter::new(file))
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
