//! `throng:vu/log`: guest messages, rate-limited per VU, handed to a sink
//! the embedder provides (the CLI prints them; this crate never prints).

use std::sync::Arc;
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

/// Messages a VU may log per window, and the window.
const BURST: u32 = 20;
const WINDOW: Duration = Duration::from_secs(1);

/// A per-VU rate limit in front of the sink: at most `BURST` messages per
/// second; the rest are counted and reported with the next delivered one.
pub(crate) struct LogGate {
    sink: Option<Arc<dyn LogSink>>,
    vu: u32,
    window_start: Instant,
    in_window: u32,
    dropped: u64,
}

impl LogGate {
    pub(crate) fn new(sink: Option<Arc<dyn LogSink>>, vu: u32) -> Self {
        LogGate {
            sink,
            vu,
            window_start: Instant::now(),
            in_window: 0,
            dropped: 0,
        }
    }

    pub(crate) fn write(&mut self, level: LogLevel, message: &str) {
        let Some(sink) = &self.sink else { return };
        let now = Instant::now();
        if now.duration_since(self.window_start) >= WINDOW {
            self.window_start = now;
            self.in_window = 0;
        }
        if self.in_window >= BURST {
            self.dropped += 1;
            return;
        }
        self.in_window += 1;
        sink.log(self.vu, level, message, std::mem::take(&mut self.dropped));
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
