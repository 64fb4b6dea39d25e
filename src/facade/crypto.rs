//! Marketplace credentials at rest: sealed with XChaCha20-Poly1305 under the hub's secret key
//! (a random 192-bit nonce per value, so nonces never repeat in practice), stored as
//! `v1:<base64(nonce || ciphertext)>`. The key comes from `facade.secret_key`, or is generated
//! on first start into `<data_dir>/secret.key`.

use std::path::Path;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;
use chacha20poly1305::aead::{Aead, AeadCore, KeyInit, OsRng};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};

use crate::config::Settings;

const PREFIX: &str = "v1:";
const NONCE_LEN: usize = 24;
/// The key file's name in the data directory.
pub const KEY_FILE: &str = "secret.key";

/// A 32-byte key from its base64 form.
pub fn parse_key(text: &str) -> Result<[u8; 32], String> {
    let bytes = B64
        .decode(text.trim())
        .map_err(|e| format!("not valid base64: {e}"))?;
    bytes
        .try_into()
        .map_err(|b: Vec<u8>| format!("must be 32 bytes, not {}", b.len()))
}

/// Seals and opens secrets.
#[derive(Clone)]
pub struct SecretBox {
    cipher: XChaCha20Poly1305,
}

impl std::fmt::Debug for SecretBox {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SecretBox(***)")
    }
}

impl SecretBox {
    pub fn new(key: &[u8; 32]) -> Self {
        Self {
            cipher: XChaCha20Poly1305::new(key.into()),
        }
    }

    /// The box for these settings: the configured key, else the data directory's key file
    /// (created with a new random key, readable by its owner only, when missing).
    pub fn from_settings(settings: &Settings) -> Result<Self, String> {
        let configured = settings.facade.secret_key.expose();
        if !configured.is_empty() {
            return parse_key(configured)
                .map(|k| Self::new(&k))
                .map_err(|e| format!("facade.secret_key: {e}"));
        }
        Self::from_file(&settings.data_dir.join(KEY_FILE))
    }

    fn from_file(path: &Path) -> Result<Self, String> {
        match std::fs::read_to_string(path) {
            Ok(text) => parse_key(&text)
                .map(|k| Self::new(&k))
                .map_err(|e| format!("{}: {e}", path.display())),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                let key = XChaCha20Poly1305::generate_key(&mut OsRng);
                if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
                    std::fs::create_dir_all(dir)
                        .map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
                }
                write_private(path, &format!("{}\n", B64.encode(key)))
                    .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
                log::info!(
                    "generated the key sealing marketplace credentials in {}",
                    path.display()
                );
                Ok(Self {
                    cipher: XChaCha20Poly1305::new(&key),
                })
            }
            Err(e) => Err(format!("cannot read {}: {e}", path.display())),
        }
    }

    /// `plaintext` sealed.
    pub fn seal(&self, plaintext: &str) -> Result<String, String> {
        let nonce = XChaCha20Poly1305::generate_nonce(&mut OsRng);
        let sealed = self
            .cipher
            .encrypt(&nonce, plaintext.as_bytes())
            .map_err(|_| "cannot encrypt".to_string())?;
        let mut out = Vec::with_capacity(NONCE_LEN + sealed.len());
        out.extend_from_slice(&nonce);
        out.extend_from_slice(&sealed);
        Ok(format!("{PREFIX}{}", B64.encode(out)))
    }

    /// The plaintext of a sealed value; an error when it was sealed with another key or altered.
    pub fn open(&self, sealed: &str) -> Result<String, String> {
        let body = sealed
            .strip_prefix(PREFIX)
            .ok_or("not a sealed value (unknown format)")?;
        let bytes = B64
            .decode(body)
            .map_err(|e| format!("sealed value is not base64: {e}"))?;
        if bytes.len() < NONCE_LEN {
            return Err("sealed value is truncated".into());
        }
        let (nonce, ciphertext) = bytes.split_at(NONCE_LEN);
        let plain = self
            .cipher
            .decrypt(XNonce::from_slice(nonce), ciphertext)
            .map_err(|_| "cannot decrypt: wrong secret key or altered value".to_string())?;
        String::from_utf8(plain).map_err(|_| "decrypted value is not UTF-8".into())
    }
}

#[cfg(unix)]
fn write_private(path: &Path, text: &str) -> std::io::Result<()> {
    use std::io::Write as _;
    use std::os::unix::fs::OpenOptionsExt as _;
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)?;
    f.write_all(text.as_bytes())
}

#[cfg(not(unix))]
fn write_private(path: &Path, text: &str) -> std::io::Result<()> {
    std::fs::write(path, text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seal_and_open() {
        let b = SecretBox::new(&[7; 32]);
        let sealed = b.seal("{\"token\":\"s3cret\"}").unwrap();
        assert!(sealed.starts_with("v1:"));
        assert!(!sealed.contains("s3cret"));
        assert_eq!(b.open(&sealed).unwrap(), "{\"token\":\"s3cret\"}");
        // Fresh nonce each time.
        assert_ne!(b.seal("x").unwrap(), b.seal("x").unwrap());
        // Another key, an altered value, garbage: errors, not panics.
        assert!(SecretBox::new(&[8; 32]).open(&sealed).is_err());
        let mut altered = sealed.clone().into_bytes();
        let last = altered.len() - 3;
        altered[last] = if altered[last] == b'A' { b'B' } else { b'A' };
        assert!(b.open(&String::from_utf8(altered).unwrap()).is_err());
        assert!(b.open("v1:AAAA").is_err());
        assert!(b.open("plain").is_err());
    }

    #[test]
    fn key_file_is_created_once() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sub").join(KEY_FILE);
        let a = SecretBox::from_file(&path).unwrap();
        let sealed = a.seal("hello").unwrap();
        let b = SecretBox::from_file(&path).unwrap();
        assert_eq!(b.open(&sealed).unwrap(), "hello");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt as _;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        assert!(parse_key("c2hvcnQ=").unwrap_err().contains("32 bytes"));
    }
}
