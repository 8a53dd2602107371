//! Live progress while a run goes, the way k6 shows it.
//!
//! The run loop owns the numbers; this module only asks for them. The caller
//! hands [`spawn`] a closure that snapshots every scenario as a
//! [`LiveScenario`]. A tokio task calls it each tick, derives req/s from the
//! change in `requests` since the previous tick, and renders in one of three
//! [`ProgressMode`]s:
//!
//! - `Live` (stderr is a terminal): a block on stderr, a header plus one line
//!   per scenario, redrawn every 500 ms with `indicatif`;
//! - `Plain` (CI logs): one line per scenario every 5 s, no escape codes:
//!   `[  10s/1m00s] clinicians  vus 50/50  req/s 1203.4  errors 0 (0.00%)  p95 118.9ms  iters 2,345  dropped 0`;
//! - `Quiet`: nothing.
//!
//! [`Progress::finish`] stops the task and clears the live block, so the
//! summary that follows prints on a clean screen. The lines themselves are
//! built by pure functions, tested without a terminal.

use std::collections::{HashMap, HashSet};
use std::io::IsTerminal;
use std::time::{Duration, Instant};

use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};
use throng_report::format_count;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;
use tokio::time::MissedTickBehavior;

/// How often the live block is redrawn.
const LIVE_PERIOD: Duration = Duration::from_millis(500);
/// How often plain lines are printed: often enough to see a run move, rarely
/// enough not to drown a CI log.
const PLAIN_PERIOD: Duration = Duration::from_secs(5);
/// Width of the live progress bar, brackets excluded.
const BAR_WIDTH: usize = 20;

/// One scenario's live state, produced by the caller each tick.
#[derive(Debug, Clone, Default)]
pub struct LiveScenario {
    /// The scenario's name, as in the plan.
    pub name: String,
    /// Time since the scenario started (zero while it waits).
    pub elapsed: Duration,
    /// Planned length (None when unknown, e.g. iteration-bound).
    pub total: Option<Duration>,
    /// Where the scenario is in its life.
    pub state: LiveState,
    /// VUs running an iteration or ready to.
    pub active_vus: u32,
    /// The most VUs the scenario may use.
    pub max_vus: u32,
    /// Requests sent so far (cumulative).
    pub requests: u64,
    /// Requests that failed so far (cumulative).
    pub failed: u64,
    /// Iterations completed so far (cumulative).
    pub iterations: u64,
    /// Iterations an open-model executor could not start for lack of a free
    /// VU (cumulative).
    pub dropped_iterations: u64,
    /// 95th percentile of request duration so far, in milliseconds.
    pub p95_ms: Option<f64>,
}

/// Where a scenario is in its life.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum LiveState {
    /// Not started: it starts after another scenario.
    #[default]
    Waiting,
    /// Starting iterations.
    Running,
    /// Past its end, giving in-flight iterations their graceful stop.
    Stopping,
    /// Finished.
    Done,
}

/// How progress is shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProgressMode {
    /// A refreshing block on stderr, for a terminal.
    Live,
    /// A plain line per scenario every few seconds, for logs.
    Plain,
    /// Nothing (`--quiet`).
    Quiet,
}

impl ProgressMode {
    /// `Quiet` if asked; `Live` if stderr is a terminal that understands
    /// cursor movement (`TERM` is not `dumb`); `Plain` otherwise.
    pub fn detect(quiet: bool) -> ProgressMode {
        let dumb = std::env::var_os("TERM").is_some_and(|term| term == "dumb");
        Self::choose(quiet, std::io::stderr().is_terminal(), dumb)
    }

    /// The decision behind [`ProgressMode::detect`], without the environment.
    fn choose(quiet: bool, terminal: bool, dumb: bool) -> ProgressMode {
        if quiet {
            ProgressMode::Quiet
        } else if terminal && !dumb {
            ProgressMode::Live
        } else {
            ProgressMode::Plain
        }
    }
}

