//! Target faults (issue 5): a refused connection, a reset in the middle of a
//! body, a server that never answers, one that trickles, malformed HTTP, a
//! server killed and started again, and a connect that never completes.
//! Each is classified, nothing hangs, the run ends on time and its totals
//! add up.

use std::collections::BTreeSet;
use std::time::{Duration, Instant};

use throng_metrics::ErrorClass;
use throng_target::TargetConfig;
use throng_target::faults::{
    Fault, FaultTarget, FullBacklog, RESET_SENT, SHORT_BODY_SENT, TRICKLE_BODY,
};
use throng_test_guests::GUEST_GET;

use crate::check;
use crate::harness::{Throng, closed_port, exclusive, target_with, throng};

/// Startup (the module comes from the cache), the summary and a loaded
/// machine's delays: generous on purpose.
const MARGIN: Duration = Duration::from_secs(10);

/// Runs `throng ARGS` and measures how long it took.
async fn timed_run(args: &[&str]) -> (Throng, Duration) {
    let started = Instant::now();
    let run = throng(args).await;
    (run, started.elapsed())
}

/// The checks every fault run passes: the totals add up, every failure has
/// a class, and the run took at most `bound` (+ [`MARGIN`]).
fn accounting_holds(run: &Throng, took: Duration, bound: Duration) {
    let t = &run.results().totals;
    let it = &t.iterations;
    check!(
        run,
        it.total == it.completed + it.failed + it.interrupted,
        "iterations {it:?}"
    );
    check!(run, t.failed <= t.requests);
    let classified: u64 = t.errors_by_class.values().sum();
    check!(
        run,
        classified == t.failed,
        "{classified} classified of {} failed",
        t.failed
    );
    check!(
        run,
        took < bound + MARGIN,
        "took {took:?}, bound {bound:?} + {MARGIN:?}"
    );
}

/// Every request failed with `class`, each failing its iteration: `count`
/// of them when known.
fn all_failed_with(run: &Throng, class: ErrorClass, count: Option<u64>) {
    let t = &run.results().totals;
    if let Some(count) = count {
        check!(run, t.requests == count, "{} requests", t.requests);
    }
    check!(run, t.requests > 0 && t.failed == t.requests);
    check!(
        run,
        t.errors_by_class.keys().eq([&class]) && t.errors_by_class[&class] == t.failed,
        "classes {:?}",
        t.errors_by_class
    );
    // The guest turns each transport error into a failed iteration.
    let it = &t.iterations;
    check!(
        run,
        (it.completed, it.failed, it.interrupted) == (0, t.requests, 0),
        "iterations {it:?}"
    );
}

/// The first listed error message.
fn first_message(run: &Throng) -> &str {
    let messages = &run.results().errors.messages;
    check!(run, !messages.is_empty(), "no error messages listed");
    &messages[0].message
}

