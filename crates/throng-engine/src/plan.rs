//! The validated plan: scenarios, their executors, and the SLA.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::path::PathBuf;
use std::time::Duration;

use throng_metrics::Threshold;

/// A whole test plan, validated. The command line and the TOML plan file
/// both lower into this type; nothing downstream sees either.
#[derive(Debug, Clone)]
pub struct Plan {
    /// The scenarios, in plan order.
    pub scenarios: Vec<Scenario>,
    /// SLA thresholds that decide the verdict.
    pub thresholds: Vec<Threshold>,
}

impl Plan {
    /// Check every scenario and the references between them.
    pub fn validate(&self) -> Result<(), PlanError> {
        if self.scenarios.is_empty() {
            return Err(PlanError::invalid("scenarios", "the plan has no scenario"));
        }
        let mut names = BTreeSet::new();
        let total_vus: u64 = self
            .scenarios
            .iter()
            .map(|s| u64::from(s.executor.max_vus()))
            .sum();
        if total_vus > u64::from(MAX_VUS) {
            return Err(PlanError::invalid(
                "vus",
                format!("the plan's scenarios add up to {total_vus} VUs; at most {MAX_VUS}"),
            ));
        }
        for s in &self.scenarios {
            let pauses = match s.think_time {
                Some(ThinkTime::Constant(d) | ThinkTime::Pacing(d) | ThinkTime::Uniform(_, d)) => d,
                None => Duration::ZERO,
            };
            if pauses
                .saturating_add(s.start.delay)
                .saturating_add(s.graceful_stop)
                > MAX_DURATION
            {
                return Err(PlanError::invalid(
                    "think_time",
                    format!(
                        "scenario `{}`: pauses, delays and grace may be at most 365 days",
                        s.name
                    ),
                ));
            }
            if !names.insert(s.name.as_str()) {
                return Err(PlanError::invalid(
                    "scenarios",
                    format!("two scenarios are named `{}`", s.name),
                ));
            }
            s.executor.validate().map_err(|e| e.in_scenario(&s.name))?;
        }
        for s in &self.scenarios {
            if let Some(after) = &s.start.after {
                if !names.contains(after.as_str()) {
                    return Err(PlanError::invalid(
                        "after",
                        format!(
                            "scenario `{}` starts after `{after}`, which the plan does not have",
                            s.name
                        ),
                    ));
                }
                // Follow the chain: it must end without coming back.
                let mut seen = BTreeSet::from([s.name.as_str()]);
                let mut next = Some(after.as_str());
                while let Some(name) = next {
                    if !seen.insert(name) {
                        return Err(PlanError::invalid(
                            "after",
                            format!("scenario `{}` waits on itself through `after`", s.name),
                        ));
                    }
                    next = self
                        .scenarios
                        .iter()
                        .find(|x| x.name == name)
                        .and_then(|x| x.start.after.as_deref());
                }
            }
        }
        Ok(())
    }
}

/// One scenario: an executor, the journey it runs and how its VUs behave.
#[derive(Debug, Clone)]
pub struct Scenario {
    /// Name, reported with every result.
    pub name: String,
    /// The journey component.
    pub module: PathBuf,
    /// Parameters handed to the journey (`param(key)`).
    pub params: BTreeMap<String, String>,
    /// How iterations are scheduled.
    pub executor: Executor,
    /// Pause between a VU's iterations, taken by the engine.
    pub think_time: Option<ThinkTime>,
    /// How long iterations in flight may finish after the scenario ends.
    pub graceful_stop: Duration,
    /// Task weights that override the journey's defaults.
    pub task_weights: BTreeMap<String, u32>,
    /// When the scenario starts.
    pub start: Start,
}

impl Scenario {
    /// A scenario named `default` running `module`, starting with the plan,
    /// with k6's default 30 s graceful stop.
    pub fn new(module: impl Into<PathBuf>, executor: Executor) -> Self {
        Scenario {
            name: "default".to_owned(),
            module: module.into(),
            params: BTreeMap::new(),
            executor,
            think_time: None,
            graceful_stop: Duration::from_secs(30),
            task_weights: BTreeMap::new(),
            start: Start::default(),
        }
    }
}

/// When a scenario starts: after another one ends (or with the plan), then
/// after a delay.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Start {
    /// Wait for this scenario to end first.
    pub after: Option<String>,
    /// Then wait this long (k6's `startTime` when `after` is unset).
    pub delay: Duration,
}

/// One stage of a ramping executor: reach `target` linearly over
/// `duration` (a zero duration jumps at once).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stage {
    /// How long the ramp takes.
    pub duration: Duration,
    /// VUs (ramping-vus) or iterations per time unit (ramping-arrival-rate)
    /// at the end of the stage.
    pub target: u32,
}

