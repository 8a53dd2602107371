//! Giving freed heap back to the OS during a run.
//!
//! glibc's allocator returns memory to the OS only from the top of each
//! arena. What the VUs free in the middle (a response's buffers, the
//! temporaries of their first calls) stays resident as free chunks between
//! live ones, so after ten thousand VUs have started about 5 KiB per VU is
//! free but still counted (BENCHMARKS.md, (b)). `malloc_trim(0)` walks
//! every arena and discards the whole pages inside free chunks; a thread of
//! its own does that while a run lasts, each [`PERIOD`] in which the
//! process's resident memory grew by [`GROWTH`] or more since the last trim.
//!
//! A trim is not free: at ten thousand VUs it takes 5–20 ms, and it holds
//! each arena's lock while it walks that arena, so a worker allocating
//! there waits. Growth is when fragments appear (VUs starting, their first
//! calls, new connections); a run at a steady population stays flat after
//! one trim and is left alone.
//!
//! Elsewhere (musl, other systems) this does nothing.

use std::sync::mpsc::{self, RecvTimeoutError};
use std::thread::JoinHandle;
use std::time::Duration;

/// How often resident memory is looked at.
const PERIOD: Duration = Duration::from_secs(3);

/// How much resident memory must have grown since the last trim for the
/// next: at least this many bytes …
const GROWTH: u64 = 8 << 20;

/// … and at least this fraction of it (1/16).
const GROWTH_SHIFT: u32 = 4;

/// Trims the heap while resident memory grows, until dropped.
pub struct Trimmer {
    stop: Option<mpsc::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl Trimmer {
    /// Starts trimming. Where trimming means nothing, or the thread cannot
    /// be made, the run goes on without it.
    pub fn start() -> Trimmer {
        if !cfg!(all(target_os = "linux", target_env = "gnu")) {
            return Trimmer {
                stop: None,
                thread: None,
            };
        }
        let (stop, stopped) = mpsc::channel::<()>();
        let thread = std::thread::Builder::new()
            .name("throng-trim".into())
            .spawn(move || {
                let mut after_last = resident().unwrap_or(0);
                while let Err(RecvTimeoutError::Timeout) = stopped.recv_timeout(PERIOD) {
                    let Some(now) = resident() else { return };
                    if due(after_last, now) {
                        trim();
                        after_last = resident().unwrap_or(now);
                    }
                }
            })
            .ok();
        Trimmer {
            stop: Some(stop),
            thread,
        }
    }
}

impl Drop for Trimmer {
    fn drop(&mut self) {
        drop(self.stop.take());
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// Whether memory grew enough, from `after_last` bytes resident after the
/// last trim to `now`, for another.
fn due(after_last: u64, now: u64) -> bool {
    let grown = now.saturating_sub(after_last);
    grown >= GROWTH && grown >= after_last >> GROWTH_SHIFT
}

/// The process's resident memory in bytes (`/proc/self/statm`).
fn resident() -> Option<u64> {
    let statm = std::fs::read_to_string("/proc/self/statm").ok()?;
    let pages: u64 = statm.split_whitespace().nth(1)?.parse().ok()?;
    Some(pages * rustix::param::page_size() as u64)
}

#[cfg(all(target_os = "linux", target_env = "gnu"))]
#[allow(unsafe_code)]
fn trim() {
    // SAFETY: `malloc_trim` only takes the allocator's own locks and
    // discards pages of chunks that are free; it is safe to call at any
    // time from any thread.
    unsafe {
        libc::malloc_trim(0);
    }
}

#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
fn trim() {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trims_only_after_real_growth() {
        const MIB: u64 = 1 << 20;
        // Flat or shrinking: never.
        assert!(!due(400 * MIB, 400 * MIB));
        assert!(!due(400 * MIB, 300 * MIB));
        // Grown, but by less than 1/16 of 400 MiB (25 MiB).
        assert!(!due(400 * MIB, 420 * MIB));
        assert!(due(400 * MIB, 426 * MIB));
        // Small processes need 8 MiB.
        assert!(!due(20 * MIB, 27 * MIB));
        assert!(due(20 * MIB, 28 * MIB));
    }
}
