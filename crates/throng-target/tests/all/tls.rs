//! HTTPS with the target's self-signed certificate.

use std::sync::Arc;

use http::StatusCode;
use rustls::pki_types::ServerName;
use rustls::{ClientConfig, RootCertStore};
use throng_target::{Target, TargetConfig};
use tokio::net::TcpStream;
use tokio_rustls::TlsConnector;

use crate::harness::{Client, Proto, start};

async fn tls_target() -> Target {
    start(TargetConfig {
        tls: true,
        ..TargetConfig::default()
    })
    .await
}

/// Connects to `target` trusting only the PEM certificate it hands out.
async fn connect(target: &Target, server_name: &str, alpn: &[u8]) -> (Client, Option<Vec<u8>>) {
    let pem = target
        .ca_cert_pem()
        .expect("a TLS target has a certificate");
    let mut roots = RootCertStore::empty();
    for cert in rustls_pem_certs(&pem) {
        roots.add(cert).expect("a valid certificate");
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut config = ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_root_certificates(roots)
        .with_no_client_auth();
    config.alpn_protocols = vec![alpn.to_vec()];

    let tcp = TcpStream::connect(target.addr()).await.unwrap();
    let name = ServerName::try_from(server_name.to_owned()).unwrap();
    let tls = TlsConnector::from(Arc::new(config))
        .connect(name, tcp)
        .await
        .expect("TLS handshake");
    let negotiated = tls.get_ref().1.alpn_protocol().map(<[u8]>::to_vec);
    let proto = if alpn == b"h2" { Proto::H2 } else { Proto::H1 };
    let authority = format!("{server_name}:{}", target.addr().port());
    (
        Client::handshake(tls, proto, authority, "https").await,
        negotiated,
    )
}

/// The certificates in a PEM text, decoded with rustls' own PEM reader.
fn rustls_pem_certs(pem: &str) -> Vec<rustls::pki_types::CertificateDer<'static>> {
    use rustls::pki_types::pem::PemObject;
    rustls::pki_types::CertificateDer::pem_slice_iter(pem.as_bytes())
        .collect::<Result<_, _>>()
        .expect("PEM certificates")
}

#[tokio::test]
async fn serves_https_with_its_own_certificate() {
    let target = tls_target().await;
    let port = target.addr().port();
    assert_eq!(target.base_url(), format!("https://localhost:{port}"));
    assert!(
        target
            .ca_cert_pem()
            .unwrap()
            .starts_with("-----BEGIN CERTIFICATE-----")
    );

    for (alpn, version) in [(&b"h2"[..], "HTTP/2.0"), (&b"http/1.1"[..], "HTTP/1.1")] {
        let (mut client, negotiated) = connect(&target, "localhost", alpn).await;
        assert_eq!(negotiated.as_deref(), Some(alpn));
        let reply = client.get("/health").await;
        assert_eq!(reply.status, StatusCode::OK);
        assert_eq!(reply.json()["status"], "ok");
        assert_eq!(target.stats().by_version[version], 1);
    }
    // The certificate names 127.0.0.1 too.
    let (mut client, _) = connect(&target, "127.0.0.1", b"h2").await;
    assert_eq!(client.get("/fast").await.status, StatusCode::OK);
    assert_eq!(target.stats().connections_accepted, 3);
}

#[tokio::test]
async fn failed_handshakes_are_counted() {
    let target = tls_target().await;
    let mut plain = Client::connect(&target, Proto::H1).await;
    // A plain-text request to a TLS port: hyper's client gives up when the
    // server drops the connection after a failed handshake.
    let response = plain.try_get("/health").await;
    assert!(response.is_err());
    crate::harness::wait_until(|| target.stats().tls_handshake_failures == 1).await;
    assert_eq!(target.stats().requests, 0);
}

#[tokio::test]
async fn plain_targets_have_no_certificate() {
    let target = start(TargetConfig::default()).await;
    assert!(target.ca_cert_pem().is_none());
    assert!(target.ca_cert_der().is_none());
    assert!(target.base_url().starts_with("http://127.0.0.1:"));
}
