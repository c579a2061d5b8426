//! What every handler may use, shared by all workers: the store, the use cases, limits and
//! settings fixed at start.

use std::net::IpAddr;
use std::sync::Arc;
use std::time::Duration;

use actix_web::HttpRequest;

use ipnet::IpNet;
use secrecy::SecretString;

use crate::auth::{PasswordHasher, TokenService};
use crate::config::Settings;
use crate::counts::LiveCounts;
use crate::domain::Email;
use crate::limits::{FailureCeiling, KeyedLimiter, KnownClients, OpenConnections, client_key};
use crate::mail::OutboxFiles;
use crate::metrics::Metrics;
use crate::signing::Signing;
use crate::store::Store;

pub struct Limits {
    pub login_by_address: KeyedLimiter<IpAddr>,
    /// First-admin set-up attempts per client, as many as logins.
    pub setup_by_address: KeyedLimiter<IpAddr>,
    /// Keyed by account and address: guesses from elsewhere never lock the owner out.
    pub login_by_account: KeyedLimiter<(Email, IpAddr)>,
    /// Failed logins per account from every address, in an hour: a ceiling for clients the
    /// account has not logged in from.
    pub login_failures: FailureCeiling<Email>,
    /// Clients each account has logged in from, which that ceiling never locks out.
    pub known_clients: KnownClients,
    pub signing_by_address: KeyedLimiter<IpAddr>,
    /// Keyed by address and campaign slug (as requested, so no lookup precedes the limit).
    pub signing_by_campaign: KeyedLimiter<(IpAddr, String)>,
    /// Keyed by the partner (campaign and code), whatever address its requests come from.
    pub signing_by_partner: KeyedLimiter<(uuid::Uuid, String)>,
    /// Postcode lookups per client.
    pub postcodes_by_address: KeyedLimiter<IpAddr>,
}

impl Limits {
    pub fn new(settings: &Settings) -> Self {
        Self {
            login_by_address: KeyedLimiter::per_minute(settings.login_per_minute_per_address),
            setup_by_address: KeyedLimiter::per_minute(settings.login_per_minute_per_address),
            login_by_account: KeyedLimiter::per_minute(settings.login_per_minute_per_account),
            login_failures: FailureCeiling::new(
                settings.login_failures_per_hour_per_account,
                Duration::from_secs(3600),
            ),
            known_clients: KnownClients::new(crate::domain::derived_key(
                settings.jwt_secret.as_ref(),
                b"known device",
            )),
            signing_by_address: KeyedLimiter::per_minute(settings.sign_per_minute_per_address),
            signing_by_campaign: KeyedLimiter::per_minute(settings.sign_per_minute_per_campaign),
            signing_by_partner: KeyedLimiter::per_minute(settings.sign_per_minute_per_partner),
            postcodes_by_address: KeyedLimiter::per_minute(settings.postcode_lookups_per_minute),
        }
    }

    pub fn prune(&self) {
        self.login_by_address.prune();
        self.setup_by_address.prune();
        self.login_by_account.prune();
        self.login_failures.prune();
        self.known_clients.prune();
        self.signing_by_address.prune();
        self.signing_by_campaign.prune();
        self.signing_by_partner.prune();
        self.postcodes_by_address.prune();
    }
}

/// What every handler may use, shared by all workers.
pub struct AppState {
    pub store: Arc<dyn Store>,
    /// Sends what goes at once rather than through the outbox: emails about organisers' own
    /// accounts (invitations, password resets) and an organiser's test of an update.
    pub direct_mail: Arc<crate::mail::Mailer>,
    pub tokens: TokenService,
    pub passwords: PasswordHasher,
    pub limits: Limits,
    pub trusted_proxies: Vec<IpNet>,
    /// IPv6 clients are limited per network of this many bits.
    pub ipv6_prefix_length: u8,
    /// Live count streams open now, with their ceilings.
    pub streams: Arc<OpenConnections>,
    /// How long a live count stream lasts before it ends (and its client reconnects).
    pub stream_lifetime: Duration,
    pub max_body_bytes: usize,
    /// How long a request body may take to arrive.
    pub body_deadline: Duration,
    pub public_url: url::Url,
    pub metrics: Metrics,
    /// Who may read `/metrics`; nobody when unset.
    pub metrics_token: Option<SecretString>,
    pub live: Arc<LiveCounts>,
    /// Campaign pages and the index, built once and served from memory.
    pub pages: crate::page_cache::PageCache,
    /// Pages, emails and pictures, compiled in (with an operator's theme, if any).
    pub templates: Arc<crate::templates::Templates>,
    /// Taking, confirming and withdrawing signatures.
    pub signing: Signing,
    /// Where postcodes are: constituencies, councils, nations.
    pub geography: crate::geo::Geography,
    /// Counts by constituency, Senedd seat and council, each kept for a little while.
    pub area_counts: crate::areas::AreaCounter,
    /// Where emails are written as files, when they are.
    pub outbox_files: OutboxFiles,
    /// Makes and checks the unsubscribe links updates carry.
    pub unsubscribes: Arc<crate::mail::Unsubscribes>,
    /// The time between one update email and the next, to keep to the configured rate.
    pub update_spacing: chrono::Duration,
    /// The hosts webhooks may reach though they are not public.
    pub webhook_hosts: crate::webhooks::AllowedHosts,
    /// The most webhooks one organiser's campaigns may have together.
    pub webhooks_per_organiser: u32,
    /// Renewing pledges, and the sweep that reminds and lapses them.
    pub pledges: crate::pledges::Pledging,
    /// Makes and checks draft campaigns' private preview links.
    pub previews: crate::previews::DraftPreviews,
}

impl AppState {
    /// Who made a request, as the limits count clients (see `client_key`).
    pub fn client(&self, req: &HttpRequest) -> IpAddr {
        client_key(req, &self.trusted_proxies, self.ipv6_prefix_length)
    }

    /// The address of a campaign's page.
    pub fn page_url(&self, slug: &str) -> String {
        format!(
            "{}/c/{slug}",
            self.public_url.as_str().trim_end_matches('/')
        )
    }
}
