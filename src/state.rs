//! What every handler may use, shared by all workers: the store, the use cases, limits and
//! settings fixed at start.

use std::net::IpAddr;
use std::sync::Arc;

use ipnet::IpNet;
use secrecy::SecretString;

use crate::auth::{PasswordHasher, TokenService};
use crate::config::Settings;
use crate::counts::LiveCounts;
use crate::domain::Email;
use crate::limits::KeyedLimiter;
use crate::metrics::Metrics;
use crate::signing::Signing;
use crate::store::Store;

pub struct Limits {
    pub login_by_address: KeyedLimiter<IpAddr>,
    pub login_by_account: KeyedLimiter<Email>,
    pub signing_by_address: KeyedLimiter<IpAddr>,
    /// Keyed by address and campaign slug (as requested, so no lookup precedes the limit).
    pub signing_by_campaign: KeyedLimiter<(IpAddr, String)>,
    /// Keyed by the partner (campaign and code), whatever address its requests come from.
    pub signing_by_partner: KeyedLimiter<(uuid::Uuid, String)>,
}

impl Limits {
    pub fn new(settings: &Settings) -> Self {
        Self {
            login_by_address: KeyedLimiter::per_minute(settings.login_per_minute_per_address),
            login_by_account: KeyedLimiter::per_minute(settings.login_per_minute_per_account),
            signing_by_address: KeyedLimiter::per_minute(settings.sign_per_minute_per_address),
            signing_by_campaign: KeyedLimiter::per_minute(settings.sign_per_minute_per_campaign),
            signing_by_partner: KeyedLimiter::per_minute(settings.sign_per_minute_per_partner),
        }
    }

    pub fn prune(&self) {
        self.login_by_address.prune();
        self.login_by_account.prune();
        self.signing_by_address.prune();
        self.signing_by_campaign.prune();
        self.signing_by_partner.prune();
    }
}

/// What every handler may use, shared by all workers.
pub struct AppState {
    pub store: Arc<dyn Store>,
    pub tokens: TokenService,
    pub passwords: PasswordHasher,
    pub limits: Limits,
    pub trusted_proxies: Vec<IpNet>,
    pub max_body_bytes: usize,
    pub public_url: url::Url,
    pub metrics: Metrics,
    /// Who may read `/metrics`; nobody when unset.
    pub metrics_token: Option<SecretString>,
    pub live: Arc<LiveCounts>,
    /// Taking, confirming and withdrawing signatures.
    pub signing: Signing,
}
