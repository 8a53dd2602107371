//! The client against throng-target's misbehaving servers: every fault is
//! sorted into a kind, with a message that says what happened, and none
//! outlives the request's timeout.

use std::time::{Duration, Instant};

use throng_http::{Client, ClientOptions, ErrorKind, Request, RequestError};
use throng_target::faults::{
    Fault, FaultTarget, FullBacklog, RESET_SENT, SHORT_BODY_SENT, TRICKLE_INTERVAL,
};
use throng_target::{Target, TargetConfig};

use crate::harness::client;

/// Sends `GET url` with `timeout` and expects a failure.
async fn fails(url: String, timeout: Duration) -> (RequestError, Duration) {
    let started = Instant::now();
    let err = client()
        .session()
        .send(Request {
            timeout: Some(timeout),
            ..Request::get(url)
        })
        .await
        .unwrap_err();
    (err, started.elapsed())
}

#[tokio::test]
async fn a_reset_in_the_body_is_protocol_with_the_bytes_before_it() {
    let faults = FaultTarget::start().await.unwrap();
    let (err, _) = fails(faults.url(Fault::Reset), Duration::from_secs(10)).await;
    assert_eq!(err.kind, ErrorKind::Protocol, "{err:?}");
    assert_eq!(
        err.message,
        "connection reset by peer while reading the response body"
    );
    assert_eq!(err.body_bytes, RESET_SENT);
}

#[tokio::test]
async fn a_silent_server_is_a_timeout_and_the_connection_is_closed() {
    let faults = FaultTarget::start().await.unwrap();
    let timeout = Duration::from_millis(300);
    let (err, took) = fails(faults.url(Fault::Silent), timeout).await;
    assert_eq!(err.kind, ErrorKind::Timeout);
    assert_eq!(err.message, "request timed out after 300ms");
    assert!(took >= timeout && took < Duration::from_secs(5), "{took:?}");
    assert_eq!(faults.stats().by_fault[&Fault::Silent], 1);
    // The client let go of the socket, so the server saw it close.
    wait_until(|| faults.stats().connections_open == 0).await;
}

#[tokio::test]
async fn trickling_is_a_timeout_in_the_head_and_in_the_body() {
    let faults = FaultTarget::start().await.unwrap();
    let timeout = TRICKLE_INTERVAL + TRICKLE_INTERVAL / 2;
    for fault in [Fault::Trickle, Fault::TrickleBody] {
        let (err, took) = fails(faults.url(fault), timeout).await;
        assert_eq!(err.kind, ErrorKind::Timeout, "{fault:?}");
        assert!(took < timeout * 3, "{fault:?} {took:?}");
        if fault == Fault::TrickleBody {
            // The head came at once, the first body bytes with and after it.
            assert!((1..=3).contains(&err.body_bytes), "{err:?}");
            assert!(err.timings.receiving > Duration::ZERO, "{err:?}");
        } else {
            assert_eq!(err.body_bytes, 0, "{err:?}");
        }
    }
}

#[tokio::test]
async fn malformed_http_is_protocol() {
    let faults = FaultTarget::start().await.unwrap();
    let timeout = Duration::from_secs(10);
    let (err, _) = fails(faults.url(Fault::BadStatus), timeout).await;
    assert_eq!(err.kind, ErrorKind::Protocol);
    assert_eq!(
        err.message,
        "invalid HTTP response: invalid HTTP status-code parsed"
    );
    let (err, _) = fails(faults.url(Fault::BadHeader), timeout).await;
    assert_eq!(err.kind, ErrorKind::Protocol);
    assert_eq!(
        err.message,
        "invalid HTTP response: invalid HTTP header parsed"
    );
    let (err, _) = fails(faults.url(Fault::ShortBody), timeout).await;
    assert_eq!(err.kind, ErrorKind::Protocol);
    assert_eq!(
        err.message,
        "connection closed early while reading the response body"
    );
    assert_eq!(err.body_bytes, SHORT_BODY_SENT);
}

#[tokio::test]
async fn a_connect_that_never_completes_is_a_connect_error_after_the_connect_timeout() {
    let backlog = match FullBacklog::start().await {
        Ok(backlog) => backlog,
        // Linux drops SYNs to a full queue; elsewhere it may not.
        Err(e) if e.kind() == std::io::ErrorKind::Unsupported && !cfg!(target_os = "linux") => {
            return;
        }
        Err(e) => panic!("{e}"),
    };
    let client = Client::new(ClientOptions {
        connect_timeout: Duration::from_millis(300),
        ..ClientOptions::default()
    })
    .unwrap();
    let started = Instant::now();
    let err = client
        .session()
        .send(Request::get(format!("{}/", backlog.base_url())))
        .await
        .unwrap_err();
    let took = started.elapsed();
    assert_eq!(err.kind, ErrorKind::Connect, "{err:?}");
    assert_eq!(
        err.message,
        format!("timed out after 300ms connecting to {}", backlog.addr())
    );
    assert!(took < Duration::from_secs(5), "{took:?}");
    assert!(err.timings.connect >= Duration::from_millis(250), "{err:?}");

    // A request timeout shorter than the connect timeout wins.
    let (err, _) = fails(
        format!("{}/", backlog.base_url()),
        Duration::from_millis(200),
    )
    .await;
    assert_eq!(err.kind, ErrorKind::Timeout, "{err:?}");
}

#[tokio::test]
async fn a_killed_server_refuses_then_serves_again_after_its_restart() {
    let mut target = Target::start(TargetConfig::default()).await.unwrap();
    let url = format!("{}/fast", target.base_url());
    let mut session = client().session();
    session.send(Request::get(url.clone())).await.unwrap();

    target.kill().await;
    // The kept-alive connection is gone and the port is closed.
    let err = session.send(Request::get(url.clone())).await.unwrap_err();
    assert_eq!(err.kind, ErrorKind::Connect, "{err:?}");
    assert!(err.message.starts_with("connection refused"), "{err:?}");

    target.restart().await.unwrap();
    let response = session.send(Request::get(url)).await.unwrap();
    assert_eq!(response.status, 200);
    assert_eq!(target.stats().requests, 2);
}

#[tokio::test]
async fn a_request_in_flight_when_the_server_dies_is_protocol() {
    let mut target = Target::start(TargetConfig::default()).await.unwrap();
    let url = format!("{}/delay/5000", target.base_url());
    let request = tokio::spawn(async move { client().session().send(Request::get(url)).await });
    wait_until(|| target.stats().requests == 1).await;
    target.kill().await;
    let err = request.await.unwrap().unwrap_err();
    assert_eq!(err.kind, ErrorKind::Protocol, "{err:?}");
    assert_eq!(
        err.message,
        "connection closed before the response was complete"
    );
}

/// Polls `done` every 10 ms for up to 5 s.
async fn wait_until(done: impl Fn() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(5);
    while !done() {
        assert!(Instant::now() < deadline, "condition not met within 5 s");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}
