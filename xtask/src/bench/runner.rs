//! Running one measured process: pinned to a core, bounded in time, its CPU
//! time read from `/proc/<pid>/stat` as it exits, its resident memory
//! sampled, and the background CPU of the machine judged by the noise rule.

use std::fs::File;
use std::io::{Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::thread::sleep;
use std::time::{Duration, Instant};

use anyhow::{Context, Result};

use super::noise::{self, NoiseRule, QuietWait};
use super::procfs;

/// When resident-memory samples count.
#[derive(Debug, Clone)]
pub enum RssGate {
    /// Every sample.
    Always,
    /// Only once this file contains this text (e.g. throng's `--jsonl`
    /// stream reporting every VU active, Locust's "All users spawned").
    AfterFileContains(PathBuf, String),
}

/// A process to measure.
#[derive(Debug, Clone)]
pub struct Job {
    /// A name for files and messages, e.g. `a-wrk-1`.
    pub label: String,
    /// The program.
    pub program: PathBuf,
    /// Its arguments.
    pub args: Vec<String>,
    /// The core it is pinned to with `taskset`.
    pub core: u32,
    /// Extra environment.
    pub env: Vec<(String, String)>,
    /// Killed (and marked so) after this long.
    pub timeout: Duration,
    /// Where its stdout and stderr go (`<label>.stdout`, `.stderr`).
    pub out_dir: PathBuf,
    /// Which memory samples count.
    pub rss_gate: RssGate,
    /// Files removed before each attempt (outputs the tool appends to).
    pub fresh_files: Vec<PathBuf>,
    /// How often resident memory is sampled.
    pub sample_every: Duration,
    /// A file the process writes lines to as it runs (throng's `--jsonl`
    /// stream): each new complete line is read at every sample and kept
    /// with the time it was first seen.
    pub follow: Option<PathBuf>,
    /// Also sample the proportional set size (`Pss`), every
    /// [`PSS_EVERY`], once the gate is open.
    pub pss: bool,
}

/// How often `Pss` is sampled: reading it walks every memory mapping of
/// the process (tens of thousands with 10,000 VUs).
pub const PSS_EVERY: Duration = Duration::from_millis(500);

impl Job {
    /// A job with the defaults: pinned to core 0, memory always sampled.
    pub fn new(label: &str, program: impl Into<PathBuf>, args: Vec<String>, out_dir: &Path) -> Job {
        Job {
            label: label.to_owned(),
            program: program.into(),
            args,
            core: 0,
            env: Vec::new(),
            timeout: Duration::from_secs(120),
            out_dir: out_dir.to_owned(),
            rss_gate: RssGate::Always,
            fresh_files: Vec::new(),
            sample_every: Duration::from_millis(50),
            follow: None,
            pss: false,
        }
    }

    /// The command line as a user would type it.
    pub fn shown(&self) -> String {
        let mut s = format!("taskset -c {} {}", self.core, self.program.display());
        for a in &self.args {
            if a.contains([' ', '"', '\'', '*']) || a.is_empty() {
                s.push_str(&format!(" '{a}'"));
            } else {
                s.push(' ');
                s.push_str(a);
            }
        }
        s
    }
}

/// What one measured run gave.
#[derive(Debug, Clone)]
pub struct Observed {
    /// When it was spawned, µs since the epoch.
    pub spawned_at_us: u64,
    /// Wall time from spawn to exit, s.
    pub wall_s: f64,
    /// `utime + stime` of the process, s.
    pub cpu_s: f64,
    /// CPU the `targets` used while it ran, s: how busy the server was.
    pub target_cpu_s: f64,
    /// Whether it exited with status 0 before its timeout.
    pub ok: bool,
    /// Its exit status, or `killed after Ns`.
    pub status: String,
    /// Its stdout.
    pub stdout: String,
    /// Its stderr.
    pub stderr: String,
    /// `(seconds since spawn, bytes)` resident-memory samples that passed
    /// the gate.
    pub rss: Vec<(f64, u64)>,
    /// The highest resident memory seen, gate or not.
    pub peak_rss: u64,
    /// `(seconds since spawn, bytes)` proportional-set-size samples that
    /// passed the gate (only when the job asked for them).
    pub pss: Vec<(f64, u64)>,
    /// `(seconds since spawn, mappings)` memory-map counts, sampled with
    /// `pss`.
    pub maps: Vec<(f64, u64)>,
    /// `(seconds since spawn when first seen, line)` for each line of the
    /// followed file.
    pub followed: Vec<(f64, String)>,
    /// CPU of other processes during the run, % of one core.
    pub background_pct: f64,
    /// The wait before the (last) attempt.
    pub quiet: QuietWait,
    /// How many times it was redone because of background CPU.
    pub redos: u32,
    /// Background CPU of the attempts that were thrown away, % of one core.
    pub discarded_background: Vec<f64>,
}

/// Runs `job` under the noise rule: wait for quiet, run, redo when others
/// used the machine. `targets` are the pids whose CPU is not background.
pub fn measure(job: &Job, targets: &[u32], rule: &NoiseRule) -> Result<Observed> {
    let mut discarded = Vec::new();
    loop {
        let quiet = noise::wait_quiet(rule);
        let mut obs = run_once(job, targets)?;
        obs.quiet = quiet;
        if rule.redo(obs.background_pct, discarded.len() as u32) {
            println!(
                "  {}: {:.0} % of a core used by other processes; redoing",
                job.label, obs.background_pct
            );
            discarded.push(obs.background_pct);
            continue;
        }
        obs.redos = discarded.len() as u32;
        obs.discarded_background = discarded;
        return Ok(obs);
    }
}

/// Runs `job` once, with no wait and no redo.
pub fn run_once(job: &Job, targets: &[u32]) -> Result<Observed> {
    for f in &job.fresh_files {
        let _ = std::fs::remove_file(f);
    }
    std::fs::create_dir_all(&job.out_dir)?;
    let out_path = job.out_dir.join(format!("{}.stdout", job.label));
    let err_path = job.out_dir.join(format!("{}.stderr", job.label));
    let mut cmd = Command::new("taskset");
    cmd.arg("-c")
        .arg(job.core.to_string())
        .arg(&job.program)
        .args(&job.args)
        .stdin(Stdio::null())
        .stdout(File::create(&out_path)?)
        .stderr(File::create(&err_path)?);
    for (k, v) in &job.env {
        cmd.env(k, v);
    }
    let targets_before: u64 = targets
        .iter()
        .filter_map(|p| procfs::pid_stat(*p))
        .map(|s| s.cpu_ticks)
        .sum();
    let sys_before = procfs::system_cpu();
    let spawned_at_us = super::probe::epoch_us();
    let start = Instant::now();
    let mut child = cmd
        .spawn()
        .with_context(|| format!("starting {}", job.shown()))?;
    let pid = child.id();
    let mut rss = Vec::new();
    let mut pss = Vec::new();
    let mut maps = Vec::new();
    let mut last_pss: Option<Instant> = None;
    let mut peak_rss = 0;
    let mut gate_open = matches!(job.rss_gate, RssGate::Always);
    let mut last_cpu = 0;
    let mut killed = false;
    let mut follower = job.follow.as_deref().map(LineFollower::new);
    let mut followed = Vec::new();
    loop {
        match procfs::pid_stat(pid) {
            Some(stat) if stat.state == 'Z' || stat.state == 'X' => {
                last_cpu = stat.cpu_ticks;
                break;
            }
            Some(stat) => last_cpu = stat.cpu_ticks,
            None => break,
        }
        if let Some(bytes) = procfs::vm_rss(pid) {
            peak_rss = peak_rss.max(bytes);
            if !gate_open && let RssGate::AfterFileContains(path, needle) = &job.rss_gate {
                gate_open =
                    std::fs::read_to_string(path).is_ok_and(|t| t.contains(needle.as_str()));
            }
            if gate_open {
                rss.push((start.elapsed().as_secs_f64(), bytes));
                if job.pss
                    && last_pss.is_none_or(|t| t.elapsed() >= PSS_EVERY)
                    && let Some(bytes) = procfs::pss(pid)
                {
                    last_pss = Some(Instant::now());
                    pss.push((start.elapsed().as_secs_f64(), bytes));
                    if let Some(count) = procfs::map_count(pid) {
                        maps.push((start.elapsed().as_secs_f64(), count));
                    }
                }
            }
        }
        if let Some(f) = follower.as_mut() {
            let seen = start.elapsed().as_secs_f64();
            followed.extend(f.new_lines().into_iter().map(|l| (seen, l)));
        }
        if start.elapsed() > job.timeout {
            stop(&mut child);
            killed = true;
            break;
        }
        sleep(job.sample_every);
    }
    // The zombie's stat holds the thread group's final time; read it once
    // more in case the last poll came before the exit.
    if let Some(stat) = procfs::pid_stat(pid) {
        last_cpu = last_cpu.max(stat.cpu_ticks);
    }
    let status = child.wait()?;
    if let Some(f) = follower.as_mut() {
        let seen = start.elapsed().as_secs_f64();
        followed.extend(f.new_lines().into_iter().map(|l| (seen, l)));
    }
    let wall_s = start.elapsed().as_secs_f64();
    let sys_after = procfs::system_cpu();
    let targets_after: u64 = targets
        .iter()
        .filter_map(|p| procfs::pid_stat(*p))
        .map(|s| s.cpu_ticks)
        .sum();
    let tck = procfs::clk_tck();
    let target_ticks = targets_after.saturating_sub(targets_before);
    let background_pct = noise::background_pct(
        sys_after.busy.saturating_sub(sys_before.busy),
        last_cpu + target_ticks,
        wall_s,
        tck,
    );
    Ok(Observed {
        spawned_at_us,
        wall_s,
        cpu_s: last_cpu as f64 / tck,
        target_cpu_s: target_ticks as f64 / tck,
        ok: status.success() && !killed,
        status: if killed {
            format!("killed after {:.0} s", job.timeout.as_secs_f64())
        } else {
            status.to_string()
        },
        stdout: std::fs::read_to_string(&out_path).unwrap_or_default(),
        stderr: std::fs::read_to_string(&err_path).unwrap_or_default(),
        rss,
        peak_rss,
        pss,
        maps,
        followed,
        background_pct,
        quiet: QuietWait {
            waited_s: 0.0,
            quiet: true,
            cpu_pct: 0.0,
            load1: procfs::load1(),
        },
        redos: 0,
        discarded_background: Vec::new(),
    })
}

/// Reads the complete lines a process appends to a file, a few at a time.
struct LineFollower {
    path: PathBuf,
    offset: u64,
    partial: Vec<u8>,
}

impl LineFollower {
    fn new(path: &Path) -> LineFollower {
        LineFollower {
            path: path.to_owned(),
            offset: 0,
            partial: Vec::new(),
        }
    }

    /// The lines completed since the last call (none while the file does
    /// not exist yet).
    fn new_lines(&mut self) -> Vec<String> {
        let Ok(mut file) = File::open(&self.path) else {
            return Vec::new();
        };
        let mut fresh = Vec::new();
        if file.seek(SeekFrom::Start(self.offset)).is_err() || file.read_to_end(&mut fresh).is_err()
        {
            return Vec::new();
        }
        self.offset += fresh.len() as u64;
        self.partial.extend_from_slice(&fresh);
        let Some(end) = self.partial.iter().rposition(|b| *b == b'\n') else {
            return Vec::new();
        };
        let complete: Vec<u8> = self.partial.drain(..=end).collect();
        String::from_utf8_lossy(&complete)
            .lines()
            .map(str::to_owned)
            .collect()
    }
}

/// Stops a child the harness started, by its pid: SIGTERM, then SIGKILL
/// after 3 s.
pub fn stop(child: &mut Child) {
    let pid = child.id().to_string();
    let _ = Command::new("kill").args(["-TERM", &pid]).status();
    let deadline = Instant::now() + Duration::from_secs(3);
    while Instant::now() < deadline {
        if let Ok(Some(_)) = child.try_wait() {
            return;
        }
        sleep(Duration::from_millis(50));
    }
    let _ = child.kill();
    let _ = child.wait();
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write as _;

    #[test]
    fn a_followed_file_yields_each_complete_line_once() {
        let path = std::env::temp_dir().join(format!("xtask-follow-{}.jsonl", std::process::id()));
        let _ = std::fs::remove_file(&path);
        let mut follower = LineFollower::new(&path);
        assert!(follower.new_lines().is_empty(), "no file yet");
        let mut f = File::create(&path).unwrap();
        f.write_all(b"{\"a\":1}\n{\"b\":").unwrap();
        assert_eq!(follower.new_lines(), vec!["{\"a\":1}"]);
        assert!(follower.new_lines().is_empty());
        f.write_all(b"2}\n{\"c\":3}\n").unwrap();
        assert_eq!(follower.new_lines(), vec!["{\"b\":2}", "{\"c\":3}"]);
        drop(f);
        let _ = std::fs::remove_file(&path);
    }
}
