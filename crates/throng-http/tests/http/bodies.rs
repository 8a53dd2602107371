//! Bodies are kept up to the cap, or counted and dropped.

use throng_http::{BodyMode, Client, ClientOptions, ErrorKind, Request};

use crate::harness::{Server, both, client, options};

both!(discard_counts_a_25_mb_stream_exactly, |proto| {
    let server = Server::start(proto).await;
    let mut session = client().session();
    let len = 25 * 1024 * 1024;
    let response = session
        .send(Request {
            body_mode: BodyMode::Discard,
            ..Request::get(server.url(&format!("/bytes/{len}")))
        })
        .await
        .unwrap();
    assert_eq!(response.body_bytes, len);
    assert!(response.body.is_empty());
});

both!(keep_joins_a_body_of_many_frames, |proto| {
    let server = Server::start(proto).await;
    let mut session = client().session();
    let response = session
        .send(Request::get(server.url("/bytes/300000")))
        .await
        .unwrap();
    assert_eq!(response.body.len(), 300_000);
    assert_eq!(response.body_bytes, 300_000);
    let wrong = response
        .body
        .iter()
        .enumerate()
        .position(|(k, b)| *b != (k % 251) as u8);
    assert_eq!(wrong, None);
});

both!(keep_over_the_cap_is_body_too_large, |proto| {
    let server = Server::start(proto).await;
    let client = Client::new(ClientOptions {
        max_kept_body: 100_000,
        ..options()
    })
    .unwrap();
    let mut session = client.session();

    // Streamed: found out while reading.
    let err = session
        .send(Request::get(server.url("/bytes/300000")))
        .await
        .unwrap_err();
    assert_eq!(err.kind, ErrorKind::BodyTooLarge);
    assert!(
        err.body_bytes > 100_000 && err.body_bytes < 300_000,
        "{}",
        err.body_bytes
    );
    assert!(err.message.contains("100000-byte limit"), "{}", err.message);

    // Declared: found out from the length, before reading.
    let err = session
        .send(Request::get(server.url("/sized/300000")))
        .await
        .unwrap_err();
    assert_eq!(err.kind, ErrorKind::BodyTooLarge);
    assert_eq!(err.body_bytes, 0);

    // At the cap is fine, and discarding ignores it.
    let response = session
        .send(Request::get(server.url("/sized/100000")))
        .await
        .unwrap();
    assert_eq!(response.body.len(), 100_000);
    let response = session
        .send(Request {
            body_mode: BodyMode::Discard,
            ..Request::get(server.url("/bytes/300000"))
        })
        .await
        .unwrap();
    assert_eq!(response.body_bytes, 300_000);
});
