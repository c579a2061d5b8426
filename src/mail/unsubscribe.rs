//! The one-click unsubscribe (RFC 8058) that every update to signers carries. The link names
//! the signature and carries a MAC of it, so it works without a login and cannot be made for
//! someone else; it is honoured for every later update of that campaign.

use hmac::{Hmac, Mac};
use secrecy::SecretString;
use sha2::Sha256;
use uuid::Uuid;

use crate::domain::derived_key;

pub struct Unsubscribes {
    key: [u8; 32],
}

impl Unsubscribes {
    pub fn new(secret: Option<&SecretString>) -> Self {
        Self {
            key: derived_key(secret, b"undersigned unsubscribe"),
        }
    }

    fn keyed(&self, signature: Uuid) -> Hmac<Sha256> {
        let mut mac = Hmac::<Sha256>::new_from_slice(&self.key).expect("any key length");
        mac.update(signature.as_bytes());
        mac
    }

    /// The token of a signer's unsubscribe link: the signature's id and 16 bytes of MAC, hex.
    pub fn token(&self, signature: Uuid) -> String {
        let mac = self.keyed(signature).finalize().into_bytes();
        format!("{}{}", signature.simple(), hex::encode(&mac[..16]))
    }

    /// The signature a token is for, if it is one of ours.
    pub fn signature(&self, token: &str) -> Option<Uuid> {
        if token.len() != 64 || !token.is_ascii() {
            return None;
        }
        let (id, mac) = token.split_at(32);
        let signature = Uuid::try_parse(id).ok()?;
        let presented = hex::decode(mac).ok()?;
        // Compared in constant time: the MAC is a secret until it matches.
        self.keyed(signature)
            .verify_truncated_left(&presented)
            .ok()
            .map(|_| signature)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_token_names_its_signature_and_cannot_be_made_for_another() {
        let unsubscribes = Unsubscribes::new(Some(
            &"a-secret-of-at-least-32-bytes-long!".to_owned().into(),
        ));
        let signature = Uuid::now_v7();
        let token = unsubscribes.token(signature);
        assert_eq!(unsubscribes.signature(&token), Some(signature));
        let other = Uuid::now_v7();
        let forged = format!("{}{}", other.simple(), &token[32..]);
        assert_eq!(unsubscribes.signature(&forged), None);
        assert_eq!(unsubscribes.signature("short"), None);
    }
}
