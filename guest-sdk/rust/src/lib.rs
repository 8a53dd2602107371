//! Write throng journeys in Rust.
//!
//! A journey is what one virtual user (VU) does. Implement [`Journey`] on a
//! struct that holds the VU's state (a token, a cart, a job id) and export it
//! with [`journey!`]; build the crate as a `cdylib` for `wasm32-wasip2` and
//! hand the `.wasm` file to `throng run`.
//!
//! ```ignore
//! use throng_sdk::prelude::*;
//!
//! #[derive(Default)]
//! struct Clinician { token: String }
//!
//! impl Journey for Clinician {
//!     fn on_start(&mut self) -> Result<()> {
//!         let r = http::post(format!("{}/login", param("base_url")?))
//!             .json(&serde_json::json!({"username": "clinician", "password": "secret"}))
//!             .send()?;
//!         self.token = r.json::<serde_json::Value>()?["token"].as_str().unwrap_or_default().into();
//!         Ok(())
//!     }
//!     fn iteration(&mut self, _task: &str) -> Result<()> {
//!         let r = http::get(format!("{}/health", param("base_url")?)).name("health").send()?;
//!         check("health is 200", r.status == 200);
//!         // A row of the plan's `patients` data set, picked by its strategy.
//!         let patient = data::next("patients")?;
//!         let id = patient.get_or_err("id")?;
//!         http::get(format!("{}/patients/{id}", param("base_url")?))
//!             .name("patient")
//!             .bearer(&self.token)
//!             .send()?;
//!         sleep_between(1.0, 5.0);
//!         Ok(())
//!     }
//! }
//! throng_sdk::journey!(Clinician);
//! ```
//!
//! Besides [`http`], a journey has [`check`], [`param`], think time
//! ([`sleep_between`]), [`log`], and [`data`]: rows from the plan's data
//! sets (CSV or JSON files the host loads once and shares between VUs),
//! handed out `sequential-unique`, `random` or `round-robin` as the plan
//! says.
//!
//! # Custom metrics
//!
//! A journey can measure what the host cannot see. [`metrics`] has k6's
//! four kinds: counters (`metrics::counter("writes", 1.0)`), gauges
//! (`metrics::gauge("queue_depth", 7.0)`), rates
//! (`metrics::rate("cache_hit", hit)`) and trends
//! (`metrics::trend("think_ms", 12.5)`), each with a `_tagged` form and a
//! handle type for a `static` (`Trend::new("think_ms").add(12.5)`).
//! [`transaction`] times a step of several requests by name:
//!
//! ```ignore
//! throng_sdk::transaction("checkout", || {
//!     http::post(format!("{base}/cart")).json(&item).send()?;
//!     http::post(format!("{base}/pay")).json(&card).send()?;
//!     Ok(())
//! })?;
//! ```
//!
//! They appear in the summary's "Custom metrics" and "Transactions"
//! sections and in the results file (`custom`, `transactions`). A bad call
//! (an invalid name, a built-in name, a negative counter) is ignored, with
//! one warning per name in the log.
//!
//! # Thousands of VUs
//!
//! What a VU costs per request and while it thinks is mostly the host's,
//! but a journey can help. A request sent unchanged in every iteration is
//! best made once, in `on_start`, with [`http::RequestBuilder::prepare`]:
//! the host keeps it and each send passes a handle.
//! [`http::RequestBuilder::ignore_response_headers`] spares copying
//! headers nothing reads, and [`http::RequestBuilder::discard_body`] a
//! body.
//!
//! A resting VU keeps the pages its guest wrote above the shadow stack:
//! the static data, the heap's first page and, at the end of the initial
//! memory, the allocator's footer. Rust puts a 1 MiB stack first, so for a
//! small journey these are three 4 KiB pages with a dozen untouched ones
//! between. A journey whose static data and resting heap fit in 4 KiB can
//! keep one instead by linking with a stack 4 KiB short of its initial
//! memory (17 wasm pages for most), in a `build.rs` (8 KiB short keeps two
//! and leaves room for 8 KiB):
//!
//! ```ignore
//! fn main() {
//!     println!("cargo::rustc-cdylib-link-arg=-zstack-size={}", 17 * 65536 - 4096);
//! }
//! ```
//!
//! throng's own `--url` journey does this, built with `lto = "fat"` and
//! `codegen-units = 1` (its data is 3.6 KiB, and its instance has a third
//! fewer function-table slots; a trap then names fewer of a journey's own
//! functions, since they are inlined): 8 KiB less per VU at 10,000 VUs,
//! BENCHMARKS.md. The
//! stack grows, so nothing runs out sooner; with more data the linker
//! grows the initial memory and the saving is simply not there, and a heap
//! that outgrows the room left grows the memory and touches more pages.
//!
//! The SDK is a thin layer over bindings that `wit-bindgen` generates from the
//! repository's `wit/` folder; it owns no sockets, clocks or files. Every
//! capability comes from the host through the `throng:vu` contract.

extern crate self as throng_sdk;

pub mod data;
pub mod http;
pub mod metrics;

mod error;
mod runtime;

pub use error::{Error, Result};

use std::time::Duration;

#[doc(hidden)]
pub mod __bindings {
    wit_bindgen::generate!({
        path: "../../wit",
        world: "vu",
        pub_export_macro: true,
        export_macro_name: "__export_vu",
        default_bindings_module: "::throng_sdk::__bindings",
        runtime_path: "::throng_sdk::__wit_bindgen::rt",
    });
}

#[doc(hidden)]
pub use runtime::Exports as __Exports;
#[doc(hidden)]
pub use wit_bindgen as __wit_bindgen;

