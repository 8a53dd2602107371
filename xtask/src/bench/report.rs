//! BENCHMARKS.md: the machine, the commands, the tables, the targets and
//! the noise each run saw.

use std::fmt::Write as _;

use super::stats::Summary;

/// The hand-written analysis: what limits throng where it misses a target.
const ANALYSIS: &str = include_str!("analysis.md");

/// One scenario's part of the report.
#[derive(Debug, Clone, Default)]
pub struct Section {
    /// The heading, e.g. `(a) Throughput, 13-byte body`.
    pub title: String,
    /// What was measured and how, a paragraph.
    pub about: String,
    /// The exact commands of the first repetition.
    pub commands: Vec<String>,
    /// The table's header.
    pub header: Vec<String>,
    /// The table's rows.
    pub rows: Vec<Vec<String>>,
    /// The issue's targets next to what was measured.
    pub targets: Vec<Target>,
    /// Remarks: failures, limits met, missing peers.
    pub notes: Vec<String>,
}

/// A target of the issue, checked.
#[derive(Debug, Clone)]
pub struct Target {
    /// The target as the issue states it.
    pub target: String,
    /// The measured value.
    pub measured: String,
    /// `met`, `missed by N %`, or why it was not measured.
    pub verdict: String,
}

/// One measured run's noise record.
#[derive(Debug, Clone)]
pub struct NoiseEntry {
    /// The run's label.
    pub label: String,
    /// Seconds waited for quiet before it.
    pub waited_s: f64,
    /// Whether the machine was quiet when it started.
    pub quiet: bool,
    /// Load average when it started.
    pub load1: f64,
    /// The last 1 s CPU sample before it, % of one core.
    pub cpu_pct: f64,
    /// Its wall time, s.
    pub wall_s: f64,
    /// Background CPU during the kept attempt, % of one core.
    pub background_pct: f64,
    /// Background CPU of the attempts thrown away.
    pub discarded: Vec<f64>,
}

/// `measured ≥ goal`: `met`, or by how much it missed.
pub fn at_least(measured: f64, goal: f64) -> String {
    if !measured.is_finite() {
        "not measured".into()
    } else if measured >= goal {
        "met".into()
    } else {
        format!("missed by {:.0} %", (1.0 - measured / goal) * 100.0)
    }
}

/// `measured ≤ goal`: `met`, or by how much it missed.
pub fn at_most(measured: f64, goal: f64) -> String {
    if !measured.is_finite() {
        "not measured".into()
    } else if measured <= goal {
        "met".into()
    } else {
        format!("missed by {:.0} %", (measured / goal - 1.0) * 100.0)
    }
}

