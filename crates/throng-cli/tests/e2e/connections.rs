//! Each VU keeps its own keep-alive connection, like a real user, unless
//! the run shares a fixed number between them.

use throng_target::TargetStats;
use throng_test_guests::GUEST_GET;

use crate::check;
use crate::harness::{Throng, exclusive, target, throng};

/// 1,000 GETs of the demo target's `/fast`: `vus` VUs of `iterations` each,
/// plus `extra` flags; checked to have all arrived.
async fn thousand_gets(vus: &str, iterations: &str, extra: &[&str]) -> (Throng, TargetStats) {
    let target = target().await;
    let _turn = exclusive().await;
    let url = format!("url={}/fast", target.base_url());
    let mut args = vec!["run", GUEST_GET, "--vus", vus, "--iterations", iterations];
    args.extend(extra);
    args.extend(["-p", &url]);
    let run = throng(args).await;
    check!(run, run.code == 0);
    check!(run, run.results().totals.requests == 1_000);
    let stats = target.stats();
    check!(
        run,
        stats.requests == 1_000,
        "server saw {}",
        stats.requests
    );
    (run, stats)
}

#[tokio::test(flavor = "multi_thread")]
async fn ten_vus_by_a_hundred_iterations_open_about_ten_connections() {
    let (run, stats) = thousand_gets("10", "100", &[]).await;
    // Counted by the server: one connection per VU (a couple more would be
    // a reconnect after a close; 1,000 would be no reuse at all).
    check!(
        run,
        (10..=12).contains(&stats.connections_accepted),
        "connections {}",
        stats.connections_accepted
    );
    // The client agrees: connect time only on the first request of each VU.
    let connect = &run.results().phases.connect;
    check!(run, connect.p90 == 0.0, "p90 of connect {} ms", connect.p90);
}

#[tokio::test(flavor = "multi_thread")]
async fn fifty_vus_sharing_four_connections_open_four() {
    let (run, stats) = thousand_gets("50", "20", &["--shared-connections", "4"]).await;
    // Four at once, kept alive (one more would be a reconnect after a
    // close; fifty, a connection per VU).
    check!(
        run,
        (4..=5).contains(&stats.connections_accepted),
        "connections {}",
        stats.connections_accepted
    );
    // Fifty VUs, four connections: most requests waited for one.
    let blocked = &run.results().phases.blocked;
    check!(run, blocked.p50 > 0.0, "p50 of blocked {} ms", blocked.p50);
}
