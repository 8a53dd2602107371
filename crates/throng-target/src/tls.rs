//! A throwaway TLS identity: a self-signed certificate for `localhost` and
//! 127.0.0.1, made at start, and the rustls configuration that serves it.

use std::io;
use std::net::IpAddr;
use std::sync::Arc;

use rustls::ServerConfig;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};

/// A certificate and its private key.
#[derive(Debug)]
pub(crate) struct Identity {
    /// The certificate, PEM-encoded, for clients to trust.
    pub(crate) cert_pem: String,
    cert_der: CertificateDer<'static>,
    key_der: Vec<u8>,
}

impl Identity {
    /// A new self-signed certificate for `localhost`, 127.0.0.1, ::1 and,
    /// when it is a specific address, `ip` (the address the target listens
    /// on).
    pub(crate) fn generate(ip: IpAddr) -> io::Result<Self> {
        let mut names = vec![
            "localhost".to_owned(),
            "127.0.0.1".to_owned(),
            "::1".to_owned(),
        ];
        if !ip.is_loopback() && !ip.is_unspecified() {
            names.push(ip.to_string());
        }
        let certified = rcgen::generate_simple_self_signed(names).map_err(io::Error::other)?;
        Ok(Identity {
            cert_pem: certified.cert.pem(),
            cert_der: certified.cert.der().clone(),
            key_der: certified.signing_key.serialize_der(),
        })
    }

    /// The certificate, DER-encoded.
    pub(crate) fn cert_der(&self) -> &CertificateDer<'static> {
        &self.cert_der
    }

    /// A rustls server configuration that presents this certificate and
    /// offers HTTP/2 and HTTP/1.1 over ALPN.
    pub(crate) fn server_config(&self) -> io::Result<Arc<ServerConfig>> {
        // An explicit provider: the process-wide default may be unset, or
        // ambiguous when another crate in the build enables aws-lc-rs.
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(self.key_der.clone()));
        let mut config = ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map_err(io::Error::other)?
            .with_no_client_auth()
            .with_single_cert(vec![self.cert_der.clone()], key)
            .map_err(io::Error::other)?;
        config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
        Ok(Arc::new(config))
    }
}