/// Starts showing progress: a tokio task that calls `source()` each tick and
/// renders what it returns.
///
/// Must be called inside a tokio runtime. `source` runs on a runtime worker,
/// so it should only take a snapshot (read counters, clone a few strings),
/// never block. In `Quiet` mode no task starts and `source` is never called.
pub fn spawn(
    mode: ProgressMode,
    source: impl Fn() -> Vec<LiveScenario> + Send + Sync + 'static,
) -> Progress {
    match mode {
        ProgressMode::Quiet => Progress {
            stop: None,
            task: None,
            handle: ProgressHandle::default(),
        },
        ProgressMode::Plain => start(
            View::Plain(PlainLog::new(Box::new(print_line))),
            PLAIN_PERIOD,
            source,
        ),
        ProgressMode::Live => {
            let multi = MultiProgress::with_draw_target(ProgressDrawTarget::stderr());
            start(View::Live(LiveBlock::new(multi)), LIVE_PERIOD, source)
        }
    }
}

/// The running progress display; [`Progress::finish`] ends it.
///
/// Dropping it without `finish` also stops the task and clears the block, but
/// without waiting for that to happen.
pub struct Progress {
    /// Sending (or dropping) this tells the task to stop.
    stop: Option<oneshot::Sender<()>>,
    /// The rendering task; None in `Quiet` mode.
    task: Option<JoinHandle<()>>,
    /// Shares stderr with the live block.
    handle: ProgressHandle,
}

impl Progress {
    /// Stops the task at once (no waiting for the next tick) and returns once
    /// the live block is cleared from the screen.
    pub async fn finish(self) {
        let Progress { stop, task, .. } = self;
        if let Some(stop) = stop {
            let _ = stop.send(());
        }
        if let Some(task) = task {
            // A panic in `source` was already reported by the panic hook; the
            // run's own outcome matters more than its progress display.
            let _ = task.await;
        }
    }

    /// A handle for printing to stderr without tearing the live block.
    pub fn handle(&self) -> ProgressHandle {
        self.handle.clone()
    }
}

/// Lets other output (guest logs, warnings) share stderr with the live block.
#[derive(Clone, Default)]
pub struct ProgressHandle {
    /// The live block; None in `Plain` and `Quiet` modes.
    multi: Option<MultiProgress>,
}

impl ProgressHandle {
    /// Runs `print` with the live block hidden, then redraws the block below
    /// whatever `print` wrote. Without a live block it just runs `print`.
    pub fn suspend<R>(&self, print: impl FnOnce() -> R) -> R {
        match &self.multi {
            Some(multi) => multi.suspend(print),
            None => print(),
        }
    }
}

/// Starts the rendering task for `view`, ticking every `period`.
fn start(
    view: View,
    period: Duration,
    source: impl Fn() -> Vec<LiveScenario> + Send + Sync + 'static,
) -> Progress {
    let multi = match &view {
        View::Live(block) => Some(block.multi.clone()),
        View::Plain(_) => None,
    };
    let (stop, stopped) = oneshot::channel();
    let task = tokio::spawn(drive(view, period, source, stopped));
    Progress {
        stop: Some(stop),
        task: Some(task),
        handle: ProgressHandle { multi },
    }
}

/// The rendering loop: snapshot, rate, render, until told to stop.
async fn drive(
    mut view: View,
    period: Duration,
    source: impl Fn() -> Vec<LiveScenario> + Send + Sync + 'static,
    mut stop: oneshot::Receiver<()>,
) {
    // The live block appears at once; a log has nothing worth a line before
    // the first period has passed.
    let first = match view {
        View::Live(_) => tokio::time::Instant::now(),
        View::Plain(_) => tokio::time::Instant::now() + period,
    };
    let mut ticker = tokio::time::interval_at(first, period);
    ticker.set_missed_tick_behavior(MissedTickBehavior::Delay);
    let mut meter = RateMeter::default();
    loop {
        tokio::select! {
            biased;
            // Sent or dropped: either way the display is over.
            _ = &mut stop => break,
            _ = ticker.tick() => {
                let now = Instant::now();
                let rows: Vec<Row> = source()
                    .into_iter()
                    .map(|scenario| Row {
                        rate: meter.rate(&scenario, now),
                        scenario,
                    })
                    .collect();
                view.show(&rows, now);
            }
        }
    }
    view.clear();
}

