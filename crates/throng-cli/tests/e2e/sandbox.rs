//! The sandbox's network capability: requests go only to allowed hosts,
//! and a refused one never reaches a socket.

use std::io::ErrorKind as IoErrorKind;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use throng_metrics::{ErrorClass, RunResults};
use throng_test_guests::GUEST_GET;

use crate::check;
use crate::harness::{Throng, exclusive, target, throng};

/// A plan running `GUEST_GET` on `url`, with `allow_hosts` when given.
fn plan(dir: &Path, url: &str, allow_hosts: Option<&str>) -> PathBuf {
    let path = dir.join("plan.toml");
    let allow = allow_hosts.map_or(String::new(), |list| format!("allow_hosts = {list}\n"));
    std::fs::write(
        &path,
        format!(
            "module = {GUEST_GET:?}\n{allow}\n[params]\nurl = \"{url}\"\n\n[scenario]\nvus = 3\niterations = 4\n"
        ),
    )
    .unwrap();
    path
}

/// How many requests of the run failed as `denied`.
fn denied(r: &RunResults) -> u64 {
    r.totals
        .errors_by_class
        .get(&ErrorClass::Denied)
        .copied()
        .unwrap_or(0)
}

/// Whether some recorded error message contains `text`.
fn says(run: &Throng, text: &str) -> bool {
    run.results()
        .errors
        .messages
        .iter()
        .any(|m| m.message.contains(text))
}

