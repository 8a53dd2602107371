//! The test helper routes, and how unknown routes and methods are answered.

use std::time::Duration;

use http::header::{ALLOW, CONTENT_TYPE};
use http::{Method, StatusCode};

use crate::harness::{Client, PROTOCOLS, Proto, start_default, timed};

#[tokio::test]
async fn fast_answers_ok() {
    let target = start_default().await;
    for proto in PROTOCOLS {
        let reply = Client::connect(&target, proto).await.get("/fast").await;
        assert_eq!(
            (reply.status, &reply.body[..]),
            (StatusCode::OK, &b"ok"[..])
        );
        assert_eq!(reply.headers[CONTENT_TYPE], "text/plain");
    }
}

#[tokio::test]
async fn delay_sleeps_the_given_milliseconds() {
    let target = start_default().await;
    for proto in PROTOCOLS {
        let mut client = Client::connect(&target, proto).await;
        let (reply, took) = timed(client.get("/delay/20")).await;
        assert_eq!(reply.json()["delayed_ms"], 20);
        assert!(took >= Duration::from_millis(20), "{proto:?}: {took:?}");
        assert!(took < Duration::from_millis(500), "{proto:?}: {took:?}");
    }
    assert_eq!(target.stats().by_route["GET /delay/{ms}"], 2);
}

#[tokio::test]
async fn uniform_sleeps_within_the_range() {
    let target = start_default().await;
    let mut client = Client::connect(&target, Proto::H1).await;
    for _ in 0..5 {
        let (reply, took) = timed(client.get("/uniform/5/15")).await;
        let slept = reply.json()["slept_us"].as_u64().unwrap();
        assert!((5_000..=15_000).contains(&slept), "{slept}");
        assert!(
            took >= Duration::from_micros(slept),
            "{took:?} < {slept} µs"
        );
    }
    assert_eq!(
        client.get("/uniform/15/5").await.status,
        StatusCode::BAD_REQUEST
    );
}

#[tokio::test]
async fn status_answers_with_the_given_code() {
    let target = start_default().await;
    let mut client = Client::connect(&target, Proto::H1).await;
    let unavailable = client.get("/status/503").await;
    assert_eq!(unavailable.status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(unavailable.json()["status"], 503);
    let no_content = client.get("/status/204").await;
    assert_eq!(
        (no_content.status, no_content.body.len()),
        (StatusCode::NO_CONTENT, 0)
    );
    for bad in ["/status/abc", "/status/42", "/status/100"] {
        assert_eq!(
            client.get(bad).await.status,
            StatusCode::BAD_REQUEST,
            "{bad}"
        );
    }
    let stats = target.stats();
    assert_eq!(
        (
            stats.by_status[&503],
            stats.by_status[&204],
            stats.by_status[&400]
        ),
        (1, 1, 3)
    );
}

#[tokio::test]
async fn unknown_routes_are_404_and_wrong_methods_405() {
    let target = start_default().await;
    for proto in PROTOCOLS {
        let mut client = Client::connect(&target, proto).await;
        let missing = client.get("/nowhere").await;
        assert_eq!(missing.status, StatusCode::NOT_FOUND);
        assert_eq!(missing.json(), serde_json::json!({"error": "not found"}));

        let wrong = client
            .send(Method::DELETE, "/health", None, Default::default())
            .await;
        assert_eq!(wrong.status, StatusCode::METHOD_NOT_ALLOWED);
        assert_eq!(wrong.headers[ALLOW], "GET");
    }
    let stats = target.stats();
    assert_eq!(stats.requests, 4);
    assert!(stats.by_route.is_empty(), "{:?}", stats.by_route);
    assert_eq!((stats.by_status[&404], stats.by_status[&405]), (2, 2));
}
