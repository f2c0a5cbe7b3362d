//! The key file that seals secrets at rest (see `openvisit_store::secrets`).

use std::io::Write;
use std::path::Path;

use anyhow::{Context, bail};
use openvisit_store::secrets::Keyring;

/// The default key file, in the data directory.
const DEFAULT_NAME: &str = "secret.key";

/// Reads the operator's key file. Without one named, `secret.key` in the data directory
/// is used, and created (readable by this user only) on first start; a file named
/// explicitly must exist, so a typo never starts the server with a new key.
pub fn load_keyring(file: Option<&Path>, data_dir: &Path) -> anyhow::Result<Keyring> {
    let default = data_dir.join(DEFAULT_NAME);
    let path = file.unwrap_or(&default);
    if file.is_none() && !path.exists() {
        create_key_file(path)?;
        tracing::warn!(
            file = %path.display(),
            "created a new secret key file for secrets at rest; keep it out of database \
             backups, or give --secret-key-file a path elsewhere"
        );
    } else if !path.exists() {
        bail!(
            "the secret key file {} does not exist (make one with: openssl rand -hex 32 > FILE)",
            path.display()
        );
    }
    warn_if_readable_by_others(path);
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("cannot read the secret key file {}", path.display()))?;
    Keyring::from_text(&text).with_context(|| format!("in {}", path.display()))
}

fn create_key_file(path: &Path) -> anyhow::Result<()> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    }
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut f = options
        .open(path)
        .with_context(|| format!("cannot create the secret key file {}", path.display()))?;
    let line = Keyring::new_key_line()?;
    writeln!(
        f,
        "# OpenVisit secret key: the first key seals, every key opens (docs/SECURITY.md).\n{line}"
    )
    .with_context(|| format!("cannot write {}", path.display()))?;
    Ok(())
}

fn warn_if_readable_by_others(path: &Path) {
    #[cfg(unix)]
    if let Ok(meta) = std::fs::metadata(path) {
        use std::os::unix::fs::PermissionsExt;
        if meta.permissions().mode() & 0o077 != 0 {
            tracing::warn!(
                file = %path.display(),
                "the secret key file is readable by other users: chmod 600 it"
            );
        }
    }
}