/// How a scenario schedules iterations: k6's executors of the same names.
#[derive(Debug, Clone, PartialEq)]
pub enum Executor {
    /// `vus` VUs loop over iterations for `duration`.
    ConstantVus {
        /// Number of VUs.
        vus: u32,
        /// How long new iterations start.
        duration: Duration,
    },
    /// The number of VUs follows `stages` from `start_vus`.
    RampingVus {
        /// VUs at the start.
        start_vus: u32,
        /// The ramps.
        stages: Vec<Stage>,
    },
    /// Each of `vus` VUs runs exactly `iterations` iterations.
    PerVuIterations {
        /// Number of VUs.
        vus: u32,
        /// Iterations per VU.
        iterations: u64,
        /// Upper bound on the scenario's duration.
        max_duration: Duration,
    },
    /// `vus` VUs share `iterations` iterations: whoever is free takes the
    /// next.
    SharedIterations {
        /// Number of VUs.
        vus: u32,
        /// Iterations in all.
        iterations: u64,
        /// Upper bound on the scenario's duration.
        max_duration: Duration,
    },
    /// Open model: `rate` iterations start every `time_unit`, whatever the
    /// system's latency, for `duration`.
    ConstantArrivalRate {
        /// Iterations per `time_unit`.
        rate: u32,
        /// The unit of `rate`.
        time_unit: Duration,
        /// How long iterations keep arriving.
        duration: Duration,
        /// VUs made ready before the start.
        pre_allocated_vus: u32,
        /// VUs the executor may grow to when all are busy.
        max_vus: u32,
    },
    /// Open model whose rate follows `stages` from `start_rate`.
    RampingArrivalRate {
        /// Iterations per `time_unit` at the start.
        start_rate: u32,
        /// The unit of the rates.
        time_unit: Duration,
        /// The ramps; targets are rates.
        stages: Vec<Stage>,
        /// VUs made ready before the start.
        pre_allocated_vus: u32,
        /// VUs the executor may grow to when all are busy.
        max_vus: u32,
    },
}

impl Executor {
    /// The executor's name as written in plans.
    pub fn name(&self) -> &'static str {
        match self {
            Executor::ConstantVus { .. } => "constant-vus",
            Executor::RampingVus { .. } => "ramping-vus",
            Executor::PerVuIterations { .. } => "per-vu-iterations",
            Executor::SharedIterations { .. } => "shared-iterations",
            Executor::ConstantArrivalRate { .. } => "constant-arrival-rate",
            Executor::RampingArrivalRate { .. } => "ramping-arrival-rate",
        }
    }

    /// The most VUs it can run at once.
    pub fn max_vus(&self) -> u32 {
        match self {
            Executor::ConstantVus { vus, .. }
            | Executor::PerVuIterations { vus, .. }
            | Executor::SharedIterations { vus, .. } => *vus,
            Executor::RampingVus { start_vus, stages } => stages
                .iter()
                .map(|s| s.target)
                .chain([*start_vus])
                .max()
                .unwrap_or(0),
            Executor::ConstantArrivalRate {
                max_vus,
                pre_allocated_vus,
                ..
            }
            | Executor::RampingArrivalRate {
                max_vus,
                pre_allocated_vus,
                ..
            } => (*max_vus).max(*pre_allocated_vus),
        }
    }

    /// How long the scenario runs before its graceful stop; for
    /// iteration-bound executors, the upper bound.
    pub fn max_duration(&self) -> Duration {
        match self {
            Executor::ConstantVus { duration, .. }
            | Executor::ConstantArrivalRate { duration, .. } => *duration,
            Executor::PerVuIterations { max_duration, .. }
            | Executor::SharedIterations { max_duration, .. } => *max_duration,
            Executor::RampingVus { stages, .. } | Executor::RampingArrivalRate { stages, .. } => {
                stages
                    .iter()
                    .fold(Duration::ZERO, |total, s| total.saturating_add(s.duration))
            }
        }
    }

    /// Whether VUs loop (closed model) rather than take arrivals (open).
    pub fn is_closed(&self) -> bool {
        !matches!(
            self,
            Executor::ConstantArrivalRate { .. } | Executor::RampingArrivalRate { .. }
        )
    }

    /// Whether the scenario's length is known in advance (not bound by
    /// iterations).
    pub fn is_timed(&self) -> bool {
        !matches!(
            self,
            Executor::PerVuIterations { .. } | Executor::SharedIterations { .. }
        )
    }

    /// Check the numbers make sense and stay within what one process can
    /// run ([`MAX_DURATION`], [`MAX_VUS`]).
    pub fn validate(&self) -> Result<(), PlanError> {
        if self.max_duration() > MAX_DURATION {
            return Err(PlanError::invalid(
                "duration",
                "a scenario may last at most 365 days",
            ));
        }
        if self.max_vus() > MAX_VUS {
            return Err(PlanError::invalid(
                "vus",
                format!("at most {MAX_VUS} VUs per scenario"),
            ));
        }
        let positive = |field: &'static str, d: Duration| {
            if d.is_zero() {
                Err(PlanError::invalid(field, "must be longer than 0s"))
            } else {
                Ok(())
            }
        };
        let at_least_one = |field: &'static str, n: u64| {
            if n == 0 {
                Err(PlanError::invalid(field, "must be at least 1"))
            } else {
                Ok(())
            }
        };
        match self {
            Executor::ConstantVus { vus, duration } => {
                at_least_one("vus", (*vus).into())?;
                positive("duration", *duration)
            }
            Executor::PerVuIterations {
                vus,
                iterations,
                max_duration,
            }
            | Executor::SharedIterations {
                vus,
                iterations,
                max_duration,
            } => {
                at_least_one("vus", (*vus).into())?;
                at_least_one("iterations", *iterations)?;
                positive("max_duration", *max_duration)
            }
            Executor::RampingVus { stages, .. } => {
                if stages.is_empty() {
                    return Err(PlanError::invalid(
                        "stages",
                        "ramping-vus needs at least one stage",
                    ));
                }
                positive("stages", self.max_duration())?;
                at_least_one("vus", self.max_vus().into())
            }
            Executor::ConstantArrivalRate {
                rate,
                time_unit,
                duration,
                max_vus,
                pre_allocated_vus,
            } => {
                at_least_one("rate", (*rate).into())?;
                positive("time_unit", *time_unit)?;
                positive("duration", *duration)?;
                at_least_one(
                    "pre_allocated_vus",
                    (*pre_allocated_vus).max(*max_vus).into(),
                )
            }
            Executor::RampingArrivalRate {
                stages,
                time_unit,
                max_vus,
                pre_allocated_vus,
                ..
            } => {
                if stages.is_empty() {
                    return Err(PlanError::invalid(
                        "stages",
                        "ramping-arrival-rate needs at least one stage",
                    ));
                }
                positive("time_unit", *time_unit)?;
                positive("stages", self.max_duration())?;
                at_least_one(
                    "pre_allocated_vus",
                    (*pre_allocated_vus).max(*max_vus).into(),
                )
            }
        }
    }
}

