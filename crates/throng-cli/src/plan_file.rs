//! The TOML plan file, lowered (with the command line's overrides) into the
//! engine's validated [`Plan`].
//!
//! ```toml
//! module = "journey_clinician.wasm"   # default module, relative to this file
//!
//! [params]                            # every scenario's params
//! base_url = "http://127.0.0.1:8080"
//!
//! [scenarios.warmup]
//! executor = "constant-vus"
//! vus = 5
//! duration = "1m"
//!
//! [scenarios.peak]
//! after = "warmup"                    # or start_time = "1m"
//! executor = "ramping-vus"
//! stages = [{ duration = "30s", target = 50 }, { duration = "5m", target = 50 }]
//! think_time = "1s..5s"
//!
//! [data.patients]
//! file = "patients.csv"
//! strategy = "random"                 # sequential-unique | random | round-robin
//!
//! [thresholds]
//! "http_req_duration{name:query}" = ["p(95) < 500ms"]
//! http_req_failed = [
//!   "rate < 1%",
//!   { threshold = "rate < 2%", severity = "warning" },
//!   { threshold = "rate < 5%", abort_on_fail = true, delay_abort_eval = "10s" },
//! ]
//! "http_req_duration{scenario:peak}" = ["p(95) < 2x warmup.p(95)"]
//! ```
//!
//! `[limits]` bounds each VU (`max_vu_memory` and `max_kept_body` in MiB,
//! `iteration_timeout`, `log_rate`); each key has a flag that wins.
//!
//! A plan may also name a stored earlier result, `previous =
//! "last-good.json"`, which thresholds read as `previous.p(95)`, and
//! `max_regression = "20%"` to fail the run when any metric is more than
//! that much worse than in it (as `throng compare --max-regression`).
//!
//! A plan with one scenario may write it as `[scenario]`.
//!
//! `allow_hosts = ["api.example.com", "*.cdn.example.com:443"]` lists the
//! hosts requests may go to (without it: the hosts of the URLs in the
//! params); `--allow-host` adds to it. See [`crate::allow`].

use std::collections::BTreeMap;
use std::num::NonZeroUsize;
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{Context, anyhow, bail};
use indexmap::IndexMap;
use serde::Deserialize;
use throng_engine::{Executor, Plan, Scenario, Stage, Start, ThinkTime};
use throng_http::{AllowList, AllowedHost};
use throng_metrics::Threshold;
use throng_metrics::threshold::{Baseline, PREVIOUS, Severity};
use toml::Spanned;

use crate::args::{LoadArgs, parse_duration};

/// The file as written.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PlanFile {
    /// The default journey component, relative to the plan file.
    pub module: Option<PathBuf>,
    #[serde(default)]
    pub params: BTreeMap<String, String>,
    /// The only scenario, in the short form.
    pub scenario: Option<ScenarioFile>,
    /// Named scenarios, in the order written.
    #[serde(default)]
    pub scenarios: IndexMap<String, ScenarioFile>,
    #[serde(default)]
    pub data: BTreeMap<String, DataFile>,
    /// Per metric, expressions or tables `{ threshold, severity,
    /// abort_on_fail, delay_abort_eval }`, each with where it was written.
    #[serde(default)]
    pub thresholds: BTreeMap<String, Vec<Spanned<toml::Value>>>,
    /// A stored earlier result, relative to the plan file.
    pub previous: Option<PathBuf>,
    /// The largest regression allowed against `previous`, e.g. `20%`.
    pub max_regression: Option<String>,
    #[serde(default)]
    pub http: HttpFile,
    /// The hosts requests may go to, each with where it was written; when
    /// absent, the hosts of the URLs in the params.
    pub allow_hosts: Option<Vec<Spanned<String>>>,
    /// What each VU may use.
    #[serde(default)]
    pub limits: LimitsFile,
    /// The file's path and text, for errors that point at a line.
    #[serde(skip)]
    source: Option<(PathBuf, String)>,
}

