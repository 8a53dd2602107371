//! The scenarios of the bench, each returning its part of BENCHMARKS.md.

mod metrics_memory;

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};

use super::install::Tools;
use super::nginx::{self, Nginx};
use super::noise::NoiseRule;
use super::parse::{self, Throughput};
use super::probe::{CountReport, HyperReport};
use super::report::{self, NoiseEntry, Section, Target, at_least, at_most, num, summary};
use super::runner::{self, Job, Observed, RssGate};
use super::stats::Summary;

const KIB: f64 = 1024.0;
const MIB: f64 = 1024.0 * 1024.0;
/// What the counting server answers when a journey logs in first: the
/// clinician in every language reads `token` from its login's JSON.
const TOKEN_BODY: &str = r#"{"token":"bench"}"#;

/// The state of one bench run: tools, the target, settings, the noise log.
pub struct Bench {
    root: PathBuf,
    dir: PathBuf,
    runs: PathBuf,
    cache: PathBuf,
    tools: Tools,
    nginx: Nginx,
    quick: bool,
    reps: usize,
    secs: u64,
    rule: NoiseRule,
    noise: Vec<NoiseEntry>,
    idle_rss: Option<f64>,
    /// The same idle throng's proportional set size.
    idle_pss: f64,
    idle_cpu_pct: f64,
}

/// A peer of the throughput and download scenarios.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Peer {
    Throng,
    Wrk,
    Ab,
    Oha,
    Hey,
    Locust,
    Goose,
}

impl Peer {
    fn name(self) -> &'static str {
        match self {
            Peer::Throng => "throng (Rust quick-get journey)",
            Peer::Wrk => "wrk",
            Peer::Ab => "ab",
            Peer::Oha => "oha",
            Peer::Hey => "hey",
            Peer::Locust => "Locust FastHttpUser",
            Peer::Goose => "Goose",
        }
    }
}

fn s(x: impl ToString) -> String {
    x.to_string()
}

fn median_of(samples: &[(f64, u64)]) -> Option<f64> {
    Summary::of(&samples.iter().map(|(_, b)| *b as f64).collect::<Vec<_>>()).map(|s| s.median)
}

/// `users` users, all started in the first second, for `secs` seconds:
/// the flags Locust and Goose share (`-u`, `-r`, `-t`).
fn all_users_at_once(users: impl ToString, secs: u64) -> [String; 6] {
    let users = users.to_string();
    [
        s("-u"),
        users.clone(),
        s("-r"),
        users,
        s("-t"),
        format!("{secs}s"),
    ]
}

/// (b)'s row for a tool with one user: the baseline of its per-user
/// figures.
fn baseline_row(tool: &str, rss: f64, pss: f64) -> Vec<String> {
    vec![
        s(tool),
        s(1),
        num(rss / MIB, 1),
        num(pss / MIB, 1),
        s("– (baseline)"),
        s("– (baseline)"),
        s(""),
    ]
}

/// The memory maps `vus` VUs would hold, projected in proportion from
/// the count at the most VUs measured (`(VUs, maps)`; the process's own
/// maps are counted as if each VU brought its share, so the projection
/// errs high), and that count per VU; NaN without a count.
fn project_maps(maps_at: &[(u32, f64)], vus: u32) -> (f64, f64) {
    let Some(&(n, maps)) = maps_at.iter().max_by_key(|(n, _)| *n) else {
        return (f64::NAN, f64::NAN);
    };
    let per_vu = maps / f64::from(n.max(1));
    (per_vu * f64::from(vus), per_vu)
}

/// What the 100,000-VU run of (b) showed.
struct BigRun {
    /// Every VU became active.
    active: bool,
    /// The median count of memory maps.
    maps: Option<f64>,
    /// Requests and failed requests, from its results.
    counts: Option<(u64, u64)>,
}

/// The target row of the 100,000-VU run: every VU active, none of its
/// requests failed, its memory maps under the kernel's cap.
fn hundred_thousand(run: Option<BigRun>, cap: f64) -> Target {
    let target = s(
        "100,000 VUs in one process (1,000 shared connections): all active, none failed, memory maps under vm.max_map_count",
    );
    let Some(BigRun {
        active,
        maps,
        counts,
    }) = run
    else {
        return Target {
            target,
            measured: s("–"),
            verdict: s("not measured"),
        };
    };
    let maps = maps.unwrap_or(f64::NAN);
    let measured = format!(
        "{}; {} maps (cap {}); {}",
        if active {
            "all active"
        } else {
            "not all active"
        },
        num(maps, 0),
        num(cap, 0),
        counts.map_or(s("no results"), |(requests, failed)| format!(
            "{} requests, {} failed",
            num(requests as f64, 0),
            failed
        ))
    );
    let verdict = match counts {
        _ if !active => s("missed: not every VU became active"),
        None => s("missed: no results"),
        Some((_, failed)) if failed > 0 => format!("missed: {failed} requests failed"),
        Some(_) => at_most(maps, cap),
    };
    Target {
        target,
        measured,
        verdict,
    }
}

fn first_lines(text: &str, n: usize) -> String {
    let lines: Vec<&str> = text
        .lines()
        .filter(|l| !l.trim().is_empty())
        .take(n)
        .collect();
    lines.join(" / ")
}

impl Bench {
    /// Starts the target and prepares the folders.
    pub fn new(root: PathBuf, dir: PathBuf, tools: Tools, quick: bool) -> Result<Bench> {
        // One folder per invocation: a partial run never wipes the raw
        // outputs behind an earlier BENCHMARKS.md.
        let stamp = super::probe::epoch_us() / 1_000_000;
        let runs = dir.join("runs").join(stamp.to_string());
        std::fs::create_dir_all(&runs)?;
        let cache = dir.join("module-cache");
        let port = nginx::free_port()?;
        let nginx = Nginx::start(&tools.nginx, &dir.join("nginx"), port, 1)?;
        println!("bench: nginx on 127.0.0.1:{port} (pid {})", nginx.pid());
        let bench = Bench {
            root,
            dir,
            runs,
            cache,
            tools,
            nginx,
            quick,
            reps: if quick { 1 } else { 3 },
            secs: if quick { 3 } else { 10 },
            rule: NoiseRule::standard(quick),
            noise: Vec::new(),
            idle_rss: None,
            idle_pss: f64::NAN,
            idle_cpu_pct: f64::NAN,
        };
        bench.warm_up()?;
        Ok(bench)
    }

    fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.nginx.port)
    }

    fn job(&self, label: &str, program: &Path, args: Vec<String>) -> Job {
        let mut job = Job::new(label, program, args, &self.runs);
        job.timeout = Duration::from_secs(self.secs + 60);
        job
    }

    fn throng_job(&self, label: &str, mut args: Vec<String>) -> Job {
        args.extend([
            s("--quiet"),
            s("--cache-dir"),
            self.cache.display().to_string(),
        ]);
        self.job(label, &self.tools.throng, args)
    }

    /// Measures `job` under the noise rule, with `targets`' CPU excluded
    /// from the background, and logs its noise.
    fn measure_with(&mut self, job: &Job, targets: &[u32]) -> Result<Observed> {
        let rule = self.rule;
        self.measure_rule(job, targets, &rule)
    }

    fn measure_rule(&mut self, job: &Job, targets: &[u32], rule: &NoiseRule) -> Result<Observed> {
        println!("bench: {}", job.label);
        let obs = runner::measure(job, targets, rule)?;
        self.noise.push(NoiseEntry {
            label: job.label.clone(),
            waited_s: obs.quiet.waited_s,
            quiet: obs.quiet.quiet,
            load1: obs.quiet.load1,
            cpu_pct: obs.quiet.cpu_pct,
            wall_s: obs.wall_s,
            background_pct: obs.background_pct,
            discarded: obs.discarded_background.clone(),
        });
        Ok(obs)
    }

    fn measure(&mut self, job: &Job) -> Result<Observed> {
        let pid = self.nginx.pid();
        self.measure_with(job, &[pid])
    }

    /// The resident memory of a throng with one VU in think time: what the
    /// per-VU figures subtract.
    fn idle_rss(&mut self) -> Result<f64> {
        if let Some(r) = self.idle_rss {
            return Ok(r);
        }
        let jsonl = self.runs.join("idle.jsonl");
        let mut job = self.throng_job(
            "idle-throng-1vu",
            vec![
                s("run"),
                s("--url"),
                self.url("/"),
                s("--vus"),
                s(1),
                s("--duration"),
                s("6s"),
                s("--think-time"),
                s("1s..5s"),
                s("--graceful-stop"),
                s("1s"),
                s("--jsonl"),
                jsonl.display().to_string(),
            ],
        );
        job.rss_gate = RssGate::AfterFileContains(jsonl.clone(), s("\"vus\":1,"));
        job.fresh_files = vec![jsonl];
        job.pss = true;
        let obs = self.measure(&job)?;
        let rss = median_of(&obs.rss)
            .context("idle throng run: no memory sample after its VU started")?;
        self.idle_rss = Some(rss);
        self.idle_pss = median_of(&obs.pss).unwrap_or(f64::NAN);
        self.idle_cpu_pct = obs.cpu_s / obs.wall_s * 100.0;
        Ok(rss)
    }

    /// One unmeasured iteration in each memory layout: it fills throng's
    /// module cache, whose entries differ by layout (10,000 VUs use the
    /// compact one), so no measured run pays a compile (nor carries its
    /// memory), whichever scenarios run and however fresh the cache.
    fn warm_up(&self) -> Result<()> {
        for layout in ["fast", "compact"] {
            let warm = self.throng_job(
                &format!("warm-up-{layout}"),
                vec![
                    s("run"),
                    s("--url"),
                    self.url("/"),
                    s("--vus"),
                    s(1),
                    s("--iterations"),
                    s(1),
                    s("--memory-layout"),
                    s(layout),
                ],
            );
            runner::run_once(&warm, &[])?;
        }
        Ok(())
    }

    fn peer_job(&self, peer: Peer, label: &str, url: &str, conns: u32, out: &Path) -> Option<Job> {
        let secs = self.secs;
        let base = format!("http://127.0.0.1:{}", self.nginx.port);
        Some(match peer {
            Peer::Throng => {
                let mut job = self.throng_job(
                    label,
                    vec![
                        s("run"),
                        s("--url"),
                        s(url),
                        s("--vus"),
                        s(conns),
                        s("--duration"),
                        format!("{secs}s"),
                        s("--out"),
                        out.display().to_string(),
                    ],
                );
                if url.contains("/files/") {
                    // Stream and count the body instead of keeping 25 MB in
                    // guest memory.
                    job.args.splice(3..3, [s("-p"), s("discard=true")]);
                }
                job.fresh_files = vec![out.to_owned()];
                job
            }
            Peer::Wrk => self.job(
                label,
                self.tools.wrk.as_ref()?,
                vec![
                    s("-t1"),
                    format!("-c{conns}"),
                    format!("-d{secs}s"),
                    // wrk's default 2 s timeout cuts 25 MB downloads short.
                    s("--timeout"),
                    s("30s"),
                    s(url),
                ],
            ),
            Peer::Ab => self.job(
                label,
                self.tools.ab.as_ref()?,
                // -n after -t: -t alone caps the run at 50,000 requests.
                vec![
                    s("-k"),
                    s("-q"),
                    s("-c"),
                    s(conns),
                    s("-t"),
                    s(secs),
                    s("-n"),
                    s(5_000_000),
                    s(url),
                ],
            ),
            Peer::Oha => self.job(
                label,
                self.tools.oha.as_ref()?,
                vec![
                    s("-z"),
                    format!("{secs}s"),
                    s("-c"),
                    s(conns),
                    s("--no-tui"),
                    s("--output-format"),
                    s("json"),
                    s(url),
                ],
            ),
            Peer::Hey => self.job(
                label,
                self.tools.hey.as_ref()?,
                vec![s("-z"), format!("{secs}s"), s("-c"), s(conns), s(url)],
            ),
            Peer::Locust => {
                let prefix = out.with_extension("");
                let mut job = self.job(
                    label,
                    self.tools.locust.as_ref()?,
                    vec![
                        s("-f"),
                        self.root
                            .join("xtask/src/bench/locustfile.py")
                            .display()
                            .to_string(),
                        s("--headless"),
                    ]
                    .into_iter()
                    .chain(all_users_at_once(conns, secs))
                    .chain([
                        s("--host"),
                        base,
                        s("--csv"),
                        prefix.display().to_string(),
                        s("--only-summary"),
                    ])
                    .collect(),
                );
                job.fresh_files = vec![PathBuf::from(format!("{}_stats.csv", prefix.display()))];
                job
            }
            Peer::Goose => {
                // All users start at once (-r), none of the run is reset
                // away, and the report's history gives the span.
                let mut job = self.job(
                    label,
                    self.tools.goose.as_ref()?,
                    [s("-H"), base]
                        .into_iter()
                        .chain(all_users_at_once(conns, secs))
                        .chain([
                            s("--no-reset-metrics"),
                            s("--report-file"),
                            out.display().to_string(),
                            s("-q"),
                        ])
                        .collect(),
                );
                job.fresh_files = vec![out.to_path_buf()];
                job
            }
        })
    }

    fn parse_peer(&self, peer: Peer, obs: &Observed, out: &Path) -> Result<Throughput> {
        match peer {
            Peer::Throng => {
                let text = std::fs::read_to_string(out).with_context(|| {
                    format!("throng wrote no results ({})", first_lines(&obs.stderr, 3))
                })?;
                let r = parse::throng(&text)?;
                Ok(Throughput {
                    requests: r.requests,
                    req_per_s: r.req_per_s,
                    errors: r.failed,
                    bytes_per_s: Some(r.bytes_received as f64 / r.duration_s.max(1e-9)),
                })
            }
            Peer::Wrk => parse::wrk(&obs.stdout),
            Peer::Ab => parse::ab(&obs.stdout),
            Peer::Oha => parse::oha(&obs.stdout),
            Peer::Hey => parse::hey(&obs.stdout),
            Peer::Goose => {
                parse::goose(&std::fs::read_to_string(out).context("Goose wrote no JSON report")?)
            }
            Peer::Locust => {
                let csv = PathBuf::from(format!("{}_stats.csv", out.with_extension("").display()));
                parse::locust_csv(
                    &std::fs::read_to_string(&csv).context("Locust wrote no stats CSV")?,
                )
            }
        }
    }

    /// A peer's memory per user in 1–5 s wait time (`BENCH_THINK=1`) at
    /// 1, 1,000 and 10,000 users, sampled once `started` (the file of the
    /// run's output, the text in it) says every user has started. Adds
    /// its rows; returns PSS KiB per user at 10,000.
    fn peer_memory(
        &mut self,
        peer: Peer,
        secs: u64,
        started: impl Fn(&str, u32) -> (String, String),
        (rows, notes, commands): (&mut Vec<Vec<String>>, &mut Vec<String>, &mut Vec<String>),
    ) -> Result<f64> {
        let name = peer.name();
        let Some(_) = self.peer_job(peer, "x", "", 1, Path::new("x")) else {
            notes.push(format!("{name} missing: no per-user figure."));
            return Ok(f64::NAN);
        };
        let tag = format!("{peer:?}").to_lowercase();
        let (mut idle, mut idle_pss) = (f64::NAN, f64::NAN);
        let mut at_10k = f64::NAN;
        for n in [1u32, 1_000, 10_000] {
            let label = format!("b-{tag}-{n}");
            let prefix = self.runs.join(&label);
            let mut job = self
                .peer_job(peer, &label, "", n, &prefix.with_extension("json"))
                .context("peer job")?;
            job.env.push((s("BENCH_THINK"), s("1")));
            // The start is read from the peer's log, which `-q` silences.
            job.args.retain(|a| a != "-q");
            if let Some(t) = job.args.iter().position(|a| a == "-t") {
                job.args[t + 1] = format!("{}s", secs + 10);
            }
            let (file, text) = started(&label, n);
            job.rss_gate = RssGate::AfterFileContains(self.runs.join(file), text.clone());
            job.timeout = Duration::from_secs(secs + 90);
            job.pss = true;
            if n == 1_000 {
                commands.push(format!("BENCH_THINK=1 {}", job.shown()));
            }
            let obs = self.measure(&job)?;
            let pss = median_of(&obs.pss).unwrap_or(f64::NAN);
            match median_of(&obs.rss) {
                Some(rss) if n == 1 => {
                    (idle, idle_pss) = (rss, pss);
                    rows.push(baseline_row(name, rss, pss));
                }
                Some(rss) => {
                    let per_user_rss = (rss - idle) / f64::from(n - 1) / KIB;
                    let per_user = (pss - idle_pss) / f64::from(n - 1) / KIB;
                    if n == 10_000 {
                        at_10k = per_user;
                    }
                    rows.push(vec![
                        s(name),
                        num(f64::from(n), 0),
                        num(rss / MIB, 1),
                        num(pss / MIB, 1),
                        num(per_user_rss, 1),
                        num(per_user, 1),
                        s(""),
                    ]);
                }
                None => notes.push(format!(
                    "{name} at {n} users never wrote `{text}` ({}): {}",
                    obs.status,
                    first_lines(&obs.stderr, 3)
                )),
            }
        }
        Ok(at_10k)
    }

    /// (a) Throughput: 50 connections/VUs, 13-byte body.
    pub fn throughput(&mut self) -> Result<Section> {
        let peers = [
            Peer::Throng,
            Peer::Wrk,
            Peer::Ab,
            Peer::Oha,
            Peer::Hey,
            Peer::Locust,
            Peer::Goose,
        ];
        let url = self.url("/");
        let mut rps: Vec<Vec<f64>> = vec![Vec::new(); peers.len()];
        let mut cpu: Vec<Vec<f64>> = vec![Vec::new(); peers.len()];
        // How busy nginx was while each tool ran, % of its one core: a
        // tool that brings it near 100 % is at the target's ceiling.
        let mut served: Vec<Vec<f64>> = vec![Vec::new(); peers.len()];
        let mut errors = vec![0u64; peers.len()];
        let mut failures: Vec<Vec<String>> = vec![Vec::new(); peers.len()];
        let mut commands = Vec::new();
        for rep in 1..=self.reps {
            // Peers interleave within a repetition so drift hits them alike.
            for (i, peer) in peers.iter().enumerate() {
                let label = format!("a-{}-{rep}", format!("{peer:?}").to_lowercase());
                let out = self.runs.join(format!("{label}.json"));
                let Some(job) = self.peer_job(*peer, &label, &url, 50, &out) else {
                    continue;
                };
                if rep == 1 {
                    commands.push(job.shown());
                }
                let obs = self.measure(&job)?;
                if !obs.ok {
                    failures[i].push(format!(
                        "{label}: {} ({})",
                        obs.status,
                        first_lines(&obs.stderr, 2)
                    ));
                }
                match self.parse_peer(*peer, &obs, &out) {
                    Ok(t) if t.requests > 0 => {
                        rps[i].push(t.req_per_s);
                        cpu[i].push(obs.cpu_s * 1e6 / t.requests as f64);
                        served[i].push(obs.target_cpu_s / obs.wall_s.max(1e-9) * 100.0);
                        errors[i] += t.errors;
                    }
                    Ok(_) => {
                        failures[i].push(format!("{label}: no request completed ({})", obs.status))
                    }
                    Err(e) => failures[i].push(format!(
                        "{label}: {e:#} ({}; {})",
                        obs.status,
                        first_lines(&obs.stderr, 2)
                    )),
                }
            }
        }
        let med: Vec<Option<Summary>> = rps.iter().map(|v| Summary::of(v)).collect();
        let throng_rps = med[0].map_or(f64::NAN, |s| s.median);
        let mut rows = Vec::new();
        for (i, peer) in peers.iter().enumerate() {
            let missing = self
                .peer_job(*peer, "x", &url, 50, Path::new("x"))
                .is_none();
            let ratio = med[i].map_or(f64::NAN, |m| throng_rps / m.median);
            rows.push(vec![
                s(peer.name()),
                if missing {
                    s("missing")
                } else {
                    summary(med[i], 0)
                },
                summary(Summary::of(&cpu[i]), 2),
                summary(Summary::of(&served[i]), 0),
                s(errors[i]),
                if i == 0 { s("1.00") } else { num(ratio, 2) },
            ]);
        }
        let peer_median = |values: &[Vec<f64>], p: Peer| {
            let i = peers.iter().position(|x| *x == p).unwrap_or(0);
            Summary::of(&values[i]).map_or(f64::NAN, |s| s.median)
        };
        let ratio_to = |p: Peer| throng_rps / peer_median(&rps, p);
        // What the target's ceiling allows against a peer in this run: the
        // ratio wrk reached, with nginx as busy as `served` shows.
        let ceiling = |p: Peer| peer_median(&rps, Peer::Wrk) / peer_median(&rps, p);
        let wrk_served = peer_median(&served, Peer::Wrk);
        let throng_served = peer_median(&served, Peer::Throng);
        let throng_cpu = Summary::of(&cpu[0]).map_or(f64::NAN, |s| s.median);
        let targets = vec![
            Target {
                target: s("throng req/s ≥ 1.0× oha"),
                measured: format!("{}×", num(ratio_to(Peer::Oha), 2)),
                verdict: at_least(ratio_to(Peer::Oha), 1.0),
            },
            Target {
                target: s("≤ 7.7 µs CPU per request, script included"),
                measured: format!(
                    "{} µs (oha's in this run: {} µs)",
                    num(throng_cpu, 2),
                    num(peer_median(&cpu, Peer::Oha), 2)
                ),
                verdict: at_most(throng_cpu, 7.7),
            },
            Target {
                target: s("stretch: the target's ceiling (wrk's req/s)"),
                measured: format!(
                    "{}× wrk (nginx busy {} % of its core under wrk, {} % under throng)",
                    num(ratio_to(Peer::Wrk), 2),
                    num(wrk_served, 0),
                    num(throng_served, 0)
                ),
                verdict: at_least(ratio_to(Peer::Wrk), 1.0),
            },
            Target {
                target: s("≥ 15× Locust"),
                measured: format!(
                    "{}× (wrk, with nginx {} % busy: {}×)",
                    num(ratio_to(Peer::Locust), 1),
                    num(wrk_served, 0),
                    num(ceiling(Peer::Locust), 1)
                ),
                verdict: at_least(ratio_to(Peer::Locust), 15.0),
            },
            Target {
                target: s("≥ 3× Goose"),
                measured: format!(
                    "{}× (wrk, with nginx {} % busy: {}×)",
                    num(ratio_to(Peer::Goose), 2),
                    num(wrk_served, 0),
                    num(ceiling(Peer::Goose), 2)
                ),
                verdict: at_least(ratio_to(Peer::Goose), 3.0),
            },
        ];
        let mut notes: Vec<String> = failures.into_iter().flatten().collect();
        notes.push(s("CPU per request: utime + stime of the generator process (from /proc/<pid>/stat as it exits) over the requests it reports, start-up included; throng's count includes the Wasm guest, the host calls and the metrics."));
        notes.push(s("nginx busy: the CPU nginx's process used during the tool's run (utime + stime from /proc/<pid>/stat, before and after) over the run's wall time, start-up and exit included, % of the one core it is pinned to. Near 100 %, nginx itself is the limit: no client gets more from it."));
        Ok(Section {
            title: s("(a) Throughput: 50 connections, 13-byte body"),
            about: format!(
                "Every tool against `{url}` with keep-alive and 50 connections (throng: 50 VUs of the \
                 bundled quick-get journey, one GET and one check per iteration; it never reads the \
                 response's headers or body, so it asks for no headers to be copied into the guest and \
                 streams and counts the body, as the peers do) for {} s. Ratio = \
                 throng's median req/s ÷ the tool's.",
                self.secs
            ),
            commands,
            header: vec![
                s("tool"),
                s("req/s"),
                s("µs CPU / request"),
                s("nginx busy, % of its core"),
                s("errors"),
                s("throng ÷ tool"),
            ],
            rows,
            targets,
            notes,
        })
    }

    /// (b) Memory per VU waiting in 1–5 s think time.
    pub fn memory(&mut self) -> Result<Section> {
        // 5,000 as well: the fast layout's figure (10,000 VUs use the
        // compact one, capacity.rs).
        // And 100,000, sharing 1,000 connections (`--shared-connections`):
        // a connection each would need an open-files limit above 100,000
        // and more than one target address. They think 5–15 s, so that
        // one core keeps up with their ~10,000 requests a second.
        let counts = [
            (1_000u32, None),
            (5_000, None),
            (10_000, None),
            (100_000, Some(1_000u32)),
        ];
        let secs = if self.quick { 10 } else { 20 };
        let idle = self.idle_rss()?;
        let idle_pss = self.idle_pss;
        let mut rows = vec![baseline_row("throng", idle, idle_pss)];
        let mut notes = Vec::new();
        let mut commands = Vec::new();
        let mut per_vu_10k = f64::NAN;
        let mut per_vu_5k = f64::NAN;
        let mut maps_at = Vec::new();
        let mut at_100k = None;
        for (n, shared) in counts {
            let label = format!("b-throng-{n}");
            let jsonl = self.runs.join(format!("{label}.jsonl"));
            let out = self.runs.join(format!("{label}.json"));
            // 100,000 VUs take ~12 s to start here.
            let (tool, think, run_secs) = match shared {
                None => (s("throng"), "1s..5s", secs),
                Some(c) => (
                    format!(
                        "throng, 5–15 s think, {} shared connections",
                        num(f64::from(c), 0)
                    ),
                    "5s..15s",
                    secs + 20,
                ),
            };
            let mut args = vec![
                s("run"),
                s("--url"),
                self.url("/"),
                s("--vus"),
                s(n),
                s("--duration"),
                format!("{run_secs}s"),
                s("--think-time"),
                s(think),
                s("--graceful-stop"),
                s("1s"),
                s("--jsonl"),
                jsonl.display().to_string(),
                s("--out"),
                out.display().to_string(),
            ];
            if let Some(c) = shared {
                args.extend([s("--shared-connections"), s(c)]);
            }
            let mut job = self.throng_job(&label, args);
            job.rss_gate = RssGate::AfterFileContains(jsonl.clone(), format!("\"vus\":{n},"));
            job.fresh_files = vec![jsonl, out.clone()];
            job.timeout = Duration::from_secs(run_secs + 120);
            job.pss = true;
            commands.push(job.shown());
            let obs = self.measure(&job)?;
            let reqs = std::fs::read_to_string(&out)
                .ok()
                .and_then(|t| parse::throng(&t).ok());
            // The median, like PSS: the run's steady state, not the VUs
            // unmapped one by one at its end.
            let maps = median_of(&obs.maps);
            if let (Some(maps), None) = (maps, shared) {
                maps_at.push((n, maps));
            }
            if shared.is_some() {
                at_100k = Some(BigRun {
                    active: median_of(&obs.rss).is_some(),
                    maps,
                    counts: reqs.as_ref().map(|r| (r.requests, r.failed)),
                });
            }
            match median_of(&obs.rss) {
                Some(rss) => {
                    let pss = median_of(&obs.pss).unwrap_or(f64::NAN);
                    let per_vu_rss = (rss - idle) / f64::from(n - 1) / KIB;
                    let per_vu = (pss - idle_pss) / f64::from(n - 1) / KIB;
                    if n == 10_000 {
                        per_vu_10k = per_vu;
                    }
                    if n == 5_000 {
                        per_vu_5k = per_vu;
                    }
                    rows.push(vec![
                        tool.clone(),
                        num(f64::from(n), 0),
                        num(rss / MIB, 1),
                        num(pss / MIB, 1),
                        num(per_vu_rss, 1),
                        num(per_vu, 1),
                        format!(
                            "{}; {} memory maps",
                            reqs.map_or(s("–"), |r| {
                                format!(
                                    "{} requests, {} failed",
                                    num(r.requests as f64, 0),
                                    r.failed
                                )
                            }),
                            maps.map_or(s("–"), |m| num(m, 0))
                        ),
                    ]);
                }
                None => {
                    rows.push(vec![
                        tool.clone(),
                        num(f64::from(n), 0),
                        s("–"),
                        s("–"),
                        s("failed"),
                        s("failed"),
                        reqs.map_or(s("–"), |r| {
                            format!("{} requests, {} failed", r.requests, r.failed)
                        }),
                    ]);
                    notes.push(format!(
                        "throng at {n} VUs never had every VU active ({}; peak RSS {:.0} MiB): {}. Limits here: vm.max_map_count = {}, open files (soft) = {}.",
                        obs.status,
                        obs.peak_rss as f64 / MIB,
                        first_lines(&obs.stderr, 4),
                        std::fs::read_to_string("/proc/sys/vm/max_map_count").unwrap_or_default().trim(),
                        open_files_limit(),
                    ));
                }
            }
        }
        let per_vu_locust = self.peer_memory(
            Peer::Locust,
            secs,
            |label, _| (format!("{label}.stderr"), s("All users spawned")),
            (&mut rows, &mut notes, &mut commands),
        )?;
        self.peer_memory(
            Peer::Goose,
            secs,
            |label, n| {
                (
                    format!("{label}.stdout"),
                    format!("[user {n}]: launching user"),
                )
            },
            (&mut rows, &mut notes, &mut commands),
        )?;
        notes.push(s("RSS: VmRSS of the generator sampled every 50 ms once every VU is active (throng: its `--jsonl` stream reports `vus` = N; Locust: it logs `All users spawned`; Goose: it logs the N-th user launching), median of those samples. PSS: `Pss` of /proc/<pid>/smaps_rollup, sampled every 500 ms over the same window: resident memory with each shared page counted once. VmRSS counts a page once per mapping, so a module-image page that every VU maps copy-on-write and only reads counts N times in RSS and once in PSS. Per VU = (memory − the same tool's memory with 1 VU) ÷ (N − 1); the targets are judged on PSS. Each VU holds an idle keep-alive connection to nginx."));
        let max_map_count = std::fs::read_to_string("/proc/sys/vm/max_map_count")
            .ok()
            .and_then(|t| t.trim().parse::<f64>().ok())
            .unwrap_or(f64::NAN);
        let (maps_100k, maps_per_vu) = project_maps(&maps_at, 100_000);
        notes.push(format!("Memory maps: lines of /proc/<pid>/maps, sampled with PSS, median (VUs unmapped one by one at the end of a run split merged mappings for a moment); the kernel caps them at vm.max_map_count ({}). 100,000 VUs with a connection each would need an open-files limit above 100,000 (here: {}) and more than one target address (one address's ephemeral ports hold ~28,000 connections); their maps, projected from the count at 10,000 VUs ({} per VU, the process's own maps included, both counts in the compact layout), would be {}. The 100,000-VU row shares 1,000 connections instead (`--shared-connections 1000`), and its VUs think 5–15 s so that one core keeps up with their requests; its PSS per VU is not comparable with the rows above (no socket per VU, a longer think).", num(max_map_count, 0), open_files_limit(), num(maps_per_vu, 3), num(maps_100k, 0)));
        notes.push(s("wrk, ab, oha and hey have no think time (hey's `-q` and oha's `-q` pace connections, not users), so they have no memory-per-user figure here."));
        Ok(Section {
            title: s("(b) Memory per VU in 1–5 s think time"),
            about: format!(
                "throng with N VUs of the quick-get journey and `--think-time 1s..5s` for {secs} s; Locust with N FastHttpUsers and `wait_time = between(1, 5)`; Goose with N users and `set_wait_time(1 s, 5 s)` (one repetition: memory barely moves between runs)."
            ),
            commands,
            header: vec![
                s("tool"),
                s("VUs"),
                s("RSS MiB"),
                s("PSS MiB"),
                s("RSS KiB per VU"),
                s("PSS KiB per VU"),
                s(""),
            ],
            rows,
            targets: vec![
                Target {
                    target: s("≤ 32 KiB per Rust VU at 10,000 VUs"),
                    measured: format!("{} KiB", num(per_vu_10k, 1)),
                    verdict: at_most(per_vu_10k, 32.0),
                },
                Target {
                    target: s("(the same at 5,000 VUs, in the fast memory layout)"),
                    measured: format!("{} KiB", num(per_vu_5k, 1)),
                    verdict: at_most(per_vu_5k, 32.0),
                },
                hundred_thousand(at_100k, max_map_count),
                Target {
                    // The issue's stretch has two halves; (a) judges the
                    // other ("while doing 15× its work": ≥ 15× Locust).
                    target: s(
                        "stretch: below Locust's per-user memory (its other half, 15× Locust's work, is (a)'s ≥ 15× Locust)",
                    ),
                    measured: format!("{} vs {} KiB", num(per_vu_10k, 1), num(per_vu_locust, 1)),
                    verdict: at_most(per_vu_10k, per_vu_locust),
                },
            ],
            notes,
        })
    }

    fn start_count_server(
        &self,
        label: &str,
        port: u16,
        expect: u32,
        report: &Path,
        body: Option<&str>,
    ) -> Result<Child> {
        let _ = std::fs::remove_file(report);
        let mut server = Command::new("taskset");
        server
            .args(["-c", "1"])
            .arg(&self.tools.xtask)
            .args([
                "bench",
                "__count-server",
                "--port",
                &port.to_string(),
                "--expect",
                &expect.to_string(),
                "--report",
            ])
            .arg(report)
            .args(["--seconds", "120"]);
        if let Some(body) = body {
            server.args(["--body", body]);
        }
        let child = server
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(
                self.runs.join(format!("{label}.server.stderr")),
            )?)
            .spawn()
            .context("starting the counting server")?;
        let deadline = Instant::now() + Duration::from_secs(10);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            if Instant::now() > deadline {
                bail!("the counting server did not listen on {port}");
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        Ok(child)
    }

    /// Runs `job` against a counting server on `port` that expects
    /// `expect` requests and answers each with `body`, and returns the
    /// server's report beside the observation. The server is started
    /// afresh for every attempt, so a run redone for noise does not add
    /// to the counts of the last.
    fn counted(
        &mut self,
        job: &Job,
        port: u16,
        expect: u32,
        body: Option<&str>,
    ) -> Result<(Observed, Option<CountReport>)> {
        let report_path = self.runs.join(format!("{}.count.json", job.label));
        let single = NoiseRule {
            max_redos: 0,
            ..self.rule
        };
        let mut discarded = Vec::new();
        loop {
            let mut server =
                self.start_count_server(&job.label, port, expect, &report_path, body)?;
            let obs = self.measure_rule(job, &[server.id()], &single);
            runner::stop(&mut server);
            let obs = obs?;
            let count: Option<CountReport> = std::fs::read(&report_path)
                .ok()
                .and_then(|b| serde_json::from_slice(&b).ok());
            if self.rule.redo(obs.background_pct, discarded.len() as u32) {
                println!(
                    "  {}: {:.0} % of a core used by other processes; redoing",
                    job.label, obs.background_pct
                );
                discarded.push(obs.background_pct);
                self.noise.pop();
                continue;
            }
            if let Some(entry) = self.noise.last_mut() {
                entry.discarded = discarded;
            }
            return Ok((obs, count));
        }
    }

    /// (c) Start-up: from spawning throng to every VU's first request, and
    /// the same for a bare hyper crowd, the floor of what the kernel and
    /// one core allow, and for a bare wasmtime crowd, that floor plus an
    /// instance and a fiber call per VU.
    pub fn startup(&mut self) -> Result<Section> {
        let counts = [1u32, 1_000, 5_000, 10_000];
        let mut rows = Vec::new();
        let mut notes = Vec::new();
        let mut commands = Vec::new();
        let mut first_1 = f64::NAN;
        // [throng, hyper crowd, wasmtime crowd] at 10,000: to every first
        // request; first → last.
        let mut all_10k = [f64::NAN; 3];
        let mut spread_10k = [f64::NAN; 3];
        let tools = [
            ("throng", "throng"),
            ("crowd", "bare hyper crowd"),
            ("wasm", "bare wasmtime crowd"),
        ];
        for n in counts {
            for (t, (tool, shown)) in tools.into_iter().enumerate() {
                let mut to_first = Vec::new();
                let mut to_all = Vec::new();
                let mut spread = Vec::new();
                for rep in 1..=self.reps {
                    let label = format!("c-{tool}-{n}-{rep}");
                    let port = nginx::free_port()?;
                    let url = format!("http://127.0.0.1:{port}/");
                    let out = self.runs.join(format!("{label}.json"));
                    let mut job = if t == 0 {
                        let mut job = self.throng_job(
                            &label,
                            vec![
                                s("run"),
                                s("--url"),
                                url,
                                s("--vus"),
                                s(n),
                                s("--duration"),
                                s("5s"),
                                s("--think-time"),
                                s("60s"),
                                s("--graceful-stop"),
                                s("0s"),
                                s("--out"),
                                out.display().to_string(),
                            ],
                        );
                        job.fresh_files = vec![out.clone()];
                        job
                    } else {
                        // Both crowds take the same arguments; the hyper
                        // crowd is a verb of the xtask binary.
                        let (program, verb) = if t == 2 {
                            (self.tools.wasm_crowd.clone(), vec![])
                        } else {
                            (self.tools.xtask.clone(), vec![s("bench"), s("__crowd")])
                        };
                        let mut args = verb;
                        args.extend([
                            s("--url"),
                            url,
                            s("--clients"),
                            s(n),
                            s("--seconds"),
                            s("5"),
                        ]);
                        self.job(&label, &program, args)
                    };
                    job.timeout = Duration::from_secs(90);
                    if rep == 1 {
                        commands.push(job.shown());
                    }
                    let (obs, count) = self.counted(&job, port, n, None)?;
                    match count {
                        Some(c) if c.nth_us > 0 && c.count >= u64::from(n) => {
                            to_first
                                .push(c.first_us.saturating_sub(obs.spawned_at_us) as f64 / 1e3);
                            to_all.push(c.nth_us.saturating_sub(obs.spawned_at_us) as f64 / 1e3);
                            spread.push(c.nth_us.saturating_sub(c.first_us) as f64 / 1e3);
                        }
                        other => {
                            let results = std::fs::read_to_string(&out)
                                .ok()
                                .and_then(|t| parse::throng(&t).ok());
                            notes.push(format!(
                                "{label}: the target saw {} of {n} first requests ({}{}): {}",
                                other.map_or(0, |c| c.count),
                                obs.status,
                                results.map_or(String::new(), |r| format!(
                                    "; {} VUs failed to start, {} requests",
                                    r.vu_start_failures, r.requests
                                )),
                                first_lines(&obs.stderr, 4)
                            ))
                        }
                    }
                }
                let (f, a, sp) = (
                    Summary::of(&to_first),
                    Summary::of(&to_all),
                    Summary::of(&spread),
                );
                if n == 1 && t == 0 {
                    first_1 = f.map_or(f64::NAN, |x| x.median);
                }
                if n == 10_000 {
                    all_10k[t] = a.map_or(f64::NAN, |x| x.median);
                    spread_10k[t] = sp.map_or(f64::NAN, |x| x.median);
                }
                rows.push(vec![
                    num(f64::from(n), 0),
                    s(shown),
                    summary(f, 1),
                    summary(a, 1),
                    summary(sp, 1),
                ]);
            }
        }
        notes.push(s("The target is the harness's own counting server (`xtask bench __count-server`, hyper, pinned to core 1): it notes when its first and its N-th request arrive. Each VU makes one GET and then thinks 60 s, so the N-th request is the last VU's first. Times are from spawning the process (for throng they include loading the cached module), same clock."));
        notes.push(format!("The bare hyper crowd (`xtask bench __crowd`) is the floor: one process on the same core that spawns N tokio tasks at once, each opening its own connection with hyper's client and making one GET, with no instance, guest or metrics. At 10,000 it needed {} ms to every first request, so the target of 500 ms asks for less than {}× the floor; throng needed {}× the crowd's time.", num(all_10k[1], 0), num(500.0 / all_10k[1], 2), num(all_10k[0] / all_10k[1], 2)));
        // Per VU, over the hyper crowd: what the target leaves, what a bare
        // wasmtime instance and call take, what throng takes.
        let per_vu = |ms: f64| num((ms - all_10k[1]) * 1e3 / 10_000.0, 0);
        notes.push(format!("The bare wasmtime crowd (`throng-host`'s example `wasm_crowd`) does what the hyper crowd does, from inside a guest: each task makes a wasmtime store and an instance of a minimal component (one export calling one import; no linear memory, no WASI) and calls it on a fiber with `call_async`; the import makes the hyper crowd's connection and GET. Instances and 64 KiB fiber stacks come from wasmtime's own pooling allocator; it is a release build (throng's is the `dist` build with PGO). At 10,000 it needed {} ms. Per VU over the hyper crowd, the target leaves {} µs for everything a VU adds; a bare wasmtime instance and call took {} µs, and throng (its guest, WASI, metrics, its own stacks and memories) {} µs.", num(all_10k[2], 0), per_vu(500.0), per_vu(all_10k[2]), per_vu(all_10k[0])));
        Ok(Section {
            title: s("(c) Start-up"),
            about: s(
                "Milliseconds from spawning the process to the first and to the N-th first request at the target: `throng run`; a bare hyper crowd doing only the requests; a bare wasmtime crowd making them from a minimal guest, an instance per client.",
            ),
            commands,
            header: vec![
                s("VUs"),
                s("tool"),
                s("to first request, ms"),
                s("to every VU's first request, ms"),
                s("first → last, ms"),
            ],
            rows,
            targets: vec![
                Target {
                    target: s(
                        "10,000 Rust VUs in their first iteration ≤ 0.5 s after the run starts",
                    ),
                    measured: format!(
                        "{} ms from spawn ({} ms first → last); the bare hyper crowd {} ms ({} ms); the bare wasmtime crowd {} ms ({} ms)",
                        num(all_10k[0], 0),
                        num(spread_10k[0], 0),
                        num(all_10k[1], 0),
                        num(spread_10k[1], 0),
                        num(all_10k[2], 0),
                        num(spread_10k[2], 0)
                    ),
                    verdict: at_most(all_10k[0], 500.0),
                },
                Target {
                    target: s("a cached module ≤ 50 ms to first iteration"),
                    measured: format!("{} ms (1 VU, spawn → first request)", num(first_1, 1)),
                    verdict: at_most(first_1, 50.0),
                },
            ],
            notes,
        })
    }

    /// (d) 100 concurrent downloads of 25 MB.
    pub fn downloads(&mut self) -> Result<Section> {
        let idle = self.idle_rss()?;
        let url = self.url("/files/big.bin");
        let mut bps: [Vec<f64>; 2] = [Vec::new(), Vec::new()];
        let mut growth: [Vec<f64>; 2] = [Vec::new(), Vec::new()];
        let mut errors = [0u64; 2];
        let mut commands = Vec::new();
        let mut notes = Vec::new();
        let peers = [Peer::Throng, Peer::Wrk];
        for rep in 1..=self.reps {
            for (i, peer) in peers.iter().enumerate() {
                let label = format!("d-{}-{rep}", format!("{peer:?}").to_lowercase());
                let out = self.runs.join(format!("{label}.json"));
                let Some(job) = self.peer_job(*peer, &label, &url, 100, &out) else {
                    continue;
                };
                if rep == 1 {
                    commands.push(job.shown());
                }
                let obs = self.measure(&job)?;
                match self.parse_peer(*peer, &obs, &out) {
                    Ok(t) => {
                        bps[i].push(t.bytes_per_s.unwrap_or(f64::NAN));
                        errors[i] += t.errors;
                        let base = if i == 0 {
                            idle
                        } else {
                            obs.rss.first().map_or(0.0, |r| r.1 as f64)
                        };
                        growth[i].push((obs.peak_rss as f64 - base) / MIB);
                    }
                    Err(e) => notes.push(format!("{label}: {e:#} ({})", obs.status)),
                }
            }
        }
        let med = |v: &Vec<f64>| Summary::of(v).map_or(f64::NAN, |s| s.median);
        let ratio = med(&bps[0]) / med(&bps[1]);
        let g = med(&growth[0]);
        let rows = peers
            .iter()
            .enumerate()
            .map(|(i, p)| {
                vec![
                    s(p.name()),
                    summary(
                        Summary::of(&bps[i].iter().map(|b| b / MIB).collect::<Vec<_>>()),
                        0,
                    ),
                    summary(Summary::of(&growth[i]), 1),
                    s(errors[i]),
                ]
            })
            .collect();
        notes.push(s("RSS growth: throng's peak VmRSS during the run minus the RSS of an idle 1-VU throng; wrk's peak minus its first sample. throng's journey streams and counts each body (`-p discard=true`)."));
        Ok(Section {
            title: s("(d) 100 concurrent 25 MB downloads"),
            about: format!(
                "100 connections/VUs each downloading `{url}` (25,000,000 bytes) again and again for {} s.",
                self.secs
            ),
            commands,
            header: vec![
                s("tool"),
                s("MiB/s received"),
                s("RSS growth, MiB"),
                s("errors"),
            ],
            rows,
            targets: vec![
                Target {
                    target: s("RSS grows < 100 MB"),
                    measured: format!("{} MiB", num(g, 1)),
                    verdict: at_most(g * MIB, 100e6),
                },
                Target {
                    target: s("throughput ≥ 0.8× wrk's"),
                    measured: format!("{}×", num(ratio, 2)),
                    verdict: at_least(ratio, 0.8),
                },
            ],
            notes,
        })
    }

    /// (e) Arrival rate: 10,000 iterations/s.
    pub fn arrival_rate(&mut self) -> Result<Section> {
        let rate = 10_000u32;
        let module = self.root.join("crates/throng-cli/assets/quick-get.wasm");
        let plan = self.runs.join("e-plan.toml");
        std::fs::write(
            &plan,
            format!(
                "module = \"{}\"\n\n[params]\nurl = \"{}\"\n\n[scenario]\nexecutor = \"constant-arrival-rate\"\nrate = {rate}\nduration = \"{}s\"\npre_allocated_vus = 200\nmax_vus = 2000\n",
                module.display(),
                self.url("/"),
                self.secs
            ),
        )?;
        let (mut achieved, mut lag99, mut lagmax, mut core, mut dropped) =
            (Vec::new(), Vec::new(), Vec::new(), Vec::new(), 0);
        let mut commands = Vec::new();
        let mut notes = Vec::new();
        for rep in 1..=self.reps {
            let label = format!("e-throng-{rep}");
            let out = self.runs.join(format!("{label}.json"));
            let mut job = self.throng_job(
                &label,
                vec![
                    s("run"),
                    plan.display().to_string(),
                    s("--out"),
                    out.display().to_string(),
                ],
            );
            job.fresh_files = vec![out.clone()];
            if rep == 1 {
                commands.push(job.shown());
            }
            let obs = self.measure(&job)?;
            match std::fs::read_to_string(&out)
                .map_err(anyhow::Error::from)
                .and_then(|t| parse::throng(&t))
            {
                Ok(r) => {
                    achieved.push(r.iterations as f64 / self.secs as f64);
                    lag99.push(r.lag_p99_ms);
                    lagmax.push(r.lag_max_ms);
                    core.push(obs.cpu_s / r.duration_s.max(1e-9) * 100.0);
                    dropped += r.dropped;
                }
                Err(e) => notes.push(format!(
                    "{label}: {e:#} ({}; {})",
                    obs.status,
                    first_lines(&obs.stderr, 3)
                )),
            }
        }
        let med = |v: &Vec<f64>| Summary::of(v).map_or(f64::NAN, |s| s.median);
        let off = (med(&achieved) / f64::from(rate) - 1.0).abs() * 100.0;
        notes.push(format!("Plan (`{}`): the bundled quick-get component under `constant-arrival-rate`, rate {rate}/s, {} s, 200 pre-allocated VUs, at most 2,000. Achieved = iterations ÷ the scheduled {} s; generator core = process CPU time ÷ the run's duration.", plan.display(), self.secs, self.secs));
        Ok(Section {
            title: s("(e) Arrival rate 10,000 iterations/s"),
            about: s("throng alone (no peer has an open-model executor with a lag figure)."),
            commands,
            header: vec![
                s("achieved iterations/s"),
                s("schedule lag p99, ms"),
                s("schedule lag max, ms"),
                s("generator core %"),
                s("dropped"),
            ],
            rows: vec![vec![
                summary(Summary::of(&achieved), 0),
                summary(Summary::of(&lag99), 3),
                summary(Summary::of(&lagmax), 1),
                summary(Summary::of(&core), 0),
                s(dropped),
            ]],
            targets: vec![
                Target {
                    target: s("10,000/s held within 1 %"),
                    measured: format!("{} % off", num(off, 2)),
                    verdict: at_most(off, 1.0),
                },
                Target {
                    target: s("p99 schedule lag ≤ 1 ms"),
                    measured: format!("{} ms", num(med(&lag99), 3)),
                    verdict: at_most(med(&lag99), 1.0),
                },
                Target {
                    target: s("generator core below 80 %"),
                    measured: format!("{} %", num(med(&core), 0)),
                    verdict: at_most(med(&core), 80.0),
                },
            ],
            notes,
        })
    }

    /// (o) Engine overhead: throng at 1 VU against a bare hyper loop.
    pub fn overhead(&mut self) -> Result<Section> {
        let url = self.url("/");
        let secs = self.secs;
        let mut hyper: Vec<HyperReport> = Vec::new();
        let mut throng: Vec<(parse::ThrongRun, f64)> = Vec::new();
        let mut commands = Vec::new();
        let mut notes = Vec::new();
        for rep in 1..=self.reps {
            let label = format!("o-hyper-{rep}");
            let report_path = self.runs.join(format!("{label}.report.json"));
            let mut job = self.job(
                &label,
                &self.tools.xtask,
                vec![
                    s("bench"),
                    s("__hyper"),
                    s("--url"),
                    url.clone(),
                    s("--seconds"),
                    s(secs),
                    s("--report"),
                    report_path.display().to_string(),
                ],
            );
            job.fresh_files = vec![report_path.clone()];
            if rep == 1 {
                commands.push(job.shown());
            }
            let obs = self.measure(&job)?;
            match std::fs::read(&report_path)
                .ok()
                .and_then(|b| serde_json::from_slice::<HyperReport>(&b).ok())
            {
                Some(r) => {
                    hyper.push(r);
                    notes.push(format!(
                        "{label}: bare hyper {:.2} µs CPU per request",
                        obs.cpu_s * 1e6 / r.requests.max(1) as f64
                    ));
                }
                None => notes.push(format!(
                    "{label}: no report ({}; {})",
                    obs.status,
                    first_lines(&obs.stderr, 3)
                )),
            }
            let label = format!("o-throng-{rep}");
            let out = self.runs.join(format!("{label}.json"));
            let Some(job) = self.peer_job(Peer::Throng, &label, &url, 1, &out) else {
                continue;
            };
            if rep == 1 {
                commands.push(job.shown());
            }
            let obs = self.measure(&job)?;
            match std::fs::read_to_string(&out)
                .map_err(anyhow::Error::from)
                .and_then(|t| parse::throng(&t))
            {
                Ok(r) => throng.push((r, obs.cpu_s * 1e6 / r.requests.max(1) as f64)),
                Err(e) => notes.push(format!("{label}: {e:#} ({})", obs.status)),
            }
        }
        notes.retain(|n| !n.contains("bare hyper") || n.starts_with("o-hyper-1"));
        let h =
            |f: &dyn Fn(&HyperReport) -> f64| Summary::of(&hyper.iter().map(f).collect::<Vec<_>>());
        let t = |f: &dyn Fn(&(parse::ThrongRun, f64)) -> f64| {
            Summary::of(&throng.iter().map(f).collect::<Vec<_>>())
        };
        let h_p50 = h(&|r| r.p50_us as f64);
        let h_p99 = h(&|r| r.p99_us as f64);
        let h_mean = h(&|r| r.mean_us);
        let h_rps = h(&|r| r.requests as f64 / secs as f64);
        let t_p50 = t(&|(r, _)| r.p50_ms * 1e3);
        let t_p99 = t(&|(r, _)| r.p99_ms * 1e3);
        let t_mean = t(&|(r, _)| r.duration_s * 1e6 / r.iterations.max(1) as f64);
        let t_rps = t(&|(r, _)| r.req_per_s);
        let t_cpu = t(&|(_, c)| *c);
        let m = |x: Option<Summary>| x.map_or(f64::NAN, |s| s.median);
        let added_mean = m(t_mean) - m(h_mean);
        self.idle_rss()?;
        notes.push(format!(
            "A throng with 1 VU that only thinks (1–5 s) uses {} % of a core: the fixed cost per second (epoch ticker, sampler, timers) that the 1-VU CPU per request above includes.",
            num(self.idle_cpu_pct, 1)
        ));
        Ok(Section {
            title: s("(o) Engine overhead: throng at 1 VU vs a bare hyper client"),
            about: format!(
                "One connection, sequential GETs of `{url}` for {secs} s. The bare client is hyper's \
                 `client::conn::http1` on a current-thread tokio runtime (`xtask bench __hyper`). throng \
                 runs the quick-get journey with 1 VU; its p50/p99 are its own `http_req_duration` (timed \
                 in the host), its mean per iteration is the run's wall time ÷ iterations, so it holds \
                 everything on the path: the guest, the host calls, the metrics."
            ),
            commands,
            header: vec![
                s("client"),
                s("req/s"),
                s("p50 µs"),
                s("p99 µs"),
                s("mean µs per request / iteration"),
                s("µs CPU / request"),
            ],
            rows: vec![
                vec![
                    s("bare hyper"),
                    summary(h_rps, 0),
                    summary(h_p50, 0),
                    summary(h_p99, 0),
                    summary(h_mean, 1),
                    s("see note"),
                ],
                vec![
                    s("throng, 1 VU"),
                    summary(t_rps, 0),
                    summary(t_p50, 0),
                    summary(t_p99, 0),
                    summary(t_mean, 1),
                    summary(t_cpu, 2),
                ],
                vec![
                    s("throng − hyper"),
                    s(""),
                    signed(m(t_p50) - m(h_p50), 0),
                    signed(m(t_p99) - m(h_p99), 0),
                    signed(added_mean, 1),
                    s(""),
                ],
            ],
            targets: vec![Target {
                target: s("a scripted VU costs almost nothing over a hand-written hyper loop"),
                measured: format!("{} µs per iteration (mean)", signed(added_mean, 1)),
                verdict: s("see (a) for CPU per request at 50 VUs"),
            }],
            notes,
        })
    }

    /// (l) The same journey in each guest language: the clinician (log in
    /// once, then `ask`/`health` by weight) built from Rust, JavaScript and
    /// Python, against throng's demo target pinned to core 1.
    pub fn languages(&mut self) -> Result<Section> {
        let target_dir = self.dir.parent().unwrap_or(&self.dir).to_owned();
        let polyglot = target_dir.join("polyglot");
        crate::js::build_examples(&self.root, &polyglot)?;
        crate::python::build_examples(&self.root, &polyglot)?;
        let mut guests = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()));
        guests.current_dir(&self.root).args([
            "build",
            "--release",
            "--quiet",
            "-p",
            "throng-test-guests",
        ]);
        if !guests
            .status()
            .context("building the Rust guests")?
            .success()
        {
            bail!("cargo build --release -p throng-test-guests failed");
        }
        let rust = target_dir.join("guests/wasm32-wasip2/release/journey_clinician.wasm");
        let journeys = [
            ("Rust", rust),
            ("JavaScript", polyglot.join("clinician-js.wasm")),
            ("Python", polyglot.join("clinician-py.wasm")),
        ];

        let port = nginx::free_port()?;
        let mut demo = Command::new("taskset");
        demo.args(["-c", "1"])
            .arg(&self.tools.throng)
            .args(["target", "--addr", &format!("127.0.0.1:{port}")])
            .args(["--query-latency", "0ms"])
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        let mut demo = demo.spawn().context("starting the demo target")?;
        let result = self.languages_against(&journeys, port, demo.id());
        runner::stop(&mut demo);
        result
    }

    fn languages_against(
        &mut self,
        journeys: &[(&str, PathBuf)],
        port: u16,
        target_pid: u32,
    ) -> Result<Section> {
        std::thread::sleep(Duration::from_millis(300));
        let base = format!("base_url=http://127.0.0.1:{port}");
        let no_think = [s("-p"), s("think_min_s=0"), s("-p"), s("think_max_s=0")];
        let mut rows = Vec::new();
        let mut commands = Vec::new();
        let mut notes = Vec::new();
        let mut targets = Vec::new();
        for (lang, wasm) in journeys {
            let tag = lang.to_ascii_lowercase();
            // Compile: `inspect` with an empty module cache, then again
            // from the cache.
            let cache = self.runs.join(format!("l-{tag}-cache"));
            let _ = std::fs::remove_dir_all(&cache);
            let inspect = |cache: &Path| -> Result<String> {
                let out = Command::new(&self.tools.throng)
                    .arg("inspect")
                    .arg(wasm)
                    .env("THRONG_CACHE_DIR", cache)
                    .output()
                    .context("throng inspect")?;
                let text = String::from_utf8_lossy(&out.stdout).into_owned();
                Ok(text
                    .lines()
                    .find_map(|l| l.strip_prefix("compile"))
                    .map_or(s("–"), |t| t.trim().to_owned()))
            };
            let compile = inspect(&cache)?;
            // From the cache: the load time a run reports, once the bench's
            // own cache holds the module (the first run compiles it).
            let load = |this: &Self| -> Result<String> {
                let out = Command::new(&this.tools.throng)
                    .arg("run")
                    .arg(wasm)
                    .args(["--vus", "1", "--iterations", "1", "-p", &base])
                    .args(&no_think)
                    .arg("--cache-dir")
                    .arg(&this.cache)
                    .output()
                    .context("throng run")?;
                let text = String::from_utf8_lossy(&out.stderr).into_owned();
                Ok(text
                    .lines()
                    .find_map(|l| {
                        l.split_once("loaded from cache in ")
                            .map(|(_, t)| t.trim().to_owned())
                    })
                    .unwrap_or_else(|| s("–")))
            };
            load(self)?;
            let cached = load(self)?;
            commands.push(format!(
                "THRONG_CACHE_DIR=<empty> {} inspect {}  # compile; a second `run` reports the load from cache",
                self.tools.throng.display(),
                wasm.display()
            ));

            // To the first iteration: one VU, its module cached, against a
            // counting server that answers every request with a token. The
            // VU's login (`on_start`) is the first request and its first
            // iteration's first request the second.
            // `n` VUs, each logging in and running one iteration without
            // think time against `base_url`.
            let once = |n: u32, base_url: String| {
                let mut args = vec![
                    s("run"),
                    wasm.display().to_string(),
                    s("--vus"),
                    s(n),
                    s("--iterations"),
                    s(1),
                    s("-p"),
                    base_url,
                ];
                args.extend(no_think.iter().cloned());
                args
            };
            let mut to_iteration = Vec::new();
            for rep in 1..=self.reps {
                let label = format!("l-{tag}-first-{rep}");
                let port = nginx::free_port()?;
                let args = once(1, format!("base_url=http://127.0.0.1:{port}"));
                let job = self.throng_job(&label, args);
                if rep == 1 {
                    commands.push(format!(
                        "{}  # against `xtask bench __count-server --expect 2 --body '{TOKEN_BODY}'`",
                        job.shown()
                    ));
                }
                match self.counted(&job, port, 2, Some(TOKEN_BODY))? {
                    (obs, Some(c)) if c.nth_us > 0 => {
                        to_iteration.push(c.nth_us.saturating_sub(obs.spawned_at_us) as f64 / 1e3);
                    }
                    (obs, count) => notes.push(format!(
                        "{label}: the target saw {} of the 2 requests up to the first iteration ({}): {}",
                        count.map_or(0, |c| c.count),
                        obs.status,
                        first_lines(&obs.stderr, 2)
                    )),
                }
            }
            let to_iteration = Summary::of(&to_iteration);
            let size = std::fs::metadata(wasm).map(|m| m.len()).unwrap_or(0);

            // Start cost: 1,000 VUs each doing on_start and one iteration,
            // against 1 VU doing the same, the module cached. The harness
            // polls every 50 ms, so this is coarse for a cheap VU.
            let start = |this: &mut Self, n: u32| -> Result<f64> {
                let job = this.throng_job(&format!("l-{tag}-start-{n}"), once(n, base.clone()));
                Ok(this.measure_with(&job, &[target_pid])?.wall_s)
            };
            let one = start(self, 1)?;
            let many = start(self, 1_000)?;
            let start_ms = (many - one).max(0.0) / 999.0 * 1000.0;

            // Memory: 1,000 VUs and 1 VU, each asleep in a 60 s think time
            // after its first iteration.
            let rss_of = |this: &mut Self, n: u32| -> Result<(f64, f64)> {
                let label = format!("l-{tag}-rss-{n}");
                let jsonl = this.runs.join(format!("{label}.jsonl"));
                let mut job = this.throng_job(
                    &label,
                    vec![
                        s("run"),
                        wasm.display().to_string(),
                        s("--vus"),
                        s(n),
                        s("--duration"),
                        s("12s"),
                        s("--graceful-stop"),
                        s("0s"),
                        s("-p"),
                        base.clone(),
                        s("-p"),
                        s("think_min_s=60"),
                        s("-p"),
                        s("think_max_s=60"),
                        s("--jsonl"),
                        jsonl.display().to_string(),
                    ],
                );
                job.rss_gate = RssGate::AfterFileContains(jsonl.clone(), format!("\"vus\":{n},"));
                job.fresh_files = vec![jsonl];
                job.timeout = Duration::from_secs(120);
                job.pss = true;
                let obs = this.measure_with(&job, &[target_pid])?;
                let missing = || {
                    anyhow::anyhow!(
                        "{label}: no memory sample with every VU active ({})",
                        obs.status
                    )
                };
                let rss = median_of(&obs.rss).ok_or_else(missing)?;
                let pss = median_of(&obs.pss).ok_or_else(missing)?;
                Ok((rss, pss))
            };
            let (per_vu_rss, per_vu) = match (rss_of(self, 1), rss_of(self, 1_000)) {
                (Ok(idle), Ok(full)) => ((full.0 - idle.0) / 999.0, (full.1 - idle.1) / 999.0),
                (Err(e), _) | (_, Err(e)) => {
                    notes.push(format!("{lang}: memory not measured: {e:#}"));
                    (f64::NAN, f64::NAN)
                }
            };

            // Throughput: 50 VUs without think time, on one core.
            let label = format!("l-{tag}-rps");
            let out = self.runs.join(format!("{label}.json"));
            let mut args = vec![
                s("run"),
                wasm.display().to_string(),
                s("--vus"),
                s(50),
                s("--duration"),
                format!("{}s", self.secs),
                s("-p"),
                base.clone(),
                s("--out"),
                out.display().to_string(),
            ];
            args.extend(no_think.iter().cloned());
            let mut job = self.throng_job(&label, args);
            job.fresh_files = vec![out.clone()];
            commands.push(job.shown());
            let obs = self.measure_with(&job, &[target_pid])?;
            let run = std::fs::read_to_string(&out)
                .ok()
                .and_then(|t| parse::throng(&t).ok());
            let (rps, cpu_us) = run.as_ref().map_or((f64::NAN, f64::NAN), |r| {
                (r.req_per_s, obs.cpu_s * 1e6 / r.requests.max(1) as f64)
            });
            if run.as_ref().is_some_and(|r| r.failed > 0) {
                notes.push(format!(
                    "{lang}: some requests of the throughput run failed"
                ));
            }
            rows.push(vec![
                s(*lang),
                format!("{} MB", num(size as f64 / 1e6, 2)),
                compile,
                cached,
                summary(to_iteration, 1),
                num(start_ms, 2),
                if per_vu.is_nan() {
                    s("–")
                } else {
                    num(per_vu / KIB, 0)
                },
                if per_vu_rss.is_nan() {
                    s("–")
                } else {
                    num(per_vu_rss / KIB, 0)
                },
                num(rps, 0),
                num(cpu_us, 1),
            ]);
            let first_ms = to_iteration.map_or(f64::NAN, |x| x.median);
            let (start_goal, memory_goal) = match *lang {
                "JavaScript" => (
                    (
                        "a precompiled JavaScript module ≤ 100 ms to first iteration",
                        100.0,
                    ),
                    Some(("a JavaScript VU ≤ 2.5 MiB resident", 2.5 * KIB)),
                ),
                "Python" => (
                    (
                        "a precompiled Python module ≤ 100 ms to first iteration",
                        100.0,
                    ),
                    Some(("a Python VU ≤ 4 MiB resident", 4.0 * KIB)),
                ),
                _ => (
                    ("a cached Rust module ≤ 50 ms to first iteration", 50.0),
                    None,
                ),
            };
            targets.push(Target {
                target: s(start_goal.0),
                measured: format!("{} ms (1 VU, spawn → first iteration)", num(first_ms, 1)),
                verdict: at_most(first_ms, start_goal.1),
            });
            if let Some((text, kib)) = memory_goal {
                targets.push(Target {
                    target: s(text),
                    measured: format!("{} KiB", num(per_vu / KIB, 0)),
                    verdict: at_most(per_vu / KIB, kib),
                });
            }
        }
        commands.push(format!(
            "taskset -c 1 {} target --addr 127.0.0.1:{port} --query-latency 0ms",
            self.tools.throng.display()
        ));
        Ok(Section {
            title: s("(l) One journey in each guest language"),
            about: s(
                "The clinician journey (log in once per VU, then `ask` (POST /query) or `health` by weight 4:1, checks on every response) built from Rust (throng-sdk), JavaScript (componentize-js 0.23, examples/journeys/clinician-js) and Python (componentize-py 0.25.1, examples/journeys/clinician-py), run by throng on core 0 against throng's own demo target (`--query-latency 0ms`) on core 1. Compile: `throng inspect` with an empty module cache; from cache: the load time a cached `throng run` reports. To first iteration: one VU, module cached, from spawning throng to its first iteration's first request at the harness's counting server (`xtask bench __count-server`, pinned to core 1), which answers every request with a token; the VU's login in `on_start` is the request before it. Start cost per VU: (wall time of 1,000 VUs − of 1 VU) ÷ 999, module cached, each VU instantiated, logged in and run once. Memory per VU: (median PSS of 1,000 VUs − of 1 VU) ÷ 999, sampled once every VU is active and asleep in a 60 s think time inside the guest (`sleep`); the same with VmRSS beside it, which counts each page of the module image every VU maps copy-on-write once per VU (see (b)). Throughput: 50 VUs with no think time for the run length, req/s from throng's results and CPU per request from /proc.",
            ),
            commands,
            header: [
                "language",
                "component",
                "compile",
                "from cache",
                "to first iteration, ms",
                "start ms/VU",
                "PSS KiB per VU (1,000 VUs)",
                "RSS KiB per VU",
                "req/s (50 VUs, 1 core)",
                "µs CPU/request",
            ]
            .iter()
            .map(|h| s(*h))
            .collect(),
            rows,
            targets,
            notes,
        })
    }

    /// BENCHMARKS.md for the sections run.
    pub fn render(&self, invocation: &str, sections: &[Section]) -> String {
        let r = self.rule;
        report::render(&report::Document {
            invocation: invocation.to_owned(),
            machine: machine(),
            versions: &self.tools.versions,
            missing: &self.tools.missing,
            nginx_config: nginx::config_text(&self.dir.join("nginx"), self.nginx.port),
            reps: self.reps,
            secs: self.secs,
            sections,
            noise: &self.noise,
            rule: format!(
                "Before each run the harness waits (at most {} s) until the 1-minute load average is ≤ {} and a 1 s sample of the machine's CPU is ≤ {} % of one core. After it, the machine's busy time (user, nice, system and steal from /proc/stat; the softirq time in which the kernel delivers the measured loopback traffic is left out) minus the generator's and the target's (/proc/<pid>/stat) is the background; above {} % of one core the run is redone, at most {} times.",
                r.wait_max.as_secs(),
                r.quiet_load1,
                r.quiet_cpu_pct,
                r.redo_background_pct,
                r.max_redos
            ),
        })
    }
}

