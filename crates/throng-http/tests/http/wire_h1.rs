//! HTTP/1.1 as throng speaks it, against scripted raw servers: the exact
//! request on the wire, every way a response body can be framed, interim
//! responses, and kept-alive connections the server dropped; each written
//! at once and in batches.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use bytes::Bytes;
use throng_http::{BodyMode, ErrorKind, Request};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

use crate::harness::client;

/// What a scripted server does after reading one request.
#[derive(Debug, Clone, Copy)]
enum Step {
    /// Writes these bytes and reads the next request.
    Reply(&'static [u8]),
    /// Writes these bytes and closes.
    ReplyAndClose(&'static [u8]),
    /// Closes without a word.
    Close,
}

/// A server on 127.0.0.1 whose `n`th connection plays `scripts[n]` (the
/// last script again for any later ones) and keeps every request it read.
struct Scripted {
    base: String,
    requests: Arc<Mutex<Vec<Vec<u8>>>>,
    /// Connections the server has closed.
    closed: Arc<AtomicUsize>,
}

impl Scripted {
    async fn start(scripts: Vec<Vec<Step>>) -> Scripted {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let requests = Arc::new(Mutex::new(Vec::new()));
        let closed = Arc::new(AtomicUsize::new(0));
        let (log, counter) = (requests.clone(), closed.clone());
        tokio::spawn(async move {
            let mut n = 0;
            while let Ok((tcp, _)) = listener.accept().await {
                let script = scripts[n.min(scripts.len() - 1)].clone();
                n += 1;
                let (log, counter) = (log.clone(), counter.clone());
                tokio::spawn(async move {
                    play(tcp, script, log).await;
                    counter.fetch_add(1, Ordering::SeqCst);
                });
            }
        });
        Scripted {
            base,
            requests,
            closed,
        }
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    fn requests(&self) -> Vec<String> {
        let requests = self.requests.lock().unwrap();
        requests
            .iter()
            .map(|r| String::from_utf8_lossy(r).into_owned())
            .collect()
    }
}

async fn play(mut tcp: TcpStream, script: Vec<Step>, log: Arc<Mutex<Vec<Vec<u8>>>>) {
    let mut pending = Vec::new();
    for step in script {
        let Some(request) = read_request(&mut tcp, &mut pending).await else {
            return;
        };
        log.lock().unwrap().push(request);
        match step {
            Step::Reply(bytes) => {
                if tcp.write_all(bytes).await.is_err() {
                    return;
                }
            }
            Step::ReplyAndClose(bytes) => {
                let _ = tcp.write_all(bytes).await;
                return;
            }
            Step::Close => return,
        }
    }
}

/// One request: its head, and a body of its `content-length`.
async fn read_request(tcp: &mut TcpStream, pending: &mut Vec<u8>) -> Option<Vec<u8>> {
    loop {
        if let Some(end) = pending.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&pending[..end]).to_lowercase();
            let length: usize = head
                .lines()
                .find_map(|l| l.strip_prefix("content-length: "))
                .map_or(0, |v| v.trim().parse().unwrap());
            let total = end + 4 + length;
            if pending.len() >= total {
                return Some(pending.drain(..total).collect());
            }
        }
        let mut chunk = [0; 4096];
        match tcp.read(&mut chunk).await {
            Ok(0) | Err(_) => return None,
            Ok(n) => pending.extend_from_slice(&chunk[..n]),
        }
    }
}

/// A test run twice: as `name::at_once` on `#[tokio::test]`'s runtime,
/// which writes each request at once, and as `name::batched` on worker
/// threads that write them in batches (`harness::batched`).
macro_rules! wire_test {
    ($name:ident, $body:block) => {
        mod $name {
            use super::*;

            async fn run() $body

            #[tokio::test]
            async fn at_once() {
                run().await
            }

            #[test]
            fn batched() {
                crate::harness::batched(run())
            }
        }
    };
}

const OK_HI: &[u8] = b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nhi";

wire_test!(the_request_goes_out_as_written_and_is_counted_exactly, {
    let server = Scripted::start(vec![vec![Step::Reply(OK_HI), Step::Reply(OK_HI)]]).await;
    let mut session = client().session();
    let get = session
        .send(Request {
            headers: vec![("X-Trace".into(), "a b".into())],
            ..Request::get(server.url("/path?q=1"))
        })
        .await
        .unwrap();
    let post = session
        .send(Request::new(http::Method::POST, server.url("/form")))
        .await
        .unwrap();
    let authority = server.base.trim_start_matches("http://");
    let agent = concat!("throng/", env!("CARGO_PKG_VERSION"));
    let requests = server.requests();
    assert_eq!(
        requests[0],
        format!(
            "GET /path?q=1 HTTP/1.1\r\nhost: {authority}\r\nX-Trace: a b\r\nuser-agent: {agent}\r\n\r\n"
        )
    );
    // A POST without a body still says its length.
    assert_eq!(
        requests[1],
        format!(
            "POST /form HTTP/1.1\r\nhost: {authority}\r\nuser-agent: {agent}\r\ncontent-length: 0\r\n\r\n"
        )
    );
    assert_eq!(get.bytes_sent, requests[0].len() as u64);
    assert_eq!(post.bytes_sent, requests[1].len() as u64);
    assert!(post.reused_connection);
    assert_eq!(session.connections_opened(), 1);
});

wire_test!(
    a_chunked_body_with_extensions_and_trailers_is_joined_and_the_connection_kept,
    {
        const CHUNKED: &[u8] = b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n\
        5;name=value\r\nhello\r\n1\r\n,\r\n6\r\n world\r\n0\r\nx-checksum: 1\r\n\r\n";
        let server = Scripted::start(vec![vec![Step::Reply(CHUNKED), Step::Reply(CHUNKED)]]).await;
        let mut session = client().session();
        for i in 0..2 {
            let response = session.send(Request::get(server.url("/"))).await.unwrap();
            assert_eq!(response.body, "hello, world");
            assert_eq!(response.body_bytes, 12);
            assert_eq!(response.reused_connection, i == 1);
        }
        // Discarded, the same body is counted.
        let server = Scripted::start(vec![vec![Step::Reply(CHUNKED)]]).await;
        let response = session
            .send(Request {
                body_mode: BodyMode::Discard,
                ..Request::get(server.url("/"))
            })
            .await
            .unwrap();
        assert_eq!((response.body.len(), response.body_bytes), (0, 12));
    }
);

wire_test!(a_body_without_length_ends_with_the_connection, {
    let server = Scripted::start(vec![vec![Step::ReplyAndClose(
        b"HTTP/1.1 200 OK\r\n\r\nuntil the end",
    )]])
    .await;
    let mut session = client().session();
    for _ in 0..2 {
        let response = session.send(Request::get(server.url("/"))).await.unwrap();
        assert_eq!(response.body, "until the end");
        assert!(!response.reused_connection);
    }
    assert_eq!(session.connections_opened(), 2);
});

wire_test!(interim_responses_are_skipped, {
    let server = Scripted::start(vec![vec![Step::Reply(
        b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nlink: </a.css>\r\n\r\n\
          HTTP/1.1 201 Created\r\ncontent-length: 2\r\n\r\nok",
    )]])
    .await;
    let response = client()
        .session()
        .send(Request {
            body: Some(Bytes::from_static(b"{}")),
            ..Request::new(http::Method::POST, server.url("/"))
        })
        .await
        .unwrap();
    assert_eq!(response.status, 201);
    assert_eq!(response.body, "ok");
    assert_eq!(
        response.headers,
        [("content-length".to_owned(), "2".to_owned())]
    );
});

wire_test!(head_204_and_304_have_no_body_whatever_their_length_says, {
    let server = Scripted::start(vec![vec![
        Step::Reply(b"HTTP/1.1 200 OK\r\ncontent-length: 5000\r\n\r\n"),
        Step::Reply(b"HTTP/1.1 204 No Content\r\n\r\n"),
        Step::Reply(b"HTTP/1.1 304 Not Modified\r\ncontent-length: 10\r\n\r\n"),
        Step::Reply(OK_HI),
    ]])
    .await;
    let mut session = client().session();
    let head = session
        .send(Request::new(http::Method::HEAD, server.url("/")))
        .await
        .unwrap();
    assert_eq!((head.status, head.body_bytes), (200, 0));
    for status in [204, 304] {
        let response = session.send(Request::get(server.url("/"))).await.unwrap();
        assert_eq!((response.status, response.body_bytes), (status, 0));
    }
    // All on one connection: none of them waited for a body.
    let last = session.send(Request::get(server.url("/"))).await.unwrap();
    assert_eq!(last.body, "hi");
    assert!(last.reused_connection);
    assert_eq!(session.connections_opened(), 1);
});

wire_test!(
    an_idle_connection_the_server_closed_is_replaced_but_a_dropped_request_fails,
    {
        let server = Scripted::start(vec![
            vec![Step::ReplyAndClose(OK_HI)],
            vec![Step::Reply(OK_HI), Step::Close],
            vec![Step::Reply(OK_HI)],
        ])
        .await;
        let mut session = client().session();
        session.send(Request::get(server.url("/"))).await.unwrap();
        // The reply said nothing of closing, so the session kept the connection;
        // the server closed it while it sat idle.
        let deadline = Instant::now() + Duration::from_secs(5);
        while server.closed.load(Ordering::SeqCst) == 0 {
            assert!(Instant::now() < deadline, "the server never closed");
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        let replaced = session.send(Request::get(server.url("/"))).await.unwrap();
        assert_eq!(replaced.body, "hi");
        assert!(!replaced.reused_connection);

        // The server read this one and closed without an answer: it may have
        // acted on it, so it fails instead of going again, even as a GET.
        let err = session
            .send(Request::get(server.url("/")))
            .await
            .unwrap_err();
        assert_eq!(err.kind, ErrorKind::Protocol, "{err:?}");
        assert_eq!(
            err.message,
            "connection closed before the response was complete"
        );
        let after = session.send(Request::get(server.url("/"))).await.unwrap();
        assert!(!after.reused_connection);
        assert_eq!(session.connections_opened(), 3);
        assert_eq!(server.requests().len(), 4);
    }
);

wire_test!(responses_that_break_http_are_protocol_errors, {
    for (reply, message) in [
        (
            &b"HTTP/1.1 200 OK\r\ncontent-length: 1, 2\r\n\r\nx"[..],
            "invalid HTTP response: content-length \"1, 2\"",
        ),
        (
            b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\nzz\r\n",
            "invalid HTTP response: bad chunk size",
        ),
        (
            b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n3\r\nabcXX",
            "invalid HTTP response: bad chunk size",
        ),
        (
            b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n10\r\nabc",
            "connection closed early while reading the response body",
        ),
    ] {
        let server = Scripted::start(vec![vec![Step::ReplyAndClose(reply)]]).await;
        let err = client()
            .session()
            .send(Request::get(server.url("/")))
            .await
            .unwrap_err();
        assert_eq!(err.kind, ErrorKind::Protocol, "{err:?}");
        assert_eq!(err.message, message);
    }
});