/// A number with thousands separators and `decimals` places.
pub fn num(x: f64, decimals: usize) -> String {
    if !x.is_finite() {
        return "–".into();
    }
    let s = format!("{:.*}", decimals, x.abs());
    let (int, frac) = s
        .split_once('.')
        .map_or((s.as_str(), None), |(i, f)| (i, Some(f)));
    let mut out = String::new();
    for (i, c) in int.chars().enumerate() {
        if i > 0 && (int.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    if let Some(f) = frac {
        out.push('.');
        out.push_str(f);
    }
    if x < 0.0 { format!("-{out}") } else { out }
}

/// `median (min–max)`, or the median alone for one value; `–` for none.
pub fn summary(s: Option<Summary>, decimals: usize) -> String {
    match s {
        None => "–".into(),
        Some(s) if s.n == 1 || s.min == s.max => num(s.median, decimals),
        Some(s) => format!(
            "{} ({}–{})",
            num(s.median, decimals),
            num(s.min, decimals),
            num(s.max, decimals)
        ),
    }
}

/// The whole document.
pub struct Document<'a> {
    /// How it was invoked, e.g. `cargo xtask bench`.
    pub invocation: String,
    /// `(key, value)` lines about the machine.
    pub machine: Vec<(String, String)>,
    /// Tool versions.
    pub versions: &'a [(String, String)],
    /// Peers that could not be installed.
    pub missing: &'a [(String, String)],
    /// The nginx config.
    pub nginx_config: String,
    /// Repetitions and seconds per run.
    pub reps: usize,
    /// Seconds per run.
    pub secs: u64,
    /// The sections, in order.
    pub sections: &'a [Section],
    /// The noise of every run.
    pub noise: &'a [NoiseEntry],
    /// The noise rule, described.
    pub rule: String,
}

/// Renders BENCHMARKS.md.
pub fn render(doc: &Document) -> String {
    let mut md = String::new();
    let _ = writeln!(
        md,
        "# Benchmarks\n\nWritten by `{}` (see `xtask/src/bench/`); every figure below comes from \
         that one run, so only ratios within it count. Medians of {} repetition(s) of {} s, \
         with min–max in brackets. Generator pinned to core 0 (`taskset -c 0`), target to core 1.\n",
        doc.invocation, doc.reps, doc.secs
    );
    md.push_str("## Machine\n\n| | |\n|---|---|\n");
    for (k, v) in &doc.machine {
        let _ = writeln!(md, "| {k} | {v} |");
    }
    md.push_str("\n## Tools\n\n| tool | version |\n|---|---|\n");
    for (k, v) in doc.versions {
        let _ = writeln!(md, "| {k} | {} |", v.replace('|', "\\|"));
    }
    for (k, why) in doc.missing {
        let _ = writeln!(md, "| {k} | **missing**: {why} |");
    }
    md.push_str(
        "\nthrong is the build of `cargo xtask dist`: the `dist` profile (release with \
         whole-program LTO in one codegen unit) with profile-guided optimisation, trained on the \
         demo (the `--url` journey and the clinician against throng's own demo target, 10,000 VUs \
         starting, 1,000 VUs thinking), never on this nginx. The Rust peers \
         get the same: Goose's load test is built with LTO in one codegen unit, and oha is \
         installed with its own `release-ci` profile (LTO, one codegen unit, as its Cargo.toml \
         sets for its CI's release builds).\n",
    );
    let _ = writeln!(
        md,
        "\nTarget: Debian's nginx, one process (`master_process off`, so the harness starts, \
         measures and stops the serving process by its pid), access log off, keep-alive with no \
         request cap, `return 200 \"Hello, world!\"` (13 bytes) at `/` and a 25 MB file at \
         `/files/big.bin`.\n\n<details><summary>nginx.conf</summary>\n\n```nginx\n{}```\n</details>\n",
        doc.nginx_config
    );
    for s in doc.sections {
        let _ = writeln!(md, "## {}\n\n{}\n", s.title, s.about);
        if !s.header.is_empty() {
            let _ = writeln!(md, "| {} |", s.header.join(" | "));
            let _ = writeln!(md, "|{}", "---|".repeat(s.header.len()));
            for r in &s.rows {
                let _ = writeln!(md, "| {} |", r.join(" | "));
            }
            md.push('\n');
        }
        if !s.targets.is_empty() {
            md.push_str("| target (issue 7) | measured | verdict |\n|---|---|---|\n");
            for t in &s.targets {
                let _ = writeln!(md, "| {} | {} | {} |", t.target, t.measured, t.verdict);
            }
            md.push('\n');
        }
        for n in &s.notes {
            let _ = writeln!(md, "- {n}");
        }
        if !s.notes.is_empty() {
            md.push('\n');
        }
        if !s.commands.is_empty() {
            md.push_str("Commands (first repetition):\n\n```sh\n");
            for c in &s.commands {
                let _ = writeln!(md, "{c}");
            }
            md.push_str("```\n\n");
        }
    }
    // The analysis is written by hand from a profile of a full run; it
    // names the run it comes from.
    md.push_str(ANALYSIS);
    md.push('\n');
    let redone = doc.noise.iter().filter(|n| !n.discarded.is_empty()).count();
    let unquiet = doc.noise.iter().filter(|n| !n.quiet).count();
    let bg: Vec<f64> = doc.noise.iter().map(|n| n.background_pct).collect();
    let _ = writeln!(
        md,
        "## Noise\n\n{}\n\n{} measured runs; {} redone (at most twice each) for background CPU; {} \
         started without the machine having become quiet within the wait bound; background CPU of \
         the kept runs (other processes, % of one core): {}.\n",
        doc.rule,
        doc.noise.len(),
        redone,
        unquiet,
        summary(Summary::of(&bg), 0)
    );
    md.push_str("| run | waited s | quiet | load1 | CPU before, % of a core | wall s | background % of a core | redone (background of discarded) |\n|---|---|---|---|---|---|---|---|\n");
    for n in doc.noise {
        let discarded: Vec<String> = n.discarded.iter().map(|b| format!("{b:.0} %")).collect();
        let _ = writeln!(
            md,
            "| {} | {:.0} | {} | {:.2} | {:.0} | {:.1} | {:.0} | {} |",
            n.label,
            n.waited_s,
            if n.quiet { "yes" } else { "no" },
            n.load1,
            n.cpu_pct,
            n.wall_s,
            n.background_pct,
            if discarded.is_empty() {
                "–".into()
            } else {
                discarded.join(", ")
            }
        );
    }
    md
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn verdicts_say_by_how_much() {
        assert_eq!(at_least(1.2, 1.0), "met");
        assert_eq!(at_least(0.75, 1.0), "missed by 25 %");
        assert_eq!(at_most(7.0, 7.7), "met");
        assert_eq!(at_most(15.4, 7.7), "missed by 100 %");
        assert_eq!(at_most(f64::NAN, 1.0), "not measured");
    }

    #[test]
    fn numbers_get_separators() {
        assert_eq!(num(1234567.891, 1), "1,234,567.9");
        assert_eq!(num(999.0, 0), "999");
        assert_eq!(num(-1234.0, 0), "-1,234");
        assert_eq!(
            summary(Summary::of(&[1000.0, 3000.0, 2000.0]), 0),
            "2,000 (1,000–3,000)"
        );
        assert_eq!(summary(None, 0), "–");
    }
}
