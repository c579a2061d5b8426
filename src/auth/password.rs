use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use secrecy::{ExposeSecret, SecretString};

use crate::domain::Password;

/// OWASP's argon2id recommendation: 19 MiB of memory, 2 iterations, 1 lane.
fn argon2() -> Argon2<'static> {
    let params = Params::new(19_456, 2, 1, None).expect("valid argon2 parameters");
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

/// Hashes a new password. Slow by design (tens of milliseconds): call it on the blocking pool.
pub fn hash_password(password: &Password) -> anyhow::Result<String> {
    use argon2::password_hash::PasswordHasher as _;
    let salt = SaltString::generate(&mut OsRng);
    let hash = argon2()
        .hash_password(password.secret().expose_secret().as_bytes(), &salt)
        .map_err(|e| anyhow::anyhow!("hashing a password: {e}"))?;
    Ok(hash.to_string())
}

/// Verifies passwords off the async executor, and makes an unknown account cost the same as
/// a wrong password, so that timing does not tell which emails have accounts.
#[derive(Clone)]
pub struct PasswordHasher {
    /// The hash of a random password no one knows, checked when the account does not exist.
    decoy_hash: String,
}

impl PasswordHasher {
    pub fn new() -> anyhow::Result<Self> {
        let decoy = Password::parse(SecretString::from(uuid::Uuid::new_v4().to_string()))
            .map_err(anyhow::Error::msg)?;
        Ok(Self {
            decoy_hash: hash_password(&decoy)?,
        })
    }

    /// True when `candidate` matches `stored_hash`; with no stored hash, does the same work
    /// against the decoy and answers false.
    pub async fn verify(
        &self,
        stored_hash: Option<String>,
        candidate: SecretString,
    ) -> anyhow::Result<bool> {
        let known = stored_hash.is_some();
        let hash = stored_hash.unwrap_or_else(|| self.decoy_hash.clone());
        let matches = tokio::task::spawn_blocking(move || {
            let parsed = PasswordHash::new(&hash)
                .map_err(|e| anyhow::anyhow!("stored password hash is invalid: {e}"))?;
            Ok::<_, anyhow::Error>(
                argon2()
                    .verify_password(candidate.expose_secret().as_bytes(), &parsed)
                    .is_ok(),
            )
        })
        .await??;
        Ok(known && matches)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn hashes_with_argon2id_and_verifies() {
        let password = Password::parse("correct horse battery".into()).unwrap();
        let hash = hash_password(&password).unwrap();
        assert!(hash.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"));
        let hasher = PasswordHasher::new().unwrap();
        assert!(
            hasher
                .verify(Some(hash.clone()), "correct horse battery".into())
                .await
                .unwrap()
        );
        assert!(
            !hasher
                .verify(Some(hash), "wrong horse battery".into())
                .await
                .unwrap()
        );
        assert!(
            !hasher
                .verify(None, "correct horse battery".into())
                .await
                .unwrap()
        );
    }
}
