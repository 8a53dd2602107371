//! The fault-injecting servers, seen from a raw socket: the exact bytes
//! each fault writes, how it ends the connection, and the demo target's
//! kill and restart.

use std::io::ErrorKind;
use std::time::Duration;

use http::StatusCode;
use throng_target::faults::{
    Fault, FaultTarget, FullBacklog, RESET_DECLARED, RESET_SENT, SHORT_BODY_DECLARED,
    SHORT_BODY_SENT, TRICKLE_BODY, TRICKLE_INTERVAL,
};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::harness::{Client, Proto, start_default, timed, wait_until};

/// Connects and sends `GET path`.
async fn request(faults: &FaultTarget, path: &str) -> TcpStream {
    let mut stream = TcpStream::connect(faults.addr()).await.unwrap();
    let head = format!("GET {path} HTTP/1.1\r\nhost: x\r\n\r\n");
    stream.write_all(head.as_bytes()).await.unwrap();
    stream
}

/// Reads until the server closes; the bytes, and the error that ended the
/// read if it was not a clean end.
async fn read_all(stream: &mut TcpStream) -> (Vec<u8>, Option<ErrorKind>) {
    let mut received = Vec::new();
    let mut buf = [0; 4096];
    loop {
        match stream.read(&mut buf).await {
            Ok(0) => return (received, None),
            Ok(n) => received.extend_from_slice(&buf[..n]),
            Err(e) => return (received, Some(e.kind())),
        }
    }
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[tokio::test]
async fn reset_sends_part_of_the_declared_body_then_a_reset() {
    let faults = FaultTarget::start().await.unwrap();
    let mut stream = request(&faults, "/reset").await;
    let (received, error) = read_all(&mut stream).await;
    let head = format!("HTTP/1.1 200 OK\r\ncontent-length: {RESET_DECLARED}\r\n\r\n");
    assert_eq!(received.len() as u64, head.len() as u64 + RESET_SENT);
    assert!(text(&received).starts_with(&head), "{}", text(&received));
    assert_eq!(error, Some(ErrorKind::ConnectionReset));
}

#[tokio::test]
async fn malformed_answers_are_written_as_they_are() {
    let faults = FaultTarget::start().await.unwrap();
    let cases = [
        (
            Fault::BadStatus,
            "HTTP/1.1 2x0 OK\r\ncontent-length: 2\r\n\r\nok".to_owned(),
        ),
        (
            Fault::BadHeader,
            "HTTP/1.1 200 OK\r\nthis line has no colon\r\ncontent-length: 2\r\n\r\nok".to_owned(),
        ),
        (
            Fault::ShortBody,
            format!(
                "HTTP/1.1 200 OK\r\ncontent-length: {SHORT_BODY_DECLARED}\r\nconnection: close\r\n\r\n{}",
                "x".repeat(SHORT_BODY_SENT as usize)
            ),
        ),
    ];
    for (fault, expected) in cases {
        let mut stream = request(&faults, fault.path()).await;
        let (received, error) = read_all(&mut stream).await;
        assert_eq!(text(&received), expected, "{fault:?}");
        assert_eq!(error, None, "{fault:?} ends with a clean close");
    }
    let stats = faults.stats();
    assert_eq!((stats.connections_accepted, stats.requests), (3, 3));
    assert_eq!(stats.by_fault[&Fault::BadStatus], 1);
    assert_eq!(stats.by_fault[&Fault::Reset], 0);
}

#[tokio::test]
async fn unknown_paths_are_404() {
    let faults = FaultTarget::start().await.unwrap();
    let mut stream = request(&faults, "/nothing-here").await;
    let (received, _) = read_all(&mut stream).await;
    assert!(text(&received).starts_with("HTTP/1.1 404 Not Found\r\n"));
    assert_eq!(faults.stats().requests, 1);
    assert!(faults.stats().by_fault.values().all(|n| *n == 0));
}

#[tokio::test]
async fn silent_reads_the_request_and_holds_the_connection_until_the_client_leaves() {
    let faults = FaultTarget::start().await.unwrap();
    let mut stream = request(&faults, "/silent").await;
    wait_until(|| faults.stats().by_fault[&Fault::Silent] == 1).await;
    let mut buf = [0; 16];
    let read = tokio::time::timeout(Duration::from_millis(300), stream.read(&mut buf)).await;
    assert!(read.is_err(), "the server wrote or closed: {read:?}");
    assert_eq!(faults.stats().connections_open, 1);
    drop(stream);
    wait_until(|| faults.stats().connections_open == 0).await;
}

#[tokio::test]
async fn trickle_writes_one_byte_per_interval() {
    let faults = FaultTarget::start().await.unwrap();
    // Whole response: the first byte at once, the second an interval later.
    let mut stream = request(&faults, "/trickle").await;
    let mut buf = [0; 64];
    let n = stream.read(&mut buf).await.unwrap();
    assert_eq!(&buf[..n], b"H");
    let (n, took) = timed(stream.read(&mut buf)).await;
    assert_eq!(&buf[..n.unwrap()], b"T");
    assert!(took >= TRICKLE_INTERVAL / 2, "{took:?}");

    // Body only: the whole head and the first body byte at once.
    let mut stream = request(&faults, "/trickle-body").await;
    let head = format!(
        "HTTP/1.1 200 OK\r\ncontent-length: {}\r\nconnection: close\r\n\r\n",
        TRICKLE_BODY.len()
    );
    let mut received = Vec::new();
    while received.len() < head.len() + 1 {
        let n = stream.read(&mut buf).await.unwrap();
        received.extend_from_slice(&buf[..n]);
    }
    assert_eq!(text(&received), format!("{head}o"));
}

#[tokio::test]
async fn connecting_to_a_full_backlog_hangs() {
    let backlog = match FullBacklog::start().await {
        Ok(backlog) => backlog,
        // Not every system drops SYNs to a full accept queue; Linux does,
        // so there the test must run.
        Err(e) if e.kind() == ErrorKind::Unsupported && !cfg!(target_os = "linux") => return,
        Err(e) => panic!("{e}"),
    };
    let connect = TcpStream::connect(backlog.addr());
    let outcome = tokio::time::timeout(Duration::from_millis(500), connect).await;
    assert!(outcome.is_err(), "connected: {outcome:?}");
}

#[tokio::test]
async fn a_killed_target_refuses_connections_until_it_restarts() {
    let mut target = start_default().await;
    let mut client = Client::connect(&target, Proto::H1).await;
    assert_eq!(client.get("/health").await.status, StatusCode::OK);

    target.kill().await;
    let refused = TcpStream::connect(target.addr()).await.unwrap_err();
    assert_eq!(refused.kind(), ErrorKind::ConnectionRefused);
    // The kept-alive connection was closed too.
    wait_until(|| target.stats().connections_open == 0).await;

    target.restart().await.unwrap();
    let mut client = Client::connect(&target, Proto::H1).await;
    assert_eq!(client.get("/health").await.status, StatusCode::OK);
    let stats = target.stats();
    // The counters span both lives.
    assert_eq!((stats.connections_accepted, stats.requests), (2, 2));

    // An outage is a kill, a pause and a restart.
    let (outcome, took) = timed(target.outage(Duration::from_millis(200))).await;
    outcome.unwrap();
    assert!(took >= Duration::from_millis(200), "{took:?}");
    let mut client = Client::connect(&target, Proto::H1).await;
    assert_eq!(client.get("/health").await.status, StatusCode::OK);
}

#[tokio::test]
async fn a_kill_drops_requests_in_flight_unanswered() {
    let mut target = start_default().await;
    let mut stream = TcpStream::connect(target.addr()).await.unwrap();
    stream
        .write_all(b"GET /delay/5000 HTTP/1.1\r\nhost: x\r\n\r\n")
        .await
        .unwrap();
    wait_until(|| target.stats().requests == 1).await;
    let ((), took) = timed(target.kill()).await;
    // Not the 5 s of the delay, nor a graceful wait.
    assert!(took < Duration::from_secs(2), "{took:?}");
    let (received, _) = read_all(&mut stream).await;
    assert!(received.is_empty(), "{}", text(&received));
}
