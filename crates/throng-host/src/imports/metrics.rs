//! `throng:vu/metrics`: checks, custom metrics and transactions.
//!
//! A call the host cannot take (a bad name, a kind conflict, a bad value,
//! ending a transaction that is not open) is ignored: the guest is never
//! trapped. The first refusal for each name is logged as a warning through
//! the VU's rate-limited log; later ones for that name, from any VU of the
//! scenario, are not.

use std::collections::HashSet;
use std::sync::{Mutex, PoisonError};

use throng_metrics::MetricError;
use tokio::time::Instant;

use crate::bindings::throng::vu::metrics::Host;
use crate::imports::log::LogLevel;
use crate::state::VuState;

/// Tags a guest gives a custom metric. Accepted, not recorded yet.
type Tags = Vec<(String, String)>;

/// The names whose refused calls were already reported, shared by every VU
/// of a scenario, so a journey that repeats a bad call each iteration warns
/// once, not once per call or per VU.
#[derive(Debug, Default)]
pub(crate) struct Warned {
    metrics: Mutex<HashSet<String>>,
    transactions: Mutex<HashSet<String>>,
}

impl Warned {
    /// Whether `name` is new to `set` (and now in it).
    fn first(set: &Mutex<HashSet<String>>, name: &str) -> bool {
        let mut set = set.lock().unwrap_or_else(PoisonError::into_inner);
        !set.contains(name) && set.insert(name.to_owned())
    }
}

/// A transaction this VU has started and not yet ended.
#[derive(Debug)]
pub(crate) struct OpenTransaction {
    name: String,
    started: Instant,
}

impl VuState {
    /// Logs `refused` as a warning the first time its metric name is
    /// refused.
    fn refused(&mut self, refused: Result<(), MetricError>) {
        let Err(error) = refused else { return };
        if Warned::first(&self.warned.metrics, error.name()) {
            let message = format!("custom metric call ignored: {error} (reported once per name)");
            self.log.write(LogLevel::Warn, &message);
        }
    }

    /// Logs a refused transaction call the first time for `name`.
    fn refused_transaction(&mut self, name: &str, why: &str) {
        if Warned::first(&self.warned.transactions, name) {
            let message =
                format!("transaction call ignored: `{name}` {why} (reported once per name)");
            self.log.write(LogLevel::Warn, &message);
        }
    }

    /// Drops the transactions still open, counting each as interrupted.
    /// Called when an iteration (or `on-start`, `on-stop`) ends, and when
    /// the VU is dropped mid-call.
    pub(crate) fn interrupt_open_transactions(&mut self) {
        for open in self.transactions.drain(..) {
            if let Some(metrics) = &self.metrics {
                metrics.record_interrupted_transaction(&open.name);
            }
        }
    }
}

impl Host for VuState {
    async fn check(&mut self, name: String, passed: bool) -> bool {
        if let Some(metrics) = &self.metrics {
            metrics.record_check(&name, passed);
        }
        passed
    }

    async fn add_counter(&mut self, name: String, value: f64, _tags: Tags) {
        if let Some(metrics) = &self.metrics {
            let result = metrics.add_counter(&name, value);
            self.refused(result);
        }
    }

    async fn set_gauge(&mut self, name: String, value: f64, _tags: Tags) {
        if let Some(metrics) = &self.metrics {
            let result = metrics.set_gauge(&name, value);
            self.refused(result);
        }
    }

    async fn add_rate(&mut self, name: String, hit: bool, _tags: Tags) {
        if let Some(metrics) = &self.metrics {
            let result = metrics.add_rate(&name, hit);
            self.refused(result);
        }
    }

    async fn add_trend(&mut self, name: String, value: f64, _tags: Tags) {
        if let Some(metrics) = &self.metrics {
            let result = metrics.add_trend(&name, value);
            self.refused(result);
        }
    }

    async fn start_transaction(&mut self, name: String) {
        if name.is_empty() {
            self.refused_transaction(&name, "is not a name: a transaction needs one");
        } else if self.transactions.iter().any(|open| open.name == name) {
            self.refused_transaction(&name, "is already open; the second start is ignored");
        } else {
            self.transactions.push(OpenTransaction {
                name,
                started: Instant::now(),
            });
        }
    }

