//! Hostile guests (issue 5): a journey that loops, allocates or recurses
//! without end, spams the log, pries at files and the environment, traps
//! in `on_start`, panics or fails loses only what it spoiled: the run
//! survives, ends on time, and its accounting is exact.

use std::time::{Duration, Instant};

use throng_metrics::{CustomValue, ErrorClass, ErrorSource, RunResults};
use throng_test_guests::{GUEST_GET, GUEST_HOSTILE};

use crate::check;
use crate::harness::{Throng, exclusive, target, throng};

/// Runs `throng run GUEST_HOSTILE ARGS...`; also returns its wall time.
async fn hostile(args: &[&str]) -> (Throng, Duration) {
    let began = Instant::now();
    let run = throng(["run", GUEST_HOSTILE].iter().chain(args)).await;
    (run, began.elapsed())
}

/// `(completed, failed, interrupted)`, checking they add up to the total.
fn iterations(run: &Throng) -> (u64, u64, u64) {
    let it = &run.results().totals.iterations;
    check!(
        run,
        it.total == it.completed + it.failed + it.interrupted,
        "{it:?}"
    );
    (it.completed, it.failed, it.interrupted)
}

/// The iteration errors in the results, with their counts.
fn iteration_errors(r: &RunResults) -> Vec<(&str, u64)> {
    r.errors
        .messages
        .iter()
        .filter(|e| e.source == ErrorSource::Iteration)
        .map(|e| (e.message.as_str(), e.count))
        .collect()
}

/// Whether `text` starts with `parts[0]` and holds the others after it,
/// in order.
fn in_order(text: &str, parts: &[&str]) -> bool {
    let mut rest = text;
    for (i, part) in parts.iter().enumerate() {
        match rest.find(part) {
            Some(at) if i > 0 || at == 0 => rest = &rest[at + part.len()..],
            _ => return false,
        }
    }
    true
}

/// The largest value the gauge `name` was set to.
fn gauge_max(run: &Throng, name: &str) -> f64 {
    match run.results().custom_metric(name).map(|m| &m.value) {
        Some(CustomValue::Gauge { max, .. }) => *max,
        other => panic!("no gauge {name}: {other:?}\n{run}"),
    }
}

/// Requests named `name` that got an answer (all of them, or the check
/// fails).
fn answered(run: &Throng, name: &str) -> u64 {
    let e = run
        .results()
        .endpoint(name)
        .unwrap_or_else(|| panic!("no endpoint {name}\n{run}"));
    check!(run, e.failed == 0, "{name}: {e:?}");
    e.requests
}

/// A guest that computes forever, or sleeps in the host, is stopped at its
/// deadline (`iteration_timeout` in the plan's `[limits]`); only that
/// iteration fails, the VU gets a fresh instance (its state starts again),
/// and the other iterations run.
#[tokio::test(flavor = "multi_thread")]
async fn a_busy_loop_or_a_long_sleep_stops_at_its_deadline() {
    let target = target().await;
    let _turn = exclusive().await;
    for behaviour in ["loop", "sleep"] {
        let dir = tempfile::tempdir().unwrap();
        let plan = dir.path().join("plan.toml");
        std::fs::write(
            &plan,
            format!(
                "module = {GUEST_HOSTILE:?}\n\
                 [params]\ndo = \"{behaviour}\"\nevery = \"3\"\nurl = \"{}/fast\"\n\
                 [scenario]\nvus = 2\niterations = 6\n\
                 [limits]\niteration_timeout = \"1s\"\n",
                target.base_url()
            ),
        )
        .unwrap();
        let began = Instant::now();
        let run = throng(["run".as_ref(), plan.as_os_str()]).await;
        let took = began.elapsed();
        check!(run, run.code == 0, "{behaviour}");
        // Iterations 0 and 3 of each VU misbehave.
        check!(run, iterations(&run) == (8, 4, 0), "{behaviour}");
        check!(run, answered(&run, "ok") == 8, "{behaviour}");
        let r = run.results();
        let errors = iteration_errors(r);
        check!(
            run,
            errors.len() == 1
                && errors[0].1 == 4
                && errors[0]
                    .0
                    .starts_with("iteration trapped: deadline exceeded: still running after 1 s"),
            "{behaviour}: {errors:?}"
        );
        // The failed iterations took their deadline, plus at most an epoch
        // tick or two (a generous bound here: the figure is ~10 ms).
        let slowest = r.iteration_duration.max;
        check!(
            run,
            (1_000.0..1_500.0).contains(&slowest),
            "{behaviour}: slowest iteration {slowest} ms"
        );
        // Healthy iterations 1, 2 then 4, 5 count 1, 2 on fresh instances;
        // 4 would mean the state survived the trap.
        check!(run, gauge_max(&run, "instance_iterations") == 2.0);
        check!(run, took < Duration::from_secs(20), "took {took:?}");
    }
}

