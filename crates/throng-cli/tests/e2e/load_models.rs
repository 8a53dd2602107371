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