#[derive(Debug, Default, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScenarioFile {
    pub module: Option<PathBuf>,
    pub executor: Option<String>,
    pub vus: Option<u32>,
    pub duration: Option<String>,
    pub iterations: Option<u64>,
    pub max_duration: Option<String>,
    pub start_vus: Option<u32>,
    pub stages: Option<Vec<StageFile>>,
    pub rate: Option<u32>,
    pub start_rate: Option<u32>,
    pub time_unit: Option<String>,
    pub pre_allocated_vus: Option<u32>,
    pub max_vus: Option<u32>,
    pub think_time: Option<String>,
    /// Per-VU cap, iterations per second (constant pacing).
    pub rate_per_vu: Option<f64>,
    pub graceful_stop: Option<String>,
    pub after: Option<String>,
    pub start_time: Option<String>,
    #[serde(default)]
    pub tasks: BTreeMap<String, u32>,
    #[serde(default)]
    pub params: BTreeMap<String, String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StageFile {
    pub duration: String,
    pub target: u32,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DataFile {
    pub file: PathBuf,
    #[serde(default = "default_strategy")]
    pub strategy: String,
}

fn default_strategy() -> String {
    "sequential-unique".to_owned()
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HttpFile {
    #[serde(default)]
    pub insecure: bool,
    pub timeout: Option<String>,
    /// Deadline of opening a connection (DNS, TCP, TLS), e.g. `2s`.
    pub connect_timeout: Option<String>,
    /// Connections every VU shares, at most this many, instead of one
    /// each.
    pub shared_connections: Option<u64>,
}

/// `[limits]`: what each VU may use, for every scenario of the plan.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LimitsFile {
    /// Linear memory per VU, in MiB.
    pub max_vu_memory: Option<u64>,
    /// How long one guest call may run, e.g. `30s`.
    pub iteration_timeout: Option<String>,
    /// The largest response body a VU may keep in memory, in MiB.
    pub max_kept_body: Option<u64>,
    /// Log lines per second per VU.
    pub log_rate: Option<u32>,
}

/// Per-VU limits, from `[limits]` and the flags (flags win); `None` keeps
/// the host's or the client's default.
#[derive(Debug, Clone, Default)]
pub struct Limits {
    /// Bytes of linear memory per VU.
    pub max_vu_memory: Option<usize>,
    pub iteration_timeout: Option<Duration>,
    /// Bytes of a kept response body.
    pub max_kept_body: Option<usize>,
    pub log_rate: Option<u32>,
}

/// The largest `max_vu_memory`: a 32-bit wasm memory holds at most 4 GiB.
const MAX_VU_MEMORY_MIB: u64 = 4096;

/// `[limits]` and the flags as one checked [`Limits`].
fn lower_limits(file: &LimitsFile, load: &LoadArgs) -> anyhow::Result<Limits> {
    let mib = |field: &str, value: Option<u64>, max: u64| -> anyhow::Result<Option<usize>> {
        value
            .map(|n| {
                if n == 0 || n > max {
                    bail!("{field}: {n} MiB is not between 1 and {max} MiB");
                }
                usize::try_from(n << 20).map_err(|_| anyhow!("{field}: {n} MiB is too large here"))
            })
            .transpose()
    };
    let (memory, memory_field) = match load.max_vu_memory {
        Some(n) => (Some(n), "--max-vu-memory"),
        None => (file.max_vu_memory, "limits.max_vu_memory"),
    };
    let (body, body_field) = match load.max_kept_body {
        Some(n) => (Some(n), "--max-kept-body"),
        None => (file.max_kept_body, "limits.max_kept_body"),
    };
    let iteration_timeout = match load.iteration_timeout {
        Some(t) => Some((t, "--iteration-timeout")),
        None => file
            .iteration_timeout
            .as_deref()
            .map(|t| duration("limits.iteration_timeout", t))
            .transpose()?
            .map(|t| (t, "limits.iteration_timeout")),
    };
    if let Some((t, field)) = iteration_timeout
        && (t < Duration::from_millis(10) || t > throng_engine::MAX_DURATION)
    {
        bail!(
            "{field}: `{}` is not between 10ms and {}",
            humantime::format_duration(t),
            humantime::format_duration(throng_engine::MAX_DURATION)
        );
    }
    Ok(Limits {
        max_vu_memory: mib(memory_field, memory, MAX_VU_MEMORY_MIB)?,
        iteration_timeout: iteration_timeout.map(|(t, _)| t),
        // A kept body ends up in the guest's memory, so no cap above it.
        max_kept_body: mib(body_field, body, MAX_VU_MEMORY_MIB)?,
        log_rate: load.log_rate.or(file.log_rate),
    })
}

/// HTTP settings of a plan, for the client.
#[derive(Debug, Clone, Default)]
pub struct HttpSettings {
    pub insecure: bool,
    pub timeout: Option<Duration>,
    pub connect_timeout: Option<Duration>,
    /// At most this many connections, shared by every VU; `None`: one per
    /// VU and origin.
    pub shared_connections: Option<NonZeroUsize>,
    /// The hosts requests may go to; the default allows none.
    pub allow: AllowList,
}

/// A data set the plan declares, with its path resolved.
#[derive(Debug, Clone)]
pub struct DataDecl {
    pub name: String,
    pub file: PathBuf,
    pub strategy: String,
}

/// Everything a plan file and the command line decide.
#[derive(Debug)]
pub struct Lowered {
    pub plan: Plan,
    pub http: HttpSettings,
    pub limits: Limits,
    pub data: Vec<DataDecl>,
    /// The stored earlier result thresholds and the regression gate read.
    pub previous: Option<PathBuf>,
    /// The largest regression allowed against `previous`, as a fraction.
    pub max_regression: Option<f64>,
}

impl PlanFile {
    /// Read and parse `path`; errors name the file, line and column.
    pub fn read(path: &Path) -> anyhow::Result<PlanFile> {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("cannot read plan {}", path.display()))?;
        let mut file: PlanFile = toml::from_str(&text).map_err(|e| {
            let hint = unknown_field_hint(e.message());
            anyhow!("{}: {}{hint}", path.display(), e.to_string().trim_end())
        })?;
        file.source = Some((path.to_path_buf(), text));
        Ok(file)
    }

    /// `plan.toml:27:5` for a byte offset into the file, or `the plan`
    /// when it was not read from a file.
    fn locate(&self, offset: usize) -> String {
        let Some((path, text)) = &self.source else {
            return "the plan".to_owned();
        };
        let before = &text[..offset.min(text.len())];
        let line = before.matches('\n').count() + 1;
        let column = before
            .rfind('\n')
            .map_or(before.len(), |nl| before.len() - nl - 1)
            + 1;
        format!("{}:{line}:{column}", path.display())
    }
}