/// The longest a scenario may run.
pub const MAX_DURATION: Duration = Duration::from_secs(365 * 24 * 3600);

/// The most VUs one scenario may have.
pub const MAX_VUS: u32 = 1_000_000;

/// Pause between a VU's iterations.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum ThinkTime {
    /// Always the same pause.
    Constant(Duration),
    /// A uniformly random pause between the two bounds.
    Uniform(Duration, Duration),
    /// Constant pacing: start an iteration every so often, whatever the
    /// last one took (no pause when it took longer). Also a per-VU rate
    /// limit: pacing 100 ms caps a VU at 10 iterations per second.
    Pacing(Duration),
}

impl ThinkTime {
    /// Parse `2s`, a range `1s..5s`, or `every 2s` (pacing), with durations
    /// as `parse_duration` reads them.
    pub fn parse(text: &str, parse_duration: impl Fn(&str) -> Option<Duration>) -> Option<Self> {
        let text = text.trim();
        if let Some(every) = text.strip_prefix("every ") {
            return parse_duration(every.trim())
                .filter(|d| !d.is_zero())
                .map(ThinkTime::Pacing);
        }
        match text.split_once("..") {
            Some((lo, hi)) => {
                let (lo, hi) = (parse_duration(lo.trim())?, parse_duration(hi.trim())?);
                (lo <= hi).then_some(ThinkTime::Uniform(lo, hi))
            }
            None => parse_duration(text).map(ThinkTime::Constant),
        }
    }
}

impl fmt::Display for ThinkTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ThinkTime::Constant(d) => write!(f, "{d:?}"),
            ThinkTime::Uniform(lo, hi) => write!(f, "{lo:?}..{hi:?}"),
            ThinkTime::Pacing(d) => write!(f, "every {d:?}"),
        }
    }
}

/// A plan that cannot run.
#[derive(Debug, thiserror::Error)]
pub enum PlanError {
    /// A field has a value outside its range.
    #[error("{}invalid `{field}`: {reason}", scenario.as_deref().map(|s| format!("scenario `{s}`: ")).unwrap_or_default())]
    Invalid {
        /// The scenario at fault, when it is one scenario's field.
        scenario: Option<String>,
        /// The field at fault.
        field: &'static str,
        /// What is wrong with it.
        reason: String,
    },
}

impl PlanError {
    fn invalid(field: &'static str, reason: impl Into<String>) -> Self {
        PlanError::Invalid {
            scenario: None,
            field,
            reason: reason.into(),
        }
    }

    fn in_scenario(self, name: &str) -> Self {
        match self {
            PlanError::Invalid { field, reason, .. } => PlanError::Invalid {
                scenario: Some(name.to_owned()),
                field,
                reason,
            },
        }
    }
}
