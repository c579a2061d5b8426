//! Proof of work in the ALTCHA protocol, instead of a CAPTCHA company: the form asks for a
//! challenge (`GET /v1/altcha/challenge`), its browser finds the number whose SHA-256 with the
//! challenge's salt makes the challenge, and sends it with the signature as `altcha`, the
//! base64 of ALTCHA's payload JSON. A person waits a moment; a bot signing thousands of times
//! pays for every one. Each solution is taken once: the store keeps the challenges spent until
//! they expire, so a replayed solution is refused on every instance.
//!
//! Challenges are signed with a key made from the token secret that every instance shares, so
//! any instance can check one another issued.

use altcha_lib_rs::{Challenge, ChallengeOptions, Payload};
use base64::Engine;
use chrono::{DateTime, Duration, Utc};
use secrecy::SecretString;

use crate::domain::derived_key;

/// How long a challenge can be solved and used. The form asks for one as the signer sends,
/// so no signer is hurried by it.
const LIFETIME_MINUTES: i64 = 10;

pub struct ProofOfWork {
    key: String,
    /// The highest number a challenge hides: the browser tries half as many on average.
    max_number: u64,
}

/// A solution that checks out, to be spent once.
#[derive(Debug, PartialEq, Eq)]
pub struct Solution {
    /// The challenge it solves, as the store keeps it spent.
    pub challenge: String,
    pub expires_at: DateTime<Utc>,
}

impl ProofOfWork {
    pub fn new(secret: Option<&SecretString>, max_number: u64) -> Self {
        let key: String = derived_key(secret, b"undersigned proof of work")
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        Self {
            key,
            max_number: max_number.max(1),
        }
    }

    /// A new challenge, expiring [`LIFETIME_MINUTES`] from `now`.
    pub fn challenge(&self, now: DateTime<Utc>) -> Challenge {
        altcha_lib_rs::create_challenge(ChallengeOptions {
            hmac_key: &self.key,
            max_number: Some(self.max_number),
            expires: Some(now + Duration::minutes(LIFETIME_MINUTES)),
            ..Default::default()
        })
        .expect("a challenge with a number below its maximum")
    }

    /// Checks the `altcha` field: base64 of ALTCHA's payload JSON, solving a challenge of ours
    /// that has not expired. `Err` says what is wrong, for the signer.
    pub fn check(&self, field: &str, now: DateTime<Utc>) -> Result<Solution, String> {
        let unreadable =
            || "is not a proof-of-work solution (base64 of ALTCHA's payload JSON)".to_owned();
        let json = base64::engine::general_purpose::STANDARD
            .decode(field.trim())
            .map_err(|_| unreadable())?;
        let payload: Payload = serde_json::from_slice(&json).map_err(|_| unreadable())?;
        // A challenge without an expiry is none of ours: ours all carry one.
        let expires_at = payload
            .salt
            .split_once('?')
            .and_then(|(_, query)| {
                url::form_urlencoded::parse(query.as_bytes())
                    .find(|(k, _)| k == "expires")
                    .and_then(|(_, v)| v.parse::<i64>().ok())
            })
            .and_then(|t| DateTime::from_timestamp(t, 0))
            .ok_or_else(|| "does not solve a challenge of this service".to_owned())?;
        if expires_at <= now {
            return Err("has expired: the form asks for a new challenge when sent again".into());
        }
        altcha_lib_rs::verify_solution(&payload, &self.key, false)
            .map_err(|_| "does not solve its challenge".to_owned())?;
        Ok(Solution {
            challenge: payload.challenge,
            expires_at,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn solved(pow: &ProofOfWork, challenge: &Challenge) -> String {
        let number = altcha_lib_rs::solve_challenge(
            &challenge.challenge,
            &challenge.salt,
            Some(challenge.algorithm),
            Some(challenge.maxnumber),
            0,
        )
        .unwrap();
        let payload = serde_json::json!({
            "algorithm": "SHA-256",
            "challenge": challenge.challenge,
            "number": number,
            "salt": challenge.salt,
            "signature": challenge.signature,
        });
        let _ = pow;
        base64::engine::general_purpose::STANDARD.encode(payload.to_string())
    }

    #[test]
    fn a_solution_checks_out_until_its_challenge_expires() {
        let pow = ProofOfWork::new(None, 1_000);
        let now = Utc::now();
        let challenge = pow.challenge(now);
        let field = solved(&pow, &challenge);
        assert_eq!(
            pow.check(&field, now).unwrap().challenge,
            challenge.challenge
        );
        assert!(pow.check(&field, now + Duration::minutes(11)).is_err());
        // Another key (another service) did not issue it.
        assert!(ProofOfWork::new(None, 1_000).check(&field, now).is_err());
        assert!(pow.check("not base64!", now).is_err());
        assert!(pow.check("e30=", now).is_err());
    }
}