/// Lower the plan file and the command line into a validated plan.
/// `module` is the module when the command line named one directly.
pub fn lower(
    mut file: PlanFile,
    base_dir: &Path,
    module: Option<PathBuf>,
    load: &LoadArgs,
) -> anyhow::Result<Lowered> {
    // Resolved only when a scenario uses it: a plan whose scenarios all
    // name their own module may keep an unused default.
    let default_module = || -> anyhow::Result<PathBuf> {
        match (&module, &file.module) {
            (Some(m), _) => Ok(m.clone()),
            (None, Some(m)) => resolve(base_dir, m, &load.module_dirs),
            (None, None) => bail!("the plan names no `module`"),
        }
    };
    let mut written: Vec<(String, ScenarioFile)> = Vec::new();
    if let Some(s) = file.scenario.take() {
        if !file.scenarios.is_empty() {
            bail!("the plan has both [scenario] and [scenarios.*]; use one or the other");
        }
        written.push(("default".to_owned(), s));
    }
    written.extend(std::mem::take(&mut file.scenarios));
    if written.is_empty() {
        written.push(("default".to_owned(), ScenarioFile::default()));
    }
    if written.len() > 1
        && (load.vus.is_some() || load.duration.is_some() || load.iterations.is_some())
    {
        bail!(
            "the plan has {} scenarios; --vus, --duration and --iterations apply to a single one (use --scale to shrink them all)",
            written.len()
        );
    }

    let mut scenarios = Vec::with_capacity(written.len());
    for (name, s) in written {
        let module = match &s.module {
            Some(m) => resolve(base_dir, m, &load.module_dirs)?,
            None => {
                default_module().with_context(|| format!("scenario `{name}` has no `module`"))?
            }
        };
        let mut scenario = lower_scenario(&name, s.clone(), module, load)
            .with_context(|| format!("scenario `{name}`"))?;
        scenario.params = file.params.clone();
        scenario.params.extend(s.params);
        scenario.params.extend(load.params.iter().cloned());
        if let Some(scale) = load.scale {
            apply_scale(&mut scenario, scale);
        }
        scenarios.push(scenario);
    }

    // Each threshold with where it was written, for errors found later.
    let mut thresholds: Vec<(Threshold, String)> = Vec::new();
    for (metric, entries) in &file.thresholds {
        for (i, entry) in entries.iter().enumerate() {
            let at = format!(
                "{}: thresholds.{metric}[{i}]",
                file.locate(entry.span().start)
            );
            let threshold =
                lower_threshold(metric, entry.get_ref()).map_err(|e| anyhow!("{at}: {e:#}"))?;
            thresholds.push((threshold, at));
        }
    }
    for text in &load.thresholds {
        let (metric, expr) = split_threshold(text)?;
        let at = format!("--threshold {text:?}");
        let threshold = Threshold::parse(metric, expr).map_err(|e| anyhow!("{at}: {e}"))?;
        thresholds.push((threshold, at));
    }
    let previous = match (&load.previous, &file.previous) {
        (Some(path), _) => Some(path.clone()),
        (None, Some(path)) => Some(base_dir.join(path)),
        (None, None) => None,
    };
    let max_regression = match (&load.max_regression, &file.max_regression) {
        (Some(text), _) => Some(("--max-regression", text)),
        (None, Some(text)) => Some(("max_regression", text)),
        (None, None) => None,
    }
    .map(|(field, text)| {
        throng_report::compare::parse_percent(text).map_err(|e| anyhow!("{field}: {e}"))
    })
    .transpose()?;
    if max_regression.is_some() && previous.is_none() {
        bail!(
            "max_regression needs a stored result to compare with: set `previous = \"last-good.json\"` in the plan or pass --previous FILE"
        );
    }
    let names: Vec<&str> = scenarios.iter().map(|s| s.name.as_str()).collect();
    for (threshold, at) in &thresholds {
        check_references(threshold, &names, previous.is_some())
            .map_err(|e| anyhow!("{at}: {e}"))?;
    }
    let plan = Plan {
        scenarios,
        thresholds: thresholds.into_iter().map(|(t, _)| t).collect(),
    };
    plan.validate()?;
    let written_hosts = match &file.allow_hosts {
        Some(entries) => Some(
            entries
                .iter()
                .enumerate()
                .map(|(i, entry)| {
                    entry.get_ref().parse::<AllowedHost>().map_err(|e| {
                        anyhow!("{}: allow_hosts[{i}]: {e}", file.locate(entry.span().start))
                    })
                })
                .collect::<anyhow::Result<Vec<_>>>()?,
        ),
        None => None,
    };
    let allow = crate::allow::lower(written_hosts, &load.allow_hosts, &plan.scenarios);

    let data = file
        .data
        .into_iter()
        .map(|(name, d)| DataDecl {
            name,
            file: base_dir.join(d.file),
            strategy: d.strategy,
        })
        .collect();
    let limits = lower_limits(&file.limits, load)?;
    let http = HttpSettings {
        insecure: load.insecure || file.http.insecure,
        timeout: match load.timeout {
            Some(t) => Some(t),
            None => file
                .http
                .timeout
                .as_deref()
                .map(|t| duration("http.timeout", t))
                .transpose()?,
        },
        connect_timeout: match load.connect_timeout {
            Some(t) => Some(t),
            None => file
                .http
                .connect_timeout
                .as_deref()
                .map(|t| duration("http.connect_timeout", t))
                .transpose()?,
        },
        shared_connections: load
            .shared_connections
            .or(file.http.shared_connections)
            .map(|n| {
                usize::try_from(n)
                    .ok()
                    .and_then(NonZeroUsize::new)
                    .ok_or_else(|| {
                        anyhow!(
                            "http.shared_connections: {n} is not between 1 and {}",
                            usize::MAX
                        )
                    })
            })
            .transpose()?,
        allow,
    };
    Ok(Lowered {
        plan,
        http,
        limits,
        data,
        previous,
        max_regression,
    })
}

/// One entry of `[thresholds]`: an expression, or a table with options.
fn lower_threshold(metric: &str, entry: &toml::Value) -> anyhow::Result<Threshold> {
    const KEYS: [&str; 4] = ["threshold", "severity", "abort_on_fail", "delay_abort_eval"];
    let table = match entry {
        toml::Value::String(expression) => return Ok(Threshold::parse(metric, expression)?),
        toml::Value::Table(table) => table,
        other => bail!(
            "expected an expression such as \"p(95) < 500ms\" or a table {{ threshold = \"...\", abort_on_fail = true }}, found {}",
            other.type_str()
        ),
    };
    if let Some(key) = table.keys().find(|key| !KEYS.contains(&key.as_str())) {
        let hint = strsim_hint(key, &KEYS);
        bail!(
            "unknown key `{key}`{hint}; a threshold table takes {}",
            KEYS.join(", ")
        );
    }
    let Some(expression) = table.get("threshold") else {
        bail!(
            "the table has no `threshold`; write e.g. {{ threshold = \"rate < 1%\", abort_on_fail = true }}"
        );
    };
    let Some(expression) = expression.as_str() else {
        bail!("`threshold` must be a string such as \"rate < 1%\"");
    };
    let mut threshold = Threshold::parse(metric, expression)?;
    threshold.severity = match table.get("severity").map(|s| s.as_str()) {
        None | Some(Some("error")) => Severity::Error,
        Some(Some("warning")) => Severity::Warning,
        Some(_) => {
            bail!("`severity` must be \"error\" (fails the run) or \"warning\" (only warns)")
        }
    };
    let abort = match table.get("abort_on_fail") {
        None => false,
        Some(toml::Value::Boolean(abort)) => *abort,
        Some(_) => bail!("`abort_on_fail` must be true or false"),
    };
    let delay = match table.get("delay_abort_eval") {
        None => Duration::ZERO,
        Some(toml::Value::String(text)) => duration("delay_abort_eval", text)?,
        Some(_) => bail!("`delay_abort_eval` must be a duration such as \"10s\""),
    };
    if table.contains_key("delay_abort_eval") && !abort {
        bail!("`delay_abort_eval` only applies with `abort_on_fail = true`");
    }
    if abort && threshold.severity == Severity::Warning {
        bail!("a warning cannot abort the run; drop `severity = \"warning\"` or `abort_on_fail`");
    }
    threshold.abort_on_fail = abort.then_some(delay);
    Ok(threshold)
}

