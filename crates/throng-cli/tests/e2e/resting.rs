//! VUs that give back their fiber stack while they think (`stacks.rs` in
//! throng-host): between iterations the whole stack goes, and during a
//! guest's own sleep the part below its frames. The guest must go on as
//! if nothing happened: its frames, its login token and its counts intact.

use std::ffi::OsStr;

use throng_test_guests::JOURNEY_CLINICIAN;

use crate::check;
use crate::harness::{exclusive, target, throng};

/// `vus` clinicians, `iterations` each, thinking 0.6 s inside the guest
/// (`sleep_between`, a host call the fiber is suspended in) and 0.6 s
/// between iterations (`--think-time`): both are past the engine's
/// `REST_AFTER`, so every pause gives back stack pages.
async fn clinicians_rest_and_go_on(journey: &OsStr, vus: u64, iterations: u64, layout: &str) {
    let target = target().await;
    let _turn = exclusive().await;
    let base = format!("base_url={}", target.base_url());
    let (vus_arg, iterations_arg) = (vus.to_string(), iterations.to_string());
    let run = throng([
        "run".as_ref(),
        journey,
        "--vus".as_ref(),
        vus_arg.as_ref(),
        "--iterations".as_ref(),
        iterations_arg.as_ref(),
        "--think-time".as_ref(),
        "600ms".as_ref(),
        "-p".as_ref(),
        base.as_ref(),
        "-p".as_ref(),
        "think_min_s=0.6".as_ref(),
        "-p".as_ref(),
        "think_max_s=0.6".as_ref(),
        "--memory-layout".as_ref(),
        layout.as_ref(),
    ])
    .await;
    check!(run, run.code == 0);
    let r = run.results();
    let count = |name: &str| r.endpoint(name).map_or(0, |e| e.requests);
    check!(run, count("login") == vus, "one login per VU");
    check!(run, count("query") + count("health") == vus * iterations);
    check!(run, r.totals.failed == 0);
    check!(
        run,
        r.totals.iterations.completed == vus * iterations,
        "every iteration completed"
    );
    check!(run, r.checks.failed == 0 && r.checks.passed > 0);
    // Each query carried the token kept in guest memory since `on_start`.
    check!(run, !target.stats().by_status.contains_key(&401));
}

/// A resting Rust VU also gives back its guest's shadow stack, in its
/// linear memory (`memory.rs` in throng-host): the guest's heap and data,
/// just above it, must come through intact. In the fast layout throng
/// makes the memories for that when every journey is laid out stack
/// first, as the clinician is; in the compact layout always.
#[tokio::test(flavor = "multi_thread")]
async fn a_rust_vu_goes_on_after_giving_back_its_stack() {
    clinicians_rest_and_go_on(JOURNEY_CLINICIAN.as_ref(), 4, 3, "fast").await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_rust_vu_goes_on_after_giving_back_its_guest_stack_too() {
    clinicians_rest_and_go_on(JOURNEY_CLINICIAN.as_ref(), 4, 3, "compact").await;
}

/// StarlingMonkey's interpreter keeps deep frames on the fiber stack while
/// the guest sleeps.
#[tokio::test(flavor = "multi_thread")]
async fn a_javascript_vu_goes_on_after_giving_back_its_stack() {
    let journey = crate::js::component("clinician-js");
    clinicians_rest_and_go_on(journey.as_os_str(), 3, 3, "fast").await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_python_vu_goes_on_after_giving_back_its_stack() {
    let journey = crate::python::component("clinician-py");
    clinicians_rest_and_go_on(journey.as_ref(), 3, 3, "fast").await;
}
