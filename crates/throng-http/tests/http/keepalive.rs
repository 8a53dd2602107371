//! A session keeps its connection like one browser: one per origin, reused
//! until the server closes it.

use std::time::Duration;

use throng_http::Request;

use crate::harness::{Proto, Server, Setup, both, client};

both!(sequential_requests_share_one_connection, |proto| {
    let server = Server::start(proto).await;
    let mut session = client().session();
    for i in 0..10 {
        let response = session
            .send(Request::get(server.url("/echo")))
            .await
            .unwrap();
        let t = response.timings;
        assert_eq!(response.reused_connection, i > 0, "request {i}");
        if i == 0 {
            assert!(t.connect > Duration::ZERO, "{t:?}");
        } else {
            assert_eq!(
                (t.dns, t.connect, t.tls),
                (Duration::ZERO, Duration::ZERO, Duration::ZERO)
            );
        }
    }
    assert_eq!(server.accepts(), 1);
    assert_eq!(session.connections_opened(), 1);
});

both!(each_session_keeps_its_own_connection, |proto| {
    let server = std::sync::Arc::new(Server::start(proto).await);
    let client = client();
    let vus: Vec<_> = (0..4)
        .map(|_| {
            let mut session = client.session();
            let url = server.url("/echo");
            tokio::spawn(async move {
                for _ in 0..5 {
                    session.send(Request::get(url.clone())).await.unwrap();
                    tokio::task::yield_now().await;
                }
                session.connections_opened()
            })
        })
        .collect();
    for vu in vus {
        assert_eq!(vu.await.unwrap(), 1);
    }
    assert_eq!(server.accepts(), 4);
});

both!(a_resting_session_keeps_its_connection, |proto| {
    let server = Server::start(proto).await;
    let mut session = client().session();
    for i in 0..3 {
        let response = session
            .send(Request::get(server.url("/echo")))
            .await
            .unwrap();
        assert_eq!(response.status, 200);
        assert_eq!(response.reused_connection, i > 0, "request {i}");
        // What a VU does before a long think time: its connections give
        // back their read buffers and stay open.
        session.rest();
    }
    assert_eq!(session.connections_opened(), 1);
    assert_eq!(server.accepts(), 1);
});

both!(close_drops_the_idle_connection, |proto| {
    let server = Server::start(proto).await;
    let mut session = client().session();
    session
        .send(Request::get(server.url("/echo")))
        .await
        .unwrap();
    session.close();
    let response = session
        .send(Request::get(server.url("/echo")))
        .await
        .unwrap();
    assert!(!response.reused_connection);
    assert_eq!(session.connections_opened(), 2);
    assert_eq!(server.accepts(), 2);
});

#[tokio::test]
async fn server_closing_each_connection_is_reconnected() {
    let server = Server::with(Setup {
        keep_alive: false,
        ..Setup::of(Proto::Http1)
    })
    .await;
    let mut session = client().session();
    for _ in 0..5 {
        let response = session
            .send(Request::get(server.url("/echo")))
            .await
            .unwrap();
        assert_eq!(response.status, 200);
        assert!(!response.reused_connection);
    }
    assert_eq!(session.connections_opened(), 5);
    assert_eq!(server.accepts(), 5);
}
