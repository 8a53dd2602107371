//! Custom metrics and transactions: what the journey measures itself, next
//! to what the host measures for every request.
//!
//! # Custom metrics
//!
//! k6's four kinds, each a free function and a handle type:
//!
//! | kind | function | handle | the results show |
//! |---|---|---|---|
//! | counter | [`counter`] | [`Counter`] | the sum, and the sum per second of the run |
//! | gauge | [`gauge`] | [`Gauge`] | the last value set (by any VU), the minimum and the maximum |
//! | rate | [`rate`] | [`Rate`] | hits, misses and the share of hits |
//! | trend | [`trend`], [`trend_duration`] | [`Trend`] | min, avg, p50, p90, p95, p99, p99.9, max |
//!
//! ```ignore
//! use throng_sdk::metrics::{self, Trend};
//!
//! static QUEUE_WAIT: Trend = Trend::new("queue_wait_ms");
//!
//! metrics::counter("writes", 1.0);
//! metrics::gauge("queue_depth", depth as f64);
//! metrics::rate("cache_hit", r.header("x-cache") == Some("HIT"));
//! QUEUE_WAIT.add(12.5);
//! // Tags ride along for later tag-filtered sub-metrics.
//! metrics::counter_tagged("writes", 1.0, &[("table", "patients")]);
//! ```
//!
//! A metric name is up to 128 ASCII letters, digits or `_`, starting with
//! a letter or `_` (k6's rule), and has one kind in a scenario (its first
//! call decides). Names of built-in metrics (`http_req_duration`, `checks`,
//! `iterations`, ...) are taken. Counters and trends take finite values of 0 or more, gauges
//! any finite value. A call that breaks these rules is ignored and the
//! host logs one warning per name; it never fails the iteration.
//!
//! Trends keep 3 significant digits down to 0.001 of their unit: record
//! durations in milliseconds (as [`trend_duration`] does) to keep
//! microseconds. Tags are accepted but not recorded by the host yet.
//!
//! # Transactions
//!
//! A transaction times a step of several requests, and the waits between
//! them, by name: [`crate::transaction`] wraps a closure; [`start_transaction`]
//! and [`end_transaction`] bracket a step by hand. The host times it with its
//! monotonic clock; the results show, per name, how many ended, how many
//! failed and their durations. A transaction must end in the iteration (or
//! `on_start`) that started it: one still open at its end is counted as
//! interrupted and not timed.

use std::time::Duration;

use crate::__bindings::throng::vu::metrics as wit;

/// The tags of one call, as the host takes them.
fn owned(tags: &[(&str, &str)]) -> Vec<(String, String)> {
    tags.iter()
        .map(|(key, value)| ((*key).to_owned(), (*value).to_owned()))
        .collect()
}

/// Add `value` to the counter `name` (k6's `Counter.add`).
pub fn counter(name: &str, value: f64) {
    wit::add_counter(name, value, &[]);
}

/// [`counter`] with tags.
pub fn counter_tagged(name: &str, value: f64, tags: &[(&str, &str)]) {
    wit::add_counter(name, value, &owned(tags));
}

/// Set the gauge `name` to `value` (k6's `Gauge.add`).
pub fn gauge(name: &str, value: f64) {
    wit::set_gauge(name, value, &[]);
}

/// [`gauge`] with tags.
pub fn gauge_tagged(name: &str, value: f64, tags: &[(&str, &str)]) {
    wit::set_gauge(name, value, &owned(tags));
}

/// Count one event of the rate `name`, a hit when `hit` (k6's `Rate.add`).
pub fn rate(name: &str, hit: bool) {
    wit::add_rate(name, hit, &[]);
}

/// [`rate`] with tags.
pub fn rate_tagged(name: &str, hit: bool, tags: &[(&str, &str)]) {
    wit::add_rate(name, hit, &owned(tags));
}

/// Add `value` to the trend `name` (k6's `Trend.add`).
pub fn trend(name: &str, value: f64) {
    wit::add_trend(name, value, &[]);
}

/// [`trend`] with tags.
pub fn trend_tagged(name: &str, value: f64, tags: &[(&str, &str)]) {
    wit::add_trend(name, value, &owned(tags));
}

/// Add `duration` to the trend `name`, in milliseconds (kept to the
/// microsecond), like the host's own durations.
pub fn trend_duration(name: &str, duration: Duration) {
    trend(name, duration.as_secs_f64() * 1000.0);
}

/// Start timing the transaction `name` for this VU. Prefer
/// [`crate::transaction`], which cannot forget to end it.
pub fn start_transaction(name: &str) {
    wit::start_transaction(name);
}

/// End the transaction `name` this VU started, failed unless `ok`.
pub fn end_transaction(name: &str, ok: bool) {
    wit::end_transaction(name, ok);
}

/// A counter by name, for a `static` or a field: `Counter::new("writes")`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Counter(&'static str);

impl Counter {
    /// The counter `name`.
    pub const fn new(name: &'static str) -> Self {
        Counter(name)
    }
    /// Add `value` ([`counter`]).
    pub fn add(&self, value: f64) {
        counter(self.0, value);
    }
    /// Add `value` with tags ([`counter_tagged`]).
    pub fn add_tagged(&self, value: f64, tags: &[(&str, &str)]) {
        counter_tagged(self.0, value, tags);
    }
}

/// A gauge by name: `Gauge::new("queue_depth")`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Gauge(&'static str);

impl Gauge {
    /// The gauge `name`.
    pub const fn new(name: &'static str) -> Self {
        Gauge(name)
    }
    /// Set it to `value` ([`gauge`]).
    pub fn set(&self, value: f64) {
        gauge(self.0, value);
    }
    /// Set it with tags ([`gauge_tagged`]).
    pub fn set_tagged(&self, value: f64, tags: &[(&str, &str)]) {
        gauge_tagged(self.0, value, tags);
    }
}

/// A rate by name: `Rate::new("cache_hit")`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rate(&'static str);

impl Rate {
    /// The rate `name`.
    pub const fn new(name: &'static str) -> Self {
        Rate(name)
    }
    /// Count one event, a hit when `hit` ([`rate`]).
    pub fn add(&self, hit: bool) {
        rate(self.0, hit);
    }
    /// Count one event with tags ([`rate_tagged`]).
    pub fn add_tagged(&self, hit: bool, tags: &[(&str, &str)]) {
        rate_tagged(self.0, hit, tags);
    }
}

/// A trend by name: `Trend::new("think_ms")`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Trend(&'static str);

impl Trend {
    /// The trend `name`.
    pub const fn new(name: &'static str) -> Self {
        Trend(name)
    }
    /// Add `value` ([`trend`]).
    pub fn add(&self, value: f64) {
        trend(self.0, value);
    }
    /// Add `value` with tags ([`trend_tagged`]).
    pub fn add_tagged(&self, value: f64, tags: &[(&str, &str)]) {
        trend_tagged(self.0, value, tags);
    }
    /// Add `duration` in milliseconds ([`trend_duration`]).
    pub fn add_duration(&self, duration: Duration) {
        trend_duration(self.0, duration);
    }
}
