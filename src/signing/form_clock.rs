//! When a signing form was shown, signed by the service, so that a submission faster than a
//! person could fill the form in can be told apart: bots post the moment they have the page.
//! Such a submission is treated like one caught by the honeypot: answered as any other,
//! stored as spam, never counted.
//!
//! The stamp is `{milliseconds since 1970}.{first 16 bytes of an HMAC-SHA256, in hex}`. Its
//! key comes from the token secret, which every instance shares; without one (a development
//! run) it is random per process. A request with no stamp (a partner's server, a script) is
//! not judged by it; one with a forged or future stamp is judged a bot.

use std::time::Duration;

use crate::domain::derived_key;
use chrono::{DateTime, Utc};
use hmac::{Hmac, Mac};
use secrecy::SecretString;
use sha2::Sha256;

pub struct FormClock {
    key: [u8; 32],
    /// The least time a person takes to fill the form in.
    min_fill: Duration,
}

impl FormClock {
    pub fn new(secret: Option<&SecretString>, min_fill: Duration) -> Self {
        Self {
            key: derived_key(secret, b"undersigned form clock"),
            min_fill,
        }
    }

    /// The MAC of a time, not yet finished.
    fn keyed(&self, millis: i64) -> Hmac<Sha256> {
        let mut mac = Hmac::<Sha256>::new_from_slice(&self.key).expect("any key length");
        mac.update(millis.to_string().as_bytes());
        mac
    }

    /// The stamp for a form shown at `now`.
    pub fn stamp(&self, now: DateTime<Utc>) -> String {
        let millis = now.timestamp_millis();
        let mac = self.keyed(millis).finalize().into_bytes();
        format!("{millis}.{}", hex::encode(&mac[..16]))
    }

    /// When a stamp says its form was shown, if the stamp is ours.
    fn shown_at(&self, stamp: &str) -> Option<i64> {
        let (millis, mac) = stamp.split_once('.')?;
        let millis: i64 = millis.parse().ok()?;
        let presented = hex::decode(mac).ok().filter(|m| m.len() == 16)?;
        // Compared in constant time: the MAC is a secret until it matches.
        self.keyed(millis).verify_truncated_left(&presented).ok()?;
        Some(millis)
    }

    /// The stamp if it is ours (to keep when a form is shown again with its errors).
    pub fn genuine<'a>(&self, stamp: &'a str) -> Option<&'a str> {
        self.shown_at(stamp).map(|_| stamp)
    }

    /// Whether a form stamped so was sent too soon to be a person's, or the stamp is not ours.
    pub fn too_fast(&self, stamp: &str, now: DateTime<Utc>) -> bool {
        let Some(shown) = self.shown_at(stamp) else {
            return true;
        };
        let least = i64::try_from(self.min_fill.as_millis()).unwrap_or(i64::MAX);
        now.timestamp_millis().saturating_sub(shown) < least
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn clock() -> FormClock {
        FormClock::new(
            Some(&SecretString::from("a".repeat(32))),
            Duration::from_secs(2),
        )
    }

    #[test]
    fn a_form_sent_before_a_person_could_fill_it_is_too_fast() {
        let clock = clock();
        let shown = Utc::now();
        let stamp = clock.stamp(shown);
        assert!(clock.too_fast(&stamp, shown + chrono::Duration::milliseconds(500)));
        assert!(!clock.too_fast(&stamp, shown + chrono::Duration::seconds(3)));
        assert_eq!(clock.genuine(&stamp), Some(stamp.as_str()));
    }

    #[test]
    fn a_forged_or_foreign_stamp_is_judged_a_bot() {
        let clock = clock();
        let long_ago = Utc::now() - chrono::Duration::hours(1);
        let stamp = clock.stamp(long_ago);
        let (millis, mac) = stamp.split_once('.').unwrap();
        let earlier = format!("{}.{mac}", millis.parse::<i64>().unwrap() - 1);
        let other = FormClock::new(
            Some(&SecretString::from("b".repeat(32))),
            Duration::from_secs(2),
        );
        for forged in [
            earlier,
            other.stamp(long_ago),
            "123".into(),
            "x.y".into(),
            format!("{millis}."),
        ] {
            assert!(clock.too_fast(&forged, Utc::now()), "{forged}");
        }
        assert!(!clock.too_fast(&stamp, Utc::now()));
    }
}