/// Prints one plain progress line.
#[allow(clippy::print_stderr)]
fn print_line(line: &str) {
    eprintln!("{line}");
}

/// A scenario's snapshot with its current request rate.
struct Row {
    /// What the caller reported.
    scenario: LiveScenario,
    /// Requests per second since the previous tick.
    rate: f64,
}

/// Where progress goes.
enum View {
    /// The refreshing block.
    Live(LiveBlock),
    /// Plain lines.
    Plain(PlainLog),
}

impl View {
    /// Shows one tick's rows.
    fn show(&mut self, rows: &[Row], now: Instant) {
        match self {
            View::Live(block) => block.show(rows, now),
            View::Plain(log) => log.show(rows),
        }
    }

    /// Takes the display down at the end of the run.
    fn clear(self) {
        match self {
            View::Live(block) => block.clear(),
            // Printed lines stay: they are the log.
            View::Plain(_) => {}
        }
    }
}

/// The live block: a header line and one line per scenario, each an
/// `indicatif` bar whose whole text is its message.
struct LiveBlock {
    /// Owns the block's place on the screen.
    multi: MultiProgress,
    /// The run-wide line.
    header: ProgressBar,
    /// One line per scenario, in the caller's order.
    rows: Vec<ProgressBar>,
    /// When the display started, for the header's clock.
    started: Instant,
}

impl LiveBlock {
    /// A block with only its header, drawn by `multi`.
    fn new(multi: MultiProgress) -> Self {
        let header = multi.add(text_line());
        LiveBlock {
            multi,
            header,
            rows: Vec::new(),
            started: Instant::now(),
        }
    }

    /// Redraws the block for this tick's rows.
    fn show(&mut self, rows: &[Row], now: Instant) {
        while self.rows.len() < rows.len() {
            self.rows.push(self.multi.add(text_line()));
        }
        for gone in self.rows.drain(rows.len()..) {
            gone.finish_and_clear();
            self.multi.remove(&gone);
        }
        let width = name_width(rows);
        self.header.set_message(live_header(
            now.saturating_duration_since(self.started),
            rows,
        ));
        for (line, row) in self.rows.iter().zip(rows) {
            line.set_message(live_line(&row.scenario, row.rate, width));
        }
        // Each `set_message` redraws, but indicatif rate-limits redraws, so the
        // last of a burst may be skipped; one forced draw shows the whole tick.
        self.header.force_draw();
    }

    /// Erases the block from the screen.
    fn clear(self) {
        let _ = self.multi.clear();
        // Hidden from here on: finishing the lines below must not redraw
        // them, and a `ProgressHandle` that outlives the block must neither
        // erase nor redraw anything in its `suspend`.
        self.multi.set_draw_target(ProgressDrawTarget::hidden());
        for line in &self.rows {
            line.finish_and_clear();
        }
        self.header.finish_and_clear();
    }
}

/// A block line that shows its message, cut to the terminal's width so that
/// no line wraps.
fn text_line() -> ProgressBar {
    let style = ProgressStyle::with_template("{wide_msg}").expect("a constant, valid template");
    ProgressBar::no_length().with_style(style)
}

/// Plain lines, one per scenario per tick.
struct PlainLog {
    /// Where each line goes (stderr outside tests).
    out: Box<dyn FnMut(&str) + Send>,
    /// Scenarios whose `Done` line was printed; a finished scenario is
    /// reported once, not every tick until the run ends.
    reported_done: HashSet<String>,
}

impl PlainLog {
    /// A log that writes each line with `out`.
    fn new(out: Box<dyn FnMut(&str) + Send>) -> Self {
        PlainLog {
            out,
            reported_done: HashSet::new(),
        }
    }

    /// Prints this tick's lines.
    fn show(&mut self, rows: &[Row]) {
        let width = name_width(rows);
        for row in rows {
            let scenario = &row.scenario;
            if scenario.state == LiveState::Done
                && !self.reported_done.insert(scenario.name.clone())
            {
                continue;
            }
            (self.out)(&plain_line(scenario, row.rate, width));
        }
    }
}

/// Turns each scenario's cumulative request count into a current rate.
#[derive(Default)]
struct RateMeter {
    /// Per scenario name: the count at the previous tick, and when.
    last: HashMap<String, (u64, Instant)>,
}