/// ` (did you mean `x`?)` when `key` is near one of `known`: at most a
/// third of its letters (and at least two) away.
fn strsim_hint(key: &str, known: &[&str]) -> String {
    let limit = (key.chars().count() / 3).max(2);
    known
        .iter()
        .map(|k| (strsim::levenshtein(key, k), k))
        .filter(|&(distance, _)| distance <= limit)
        .min()
        .map(|(_, k)| format!(" (did you mean `{k}`?)"))
        .unwrap_or_default()
}

/// The suggestion for serde's unknown-field error, which names the field
/// and the expected ones in backticks: ``unknown field `duraton`, expected
/// one of `module`, `vus`, `duration`, ...``.
fn unknown_field_hint(message: &str) -> String {
    let Some((field, expected)) = message
        .strip_prefix("unknown field `")
        .and_then(|rest| rest.split_once('`'))
    else {
        return String::new();
    };
    let known: Vec<&str> = expected.split('`').skip(1).step_by(2).collect();
    strsim_hint(field, &known)
}

/// Before the run: the scenarios a threshold names exist, and a stored
/// result is at hand when it reads `previous`.
fn check_references(
    threshold: &Threshold,
    scenarios: &[&str],
    previous: bool,
) -> anyhow::Result<()> {
    let exists = |name: &str| -> anyhow::Result<()> {
        if scenarios.contains(&name) {
            return Ok(());
        }
        let hint = strsim_hint(name, scenarios);
        bail!(
            "{threshold}: the plan has no scenario `{name}`{hint}; its scenarios: {}",
            scenarios.join(", ")
        )
    };
    if let Some(name) = threshold.scenario() {
        exists(name)?;
    }
    match threshold.baseline() {
        Some(Baseline::Scenario(name)) => exists(name)?,
        Some(Baseline::Previous) if !previous => bail!(
            "{threshold}: `{PREVIOUS}` needs a stored result: set `previous = \"last-good.json\"` in the plan or pass --previous FILE"
        ),
        _ => {}
    }
    Ok(())
}

fn duration(field: &str, text: &str) -> anyhow::Result<Duration> {
    parse_duration(text).map_err(|e| anyhow!("{field}: {e}"))
}

fn opt_duration(field: &str, text: &Option<String>) -> anyhow::Result<Option<Duration>> {
    text.as_deref().map(|t| duration(field, t)).transpose()
}

fn need<T>(value: Option<T>, executor: &str, field: &str) -> anyhow::Result<T> {
    value.ok_or_else(|| anyhow!("{executor} needs `{field}`"))
}

/// The executors a plan can name.
const EXECUTORS: [&str; 6] = [
    "constant-vus",
    "ramping-vus",
    "per-vu-iterations",
    "shared-iterations",
    "constant-arrival-rate",
    "ramping-arrival-rate",
];

