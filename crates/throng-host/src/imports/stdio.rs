//! A guest's WASI stdout and stderr, captured line by line into the VU's
//! log: `print` in Python, `console.log` in JavaScript and `println!` in
//! Rust reach the person running the test like `log.write` does, under the
//! same per-VU rate limit. Nothing reaches the process's own stdout.

use std::sync::{Arc, Mutex, PoisonError};

use wasmtime_wasi::cli::{IsTerminal, StdoutStream};
use wasmtime_wasi::p2::{OutputStream, Pollable, StreamResult};

use crate::imports::log::{LogGate, LogLevel};
use crate::limits::StderrTail;

/// Bytes of a line kept before it is passed on unfinished: a guest that
/// writes without a newline still shows up, in pieces of this size.
const MAX_LINE: usize = 4 * 1024;

/// One of a guest's output streams. Clones share the unfinished line.
#[derive(Clone)]
pub(crate) struct GuestOutput {
    lines: Arc<Mutex<Lines>>,
}

struct Lines {
    gate: LogGate,
    level: LogLevel,
    /// The bytes of the line being written, without its newline.
    pending: Vec<u8>,
    /// stderr also feeds the tail that trap messages quote.
    tail: Option<StderrTail>,
}

impl GuestOutput {
    /// Stdout: each line is logged at `info`.
    pub(crate) fn stdout(gate: LogGate) -> GuestOutput {
        GuestOutput::new(gate, LogLevel::Info, None)
    }

    /// Stderr: each line is logged at `warn`, and the last bytes are kept
    /// in `tail` so a trap can say what a panicking guest printed.
    pub(crate) fn stderr(gate: LogGate, tail: StderrTail) -> GuestOutput {
        GuestOutput::new(gate, LogLevel::Warn, Some(tail))
    }

    fn new(gate: LogGate, level: LogLevel, tail: Option<StderrTail>) -> GuestOutput {
        GuestOutput {
            lines: Arc::new(Mutex::new(Lines {
                gate,
                level,
                pending: Vec::new(),
                tail,
            })),
        }
    }

    fn push(&self, bytes: &[u8]) {
        self.lines
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(bytes);
    }
}

impl Lines {
    fn push(&mut self, mut bytes: &[u8]) {
        if let Some(tail) = &self.tail {
            tail.push(bytes);
        }
        if !self.gate.is_open() {
            return;
        }
        while let Some(end) = bytes.iter().position(|&b| b == b'\n') {
            self.pending.extend_from_slice(&bytes[..end]);
            self.emit();
            bytes = &bytes[end + 1..];
        }
        self.pending.extend_from_slice(bytes);
        while self.pending.len() >= MAX_LINE {
            let rest = self.pending.split_off(MAX_LINE);
            self.emit();
            self.pending = rest;
        }
    }

    /// Logs the pending line, if it holds more than white space.
    fn emit(&mut self) {
        let line = String::from_utf8_lossy(&self.pending);
        let line = line.trim_end();
        if !line.trim_start().is_empty() {
            self.gate.write(self.level, line);
        }
        self.pending.clear();
    }
}

impl Drop for Lines {
    /// A last line without its newline is still shown.
    fn drop(&mut self) {
        if !self.pending.is_empty() {
            self.emit();
        }
    }
}

impl IsTerminal for GuestOutput {
    fn is_terminal(&self) -> bool {
        false
    }
}

impl StdoutStream for GuestOutput {
    fn p2_stream(&self) -> Box<dyn OutputStream> {
        Box::new(self.clone())
    }

    fn async_stream(&self) -> Box<dyn tokio::io::AsyncWrite + Send + Sync> {
        Box::new(self.clone())
    }
}

#[wasmtime_wasi::async_trait]
impl Pollable for GuestOutput {
    async fn ready(&mut self) {}
}

impl OutputStream for GuestOutput {
    fn write(&mut self, bytes: bytes::Bytes) -> StreamResult<()> {
        self.push(&bytes);
        Ok(())
    }

    fn flush(&mut self) -> StreamResult<()> {
        Ok(())
    }

    fn check_write(&mut self) -> StreamResult<usize> {
        Ok(64 * 1024)
    }
}

impl tokio::io::AsyncWrite for GuestOutput {
    fn poll_write(
        self: std::pin::Pin<&mut Self>,
        _cx: &mut std::task::Context<'_>,
        buf: &[u8],
    ) -> std::task::Poll<std::io::Result<usize>> {
        self.push(buf);
        std::task::Poll::Ready(Ok(buf.len()))
    }

    fn poll_flush(
        self: std::pin::Pin<&mut Self>,
        _cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        std::task::Poll::Ready(Ok(()))
    }

    fn poll_shutdown(
        self: std::pin::Pin<&mut Self>,
        _cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        std::task::Poll::Ready(Ok(()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::imports::log::LogSink;

    #[derive(Default)]
    struct Kept(Mutex<Vec<(LogLevel, String)>>);

    impl LogSink for Kept {
        fn log(&self, _vu: u32, level: LogLevel, message: &str, _dropped: u64) {
            self.0.lock().unwrap().push((level, message.to_owned()));
        }
    }

    #[tokio::test]
    async fn lines_are_logged_whole_whatever_the_writes() {
        let sink = Arc::new(Kept::default());
        let gate = LogGate::new(Some(sink.clone()), 1, 100);
        let tail = StderrTail::default();
        let out = GuestOutput::stdout(gate.clone());
        let err = GuestOutput::stderr(gate, tail.clone());
        out.push(b"hel");
        out.push(b"lo\nwor");
        out.push(b"ld\r\n\n  \n");
        err.push(b"panicked at x\n");
        out.push(b"no newline");
        drop(out);
        let kept = sink.0.lock().unwrap().clone();
        assert_eq!(
            kept,
            [
                (LogLevel::Info, "hello".to_owned()),
                (LogLevel::Info, "world".to_owned()),
                (LogLevel::Warn, "panicked at x".to_owned()),
                (LogLevel::Info, "no newline".to_owned()),
            ]
        );
    }

    #[tokio::test]
    async fn a_line_without_end_is_passed_on_in_pieces() {
        let sink = Arc::new(Kept::default());
        let out = GuestOutput::stdout(LogGate::new(Some(sink.clone()), 1, 100));
        out.push(&vec![b'x'; MAX_LINE * 2 + 10]);
        assert_eq!(sink.0.lock().unwrap().len(), 2);
        drop(out);
        let kept = sink.0.lock().unwrap();
        assert_eq!(kept.len(), 3);
        assert_eq!(kept[2].1.len(), 10);
    }
}
