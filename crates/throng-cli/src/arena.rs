//! One malloc arena when the runtime has one worker thread.
//!
//! glibc gives each thread that allocates while another holds the main
//! arena's lock an arena of its own, and grows such a thread arena one
//! `mprotect` call at a time, exactly as far as each allocation needs.
//! Making ten thousand VUs on one worker took ~3.8 of those calls per VU,
//! about a seventh of the time to make them (a profile of the start,
//! BENCHMARKS.md (c)). The main arena grows with `brk` and a 128 KiB pad
//! instead. With one worker there is no other allocating thread to wait
//! for the main arena's lock, so throng keeps every thread there. With
//! more workers each keeps its own arena, as glibc would choose.
//!
//! Elsewhere (musl, other systems) this does nothing.

/// Keeps every thread in glibc's main arena when the runtime will have
/// `workers` worker threads and that is one. Call it before any thread is
/// started.
pub fn one_arena_for_one_worker(workers: usize) {
    if workers == 1 {
        one_arena();
    }
}

#[cfg(all(target_os = "linux", target_env = "gnu"))]
#[allow(unsafe_code)]
fn one_arena() {
    // SAFETY: `mallopt` sets a parameter of the allocator under its own
    // lock; no other thread exists yet, and a refused setting (a zero
    // return) leaves glibc's default in place.
    unsafe {
        libc::mallopt(libc::M_ARENA_MAX, 1);
    }
}

#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
fn one_arena() {}
