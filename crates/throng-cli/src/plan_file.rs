//! The TOML plan file, lowered (with the command line's overrides) into the
//! engine's validated [`Plan`].
//!
//! ```toml
//! module = "clinician.wasm"          # relative to the plan file
//!
//! [params]
//! base_url = "http://127.0.0.1:8080"
//!
//! [scenario]
//! executor = "constant-vus"          # or per-vu-iterations
//! vus = 50
//! duration = "30s"
//! think_time = "1s..5s"
//!
//! [scenario.tasks]                   # override the journey's task weights
//! ask = 4
//!
//! [thresholds]
//! http_req_duration = ["p(95) < 500ms"]
//! "http_req_duration{name:query}" = ["p(99) < 1s"]
//! http_req_failed = ["rate < 1%"]
//! ```

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{Context, anyhow, bail};
use serde::Deserialize;
use throng_engine::{Executor, Plan, Scenario, ThinkTime};
use throng_metrics::Threshold;

use crate::args::{LoadArgs, parse_duration};

/// The file as written.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PlanFile {
    /// The journey component, relative to the plan file.
    pub module: Option<PathBuf>,
    #[serde(default)]
    pub params: BTreeMap<String, String>,
    #[serde(default)]
    pub scenario: ScenarioFile,
    #[serde(default)]
    pub thresholds: BTreeMap<String, Vec<String>>,
    #[serde(default)]
    pub http: HttpFile,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScenarioFile {
    pub name: Option<String>,
    pub executor: Option<String>,
    pub vus: Option<u32>,
    pub duration: Option<String>,
    pub iterations: Option<u64>,
    pub max_duration: Option<String>,
    pub think_time: Option<String>,
    pub graceful_stop: Option<String>,
    #[serde(default)]
    pub tasks: BTreeMap<String, u32>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HttpFile {
    #[serde(default)]
    pub insecure: bool,
    pub timeout: Option<String>,
}

/// HTTP settings of a plan, for the client.
#[derive(Debug, Clone, Default)]
pub struct HttpSettings {
    pub insecure: bool,
    pub timeout: Option<Duration>,
}

impl PlanFile {
    /// Read and parse `path`; errors name the file, line and column.
    pub fn read(path: &Path) -> anyhow::Result<PlanFile> {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("cannot read plan {}", path.display()))?;
        toml::from_str(&text)
            .map_err(|e| anyhow!("{}: {}", path.display(), e.to_string().trim_end()))
    }
}

/// Lower the plan file and the command line into a validated plan.
/// `module` is the module when the command line named one directly.
pub fn lower(
    file: PlanFile,
    base_dir: &Path,
    module: Option<PathBuf>,
    load: &LoadArgs,
) -> anyhow::Result<(Plan, HttpSettings)> {
    let module = match (module, file.module) {
        (Some(m), _) => m,
        (None, Some(m)) => base_dir.join(m),
        (None, None) => bail!("the plan names no `module` (the journey's .wasm file)"),
    };
    let s = file.scenario;
    let duration = |field: &str, text: &Option<String>| -> anyhow::Result<Option<Duration>> {
        text.as_deref()
            .map(|t| parse_duration(t).map_err(|e| anyhow!("scenario.{field}: {e}")))
            .transpose()
    };
    let vus = load.vus.or(s.vus).unwrap_or(1);
    let iterations = load.iterations.or(s.iterations);
    let run_for = load.duration.or(duration("duration", &s.duration)?);
    let max_duration = load
        .max_duration
        .or(duration("max_duration", &s.max_duration)?)
        .unwrap_or(Duration::from_secs(600));
    // The command line's choice wins: `--iterations` means per-VU iterations,
    // `--duration` constant VUs; otherwise the plan's executor.
    let executor_name = match (load.iterations, load.duration) {
        (Some(_), _) => "per-vu-iterations".to_owned(),
        (None, Some(_)) => "constant-vus".to_owned(),
        (None, None) => s.executor.clone().unwrap_or_else(|| {
            if iterations.is_some() {
                "per-vu-iterations"
            } else {
                "constant-vus"
            }
            .to_owned()
        }),
    };
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
        other => bail!(
            "scenario.executor: unknown executor `{other}`; this version knows `constant-vus` and `per-vu-iterations`"
        ),
    };
    executor.validate()?;

    let mut scenario = Scenario::new(executor);
    if let Some(name) = s.name {
        scenario.name = name;
    }
    if let Some(think) = load.think_time.clone().or(s.think_time) {
        scenario.think_time = Some(
            ThinkTime::parse(&think, |t| humantime::parse_duration(t).ok()).ok_or_else(|| {
                anyhow!("think_time: `{think}` is not `2s` or a range like `1s..5s`")
            })?,
        );
    }
    if let Some(grace) = load
        .graceful_stop
        .or(duration("graceful_stop", &s.graceful_stop)?)
    {
        scenario.graceful_stop = grace;
    }
    scenario.task_weights = s.tasks;

    let mut thresholds = Vec::new();
    for (metric, exprs) in &file.thresholds {
        for expr in exprs {
            thresholds.push(
                Threshold::parse(metric, expr).map_err(|e| anyhow!("thresholds.{metric}: {e}"))?,
            );
        }
    }
    for text in &load.thresholds {
        let (metric, expr) = split_threshold(text)?;
        thresholds.push(
            Threshold::parse(metric, expr).map_err(|e| anyhow!("--threshold {text:?}: {e}"))?,
        );
    }

    let mut params = file.params;
    params.extend(load.params.iter().cloned());

    let http = HttpSettings {
        insecure: load.insecure || file.http.insecure,
        timeout: match load.timeout {
            Some(t) => Some(t),
            None => file
                .http
                .timeout
                .as_deref()
                .map(|t| parse_duration(t).map_err(|e| anyhow!("http.timeout: {e}")))
                .transpose()?,
        },
    };
    Ok((
        Plan {
            module,
            params,
            scenario,
            thresholds,
        },
        http,
    ))
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
mod tests {
    use super::*;

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
    fn command_line_overrides_the_plan() {
        let file: PlanFile = toml::from_str(
            "module = \"j.wasm\"\n[scenario]\nvus = 5\nduration = \"10s\"\n[params]\nbase_url = \"x\"\n",
        )
        .unwrap();
        let load = LoadArgs {
            vus: Some(7),
            iterations: Some(3),
            params: vec![("k".into(), "v".into())],
            ..Default::default()
        };
        let (plan, _) = lower(file, Path::new("/plans"), None, &load).unwrap();
        assert_eq!(plan.module, Path::new("/plans/j.wasm"));
        assert_eq!(
            plan.scenario.executor,
            Executor::PerVuIterations {
                vus: 7,
                iterations: 3,
                max_duration: Duration::from_secs(600)
            }
        );
        assert_eq!(plan.params.len(), 2);
    }
}