/// A guest that still computes when the grace period ends is interrupted:
/// it yields at every epoch tick, so it cannot hold its thread past the
/// run's end, however far its deadline (a minute here, so that a
/// regression fails the time bound instead of hanging for the default ten).
#[tokio::test(flavor = "multi_thread")]
async fn a_busy_loop_is_interrupted_when_the_grace_period_ends() {
    let _turn = exclusive().await;
    let (run, took) = hostile(&[
        "-p",
        "do=loop",
        "--vus",
        "2",
        "--duration",
        "1s",
        "--graceful-stop",
        "1s",
        "--iteration-timeout",
        "60s",
    ])
    .await;
    check!(run, run.code == 0);
    check!(run, iterations(&run) == (0, 0, 2));
    check!(run, took < Duration::from_secs(15), "took {took:?}");
}

/// A guest that allocates without end hits the VU's memory cap, traps with
/// a message naming the limit, and loses that iteration only.
#[tokio::test(flavor = "multi_thread")]
async fn endless_allocation_hits_the_memory_cap() {
    allocation_hits_the_memory_cap("fast").await;
}

/// The same in the compact layout, whose memories throng makes and grows
/// (`memory.rs` in throng-host): each growth moves the memory, 16 times
/// per iteration here, and the guest's blocks survive every move.
#[tokio::test(flavor = "multi_thread")]
async fn endless_allocation_hits_the_memory_cap_in_the_compact_layout() {
    allocation_hits_the_memory_cap("compact").await;
}

async fn allocation_hits_the_memory_cap(layout: &str) {
    let target = target().await;
    let _turn = exclusive().await;
    let url = format!("url={}/fast", target.base_url());
    let (run, took) = hostile(&[
        "--memory-layout",
        layout,
        "-p",
        "do=alloc",
        "-p",
        "every=2",
        "-p",
        &url,
        "--vus",
        "2",
        "--iterations",
        "4",
        "--max-vu-memory",
        "16",
    ])
    .await;
    check!(run, run.code == 0);
    check!(run, iterations(&run) == (4, 4, 0));
    check!(run, answered(&run, "ok") == 4);
    let errors = iteration_errors(run.results());
    check!(
        run,
        errors
            == [(
                "iteration trapped: memory limit reached: growing linear memory to 16.1 MiB is \
                 over the VU's limit of 16.0 MiB (max_vu_memory), in guest_hostile::allocate",
                4
            )],
        "{errors:?}"
    );
    check!(run, gauge_max(&run, "instance_iterations") == 1.0);
    check!(run, took < Duration::from_secs(20), "took {took:?}");
}

