//! Webhooks as Standard Webhooks 1.0 defines them: the events a campaign's other systems may
//! follow, the address they are sent to, the secret that signs them, and the signature.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, Mac};
use rand::RngCore;
use sha2::Sha256;

/// What a webhook may follow.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum WebhookEvent {
    SignatureConfirmed,
    SignatureWithdrawn,
    SignatureErased,
    SignatureReviewed,
    MilestoneReached,
    CampaignClosed,
    CampaignHandedIn,
    /// Sent on request, to check a receiver; every webhook takes it.
    Test,
}

text_enum!(WebhookEvent {
    WebhookEvent::SignatureConfirmed => "signature.confirmed",
    WebhookEvent::SignatureWithdrawn => "signature.withdrawn",
    WebhookEvent::SignatureErased => "signature.erased",
    WebhookEvent::SignatureReviewed => "signature.reviewed",
    WebhookEvent::MilestoneReached => "campaign.milestone_reached",
    WebhookEvent::CampaignClosed => "campaign.closed",
    WebhookEvent::CampaignHandedIn => "campaign.handed_in",
    WebhookEvent::Test => "webhook.test",
});

impl WebhookEvent {
    /// The events an organiser may subscribe to.
    pub const SUBSCRIBABLE: [WebhookEvent; 7] = [
        WebhookEvent::SignatureConfirmed,
        WebhookEvent::SignatureWithdrawn,
        WebhookEvent::SignatureErased,
        WebhookEvent::SignatureReviewed,
        WebhookEvent::MilestoneReached,
        WebhookEvent::CampaignClosed,
        WebhookEvent::CampaignHandedIn,
    ];

    /// A list of event names as an organiser gives it: at least one, each subscribable,
    /// without repeats.
    pub fn parse_list(raw: &[String]) -> Result<Vec<WebhookEvent>, String> {
        if raw.is_empty() {
            return Err("must name at least one event".into());
        }
        let mut events = Vec::new();
        for name in raw {
            let event = Self::SUBSCRIBABLE
                .into_iter()
                .find(|e| e.as_str() == name)
                .ok_or_else(|| {
                    let names: Vec<&str> = Self::SUBSCRIBABLE.iter().map(|e| e.as_str()).collect();
                    format!(
                        "{name:?} is not an event; the events are {}",
                        names.join(", ")
                    )
                })?;
            if !events.contains(&event) {
                events.push(event);
            }
        }
        Ok(events)
    }
}

/// Where a webhook is delivered: an `https` address (or `http` for a host the service is told
/// to allow, such as a receiver on the same machine), with no user name or password in it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebhookUrl(url::Url);

impl WebhookUrl {
    const MAX_CHARS: usize = 2_000;

    /// An address as written: `https://` (or `http://`), a host, perhaps a port, then a path
    /// and query with no space, control character or `#fragment`. The host is a name whose
    /// last label starts with a letter (as every public name's does), or an IP address, which
    /// is taken only for a host the service is told to allow (see `webhooks::AllowedHosts`).
    pub fn parse(raw: &str) -> Result<Self, String> {
        if raw.chars().count() > Self::MAX_CHARS {
            return Err(format!("must be at most {} characters", Self::MAX_CHARS));
        }
        let raw = raw.trim();
        let shape = || "must be a full address, like https://crm.example.org/hooks".to_owned();
        if raw.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(shape());
        }
        let url = url::Url::parse(raw).map_err(|_| shape())?;
        if !matches!(url.scheme(), "https" | "http") || url.host().is_none() {
            return Err("must be an https:// address".into());
        }
        if let Some(url::Host::Domain(name)) = url.host() {
            let labels: Vec<&str> = name.split('.').collect();
            let well_formed = labels.iter().all(|l| {
                !l.is_empty()
                    && !l.starts_with('-')
                    && !l.ends_with('-')
                    && l.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
            });
            // (A trailing dot leaves an empty last label, refused above, never indexed here.)
            let named = labels.len() == 1
                || labels
                    .last()
                    .and_then(|l| l.bytes().next())
                    .is_some_and(|b| b.is_ascii_alphabetic());
            if !(well_formed && named) {
                return Err("must name its host, like crm.example.org".into());
            }
        }
        if !url.username().is_empty() || url.password().is_some() {
            return Err("must not hold a user name or password".into());
        }
        if url.fragment().is_some() {
            return Err("must not have a #fragment".into());
        }
        Ok(Self(url))
    }

    pub fn url(&self) -> &url::Url {
        &self.0
    }

    pub fn as_str(&self) -> &str {
        self.0.as_str()
    }
}

