use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use rand::RngCore;
use sha2::{Digest, Sha256};

/// A secret sent to a signer in a link (confirm, withdraw). 256 random bits; only its SHA-256
/// is stored, so a copy of the database cannot confirm or withdraw anyone's signature.
#[derive(Clone)]
pub struct SecretToken {
    pub plain: String,
    pub hash: String,
}

impl SecretToken {
    pub fn generate() -> Self {
        let mut bytes = [0u8; 32];
        rand::rng().fill_bytes(&mut bytes);
        let plain = URL_SAFE_NO_PAD.encode(bytes);
        let hash = Self::hash_of(&plain);
        Self { plain, hash }
    }

    /// The stored form of a token a signer presents.
    pub fn hash_of(plain: &str) -> String {
        hex::encode(Sha256::digest(plain.as_bytes()))
    }

    /// Whether a presented string could be one of our tokens at all (43 base64url characters),
    /// so that anything else is refused before touching the database.
    pub fn looks_valid(plain: &str) -> bool {
        plain.len() == 43
            && plain
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    }
}

impl std::fmt::Debug for SecretToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SecretToken(..)")
    }
}

/// A key of its own for one use (`purpose`), made from the token secret that every instance
/// shares, so that a MAC made for one use is never valid for another nor a token's signature.
/// Without a secret (a development run) it is random per process.
pub fn derived_key(secret: Option<&secrecy::SecretString>, purpose: &[u8]) -> [u8; 32] {
    match secret {
        Some(secret) => {
            use secrecy::ExposeSecret;
            use sha2::Digest;
            let mut hasher = sha2::Sha256::new();
            hasher.update(purpose);
            hasher.update(b"\0");
            hasher.update(secret.expose_secret().as_bytes());
            hasher.finalize().into()
        }
        None => {
            let mut key = [0u8; 32];
            rand::RngCore::fill_bytes(&mut rand::rng(), &mut key);
            key
        }
    }
}

#[cfg(test)]
mod tests {
    use super::SecretToken;

    #[test]
    fn tokens_are_unique_well_formed_and_stored_hashed() {
        let a = SecretToken::generate();
        let b = SecretToken::generate();
        assert_ne!(a.plain, b.plain);
        assert!(SecretToken::looks_valid(&a.plain));
        assert_eq!(a.hash, SecretToken::hash_of(&a.plain));
        assert_ne!(a.hash, a.plain);
        assert!(!SecretToken::looks_valid("short"));
        assert!(!SecretToken::looks_valid(&format!("{}!", &a.plain[..42])));
    }
}