/// One scenario of the file (with the command line's overrides) as the
/// engine's type.
fn lower_scenario(
    name: &str,
    s: ScenarioFile,
    module: PathBuf,
    load: &LoadArgs,
) -> anyhow::Result<Scenario> {
    let vus = load.vus.or(s.vus);
    let iterations = load.iterations.or(s.iterations);
    let run_for = match load.duration {
        Some(d) => Some(d),
        None => opt_duration("duration", &s.duration)?,
    };
    let max_duration = match load.max_duration {
        Some(d) => d,
        None => opt_duration("max_duration", &s.max_duration)?.unwrap_or(Duration::from_secs(600)),
    };
    let time_unit = opt_duration("time_unit", &s.time_unit)?.unwrap_or(Duration::from_secs(1));
    let stages = match &s.stages {
        None => None,
        Some(stages) => Some(
            stages
                .iter()
                .enumerate()
                .map(|(i, st)| {
                    Ok(Stage {
                        duration: duration(&format!("stages[{i}].duration"), &st.duration)?,
                        target: st.target,
                    })
                })
                .collect::<anyhow::Result<Vec<_>>>()?,
        ),
    };
    // The command line's choice wins: `--iterations` means per-VU
    // iterations, `--duration` constant VUs; otherwise the plan's executor,
    // or the one its fields imply.
    let executor_name = match (load.iterations, load.duration) {
        (Some(_), _) => "per-vu-iterations".to_owned(),
        (None, Some(_)) => "constant-vus".to_owned(),
        (None, None) => s.executor.clone().unwrap_or_else(|| {
            let open =
                s.start_rate.is_some() || s.pre_allocated_vus.is_some() || s.max_vus.is_some();
            if stages.is_some() && open {
                "ramping-arrival-rate"
            } else if stages.is_some() {
                "ramping-vus"
            } else if s.rate.is_some() {
                "constant-arrival-rate"
            } else if iterations.is_some() {
                "per-vu-iterations"
            } else {
                "constant-vus"
            }
            .to_owned()
        }),
    };
    // When the command line picked the executor, the plan's fields for its
    // own executor are overridden, not mistaken.
    if load.iterations.is_none() && load.duration.is_none() {
        refuse_unused(&executor_name, &s, load)?;
    }
    let vus = vus.unwrap_or(1);
    let executor = match executor_name.as_str() {
        "constant-vus" => Executor::ConstantVus {
            vus,
            duration: run_for
                .ok_or_else(|| anyhow!("constant-vus needs a `duration` (plan) or `--duration`"))?,
        },
        "per-vu-iterations" => Executor::PerVuIterations {
            vus,
            iterations: iterations.ok_or_else(|| {
                anyhow!("per-vu-iterations needs `iterations` (plan) or `--iterations`")
            })?,
            max_duration,
        },
        "shared-iterations" => Executor::SharedIterations {
            vus,
            iterations: need(iterations, "shared-iterations", "iterations")?,
            max_duration,
        },
        "ramping-vus" => Executor::RampingVus {
            start_vus: s.start_vus.unwrap_or(0),
            stages: need(stages, "ramping-vus", "stages")?,
        },
        "constant-arrival-rate" => Executor::ConstantArrivalRate {
            rate: need(s.rate, "constant-arrival-rate", "rate")?,
            time_unit,
            duration: need(run_for, "constant-arrival-rate", "duration")?,
            pre_allocated_vus: need(
                s.pre_allocated_vus,
                "constant-arrival-rate",
                "pre_allocated_vus",
            )?,
            max_vus: s.max_vus.unwrap_or(0),
        },
        "ramping-arrival-rate" => Executor::RampingArrivalRate {
            start_rate: s.start_rate.unwrap_or(0),
            time_unit,
            stages: need(stages, "ramping-arrival-rate", "stages")?,
            pre_allocated_vus: need(
                s.pre_allocated_vus,
                "ramping-arrival-rate",
                "pre_allocated_vus",
            )?,
            max_vus: s.max_vus.unwrap_or(0),
        },
        other => bail!(
            "executor: unknown executor `{other}`{}; throng knows constant-vus, ramping-vus, per-vu-iterations, \
             shared-iterations, constant-arrival-rate and ramping-arrival-rate",
            strsim_hint(other, &EXECUTORS)
        ),
    };

    let mut scenario = Scenario::new(module, executor);
    scenario.name = name.to_owned();
    // The command line's pause replaces the plan's, whichever form either
    // takes; within one source, think time and a rate cap conflict.
    let (think, rate_per_vu) = if load.think_time.is_some() || load.rate_per_vu.is_some() {
        (load.think_time.clone(), load.rate_per_vu)
    } else {
        (s.think_time.clone(), s.rate_per_vu)
    };
    if (think.is_some() || rate_per_vu.is_some()) && !scenario.executor.is_closed() {
        bail!(
            "think_time and rate_per_vu pace a VU's own loop; {} starts iterations by its rate instead",
            scenario.executor.name()
        );
    }
    if let Some(think) = think {
        scenario.think_time = Some(
            ThinkTime::parse(&think, |t| humantime::parse_duration(t).ok())
                .ok_or_else(|| anyhow!("think_time: `{think}` is not `2s`, a range like `1s..5s` or pacing like `every 2s`"))?,
        );
    }
    if let Some(rate) = rate_per_vu {
        if scenario.think_time.is_some() {
            bail!("rate_per_vu and think_time both set the pause between iterations; use one");
        }
        let pacing = Duration::try_from_secs_f64(1.0 / rate)
            .ok()
            .filter(|p| rate.is_finite() && !p.is_zero() && *p <= throng_engine::MAX_DURATION)
            .ok_or_else(|| anyhow!("rate_per_vu: `{rate}` is not a positive number of iterations per second (at least one a year)"))?;
        scenario.think_time = Some(ThinkTime::Pacing(pacing));
    }
    if let Some(grace) = load.graceful_stop.map(Ok).or(s
        .graceful_stop
        .as_deref()
        .map(|g| duration("graceful_stop", g)))
    {
        scenario.graceful_stop = grace?;
    }
    scenario.task_weights = s.tasks;
    scenario.start = Start {
        after: s.after,
        delay: opt_duration("start_time", &s.start_time)?.unwrap_or_default(),
    };
    Ok(scenario)
}

/// Shrink (or grow) a scenario: every duration (think time and pacing
/// included, so a `rate_per_vu` cap rises as it shrinks) and every VU
/// count, and shared iteration totals, times `scale`; constant counts stay
/// at least 1, ramp targets may reach 0. Arrival rates and per-VU
/// iterations keep their values, and so does an open model's `max_vus`:
/// it is the ceiling the pool may grow to while arrivals wait, which the
/// unchanged rate may need as much as before (only `pre_allocated_vus`,
/// made up front, scales).
fn apply_scale(s: &mut Scenario, scale: f64) {
    // Saturating: absurd durations are refused by validation afterwards.
    let d =
        |d: Duration| Duration::try_from_secs_f64(d.as_secs_f64() * scale).unwrap_or(Duration::MAX);
    let n = |n: u32| ((f64::from(n) * scale).round() as u32).max(1);
    let n0 = |n: u32| (f64::from(n) * scale).round() as u32;
    let stages = |stages: &mut Vec<Stage>, scale_target: bool| {
        for st in stages {
            st.duration = d(st.duration);
            if scale_target {
                st.target = n0(st.target);
            }
        }
    };
    match &mut s.executor {
        Executor::ConstantVus { vus, duration } => {
            *vus = n(*vus);
            *duration = d(*duration);
        }
        Executor::PerVuIterations {
            vus, max_duration, ..
        } => {
            *vus = n(*vus);
            *max_duration = d(*max_duration);
        }
        Executor::SharedIterations {
            vus,
            iterations,
            max_duration,
        } => {
            *vus = n(*vus);
            *iterations = ((*iterations as f64 * scale).round() as u64).max(1);
            *max_duration = d(*max_duration);
        }
        Executor::RampingVus {
            start_vus,
            stages: st,
        } => {
            let peak_before = st
                .iter()
                .map(|x| x.target)
                .chain([*start_vus])
                .max()
                .unwrap_or(0);
            *start_vus = n0(*start_vus);
            stages(st, true);
            // Rounding may flatten a small ramp to nothing: its peak stays
            // at least one VU.
            if peak_before > 0
                && st.iter().all(|x| x.target == 0)
                && *start_vus == 0
                && let Some(peak) = st.iter_mut().find(|x| x.duration > Duration::ZERO)
            {
                peak.target = 1;
            }
        }
        Executor::ConstantArrivalRate {
            duration,
            pre_allocated_vus,
            ..
        } => {
            *duration = d(*duration);
            *pre_allocated_vus = n(*pre_allocated_vus);
        }
        Executor::RampingArrivalRate {
            stages: st,
            pre_allocated_vus,
            ..
        } => {
            stages(st, false);
            *pre_allocated_vus = n(*pre_allocated_vus);
        }
    }
    s.think_time = s.think_time.map(|t| match t {
        ThinkTime::Constant(x) => ThinkTime::Constant(d(x)),
        ThinkTime::Uniform(lo, hi) => ThinkTime::Uniform(d(lo), d(hi)),
        ThinkTime::Pacing(x) => ThinkTime::Pacing(d(x)),
    });
    s.start.delay = d(s.start.delay);
}

