//! Big bodies stream through the host; the guest never holds them.

use throng_test_guests::GUEST_DOWNLOAD;

use crate::check;
use crate::harness::{exclusive, target, throng};

const MODEL: u64 = 25 * 1024 * 1024;

#[tokio::test(flavor = "multi_thread")]
async fn a_25mb_download_in_discard_mode_counts_every_byte() {
    let target = target().await;
    let _turn = exclusive().await;
    let url = format!("url={}/models/demo/1/model.bin", target.base_url());
    let expect = format!("expect_bytes={MODEL}");
    // 8 MiB of guest memory: a guest handed the 25 MB body would trap.
    let run = throng([
        "run",
        GUEST_DOWNLOAD,
        "--vus",
        "2",
        "--iterations",
        "3",
        "-p",
        &url,
        "-p",
        &expect,
        "--max-vu-memory",
        "8",
    ])
    .await;
    check!(run, run.code == 0);
    let r = run.results();
    check!(run, r.totals.requests == 6 && r.totals.failed == 0);
    check!(
        run,
        r.totals.bytes_received == 6 * MODEL,
        "received {}",
        r.totals.bytes_received
    );
    check!(
        run,
        r.endpoint("download").unwrap().bytes_received == 6 * MODEL
    );
    for name in ["all bytes counted", "guest holds no body", "status is 200"] {
        let c = r.checks.get(name).unwrap();
        check!(run, (c.passed, c.failed) == (6, 0), "check {name}");
    }
    check!(run, r.totals.iterations.completed == 6);
}
