//! Where human output goes: color choice and the guest log sink.

use std::io::IsTerminal;
use std::sync::OnceLock;

use throng_host::{LogLevel, LogSink};

use crate::progress::ProgressHandle;

/// Whether to color stdout: a terminal, and neither `--no-color` nor
/// `NO_COLOR` (no-color.org).
pub fn color(no_color: bool) -> bool {
    !no_color && std::env::var_os("NO_COLOR").is_none() && std::io::stdout().is_terminal()
}

/// Prints guest log messages to stderr, prefixed with the VU, without
/// tearing the live progress block.
pub struct StderrLog {
    quiet: bool,
    progress: OnceLock<ProgressHandle>,
}

impl StderrLog {
    pub fn new(quiet: bool) -> Self {
        StderrLog {
            quiet,
            progress: OnceLock::new(),
        }
    }

    /// Print through the progress display from now on.
    pub fn attach(&self, progress: ProgressHandle) {
        let _ = self.progress.set(progress);
    }
}

impl LogSink for StderrLog {
    fn log(&self, vu: u32, level: LogLevel, message: &str, dropped: u64) {
        if self.quiet && level < LogLevel::Error {
            return;
        }
        let level = match level {
            LogLevel::Debug => "debug",
            LogLevel::Info => "info",
            LogLevel::Warn => "warn",
            LogLevel::Error => "error",
        };
        let print = || {
            if dropped > 0 {
                eprintln!("[vu {vu}] ({dropped} messages dropped by the log rate limit)");
            }
            eprintln!("[vu {vu}] {level}: {message}");
        };
        match self.progress.get() {
            Some(progress) => progress.suspend(print),
            None => print(),
        }
    }
}
