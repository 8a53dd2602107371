//! `cargo xtask bench [--quick] [--only a,b,c,d,e,m,o,l]`: throng against its
//! peers (wrk, hey, ab, oha, Locust, Goose) on one nginx, in one run, written to
//! BENCHMARKS.md.
//!
//! Scenarios: (a) throughput with a 13-byte body, (b) memory per VU waiting
//! in think time, (c) start-up of many VUs, (d) 100 concurrent 25 MB
//! downloads, (e) arrival-rate accuracy, (m) memory over 10 M requests
//! (metrics must not grow with the count), (o) engine overhead against a
//! bare hyper client, (l) one journey in each guest language. Each measured
//! process is pinned to core 0 and the target to core 1; every run waits
//! for a quiet machine first and is redone when other processes used the
//! CPU (see `noise`). Raw outputs stay under
//! `$CARGO_TARGET_DIR/bench/runs/<unix time>/`.

mod growth;
mod install;
mod nginx;
mod noise;
mod parse;
mod probe;
mod procfs;
mod report;
mod runner;
mod scenarios;
mod stats;

use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};

/// The scenarios `--only` knows, in the order they run.
const SCENARIOS: &str = "abcdemol";

/// Parsed `cargo xtask bench` flags.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Options {
    quick: bool,
    only: Vec<char>,
}

fn parse_options(args: &[String]) -> Result<Options> {
    let mut quick = false;
    let mut only: Vec<char> = SCENARIOS.chars().collect();
    let mut it = args.iter();
    while let Some(a) = it.next() {
        match a.as_str() {
            "--quick" => quick = true,
            "--only" => {
                let list = it.next().context("--only needs a list, e.g. --only a,c")?;
                only = Vec::new();
                for part in list.split(',').map(str::trim).filter(|p| !p.is_empty()) {
                    let c = part.chars().next().unwrap_or(' ');
                    if part.len() != 1 || !SCENARIOS.contains(c) {
                        bail!("--only: unknown scenario `{part}` (known: a, b, c, d, e, m, o, l)");
                    }
                    if !only.contains(&c) {
                        only.push(c);
                    }
                }
                only.sort_by_key(|c| SCENARIOS.find(*c));
            }
            other => bail!(
                "cargo xtask bench: unknown argument `{other}` (usage: cargo xtask bench [--quick] [--only a,b,c,d,e,m,o,l])"
            ),
        }
    }
    Ok(Options { quick, only })
}

/// Entry point of the `bench` verb.
pub fn main(root: &Path, target_dir: &Path, args: &[String]) -> Result<()> {
    match args.first().map(String::as_str) {
        Some("__count-server") => return probe::count_server(&args[1..]),
        Some("__hyper") => return probe::bare_hyper(&args[1..]),
        Some("__crowd") => return probe::bare_crowd(&args[1..]),
        _ => {}
    }
    let opts = parse_options(args)?;
    if std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1)
        < 2
    {
        bail!("the bench needs two cores: one for the generator, one for the target");
    }
    // The binary users get from `cargo xtask dist`: the `dist` profile
    // with profile-guided optimisation.
    crate::dist::build(target_dir).context("building throng with `cargo xtask dist`")?;
    let tools = install::ensure(root, target_dir)?;
    let dir = target_dir.join("bench");
    let mut bench = scenarios::Bench::new(root.to_owned(), dir, tools, opts.quick)?;
    let mut sections = Vec::new();
    for c in &opts.only {
        let section = match c {
            'a' => bench.throughput(),
            'b' => bench.memory(),
            'c' => bench.startup(),
            'd' => bench.downloads(),
            'e' => bench.arrival_rate(),
            'l' => bench.languages(),
            'm' => bench.metrics_memory(),
            _ => bench.overhead(),
        };
        match section {
            Ok(s) => sections.push(s),
            Err(e) => sections.push(report::Section {
                title: format!("({c}) failed"),
                about: format!("The scenario stopped with an error: {e:#}"),
                ..Default::default()
            }),
        }
    }
    let mut invocation = String::from("cargo xtask bench");
    for a in args {
        invocation.push(' ');
        invocation.push_str(a);
    }
    let md = bench.render(&invocation, &sections);
    let out: PathBuf = root.join("BENCHMARKS.md");
    // A run of some scenarios replaces only their sections of the report a
    // full run wrote, and says so in them.
    let md = match std::fs::read_to_string(&out) {
        Ok(old) if opts.only.len() < SCENARIOS.len() => {
            merge_sections(&old, &md, &opts.only, &invocation)
        }
        _ => md,
    };
    std::fs::write(&out, md).with_context(|| format!("writing {}", out.display()))?;
    println!("bench: wrote {}", out.display());
    Ok(())
}

/// `old` with the sections of `letters` taken from `new` (replaced in
/// place, or added before the analysis), each marked as coming from
/// `invocation`.
fn merge_sections(old: &str, new: &str, letters: &[char], invocation: &str) -> String {
    let mut out = old.to_owned();
    for c in letters {
        let heading = format!("## ({c}) ");
        let Some(block) = section(new, &heading) else {
            continue;
        };
        let marked = block.replacen(
            "\n\n",
            &format!("\n\n_From a separate invocation, `{invocation}`: compare its figures with each other, not with the sections above._\n\n"),
            1,
        );
        out = match section(&out, &heading) {
            Some(existing) => out.replacen(existing, &marked, 1),
            None => match out.find("\n## Analysis") {
                Some(at) => format!("{}\n{}{}", &out[..at], marked, &out[at..]),
                None => format!("{out}\n{marked}"),
            },
        };
    }
    out
}

/// The block of `doc` from the line `heading…` to the next `## ` heading.
fn section<'a>(doc: &'a str, heading: &str) -> Option<&'a str> {
    let start = doc.find(&format!("\n{heading}")).map(|i| i + 1)?;
    let end = doc[start + 3..]
        .find("\n## ")
        .map_or(doc.len(), |i| start + 3 + i + 1);
    Some(&doc[start..end])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_partial_run_replaces_or_adds_only_its_sections() {
        let old = "# B\n\n## (a) A\n\nold a\n\n## (l) L\n\nold l\n\n## Analysis\n\ntext\n";
        let new = "# B\n\n## (l) L\n\nnew l\n\n## Noise\n";
        let merged = merge_sections(old, new, &['l'], "cargo xtask bench --only l");
        assert!(merged.contains("old a") && merged.contains("new l") && !merged.contains("old l"));
        assert!(merged.contains("_From a separate invocation, `cargo xtask bench --only l`"));
        let old = "# B\n\n## (a) A\n\nold a\n\n## Analysis\n\ntext\n";
        let added = merge_sections(old, new, &['l'], "x");
        assert!(added.find("new l").unwrap() < added.find("## Analysis").unwrap());
    }

    fn args(s: &[&str]) -> Vec<String> {
        s.iter().map(|a| a.to_string()).collect()
    }

    #[test]
    fn options_default_to_every_scenario() {
        let o = parse_options(&[]).unwrap();
        assert_eq!(
            o,
            Options {
                quick: false,
                only: "abcdemol".chars().collect()
            }
        );
    }

    #[test]
    fn only_keeps_the_run_order_and_refuses_unknown_letters() {
        let o = parse_options(&args(&["--quick", "--only", "m,e,a"])).unwrap();
        assert_eq!(
            o,
            Options {
                quick: true,
                only: vec!['a', 'e', 'm']
            }
        );
        assert!(parse_options(&args(&["--only", "z"])).is_err());
        assert!(parse_options(&args(&["--only"])).is_err());
        assert!(parse_options(&args(&["--fast"])).is_err());
    }
}
