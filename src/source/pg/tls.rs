//! TLS to the server, with libpq's meaning of `sslmode`:
//!
//! | `sslmode`          | encrypted               | the server's certificate                      |
//! |--------------------|-------------------------|-----------------------------------------------|
//! | `disable`          | never                   | —                                             |
//! | `prefer` (default) | when the server offers  | not checked                                   |
//! | `require`          | always                  | not checked                                   |
//! | `verify-ca`        | always                  | signed by a trusted root                      |
//! | `verify-full`      | always                  | signed by a trusted root and names the host   |
//!
//! The trusted roots for `verify-*` are the PEM file `sslrootcert=` names (libpq's default
//! `~/.postgresql/root.crt` when it is not given), or the system's store with `sslrootcert=system`.
//! As with libpq, `require` with trusted roots at hand (`sslrootcert=` given, or the default file
//! there) checks the chain as `verify-ca` does.
//! The client library knows only the first three modes and neither option: the URL's reader
//! ([`super::url`]) gives it `require` for the `verify-*` modes and keeps the rest here.

use std::path::PathBuf;
use std::sync::Arc;

use rustls::client::WebPkiServerVerifier;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::WebPkiSupportedAlgorithms;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{
    CertificateError, ClientConfig, DigitallySignedStruct, RootCertStore, SignatureScheme,
};
use tokio_postgres_rustls::MakeRustlsConnect;

use super::url::{Roots, TlsOptions, Verify};

/// The connector for these options; an error is a sentence about the roots.
pub fn connector(options: &TlsOptions) -> Result<MakeRustlsConnect, String> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let builder = ClientConfig::builder_with_provider(Arc::clone(&provider))
        .with_safe_default_protocol_versions()
        .map_err(|e| format!("TLS: {e}"))?;
    let verify = match options.verify {
        Verify::Nothing
            if options.require
                && (options.roots.is_some() || default_roots().is_some_and(|p| p.is_file())) =>
        {
            Verify::Chain
        }
        v => v,
    };
    let verifier: Arc<dyn ServerCertVerifier> = match verify {
        Verify::Nothing => Arc::new(Unchecked(provider.signature_verification_algorithms)),
        Verify::Chain | Verify::Full => {
            let roots = Arc::new(roots(options.roots.as_ref())?);
            let webpki = WebPkiServerVerifier::builder_with_provider(roots, provider)
                .build()
                .map_err(|e| format!("TLS: {e}"))?;
            if verify == Verify::Full {
                webpki
            } else {
                Arc::new(AnyName(webpki))
            }
        }
    };
    let config = builder
        .dangerous()
        .with_custom_certificate_verifier(verifier)
        .with_no_client_auth();
    Ok(MakeRustlsConnect::new(config))
}

fn roots(roots: Option<&Roots>) -> Result<RootCertStore, String> {
    let mut store = RootCertStore::empty();
    let path = match roots {
        Some(Roots::System) => {
            let found = rustls_native_certs::load_native_certs();
            let (added, _) = store.add_parsable_certificates(found.certs);
            if added == 0 {
                return Err(
                    "sslrootcert=system: no trusted certificates found on this system".into(),
                );
            }
            return Ok(store);
        }
        Some(Roots::File(path)) => path.clone(),
        None => default_roots().ok_or(
            "verify-ca and verify-full need trusted roots: give sslrootcert=FILE or sslrootcert=system",
        )?,
    };
    let name = path.display();
    let certs = CertificateDer::pem_file_iter(&path)
        .map_err(|e| {
            format!(
                "sslrootcert {name}: {e} (give sslrootcert=FILE, or sslrootcert=system for the system's roots)"
            )
        })?
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| format!("sslrootcert {name}: {e}"))?;
    let (added, _) = store.add_parsable_certificates(certs);
    if added == 0 {
        return Err(format!("sslrootcert {name}: no certificate in it"));
    }
    Ok(store)
}

/// libpq's default file of trusted roots.
fn default_roots() -> Option<PathBuf> {
    std::env::var_os("HOME").map(|home| PathBuf::from(home).join(".postgresql/root.crt"))
}

/// Accepts any certificate, as libpq does for `prefer` and `require`; the handshake's signatures
/// are still checked, so the connection is encrypted with whoever holds the certificate's key.
#[derive(Debug)]
struct Unchecked(WebPkiSupportedAlgorithms);

impl ServerCertVerifier for Unchecked {
    fn verify_server_cert(
        &self,
        _: &CertificateDer<'_>,
        _: &[CertificateDer<'_>],
        _: &ServerName<'_>,
        _: &[u8],
        _: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(message, cert, dss, &self.0)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(message, cert, dss, &self.0)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.supported_schemes()
    }
}

/// `verify-ca`: the chain must reach a trusted root; the name in the certificate is not compared
/// with the host.
#[derive(Debug)]
struct AnyName(Arc<WebPkiServerVerifier>);

impl ServerCertVerifier for AnyName {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        match self
            .0
            .verify_server_cert(end_entity, intermediates, server_name, ocsp, now)
        {
            Err(rustls::Error::InvalidCertificate(
                CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. },
            )) => Ok(ServerCertVerified::assertion()),
            other => other,
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.0.verify_tls12_signature(message, cert, dss)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.0.verify_tls13_signature(message, cert, dss)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.supported_verify_schemes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn missing_roots_are_a_sentence() {
        let options = TlsOptions {
            verify: Verify::Full,
            roots: Some(Roots::File(PathBuf::from("/nonexistent/ca.pem"))),
            require: false,
        };
        let e = connector(&options).err().unwrap();
        assert!(e.starts_with("sslrootcert /nonexistent/ca.pem: "), "{e}");
        let unchecked = TlsOptions {
            verify: Verify::Nothing,
            roots: None,
            require: false,
        };
        assert!(connector(&unchecked).is_ok());
    }
}
