//! Plans, executors and run control.
//!
//! The engine turns a validated [`Plan`]'s scenarios into VU lifecycles: it
//! creates virtual users through a [`VuFactory`], calls `on_start` once per
//! VU, schedules iterations as each scenario's [`Executor`] says (k6's six
//! executors: closed models with a start barrier or a VU ramp, open models
//! with an arrival schedule and a VU pool), takes think time between
//! iterations outside any guest call, and stops gracefully: at the end no
//! new iteration starts, iterations in flight get the grace period, then
//! they are interrupted and counted so. A VU whose instance is poisoned (a
//! fatal [`VuError`]) is replaced with a fresh one, and a scenario whose
//! iterations all fail stops the run ([`GIVE_UP_AFTER`],
//! [`ScenarioStats::gave_up`]). Scenarios run in parallel or one
//! after another (`after`), and a one-second timeline of active VUs and
//! counts is sampled into each scenario's recorder.
//!
//! The engine knows nothing of wasm, HTTP, TOML or the command line: VUs are
//! anything implementing [`VirtualUser`], so executors are tested with fake
//! VUs under tokio's paused clock. Executors' arithmetic (ramp steps,
//! arrival times) is pure ([`ramping_vus_at`], [`Arrivals`]). Iteration
//! outcomes, schedule lag and dropped iterations go to
//! [`throng_metrics::Metrics`]; requests and checks are recorded by the VUs.
//!
//! ```ignore
//! let run = Run::new(vec![ScenarioEntry { scenario, factory, metrics }]);
//! let control = run.control();          // stop it from a Ctrl-C handler
//! let live = run.live();                // progress display
//! let stats = run.execute().await?;
//! ```

mod closed;
mod executor;
mod live;
mod open;
mod plan;
mod run;
mod scenario;
mod tasks;
mod vu;

pub use executor::{Arrivals, ramping_vus_at, ramping_vus_steps};
pub use live::{ScenarioLive, ScenarioState};
pub use plan::{
    Executor, MAX_DURATION, MAX_VUS, Plan, PlanError, Scenario, Stage, Start, ThinkTime,
};
pub use run::{Run, RunControl, RunError, RunStats, ScenarioEntry, ScenarioStats};
pub use scenario::{GIVE_UP_AFTER, REST_DEFER};
pub use tasks::TaskPicker;
pub use vu::{REST_AFTER, TaskInfo, VirtualUser, VuError, VuFactory, VuInfo};