/// Refuse fields the chosen executor does not read: a plan that sets them
/// means something the run would not do.
fn refuse_unused(executor: &str, s: &ScenarioFile, load: &LoadArgs) -> anyhow::Result<()> {
    let used: &[&str] = match executor {
        "constant-vus" => &["vus", "duration"],
        "per-vu-iterations" | "shared-iterations" => &["vus", "iterations", "max_duration"],
        "ramping-vus" => &["start_vus", "stages"],
        "constant-arrival-rate" => &[
            "rate",
            "time_unit",
            "duration",
            "pre_allocated_vus",
            "max_vus",
        ],
        "ramping-arrival-rate" => &[
            "start_rate",
            "time_unit",
            "stages",
            "pre_allocated_vus",
            "max_vus",
        ],
        _ => return Ok(()),
    };
    // Fields the command line replaced do not count against the plan.
    let set = [
        ("vus", s.vus.is_some() && load.vus.is_none()),
        ("duration", s.duration.is_some() && load.duration.is_none()),
        (
            "iterations",
            s.iterations.is_some() && load.iterations.is_none(),
        ),
        ("max_duration", s.max_duration.is_some()),
        ("start_vus", s.start_vus.is_some()),
        ("stages", s.stages.is_some()),
        ("rate", s.rate.is_some()),
        ("start_rate", s.start_rate.is_some()),
        ("time_unit", s.time_unit.is_some()),
        ("pre_allocated_vus", s.pre_allocated_vus.is_some()),
        ("max_vus", s.max_vus.is_some()),
    ];
    let unused: Vec<&str> = set
        .iter()
        .filter(|(f, on)| *on && !used.contains(f))
        .map(|(f, _)| *f)
        .collect();
    if !unused.is_empty() {
        bail!(
            "{executor} does not use {}; it reads {}",
            unused.join(", "),
            used.join(", ")
        );
    }
    Ok(())
}

/// A module path from a plan: relative to the plan file, else found in one
/// of the module folders (`--module-dir`).
fn resolve(base_dir: &Path, module: &Path, dirs: &[PathBuf]) -> anyhow::Result<PathBuf> {
    let first = base_dir.join(module);
    if first.exists() || dirs.is_empty() {
        return Ok(first);
    }
    let name = module.file_name().unwrap_or(module.as_os_str());
    let mut tried = vec![first.display().to_string()];
    for dir in dirs {
        let candidate = dir.join(name);
        if candidate.exists() {
            return Ok(candidate);
        }
        tried.push(candidate.display().to_string());
    }
    bail!(
        "module {} not found (looked in: {})",
        module.display(),
        tried.join(", ")
    )
}

/// Split `METRIC: EXPR`; the metric may carry a tag filter with colons
/// (`http_req_duration{name:query}: p(95) < 1s`).
fn split_threshold(text: &str) -> anyhow::Result<(&str, &str)> {
    let search_from = text.find('}').map_or(0, |i| i + 1);
    match text[search_from..].find(':') {
        Some(i) => Ok((
            text[..search_from + i].trim(),
            text[search_from + i + 1..].trim(),
        )),
        None => bail!(
            "--threshold {text:?} is not `METRIC: EXPRESSION`, e.g. `http_req_duration: p(95) < 500ms`"
        ),
    }
}

#[cfg(test)]
mod proptests;

#[cfg(test)]
mod tests {
    use super::*;

    fn lower_text(text: &str, load: &LoadArgs) -> anyhow::Result<Lowered> {
        let file: PlanFile = toml::from_str(text)?;
        lower(file, Path::new("/plans"), None, load)
    }

    #[test]
    fn thresholds_split_after_tag_filters() {
        assert_eq!(
            split_threshold("http_req_duration: p(95) < 1s").unwrap(),
            ("http_req_duration", "p(95) < 1s")
        );
        assert_eq!(
            split_threshold("http_req_duration{name:query}: p(99)<2s").unwrap(),
            ("http_req_duration{name:query}", "p(99)<2s")
        );
        assert!(split_threshold("p(95) < 1s").is_err());
    }

    #[test]
    fn unknown_keys_get_a_suggestion() {
        let hint = |text: &str| {
            let err = toml::from_str::<PlanFile>(text).unwrap_err();
            unknown_field_hint(err.message())
        };
        assert_eq!(
            hint("[scenario]\nduraton = \"1s\"\n"),
            " (did you mean `duration`?)"
        );
        assert_eq!(hint("modul = \"a.wasm\"\n"), " (did you mean `module`?)");
        assert_eq!(
            hint("[data.p]\nfle = \"a.csv\"\n"),
            " (did you mean `file`?)"
        );
        assert_eq!(
            hint("[http]\ntimeuot = \"1s\"\n"),
            " (did you mean `timeout`?)"
        );
        // Nothing near: no guess.
        assert_eq!(hint("[scenario]\nbanana = 1\n"), "");
        assert_eq!(hint("[scenario]\nvus = \"two\"\n"), "");
    }

