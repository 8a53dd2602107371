//! Training jobs: create, poll, cancel, trajectories.

use std::time::Duration;

use http::StatusCode;
use serde_json::{Value, json};
use throng_target::{JobTimings, TargetConfig};

use crate::harness::{Client, Proto, start};

/// Queued for 100 ms, running for 200 ms: completed at 300 ms.
async fn quick_jobs() -> throng_target::Target {
    start(TargetConfig {
        jobs: JobTimings {
            queued: Duration::from_millis(100),
            running: Duration::from_millis(200),
        },
        ..TargetConfig::default()
    })
    .await
}

#[tokio::test]
async fn job_lifecycle_create_poll_cancel() {
    let target = quick_jobs().await;
    let mut client = Client::connect(&target, Proto::H1).await;

    let created = client
        .post("/training/jobs", json!({"epochs": 3}), None)
        .await;
    assert_eq!(created.status, StatusCode::CREATED);
    let job = created.json();
    assert_eq!(
        (job["id"].clone(), job["status"].clone()),
        (json!(1), json!("queued"))
    );

    let polled = client.get("/training/jobs/1").await.json();
    assert_eq!(polled["status"], "queued");
    assert_eq!(polled["progress"], 0.0);
    assert_eq!(polled["config"], json!({"epochs": 3}));

    tokio::time::sleep(Duration::from_millis(150)).await;
    let running = client.get("/training/jobs/1").await.json();
    assert_eq!(running["status"], "running");
    let progress = running["progress"].as_f64().unwrap();
    assert!(progress > 0.0 && progress < 1.0, "{progress}");

    let cancelled = client
        .post("/training/jobs/1/cancel", Value::Null, None)
        .await;
    assert_eq!(cancelled.status, StatusCode::OK);
    let cancelled = cancelled.json();
    assert_eq!(cancelled["status"], "cancelled");
    let frozen = cancelled["progress"].as_f64().unwrap();
    assert!(frozen >= progress, "{frozen} < {progress}");

    // Past the completion time, a cancelled job stays cancelled.
    tokio::time::sleep(Duration::from_millis(200)).await;
    let later = client.get("/training/jobs/1").await.json();
    assert_eq!(later["status"], "cancelled");
    assert_eq!(later["progress"].as_f64().unwrap(), frozen);
    let again = client
        .post("/training/jobs/1/cancel", Value::Null, None)
        .await;
    assert_eq!(again.status, StatusCode::OK);
}

#[tokio::test]
async fn completed_jobs_cannot_be_cancelled() {
    let target = quick_jobs().await;
    let mut client = Client::connect(&target, Proto::H2).await;
    // No body at all: the config is optional.
    let created = client.post_raw("/training/jobs", "").await;
    assert_eq!(created.status, StatusCode::CREATED);
    assert_eq!(created.json()["config"], Value::Null);

    tokio::time::sleep(Duration::from_millis(320)).await;
    let done = client.get("/training/jobs/1").await.json();
    assert_eq!(
        (done["status"].clone(), done["progress"].clone()),
        (json!("completed"), json!(1.0))
    );
    let refused = client
        .post("/training/jobs/1/cancel", Value::Null, None)
        .await;
    assert_eq!(refused.status, StatusCode::CONFLICT);
}

#[tokio::test]
async fn job_ids_increase_and_unknown_ids_are_404() {
    let target = quick_jobs().await;
    let mut client = Client::connect(&target, Proto::H1).await;
    for expected in 1..=3 {
        let job = client.post("/training/jobs", json!({}), None).await.json();
        assert_eq!(job["id"], expected);
    }
    for path in [
        "/training/jobs/4",
        "/training/jobs/x",
        "/training/jobs/9/trajectories",
    ] {
        assert_eq!(
            client.get(path).await.status,
            StatusCode::NOT_FOUND,
            "{path}"
        );
    }
    let cancel_unknown = client
        .post("/training/jobs/4/cancel", Value::Null, None)
        .await;
    assert_eq!(cancel_unknown.status, StatusCode::NOT_FOUND);

    let not_an_object = client.post("/training/jobs", json!([1, 2]), None).await;
    assert_eq!(not_an_object.status, StatusCode::BAD_REQUEST);
    let malformed = client.post_raw("/training/jobs", "{epochs").await;
    assert_eq!(malformed.status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn trajectories_are_deterministic() {
    let target = quick_jobs().await;
    let mut client = Client::connect(&target, Proto::H1).await;
    client.post("/training/jobs", json!({}), None).await;

    let first = client.get("/training/jobs/1/trajectories").await;
    assert_eq!(first.status, StatusCode::OK);
    let list = first.json();
    let list = list.as_array().unwrap();
    assert_eq!(list.len(), 3);
    for trajectory in list {
        let steps = trajectory["steps"].as_array().unwrap();
        assert_eq!(steps.len(), 5);
        let sum: f64 = steps.iter().map(|s| s["reward"].as_f64().unwrap()).sum();
        assert!((sum - trajectory["return"].as_f64().unwrap()).abs() < 1e-9);
    }
    let second = client.get("/training/jobs/1/trajectories").await;
    assert_eq!(first.body, second.body);
}
