//! (m) Metrics memory over 10 M requests: throng's resident memory as its
//! request count grows, next to a peer that keeps every sample.

use std::time::Duration;

use anyhow::Result;

use super::{Bench, MIB, first_lines, s, signed};
use crate::bench::growth::{self, Progress};
use crate::bench::parse::{self, StreamLine};
use crate::bench::report::{Section, Target, at_most, num};
use crate::bench::runner::Observed;

/// The bound on growth from 1 M to 10 M requests: 10 MB.
const GROWTH_BOUND_BYTES: f64 = 10e6;
/// Concurrent VUs / connections.
const CONNS: u64 = 50;

/// What one generator's run gave: its request count at each memory sample.
struct Counted {
    /// `(requests at the sample, VmRSS bytes)`, every 100 ms.
    samples: Vec<(f64, u64)>,
    req_per_s: f64,
    requests: u64,
    failed: u64,
    peak_rss: u64,
}

/// `1 M`, `10 M`: the marks are whole millions.
fn millions(n: u64) -> String {
    format!("{} M", n / 1_000_000)
}

/// throng's counts at its memory samples, from the `--jsonl` lines the
/// runner read as they came.
fn throng_counted(obs: &Observed) -> Result<Counted> {
    let mut points = Vec::new();
    let mut end = None;
    for (seen, line) in &obs.followed {
        match parse::throng_stream_line(line)? {
            StreamLine::Point { t_s, requests } => points.push((*seen, t_s, requests)),
            StreamLine::End {
                requests,
                failed,
                req_per_s,
            } => end = Some((requests, failed, req_per_s)),
            StreamLine::Other => {}
        }
    }
    let progress: Vec<Progress> = growth::align_stream(&points);
    let (requests, failed, req_per_s) = end.unwrap_or_else(|| {
        (
            progress.last().map_or(0, |p| p.requests as u64),
            0,
            f64::NAN,
        )
    });
    Ok(Counted {
        samples: obs
            .rss
            .iter()
            .map(|(t, b)| (growth::requests_at(&progress, *t), *b))
            .collect(),
        req_per_s,
        requests,
        failed,
        peak_rss: obs.peak_rss,
    })
}

