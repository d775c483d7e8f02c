//! TLS to the brokers: the certificate must chain to the roots `ca=` names (a PEM file), or to the
//! system's roots, and must name the broker's host.

use std::path::Path;

use rustls::pki_types::CertificateDer;
use rustls::pki_types::pem::PemObject;
use rustls::{ClientConfig, RootCertStore};

/// The client's TLS settings; an error is a sentence about the roots.
pub fn client_config(ca: Option<&Path>) -> Result<ClientConfig, String> {
    let mut store = RootCertStore::empty();
    match ca {
        Some(path) => {
            let name = path.display();
            let certs = CertificateDer::pem_file_iter(path)
                .map_err(|e| format!("ca= {name}: {e}"))?
                .collect::<Result<Vec<_>, _>>()
                .map_err(|e| format!("ca= {name}: {e}"))?;
            let (added, _) = store.add_parsable_certificates(certs);
            if added == 0 {
                return Err(format!("ca= {name}: no certificate in it"));
            }
        }
        None => {
            let found = rustls_native_certs::load_native_certs();
            let (added, _) = store.add_parsable_certificates(found.certs);
            if added == 0 {
                return Err(
                    "tls=on: no trusted certificates found on this system (give ca=FILE)".into(),
                );
            }
        }
    }
    let provider = std::sync::Arc::new(rustls::crypto::ring::default_provider());
    Ok(ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| format!("TLS: {e}"))?
        .with_root_certificates(store)
        .with_no_client_auth())
}
