//! The validated plan: what to run, with how many VUs, for how long.

use std::collections::BTreeMap;
use std::fmt;
use std::path::PathBuf;
use std::time::Duration;

use throng_metrics::Threshold;

/// A whole test plan, validated. The command line and the TOML plan file
/// both lower into this type; nothing downstream sees either.
#[derive(Debug, Clone)]
pub struct Plan {
    /// Where the journey component comes from.
    pub module: PathBuf,
    /// Parameters handed to the guest (`param(key)`).
    pub params: BTreeMap<String, String>,
    /// The one scenario of this plan.
    pub scenario: Scenario,
    /// SLA thresholds that decide the verdict.
    pub thresholds: Vec<Threshold>,
}

/// One scenario: an executor plus how its VUs behave.
#[derive(Debug, Clone)]
pub struct Scenario {
    /// Name, reported with every result.
    pub name: String,
    /// How iterations are scheduled.
    pub executor: Executor,
    /// Pause between a VU's iterations, taken by the engine.
    pub think_time: Option<ThinkTime>,
    /// How long iterations in flight may finish after the scenario ends.
    pub graceful_stop: Duration,
    /// Task weights that override the journey's defaults.
    pub task_weights: BTreeMap<String, u32>,
}

impl Scenario {
    /// A scenario named `default` with k6's default 30 s graceful stop.
    pub fn new(executor: Executor) -> Self {
        Scenario {
            name: "default".to_owned(),
            executor,
            think_time: None,
            graceful_stop: Duration::from_secs(30),
            task_weights: BTreeMap::new(),
        }
    }
}

/// How a scenario schedules iterations (k6's executors of the same names).
#[derive(Debug, Clone, PartialEq)]
pub enum Executor {
    /// `vus` VUs loop over iterations for `duration`.
    ConstantVus {
        /// Number of VUs.
        vus: u32,
        /// How long new iterations start.
        duration: Duration,
    },
    /// Each of `vus` VUs runs exactly `iterations` iterations, within
    /// `max_duration`.
    PerVuIterations {
        /// Number of VUs.
        vus: u32,
        /// Iterations per VU.
        iterations: u64,
        /// Upper bound on the scenario's duration.
        max_duration: Duration,
    },
}

impl Executor {
    /// The executor's name as written in plans.
    pub fn name(&self) -> &'static str {
        match self {
            Executor::ConstantVus { .. } => "constant-vus",
            Executor::PerVuIterations { .. } => "per-vu-iterations",
        }
    }

    /// Number of VUs it runs.
    pub fn vus(&self) -> u32 {
        match self {
            Executor::ConstantVus { vus, .. } | Executor::PerVuIterations { vus, .. } => *vus,
        }
    }

    /// The longest the scenario runs before its graceful stop.
    pub fn max_duration(&self) -> Duration {
        match self {
            Executor::ConstantVus { duration, .. } => *duration,
            Executor::PerVuIterations { max_duration, .. } => *max_duration,
        }
    }

    /// Check the numbers make sense.
    pub fn validate(&self) -> Result<(), PlanError> {
        if self.vus() == 0 {
            return Err(PlanError::Invalid {
                field: "vus",
                reason: "must be at least 1".into(),
            });
        }
        match self {
            Executor::ConstantVus { duration, .. } if duration.is_zero() => {
                Err(PlanError::Invalid {
                    field: "duration",
                    reason: "must be longer than 0s".into(),
                })
            }
            Executor::PerVuIterations { iterations: 0, .. } => Err(PlanError::Invalid {
                field: "iterations",
                reason: "must be at least 1".into(),
            }),
            _ => Ok(()),
        }
    }
}

/// Pause between a VU's iterations.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum ThinkTime {
    /// Always the same pause.
    Constant(Duration),
    /// A uniformly random pause between the two bounds.
    Uniform(Duration, Duration),
}

impl ThinkTime {
    /// Parse `2s` or `1s..5s` (durations as humantime writes them).
    pub fn parse(text: &str, parse_duration: impl Fn(&str) -> Option<Duration>) -> Option<Self> {
        match text.split_once("..") {
            Some((lo, hi)) => {
                let (lo, hi) = (parse_duration(lo.trim())?, parse_duration(hi.trim())?);
                (lo <= hi).then_some(ThinkTime::Uniform(lo, hi))
            }
            None => parse_duration(text.trim()).map(ThinkTime::Constant),
        }
    }
}

impl fmt::Display for ThinkTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ThinkTime::Constant(d) => write!(f, "{d:?}"),
            ThinkTime::Uniform(lo, hi) => write!(f, "{lo:?}..{hi:?}"),
        }
    }
}

/// A plan that cannot run.
#[derive(Debug, thiserror::Error)]
pub enum PlanError {
    /// A field has a value outside its range.
    #[error("invalid `{field}`: {reason}")]
    Invalid {
        /// The field at fault.
        field: &'static str,
        /// What is wrong with it.
        reason: String,
    },
}
