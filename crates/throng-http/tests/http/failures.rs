//! Failures are sorted into kinds, with short messages and the timings
//! measured before them.

use std::time::{Duration, Instant};

use throng_http::{ErrorKind, Request};

use crate::harness::{Server, both, client, closed_port, raw_server};

#[tokio::test]
async fn connection_refused_is_connect() {
    let addr = closed_port().await;
    let mut session = client().session();
    let err = session
        .send(Request::get(format!("http://{addr}/")))
        .await
        .unwrap_err();
    assert_eq!(err.kind, ErrorKind::Connect);
    assert_eq!(err.message, format!("connection refused ({addr})"));
    assert_eq!(session.connections_opened(), 0);
}

both!(silent_server_times_out_on_time, |proto| {
    let server = Server::start(proto).await;
    let mut session = client().session();
    let started = Instant::now();
    let err = session
        .send(Request {
            timeout: Some(Duration::from_millis(200)),
            ..Request::get(server.url("/never"))
        })
        .await
        .unwrap_err();
    let took = started.elapsed();
    assert_eq!(err.kind, ErrorKind::Timeout);
    assert_eq!(err.message, "request timed out after 200ms");
    assert!(
        took >= Duration::from_millis(200) && took < Duration::from_millis(1000),
        "{took:?}"
    );
    // The phase it was stuck in is counted too.
    assert!(
        err.timings.waiting >= Duration::from_millis(100),
        "{:?}",
        err.timings
    );

    // The session goes on, on a new connection.
    let response = session
        .send(Request::get(server.url("/echo")))
        .await
        .unwrap();
    assert!(!response.reused_connection);
});

#[tokio::test]
async fn malformed_response_is_protocol() {
    let base = raw_server(b"this is not http\r\n\r\n").await;
    let err = client()
        .session()
        .send(Request::get(format!("{base}/")))
        .await
        .unwrap_err();
    assert_eq!(err.kind, ErrorKind::Protocol);
    assert!(
        err.message.starts_with("invalid HTTP response"),
        "{}",
        err.message
    );
}

#[tokio::test]
async fn body_cut_short_is_protocol_with_bytes_so_far() {
    let base = raw_server(b"HTTP/1.1 200 OK\r\ncontent-length: 100\r\n\r\nabc").await;
    let err = client()
        .session()
        .send(Request::get(format!("{base}/")))
        .await
        .unwrap_err();
    assert_eq!(err.kind, ErrorKind::Protocol);
    assert_eq!(err.body_bytes, 3);
    assert!(
        err.message.contains("reading the response body"),
        "{}",
        err.message
    );
}
