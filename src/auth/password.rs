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

/// Why a password could not be checked.
#[derive(Debug, thiserror::Error)]
pub enum CheckError {
    /// Every check is in use and none came free in time: a flood of logins waits its turn
    /// rather than exhausting memory (19 MiB a check) or the blocking pool.
    #[error("every password check is in use")]
    Busy,
    #[error(transparent)]
    Failed(#[from] anyhow::Error),
}

/// Hashes and verifies passwords off the async executor, a bounded number at once (every
/// hash the service makes, for set-up, new accounts and logins alike, waits its turn here), and
/// makes an unknown account cost the same as a wrong password, so that timing does not tell
/// which emails have accounts.
pub struct PasswordHasher {
    /// The hash of a random password no one knows, checked when the account does not exist.
    decoy_hash: String,
    checks: tokio::sync::Semaphore,
    wait: std::time::Duration,
}

impl PasswordHasher {
    /// At most `at_once` checks run together; a check waits up to `wait` for its turn.
    pub fn new(at_once: usize, wait: std::time::Duration) -> anyhow::Result<Self> {
        let decoy = Password::parse(SecretString::from(uuid::Uuid::new_v4().to_string()))
            .map_err(anyhow::Error::msg)?;
        Ok(Self {
            decoy_hash: hash_password(&decoy)?,
            checks: tokio::sync::Semaphore::new(at_once.max(1)),
            wait,
        })
    }

    /// Waits up to the configured time for one of the bounded turns.
    async fn turn(&self) -> Result<tokio::sync::SemaphorePermit<'_>, CheckError> {
        tokio::time::timeout(self.wait, self.checks.acquire())
            .await
            .map_err(|_| CheckError::Busy)?
            .map_err(|e| CheckError::Failed(e.into()))
    }

    /// Hashes a new password, in its turn.
    pub async fn hash(&self, password: Password) -> Result<String, CheckError> {
        let _turn = self.turn().await?;
        let hash = tokio::task::spawn_blocking(move || hash_password(&password))
            .await
            .map_err(anyhow::Error::from)??;
        Ok(hash)
    }

    /// True when `candidate` matches `stored_hash`; with no stored hash, does the same work
    /// against the decoy and answers false.
    pub async fn verify(
        &self,
        stored_hash: Option<String>,
        candidate: SecretString,
    ) -> Result<bool, CheckError> {
        let _turn = self.turn().await?;
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
        .await
        .map_err(anyhow::Error::from)??;
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
        let hasher = PasswordHasher::new(1, std::time::Duration::from_secs(5)).unwrap();
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
