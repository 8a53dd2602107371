//! `throng:vu/log`: guest messages, rate-limited per VU, handed to a sink
//! the embedder provides (the CLI prints them; this crate never prints).

use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use tokio::time::Instant;

use crate::bindings::throng::vu::log::{Host, Level};
use crate::state::VuState;

/// Severity of a guest message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum LogLevel {
    /// Fine detail.
    Debug,
    /// Normal progress.
    Info,
    /// Something looks wrong.
    Warn,
    /// Something failed.
    Error,
}

/// Receives guest log messages.
pub trait LogSink: Send + Sync {
    /// One message from VU `vu`. `dropped` counts messages this VU lost to
    /// the rate limit since its previous delivered message.
    fn log(&self, vu: u32, level: LogLevel, message: &str, dropped: u64);
}

/// The window the rate limit counts messages in.
const WINDOW: Duration = Duration::from_secs(1);

/// Characters of one message passed on; a longer one is cut.
const MAX_MESSAGE_CHARS: usize = 2_000;

/// A per-VU rate limit in front of the sink: at most `per_second` messages
/// per second (`HostOptions::log_rate`); the rest are counted and reported
/// with the next delivered one.
///
/// Cheap to clone: the guest's `log.write` calls and its captured stdout
/// and stderr (`stdio.rs`) share one gate, and so one rate limit.
#[derive(Clone)]
pub(crate) struct LogGate {
    sink: Option<Arc<dyn LogSink>>,
    vu: u32,
    per_second: u32,
    window: Arc<Mutex<Window>>,
}

/// The rate limit's count for the current second.
struct Window {
    start: Instant,
    passed: u32,
    dropped: u64,
}

impl LogGate {
    pub(crate) fn new(sink: Option<Arc<dyn LogSink>>, vu: u32, per_second: u32) -> Self {
        LogGate {
            sink,
            vu,
            per_second,
            window: Arc::new(Mutex::new(Window {
                start: Instant::now(),
                passed: 0,
                dropped: 0,
            })),
        }
    }

    /// Whether messages go anywhere; writers can skip work when not.
    pub(crate) fn is_open(&self) -> bool {
        self.sink.is_some() && self.per_second > 0
    }

    pub(crate) fn write(&self, level: LogLevel, message: &str) {
        let Some(sink) = &self.sink else { return };
        let dropped = {
            let mut window = self.window.lock().unwrap_or_else(PoisonError::into_inner);
            let now = Instant::now();
            if now.duration_since(window.start) >= WINDOW {
                window.start = now;
                window.passed = 0;
            }
            if window.passed >= self.per_second {
                window.dropped += 1;
                return;
            }
            window.passed += 1;
            std::mem::take(&mut window.dropped)
        };
        match message.char_indices().nth(MAX_MESSAGE_CHARS) {
            None => sink.log(self.vu, level, message, dropped),
            Some((cut, _)) => {
                let message = format!(
                    "{}… ({} more bytes cut)",
                    &message[..cut],
                    message.len() - cut
                );
                sink.log(self.vu, level, &message, dropped);
            }
        }
    }
}

impl Host for VuState {
    async fn write(&mut self, level: Level, message: String) {
        let level = match level {
            Level::Debug => LogLevel::Debug,
            Level::Info => LogLevel::Info,
            Level::Warn => LogLevel::Warn,
            Level::Error => LogLevel::Error,
        };
        self.log.write(level, &message);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Remembers what reached it.
    #[derive(Default)]
    struct Kept(Mutex<Vec<(String, u64)>>);

    impl LogSink for Kept {
        fn log(&self, _vu: u32, _level: LogLevel, message: &str, dropped: u64) {
            self.0.lock().unwrap().push((message.to_owned(), dropped));
        }
    }

    #[tokio::test(start_paused = true)]
    async fn the_gate_passes_its_rate_and_counts_the_rest() {
        let sink = Arc::new(Kept::default());
        let gate = LogGate::new(Some(sink.clone()), 1, 3);
        for i in 0..10 {
            gate.write(LogLevel::Info, &format!("line {i}"));
        }
        tokio::time::advance(WINDOW).await;
        gate.write(LogLevel::Info, "later");
        let kept = sink.0.lock().unwrap().clone();
        let expected = [("line 0", 0), ("line 1", 0), ("line 2", 0), ("later", 7)];
        let expected: Vec<(String, u64)> =
            expected.iter().map(|&(m, d)| (m.to_owned(), d)).collect();
        assert_eq!(kept, expected);
    }

    #[tokio::test(start_paused = true)]
    async fn rate_zero_silences_and_long_lines_are_cut() {
        let sink = Arc::new(Kept::default());
        LogGate::new(Some(sink.clone()), 1, 0).write(LogLevel::Error, "hidden");
        assert!(sink.0.lock().unwrap().is_empty());
        let long = "é".repeat(MAX_MESSAGE_CHARS + 10);
        LogGate::new(Some(sink.clone()), 1, 1).write(LogLevel::Info, &long);
        let (message, _) = sink.0.lock().unwrap()[0].clone();
        assert!(message.starts_with(&"é".repeat(MAX_MESSAGE_CHARS)));
        assert!(message.ends_with("… (20 more bytes cut)"), "{message}");
    }
}
