//! Connections and requests as the server counts them, the request log, and
//! stopping.

use std::time::Duration;

use http::StatusCode;
use throng_target::TargetConfig;
use tokio::net::TcpStream;

use crate::harness::{Client, PROTOCOLS, Proto, start, start_default, wait_until};

#[tokio::test]
async fn keep_alive_reuses_one_connection() {
    for proto in PROTOCOLS {
        let target = start_default().await;
        let mut client = Client::connect(&target, proto).await;
        for _ in 0..5 {
            assert_eq!(client.get("/health").await.status, StatusCode::OK);
        }
        let stats = target.stats();
        assert_eq!(stats.connections_accepted, 1, "{proto:?}");
        assert_eq!(stats.connections_open, 1, "{proto:?}");
        assert_eq!(stats.requests, 5, "{proto:?}");
        assert_eq!(stats.by_route["GET /health"], 5, "{proto:?}");
        let version = if proto == Proto::H1 {
            "HTTP/1.1"
        } else {
            "HTTP/2.0"
        };
        assert_eq!(stats.by_version[version], 5, "{proto:?}");
    }
}

#[tokio::test]
async fn http2_multiplexes_concurrent_requests_on_one_connection() {
    let target = start_default().await;
    let client = Client::connect(&target, Proto::H2).await;
    let requests = (0..10).map(|_| {
        let mut client = client.h2_clone();
        tokio::spawn(async move { client.get("/delay/50").await.status })
    });
    let (statuses, took) = crate::harness::timed(async {
        let mut statuses = Vec::new();
        for request in requests.collect::<Vec<_>>() {
            statuses.push(request.await.unwrap());
        }
        statuses
    })
    .await;
    assert!(
        statuses.iter().all(|s| *s == StatusCode::OK),
        "{statuses:?}"
    );
    // Ten 50 ms sleeps in parallel, not in sequence.
    assert!(took < Duration::from_millis(400), "{took:?}");
    let stats = target.stats();
    assert_eq!((stats.connections_accepted, stats.requests), (1, 10));
}

#[tokio::test]
async fn request_log_records_route_connection_and_time() {
    let target = start(TargetConfig {
        record_requests: true,
        ..TargetConfig::default()
    })
    .await;
    let mut first = Client::connect(&target, Proto::H1).await;
    first.get("/fast").await;
    first.get("/delay/30").await;
    let mut second = Client::connect(&target, Proto::H2).await;
    second.get("/nowhere").await;

    let log = target.request_log();
    let summary: Vec<(&str, u64)> = log
        .iter()
        .map(|r| (r.route.as_str(), r.connection_id))
        .collect();
    assert_eq!(
        summary,
        [
            ("GET /fast", 1),
            ("GET /delay/{ms}", 1),
            ("GET (unmatched)", 2)
        ]
    );
    assert_eq!(log[2].version, http::Version::HTTP_2);
    // The third request arrived after the 30 ms delay had been served.
    assert!(log[2].since_start - log[1].since_start >= Duration::from_millis(30));
    assert!(log[0].received_at <= log[1].received_at);
}

#[tokio::test]
async fn request_log_is_off_by_default() {
    let target = start_default().await;
    Client::connect(&target, Proto::H1).await.get("/fast").await;
    assert!(target.request_log().is_empty());
    assert_eq!(target.stats().requests, 1);
}

#[tokio::test]
async fn connections_are_counted_per_client() {
    let target = start_default().await;
    let mut clients = Vec::new();
    for _ in 0..4 {
        let mut client = Client::connect(&target, Proto::H1).await;
        client.get("/fast").await;
        clients.push(client);
    }
    let stats = target.stats();
    assert_eq!((stats.connections_accepted, stats.connections_open), (4, 4));
    drop(clients);
    wait_until(|| target.stats().connections_open == 0).await;
}

#[tokio::test]
async fn idle_connections_stay_open_by_default() {
    let target = start_default().await;
    let mut client = Client::connect(&target, Proto::H1).await;
    client.get("/fast").await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    client.get("/fast").await;
    assert_eq!(target.stats().connections_accepted, 1);
}

#[tokio::test]
async fn idle_timeout_closes_idle_http1_connections() {
    let target = start(TargetConfig {
        idle_timeout: Some(Duration::from_millis(100)),
        ..TargetConfig::default()
    })
    .await;
    let mut client = Client::connect(&target, Proto::H1).await;
    client.get("/fast").await;
    wait_until(|| target.stats().connections_open == 0).await;
    assert!(
        client.try_get("/fast").await.is_err(),
        "the connection is closed"
    );
    assert_eq!(target.stats().requests, 1);
}

#[tokio::test]
async fn shutdown_closes_connections_and_stops_accepting() {
    let target = start_default().await;
    let addr = target.addr();
    let mut client = Client::connect(&target, Proto::H1).await;
    client.get("/fast").await;

    tokio::time::timeout(Duration::from_secs(2), target.shutdown())
        .await
        .expect("an idle keep-alive connection does not hold up shutdown");
    assert!(TcpStream::connect(addr).await.is_err(), "still accepting");
}

#[tokio::test]
async fn shutdown_waits_for_requests_in_flight() {
    let target = start_default().await;
    let mut client = Client::connect(&target, Proto::H1).await;
    let in_flight = tokio::spawn(async move { client.get("/delay/100").await.status });
    wait_until(|| target.stats().requests == 1).await;
    target.shutdown().await;
    assert_eq!(in_flight.await.unwrap(), StatusCode::OK);
}

#[tokio::test]
async fn dropping_the_target_stops_it() {
    let target = start_default().await;
    let addr = target.addr();
    drop(target);
    let mut refused = false;
    for _ in 0..100 {
        if TcpStream::connect(addr).await.is_err() {
            refused = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert!(refused, "still accepting on {addr} after drop");
}
