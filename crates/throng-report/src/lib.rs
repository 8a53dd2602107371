//! What a person or a CI job sees after a run: the terminal summary and the
//! result files (JSON, CSV, JUnit, HTML), all rendered from
//! [`RunResults`](throng_metrics::RunResults).
//!
//! # Job and boundaries
//!
//! This crate turns results into text and nothing else: it does not
//! record, judge thresholds (the caller fills
//! [`RunResults::thresholds`](throng_metrics::RunResults::thresholds)
//! first) or decide the exit code. It writes to the `Write` it is given and
//! never to stdout itself, and knows no HTTP or WebAssembly type.
//!
//! - [`render_summary`] writes the end-of-test summary: verdict, thresholds
//!   with their observed values, a per-endpoint table, totals, checks,
//!   errors. [`SummaryOptions`] turns colour on and sets the width.
//! - [`write_json`] writes the results file (schema `throng.results/v1`,
//!   documented in `docs/results-schema.md`).
//! - [`write_csv_stats`] and [`write_csv_history`] write Locust-style CSV
//!   (per endpoint, per second), [`write_junit`] JUnit XML (a test case per
//!   threshold and per check); `docs/outputs.md` documents both.
//! - [`write_html`] writes a self-contained HTML report (tables, and charts
//!   over time that the page's own script draws), readable offline.
//! - [`compare`] compares two runs figure by figure and finds regressions
//!   beyond a limit (`throng compare`).
//!
//! # Example
//!
//! ```
//! use std::time::{Duration, SystemTime};
//! use throng_metrics::{Metrics, RunMeta};
//! use throng_report::{SummaryOptions, render_summary, write_json};
//!
//! let results = Metrics::new().results(RunMeta {
//!     started_at: SystemTime::UNIX_EPOCH,
//!     duration: Duration::from_secs(30),
//!     scenario: "default".into(),
//!     executor: "constant-vus".into(),
//!     vus: 10,
//!     module: "journey.wasm".into(),
//! });
//!
//! let mut summary = Vec::new();
//! render_summary(&results, &mut summary, &SummaryOptions::default())?;
//! assert!(String::from_utf8_lossy(&summary).starts_with("– no thresholds to judge"));
//!
//! let mut json = Vec::new();
//! write_json(&results, &mut json)?;
//! # Ok::<(), std::io::Error>(())
//! ```

pub mod compare;
mod csv_out;
mod html;
mod json;
mod junit;
mod style;
mod summary;
mod table;
mod units;

pub use csv_out::{write_csv_history, write_csv_stats};
pub use html::write_html;
pub use json::write_json;
pub use junit::write_junit;
pub use summary::{SummaryOptions, render_summary};
/// A count with thousands separators (`1,234,567`), as every report writes
/// counts; for live views that must match them.
pub use units::count as format_count;