impl RateMeter {
    /// Requests per second since this scenario's previous tick.
    fn rate(&mut self, scenario: &LiveScenario, now: Instant) -> f64 {
        let rate = match self.last.get(&scenario.name) {
            Some(&(requests, at)) => per_second(
                scenario.requests.saturating_sub(requests),
                now.saturating_duration_since(at),
            ),
            // First sight: the average so far is the best there is.
            None => per_second(scenario.requests, scenario.elapsed),
        };
        self.last
            .insert(scenario.name.clone(), (scenario.requests, now));
        rate
    }
}

/// `count` spread over `span`, per second; 0 for an empty span.
fn per_second(count: u64, span: Duration) -> f64 {
    let seconds = span.as_secs_f64();
    if seconds > 0.0 {
        count as f64 / seconds
    } else {
        0.0
    }
}

/// The plain line for one scenario, its name padded to `name_width`:
/// `[  10s/1m00s] clinicians  vus 50/50  req/s 1203.4  errors 0 (0.00%)  p95 118.9ms  iters 2,345  dropped 0`.
fn plain_line(scenario: &LiveScenario, rate: f64, name_width: usize) -> String {
    let clock = format_clock(scenario.elapsed, scenario.total);
    let name = &scenario.name;
    match scenario.state {
        LiveState::Waiting => format!("[{clock}] {name:<name_width$}  waiting"),
        state => format!(
            "[{clock}] {name:<name_width$}  {}{}",
            format_stats(scenario, rate),
            state_suffix(state)
        ),
    }
}

/// The live block's line for one scenario: name, bar, percentage, clock and
/// the same figures as the plain line.
fn live_line(scenario: &LiveScenario, rate: f64, name_width: usize) -> String {
    let fraction = progress_fraction(scenario);
    let bar = format_bar(fraction, BAR_WIDTH);
    let percent = format_percent(fraction);
    let clock = format_clock(scenario.elapsed, scenario.total);
    let name = &scenario.name;
    match scenario.state {
        LiveState::Waiting => format!("{name:<name_width$}  {bar} {percent}  {clock}  waiting"),
        state => format!(
            "{name:<name_width$}  {bar} {percent}  {clock}  {}{}",
            format_stats(scenario, rate),
            state_suffix(state)
        ),
    }
}

/// The live block's header: the run's clock, totals over all scenarios, and
/// how many scenarios are in each state.
fn live_header(elapsed: Duration, rows: &[Row]) -> String {
    let mut active = 0u64;
    let mut max = 0u64;
    let (mut rate, mut requests, mut failed, mut iterations) = (0.0, 0u64, 0u64, 0u64);
    for Row { scenario, rate: r } in rows {
        active += u64::from(scenario.active_vus);
        max += u64::from(scenario.max_vus);
        rate += r;
        requests += scenario.requests;
        failed += scenario.failed;
        iterations += scenario.iterations;
    }
    let mut header = format!(
        "running {}  vus {}/{}  req/s {}  errors {}  iters {}",
        format_duration(elapsed),
        format_count(active),
        format_count(max),
        format_rate(rate),
        format_errors(failed, requests),
        format_count(iterations),
    );
    let counts: Vec<String> = [
        (LiveState::Running, "running"),
        (LiveState::Stopping, "stopping"),
        (LiveState::Waiting, "waiting"),
        (LiveState::Done, "done"),
    ]
    .into_iter()
    .filter_map(|(state, word)| {
        let n = rows
            .iter()
            .filter(|row| row.scenario.state == state)
            .count();
        (n > 0).then(|| format!("{n} {word}"))
    })
    .collect();
    if !counts.is_empty() {
        header.push_str("  scenarios: ");
        header.push_str(&counts.join(", "));
    }
    header
}

/// The figures shared by plain and live lines, from `vus` to `dropped`.
fn format_stats(scenario: &LiveScenario, rate: f64) -> String {
    format!(
        "vus {}/{}  req/s {}  errors {}  p95 {}  iters {}  dropped {}",
        format_count(u64::from(scenario.active_vus)),
        format_count(u64::from(scenario.max_vus)),
        format_rate(rate),
        format_errors(scenario.failed, scenario.requests),
        format_latency(scenario.p95_ms),
        format_count(scenario.iterations),
        format_count(scenario.dropped_iterations),
    )
}