/// A guest that has the host keep requests without end (1 MiB bodies it
/// frees itself) is stopped by the host's own cap of 16 MiB per VU: the
/// iteration traps with a message naming the cap, and the VU's fresh
/// instance starts with nothing kept.
#[tokio::test(flavor = "multi_thread")]
async fn endless_prepared_requests_hit_the_hosts_cap() {
    let target = target().await;
    let _turn = exclusive().await;
    let url = format!("url={}/fast", target.base_url());
    let (run, took) = hostile(&[
        "-p",
        "do=hoard",
        "-p",
        "every=2",
        "-p",
        &url,
        "--vus",
        "2",
        "--iterations",
        "4",
    ])
    .await;
    check!(run, run.code == 0);
    check!(run, iterations(&run) == (4, 4, 0));
    check!(run, answered(&run, "ok") == 4);
    let errors = iteration_errors(run.results());
    check!(
        run,
        errors.len() == 1
            && errors[0].1 == 4
            && in_order(
                errors[0].0,
                &[
                    "iteration trapped: ",
                    "the journey's prepared requests would hold ",
                    " bytes on the host, more than the 16 MiB a VU may keep",
                ]
            ),
        "{errors:?}"
    );
    check!(run, gauge_max(&run, "instance_iterations") == 1.0);
    check!(run, took < Duration::from_secs(20), "took {took:?}");
}

/// Endless recursion, with host calls (an HTTP request every 64 levels)
/// down to the deepest level, overflows the wasm stack and traps: the host
/// code running on the nearly full fiber stack does not crash the process.
#[tokio::test(flavor = "multi_thread")]
async fn endless_recursion_traps_as_a_stack_overflow() {
    let target = target().await;
    let _turn = exclusive().await;
    let url = format!("url={}/fast", target.base_url());
    let deep = format!("deep_url={}/fast", target.base_url());
    let (run, took) = hostile(&[
        "-p",
        "do=recurse",
        "-p",
        "every=2",
        "-p",
        &url,
        "-p",
        &deep,
        "--vus",
        "2",
        "--iterations",
        "4",
    ])
    .await;
    check!(run, run.code == 0);
    check!(run, iterations(&run) == (4, 4, 0));
    check!(run, answered(&run, "ok") == 4);
    let errors = iteration_errors(run.results());
    check!(
        run,
        errors
            == [(
                "iteration trapped: stack overflow: the guest's call stack is exhausted, in \
                 guest_hostile::dive",
                4
            )],
        "{errors:?}"
    );
    // Thousands of levels deep (512 KiB of wasm stack), each of the four
    // dives sending requests on the way down.
    let depth = gauge_max(&run, "depth");
    check!(run, depth >= 1_000.0, "depth {depth}");
    check!(run, answered(&run, "deep") >= 4 * 16);
    check!(run, took < Duration::from_secs(20), "took {took:?}");
}

/// Panics and traps poison the instance: the VU gets a fresh one (its
/// state starts again). A returned error does not: the VU keeps its
/// instance and its state. Either way only that iteration fails.
#[tokio::test(flavor = "multi_thread")]
async fn panics_traps_and_errors_lose_their_iteration_only() {
    let target = target().await;
    let _turn = exclusive().await;
    let url = format!("url={}/fast", target.base_url());
    // Each behaviour: what its error says (in order), and the state a VU
    // keeps.
    let cases: [(&str, &[&str], f64); 3] = [
        (
            "panic",
            &[
                "iteration trapped: wasm `unreachable` executed (a Rust guest's panic ends here), in ",
                "guest_hostile",
                "; guest stderr: thread '<unnamed>' (1) panicked at ",
                "src/lib.rs:",
                ": hostile guest panics on purpose",
            ],
            1.0,
        ),
        (
            "trap",
            &[
                "iteration trapped: wasm `unreachable` executed",
                ", in ",
                "guest_hostile",
            ],
            1.0,
        ),
        ("error", &["hostile guest returns an error"], 2.0),
    ];
    for (behaviour, says, state) in cases {
        let what = format!("do={behaviour}");
        let (run, _) = hostile(&[
            "-p",
            &what,
            "-p",
            "every=2",
            "-p",
            &url,
            "--vus",
            "3",
            "--iterations",
            "4",
        ])
        .await;
        check!(run, run.code == 0, "{behaviour}");
        check!(run, iterations(&run) == (6, 6, 0), "{behaviour}");
        check!(run, answered(&run, "ok") == 6, "{behaviour}");
        let errors = iteration_errors(run.results());
        check!(
            run,
            errors.len() == 1 && errors[0].1 == 6 && in_order(errors[0].0, says),
            "{behaviour}: {errors:?}"
        );
        check!(
            run,
            run.stdout
                .contains(errors[0].0.get(..30).unwrap_or(errors[0].0)),
            "the summary lists it"
        );
        // Healthy iterations 1 and 3: a fresh instance counts 1 each time,
        // a kept one reaches 2.
        check!(
            run,
            gauge_max(&run, "instance_iterations") == state,
            "{behaviour}"
        );
    }
}

