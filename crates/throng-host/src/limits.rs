//! What a VU may use, and how a VU that went past a limit or trapped is
//! described in the report.
//!
//! Three limits hold per VU: linear memory (`VuLimits`, a wasmtime
//! `ResourceLimiter`), time per call (the deadline that `WasmVu` sets before
//! each guest call and that the epoch callback in `vu.rs` enforces), and the
//! wasm stack (`max_wasm_stack` in `config.rs`). The rate of log lines is
//! limited in `imports/log.rs`, and the size of a kept response body by
//! `throng-http`.

use std::fmt::Write as _;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use wasmtime::{ResourceLimiter, Trap, WasmBacktrace};

/// Table elements a VU may grow a table to: far more than any journey's
/// function table, and a bound on a guest that grows tables in a loop.
const MAX_TABLE_ELEMENTS: usize = 1 << 20;

/// The memory limiter of one VU's store.
pub(crate) struct VuLimits {
    /// Bytes each linear memory may grow to.
    max_memory: usize,
}

impl VuLimits {
    pub(crate) fn new(max_memory: usize) -> Self {
        VuLimits { max_memory }
    }
}

impl ResourceLimiter for VuLimits {
    fn memory_growing(
        &mut self,
        _current: usize,
        desired: usize,
        _maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        if desired > self.max_memory {
            // An error here traps the guest (instead of `memory.grow`
            // returning -1, which Rust guests turn into an `unreachable`).
            return Err(MemoryLimit {
                limit: self.max_memory,
                desired,
            }
            .into());
        }
        Ok(true)
    }

    fn table_growing(
        &mut self,
        _current: usize,
        desired: usize,
        _maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        Ok(desired <= MAX_TABLE_ELEMENTS)
    }
}

/// A guest tried to grow its memory past the VU's limit.
#[derive(Debug, thiserror::Error)]
#[error(
    "memory limit reached: growing linear memory to {} is over the VU's limit of {} (max_vu_memory)",
    mib(*desired),
    mib(*limit)
)]
pub(crate) struct MemoryLimit {
    limit: usize,
    desired: usize,
}

fn mib(bytes: usize) -> String {
    format!("{:.1} MiB", bytes as f64 / f64::from(1 << 20))
}

/// A guest call ran past its deadline (`iteration_timeout`).
#[derive(Debug, thiserror::Error)]
#[error("deadline exceeded: still running after {} (iteration_timeout)", humanize(*timeout))]
pub(crate) struct DeadlineExceeded {
    pub(crate) timeout: Duration,
}

fn humanize(d: Duration) -> String {
    if d.subsec_millis() == 0 {
        format!("{} s", d.as_secs())
    } else {
        format!("{} ms", d.as_millis())
    }
}

/// Bytes of a guest's stderr kept: enough for a panic message.
const STDERR_TAIL: usize = 1024;

/// The last [`STDERR_TAIL`] bytes a guest wrote to stderr (fed by
/// `imports/stdio.rs`), so that a trap can say what a panicking guest
/// printed; a guest that writes without end only overwrites the tail.
#[derive(Clone, Default)]
pub(crate) struct StderrTail {
    bytes: Arc<Mutex<Vec<u8>>>,
}

impl StderrTail {
    pub(crate) fn push(&self, more: &[u8]) {
        let mut bytes = self.bytes.lock().unwrap_or_else(PoisonError::into_inner);
        let more = &more[more.len().saturating_sub(STDERR_TAIL)..];
        let keep = STDERR_TAIL - more.len();
        let drop = bytes.len().saturating_sub(keep);
        bytes.drain(..drop);
        bytes.extend_from_slice(more);
    }

    /// Forget what was written (before each guest call).
    pub(crate) fn clear(&self) {
        self.bytes
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clear();
    }

    /// The last meaningful lines, on one line: Rust's hint to set
    /// `RUST_BACKTRACE` is left out.
    fn summary(&self) -> Option<String> {
        let bytes = self.bytes.lock().unwrap_or_else(PoisonError::into_inner);
        let text = String::from_utf8_lossy(&bytes);
        let lines: Vec<&str> = text
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty() && !l.starts_with("note: run with `RUST_BACKTRACE"))
            .collect();
        let last = lines[lines.len().saturating_sub(2)..].join(" ");
        (!last.is_empty()).then_some(last)
    }
}

