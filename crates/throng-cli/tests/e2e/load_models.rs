//! Issue 3's load models against real servers: executors, data feeders,
//! no coordinated omission, start barrier.

use throng_test_guests::{GUEST_FEEDER, GUEST_GET};

use crate::check;
use crate::harness::{exclusive, target, throng};

/// Writes `text` as `name` in a fresh folder and returns the folder.
fn files(entries: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for (name, text) in entries {
        std::fs::write(dir.path().join(name), text).unwrap();
    }
    dir
}

#[tokio::test(flavor = "multi_thread")]
async fn sequential_unique_rows_are_each_used_exactly_once() {
    let target = target().await;
    let _turn = exclusive().await;
    let ids: String = (1..=200).map(|i| format!("{i},user{i}\n")).collect();
    let dir = files(&[
        ("users.csv", &format!("id,name\n{ids}")),
        (
            "plan.toml",
            &format!(
                r#"module = {GUEST_FEEDER:?}
[params]
base_url = "{}"
set = "users"
column = "id"
[scenario]
executor = "shared-iterations"
vus = 10
iterations = 250
[data.users]
file = "users.csv"
strategy = "sequential-unique"
"#,
                target.base_url()
            ),
        ),
    ]);
    let plan = dir.path().join("plan.toml");
    let run = throng(["run".as_ref(), plan.as_os_str()]).await;
    let r = run.results();
    // 200 rows, each handed out once; the other 50 iterations find the set
    // exhausted.
    check!(
        run,
        r.endpoints.len() == 200,
        "{} endpoints",
        r.endpoints.len()
    );
    check!(
        run,
        r.endpoints
            .iter()
            .all(|e| e.requests == 1 && e.name.starts_with("row-"))
    );
    let it = &r.totals.iterations;
    check!(run, (it.completed, it.failed) == (200, 50));
    check!(
        run,
        r.errors
            .messages
            .iter()
            .any(|e| e.message.contains("exhausted"))
    );
    check!(run, target.stats().requests == 200);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_bad_data_file_is_refused_before_the_run() {
    let dir = files(&[
        ("users.csv", "id,name\n1,a\n2\n"),
        (
            "plan.toml",
            &format!(
                "module = {GUEST_FEEDER:?}\n[scenario]\nvus = 1\niterations = 1\n[data.users]\nfile = \"users.csv\"\n"
            ),
        ),
    ]);
    let plan = dir.path().join("plan.toml");
    let run = throng(["run".as_ref(), plan.as_os_str()]).await;
    check!(run, run.code == 2);
    check!(
        run,
        run.stderr.contains("users.csv") && run.stderr.contains("line 3")
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn shared_iterations_runs_exactly_the_total() {
    let target = target().await;
    let _turn = exclusive().await;
    let dir = files(&[(
        "plan.toml",
        &format!(
            "module = {GUEST_GET:?}\n[params]\nurl = \"{}/fast\"\n[scenario]\nexecutor = \"shared-iterations\"\nvus = 10\niterations = 1000\n",
            target.base_url()
        ),
    )]);
    let plan = dir.path().join("plan.toml");
    let run = throng(["run".as_ref(), plan.as_os_str()]).await;
    check!(run, run.code == 0);
    check!(run, run.results().totals.iterations.completed == 1_000);
    check!(run, target.stats().requests == 1_000);
}

/// A plan file in a fresh folder, running `module` with `url`.
fn plan(module: &str, url: &str, scenario: &str) -> tempfile::TempDir {
    files(&[(
        "plan.toml",
        &format!("module = {module:?}\n[params]\nurl = \"{url}\"\n{scenario}"),
    )])
}

async fn run_plan(dir: &tempfile::TempDir) -> crate::harness::Throng {
    let plan = dir.path().join("plan.toml");
    throng(["run".as_ref(), plan.as_os_str()]).await
}

#[tokio::test(flavor = "multi_thread")]
async fn constant_arrival_rate_starts_200_iterations_a_second() {
    let target = target().await;
    let _turn = exclusive().await;
    let dir = plan(
        GUEST_GET,
        &format!("{}/fast", target.base_url()),
        "[scenario]\nexecutor = \"constant-arrival-rate\"\nrate = 200\nduration = \"5s\"\npre_allocated_vus = 10\nmax_vus = 50\n",
    );
    let run = run_plan(&dir).await;
    check!(run, run.code == 0);
    let r = run.results();
    let started = r.totals.iterations.total;
    check!(
        run,
        (990..=1_010).contains(&started),
        "{started} iterations"
    );
    check!(run, r.totals.dropped_iterations == 0);
    check!(run, target.stats().requests == started);
}

#[tokio::test(flavor = "multi_thread")]
async fn ramping_vus_follows_its_stages_in_the_runs_own_timeline() {
    let target = target().await;
    let _turn = exclusive().await;
    let dir = plan(
        GUEST_GET,
        &format!("{}/delay/50", target.base_url()),
        "[scenario]\nexecutor = \"ramping-vus\"\nstart_vus = 1\ngraceful_stop = \"1s\"\nstages = [\n  { duration = \"3s\", target = 9 },\n  { duration = \"2s\", target = 9 },\n  { duration = \"0s\", target = 15 },\n  { duration = \"1s\", target = 15 },\n  { duration = \"2s\", target = 3 },\n]\n",
    );
    let run = run_plan(&dir).await;
    check!(run, run.code == 0);
    let stages: Vec<throng_engine::Stage> = [(3, 9), (2, 9), (0, 15), (1, 15), (2, 3)]
        .map(|(s, target)| throng_engine::Stage {
            duration: std::time::Duration::from_secs(s),
            target,
        })
        .to_vec();
    let timeline = &run.results().timeline;
    check!(run, timeline.len() >= 8, "{} points", timeline.len());
    for point in timeline.iter().filter(|p| p.t_s >= 1.0 && p.t_s <= 8.0) {
        let t = std::time::Duration::from_secs_f64(point.t_s);
        // A step on the sampling instant may be caught half done: anything
        // between the counts just before and at the instant holds, ±1.
        let planned = [t, t.saturating_sub(std::time::Duration::from_millis(60))]
            .map(|t| throng_engine::ramping_vus_at(1, &stages, t));
        let (lo, hi) = (planned[0].min(planned[1]), planned[0].max(planned[1]));
        check!(
            run,
            (lo.saturating_sub(1)..=hi + 1).contains(&point.vus),
            "at {} s: {} active, {planned:?} planned",
            point.t_s,
            point.vus
        );
    }
}

/// 100 iterations/s for 10 s against an endpoint that answers in 5 ms but
/// freezes for 2 s once in the middle: the iterations still start (late,
/// not dropped), the tail shows the stall, and so does the schedule lag.
#[tokio::test(flavor = "multi_thread")]
async fn a_stalled_server_shows_in_the_tail_not_as_fewer_iterations() {
    let target = target().await;
    let _turn = exclusive().await;
    let dir = plan(
        GUEST_GET,
        &format!("{}/freeze/4500/2000", target.base_url()),
        "[scenario]\nexecutor = \"constant-arrival-rate\"\nrate = 100\nduration = \"10s\"\npre_allocated_vus = 10\nmax_vus = 120\n",
    );
    let run = run_plan(&dir).await;
    let r = run.results();
    let started = r.totals.iterations.total;
    check!(
        run,
        (980..=1_010).contains(&started),
        "{started} iterations started"
    );
    check!(
        run,
        r.totals.dropped_iterations <= 10,
        "{} dropped",
        r.totals.dropped_iterations
    );
    check!(
        run,
        r.iteration_duration.p99 >= 1_000.0,
        "p99 {} ms",
        r.iteration_duration.p99
    );
    check!(
        run,
        r.schedule_lag.max >= 400.0,
        "lag max {} ms",
        r.schedule_lag.max
    );
    check!(
        run,
        r.schedule_lag.p50 < 5.0,
        "lag p50 {} ms: the stall is the exception",
        r.schedule_lag.p50
    );
}

/// One arrival a minute for ten minutes; the first fails, and an
/// `abort_on_fail` threshold stops the run a second or so later. The stop
/// ends the arrival schedule at once, not at the next arrival a minute on
/// (regression guard for the dispatcher's own timer, which sleeps outside
/// tokio's).
#[tokio::test(flavor = "multi_thread")]
async fn a_stop_between_distant_arrivals_ends_the_run_at_once() {
    let target = target().await;
    let _turn = exclusive().await;
    let dir = plan(
        GUEST_GET,
        &format!("{}/status/500", target.base_url()),
        "[scenario]\nexecutor = \"constant-arrival-rate\"\nrate = 1\ntime_unit = \"1m\"\nduration = \"10m\"\npre_allocated_vus = 1\nmax_vus = 1\n[thresholds]\nhttp_req_failed = [{ threshold = \"rate < 1%\", abort_on_fail = true }]\n",
    );
    let run = run_plan(&dir).await;
    check!(run, run.code == 3, "aborted runs exit 3");
    let r = run.results();
    let seconds = r.meta.duration.as_secs_f64();
    check!(
        run,
        seconds < 30.0,
        "ran {seconds} s; the next arrival was due at 60 s"
    );
    check!(run, r.totals.iterations.total == 1);
    check!(run, r.totals.dropped_iterations == 0);
    check!(run, target.stats().requests == 1);
}

/// Runs 100 VUs × one download of `size` bytes "at once" and returns the
/// run and how far apart the server saw the 100 requests arrive.
async fn hundred_at_once(size: u64) -> (crate::harness::Throng, std::time::Duration) {
    let config = throng_target::TargetConfig {
        record_requests: true,
        ..Default::default()
    };
    let target = crate::harness::target_with(config).await;
    let _turn = exclusive().await;
    let url = format!(
        "url={}/models/demo/1/model.bin?size={size}",
        target.base_url()
    );
    let expect = format!("expect_bytes={size}");
    let args = [
        "run",
        throng_test_guests::GUEST_DOWNLOAD,
        "--vus",
        "100",
        "--iterations",
        "1",
        "-p",
        &url,
        "-p",
        &expect,
    ];
    let run = throng(args).await;
    let arrivals: Vec<_> = target
        .request_log()
        .into_iter()
        .map(|rec| rec.since_start)
        .collect();
    assert_eq!(arrivals.len(), 100, "{run}");
    let spread = *arrivals.iter().max().unwrap() - *arrivals.iter().min().unwrap();
    (run, spread)
}

/// The start barrier releases 100 ready VUs together: the server sees
/// their 100 requests within a few ms (0–20 ms measured on 2 cores, where
/// the 100 guest calls, connects and writes share the cores with the
/// server; a start without the barrier spreads over the VUs' setup).
#[tokio::test(flavor = "multi_thread")]
async fn the_start_barrier_releases_a_hundred_vus_together() {
    let (run, spread) = hundred_at_once(1024).await;
    check!(run, run.code == 0);
    check!(
        run,
        spread.as_millis() <= 50,
        "requests arrived over {spread:?}"
    );
}

/// 100 clients download the same 25 MB model at the same moment: every
/// byte is counted, throughput and mean/median/p99 are reported. The server
/// sees the requests spread a little wider than with small bodies (it is
/// already streaming to the first clients, on the same two cores), but the
/// last request arrives while at least half of the downloads are still
/// running (the spread is below the median download's time: each of those
/// began no earlier than the first request and lasts longer than the
/// spread). A fixed bound on the spread failed now and then on a loaded
/// machine; this one grows with the downloads when the machine is slow.
/// Measured by hand: spread 164 ms, median download 672 ms.
#[tokio::test(flavor = "multi_thread")]
async fn a_hundred_clients_download_the_model_at_the_same_moment() {
    const MODEL: u64 = 25 * 1024 * 1024;
    let (run, spread) = hundred_at_once(MODEL).await;
    check!(run, run.code == 0);
    let r = run.results();
    check!(run, r.totals.requests == 100 && r.totals.failed == 0);
    check!(run, r.totals.bytes_received == 100 * MODEL);
    let download = r.endpoint("download").unwrap();
    let median = download.stats.p50;
    check!(
        run,
        spread.as_secs_f64() * 1e3 < median,
        "requests arrived over {spread:?}, longer than the median download ({median} ms)"
    );
    check!(
        run,
        download.stats.avg > 0.0
            && download.stats.p50 > 0.0
            && download.stats.p99 >= download.stats.p50
    );
    check!(run, r.totals.received_bytes_per_s > 0.0);
    let data = run
        .stdout
        .lines()
        .find(|l| l.trim_start().starts_with("data"))
        .unwrap_or_default();
    check!(
        run,
        data.contains("B/s)"),
        "the summary shows the throughput: {data:?}"
    );
}