/// What follows the figures for a scenario that is no longer simply running.
fn state_suffix(state: LiveState) -> &'static str {
    match state {
        LiveState::Stopping => "  stopping",
        LiveState::Done => "  done",
        LiveState::Waiting | LiveState::Running => "",
    }
}

/// The widest scenario name, so the figures line up in columns.
fn name_width(rows: &[Row]) -> usize {
    rows.iter()
        .map(|row| row.scenario.name.chars().count())
        .max()
        .unwrap_or(0)
}

/// How far along a scenario is, 0.0 to 1.0; None when its length is unknown.
fn progress_fraction(scenario: &LiveScenario) -> Option<f64> {
    if scenario.state == LiveState::Done {
        return Some(1.0);
    }
    let total = scenario.total?;
    if total.is_zero() {
        return Some(1.0);
    }
    Some((scenario.elapsed.as_secs_f64() / total.as_secs_f64()).min(1.0))
}

/// A duration in whole seconds, k6 style: `10s`, `1m05s`, `1h02m03s`.
fn format_duration(duration: Duration) -> String {
    let seconds = duration.as_secs();
    let (hours, minutes, seconds) = (seconds / 3600, seconds / 60 % 60, seconds % 60);
    if hours > 0 {
        format!("{hours}h{minutes:02}m{seconds:02}s")
    } else if minutes > 0 {
        format!("{minutes}m{seconds:02}s")
    } else {
        format!("{seconds}s")
    }
}

/// Elapsed over planned time, the elapsed part right-aligned to the planned
/// part's width so it does not jitter: `  10s/1m00s`, or `  10s` alone.
fn format_clock(elapsed: Duration, total: Option<Duration>) -> String {
    let elapsed = format_duration(elapsed);
    match total {
        Some(total) => {
            let total = format_duration(total);
            format!("{elapsed:>width$}/{total}", width = total.len())
        }
        None => format!("{elapsed:>5}"),
    }
}

/// A rate with one decimal: `1203.4`.
fn format_rate(per_second: f64) -> String {
    format!("{per_second:.1}")
}

/// Failed requests and their share of all requests: `12 (0.35%)`.
fn format_errors(failed: u64, requests: u64) -> String {
    let percent = if requests == 0 {
        0.0
    } else {
        failed as f64 * 100.0 / requests as f64
    };
    format!("{} ({percent:.2}%)", format_count(failed))
}

/// A latency in milliseconds: `118.9ms`, `2.35s` from a second up, `-` when
/// there is none yet.
fn format_latency(ms: Option<f64>) -> String {
    match ms {
        None => "-".to_owned(),
        Some(ms) if ms >= 1000.0 => format!("{:.2}s", ms / 1000.0),
        Some(ms) => format!("{ms:.1}ms"),
    }
}

/// A bar `width` cells wide between brackets: `[=====>--------------]`, all
/// blank when the fraction is unknown.
fn format_bar(fraction: Option<f64>, width: usize) -> String {
    let inner = match fraction {
        None => " ".repeat(width),
        Some(fraction) => {
            let fraction = fraction.clamp(0.0, 1.0);
            let filled = ((fraction * width as f64) as usize).min(width);
            if filled == width {
                "=".repeat(width)
            } else if fraction == 0.0 {
                "-".repeat(width)
            } else {
                format!("{}>{}", "=".repeat(filled), "-".repeat(width - filled - 1))
            }
        }
    };
    format!("[{inner}]")
}

