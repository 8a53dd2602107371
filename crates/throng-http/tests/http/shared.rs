//! Shared connections: many sessions, one pool of a fixed size.

use std::num::NonZeroUsize;
use std::sync::Arc;
use std::time::Duration;

use throng_http::{Client, ErrorKind, Request};

use crate::harness::{Proto, Server, both, options};

fn shared_client(max: usize) -> Client {
    Client::new(throng_http::ClientOptions {
        shared_connections: NonZeroUsize::new(max),
        ..options()
    })
    .unwrap()
}

both!(sessions_use_at_most_the_pool, |proto| {
    let server = Arc::new(Server::start(proto).await);
    let client = shared_client(2);
    // Twelve VUs at once, four requests of 20 ms each, through 2 connections.
    let vus: Vec<_> = (0..12)
        .map(|_| {
            let mut session = client.session();
            let url = server.url("/sleep/20");
            tokio::spawn(async move {
                let mut seen = Vec::new();
                for _ in 0..4 {
                    let response = session.send(Request::get(url.clone())).await.unwrap();
                    assert_eq!(response.status, 200);
                    seen.push((response.timings.blocked, response.reused_connection));
                }
                seen
            })
        })
        .collect();
    let mut seen = Vec::new();
    for vu in vus {
        seen.extend(vu.await.unwrap());
    }
    assert_eq!(seen.len(), 48);
    assert_eq!(server.accepts(), 2);
    assert_eq!(server.peak_open(), 2);
    assert_eq!(seen.iter().filter(|(_, reused)| !reused).count(), 2);
    // Ten of the first twelve requests waited at least one whole 20 ms
    // request for a free connection.
    let waited = seen
        .iter()
        .filter(|(blocked, _)| *blocked >= Duration::from_millis(19))
        .count();
    assert!(waited >= 10, "{seen:?}");
});

both!(a_new_origin_closes_an_idle_connection_first, |proto| {
    let (a, b) = (Server::start(proto).await, Server::start(proto).await);
    let client = shared_client(1);
    let mut session = client.session();
    for url in [a.url("/echo"), b.url("/echo"), a.url("/echo")] {
        let response = session.send(Request::get(url)).await.unwrap();
        assert_eq!(response.status, 200);
        assert!(!response.reused_connection);
    }
    // With room for one connection, the one to `a` was closed to reach `b`
    // and opened again after.
    assert_eq!((a.accepts(), b.accepts()), (2, 1));
    assert_eq!(session.connections_opened(), 3);
});

#[tokio::test]
async fn waiting_for_a_connection_counts_against_the_timeout() {
    let server = Server::start(Proto::Http1).await;
    let client = shared_client(1);
    let mut holder = client.session();
    let slow = server.url("/sleep/400");
    let busy = tokio::spawn(async move { holder.send(Request::get(slow)).await });
    // Let the first request take the only connection.
    tokio::time::sleep(Duration::from_millis(50)).await;
    let mut waiter = client.session();
    let err = waiter
        .send(Request {
            timeout: Some(Duration::from_millis(100)),
            ..Request::get(server.url("/echo"))
        })
        .await
        .unwrap_err();
    assert_eq!(err.kind, ErrorKind::Timeout, "{err:?}");
    assert!(err.timings.blocked >= Duration::from_millis(99), "{err:?}");
    assert_eq!(waiter.connections_opened(), 0);
    assert_eq!(busy.await.unwrap().unwrap().status, 200);
    assert_eq!(server.accepts(), 1);
}