/// A campaign's webhook: where its events go, which, and how they are signed.
#[derive(Debug, Clone)]
pub struct Webhook {
    pub id: uuid::Uuid,
    pub campaign_id: uuid::Uuid,
    pub url: WebhookUrl,
    pub events: Vec<WebhookEvent>,
    /// Whether payloads carry the signer's name and email.
    pub include_personal_data: bool,
    pub secret: WebhookSecret,
    /// The secret before the last rotation, which signs too until `previous_until`.
    pub previous_secret: Option<WebhookSecret>,
    pub previous_until: Option<chrono::DateTime<chrono::Utc>>,
    pub created_at: chrono::DateTime<chrono::Utc>,
    /// When a receiver answered 410 Gone, after which nothing is sent.
    pub disabled_at: Option<chrono::DateTime<chrono::Utc>>,
    pub disabled_reason: Option<String>,
}

impl Webhook {
    /// The `webhook-signature` header for one delivery: signed with the secret, and during a
    /// rotation with the previous one too, so that a receiver holding either accepts it.
    pub fn signature(
        &self,
        id: &str,
        timestamp: chrono::DateTime<chrono::Utc>,
        body: &[u8],
    ) -> String {
        let mut signatures = vec![self.secret.sign(id, timestamp.timestamp(), body)];
        if let (Some(previous), Some(until)) = (&self.previous_secret, self.previous_until)
            && until > timestamp
        {
            signatures.push(previous.sign(id, timestamp.timestamp(), body));
        }
        signatures.join(" ")
    }
}

/// A webhook's signing secret: `whsec_` and the base64 of 24 random bytes. Shown once, when
/// made or rotated; kept, since every delivery is signed with it.
#[derive(Clone, PartialEq, Eq)]
pub struct WebhookSecret(String);

impl WebhookSecret {
    const PREFIX: &'static str = "whsec_";

    pub fn generate() -> Self {
        let mut bytes = [0u8; 24];
        rand::rng().fill_bytes(&mut bytes);
        Self(format!("{}{}", Self::PREFIX, STANDARD.encode(bytes)))
    }

    /// A stored secret, read back.
    pub fn parse(raw: &str) -> Result<Self, String> {
        let key = raw.strip_prefix(Self::PREFIX).unwrap_or(raw);
        STANDARD
            .decode(key)
            .map(|_| Self(raw.to_owned()))
            .map_err(|_| "is not a webhook secret".to_owned())
    }

    pub fn expose(&self) -> &str {
        &self.0
    }

    /// The key it stands for: the base64 after the prefix, decoded.
    fn key(&self) -> Vec<u8> {
        let key = self.0.strip_prefix(Self::PREFIX).unwrap_or(&self.0);
        STANDARD.decode(key).expect("made or checked by parse")
    }

    /// The signature of one delivery: `v1,` and the base64 of the HMAC-SHA256 of
    /// `{id}.{timestamp}.{body}`.
    pub fn sign(&self, id: &str, timestamp: i64, body: &[u8]) -> String {
        let mut mac = Hmac::<Sha256>::new_from_slice(&self.key()).expect("any key length");
        mac.update(format!("{id}.{timestamp}.").as_bytes());
        mac.update(body);
        format!("v1,{}", STANDARD.encode(mac.finalize().into_bytes()))
    }
}

/// A signature as a webhook's message reports it.
#[derive(Debug, Clone)]
pub struct ReportedSignature {
    pub id: uuid::Uuid,
    pub source: Option<String>,
    pub country: String,
    pub postcode_area: Option<String>,
    pub signatory_type: String,
    pub name: Option<String>,
    pub email: Option<String>,
    /// Whether the signature stands confirmed.
    pub confirmed: bool,
    /// Whether the signer gave an age under 18.
    pub young: bool,
}

/// Why a signature's event carries no name or email.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PersonalDataWithheld {
    /// The webhook did not ask for it.
    NotRequested,
    /// The signer is under 18: never, whatever the webhook asks.
    YoungSigner,
    /// Not (or no longer) a confirmed signature: pending, withdrawn, erased or spam.
    NotConfirmed,
    /// Erased after the message was made.
    Erased,
}

text_enum!(PersonalDataWithheld {
    PersonalDataWithheld::NotRequested => "not-requested",
    PersonalDataWithheld::YoungSigner => "young-signer",
    PersonalDataWithheld::NotConfirmed => "not-confirmed",
    PersonalDataWithheld::Erased => "erased",
});

impl ReportedSignature {
    /// Why the signer's name and email stay out of a webhook's message, if they do: they go
    /// only to a webhook that asks, for a confirmed signer of 18 or over (or who gave no age).
    pub fn withheld(&self, requested: bool) -> Option<PersonalDataWithheld> {
        if self.young {
            Some(PersonalDataWithheld::YoungSigner)
        } else if !requested {
            Some(PersonalDataWithheld::NotRequested)
        } else if !self.confirmed {
            Some(PersonalDataWithheld::NotConfirmed)
        } else {
            None
        }
    }