fn signed(x: f64, decimals: usize) -> String {
    if x > 0.0 {
        format!("+{}", num(x, decimals))
    } else {
        num(x, decimals)
    }
}

fn open_files_limit() -> String {
    std::fs::read_to_string("/proc/self/limits")
        .ok()
        .and_then(|t| {
            t.lines()
                .find(|l| l.starts_with("Max open files"))
                .map(|l| l.split_whitespace().nth(3).unwrap_or("?").to_owned())
        })
        .unwrap_or_else(|| s("?"))
}

fn machine() -> Vec<(String, String)> {
    let lscpu = Command::new("lscpu")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).into_owned())
        .unwrap_or_default();
    let field = |k: &str| {
        lscpu
            .lines()
            .find(|l| l.trim_start().starts_with(k))
            .and_then(|l| l.split_once(':'))
            .map(|(_, v)| v.trim().to_owned())
            .unwrap_or_default()
    };
    let kernel = Command::new("uname")
        .arg("-r")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
        .unwrap_or_default();
    let mem = std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|t| {
            t.lines()
                .next()
                .and_then(|l| l.split_whitespace().nth(1)?.parse::<f64>().ok())
        })
        .map_or(s("?"), |kib| format!("{:.1} GiB", kib / MIB));
    vec![
        (s("CPU"), field("Model name")),
        (s("cores"), field("CPU(s)")),
        (s("kernel"), kernel),
        (s("RAM"), mem),
        (
            s("vm.max_map_count"),
            std::fs::read_to_string("/proc/sys/vm/max_map_count")
                .unwrap_or_default()
                .trim()
                .to_owned(),
        ),
        (s("open files (soft)"), open_files_limit()),
    ]
}

