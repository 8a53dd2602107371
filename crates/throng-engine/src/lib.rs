//! Plans, executors and run control.
//!
//! The engine turns a validated [`Plan`]'s scenario into VU lifecycles: it
//! creates virtual users through a [`VuFactory`], calls `on_start` once per
//! VU, runs iterations as the executor dictates, waits think time between
//! them (outside any guest call, so a waiting VU holds no fiber), and stops
//! gracefully: at the end no new iteration starts, iterations in flight get
//! the scenario's grace period, then they are interrupted and counted so.
//!
//! The engine knows nothing of wasm, HTTP, TOML or the command line: VUs are
//! anything implementing [`VirtualUser`], so executors are tested with fake
//! VUs, and the plan arrives already validated. Iteration outcomes go to
//! [`throng_metrics::Metrics`]; requests and checks are recorded by the VUs.
//!
//! ```ignore
//! let run = Run::new(plan.scenario.clone(), metrics.clone());
//! let control = run.control();          // stop it from a Ctrl-C handler
//! let stats = run.execute(factory).await;
//! ```

mod executor;
mod plan;
mod run;
mod tasks;
mod vu;

pub use plan::{Executor, Plan, PlanError, Scenario, ThinkTime};
pub use run::{Run, RunControl, RunStats};
pub use tasks::TaskPicker;
pub use vu::{TaskInfo, VirtualUser, VuError, VuFactory, VuInfo};