    #[test]
    fn unknown_keys_name_the_key_and_the_line() {
        let err = toml::from_str::<PlanFile>(
            "module = \"a.wasm\"\n\n[scenario]\nvus = 2\nduraton = \"1s\"\n",
        )
        .unwrap_err();
        let text = err.to_string();
        assert!(text.contains("line 5"), "{text}");
        assert!(text.contains("duraton"), "{text}");
    }

    #[test]
    fn shared_connections_come_from_the_plan_or_the_flag() {
        let plan = |n: &str| {
            format!(
                "module = \"j.wasm\"\n[scenario]\nvus = 5\nduration = \"1s\"\n[http]\nshared_connections = {n}\n"
            )
        };
        let shared = |lowered: Lowered| lowered.http.shared_connections.map(NonZeroUsize::get);
        let none = lower_text(
            &plan("1").replace("shared_connections = 1\n", ""),
            &LoadArgs::default(),
        )
        .unwrap();
        assert_eq!(shared(none), None);
        let from_plan = lower_text(&plan("100"), &LoadArgs::default()).unwrap();
        assert_eq!(shared(from_plan), Some(100));
        let flag = LoadArgs {
            shared_connections: Some(7),
            ..Default::default()
        };
        assert_eq!(shared(lower_text(&plan("100"), &flag).unwrap()), Some(7));
        let err = lower_text(&plan("0"), &LoadArgs::default()).unwrap_err();
        assert!(
            format!("{err:#}").contains("http.shared_connections: 0 is not between 1 and"),
            "{err:#}"
        );
        assert!(lower_text(&plan("-1"), &LoadArgs::default()).is_err());
    }

    #[test]
    fn command_line_overrides_the_plan() {
        let load = LoadArgs {
            vus: Some(7),
            iterations: Some(3),
            params: vec![("k".into(), "v".into())],
            ..Default::default()
        };
        let lowered =
            lower_text("module = \"j.wasm\"\n[scenario]\nvus = 5\nduration = \"10s\"\n[params]\nbase_url = \"x\"\n", &load).unwrap();
        let s = &lowered.plan.scenarios[0];
        assert_eq!(s.module, Path::new("/plans/j.wasm"));
        assert_eq!(
            s.executor,
            Executor::PerVuIterations {
                vus: 7,
                iterations: 3,
                max_duration: Duration::from_secs(600)
            }
        );
        assert_eq!(s.params.len(), 2);
    }

    #[test]
    fn scenarios_keep_their_order_and_start_rules() {
        let text = r#"
            module = "j.wasm"
            [scenarios.warmup]
            vus = 2
            duration = "10s"
            [scenarios.peak]
            after = "warmup"
            executor = "ramping-vus"
            stages = [{ duration = "10s", target = 20 }]
            [scenarios.open]
            executor = "constant-arrival-rate"
            rate = 50
            duration = "1m"
            pre_allocated_vus = 10
            start_time = "5s"
        "#;
        let plan = lower_text(text, &LoadArgs::default()).unwrap().plan;
        let names: Vec<_> = plan.scenarios.iter().map(|s| s.name.as_str()).collect();
        assert_eq!(names, ["warmup", "peak", "open"]);
        assert_eq!(plan.scenarios[1].start.after.as_deref(), Some("warmup"));
        assert_eq!(plan.scenarios[2].start.delay, Duration::from_secs(5));
        assert_eq!(plan.scenarios[2].executor.name(), "constant-arrival-rate");
    }

    #[test]
    fn scale_shrinks_durations_and_users() {
        let text = "module = \"j.wasm\"\n[scenario]\nexecutor = \"shared-iterations\"\nvus = 50\niterations = 5000\nrate_per_vu = 10\n";
        let load = LoadArgs {
            scale: Some(0.1),
            ..Default::default()
        };
        let s = &lower_text(text, &load).unwrap().plan.scenarios[0];
        assert_eq!(
            s.executor,
            Executor::SharedIterations {
                vus: 5,
                iterations: 500,
                max_duration: Duration::from_secs(60)
            }
        );
        assert_eq!(
            s.think_time,
            Some(ThinkTime::Pacing(Duration::from_millis(10)))
        );
    }

    #[test]
    fn stages_with_pool_fields_mean_a_ramping_arrival_rate() {
        let text = "module = \"j.wasm\"\n[scenario]\nstart_rate = 0\npre_allocated_vus = 5\nstages = [{ duration = \"1m\", target = 50 }]\n";
        let s = &lower_text(text, &LoadArgs::default())
            .unwrap()
            .plan
            .scenarios[0];
        assert_eq!(s.executor.name(), "ramping-arrival-rate");
    }

    #[test]
    fn the_command_line_pause_replaces_the_plans() {
        let text =
            "module = \"j.wasm\"\n[scenario]\nvus = 1\nduration = \"1s\"\nrate_per_vu = 10\n";
        let load = LoadArgs {
            think_time: Some("1s".into()),
            ..Default::default()
        };
        let s = &lower_text(text, &load).unwrap().plan.scenarios[0];
        assert_eq!(
            s.think_time,
            Some(ThinkTime::Constant(Duration::from_secs(1)))
        );
    }

    #[test]
    fn scaling_an_open_model_keeps_its_ceiling() {
        let text = "module = \"j.wasm\"\n[scenario]\nexecutor = \"constant-arrival-rate\"\nrate = 50\nduration = \"5m\"\npre_allocated_vus = 20\nmax_vus = 100\n";
        let load = LoadArgs {
            scale: Some(0.01),
            ..Default::default()
        };
        let s = &lower_text(text, &load).unwrap().plan.scenarios[0];
        let Executor::ConstantArrivalRate {
            rate,
            duration,
            pre_allocated_vus,
            max_vus,
            ..
        } = &s.executor
        else {
            panic!("not an arrival rate: {:?}", s.executor);
        };
        assert_eq!(*rate, 50);
        assert_eq!(*duration, Duration::from_secs(3));
        assert_eq!((*pre_allocated_vus, *max_vus), (1, 100));
    }