#[cfg(test)]
mod tests {
    use super::{BigRun, hundred_thousand, project_maps};

    #[test]
    fn maps_are_projected_in_proportion_from_the_most_vus_measured() {
        // 2.9 maps per VU at 10,000: 290,000 at 100,000.
        let (at_100k, per_vu) = project_maps(&[(1_000, 6_025.0), (10_000, 29_000.0)], 100_000);
        assert!((per_vu - 2.9).abs() < 1e-9, "{per_vu}");
        assert!((at_100k - 290_000.0).abs() < 1e-6, "{at_100k}");
        assert_eq!(project_maps(&[(10_000, 72.0)], 100_000), (720.0, 0.0072));
        assert!(project_maps(&[], 100_000).0.is_nan());
    }

    #[test]
    fn the_hundred_thousand_row_needs_every_vu_no_failure_and_room() {
        let verdict = |active, maps: f64, counts| {
            let run = BigRun {
                active,
                maps: Some(maps),
                counts,
            };
            hundred_thousand(Some(run), 65_530.0).verdict
        };
        assert_eq!(verdict(true, 96.0, Some((900_000, 0))), "met");
        assert_eq!(hundred_thousand(None, 65_530.0).verdict, "not measured");
        assert_eq!(
            verdict(false, 96.0, Some((10, 0))),
            "missed: not every VU became active"
        );
        assert_eq!(
            verdict(true, 96.0, Some((900_000, 3))),
            "missed: 3 requests failed"
        );
        assert_eq!(verdict(true, 96.0, None), "missed: no results");
        assert!(verdict(true, 70_000.0, Some((1, 0))).starts_with("missed by"));
    }
}
