//! HTTPS on the web port: the certificate chain and key `serve --tls-cert/--tls-key`
//! name (PEM), read again when either file changes, so a renewed certificate (every
//! 60–90 days) is served without a restart. A file that does not parse leaves the
//! certificate in use as it was, and says so in the log.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, SystemTime};

use rustls::ServerConfig;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};

#[derive(Debug, thiserror::Error)]
pub enum TlsError {
    #[error("cannot read {path}: {error}")]
    Read {
        path: PathBuf,
        error: std::io::Error,
    },
    #[error("{path} holds no certificate in PEM")]
    NoCertificate { path: PathBuf },
    #[error("{path} holds no private key in PEM: {error}")]
    Key { path: PathBuf, error: String },
    #[error("the certificate and key cannot be used together: {0}")]
    Config(String),
}

/// The certificate files and the configuration read from them last.
pub struct TlsFiles {
    cert: PathBuf,
    key: PathBuf,
    config: RwLock<Arc<ServerConfig>>,
    /// The files' modification times when last read.
    read_at: Mutex<(Option<SystemTime>, Option<SystemTime>)>,
}

fn modified(path: &Path) -> Option<SystemTime> {
    std::fs::metadata(path).and_then(|m| m.modified()).ok()
}

fn read(path: &Path) -> Result<Vec<u8>, TlsError> {
    std::fs::read(path).map_err(|error| TlsError::Read {
        path: path.to_owned(),
        error,
    })
}

/// A server configuration for HTTP/1.1 from PEM files.
fn server_config(cert: &Path, key: &Path) -> Result<ServerConfig, TlsError> {
    let chain: Vec<CertificateDer<'static>> = CertificateDer::pem_slice_iter(&read(cert)?)
        .filter_map(Result::ok)
        .collect();
    if chain.is_empty() {
        return Err(TlsError::NoCertificate {
            path: cert.to_owned(),
        });
    }
    let key_der = PrivateKeyDer::from_pem_slice(&read(key)?).map_err(|e| TlsError::Key {
        path: key.to_owned(),
        error: e.to_string(),
    })?;
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let mut config = ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| TlsError::Config(e.to_string()))?
        .with_no_client_auth()
        .with_single_cert(chain, key_der)
        .map_err(|e| TlsError::Config(e.to_string()))?;
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(config)
}

impl TlsFiles {
    /// Reads both files; fails if they do not make a usable configuration.
    pub fn load(cert: PathBuf, key: PathBuf) -> Result<Arc<TlsFiles>, TlsError> {
        let stamps = (modified(&cert), modified(&key));
        let config = server_config(&cert, &key)?;
        Ok(Arc::new(TlsFiles {
            cert,
            key,
            config: RwLock::new(Arc::new(config)),
            read_at: Mutex::new(stamps),
        }))
    }

    /// The configuration new connections are accepted with.
    pub fn current(&self) -> Arc<ServerConfig> {
        match self.config.read() {
            Ok(c) => c.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        }
    }

    /// Reads the files again if either changed since. `Ok(true)` when the new
    /// certificate is now served; an error leaves the old one in place.
    pub fn reload_if_changed(&self) -> Result<bool, TlsError> {
        let stamps = (modified(&self.cert), modified(&self.key));
        {
            let Ok(read_at) = self.read_at.lock() else {
                return Ok(false);
            };
            if *read_at == stamps {
                return Ok(false);
            }
        }
        let config = server_config(&self.cert, &self.key)?;
        if let Ok(mut c) = self.config.write() {
            *c = Arc::new(config);
        }
        if let Ok(mut read_at) = self.read_at.lock() {
            *read_at = stamps;
        }
        Ok(true)
    }

    /// Looks at the files every `every` and serves a renewed certificate from then on.
    pub fn watch(self: &Arc<Self>, every: Duration) {
        let files = self.clone();
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(every);
            loop {
                tick.tick().await;
                match files.reload_if_changed() {
                    Ok(true) => tracing::info!(
                        cert = %files.cert.display(),
                        "serving the renewed TLS certificate"
                    ),
                    Ok(false) => {}
                    Err(e) => tracing::error!(
                        error = %e,
                        "the TLS certificate files changed but cannot be used; still serving the previous certificate"
                    ),
                }
            }
        });
    }
}