use __bindings::throng::vu::{clock, context, log as wit_log, metrics as wit_metrics};

/// One task a journey offers, with its default weight.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Task {
    /// The name the host passes back to [`Journey::iteration`].
    pub name: String,
    /// Relative weight when the host draws tasks at random.
    pub weight: u32,
}

impl Task {
    /// A task named `name` with relative `weight`.
    pub fn new(name: impl Into<String>, weight: u32) -> Self {
        Task {
            name: name.into(),
            weight,
        }
    }
}

/// What one virtual user does. One value of the implementing type lives per
/// VU, from `on_start` to `on_stop`, so fields carry state across iterations.
pub trait Journey: Default + 'static {
    /// The tasks this journey offers (Locust-style weighted tasks). The
    /// default is a single task named `default`.
    fn tasks() -> Vec<Task> {
        Vec::new()
    }

    /// Runs once per VU before its first iteration: log in, fetch a token.
    fn on_start(&mut self) -> Result<()> {
        Ok(())
    }

    /// One pass of the journey running `task`. An error fails the iteration
    /// and is counted; the VU goes on with its next iteration.
    fn iteration(&mut self, task: &str) -> Result<()>;

    /// Runs once per VU after its last iteration.
    fn on_stop(&mut self) {}
}

/// Export a [`Journey`] type as this component's journey.
///
/// ```ignore
/// throng_sdk::journey!(Clinician);
/// ```
#[macro_export]
macro_rules! journey {
    ($ty:ty) => {
        const _: () = {
            type __ThrongJourney = $crate::__Exports<$ty>;
    $crate::__bindings::__export_vu!(__ThrongJourney with_types_in $crate::__bindings);
        };
    };
}

/// Record a named check and return `passed`, so it can guard what follows.
pub fn check(name: &str, passed: bool) -> bool {
    wit_metrics::check(name, passed)
}

/// Run `step` as the transaction `name`: the host times it from start to
/// end, every request and wait inside included, and counts it failed when
/// `step` returns an error. Returns what `step` returned.
///
/// ```ignore
/// let token = throng_sdk::transaction("login", || {
///     http::get(format!("{base}/login")).name("login form").send()?;
///     let r = http::post(format!("{base}/login")).json(&creds).send()?;
///     Ok(r.json::<Login>()?.token)
/// })?;
/// ```
///
/// Transactions with different names may nest. See [`metrics`] for the
/// results and for [`metrics::start_transaction`], the form without a
/// closure.
pub fn transaction<T, E>(name: &str, step: impl FnOnce() -> Result<T, E>) -> Result<T, E> {
    wit_metrics::start_transaction(name);
    let result = step();
    wit_metrics::end_transaction(name, result.is_ok());
    result
}

/// A plan parameter (`[params]` in the plan, `--param key=value`), or an
/// error naming the missing key.
pub fn param(key: &str) -> Result<String> {
    context::param(key).ok_or_else(|| Error::msg(format!("missing plan parameter `{key}`")))
}

/// A plan parameter, or `default` when the plan does not set it.
pub fn param_or(key: &str, default: &str) -> String {
    context::param(key).unwrap_or_else(|| default.to_owned())
}

/// This VU's number, from 1.
pub fn vu_id() -> u32 {
    context::vu_id()
}

/// This VU's iteration number, from 0.
pub fn iteration() -> u64 {
    context::iteration()
}

/// The scenario this VU runs in.
pub fn scenario() -> String {
    context::scenario()
}

/// A random `u64` from this VU's own host-seeded generator.
pub fn random_u64() -> u64 {
    context::random()
}

/// A random index in `0..n` (0 when `n` is 0).
pub fn random_below(n: u64) -> u64 {
    if n == 0 { 0 } else { context::random() % n }
}

/// Pick one element of `items` at random.
pub fn pick<T>(items: &[T]) -> &T {
    &items[random_below(items.len() as u64) as usize]
}

/// Time since this VU's run started.
pub fn now() -> Duration {
    Duration::from_micros(clock::now_us())
}

/// Suspend this VU for `d`. The host sleeps asynchronously; a sleeping VU
/// holds no thread.
pub fn sleep(d: Duration) {
    clock::sleep_ms(d.as_millis() as u64);
}

/// Think time: sleep a uniformly random time between `min_s` and `max_s`
/// seconds.
pub fn sleep_between(min_s: f64, max_s: f64) {
    let (lo, hi) = if min_s <= max_s {
        (min_s, max_s)
    } else {
        (max_s, min_s)
    };
    let unit = (random_u64() >> 11) as f64 / (1u64 << 53) as f64;
    sleep(Duration::from_secs_f64((lo + (hi - lo) * unit).max(0.0)));
}

/// Leveled messages for the person running the test (rate-limited by the
/// host).
pub mod log {
    use super::wit_log::{Level, write};

    /// A debug message.
    pub fn debug(message: &str) {
        write(Level::Debug, message);
    }
    /// An informational message.
    pub fn info(message: &str) {
        write(Level::Info, message);
    }
    /// A warning.
    pub fn warn(message: &str) {
        write(Level::Warn, message);
    }
    /// An error message.
    pub fn error(message: &str) {
        write(Level::Error, message);
    }
}

/// Everything a journey usually needs, in one import.
pub mod prelude {
    pub use crate::data;
    pub use crate::http;
    pub use crate::log;
    pub use crate::metrics;
    pub use crate::{
        Error, Journey, Result, Task, check, iteration, now, param, param_or, pick, random_below,
        random_u64, scenario, sleep, sleep_between, transaction, vu_id,
    };
    pub use std::time::Duration;
}
