//! The generator watching itself: its CPU, resident memory and timer lag,
//! sampled every second from `/proc/self`, so a saturated generator is
//! reported instead of trusted.

use std::time::Duration;

use throng_metrics::{GeneratorHealth, GeneratorSample};
use tokio::sync::{oneshot, watch};
use tokio::task::JoinHandle;
use tokio::time::Instant;

/// How often the timer's lateness is probed.
const PROBE: Duration = Duration::from_millis(100);

/// `/proc` reports CPU time in USER_HZ ticks, 100 per second on every
/// Linux architecture.
const TICKS_PER_SECOND: f64 = 100.0;

/// A running sampler; [`Sampler::finish`] returns what it saw.
pub struct Sampler {
    stop: oneshot::Sender<()>,
    task: JoinHandle<Vec<GeneratorSample>>,
    cores: u32,
    latest: watch::Receiver<Option<GeneratorSample>>,
}

impl Sampler {
    /// Start sampling, or `None` where the process cannot read its own
    /// CPU time (no `/proc`).
    pub fn start() -> Option<Sampler> {
        cpu_seconds()?;
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get() as u32);
        let (stop, stopped) = oneshot::channel();
        let (publish, latest) = watch::channel(None);
        let task = tokio::spawn(sample(cores, stopped, publish));
        Some(Sampler {
            stop,
            task,
            cores,
            latest,
        })
    }

    /// The latest sample as it is taken, for live outputs.
    pub fn latest(&self) -> watch::Receiver<Option<GeneratorSample>> {
        self.latest.clone()
    }

    /// Stop and sum up.
    pub async fn finish(self) -> GeneratorHealth {
        let _ = self.stop.send(());
        let samples = self.task.await.unwrap_or_default();
        GeneratorHealth::from_samples(self.cores, samples)
    }
}

async fn sample(
    cores: u32,
    mut stopped: oneshot::Receiver<()>,
    publish: watch::Sender<Option<GeneratorSample>>,
) -> Vec<GeneratorSample> {
    let start = Instant::now();
    let mut samples = Vec::new();
    let (mut last_cpu, mut last_at) = (cpu_seconds().unwrap_or(0.0), start);
    let mut worst_lag = Duration::ZERO;
    let mut next = start + Duration::from_secs(1);
    loop {
        let asked = Instant::now();
        let stopping = tokio::select! {
            _ = tokio::time::sleep(PROBE) => false,
            _ = &mut stopped => true,
        };
        let now = Instant::now();
        if !stopping {
            // Waking later than asked means work waited for a thread.
            worst_lag = worst_lag.max(asked.elapsed().saturating_sub(PROBE));
        }
        // The last, partial second counts too when it is long enough to
        // measure.
        let last = stopping && now - last_at >= Duration::from_millis(200);
        if !last && now < next {
            if stopping {
                break;
            }
            continue;
        }
        let cpu = cpu_seconds().unwrap_or(last_cpu);
        let wall = (now - last_at).as_secs_f64();
        let taken = GeneratorSample {
            t_s: (now - start).as_secs_f64(),
            cpu_percent: (cpu - last_cpu) / wall / f64::from(cores) * 100.0,
            rss_bytes: rss_bytes().unwrap_or(0),
            lag_ms: worst_lag.as_secs_f64() * 1e3,
        };
        samples.push(taken);
        publish.send_replace(Some(taken));
        (last_cpu, last_at, worst_lag) = (cpu, now, Duration::ZERO);
        next += Duration::from_secs(1);
        if stopping {
            break;
        }
    }
    samples
}

/// CPU time the process used so far, user and system, in seconds.
fn cpu_seconds() -> Option<f64> {
    parse_cpu_ticks(&std::fs::read_to_string("/proc/self/stat").ok()?)
        .map(|t| t as f64 / TICKS_PER_SECOND)
}

/// Resident memory, in bytes.
fn rss_bytes() -> Option<u64> {
    parse_rss_kib(&std::fs::read_to_string("/proc/self/status").ok()?).map(|kib| kib * 1024)
}

/// `utime + stime` from a `/proc/<pid>/stat` line. The command name in
/// parentheses may hold spaces, so fields are counted after its closing
/// parenthesis: state is field 3, utime 14, stime 15.
fn parse_cpu_ticks(stat: &str) -> Option<u64> {
    let after_name = &stat[stat.rfind(')')? + 1..];
    let fields: Vec<&str> = after_name.split_whitespace().collect();
    let utime: u64 = fields.get(11)?.parse().ok()?;
    let stime: u64 = fields.get(12)?.parse().ok()?;
    Some(utime + stime)
}

/// The `VmRSS` line of `/proc/<pid>/status`, in KiB.
fn parse_rss_kib(status: &str) -> Option<u64> {
    let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cpu_ticks_count_fields_after_the_command_name() {
        let stat =
            "4242 (throng (x) y) S 1 4242 4242 0 -1 4194304 1234 0 0 0 250 37 0 0 20 0 6 0 100 0 0";
        assert_eq!(parse_cpu_ticks(stat), Some(287));
        assert_eq!(parse_cpu_ticks("garbage"), None);
    }

    #[test]
    fn rss_comes_from_vmrss() {
        let status = "Name:\tthrong\nVmPeak:\t  99999 kB\nVmRSS:\t   21908 kB\nThreads:\t3\n";
        assert_eq!(parse_rss_kib(status), Some(21_908));
        assert_eq!(parse_rss_kib("Name:\tx\n"), None);
    }

    #[test]
    fn this_process_can_read_itself() {
        assert!(cpu_seconds().is_some_and(|s| s >= 0.0));
        assert!(rss_bytes().is_some_and(|b| b > 0));
    }
}