/// A fraction as a whole percentage, four columns wide: ` 17%`, `100%`, or
/// `   -` when unknown. Rounds down, so 100% means done.
fn format_percent(fraction: Option<f64>) -> String {
    match fraction {
        Some(fraction) => format!("{:>3}%", (fraction.clamp(0.0, 1.0) * 100.0).floor() as u32),
        None => "   -".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::{Arc, Mutex};

    use super::*;

    fn secs(s: u64) -> Duration {
        Duration::from_secs(s)
    }

    /// The scenario of the plain-line example in the module docs.
    fn clinicians() -> LiveScenario {
        LiveScenario {
            name: "clinicians".into(),
            elapsed: secs(10),
            total: Some(secs(60)),
            state: LiveState::Running,
            active_vus: 50,
            max_vus: 50,
            requests: 12_034,
            failed: 0,
            iterations: 2_345,
            dropped_iterations: 0,
            p95_ms: Some(118.9),
        }
    }

    fn row(scenario: LiveScenario, rate: f64) -> Row {
        Row { scenario, rate }
    }

    #[test]
    fn durations() {
        assert_eq!(format_duration(Duration::ZERO), "0s");
        assert_eq!(format_duration(Duration::from_millis(1_999)), "1s");
        assert_eq!(format_duration(secs(10)), "10s");
        assert_eq!(format_duration(secs(59)), "59s");
        assert_eq!(format_duration(secs(60)), "1m00s");
        assert_eq!(format_duration(secs(65)), "1m05s");
        assert_eq!(format_duration(secs(3600)), "1h00m00s");
        assert_eq!(format_duration(secs(3723)), "1h02m03s");
    }

    #[test]
    fn clocks_align_elapsed_to_the_planned_width() {
        assert_eq!(format_clock(secs(10), Some(secs(60))), "  10s/1m00s");
        assert_eq!(format_clock(secs(65), Some(secs(60))), "1m05s/1m00s");
        assert_eq!(format_clock(secs(5), Some(secs(30))), " 5s/30s");
        assert_eq!(format_clock(secs(10), None), "  10s");
    }

    #[test]
    fn rates_have_one_decimal() {
        assert_eq!(format_rate(0.0), "0.0");
        assert_eq!(format_rate(1203.44), "1203.4");
        assert_eq!(format_rate(1203.46), "1203.5");
    }

    #[test]
    fn counts_have_thousands_separators() {
        assert_eq!(format_count(0), "0");
        assert_eq!(format_count(999), "999");
        assert_eq!(format_count(1_000), "1,000");
        assert_eq!(format_count(2_345), "2,345");
        assert_eq!(format_count(123_456), "123,456");
        assert_eq!(format_count(1_234_567), "1,234,567");
        assert_eq!(format_count(u64::MAX), "18,446,744,073,709,551,615");
    }

    #[test]
    fn errors_show_count_and_share() {
        assert_eq!(format_errors(0, 0), "0 (0.00%)");
        assert_eq!(format_errors(3, 200), "3 (1.50%)");
        assert_eq!(format_errors(1_234, 10_000), "1,234 (12.34%)");
        assert_eq!(format_errors(5, 5), "5 (100.00%)");
    }

    #[test]
    fn latencies() {
        assert_eq!(format_latency(None), "-");
        assert_eq!(format_latency(Some(118.94)), "118.9ms");
        assert_eq!(format_latency(Some(999.9)), "999.9ms");
        assert_eq!(format_latency(Some(2_345.0)), "2.35s");
    }

    #[test]
    fn bars_and_percentages() {
        assert_eq!(format_bar(Some(0.0), 10), "[----------]");
        assert_eq!(format_bar(Some(0.05), 10), "[>---------]");
        assert_eq!(format_bar(Some(0.5), 10), "[=====>----]");
        assert_eq!(format_bar(Some(1.0), 10), "[==========]");
        assert_eq!(format_bar(Some(1.7), 10), "[==========]");
        assert_eq!(format_bar(None, 10), "[          ]");
        assert_eq!(format_percent(Some(0.0)), "  0%");
        assert_eq!(format_percent(Some(1.0 / 6.0)), " 16%");
        assert_eq!(format_percent(Some(0.999)), " 99%");
        assert_eq!(format_percent(Some(1.0)), "100%");
        assert_eq!(format_percent(None), "   -");
    }

    #[test]
    fn fraction_of_planned_time() {
        let mut scenario = clinicians();
        assert_eq!(progress_fraction(&scenario), Some(10.0 / 60.0));
        scenario.elapsed = secs(75);
        scenario.state = LiveState::Stopping;
        assert_eq!(progress_fraction(&scenario), Some(1.0));
        scenario.total = None;
        assert_eq!(progress_fraction(&scenario), None);
        scenario.state = LiveState::Done;
        assert_eq!(progress_fraction(&scenario), Some(1.0));
    }

    #[test]
    fn plain_line_matches_the_documented_format() {
        let scenario = clinicians();
        assert_eq!(
            plain_line(&scenario, 1203.4, scenario.name.len()),
            "[  10s/1m00s] clinicians  vus 50/50  req/s 1203.4  errors 0 (0.00%)  p95 118.9ms  iters 2,345  dropped 0"
        );
    }

    #[test]
    fn plain_lines_for_other_states_and_padding() {
        let waiting = LiveScenario {
            name: "admins".into(),
            total: Some(secs(30)),
            max_vus: 5,
            ..LiveScenario::default()
        };
        assert_eq!(
            plain_line(&waiting, 0.0, 10),
            "[ 0s/30s] admins      waiting"
        );
        let done = LiveScenario {
            state: LiveState::Done,
            elapsed: secs(31),
            requests: 200,
            failed: 1,
            iterations: 40,
            p95_ms: None,
            ..waiting
        };
        assert_eq!(
            plain_line(&done, 0.0, 6),
            "[31s/30s] admins  vus 0/5  req/s 0.0  errors 1 (0.50%)  p95 -  iters 40  dropped 0  done"
        );
    }

    #[test]
    fn live_line_and_header() {
        let scenario = clinicians();
        assert_eq!(
            live_line(&scenario, 1203.4, 12),
            "clinicians    [===>----------------]  16%    10s/1m00s  vus 50/50  req/s 1203.4  errors 0 (0.00%)  p95 118.9ms  iters 2,345  dropped 0"
        );
        let waiting = LiveScenario {
            name: "admins".into(),
            max_vus: 5,
            ..LiveScenario::default()
        };
        assert_eq!(
            live_line(&waiting, 0.0, 6),
            "admins  [                    ]    -     0s  waiting"
        );
        let rows = [row(scenario, 1203.4), row(waiting, 0.0)];
        assert_eq!(
            live_header(secs(65), &rows),
            "running 1m05s  vus 50/55  req/s 1203.4  errors 0 (0.00%)  iters 2,345  scenarios: 1 running, 1 waiting"
        );
        assert_eq!(
            live_header(Duration::ZERO, &[]),
            "running 0s  vus 0/0  req/s 0.0  errors 0 (0.00%)  iters 0"
        );
    }

    #[test]
    fn rate_is_the_change_since_the_previous_tick() {
        let mut meter = RateMeter::default();
        let start = Instant::now();
        let mut scenario = clinicians();
        scenario.requests = 1_000;
        // First sight: the average over the scenario's elapsed 10 s.
        assert_eq!(meter.rate(&scenario, start), 100.0);
        scenario.requests = 1_600;
        assert_eq!(meter.rate(&scenario, start + secs(2)), 300.0);
        // Nothing new, or a counter that went backwards, is no traffic.
        assert_eq!(meter.rate(&scenario, start + secs(4)), 0.0);
        scenario.requests = 10;
        assert_eq!(meter.rate(&scenario, start + secs(6)), 0.0);
        // The same instant twice divides by nothing.
        assert_eq!(meter.rate(&scenario, start + secs(6)), 0.0);
    }

    #[test]
    fn mode_detection() {
        assert_eq!(ProgressMode::choose(true, true, false), ProgressMode::Quiet);
        assert_eq!(ProgressMode::choose(false, true, false), ProgressMode::Live);
        assert_eq!(ProgressMode::choose(false, true, true), ProgressMode::Plain);
        assert_eq!(
            ProgressMode::choose(false, false, false),
            ProgressMode::Plain
        );
    }

    #[test]
    fn plain_log_reports_a_finished_scenario_once() {
        let lines = Arc::new(Mutex::new(Vec::<String>::new()));
        let sink = Arc::clone(&lines);
        let mut log = PlainLog::new(Box::new(move |line| {
            sink.lock().unwrap().push(line.to_owned());
        }));
        let done = LiveScenario {
            name: "warmup".into(),
            state: LiveState::Done,
            ..LiveScenario::default()
        };
        let rows = [row(done, 0.0), row(clinicians(), 1203.4)];
        log.show(&rows);
        log.show(&rows);
        let lines = lines.lock().unwrap();
        assert_eq!(lines.len(), 3, "{lines:#?}");
        assert!(lines[0].contains("warmup      vus 0/0"), "{}", lines[0]);
        assert!(lines[1].contains("clinicians  vus 50/50"), "{}", lines[1]);
        assert!(lines[2].contains("clinicians"), "{}", lines[2]);
    }

    /// A source that counts its calls.
    fn counting_source(
        calls: &Arc<AtomicUsize>,
    ) -> impl Fn() -> Vec<LiveScenario> + Send + Sync + use<> {
        let calls = Arc::clone(calls);
        move || {
            calls.fetch_add(1, Ordering::SeqCst);
            vec![clinicians()]
        }
    }

    // The paused clock makes ticks exact and `timeout` virtual: a finish
    // that waited for its next tick would run the clock out.
    #[tokio::test(start_paused = true)]
    async fn plain_mode_prints_each_period_and_finishes_at_once() {
        let lines = Arc::new(Mutex::new(Vec::<String>::new()));
        let sink = Arc::clone(&lines);
        let log = PlainLog::new(Box::new(move |line| {
            sink.lock().unwrap().push(line.to_owned());
        }));
        let calls = Arc::new(AtomicUsize::new(0));
        let progress = start(
            View::Plain(log),
            Duration::from_millis(20),
            counting_source(&calls),
        );
        tokio::time::sleep(Duration::from_millis(150)).await;
        tokio::time::timeout(Duration::from_secs(1), progress.finish())
            .await
            .expect("finish is prompt");
        let lines = lines.lock().unwrap();
        assert!(lines.len() >= 2, "{lines:#?}");
        let prefix = "[  10s/1m00s] clinicians  vus 50/50  req/s ";
        assert!(
            lines.iter().all(|line| line.starts_with(prefix)),
            "{lines:#?}"
        );
    }

    // The paused clock makes ticks exact and `timeout` virtual: a finish
    // that waited for its next tick would run the clock out.
    #[tokio::test(start_paused = true)]
    async fn finish_does_not_wait_for_the_next_tick() {
        let calls = Arc::new(AtomicUsize::new(0));
        let log = PlainLog::new(Box::new(|_| {}));
        let progress = start(View::Plain(log), secs(3600), counting_source(&calls));
        tokio::time::timeout(Duration::from_secs(1), progress.finish())
            .await
            .expect("finish is prompt");
        // A log prints nothing before its first period.
        assert_eq!(calls.load(Ordering::SeqCst), 0);
    }

    // The paused clock makes ticks exact and `timeout` virtual: a finish
    // that waited for its next tick would run the clock out.
    #[tokio::test(start_paused = true)]
    async fn live_mode_draws_at_once_and_clears_on_finish() {
        let calls = Arc::new(AtomicUsize::new(0));
        let multi = MultiProgress::with_draw_target(ProgressDrawTarget::hidden());
        let progress = start(
            View::Live(LiveBlock::new(multi)),
            secs(3600),
            counting_source(&calls),
        );
        let handle = progress.handle();
        tokio::time::sleep(Duration::from_millis(50)).await;
        assert_eq!(calls.load(Ordering::SeqCst), 1);
        assert_eq!(handle.suspend(|| 7), 7);
        tokio::time::timeout(Duration::from_secs(1), progress.finish())
            .await
            .expect("finish is prompt");
        // The handle still works once the block is gone.
        assert_eq!(handle.suspend(|| 8), 8);
    }

    #[tokio::test]
    async fn quiet_mode_never_asks() {
        let calls = Arc::new(AtomicUsize::new(0));
        let progress = spawn(ProgressMode::Quiet, counting_source(&calls));
        assert_eq!(progress.handle().suspend(|| 1), 1);
        progress.finish().await;
        assert_eq!(calls.load(Ordering::SeqCst), 0);
    }

    #[test]
    fn the_line_template_parses() {
        let _ = text_line();
    }
}
