//! Pledges after they are taken: whether one still holds (what its verification page and badge
//! say), the link that renews it, and the sweep that reminds each pledger a month before its
//! pledge lapses and lapses those not renewed in time.

use chrono::{DateTime, Utc};
use hmac::{Hmac, Mac};
use secrecy::SecretString;
use sha2::Sha256;
use uuid::Uuid;

use crate::domain::derived_key;
use crate::domain::{Campaign, RenewAfterMonths, Review, SignatureStatus};
use crate::store::{self, SignatureRecord, Store, StoreError};

/// Renewal and its clock, shared by the sweep and the renewal page.
pub struct Pledging {
    key: [u8; 32],
    /// Added to the clock that renewal reads, to rehearse reminders and lapses (and test them)
    /// without waiting months; zero in service.
    clock_offset: chrono::Duration,
}

/// Where a pledge stands, as its verification page and badge tell it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Standing {
    /// Taken, confirmed and approved, and listed: the badge verifies it.
    Held {
        taken: DateTime<Utc>,
        lapses: Option<DateTime<Utc>>,
    },
    /// Not (yet) a verified pledge: waiting for confirmation or approval, or never one.
    Unverified,
    /// Held once, and no longer.
    Ended(Ending),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ending {
    Withdrawn,
    Rejected,
    Erased,
    Lapsed(Option<DateTime<Utc>>),
}

impl Ending {
    /// What the verification page says happened, after "This pledge", in `lang`.
    pub fn said(self, lang: crate::domain::Lang) -> String {
        use crate::i18n::{text, text_with};
        match self {
            Ending::Withdrawn => text(lang, "ending-withdrawn"),
            Ending::Rejected => text(lang, "ending-rejected"),
            Ending::Erased => text(lang, "ending-erased"),
            Ending::Lapsed(Some(at)) => text_with(
                lang,
                "ending-lapsed-on",
                &[("date", crate::i18n::day(lang, at).into())],
            ),
            Ending::Lapsed(None) => text(lang, "ending-lapsed"),
        }
    }
}

/// A pledge's standing on `campaign`, from its stored record.
pub fn standing(record: &SignatureRecord, campaign: &Campaign) -> Standing {
    if record.erased_at.is_some() {
        return Standing::Ended(Ending::Erased);
    }
    match (record.status, record.review) {
        (SignatureStatus::Withdrawn, _) => Standing::Ended(Ending::Withdrawn),
        (SignatureStatus::Lapsed, _) => Standing::Ended(Ending::Lapsed(record.lapsed_at)),
        (SignatureStatus::Confirmed | SignatureStatus::Pending, Review::Rejected) => {
            Standing::Ended(Ending::Rejected)
        }
        (SignatureStatus::Confirmed, Review::Approved) if record.public => {
            let taken = record.confirmed_at.unwrap_or(record.signed_at);
            Standing::Held {
                taken,
                lapses: campaign
                    .renew_after_months
                    .map(|months| months.lapses_at(record.renewed_at.unwrap_or(taken))),
            }
        }
        _ => Standing::Unverified,
    }
}

/// What became of a renewal.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Renewal {
    Renewed,
    /// The link is not this pledge's, or was for a term already renewed.
    LinkNotValid,
    /// The pledge no longer holds (or never did): there is nothing to renew.
    NotHeld,
}

/// What one sweep did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Swept {
    pub reminded: u64,
    /// The campaign of each pledge that lapsed (whose counts changed).
    pub lapsed: Vec<Uuid>,
}

impl Pledging {
    pub fn new(secret: Option<&SecretString>, clock_offset_days: i64) -> Self {
        Self {
            key: derived_key(secret, b"undersigned pledge renewal"),
            clock_offset: chrono::Duration::days(clock_offset_days),
        }
    }

    /// The time as renewal reads it.
    pub fn now(&self) -> DateTime<Utc> {
        store::now() + self.clock_offset
    }

    /// The MAC of a pledge's term: a link made for one term stops working once it is renewed.
    fn keyed(&self, pledge: Uuid, renewals: i32) -> Hmac<Sha256> {
        let mut mac = Hmac::<Sha256>::new_from_slice(&self.key).expect("any key length");
        mac.update(format!("{pledge}.{renewals}").as_bytes());
        mac
    }

    /// The token of the link that renews `pledge` in the term after `renewals` renewals.
    pub fn renewal_token(&self, pledge: Uuid, renewals: i32) -> String {
        hex::encode(&self.keyed(pledge, renewals).finalize().into_bytes()[..16])
    }

    fn is_renewal_token(&self, pledge: Uuid, renewals: i32, token: &str) -> bool {
        hex::decode(token)
            .ok()
            .filter(|t| t.len() == 16)
            .is_some_and(|presented| {
                // Compared in constant time: the MAC is a secret until it matches.
                self.keyed(pledge, renewals)
                    .verify_truncated_left(&presented)
                    .is_ok()
            })
    }

    /// Whether `token` renews `record`'s pledge now (for the page that asks to confirm).
    pub fn check_renewal(
        &self,
        record: &SignatureRecord,
        campaign: &Campaign,
        token: &str,
    ) -> Renewal {
        if !self.is_renewal_token(record.id, record.renewals, token) {
            return Renewal::LinkNotValid;
        }
        match standing(record, campaign) {
            Standing::Held { .. } if campaign.renew_after_months.is_some() => Renewal::Renewed,
            _ => Renewal::NotHeld,
        }
    }

    /// Renews `record`'s pledge if `token` is its current renewal link's.
    pub async fn renew(
        &self,
        store: &dyn Store,
        record: &SignatureRecord,
        campaign: &Campaign,
        token: &str,
    ) -> Result<Renewal, StoreError> {
        let checked = self.check_renewal(record, campaign, token);
        if checked != Renewal::Renewed {
            return Ok(checked);
        }
        let renewed = store
            .renew_pledge(campaign.id, record.id, record.renewals, self.now())
            .await?;
        // Renewed meanwhile by another click of the same link: the link's term is over.
        Ok(if renewed {
            Renewal::Renewed
        } else {
            Renewal::LinkNotValid
        })
    }

    /// Reminds each pledger whose pledge lapses within the month (once a term), and lapses
    /// each pledge whose term has run out. What is due is judged by renewal's clock; what is
    /// written (the reminder's queueing, the lapse) carries the real time.
    pub async fn sweep(&self, store: &dyn Store) -> Result<Swept, StoreError> {
        let (now, written) = (self.now(), store::now());
        let mut swept = Swept::default();
        for pledge in store.renewable_pledges().await? {
            let (Some(since), Ok(months)) = (
                pledge.held_since(),
                RenewAfterMonths::parse(u32::try_from(pledge.renew_after_months).unwrap_or(0)),
            ) else {
                continue;
            };
            if months.lapses_at(since) <= now {
                if store.lapse_pledge(&pledge, written).await? {
                    swept.lapsed.push(pledge.campaign_id);
                }
            } else if months.reminds_at(since) <= now
                && pledge.renewal_reminded_at.is_none()
                && store
                    .remind_renewal(
                        &pledge,
                        &self.renewal_token(pledge.id, pledge.renewals),
                        written,
                    )
                    .await?
            {
                swept.reminded += 1;
            }
        }
        Ok(swept)
    }
}