#[tokio::test(flavor = "multi_thread")]
async fn refused_connections_are_connect_errors_for_the_whole_run() {
    let _turn = exclusive().await;
    let port = closed_port();
    let url = format!("url=http://127.0.0.1:{port}/");
    let (run, took) = timed_run(&[
        "run",
        GUEST_GET,
        "--vus",
        "3",
        "--duration",
        "2s",
        "--rate-per-vu",
        "10",
        "-p",
        &url,
    ])
    .await;
    accounting_holds(&run, took, Duration::from_secs(2));
    all_failed_with(&run, ErrorClass::Connect, None);
    // 3 VUs at 10 iterations a second for 2 s, one more each at the edges.
    let requests = run.results().totals.requests;
    check!(run, (3..=66).contains(&requests), "{requests} requests");
    check!(
        run,
        first_message(&run) == format!("connection refused (127.0.0.1:{port})")
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_reset_in_the_middle_of_the_body_is_a_protocol_error() {
    let faults = FaultTarget::start().await.unwrap();
    let _turn = exclusive().await;
    let url = format!("url={}", faults.url(Fault::Reset));
    let (run, took) = timed_run(&[
        "run",
        GUEST_GET,
        "--vus",
        "3",
        "--iterations",
        "4",
        "-p",
        &url,
    ])
    .await;
    accounting_holds(&run, took, Duration::ZERO);
    all_failed_with(&run, ErrorClass::Protocol, Some(12));
    check!(
        run,
        first_message(&run) == "connection reset by peer while reading the response body"
    );
    // What arrived before the reset is counted.
    let received = run.results().totals.bytes_received;
    check!(run, received == 12 * RESET_SENT, "{received} bytes");
    check!(run, faults.stats().by_fault[&Fault::Reset] == 12);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_server_that_never_answers_is_bounded_by_the_request_timeout() {
    let faults = FaultTarget::start().await.unwrap();
    let _turn = exclusive().await;
    let url = format!("url={}", faults.url(Fault::Silent));
    let (run, took) = timed_run(&[
        "run",
        GUEST_GET,
        "--vus",
        "2",
        "--iterations",
        "3",
        "--timeout",
        "1s",
        "-p",
        &url,
    ])
    .await;
    // Three 1 s timeouts in a row per VU.
    accounting_holds(&run, took, Duration::from_secs(3));
    check!(run, took >= Duration::from_secs(3), "took {took:?}");
    all_failed_with(&run, ErrorClass::Timeout, Some(6));
    check!(run, first_message(&run) == "request timed out after 1s");
    // Each timeout closed its connection: the server saw six, all closed.
    let stats = faults.stats();
    check!(run, stats.by_fault[&Fault::Silent] == 6);
    check!(
        run,
        (stats.connections_accepted, stats.connections_open) == (6, 0),
        "{stats:?}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_server_that_never_answers_cannot_outlast_the_graceful_stop() {
    let faults = FaultTarget::start().await.unwrap();
    let _turn = exclusive().await;
    let url = format!("url={}", faults.url(Fault::Silent));
    // The request timeout (60 s by default) is far past the run's end.
    let (run, took) = timed_run(&[
        "run",
        GUEST_GET,
        "--vus",
        "2",
        "--duration",
        "2s",
        "--graceful-stop",
        "1s",
        "-p",
        &url,
    ])
    .await;
    accounting_holds(&run, took, Duration::from_secs(3));
    let t = &run.results().totals;
    let it = &t.iterations;
    // Each VU's one iteration waits until the graceful stop cuts it off; its
    // request never ended, so it is no sample.
    check!(
        run,
        (it.completed, it.failed, it.interrupted) == (0, 0, 2),
        "iterations {it:?}"
    );
    check!(run, t.requests == 0 && t.failed == 0);
    check!(run, faults.stats().by_fault[&Fault::Silent] == 2);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_trickling_server_is_bounded_by_the_request_timeout() {
    let faults = FaultTarget::start().await.unwrap();
    let _turn = exclusive().await;
    for fault in [Fault::Trickle, Fault::TrickleBody] {
        let url = format!("url={}", faults.url(fault));
        // The guest's own per-request timeout (`timeout-ms` in the WIT).
        let (run, took) = timed_run(&[
            "run",
            GUEST_GET,
            "--vus",
            "2",
            "--iterations",
            "2",
            "-p",
            &url,
            "-p",
            "timeout_ms=1500",
        ])
        .await;
        accounting_holds(&run, took, Duration::from_secs(3));
        all_failed_with(&run, ErrorClass::Timeout, Some(4));
        check!(run, first_message(&run) == "request timed out after 1.5s");
        check!(run, faults.stats().by_fault[&fault] == 4);
        let received = run.results().totals.bytes_received;
        if fault == Fault::TrickleBody {
            // The first body byte comes with the head, then one a second:
            // some of the body, never all of it.
            let whole = TRICKLE_BODY.len() as u64;
            check!(run, (4..4 * whole).contains(&received), "{received} bytes");
        } else {
            check!(run, received == 0, "{received} bytes");
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn malformed_http_is_a_protocol_error() {
    let faults = FaultTarget::start().await.unwrap();
    let _turn = exclusive().await;
    let cases = [
        (
            Fault::BadStatus,
            "invalid HTTP response: invalid HTTP status-code parsed",
        ),
        (
            Fault::BadHeader,
            "invalid HTTP response: invalid HTTP header parsed",
        ),
        (
            Fault::ShortBody,
            "connection closed early while reading the response body",
        ),
    ];
    for (fault, message) in cases {
        let url = format!("url={}", faults.url(fault));
        let (run, took) = timed_run(&[
            "run",
            GUEST_GET,
            "--vus",
            "2",
            "--iterations",
            "3",
            "-p",
            &url,
        ])
        .await;
        accounting_holds(&run, took, Duration::ZERO);
        all_failed_with(&run, ErrorClass::Protocol, Some(6));
        check!(run, first_message(&run) == message, "{fault:?}");
        check!(run, faults.stats().by_fault[&fault] == 6);
        if fault == Fault::ShortBody {
            let received = run.results().totals.bytes_received;
            check!(run, received == 6 * SHORT_BODY_SENT, "{received} bytes");
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_server_killed_mid_run_and_restarted_fails_only_while_it_is_down() {
    let mut target = target_with(TargetConfig::default()).await;
    let port = target.addr().port();
    let _turn = exclusive().await;
    // Each VU always has a 100 ms request in flight, so the kill cuts some.
    let url = format!("url={}/delay/100", target.base_url());
    let args = [
        "run",
        GUEST_GET,
        "--vus",
        "3",
        "--duration",
        "6s",
        "--rate-per-vu",
        "20",
        "-p",
        &url,
    ];
    let outage = async {
        // The run is under way once the first request arrives (starting the
        // process and loading the module take a moment).
        while target.stats().requests == 0 {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        tokio::time::sleep(Duration::from_millis(1500)).await;
        let before = target.stats().requests;
        target.outage(Duration::from_secs(2)).await.unwrap();
        before
    };
    let ((run, took), before) = tokio::join!(timed_run(&args), outage);

    accounting_holds(&run, took, Duration::from_secs(6));
    check!(run, run.code == 0);
    let t = &run.results().totals;
    let classes: BTreeSet<_> = t.errors_by_class.keys().copied().collect();
    check!(
        run,
        classes.is_subset(&BTreeSet::from([ErrorClass::Connect, ErrorClass::Protocol])),
        "classes {classes:?}"
    );
    // 2 s down at 3 × 20 iterations a second: most of those are refused,
    // and the requests in flight at the kill are cut.
    let connect = t.errors_by_class.get(&ErrorClass::Connect).copied();
    check!(
        run,
        connect.unwrap_or(0) >= 20,
        "connect errors {connect:?}"
    );
    let protocol = t.errors_by_class.get(&ErrorClass::Protocol).copied();
    check!(
        run,
        protocol.unwrap_or(0) >= 1,
        "protocol errors {protocol:?}"
    );
    // Requests succeeded before the kill and after the restart.
    let served = target.stats().requests;
    check!(
        run,
        before > 0 && served > before,
        "{before} before, {served} in all"
    );
    // The server answered every request the client counts as a success;
    // those it saw but never answered are the protocol errors.
    let ok = t.requests - t.failed;
    check!(
        run,
        ok <= served && served <= ok + protocol.unwrap_or(0),
        "{ok} ok, {served} served, {protocol:?} protocol"
    );
    let it = &t.iterations;
    check!(
        run,
        (it.completed, it.failed, it.interrupted) == (ok, t.failed, 0),
        "iterations {it:?}"
    );
    let refused = format!("connection refused (127.0.0.1:{port})");
    check!(
        run,
        run.results()
            .errors
            .messages
            .iter()
            .any(|m| m.message == refused),
        "no `{refused}` listed"
    );
}

/// A listener whose accept queue is full, or `None` where the system does
/// not drop connections to a full queue (the tests then have nothing to
/// check; on Linux they always run).
async fn full_backlog() -> Option<FullBacklog> {
    match FullBacklog::start().await {
        Ok(backlog) => Some(backlog),
        // Linux drops them, so there the test must run.
        Err(e) if e.kind() == std::io::ErrorKind::Unsupported && !cfg!(target_os = "linux") => None,
        Err(e) => panic!("{e}"),
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_connect_that_never_completes_is_a_connect_error_after_the_connect_timeout() {
    let Some(backlog) = full_backlog().await else {
        return;
    };
    let _turn = exclusive().await;
    let url = format!("url={}/", backlog.base_url());
    // One iteration per VU: the run is over long before the 2 s connect
    // timeout (`--connect-timeout`; 10 s by default), which the graceful
    // stop outlasts.
    let (run, took) = timed_run(&[
        "run",
        GUEST_GET,
        "--vus",
        "2",
        "--duration",
        "1s",
        "--graceful-stop",
        "20s",
        "--connect-timeout",
        "2s",
        "-p",
        &url,
    ])
    .await;
    accounting_holds(&run, took, Duration::from_secs(2));
    check!(run, took >= Duration::from_secs(2), "took {took:?}");
    all_failed_with(&run, ErrorClass::Connect, Some(2));
    check!(
        run,
        first_message(&run) == format!("timed out after 2s connecting to {}", backlog.addr())
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_connect_that_never_completes_is_cut_by_a_shorter_request_timeout() {
    let Some(backlog) = full_backlog().await else {
        return;
    };
    let _turn = exclusive().await;
    let url = format!("url={}/", backlog.base_url());
    let (run, took) = timed_run(&[
        "run",
        GUEST_GET,
        "--vus",
        "2",
        "--iterations",
        "2",
        "--timeout",
        "1s",
        "-p",
        &url,
    ])
    .await;
    accounting_holds(&run, took, Duration::from_secs(2));
    all_failed_with(&run, ErrorClass::Timeout, Some(4));
    check!(run, first_message(&run) == "request timed out after 1s");
}
