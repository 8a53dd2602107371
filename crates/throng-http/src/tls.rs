//! The rustls configuration: which roots are trusted, which protocols are
//! offered, and the verifier that trusts anything for `insecure`.

use std::sync::Arc;

use rustls::client::Resumption;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::{CryptoProvider, WebPkiSupportedAlgorithms};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{ClientConfig, DigitallySignedStruct, RootCertStore, SignatureScheme};
use tokio::sync::OnceCell;

use crate::{ClientError, ClientOptions};

/// TLS sessions each VU remembers for resumption.
const RESUMPTION_CACHE: usize = 32;

/// The run's client configuration, made complete on its first `https://`
/// dial.
///
/// Trusting the system's roots means reading its certificate store, a few
/// hundred files: ~2.7 ms of a one-VU run's ~9 ms to its first request on
/// the benchmark machine (BENCHMARKS.md, (c)), which a run that dials only
/// `http://` never needs. What the user gave (the extra PEM roots) is
/// checked when the client is built, so a bad root still stops the run
/// before it starts.
pub(crate) struct RunTls {
    /// The bundled and the extra roots, to which the system's are added
    /// (none for `insecure`, whose configuration is made at once).
    roots: RootCertStore,
    config: OnceCell<ClientConfig>,
}

impl RunTls {
    /// Checks the roots of `opts`; the system's are not loaded yet.
    pub(crate) fn new(opts: &ClientOptions) -> Result<RunTls, ClientError> {
        if opts.insecure {
            let provider = provider();
            let verifier = Arc::new(AcceptAnyCert {
                algorithms: provider.signature_verification_algorithms,
            });
            let config = builder(provider)?
                .dangerous()
                .with_custom_certificate_verifier(verifier)
                .with_no_client_auth();
            return Ok(RunTls {
                roots: RootCertStore::empty(),
                config: OnceCell::new_with(Some(with_alpn(config))),
            });
        }
        Ok(RunTls {
            roots: bundled_and_extra(&opts.extra_roots_pem)?,
            config: OnceCell::new(),
        })
    }

    /// The configuration, loading the system's roots on a blocking thread
    /// the first time (the VUs that dial meanwhile wait for the same load).
    pub(crate) async fn config(&self) -> Result<&ClientConfig, ClientError> {
        self.config
            .get_or_try_init(|| async {
                let mut roots = self.roots.clone();
                let roots = tokio::task::spawn_blocking(move || {
                    // Best effort: a machine without a system store, or
                    // with a few unreadable certificates in it, still has
                    // the bundled roots.
                    let native = rustls_native_certs::load_native_certs();
                    roots.add_parsable_certificates(native.certs);
                    roots
                })
                .await
                .map_err(|e| ClientError::Tls(format!("loading the system's roots: {e}")))?;
                let config = builder(provider())?
                    .with_root_certificates(roots)
                    .with_no_client_auth();
                Ok(with_alpn(config))
            })
            .await
    }

    /// Whether the configuration is made (for `insecure`, from the start).
    #[cfg(test)]
    pub(crate) fn is_made(&self) -> bool {
        self.config.initialized()
    }
}

/// ring as the crypto provider, named explicitly rather than taken from the
/// process default, so that another crate enabling a second rustls provider
/// cannot make this ambiguous.
fn provider() -> Arc<CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

fn builder(
    provider: Arc<CryptoProvider>,
) -> Result<rustls::ConfigBuilder<ClientConfig, rustls::WantsVerifier>, ClientError> {
    ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| ClientError::Tls(e.to_string()))
}

/// ALPN offering `h2`, then `http/1.1`.
fn with_alpn(mut config: ClientConfig) -> ClientConfig {
    config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    config
}

/// A copy of the run's configuration with a session cache of its own, so a
/// VU resumes its own TLS sessions the way one browser would, and never
/// another VU's.
pub(crate) fn for_session(run: &ClientConfig) -> Arc<ClientConfig> {
    let mut config = run.clone();
    config.resumption = Resumption::in_memory_sessions(RESUMPTION_CACHE);
    Arc::new(config)
}

/// The bundled Mozilla roots and the extra PEM roots, which must all parse.
fn bundled_and_extra(extra_pem: &[String]) -> Result<RootCertStore, ClientError> {
    let mut roots = RootCertStore {
        roots: webpki_roots::TLS_SERVER_ROOTS.to_vec(),
    };
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

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn the_system_roots_are_read_on_first_use_then_kept() {
        let tls = RunTls::new(&ClientOptions::default()).unwrap();
        assert!(!tls.is_made(), "nothing read before the first https dial");
        let first: *const ClientConfig = tls.config().await.unwrap();
        assert!(tls.is_made());
        let again: *const ClientConfig = tls.config().await.unwrap();
        assert_eq!(first, again, "one configuration for the whole run");
        let config = tls.config().await.unwrap();
        assert_eq!(
            config.alpn_protocols,
            [b"h2".to_vec(), b"http/1.1".to_vec()]
        );
    }

    #[test]
    fn insecure_reads_no_roots_and_is_made_at_once() {
        let opts = ClientOptions {
            insecure: true,
            ..ClientOptions::default()
        };
        let tls = RunTls::new(&opts).unwrap();
        assert!(tls.is_made());
    }
}