/// A guest that writes 1,000 log lines an iteration gets `--log-rate` of
/// them a second onto stderr; the rest are counted as dropped.
#[tokio::test(flavor = "multi_thread")]
async fn log_spam_is_rate_limited() {
    let _turn = exclusive().await;
    let (run, took) = hostile(&[
        "-p",
        "do=log-spam",
        "--vus",
        "2",
        "--duration",
        "3s",
        "--think-time",
        "200ms",
        "--log-rate",
        "10",
    ])
    .await;
    check!(run, run.code == 0);
    let (completed, failed, interrupted) = iterations(&run);
    check!(run, completed >= 4 && failed == 0 && interrupted == 0);
    for vu in [1, 2] {
        let shown = run
            .stderr
            .lines()
            .filter(|l| l.starts_with(&format!("[vu {vu}] info: spam ")))
            .count();
        // 10 a second over about 3 s: 4 one-second windows at most,
        // against about 15,000 lines written.
        check!(run, (10..=40).contains(&shown), "vu {vu}: {shown} lines");
    }
    check!(
        run,
        run.stderr
            .contains("messages dropped by the log rate limit")
    );
    check!(run, took < Duration::from_secs(20), "took {took:?}");
}

/// A guest cannot read, list or create files, nor read the environment or
/// arguments of the process (which has `PATH`, `HOME` and throng's own
/// variables): the guest reports each failure as a passed check.
#[tokio::test(flavor = "multi_thread")]
async fn a_guest_cannot_read_files_or_the_environment() {
    let _turn = exclusive().await;
    let (run, _) = hostile(&["-p", "do=pry", "--vus", "2", "--iterations", "3"]).await;
    check!(run, run.code == 0);
    check!(run, iterations(&run) == (6, 0, 0));
    let checks = &run.results().checks;
    for name in [
        "file read failed",
        "folder listing failed",
        "file create failed",
        "env is empty",
        "args are empty",
        "sandbox held",
    ] {
        let c = checks
            .get(name)
            .unwrap_or_else(|| panic!("check {name}\n{run}"));
        check!(run, (c.passed, c.failed) == (6, 0), "{name}");
    }
}

/// A trap in `on_start` costs that VU only; the others run their
/// iterations. When every VU traps there, the run aborts (exit 3) and the
/// results are still written.
#[tokio::test(flavor = "multi_thread")]
async fn a_trap_in_on_start_costs_that_vu_only() {
    let target = target().await;
    let _turn = exclusive().await;
    let url = format!("url={}/fast", target.base_url());
    let args = ["-p", &url, "--vus", "4", "--iterations", "3"];
    let (run, _) = hostile(&[&["-p", "start_trap_every=2"][..], &args].concat()).await;
    check!(run, run.code == 0);
    // VUs 2 and 4 trap; 1 and 3 run their three iterations.
    check!(run, iterations(&run) == (6, 0, 0));
    check!(run, answered(&run, "ok") == 6);
    let r = run.results();
    check!(run, r.totals.vu_start_failures == 2);
    check!(
        run,
        r.errors
            .messages
            .iter()
            .any(|e| e.source == ErrorSource::VuStart
                && e.count == 2
                && e.message
                    .starts_with("on_start trapped: wasm `unreachable` executed")),
        "{:?}",
        r.errors
    );

    let (all, took) = hostile(&[&["-p", "start_trap_every=1"][..], &args].concat()).await;
    check!(all, all.code == 3);
    check!(all, all.stderr.contains("every VU failed to start"));
    check!(all, all.stderr.contains("on_start trapped"));
    check!(all, all.results().totals.vu_start_failures == 4);
    check!(all, iterations(&all) == (0, 0, 0));
    check!(all, took < Duration::from_secs(20), "took {took:?}");
}

