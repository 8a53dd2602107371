//! `POST /login` and `POST /query`.

use std::time::Duration;

use http::StatusCode;
use serde_json::json;
use throng_target::{Latency, TargetConfig};

use crate::harness::{Client, PROTOCOLS, start, start_default, timed};

#[tokio::test]
async fn login_issues_tokens_to_known_users_only() {
    let target = start_default().await;
    for proto in PROTOCOLS {
        let mut client = Client::connect(&target, proto).await;

        let ok = client
            .post(
                "/login",
                json!({"username": "admin", "password": "admin"}),
                None,
            )
            .await;
        assert_eq!(ok.status, StatusCode::OK, "{proto:?}");
        let token = ok.json()["token"].as_str().unwrap().to_owned();
        assert_eq!(token.len(), 32);

        let wrong = client
            .post(
                "/login",
                json!({"username": "admin", "password": "nope"}),
                None,
            )
            .await;
        assert_eq!(wrong.status, StatusCode::UNAUTHORIZED, "{proto:?}");
        assert_eq!(wrong.json()["error"], "invalid credentials");

        let malformed = client.post_raw("/login", r#"{"username": "admin""#).await;
        assert_eq!(malformed.status, StatusCode::BAD_REQUEST, "{proto:?}");
        let missing_field = client
            .post("/login", json!({"username": "admin"}), None)
            .await;
        assert_eq!(missing_field.status, StatusCode::BAD_REQUEST, "{proto:?}");
    }
    let stats = target.stats();
    assert_eq!(stats.by_route["POST /login"], 8);
    assert_eq!(stats.by_status[&200], 2);
    assert_eq!(stats.by_status[&401], 2);
    assert_eq!(stats.by_status[&400], 4);
}

#[tokio::test]
async fn login_accepts_configured_users() {
    let target = start(TargetConfig {
        users: vec![("vu-1".into(), "pw".into())],
        ..TargetConfig::default()
    })
    .await;
    let mut client = Client::connect(&target, crate::harness::Proto::H1).await;
    let custom = client
        .post(
            "/login",
            json!({"username": "vu-1", "password": "pw"}),
            None,
        )
        .await;
    assert_eq!(custom.status, StatusCode::OK);
    let default = client
        .post(
            "/login",
            json!({"username": "clinician", "password": "secret"}),
            None,
        )
        .await;
    assert_eq!(default.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn query_needs_a_token_and_takes_the_configured_latency() {
    let latency = Duration::from_millis(40);
    let target = start(TargetConfig {
        query_latency: Latency::Fixed(latency),
        ..TargetConfig::default()
    })
    .await;
    let question = json!({"patient_id": 7, "question": "latest HbA1c?"});
    for proto in PROTOCOLS {
        let mut client = Client::connect(&target, proto).await;

        let anonymous = client.post("/query", question.clone(), None).await;
        assert_eq!(anonymous.status, StatusCode::UNAUTHORIZED, "{proto:?}");
        let forged = client
            .post("/query", question.clone(), Some("forged"))
            .await;
        assert_eq!(forged.status, StatusCode::UNAUTHORIZED, "{proto:?}");

        let token = client.login().await;
        let (answer, took) = timed(client.post("/query", question.clone(), Some(&token))).await;
        assert_eq!(answer.status, StatusCode::OK, "{proto:?}");
        assert!(
            took >= latency,
            "{proto:?}: answered in {took:?}, before {latency:?}"
        );
        assert!(
            took < latency + Duration::from_millis(500),
            "{proto:?}: {took:?}"
        );
        assert_eq!(answer.headers["server-timing"], "query;dur=40.000");
        let body = answer.json();
        assert_eq!(body["patient_id"], 7);
        assert!(body["answer"].as_str().unwrap().contains("latest HbA1c?"));
        assert_eq!(body["sources"].as_array().unwrap().len(), 3);

        let by_name = json!({"patient_id": "p-0042", "question": "allergies?"});
        let answer = client.post("/query", by_name, Some(&token)).await;
        assert_eq!(answer.json()["patient_id"], "p-0042");

        let malformed = json!({"patient_id": [1], "question": "?"});
        let refused = client.post("/query", malformed, Some(&token)).await;
        assert_eq!(refused.status, StatusCode::BAD_REQUEST, "{proto:?}");
    }
    assert_eq!(target.stats().by_route["POST /query"], 10);
}