/// Connections waiting on `listener`, taking them all.
fn pending(listener: &TcpListener) -> u64 {
    let mut count = 0;
    loop {
        match listener.accept() {
            Ok(_) => count += 1,
            Err(e) if e.kind() == IoErrorKind::WouldBlock => return count,
            Err(e) => panic!("accept: {e}"),
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_host_off_the_list_never_reaches_its_listening_socket() {
    let target = target().await;
    let _turn = exclusive().await;
    // A real listener the journey is pointed at; the plan allows only the
    // demo target. The kernel completes a TCP handshake without `accept`,
    // so any connection attempt would wait in its queue.
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    listener.set_nonblocking(true).unwrap();
    let forbidden = listener.local_addr().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let allowed = target.addr().to_string();
    let path = plan(
        dir.path(),
        &format!("http://{forbidden}/steal"),
        Some(&format!("[\"{allowed}\", \"*.example.com\"]")),
    );
    let run = throng(["run".as_ref(), path.as_os_str()]).await;
    let r = run.results();
    check!(
        run,
        pending(&listener) == 0,
        "a connection reached the socket"
    );
    check!(run, r.totals.requests == 12 && r.totals.failed == 12);
    check!(run, denied(r) == 12);
    check!(run, r.totals.errors_by_class.len() == 1);
    check!(run, r.totals.bytes_sent == 0);
    let it = &r.totals.iterations;
    check!(run, (it.completed, it.failed, it.interrupted) == (0, 12, 0));
    check!(
        run,
        says(
            &run,
            &format!(
                "{forbidden} is not an allowed host; add it to allow_hosts or pass --allow-host {forbidden}"
            )
        )
    );
    check!(
        run,
        run.stdout.contains("denied"),
        "the summary names the class"
    );

    // The same plan reaches the socket once the flag allows it: the
    // listener above was really there to be reached.
    let run = throng([
        "run".as_ref(),
        path.as_os_str(),
        "--allow-host".as_ref(),
        forbidden.to_string().as_ref(),
        "--timeout".as_ref(),
        "200ms".as_ref(),
        "--vus".as_ref(),
        "1".as_ref(),
        "--iterations".as_ref(),
        "1".as_ref(),
    ])
    .await;
    check!(run, denied(run.results()) == 0);
    check!(run, pending(&listener) >= 1, "the allowed request connects");
}

#[tokio::test(flavor = "multi_thread")]
async fn the_default_allows_the_params_hosts_and_allow_host_extends_it() {
    let target = target().await;
    let _turn = exclusive().await;
    let url = format!("{}/fast", target.base_url());
    let port = target.addr().port();
    // Quick to check: every request answered 200.
    let all_ok = |run: &Throng| {
        let r = run.results();
        r.totals.requests == 12 && r.totals.failed == 0
    };

    // Default: the host of `url`; `--allow-host` adds, not replaces.
    let param = format!("url={url}");
    let run = throng([
        "run",
        GUEST_GET,
        "--vus",
        "3",
        "--iterations",
        "4",
        "-p",
        &param,
        "--allow-host",
        "api.example.com",
    ])
    .await;
    check!(run, all_ok(&run));

    // `allow_hosts` replaces the default...
    let dir = tempfile::tempdir().unwrap();
    let path = plan(dir.path(), &url, Some(r#"["api.example.com"]"#));
    let path = path.to_str().unwrap();
    let run = throng(["run", path]).await;
    check!(run, denied(run.results()) == 12);
    // ...and `--allow-host` extends it, with or without the port...
    for entry in [format!("127.0.0.1:{port}"), "127.0.0.1".to_owned()] {
        let run = throng(["run", path, "--allow-host", &entry]).await;
        check!(run, all_ok(&run), "{entry}");
    }
    // ...but a different port is another host, and `*` allows all.
    let other = format!("127.0.0.1:{}", port.wrapping_add(1).max(1));
    let run = throng(["run", path, "--allow-host", &other]).await;
    check!(run, denied(run.results()) == 12);
    let run = throng(["run", path, "--allow-host", "*"]).await;
    check!(run, all_ok(&run));

    // `localhost` resolves to loopback, allowed because the entry is
    // `localhost` (here the default, from the URL).
    let param = format!("url=http://localhost:{port}/fast");
    let run = throng([
        "run",
        GUEST_GET,
        "--vus",
        "3",
        "--iterations",
        "4",
        "-p",
        &param,
    ])
    .await;
    check!(run, all_ok(&run));
}

#[tokio::test(flavor = "multi_thread")]
async fn the_metadata_address_is_denied_without_a_connect() {
    let _turn = exclusive().await;
    // Named in the params, yet link-local addresses never join the
    // default: reaching one takes an explicit entry.
    let started = Instant::now();
    let run = throng([
        "run",
        GUEST_GET,
        "--vus",
        "3",
        "--iterations",
        "4",
        "-p",
        "url=http://169.254.169.254/latest/meta-data/iam/security-credentials/",
    ])
    .await;
    let took = started.elapsed();
    let r = run.results();
    check!(run, r.totals.requests == 12 && denied(r) == 12);
    check!(run, r.totals.errors_by_class.len() == 1);
    check!(
        run,
        says(
            &run,
            "169.254.169.254:80 is not an allowed host; add it to allow_hosts or pass --allow-host 169.254.169.254:80"
        )
    );
    // A connect would have waited up to the 10 s connect timeout, 4 times
    // in a row per VU; the whole run took less than one.
    check!(run, r.phases.connect.max == 0.0, "{:?}", r.phases.connect);
    check!(run, took < Duration::from_secs(10), "took {took:?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_bad_allowed_host_is_refused_before_anything_runs() {
    let run = throng([
        "run",
        GUEST_GET,
        "-p",
        "url=http://127.0.0.1:9/",
        "--allow-host",
        "http://api.example.com",
    ])
    .await;
    check!(run, run.code == 2);
    check!(
        run,
        run.stderr.contains("--allow-host")
            && run
                .stderr
                .contains("\"http://api.example.com\" is a URL; write the host")
    );

    let dir = tempfile::tempdir().unwrap();
    let path = plan(
        dir.path(),
        "http://127.0.0.1:9/",
        Some(r#"["api.example.com", "api.example.com:99999"]"#),
    );
    let run = throng(["run".as_ref(), path.as_os_str()]).await;
    check!(run, run.code == 2);
    check!(
        run,
        run.stderr.contains(
            "plan.toml:2:35: allow_hosts[1]: \"api.example.com:99999\" has an invalid port \"99999\""
        )
    );
}
