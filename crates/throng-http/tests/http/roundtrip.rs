//! Requests and responses make the trip intact, with the headers we add.

use std::time::Duration;

use bytes::Bytes;
use throng_http::{ErrorKind, Request, Response, Session};

use crate::harness::{Server, both, client};

fn header<'a>(response: &'a Response, name: &str) -> &'a str {
    response
        .headers
        .iter()
        .find(|(n, _)| n == name)
        .map_or("", |(_, v)| v.as_str())
}

both!(get_returns_status_headers_and_body, |proto| {
    let server = Server::start(proto).await;
    let mut session = client().session();
    let response = session
        .send(Request {
            headers: vec![("X-Test".into(), "yes".into())],
            ..Request::get(server.url("/echo?status=203"))
        })
        .await
        .unwrap();
    assert_eq!(response.status, 203);
    assert_eq!(response.version, proto.version());
    assert_eq!(header(&response, "x-method"), "GET");
    assert_eq!(header(&response, "x-test"), "yes");
    assert_eq!(header(&response, "x-host"), server.authority());
    assert_eq!(
        header(&response, "x-user-agent"),
        concat!("throng/", env!("CARGO_PKG_VERSION"))
    );
    assert_eq!(header(&response, "x-content-length"), "");
    assert!(response.body.is_empty());
    assert!(!response.reused_connection);
});

both!(headers_not_kept_are_left_out, |proto| {
    let server = Server::start(proto).await;
    let mut session = client().session();
    for i in 0..3 {
        let response = session
            .send(Request {
                method: http::Method::POST,
                body: Some(Bytes::from_static(b"thirteen byte")),
                keep_headers: i == 1,
                ..Request::get(server.url("/echo?status=202"))
            })
            .await
            .unwrap();
        assert_eq!(response.status, 202, "request {i}");
        assert_eq!(&response.body[..], b"thirteen byte", "request {i}");
        assert_eq!(response.headers.is_empty(), i != 1, "request {i}");
        assert_eq!(response.reused_connection, i > 0, "request {i}");
    }
    assert_eq!(session.connections_opened(), 1);
});

// The session keeps the last URL parsed; a different one is parsed anew
// and reaches its own resource.
both!(alternating_urls_each_reach_their_own_resource, |proto| {
    let server = Server::start(proto).await;
    let mut session = client().session();
    for i in 0..6 {
        let status = if i % 2 == 0 { 201 } else { 207 };
        let response = session
            .send(Request::get(server.url(&format!("/echo?status={status}"))))
            .await
            .unwrap();
        assert_eq!(response.status, status, "request {i}");
    }
    assert_eq!(session.connections_opened(), 1);
});

both!(post_sends_body_with_length, |proto| {
    let server = Server::start(proto).await;
    let mut session = client().session();
    let response = session
        .send(Request {
            headers: vec![("user-agent".into(), "journey/1".into())],
            body: Some(Bytes::from_static(b"hello")),
            ..Request::new(http::Method::POST, server.url("/echo"))
        })
        .await
        .unwrap();
    assert_eq!(response.status, 200);
    assert_eq!(header(&response, "x-method"), "POST");
    assert_eq!(header(&response, "x-content-length"), "5");
    assert_eq!(header(&response, "x-user-agent"), "journey/1");
    assert_eq!(response.body, "hello");
    assert_eq!(response.body_bytes, 5);
    // "POST /echo HTTP/1.1\r\n" and the body at least.
    assert!(response.bytes_sent > 21 + 5, "{}", response.bytes_sent);
});

both!(waiting_holds_the_server_delay, |proto| {
    let server = Server::start(proto).await;
    let mut session = client().session();
    let response = session
        .send(Request::get(server.url("/sleep/50")))
        .await
        .unwrap();
    let t = response.timings;
    assert!(t.waiting >= Duration::from_millis(50), "{t:?}");
    assert!(t.sending < Duration::from_millis(50), "{t:?}");
    assert_eq!(t.duration(), t.sending + t.waiting + t.receiving);
    assert_eq!(t.dns, Duration::ZERO, "an IP address needs no DNS");
    assert!(t.connect > Duration::ZERO, "{t:?}");
    assert_eq!(
        t.tls > Duration::ZERO,
        proto == crate::harness::Proto::Http2,
        "{t:?}"
    );
});

#[tokio::test]
async fn unsupported_scheme_is_an_invalid_request() {
    let mut session = client().session();
    let err = session.send(Request::get("ftp://x")).await.unwrap_err();
    assert_eq!(err.kind, ErrorKind::InvalidRequest);
    assert_eq!(err.message, r#"unsupported scheme "ftp" in URL "ftp://x""#);
    assert_eq!(session.connections_opened(), 0);
}

#[tokio::test]
async fn bad_header_name_is_an_invalid_request() {
    let mut session = client().session();
    let err = session
        .send(Request {
            headers: vec![("bad name".into(), "x".into())],
            ..Request::get("http://127.0.0.1:9/")
        })
        .await
        .unwrap_err();
    assert_eq!(err.kind, ErrorKind::InvalidRequest);
    assert_eq!(err.message, r#"invalid header name "bad name""#);
}

#[test]
fn send_is_usable_from_any_thread() {
    fn send<T: Send>(_: &T) {}
    fn share<T: Send + Sync + Clone>() {}
    share::<throng_http::Client>();
    let mut session: Session = client().session();
    send(&session.send(Request::get("http://127.0.0.1:9/")));
    send(&session);
}