/// A journey whose every iteration fails stops the run early with exit 3
/// and a message naming the first error, instead of burning its minute;
/// the results are written. A trapping journey (the VU replaced each
/// time) stops the same way.
#[tokio::test(flavor = "multi_thread")]
async fn a_journey_whose_iterations_all_fail_aborts_early() {
    let _turn = exclusive().await;
    for (behaviour, first) in [
        ("error", "hostile guest returns an error"),
        ("panic", "hostile guest panics on purpose"),
    ] {
        let what = format!("do={behaviour}");
        let (run, took) = hostile(&["-p", &what, "--vus", "3", "--duration", "60s"]).await;
        check!(run, run.code == 3, "{behaviour}");
        check!(
            run,
            run.stderr
                .contains("iterations failed and none completed, so the run stopped early"),
            "{behaviour}"
        );
        let line = run
            .stderr
            .lines()
            .find(|l| l.starts_with("error: run aborted"))
            .unwrap_or_default();
        check!(
            run,
            line.contains(first),
            "{behaviour}: names the first error"
        );
        // The results are written, and the accounting holds: at least 20
        // failed (2 per VU would be 6; the floor is 20), none completed.
        let (completed, failed, _) = iterations(&run);
        check!(
            run,
            completed == 0 && (20..100).contains(&failed),
            "{behaviour}"
        );
        let ran = run.results().meta.duration;
        check!(
            run,
            ran < Duration::from_secs(10),
            "{behaviour}: ran {ran:?}"
        );
        check!(
            run,
            took < Duration::from_secs(20),
            "{behaviour}: took {took:?}"
        );
    }
}

/// A response body over `--max-kept-body` fails its request as `denied`
/// before it reaches the guest; a smaller one is kept.
#[tokio::test(flavor = "multi_thread")]
async fn kept_bodies_over_the_cap_are_refused() {
    let target = target().await;
    let _turn = exclusive().await;
    for (bytes, failed) in [(2 << 20, 6), (1 << 19, 0)] {
        let url = format!("url={}/bytes/{bytes}", target.base_url());
        let run = throng([
            "run",
            GUEST_GET,
            "-p",
            &url,
            "--vus",
            "2",
            "--iterations",
            "3",
            "--max-kept-body",
            "1",
        ])
        .await;
        check!(run, run.code == 0, "{bytes} bytes");
        let r = run.results();
        check!(run, r.totals.requests == 6 && r.totals.failed == failed);
        if failed > 0 {
            check!(
                run,
                r.totals.errors_by_class.get(&ErrorClass::Denied) == Some(&6)
            );
            check!(
                run,
                r.errors
                    .messages
                    .iter()
                    .any(|e| e.message.contains("limit for kept bodies")),
                "{:?}",
                r.errors
            );
        }
    }
}

/// Limits out of range are usage errors naming the flag or the key.
#[tokio::test(flavor = "multi_thread")]
async fn bad_limits_are_usage_errors() {
    for (flag, value, named) in [
        ("--iteration-timeout", "0s", "--iteration-timeout"),
        ("--iteration-timeout", "soon", "--iteration-timeout"),
        ("--max-vu-memory", "0", "--max-vu-memory: 0 MiB"),
        ("--max-kept-body", "99999", "--max-kept-body: 99999 MiB"),
        ("--log-rate", "lots", "--log-rate"),
    ] {
        let run = throng(["run", GUEST_HOSTILE, "-i", "1", flag, value]).await;
        check!(run, run.code == 2, "{flag} {value}");
        check!(
            run,
            run.stderr.contains(named),
            "{flag} {value} names {named}"
        );
        check!(run, run.results.is_none(), "nothing ran");
    }
}
