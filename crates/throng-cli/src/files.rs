//! The process's file table, grown once for the VUs' connections.
//!
//! Linux grows a process's table of open files by doubling it when a new
//! descriptor does not fit, and while the table is shared by several
//! threads (a tokio runtime's) each growth waits for an RCU grace period
//! before it frees the old table: the thread sleeps, 9–18 ms here, with
//! nothing else to run. Ten thousand VUs opening their connections on one
//! worker met six such growths (64 → 16,384 slots), ~78 ms in which the
//! generator's core stood idle (a scheduler trace of a 10,000-VU start,
//! BENCHMARKS.md (c)). Grown to its final size before the runtime's
//! threads exist, the table needs no grace period at all.
//!
//! Elsewhere (other systems) this does nothing.

/// Grows the file table so that descriptors below `files` fit without
/// growing it again, as far as the open-file limit allows (raise that
/// first). Call it before any thread is started; later it works too, at
/// the cost of one grace period.
#[cfg(target_os = "linux")]
#[allow(unsafe_code)]
pub fn grow_table(files: u64) {
    let Ok((limit, _)) = rlimit::getrlimit(rlimit::Resource::NOFILE) else {
        return;
    };
    let Ok(last) = libc::c_int::try_from(files.min(limit).saturating_sub(1)) else {
        return;
    };
    // SAFETY: `fcntl(F_DUPFD_CLOEXEC)` duplicates standard error at the
    // lowest free descriptor at or above `last`, which makes the kernel
    // grow the table to hold it; the copy is known to no other code and
    // is closed at once. A closed standard error or a refused descriptor
    // gives -1 and changes nothing.
    unsafe {
        let copy = libc::fcntl(libc::STDERR_FILENO, libc::F_DUPFD_CLOEXEC, last);
        if copy >= 0 {
            libc::close(copy);
        }
    }
}

/// Does nothing: other systems grow their tables their own way.
#[cfg(not(target_os = "linux"))]
pub fn grow_table(_files: u64) {}

#[cfg(test)]
mod tests {
    use super::*;

    /// The slots of this process's file table (`FDSize` in
    /// `/proc/self/status`).
    fn table_size() -> u64 {
        let status = std::fs::read_to_string("/proc/self/status").unwrap();
        let line = status.lines().find(|l| l.starts_with("FDSize:")).unwrap();
        line["FDSize:".len()..].trim().parse().unwrap()
    }

    #[test]
    #[cfg(target_os = "linux")]
    fn the_table_holds_the_files_asked_for_and_the_copy_is_closed() {
        let limit = rlimit::increase_nofile_limit(u64::MAX).unwrap();
        let wanted = table_size() * 4;
        assert!(wanted <= limit, "the open-file limit here is {limit}");
        grow_table(wanted);
        assert!(table_size() >= wanted, "{} slots", table_size());
        let copy = format!("/proc/self/fd/{}", wanted - 1);
        assert!(!std::path::Path::new(&copy).exists(), "{copy} is open");
    }
}
