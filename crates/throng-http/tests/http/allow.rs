//! The allow list refuses a host before a socket is opened: the server it
//! names never sees a connection.

use std::time::{Duration, Instant};

use throng_http::{AllowList, AllowedHost, Client, ClientOptions, ErrorKind, Request};

use crate::harness::{Proto, Server, both, options};

fn client_allowing(entries: &[&str]) -> Client {
    let allow = AllowList::only(entries.iter().map(|e| e.parse::<AllowedHost>().unwrap()));
    Client::new(ClientOptions { allow, ..options() }).unwrap()
}

both!(a_host_off_the_list_never_sees_a_connection, |proto| {
    let allowed = Server::start(proto).await;
    let other = Server::start(proto).await;
    let mut session = client_allowing(&[allowed.authority()]).session();

    for _ in 0..3 {
        let err = session
            .send(Request::get(other.url("/echo")))
            .await
            .unwrap_err();
        assert_eq!(err.kind, ErrorKind::Denied);
        let entry = other.authority();
        assert_eq!(
            err.message,
            format!(
                "{entry} is not an allowed host; add it to allow_hosts or pass --allow-host {entry}"
            )
        );
        assert_eq!(err.timings.connect, Duration::ZERO);
    }
    let ok = session
        .send(Request::get(allowed.url("/echo")))
        .await
        .unwrap();
    assert_eq!(ok.status, 200);
    // An allowed URL checked before does not let another one through.
    let err = session
        .send(Request::get(other.url("/echo")))
        .await
        .unwrap_err();
    assert_eq!(err.kind, ErrorKind::Denied);
    // The allowed request went through after the refused ones, so a
    // connection to `other` would have been accepted by now.
    tokio::time::sleep(Duration::from_millis(50)).await;
    assert_eq!(other.accepts(), 0);
    assert_eq!(allowed.accepts(), 1);
    assert_eq!(session.connections_opened(), 1);
});

#[tokio::test]
async fn localhost_reaches_loopback_when_allowed_by_name() {
    let server = Server::start(Proto::Http1).await;
    let port = server.authority().rsplit_once(':').unwrap().1;
    let url = format!("http://localhost:{port}/echo");

    let mut session = client_allowing(&["localhost"]).session();
    let ok = session.send(Request::get(&url)).await.unwrap();
    assert_eq!(ok.status, 200);

    // The address alone does not allow the name.
    let mut session = client_allowing(&[server.authority()]).session();
    let err = session.send(Request::get(&url)).await.unwrap_err();
    assert_eq!(err.kind, ErrorKind::Denied);
    assert!(err.message.starts_with(&format!("localhost:{port} is not")));
    assert_eq!(server.accepts(), 1);
}

#[tokio::test]
async fn the_metadata_address_is_refused_at_once() {
    let mut session = client_allowing(&["*.example.com", "127.0.0.1"]).session();
    let started = Instant::now();
    let err = session
        .send(Request::get("http://169.254.169.254/latest/meta-data/"))
        .await
        .unwrap_err();
    assert_eq!(err.kind, ErrorKind::Denied);
    assert!(
        err.message
            .starts_with("169.254.169.254:80 is not an allowed host")
    );
    // No connect was tried: the default connect timeout is 10 s.
    assert!(started.elapsed() < Duration::from_secs(2));
    assert_eq!(session.connections_opened(), 0);
}

#[tokio::test]
async fn any_turns_the_check_off() {
    let server = Server::start(Proto::Http1).await;
    let client = Client::new(ClientOptions {
        allow: AllowList::only(["*".parse().unwrap()]),
        ..options()
    })
    .unwrap();
    let ok = client
        .session()
        .send(Request::get(server.url("/echo")))
        .await
        .unwrap();
    assert_eq!(ok.status, 200);
}