/// One line for the report on why a guest call trapped: the reason first
/// (a limit, or wasmtime's trap code), then the guest function it happened
/// in, then what the guest last wrote to stderr (a panic's message).
///
/// wasmtime's own rendering puts a multi-line backtrace first, with code
/// offsets that differ from build to build; the report keeps the first
/// distinct messages, so this one must be short and stable.
pub(crate) fn describe_trap(e: &wasmtime::Error, stderr: &StderrTail) -> String {
    let mut out = if let Some(limit) = e.downcast_ref::<MemoryLimit>() {
        limit.to_string()
    } else if let Some(deadline) = e.downcast_ref::<DeadlineExceeded>() {
        deadline.to_string()
    } else if let Some(trap) = e.downcast_ref::<Trap>() {
        match trap {
            Trap::StackOverflow => "stack overflow: the guest's call stack is exhausted".to_owned(),
            Trap::UnreachableCodeReached => {
                "wasm `unreachable` executed (a Rust guest's panic ends here)".to_owned()
            }
            other => other.to_string(),
        }
    } else {
        e.root_cause().to_string()
    };
    if let Some(function) = e.downcast_ref::<WasmBacktrace>().and_then(guest_function) {
        let _ = write!(out, ", in {function}");
    }
    if let Some(stderr) = stderr.summary() {
        let _ = write!(out, "; guest stderr: {stderr}");
    }
    out
}

/// The innermost frame that is the journey's own code rather than the
/// standard library, the allocator or the SDK, demangled without its hash.
fn guest_function(trace: &WasmBacktrace) -> Option<String> {
    const RUNTIME: [&str; 13] = [
        "std::",
        "core::",
        "alloc::",
        "std[",
        "core[",
        "alloc[",
        "__",
        "<std",
        "<core",
        "<alloc",
        "throng_sdk::",
        "wit_bindgen",
        "rust_",
    ];
    const LIBC: [&str; 6] = ["abort", "malloc", "dlmalloc", "sbrk", "memcpy", "memset"];
    trace
        .frames()
        .iter()
        .filter_map(|frame| frame.func_name())
        .map(demangle)
        .find(|name| !RUNTIME.iter().any(|p| name.starts_with(p)) && !LIBC.contains(&name.as_str()))
}

/// A Rust symbol as source would name it, without the hash; other names
/// as they are.
fn demangle(name: &str) -> String {
    match rustc_demangle::try_demangle(name) {
        Ok(symbol) => format!("{symbol:#}"),
        Err(_) => name.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_stderr_tail_keeps_the_last_bytes_and_the_last_lines() {
        let tail = StderrTail::default();
        tail.push(&[b'x'; 5000]);
        tail.push(b"\nthread '<unnamed>' panicked at src/lib.rs:9:5:\nboom\n");
        tail.push(b"note: run with `RUST_BACKTRACE=1` environment variable\n");
        assert_eq!(tail.bytes.lock().unwrap().len(), STDERR_TAIL);
        assert_eq!(
            tail.summary().unwrap(),
            "thread '<unnamed>' panicked at src/lib.rs:9:5: boom"
        );
        tail.clear();
        assert_eq!(tail.summary(), None);
    }

    #[test]
    fn symbols_are_demangled_without_their_hash() {
        assert_eq!(
            demangle("_ZN13guest_hostile4dive17h73f6084f20035f12E"),
            "guest_hostile::dive"
        );
        assert_eq!(
            demangle("_RNvNtNtNtNtCshXfaRvt2tfW_3std3sys3pal4wasi7helpers14abort_internal"),
            "std::sys::pal::wasi::helpers::abort_internal"
        );
        assert_eq!(demangle("dlmalloc"), "dlmalloc");
    }

    #[test]
    fn limits_read_well() {
        let e = MemoryLimit {
            limit: 64 << 20,
            desired: (64 << 20) + (1 << 16),
        };
        assert_eq!(
            e.to_string(),
            "memory limit reached: growing linear memory to 64.1 MiB is over the VU's limit of 64.0 MiB (max_vu_memory)"
        );
        let d = DeadlineExceeded {
            timeout: Duration::from_secs(30),
        };
        assert_eq!(
            d.to_string(),
            "deadline exceeded: still running after 30 s (iteration_timeout)"
        );
    }
}
