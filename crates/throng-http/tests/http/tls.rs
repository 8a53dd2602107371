//! TLS: trusted through extra roots, or not at all in insecure mode; ALPN
//! picks the HTTP version.

use throng_http::{Client, ClientError, ClientOptions, ErrorKind, HttpVersion, Request};

use crate::harness::{Server, Setup, client};

const BOTH: &[&[u8]] = &[b"h2", b"http/1.1"];
const HTTP1_ONLY: &[&[u8]] = &[b"http/1.1"];

async fn https_server(alpn: &'static [&'static [u8]]) -> Server {
    Server::with(Setup {
        tls: Some(alpn),
        keep_alive: true,
    })
    .await
}

#[tokio::test]
async fn alpn_picks_http2_or_http1() {
    for (alpn, version) in [(BOTH, HttpVersion::Http2), (HTTP1_ONLY, HttpVersion::Http1)] {
        let server = https_server(alpn).await;
        let response = client()
            .session()
            .send(Request::get(server.url("/echo")))
            .await
            .unwrap();
        assert_eq!(response.version, version);
        assert_eq!(response.status, 200);
    }
}

#[tokio::test]
async fn insecure_accepts_an_untrusted_certificate() {
    let server = https_server(BOTH).await;
    let client = Client::new(ClientOptions {
        insecure: true,
        ..ClientOptions::default()
    })
    .unwrap();
    let response = client
        .session()
        .send(Request::get(server.url("/echo")))
        .await
        .unwrap();
    assert_eq!(response.status, 200);
}

#[tokio::test]
async fn untrusted_certificate_is_tls() {
    let server = https_server(BOTH).await;
    let client = Client::new(ClientOptions::default()).unwrap();
    let err = client
        .session()
        .send(Request::get(server.url("/echo")))
        .await
        .unwrap_err();
    assert_eq!(err.kind, ErrorKind::Tls);
    assert!(
        err.message.starts_with(&format!(
            "TLS handshake with {} failed: invalid peer certificate",
            server.authority()
        )),
        "{}",
        err.message
    );
}

#[test]
fn unusable_extra_root_is_refused() {
    let err = Client::new(ClientOptions {
        extra_roots_pem: vec!["not a certificate".into()],
        ..ClientOptions::default()
    })
    .unwrap_err();
    assert_eq!(
        err,
        ClientError::InvalidRoot {
            index: 0,
            reason: "no PEM certificate found".into()
        }
    );
}