    async fn end_transaction(&mut self, name: String, ok: bool) {
        let Some(index) = self.transactions.iter().position(|open| open.name == name) else {
            self.refused_transaction(&name, "is not open: it was never started or already ended");
            return;
        };
        let open = self.transactions.swap_remove(index);
        if let Some(metrics) = &self.metrics {
            metrics.record_transaction(&open.name, open.started.elapsed(), ok);
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;
    use std::time::Duration;

    use throng_metrics::{CustomValue, Metrics, RunMeta};

    use super::*;
    use crate::config::{Host as Engine, HostOptions};
    use crate::imports::log::LogSink;

    /// Collects the messages a VU logs.
    #[derive(Default)]
    struct Lines(Mutex<Vec<String>>);

    impl LogSink for Lines {
        fn log(&self, _vu: u32, level: LogLevel, message: &str, _dropped: u64) {
            assert_eq!(level, LogLevel::Warn);
            self.0.lock().unwrap().push(message.to_owned());
        }
    }

    /// Two VUs' states recording into one recorder and sharing one
    /// warning set, as the VUs of a scenario do.
    fn two_vus() -> (Arc<Metrics>, Arc<Lines>, VuState, VuState) {
        let lines = Arc::new(Lines::default());
        let engine = Engine::new(HostOptions::default()).unwrap();
        let metrics = Arc::new(Metrics::new());
        let warned = Arc::new(Warned::default());
        let vu = |id| {
            let mut state = VuState::probe(&engine);
            state.metrics = Some(metrics.clone());
            state.warned = warned.clone();
            state.log = crate::imports::log::LogGate::new(Some(lines.clone()), id, 20);
            state
        };
        let (a, b) = (vu(1), vu(2));
        (metrics, lines, a, b)
    }

    fn results(metrics: &Metrics) -> throng_metrics::RunResults {
        metrics.results(RunMeta {
            started_at: std::time::SystemTime::now(),
            duration: Duration::from_secs(1),
            scenario: "default".into(),
            executor: "per-vu-iterations".into(),
            vus: 2,
            module: "test.wasm".into(),
        })
    }

    #[tokio::test]
    async fn refused_calls_warn_once_per_name_across_vus() {
        let (metrics, lines, mut a, mut b) = two_vus();
        for vu in [&mut a, &mut b] {
            vu.add_counter("writes".into(), 1.0, Vec::new()).await;
            vu.add_counter("writes".into(), -1.0, Vec::new()).await;
            vu.set_gauge("writes".into(), 1.0, Vec::new()).await;
            vu.add_trend("http_req_duration".into(), 5.0, Vec::new())
                .await;
            vu.end_transaction("never".into(), true).await;
        }
        let lines = lines.0.lock().unwrap().clone();
        assert_eq!(lines.len(), 3, "{lines:#?}");
        assert!(
            lines[0].contains("counter `writes` cannot take -1"),
            "{}",
            lines[0]
        );
        assert!(lines[1].contains("`http_req_duration` is a built-in metric"));
        assert!(lines[2].contains("`never` is not open"));
        let results = results(&metrics);
        assert_eq!(results.custom.len(), 1);
        assert_eq!(
            results.custom[0].value,
            CustomValue::Counter {
                count: 2.0,
                rate: 2.0
            }
        );
    }

    #[tokio::test]
    async fn transactions_are_timed_by_the_host_and_interrupted_when_left_open() {
        let (metrics, lines, mut vu, _) = two_vus();
        vu.start_transaction("outer".into()).await;
        vu.start_transaction("inner".into()).await;
        tokio::time::sleep(Duration::from_millis(40)).await;
        vu.end_transaction("inner".into(), true).await;
        tokio::time::sleep(Duration::from_millis(10)).await;
        vu.end_transaction("outer".into(), false).await;
        vu.start_transaction("left".into()).await;
        vu.start_transaction("left".into()).await;
        vu.interrupt_open_transactions();
        vu.end_transaction("left".into(), true).await;
        vu.start_transaction(String::new()).await;

        let results = results(&metrics);
        let inner = results.transaction("inner").unwrap();
        assert_eq!((inner.count, inner.failed), (1, 0));
        // A sleep lasts at least as long as asked.
        assert!(inner.stats.min >= 40.0, "{:?}", inner.stats);
        let outer = results.transaction("outer").unwrap();
        assert_eq!((outer.count, outer.failed), (1, 1));
        assert!(
            outer.stats.min >= inner.stats.min + 10.0,
            "{:?}",
            outer.stats
        );
        let left = results.transaction("left").unwrap();
        assert_eq!((left.count, left.interrupted), (0, 1));
        let lines = lines.0.lock().unwrap().clone();
        assert_eq!(lines.len(), 2, "{lines:#?}");
        assert!(lines[0].contains("`left` is already open"));
        assert!(lines[1].contains("`` is not a name"));
    }

    #[tokio::test]
    async fn a_vu_dropped_mid_transaction_counts_it_interrupted() {
        let (metrics, _lines, mut vu, _) = two_vus();
        vu.start_transaction("checkout".into()).await;
        drop(vu);
        let checkout = results(&metrics).transaction("checkout").cloned().unwrap();
        assert_eq!((checkout.count, checkout.interrupted), (0, 1));
    }
}
