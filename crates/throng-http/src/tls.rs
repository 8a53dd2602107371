//! The rustls configuration: which roots are trusted, which protocols are
//! offered, and the verifier that trusts anything for `insecure`.

use std::sync::Arc;

use rustls::client::Resumption;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::WebPkiSupportedAlgorithms;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{ClientConfig, DigitallySignedStruct, RootCertStore, SignatureScheme};

use crate::{ClientError, ClientOptions};

/// TLS sessions each VU remembers for resumption.
const RESUMPTION_CACHE: usize = 32;

/// Builds the run's client configuration: ring as the crypto provider, ALPN
/// offering `h2` then `http/1.1`, and the roots from `opts`.
pub(crate) fn config(opts: &ClientOptions) -> Result<ClientConfig, ClientError> {
    // Named explicitly rather than taken from the process default, so that
    // another crate enabling a second rustls provider cannot make this
    // ambiguous.
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let builder = ClientConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .map_err(|e| ClientError::Tls(e.to_string()))?;
    let mut config = if opts.insecure {
        builder
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(AcceptAnyCert {
                algorithms: provider.signature_verification_algorithms,
            }))
            .with_no_client_auth()
    } else {
        builder
            .with_root_certificates(roots(&opts.extra_roots_pem)?)
            .with_no_client_auth()
    };
    config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    Ok(config)
}

/// A copy of the run's configuration with a session cache of its own, so a
/// VU resumes its own TLS sessions the way one browser would, and never
/// another VU's.
pub(crate) fn for_session(run: &ClientConfig) -> Arc<ClientConfig> {
    let mut config = run.clone();
    config.resumption = Resumption::in_memory_sessions(RESUMPTION_CACHE);
    Arc::new(config)
}

/// The bundled Mozilla roots, the system's roots where they load, and the
/// extra PEM roots, which must all parse.
fn roots(extra_pem: &[String]) -> Result<RootCertStore, ClientError> {
    let mut roots = RootCertStore {
        roots: webpki_roots::TLS_SERVER_ROOTS.to_vec(),
    };
    // Best effort: a machine without a system store, or with a few
    // unreadable certificates in it, still has the bundled roots.
    let native = rustls_native_certs::load_native_certs();
    roots.add_parsable_certificates(native.certs);
    for (index, pem) in extra_pem.iter().enumerate() {
        let mut found = 0;
        for cert in CertificateDer::pem_slice_iter(pem.as_bytes()) {
            let bad = |reason: String| ClientError::InvalidRoot { index, reason };
            let cert = cert.map_err(|e| bad(e.to_string()))?;
            roots.add(cert).map_err(|e| bad(e.to_string()))?;
            found += 1;
        }
        if found == 0 {
            return Err(ClientError::InvalidRoot {
                index,
                reason: "no PEM certificate found".to_owned(),
            });
        }
    }
    Ok(roots)
}

/// Trusts every certificate without looking at who signed it or which names
/// it holds. Handshake signatures are still checked, so the server must own
/// the key of the certificate it shows, but any server can show any
/// certificate: this is for test systems only.
#[derive(Debug)]
struct AcceptAnyCert {
    algorithms: WebPkiSupportedAlgorithms,
}

impl ServerCertVerifier for AcceptAnyCert {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(message, cert, dss, &self.algorithms)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(message, cert, dss, &self.algorithms)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.algorithms.supported_schemes()
    }
}