impl Bench {
    /// (m) Metrics memory: RSS of throng at 1 M, 5 M and 10 M requests (1 M
    /// and 2 M with `--quick`), and of oha (hey without it) over the same.
    pub fn metrics_memory(&mut self) -> Result<Section> {
        let total: u64 = if self.quick { 2_000_000 } else { 10_000_000 };
        let marks: Vec<u64> = if self.quick {
            vec![1_000_000, 2_000_000]
        } else {
            vec![1_000_000, 5_000_000, 10_000_000]
        };
        let max_duration = Duration::from_secs(if self.quick { 300 } else { 1_800 });
        let url = self.url("/");
        let every = Duration::from_millis(100);
        let mut commands = Vec::new();
        let mut notes = Vec::new();

        let label = "m-throng";
        let jsonl = self.runs.join(format!("{label}.jsonl"));
        let mut job = self.throng_job(
            label,
            vec![
                s("run"),
                s("--url"),
                url.clone(),
                s("--vus"),
                s(CONNS),
                s("--iterations"),
                s(total / CONNS),
                s("--max-duration"),
                format!("{}s", max_duration.as_secs()),
                s("--jsonl"),
                jsonl.display().to_string(),
            ],
        );
        job.follow = Some(jsonl.clone());
        job.fresh_files = vec![jsonl];
        job.sample_every = every;
        job.timeout = max_duration + Duration::from_secs(120);
        commands.push(job.shown());
        let obs = self.measure(&job)?;
        if !obs.ok {
            notes.push(format!(
                "{label}: {} ({})",
                obs.status,
                first_lines(&obs.stderr, 3)
            ));
        }
        let throng = throng_counted(&obs);

        // The peer: oha keeps every request's result until its report;
        // hey (which keeps every latency too) when oha is missing.
        let (peer_name, peer) = match (self.tools.oha.clone(), self.tools.hey.clone()) {
            (Some(oha), _) => {
                let mut job = self.job(
                    "m-oha",
                    &oha,
                    vec![
                        s("-n"),
                        s(total),
                        s("-c"),
                        s(CONNS),
                        s("--no-tui"),
                        s("--output-format"),
                        s("json"),
                        url.clone(),
                    ],
                );
                job.sample_every = every;
                job.timeout = max_duration + Duration::from_secs(120);
                commands.push(job.shown());
                let obs = self.measure(&job)?;
                ("oha", Some((parse::oha(&obs.stdout), obs)))
            }
            (None, Some(hey)) => {
                let mut job = self.job(
                    "m-hey",
                    &hey,
                    vec![s("-n"), s(total), s("-c"), s(CONNS), url.clone()],
                );
                job.sample_every = every;
                job.timeout = max_duration + Duration::from_secs(120);
                commands.push(job.shown());
                let obs = self.measure(&job)?;
                ("hey", Some((parse::hey(&obs.stdout), obs)))
            }
            (None, None) => ("oha", None),
        };
        // The peer's progress can't be read while it runs: its count at a
        // sample is the time since spawn × its final rate.
        let peer = match peer {
            Some((Ok(t), obs)) => Some(Counted {
                samples: obs
                    .rss
                    .iter()
                    .map(|(at, b)| (at * t.req_per_s, *b))
                    .collect(),
                req_per_s: t.req_per_s,
                requests: t.requests,
                failed: t.errors,
                peak_rss: obs.peak_rss,
            }),
            Some((Err(e), obs)) => {
                notes.push(format!(
                    "{peer_name}: {e:#} ({}; {})",
                    obs.status,
                    first_lines(&obs.stderr, 2)
                ));
                None
            }
            None => {
                notes.push(s("oha and hey are both missing: no peer to contrast."));
                None
            }
        };

        let mut rows = Vec::new();
        let mut used = Vec::new();
        let mut growth_of = |name: &str, how: &str, c: &Counted| -> f64 {
            let at: Vec<Option<(f64, u64)>> = marks
                .iter()
                .map(|m| growth::sample_near(&c.samples, *m as f64))
                .collect();
            let mib = |x: &Option<(f64, u64)>| x.map_or(f64::NAN, |(_, b)| b as f64 / MIB);
            let grown = mib(&at[at.len() - 1]) - mib(&at[0]);
            let mut row = vec![s(name), num(c.req_per_s, 0), num(c.requests as f64, 0)];
            row.extend(at.iter().map(|x| num(mib(x), 1)));
            row.extend([
                signed(grown, 1),
                num(c.peak_rss as f64 / MIB, 1),
                s(c.failed),
                s(how),
            ]);
            rows.push(row);
            used.push(format!(
                "{name} at {}",
                at.iter()
                    .map(|x| x.map_or(s("–"), |(n, _)| num(n, 0)))
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
            grown
        };
        let throng_growth = match &throng {
            Ok(c) => growth_of(
                "throng (Rust quick-get journey)",
                "`--jsonl` points, interpolated",
                c,
            ),
            Err(e) => {
                notes.push(format!("{label}: its stream: {e:#}"));
                f64::NAN
            }
        };
        if let Some(c) = &peer {
            growth_of(peer_name, "elapsed × final req/s", c);
        }

        let first = millions(marks[0]);
        let last = millions(marks[marks.len() - 1]);
        let bound_mib = GROWTH_BOUND_BYTES / MIB;
        let verdict = at_most(throng_growth, bound_mib);
        let targets = vec![Target {
            target: format!(
                "RSS after 10 M requests ≤ RSS after 1 M + 10 MB ({} MiB)",
                num(bound_mib, 2)
            ),
            measured: format!("{} MiB ({first} → {last})", signed(throng_growth, 1)),
            verdict: if self.quick {
                format!("{verdict} over {first} → {last} only (quick run)")
            } else {
                verdict
            },
        }];

        notes.push(format!(
            "RSS at N: the VmRSS sample (every 100 ms from spawn to exit) whose request count is nearest N, within 5 %; the counts at the samples used: {}.",
            used.join("; ")
        ));
        notes.push(s("throng's request count at a sample: interpolated between the per-second `point` lines of its `--jsonl` stream (cumulative `requests`, read by the harness as they are written), each point's `t_s` put on the harness's clock by the smallest (first seen − `t_s`) over all points, since a point reaches the file within ¼ s of being taken."));
        notes.push(format!("{peer_name}'s request count at a sample: time since spawn × its final req/s (its progress can't be read while it runs), so its start-up and any change of pace blur where 1 M falls. Peak RSS includes what it allocates for its report after the last request."));
        notes.push(s("One repetition each (a run is long, and memory barely moves between runs), under the noise rule like every run."));
        let mut header = vec![s("tool"), s("req/s"), s("requests")];
        header.extend(
            marks
                .iter()
                .map(|m| format!("RSS at {}, MiB", millions(*m))),
        );
        header.extend([
            format!("growth {first} → {last}, MiB"),
            s("peak RSS, MiB"),
            s("failed"),
            s("request count from"),
        ]);
        let quick = if self.quick {
            format!(
                "**Quick run: {} requests, RSS at 1 M and 2 M; the target's 1 M → 10 M is not measured.** ",
                num(total as f64, 0)
            )
        } else {
            String::new()
        };
        Ok(Section {
            title: s("(m) Metrics memory over 10 M requests"),
            about: format!(
                "{quick}throng: {CONNS} VUs of the quick-get journey (one GET and one check per iteration) with no think time, `--iterations {}` each, so {} requests to `{url}`; {peer_name}: `-n {total} -c {CONNS}`. Generator on core 0, nginx on core 1. Does the generator's memory stay flat as its request count grows? (Issue 7: ab, hey and oha keep every sample.)",
                total / CONNS,
                num(total as f64, 0),
            ),
            commands,
            header,
            rows,
            targets,
            notes,
        })
    }
}
