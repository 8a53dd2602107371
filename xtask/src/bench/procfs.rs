//! What the harness reads from `/proc`: a process's CPU time and resident
//! memory, the machine's CPU counters and load. Parsers are pure (tested on
//! captured text); the readers around them just open the files.

use std::sync::OnceLock;

/// One line of `/proc/<pid>/stat`, the parts the harness uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PidStat {
    /// The process state (`R`, `S`, `Z`…): a zombie (`Z`) still shows the
    /// final CPU time of its whole thread group until it is reaped.
    pub state: char,
    /// `utime + stime` of the thread group, in clock ticks.
    pub cpu_ticks: u64,
}

/// Parses `/proc/<pid>/stat`. The command name (field 2) may hold spaces
/// and parentheses, so the fields are counted from the last `)`.
pub fn parse_pid_stat(text: &str) -> Option<PidStat> {
    let rest = &text[text.rfind(')')? + 1..];
    let fields: Vec<&str> = rest.split_whitespace().collect();
    // After the name: state is field 3 of the line, utime 14, stime 15.
    let state = fields.first()?.chars().next()?;
    let utime: u64 = fields.get(11)?.parse().ok()?;
    let stime: u64 = fields.get(12)?.parse().ok()?;
    Some(PidStat {
        state,
        cpu_ticks: utime + stime,
    })
}

/// Reads `/proc/<pid>/stat`; `None` once the process is gone.
pub fn pid_stat(pid: u32) -> Option<PidStat> {
    parse_pid_stat(&std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?)
}

/// The machine's CPU counters from the `cpu` line of `/proc/stat`, in ticks
/// summed over all cores.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct SystemCpu {
    /// Ticks spent running processes: user, nice, system, steal. Interrupt
    /// and softirq time are left out: on loopback the kernel delivers the
    /// measured traffic itself in softirq context, charged to no process,
    /// and it must not count as another process's noise.
    pub busy: u64,
    /// Every tick: `busy` plus idle, iowait, irq and softirq.
    pub total: u64,
}

/// Parses the aggregate `cpu` line of `/proc/stat`.
pub fn parse_system_cpu(text: &str) -> Option<SystemCpu> {
    let line = text.lines().find(|l| l.starts_with("cpu "))?;
    let v: Vec<u64> = line
        .split_whitespace()
        .skip(1)
        .map(|f| f.parse().unwrap_or(0))
        .collect();
    let at = |i: usize| v.get(i).copied().unwrap_or(0);
    // user nice system idle iowait irq softirq steal (guest time is already
    // inside user and nice).
    let busy = at(0) + at(1) + at(2) + at(7);
    Some(SystemCpu {
        busy,
        total: busy + at(3) + at(4) + at(5) + at(6),
    })
}

/// Reads `/proc/stat`.
pub fn system_cpu() -> SystemCpu {
    std::fs::read_to_string("/proc/stat")
        .ok()
        .and_then(|t| parse_system_cpu(&t))
        .unwrap_or_default()
}

/// Parses `VmRSS:` of `/proc/<pid>/status` into bytes.
pub fn parse_vm_rss(text: &str) -> Option<u64> {
    let line = text.lines().find(|l| l.starts_with("VmRSS:"))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib * 1024)
}

/// The resident memory of a process in bytes; `None` once it is gone (or a
/// zombie, which has no `VmRSS`).
pub fn vm_rss(pid: u32) -> Option<u64> {
    parse_vm_rss(&std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?)
}

/// Parses `Pss:` of `/proc/<pid>/smaps_rollup` into bytes.
pub fn parse_pss(text: &str) -> Option<u64> {
    let line = text.lines().find(|l| l.starts_with("Pss:"))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib * 1024)
}

/// The proportional set size of a process in bytes: its resident pages,
/// each shared page divided among the mappings that share it. Unlike
/// `VmRSS` it counts a page of a module image that 1,000 VUs map
/// copy-on-write (and only read) once, not 1,000 times. Reading it walks
/// every mapping, so sample it sparingly.
pub fn pss(pid: u32) -> Option<u64> {
    parse_pss(&std::fs::read_to_string(format!("/proc/{pid}/smaps_rollup")).ok()?)
}

/// How many memory mappings a process holds (lines of `/proc/<pid>/maps`),
/// which Linux caps at `vm.max_map_count`.
pub fn map_count(pid: u32) -> Option<u64> {
    let maps = std::fs::read(format!("/proc/{pid}/maps")).ok()?;
    Some(maps.iter().filter(|&&b| b == b'\n').count() as u64)
}

/// The 1-minute load average.
pub fn load1() -> f64 {
    std::fs::read_to_string("/proc/loadavg")
        .ok()
        .and_then(|t| t.split_whitespace().next()?.parse().ok())
        .unwrap_or(0.0)
}

/// Clock ticks per second (`getconf CLK_TCK`, 100 on every Linux we meet).
pub fn clk_tck() -> f64 {
    static TCK: OnceLock<f64> = OnceLock::new();
    *TCK.get_or_init(|| {
        std::process::Command::new("getconf")
            .arg("CLK_TCK")
            .output()
            .ok()
            .and_then(|o| String::from_utf8_lossy(&o.stdout).trim().parse().ok())
            .unwrap_or(100.0)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pid_stat_counts_fields_after_the_last_parenthesis() {
        // A real line of a throng run, with a name holding `) (`.
        let line = "4242 (thr) (ng) S 1 4242 4242 0 -1 4194560 5711 0 0 0 \
                    125 31 0 0 20 0 9 0 1796312 1254576128 8052 \
                    18446744073709551615 1 1 0 0 0 0 0 4096 17642 0 0 0 17 0 0 0 0 0 0";
        assert_eq!(
            parse_pid_stat(line),
            Some(PidStat {
                state: 'S',
                cpu_ticks: 156
            })
        );
        assert_eq!(parse_pid_stat("garbage"), None);
    }

    #[test]
    fn system_cpu_sums_busy_columns() {
        let text = "cpu  100 5 50 1000 20 3 2 1 0 0\ncpu0 1 2 3 4 5 6 7 8 0 0\n";
        assert_eq!(
            parse_system_cpu(text),
            Some(SystemCpu {
                busy: 156,
                total: 1181
            })
        );
    }

    #[test]
    fn pss_is_read_in_bytes() {
        let text = "55d0c8a4e000-7ffd1e5f9000 ---p 00000000 00:00 0    [rollup]\nRss:              143292 kB\nPss:               95112 kB\nPss_Dirty:         81000 kB\n";
        assert_eq!(parse_pss(text), Some(95112 * 1024));
        assert_eq!(parse_pss("Rss: 1 kB\n"), None);
    }

    #[test]
    fn vm_rss_is_read_in_bytes() {
        let text = "Name:\tthrong\nVmPeak:\t  99 kB\nVmRSS:\t   32220 kB\nRssAnon:\t 1 kB\n";
        assert_eq!(parse_vm_rss(text), Some(32220 * 1024));
        assert_eq!(parse_vm_rss("Name:\tzombie\n"), None);
    }
}
