//! `--jsonl FILE`: the run as JSON lines, written while it goes, so
//! `tail -f FILE` follows it.
//!
//! [`JsonLines::create`] makes the file before the run starts (a bad path
//! is a usage error). [`JsonLines::start`] polls each scenario's timeline
//! and appends the points it has not written yet, flushing each batch;
//! [`Streaming::finish`] writes the run's last points once it has ended,
//! and [`JsonLines::end`] one line per threshold and a closing `end` line.
//! A write error stops the stream and is reported, and the run's other
//! outputs are written all the same. `docs/outputs.md` lists every line
//! type and field.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, anyhow};
use serde::Serialize;
use throng_metrics::{Metrics, RunResults, ThresholdOutcome, TimelinePoint, Totals};
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

/// How often the timelines are polled. The engine adds a point a second;
/// polling more often keeps a point's line at most this late.
const POLL: Duration = Duration::from_millis(250);

/// One line of the file.
#[derive(Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
enum Line<'a> {
    /// A scenario's timeline point, its fields as in the results file.
    Point {
        scenario: &'a str,
        #[serde(flatten)]
        point: &'a TimelinePoint,
    },
    /// How a threshold fared, as in the results file.
    Threshold(&'a ThresholdOutcome),
    /// The last line: the verdict and the run's totals.
    End {
        passed: bool,
        duration_s: f64,
        totals: &'a Totals,
    },
}

/// The open file and how far each scenario's timeline is written.
pub struct JsonLines {
    path: PathBuf,
    out: BufWriter<File>,
    /// Per scenario, the points already written.
    written: Vec<usize>,
    /// The first write error; nothing is written after it.
    failed: Option<std::io::Error>,
}

impl JsonLines {
    /// Create (or empty) the file at `path`; the error names it.
    pub fn create(path: &Path) -> anyhow::Result<JsonLines> {
        let file = File::create(path)
            .with_context(|| format!("--jsonl {}: cannot create the file", path.display()))?;
        Ok(JsonLines {
            path: path.to_owned(),
            out: BufWriter::new(file),
            written: Vec::new(),
            failed: None,
        })
    }

    /// Stream the timelines of `scenarios` (name and recorder, in plan
    /// order) until [`Streaming::finish`].
    pub fn start(mut self, scenarios: Vec<(String, Arc<Metrics>)>) -> Streaming {
        self.written = vec![0; scenarios.len()];
        let (stop, mut stopped) = oneshot::channel();
        let task = tokio::spawn(async move {
            let mut ticks = tokio::time::interval(POLL);
            ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                let stopping = tokio::select! {
                    _ = ticks.tick() => false,
                    _ = &mut stopped => true,
                };
                self.points(&scenarios);
                if stopping {
                    return self;
                }
            }
        });
        Streaming {
            stop: Some(stop),
            task,
        }
    }

    /// Append every point not yet written, then flush.
    fn points(&mut self, scenarios: &[(String, Arc<Metrics>)]) {
        let mut any = false;
        for (i, (name, metrics)) in scenarios.iter().enumerate() {
            let timeline = metrics.timeline();
            let from = self.written[i];
            for point in timeline.get(from..).unwrap_or_default() {
                self.line(&Line::Point {
                    scenario: name,
                    point,
                });
                any = true;
            }
            self.written[i] = timeline.len().max(from);
        }
        if any {
            self.flush();
        }
    }

    /// Append the threshold outcomes and the `end` line, and close the
    /// file. Fails, naming the file, when any write failed, here or during
    /// the run.
    pub fn end(mut self, results: &RunResults) -> anyhow::Result<()> {
        for outcome in &results.thresholds {
            self.line(&Line::Threshold(outcome));
        }
        self.line(&Line::End {
            passed: throng_metrics::threshold::verdict(&results.thresholds),
            duration_s: results.meta.duration.as_secs_f64(),
            totals: &results.totals,
        });
        self.flush();
        match self.failed {
            None => Ok(()),
            Some(e) => Err(anyhow!("--jsonl {}: {e}", self.path.display())),
        }
    }

    fn line(&mut self, line: &Line) {
        if self.failed.is_some() {
            return;
        }
        let written = serde_json::to_writer(&mut self.out, line)
            .map_err(std::io::Error::from)
            .and_then(|()| self.out.write_all(b"\n"));
        if let Err(e) = written {
            self.fail(e);
        }
    }

    fn flush(&mut self) {
        if self.failed.is_none()
            && let Err(e) = self.out.flush()
        {
            self.fail(e);
        }
    }

    /// Keep the first error, say so at once, and write nothing more.
    fn fail(&mut self, e: std::io::Error) {
        eprintln!(
            "throng: --jsonl {}: {e}; the stream stops here, the other outputs are still written",
            self.path.display()
        );
        self.failed = Some(e);
    }
}

/// The streaming task; dropping it stops the stream where it is.
pub struct Streaming {
    stop: Option<oneshot::Sender<()>>,
    task: JoinHandle<JsonLines>,
}

impl Streaming {
    /// Write the points the run added last (call it once the run has
    /// ended) and hand the file back for [`JsonLines::end`]. `None` if the
    /// task died, which only a bug could cause.
    pub async fn finish(mut self) -> Option<JsonLines> {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        (&mut self.task).await.ok()
    }
}

impl Drop for Streaming {
    fn drop(&mut self) {
        self.task.abort();
    }
}
