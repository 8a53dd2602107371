//! The noise guard: wait for a quiet machine before a run, and judge after
//! it whether anything else took CPU while it ran.

use std::thread::sleep;
use std::time::{Duration, Instant};

use super::procfs;

/// When the machine counts as quiet, and when a run must be redone.
#[derive(Debug, Clone, Copy)]
pub struct NoiseRule {
    /// The 1-minute load average must be at most this.
    pub quiet_load1: f64,
    /// A 1 s sample of the whole machine's CPU must be at most this, in %
    /// of one core.
    pub quiet_cpu_pct: f64,
    /// Wait at most this long for quiet, then run anyway (and say so).
    pub wait_max: Duration,
    /// Redo a run when other processes used more than this, in % of one
    /// core on average over the run.
    pub redo_background_pct: f64,
    /// Redo a run at most this many times.
    pub max_redos: u32,
}

impl NoiseRule {
    /// The rule of a full run.
    pub fn standard(quick: bool) -> NoiseRule {
        NoiseRule {
            quiet_load1: 1.0,
            quiet_cpu_pct: 15.0,
            wait_max: Duration::from_secs(if quick { 5 } else { 15 }),
            redo_background_pct: 25.0,
            max_redos: if quick { 0 } else { 2 },
        }
    }

    /// Whether a load average and a CPU sample (% of one core) are quiet.
    pub fn is_quiet(&self, load1: f64, cpu_pct: f64) -> bool {
        load1 <= self.quiet_load1 && cpu_pct <= self.quiet_cpu_pct
    }

    /// Whether a run that saw `background_pct` after `redos` redos is redone.
    pub fn redo(&self, background_pct: f64, redos: u32) -> bool {
        background_pct > self.redo_background_pct && redos < self.max_redos
    }
}

/// CPU used by processes other than the measured ones during a run, in % of
/// one core: the machine's busy ticks minus the generator's and the
/// target's, over the wall time.
pub fn background_pct(system_busy_ticks: u64, own_ticks: u64, wall_s: f64, clk_tck: f64) -> f64 {
    if wall_s <= 0.0 {
        return 0.0;
    }
    let other = system_busy_ticks.saturating_sub(own_ticks) as f64;
    other / clk_tck / wall_s * 100.0
}

/// What the wait before a run saw.
#[derive(Debug, Clone, Copy)]
pub struct QuietWait {
    /// Seconds waited.
    pub waited_s: f64,
    /// Whether the machine became quiet before the bound.
    pub quiet: bool,
    /// The last CPU sample, % of one core.
    pub cpu_pct: f64,
    /// The last load average.
    pub load1: f64,
}

/// Samples the machine every second until it is quiet or `wait_max` passed.
pub fn wait_quiet(rule: &NoiseRule) -> QuietWait {
    let start = Instant::now();
    loop {
        let before = procfs::system_cpu();
        sleep(Duration::from_secs(1));
        let after = procfs::system_cpu();
        let cpu_pct = (after.busy.saturating_sub(before.busy)) as f64 / procfs::clk_tck() * 100.0;
        let load1 = procfs::load1();
        let quiet = rule.is_quiet(load1, cpu_pct);
        if quiet || start.elapsed() >= rule.wait_max {
            return QuietWait {
                waited_s: start.elapsed().as_secs_f64(),
                quiet,
                cpu_pct,
                load1,
            };
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn background_is_what_the_measured_processes_did_not_use() {
        // 10 s at 100 ticks/s: 1,200 busy ticks of which generator and
        // target used 1,150 leaves 50 ticks = 5 % of one core.
        assert_eq!(background_pct(1200, 1150, 10.0, 100.0), 5.0);
        // Rounding of per-process ticks can exceed the machine's count.
        assert_eq!(background_pct(1000, 1010, 10.0, 100.0), 0.0);
        assert_eq!(background_pct(1000, 0, 0.0, 100.0), 0.0);
    }

    #[test]
    fn a_noisy_run_is_redone_at_most_twice() {
        let rule = NoiseRule::standard(false);
        assert!(!rule.redo(24.9, 0));
        assert!(rule.redo(25.1, 0));
        assert!(rule.redo(50.0, 1));
        assert!(!rule.redo(50.0, 2));
        assert!(!NoiseRule::standard(true).redo(50.0, 0));
    }

    #[test]
    fn quiet_needs_both_load_and_cpu_low() {
        let rule = NoiseRule::standard(false);
        assert!(rule.is_quiet(0.5, 3.0));
        assert!(!rule.is_quiet(1.5, 3.0));
        assert!(!rule.is_quiet(0.5, 40.0));
    }
}