    /// Where it came from and who signed as what, and `personal_data` saying whether the
    /// signer's name and email are there (with `personal_data_withheld` saying why not).
    pub fn to_json(&self, requested: bool) -> serde_json::Value {
        let mut reported = serde_json::json!({
            "id": self.id, "source": self.source, "country": self.country,
            "postcode_area": self.postcode_area, "signatory_type": self.signatory_type,
        });
        match self.withheld(requested) {
            None => {
                reported["name"] = self.name.clone().into();
                reported["email"] = self.email.clone().into();
                reported["personal_data"] = true.into();
            }
            Some(why) => {
                reported["personal_data"] = false.into();
                reported["personal_data_withheld"] = why.as_str().into();
            }
        }
        reported
    }
}

impl WebhookEvent {
    /// A message's body as Standard Webhooks has it: the event's type, its time to the
    /// millisecond, and its data.
    pub fn message(
        self,
        at: chrono::DateTime<chrono::Utc>,
        data: serde_json::Value,
    ) -> serde_json::Value {
        serde_json::json!({
            "type": self.as_str(),
            "timestamp": at.to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
            "data": data,
        })
    }
}

impl std::fmt::Debug for WebhookSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("WebhookSecret(..)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signs_the_specification_s_published_example() {
        let secret = WebhookSecret::parse("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw").unwrap();
        assert_eq!(
            secret.sign(
                "msg_p5jXN8AQM9LWM0D4loKWxJek",
                1_614_265_330,
                br#"{"test": 2432232314}"#
            ),
            "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
        );
    }

    #[test]
    fn a_new_secret_reads_back_and_signs_alike() {
        let secret = WebhookSecret::generate();
        assert!(secret.expose().starts_with("whsec_"));
        let read = WebhookSecret::parse(secret.expose()).unwrap();
        assert_eq!(read.sign("msg_1", 1, b"{}"), secret.sign("msg_1", 1, b"{}"));
    }

    #[test]
    fn a_signature_is_reported_without_its_signer_unless_asked() {
        let signature = ReportedSignature {
            id: uuid::Uuid::nil(),
            source: Some("nyas".into()),
            country: "UK".into(),
            postcode_area: Some("CF".into()),
            signatory_type: "individual".into(),
            name: Some("Ffion".into()),
            email: Some("ffion@example.org".into()),
            confirmed: true,
            young: false,
        };
        let anonymous = signature.to_json(false);
        assert_eq!(anonymous["postcode_area"], "CF");
        assert!(anonymous.get("name").is_none() && anonymous.get("email").is_none());
        assert_eq!(anonymous["personal_data"], false);
        assert_eq!(anonymous["personal_data_withheld"], "not-requested");
        let personal = signature.to_json(true);
        assert_eq!(personal["email"], "ffion@example.org");
        assert_eq!(personal["personal_data"], true);
        // Never a young signer's, never an unconfirmed signer's.
        for (confirmed, young, why) in [
            (true, true, "young-signer"),
            (false, true, "young-signer"),
            (false, false, "not-confirmed"),
        ] {
            let withheld = ReportedSignature {
                confirmed,
                young,
                ..signature.clone()
            }
            .to_json(true);
            assert!(withheld.get("name").is_none() && withheld.get("email").is_none());
            assert_eq!(withheld["personal_data_withheld"], why);
        }
        let at = chrono::DateTime::from_timestamp_millis(1_614_265_330_123).unwrap();
        let body = WebhookEvent::SignatureConfirmed.message(at, serde_json::json!({}));
        assert_eq!(body["type"], "signature.confirmed");
        assert_eq!(body["timestamp"], "2021-02-25T15:02:10.123Z");
    }

    #[test]
    fn events_are_named_as_the_api_names_them() {
        let parsed =
            WebhookEvent::parse_list(&["signature.confirmed".into(), "campaign.closed".into()]);
        assert_eq!(
            parsed,
            Ok(vec![
                WebhookEvent::SignatureConfirmed,
                WebhookEvent::CampaignClosed
            ])
        );
        assert!(WebhookEvent::parse_list(&[]).is_err());
        assert!(WebhookEvent::parse_list(&["webhook.test".into()]).is_err());
    }

    #[test]
    fn a_host_with_a_trailing_dot_is_refused_not_a_panic() {
        for raw in [
            "https://localhost./",
            "https://crm.example.org./hooks",
            "https://./",
            "https://a..b/",
            "https://-.example/",
        ] {
            assert!(WebhookUrl::parse(raw).is_err(), "{raw}");
        }
    }

    #[test]
    fn an_address_is_https_without_credentials() {
        assert!(WebhookUrl::parse("https://crm.example.org/hooks").is_ok());
        assert!(WebhookUrl::parse("ftp://crm.example.org/").is_err());
        assert!(WebhookUrl::parse("https://user:pw@crm.example.org/").is_err());
        assert!(WebhookUrl::parse("not a url").is_err());
    }
}
