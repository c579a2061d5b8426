use std::time::Duration;

use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// The audience of every access token: this API.
pub const AUDIENCE: &str = "undersigned-api";

#[derive(Debug, Serialize, Deserialize)]
struct Claims {
    sub: Uuid,
    /// The session the token belongs to: logging out ends it, and with it the token.
    sid: Uuid,
    iss: String,
    aud: String,
    iat: i64,
    exp: i64,
}

/// Issues and checks organisers' access tokens: HS256 only, with `sub`, `iss`, `aud` and
/// `exp` all required and checked.
#[derive(Clone)]
pub struct TokenService {
    encoding: EncodingKey,
    decoding: DecodingKey,
    validation: Validation,
    issuer: String,
    lifetime: Duration,
}

impl TokenService {
    /// Signs with `secret`: from the environment, or the installation's own key kept in its
    /// database, so that tokens outlive a restart and work on every instance.
    pub fn new(secret: &SecretString, issuer: &str, lifetime: Duration) -> Self {
        let key = secret.expose_secret().as_bytes().to_vec();
        // Pinning the algorithm refuses `none` and every other algorithm a token may claim.
        let mut validation = Validation::new(Algorithm::HS256);
        validation.set_issuer(&[issuer]);
        validation.set_audience(&[AUDIENCE]);
        validation.set_required_spec_claims(&["exp", "sub", "iss", "aud"]);
        // jsonwebtoken's default leeway is 60 s; instances share a clock closely enough for 5.
        validation.leeway = 5;
        Self {
            encoding: EncodingKey::from_secret(&key),
            decoding: DecodingKey::from_secret(&key),
            validation,
            issuer: issuer.to_owned(),
            lifetime,
        }
    }

    pub fn lifetime(&self) -> Duration {
        self.lifetime
    }

    /// A token for `user_id` in the session `session_id`, lasting the token lifetime from `now`.
    pub fn issue(
        &self,
        user_id: Uuid,
        session_id: Uuid,
        now: chrono::DateTime<chrono::Utc>,
    ) -> anyhow::Result<String> {
        let now = now.timestamp();
        let claims = Claims {
            sub: user_id,
            sid: session_id,
            iss: self.issuer.clone(),
            aud: AUDIENCE.to_owned(),
            iat: now,
            exp: now + self.lifetime.as_secs() as i64,
        };
        Ok(jsonwebtoken::encode(
            &Header::new(Algorithm::HS256),
            &claims,
            &self.encoding,
        )?)
    }

    /// The account a token speaks for and its session, or `None` for any token that fails a
    /// check.
    pub fn verify(&self, token: &str) -> Option<(Uuid, Uuid)> {
        jsonwebtoken::decode::<Claims>(token, &self.decoding, &self.validation)
            .map(|data| (data.claims.sub, data.claims.sid))
            .ok()
    }
}
