//! End-to-end tests: the real `throng` binary runs compiled guest
//! components against real servers on 127.0.0.1, and the tests assert on
//! numbers known in advance.

mod harness;

mod accounting;
mod bad_input;
mod connections;
mod custom_metrics;
mod downloads;
mod examples;
mod faults;
mod hostile;
mod html;
mod init;
mod inspect;
mod journeys;
mod js;
mod latency;
mod live;
mod load_models;
mod modes;
mod outputs;
mod python;
mod resting;
mod sandbox;
mod signals;
mod thresholds;
mod wasi_http;

/// Every compiled guest is used by a test: a guest added without a line here
/// does not compile. Each line names the test that uses it.
mod every_guest_has_a_test {
    const GUEST_GET: &str = "latency::twenty_vus_by_fifty_iterations_of_a_20ms_endpoint";
    const GUEST_CHECKS: &str = "accounting::checks_are_counted_exactly";
    const GUEST_CUSTOM_METRICS: &str =
        "custom_metrics::custom_metrics_and_transactions_are_recorded_exactly";
    const GUEST_DOWNLOAD: &str = "downloads::a_25mb_download_in_discard_mode_counts_every_byte";
    const GUEST_NO_JOURNEY: &str = "bad_input::a_component_without_the_journey_export";
    const GUEST_OTHER_VERSION: &str = "bad_input::a_component_of_another_contract_version";
    const JOURNEY_HELLO: &str = "journeys::the_hello_journey_checks_health";
    const JOURNEY_CLINICIAN: &str =
        "journeys::the_clinician_logs_in_once_per_vu_then_runs_weighted_tasks";
    const THRONG_QUICK_GET: &str = "journeys::bundled_components_match_their_sources";
    const GUEST_FEEDER: &str = "load_models::sequential_unique_rows_are_each_used_exactly_once";
    const JOURNEY_TRAINING: &str =
        "examples::training_task_shares_hold_within_3_points_over_10000_iterations";
    const JOURNEY_DOWNLOAD: &str =
        "examples::model_download_clients_each_fetch_the_whole_model_once";
    const JOURNEY_LOGIN: &str = "examples::arrival_rate_starts_iterations_on_schedule";
    const GUEST_WASI_HTTP: &str =
        "wasi_http::wasi_http_requests_are_counted_timed_and_named_by_method_and_path";
    const GUEST_HOSTILE: &str = "hostile::a_busy_loop_or_a_long_sleep_stops_at_its_deadline";

    macro_rules! tested {
        ($name:ident) => {
            const _: &str = $name;
        };
    }
    throng_test_guests::for_each_guest!(tested);
}