    #[test]
    fn scaling_keeps_a_small_ramp_alive() {
        let text = "module = \"j.wasm\"\n[scenario]\nstart_vus = 5\nstages = [{ duration = \"60s\", target = 5 }, { duration = \"0s\", target = 10 }]\n";
        let load = LoadArgs {
            scale: Some(0.01),
            ..Default::default()
        };
        let s = &lower_text(text, &load).unwrap().plan.scenarios[0];
        assert_eq!(s.executor.max_vus(), 1);
    }

    #[test]
    fn mistakes_are_named() {
        let cases = [
            (
                "[scenario]\nexecutor = \"ramping\"\n",
                "unknown executor `ramping`",
            ),
            (
                "[scenario]\nexecutor = \"ramping-vus\"\n",
                "ramping-vus needs `stages`",
            ),
            (
                "[scenarios.a]\nvus = 1\nduration = \"1s\"\nafter = \"b\"\n",
                "starts after `b`",
            ),
            (
                "[scenarios.a]\nvus = 1\nduration = \"1s\"\nafter = \"a\"\n",
                "waits on itself",
            ),
            (
                "[scenarios.a]\nvus = 1\nduratoin = \"1s\"\n",
                "unknown field `duratoin`",
            ),
            (
                "[scenario]\nvus = 1\nduration = \"1s\"\nthink_time = \"5s..1s\"\n",
                "think_time",
            ),
            ("[scenario]\nvus = 0\nduration = \"1s\"\n", "at least 1"),
            (
                "[scenario]\nvus = 2\nduration = \"1s\"\niterations = 5\n",
                "per-vu-iterations does not use duration",
            ),
            (
                "[scenario]\nrate = 5\nduration = \"1s\"\npre_allocated_vus = 1\nthink_time = \"1s\"\n",
                "pace a VU's own loop",
            ),
            (
                "[scenario]\nvus = 1\nduration = \"400d\"\n",
                "at most 365 days",
            ),
            (
                "[scenario]\nvus = 2000000\nduration = \"1s\"\n",
                "at most 1000000",
            ),
            (
                "[scenario]\nvus = 1\nduration = \"1s\"\nrate_per_vu = 1e-20\n",
                "rate_per_vu",
            ),
        ];
        for (text, expected) in cases {
            let err = lower_text(
                &format!("module = \"j.wasm\"\n{text}"),
                &LoadArgs::default(),
            )
            .unwrap_err();
            let message = format!("{err:#}");
            assert!(message.contains(expected), "{text:?}: {message}");
        }
    }

    #[test]
    fn limits_come_from_the_plan_and_flags_win() {
        let text = "module = \"j.wasm\"\n[scenario]\nvus = 1\nduration = \"1s\"\n\
                    [limits]\nmax_vu_memory = 32\niteration_timeout = \"30s\"\n\
                    max_kept_body = 4\nlog_rate = 5\n";
        let limits = lower_text(text, &LoadArgs::default()).unwrap().limits;
        assert_eq!(limits.max_vu_memory, Some(32 << 20));
        assert_eq!(limits.iteration_timeout, Some(Duration::from_secs(30)));
        assert_eq!(limits.max_kept_body, Some(4 << 20));
        assert_eq!(limits.log_rate, Some(5));
        let load = LoadArgs {
            max_vu_memory: Some(8),
            iteration_timeout: Some(Duration::from_millis(500)),
            max_kept_body: Some(1),
            log_rate: Some(0),
            ..Default::default()
        };
        let limits = lower_text(text, &load).unwrap().limits;
        assert_eq!(limits.max_vu_memory, Some(8 << 20));
        assert_eq!(limits.iteration_timeout, Some(Duration::from_millis(500)));
        assert_eq!(limits.max_kept_body, Some(1 << 20));
        assert_eq!(limits.log_rate, Some(0));
        let none = lower_text(
            "module = \"j.wasm\"\n[scenario]\nvus = 1\nduration = \"1s\"\n",
            &LoadArgs::default(),
        )
        .unwrap()
        .limits;
        assert_eq!(
            (
                none.max_vu_memory,
                none.iteration_timeout,
                none.max_kept_body,
                none.log_rate
            ),
            (None, None, None, None)
        );
    }

    #[test]
    fn bad_limits_are_named() {
        let plan = |limits: &str| {
            format!(
                "module = \"j.wasm\"\n[scenario]\nvus = 1\nduration = \"1s\"\n[limits]\n{limits}\n"
            )
        };
        let cases = [
            (
                "max_vu_memory = 0",
                "limits.max_vu_memory: 0 MiB is not between 1 and 4096 MiB",
            ),
            ("max_vu_memory = 5000", "limits.max_vu_memory: 5000 MiB"),
            ("max_kept_body = 0", "limits.max_kept_body: 0 MiB"),
            (
                "iteration_timeout = \"0s\"",
                "limits.iteration_timeout: `0s` is not between 10ms",
            ),
            (
                "iteration_timeout = \"soon\"",
                "limits.iteration_timeout: `soon` is not a duration",
            ),
        ];
        for (text, expected) in cases {
            let err = lower_text(&plan(text), &LoadArgs::default()).unwrap_err();
            let message = format!("{err:#}");
            assert!(message.contains(expected), "{text:?}: {message}");
        }
        let err = toml::from_str::<PlanFile>(&plan("log_rte = 5")).unwrap_err();
        assert!(err.to_string().contains("log_rte"), "{err}");
        let load = LoadArgs {
            max_vu_memory: Some(0),
            ..Default::default()
        };
        let err = lower_text(&plan(""), &load).unwrap_err();
        assert!(
            format!("{err:#}").contains("--max-vu-memory: 0 MiB"),
            "{err:#}"
        );
    }
}
