//! A prepared request is checked once and sent as often as the caller
//! likes, exactly as `send` would send it each time.

use std::time::Duration;

use throng_http::{AllowList, AllowedHost, BodyMode, Client, ClientOptions, ErrorKind, Request};

use crate::harness::{Proto, Server, both, client, options};

both!(a_prepared_request_goes_out_whole_every_time, |proto| {
    let server = Server::start(proto).await;
    let mut session = client().session();
    let mut request = Request::new(http::Method::POST, server.url("/echo?status=201"));
    request.headers = vec![("x-test".into(), "kept".into())];
    request.body = Some("the same body each time".into());
    let prepared = session.prepare(request);
    for i in 0..50 {
        let r = session.send_prepared(&prepared).await.unwrap();
        assert_eq!(r.status, 201, "request {i}");
        assert_eq!(&r.body[..], b"the same body each time", "request {i}");
        let header = |name: &str| {
            r.headers
                .iter()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.as_str())
        };
        assert_eq!(header("x-method"), Some("POST"));
        assert_eq!(header("x-content-length"), Some("23"));
        assert_eq!(r.reused_connection, i > 0, "request {i}");
    }
    assert_eq!(server.accepts(), 1);
    assert_eq!(session.connections_opened(), 1);
});

both!(
    a_prepared_request_keeps_its_body_mode_and_headers_choice,
    |proto| {
        let server = Server::start(proto).await;
        let mut session = client().session();
        let mut request = Request::get(server.url("/sized/100000"));
        request.body_mode = BodyMode::Discard;
        request.keep_headers = false;
        let prepared = session.prepare(request);
        for _ in 0..3 {
            let r = session.send_prepared(&prepared).await.unwrap();
            assert_eq!(r.status, 200);
            assert!(r.body.is_empty());
            assert_eq!(r.body_bytes, 100_000);
            assert!(r.headers.is_empty(), "{:?}", r.headers);
        }
        // The same session still sends other requests in between.
        let r = session
            .send(Request::get(server.url("/echo")))
            .await
            .unwrap();
        assert_eq!(r.status, 200);
        assert!(!r.headers.is_empty());
        assert_eq!(session.connections_opened(), 1);
    }
);

both!(a_prepared_request_keeps_its_timeout, |proto| {
    let server = Server::start(proto).await;
    let mut session = client().session();
    let mut request = Request::get(server.url("/never"));
    request.timeout = Some(Duration::from_millis(100));
    let prepared = session.prepare(request);
    for _ in 0..2 {
        let err = session.send_prepared(&prepared).await.unwrap_err();
        assert_eq!(err.kind, ErrorKind::Timeout);
        assert!(err.message.contains("100ms"), "{}", err.message);
    }
});

#[tokio::test]
async fn a_request_that_fails_the_check_fails_each_time_it_is_sent() {
    let mut session = client().session();
    let bad_url = session.prepare(Request::get("ftp://127.0.0.1/file"));
    let mut bad_header = Request::get("http://127.0.0.1:1/");
    bad_header.headers = vec![("bad name".into(), "v".into())];
    let bad_header = session.prepare(bad_header);
    for _ in 0..3 {
        let err = session.send_prepared(&bad_url).await.unwrap_err();
        assert_eq!(err.kind, ErrorKind::InvalidRequest);
        assert!(err.message.contains("ftp://"), "{}", err.message);
        let err = session.send_prepared(&bad_header).await.unwrap_err();
        assert_eq!(err.kind, ErrorKind::InvalidRequest);
        assert_eq!(err.message, "invalid header name \"bad name\"");
    }
    assert_eq!(session.connections_opened(), 0);
}

#[tokio::test]
async fn a_refused_host_is_refused_each_time_and_never_sees_a_connection() {
    let allowed = Server::start(Proto::Http1).await;
    let other = Server::start(Proto::Http1).await;
    let allow = AllowList::only([allowed.authority().parse::<AllowedHost>().unwrap()]);
    let client = Client::new(ClientOptions { allow, ..options() }).unwrap();
    let mut session = client.session();
    let refused = session.prepare(Request::get(other.url("/echo")));
    let fine = session.prepare(Request::get(allowed.url("/echo")));
    for _ in 0..3 {
        let err = session.send_prepared(&refused).await.unwrap_err();
        assert_eq!(err.kind, ErrorKind::Denied);
        assert_eq!(session.send_prepared(&fine).await.unwrap().status, 200);
    }
    tokio::time::sleep(Duration::from_millis(50)).await;
    assert_eq!(other.accepts(), 0);
    assert_eq!(allowed.accepts(), 1);
}
