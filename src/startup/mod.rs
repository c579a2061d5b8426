//! Connects the store, builds the limiters and the HTTP server, and runs it until SIGTERM
//! (or SIGINT), when in-flight requests are given the grace period to finish.

use std::net::TcpListener;
use std::sync::Arc;
use std::time::Duration;

use actix_web::dev::Server;
use actix_web::{App, HttpServer, web};
use actix_web_prom::PrometheusMetricsBuilder;
use anyhow::Context;
use tracing_actix_web::TracingLogger;

use crate::auth::{PasswordHasher, TokenService};
use crate::config::Settings;
use crate::counts::LiveCounts;
use crate::limits::OpenConnections;
use crate::mail::{self, MailWake, Mailer, OutboxFiles};
use crate::metrics::Metrics;
pub mod routes;
use crate::signing::Signing;
use crate::state::{AppState, Limits};
use crate::store::{self, Store};
use crate::telemetry::RedactedRootSpan;
use crate::templates::Templates;

pub struct Application {
    port: u16,
    server: Server,
    live: Arc<LiveCounts>,
    store: Arc<dyn Store>,
}

impl Application {
    /// Connects to the database (migrating it) and binds the listener; `bind` with port 0 picks
    /// a free port, which [`Application::port`] then tells.
    pub async fn build(settings: Settings) -> anyhow::Result<Self> {
        let store = store::connect(&settings.database_url)
            .await
            .with_context(|| format!("connecting to {}", settings.database_url))?;
        Self::build_with_store(settings, store).await
    }

    pub async fn build_with_store(
        settings: Settings,
        store: Arc<dyn Store>,
    ) -> anyhow::Result<Self> {
        crate::selfcheck::use_ring_for_tls();
        let listener = TcpListener::bind(&settings.bind)
            .with_context(|| format!("binding {}", settings.bind))?;
        let local = listener.local_addr()?;
        let public_url = match &settings.public_url {
            Some(url) => url.clone(),
            None => url::Url::parse(&format!("http://{local}"))?,
        };
        let issuer = public_url.as_str().trim_end_matches('/').to_owned();
        let registry = prometheus::Registry::new();
        let metrics = Metrics::register(&registry)?;
        warn_of_plain_http(&public_url, local);
        crate::backups::spawn_scheduled(&settings, metrics.clone())?;
        // Without a key from the environment, the installation's own, made once and kept in
        // its database: a restart logs no one out and breaks no emailed link, and every
        // instance honours every other's tokens. (Backups are signed only with a key from the
        // environment, never one kept inside the file they sign.)
        let mut settings = settings;
        let signing_key = match settings.jwt_secret.clone() {
            Some(from_environment) => from_environment,
            None => secrecy::SecretString::from(store.instance_secret("token_signing_key").await?),
        };
        settings.jwt_secret = Some(signing_key.clone());
        let unsubscribes = Arc::new(crate::mail::Unsubscribes::new(settings.jwt_secret.as_ref()));
        let templates = Arc::new(match &settings.theme_dir {
            Some(dir) => Templates::with_theme(dir, crate::web::samples::render_all),
            None => Templates::builtin(),
        });
        let mailer = Arc::new(Mailer::from_settings(
            &settings,
            public_url.clone(),
            unsubscribes.clone(),
            templates.clone(),
        )?);
        let mail_wake = Arc::new(MailWake::default());
        mail::spawn_outbox_workers(
            store.clone(),
            mailer.clone(),
            metrics.clone(),
            mail_wake.clone(),
        );
        let webhook_hosts = crate::webhooks::AllowedHosts::new(&settings.webhook_allow_hosts);
        let every_port = webhook_hosts.every_port();
        if !every_port.is_empty() {
            tracing::warn!(
                hosts = %every_port.join(", "),
                "UNDERSIGNED_WEBHOOK_ALLOW_HOSTS lists hosts without a port, so webhooks may \
                 reach every port they have: list each as host:port to allow one"
            );
        }
        crate::webhooks::spawn_delivery(store.clone(), webhook_hosts.clone());
        let live = LiveCounts::new(
            store.clone(),
            Duration::from_secs(u64::from(settings.count_refresh_seconds.max(1))),
        );
        live.start();
        spawn_recounts(
            store.clone(),
            live.clone(),
            settings.recount_interval_seconds,
        );
        let app_store = store.clone();
        let outbox_files = OutboxFiles::from_settings(&settings);
        let geography = crate::areas::load_geography(store.as_ref()).await;
        crate::areas::spawn_geography_refresh(
            store.clone(),
            geography.clone(),
            Duration::from_secs(u64::from(settings.geography_refresh_seconds.max(1))),
        );
        crate::areas::spawn_placing(store.clone(), geography.clone());
        // Another instance's change to the service's blocklist is taken up within this time.
        let blocklist =
            crate::integrity::ServiceBlocklist::load(store.clone(), Duration::from_secs(10)).await;
        let signing = Signing::start(
            store.clone(),
            live.clone(),
            mail_wake,
            metrics.clone(),
            outbox_files.clone(),
            crate::signing::BotChecks {
                clock: crate::signing::FormClock::new(
                    settings.jwt_secret.as_ref(),
                    Duration::from_secs(settings.min_fill_seconds),
                ),
                proof: crate::signing::ProofOfWork::new(
                    settings.jwt_secret.as_ref(),
                    settings.proof_of_work_max_number,
                ),
                blocklist,
            },
            geography.clone(),
        );
        let live_counts = live.clone();
        let state = web::Data::new(AppState {
            signing,
            geography,
            area_counts: Default::default(),
            outbox_files: outbox_files.clone(),
            store,
            direct_mail: mailer,
            tokens: TokenService::new(
                &signing_key,
                &issuer,
                Duration::from_secs(settings.token_ttl_seconds),
            ),
            passwords: PasswordHasher::new(
                settings.password_checks_at_once,
                Duration::from_millis(settings.password_check_wait_ms),
            )?,
            limits: Limits::new(&settings),
            trusted_proxies: settings.trusted_proxies.clone(),
            ipv6_prefix_length: settings.ipv6_prefix_length,
            streams: OpenConnections::new(settings.streams_per_address, settings.streams_total),
            stream_lifetime: Duration::from_secs(settings.stream_lifetime_seconds),
            max_body_bytes: settings.max_body_bytes,
            body_deadline: Duration::from_secs(settings.body_deadline_seconds),
            public_url,
            metrics,
            metrics_token: settings.metrics_token.clone(),
            live,
            pages: Default::default(),
            templates,
            webhook_hosts,
            webhooks_per_organiser: settings.webhooks_per_organiser,
            unsubscribes,
            update_spacing: chrono::Duration::milliseconds(
                60_000 / i64::from(settings.update_emails_per_minute.max(1)),
            ),
            pledges: crate::pledges::Pledging::new(
                settings.jwt_secret.as_ref(),
                settings.renewal_clock_offset_days,
            ),
            previews: crate::previews::DraftPreviews::new(settings.jwt_secret.as_ref()),
        });
        spawn_maintenance(state.clone(), settings.purge_interval_seconds);

        let prometheus = PrometheusMetricsBuilder::new("undersigned")
            .registry(registry)
            .endpoint("/metrics")
            .mask_unmatched_patterns("UNMATCHED")
            .build()
            .map_err(|e| anyhow::anyhow!("building metrics: {e}"))?;

        let app_state = state.clone();
        let mut server = HttpServer::new(move || {
            App::new()
                .wrap(prometheus.clone())
                .wrap(actix_web::middleware::from_fn(
                    crate::api::health::metrics_guard,
                ))
                .wrap(actix_web::middleware::from_fn(
                    crate::http::cors::signing_cors,
                ))
                .wrap(TracingLogger::<RedactedRootSpan>::new())
                .app_data(app_state.clone())
                .app_data(web::QueryConfig::default().error_handler(|e, _| {
                    crate::error::ApiError::field("query", e.to_string()).into()
                }))
                .app_data(
                    web::PathConfig::default()
                        .error_handler(|_, _| crate::error::ApiError::NotFound.into()),
                )
                .configure(routes::configure)
                .default_service(web::to(routes::no_such_route))
        })
        .listen(listener)?
        // Signals are handled by `stop_on_signals`, which ends the count streams first.
        .disable_signals()
        .shutdown_timeout(settings.shutdown_grace_seconds);
        if let Some(workers) = settings.workers {
            server = server.workers(workers);
        }
        let server = server.run();

        let setup_url = state.public_url.clone();
        spawn_limiter_pruning(state);
        tracing::info!(address = %local, database = %settings.database_url, "listening");
        // Before the first request, so that the link is in the log by the time anyone asks.
        offer_first_admin(app_store.as_ref(), &setup_url).await;
        Ok(Self {
            port: local.port(),
            server,
            live: live_counts,
            store: app_store,
        })
    }

    /// On SIGTERM or SIGINT, shuts down gracefully: ends the live count streams, stops
    /// accepting connections, and lets the requests in flight finish within the grace period.
    pub fn stop_on_signals(&self) -> std::io::Result<()> {
        use tokio::signal::unix::{SignalKind, signal};
        let mut terminate = signal(SignalKind::terminate())?;
        let mut interrupt = signal(SignalKind::interrupt())?;
        let handle = self.server.handle();
        let live = self.live.clone();
        tokio::spawn(async move {
            tokio::select! {
                _ = terminate.recv() => {}
                _ = interrupt.recv() => {}
            }
            tracing::info!("shutting down: ending count streams, finishing requests in flight");
            live.close_streams();
            handle.stop(true).await;
        });
        Ok(())
    }

    /// The store the server uses, to close once the server has stopped.
    pub fn store(&self) -> Arc<dyn Store> {
        self.store.clone()
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// A handle that stops the server from elsewhere (tests, signal handlers).
    pub fn handle(&self) -> actix_web::dev::ServerHandle {
        self.server.handle()
    }

    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        self.server.await
    }
}

/// Where no account exists yet, writes a one-time link to the log that creates the first
/// admin in the console: after `docker compose up`, `docker compose logs app` is all it takes.
async fn offer_first_admin(store: &dyn Store, public_url: &url::Url) {
    match crate::accounts::offer_first_admin_setup(store, public_url).await {
        Ok(Some(link)) => tracing::info!(
            setup_link = %link,
            "no account exists yet: open the set-up link in a browser within the hour to create \
             the first admin"
        ),
        Ok(None) => {}
        Err(e) => tracing::error!(error = %e, "could not offer a set-up link"),
    }
}

/// Compares every stored count with a real count now and then, and repairs any drift.
fn spawn_recounts(store: Arc<dyn Store>, live: Arc<LiveCounts>, interval_seconds: u64) {
    if interval_seconds == 0 {
        return;
    }
    tokio::spawn(async move {
        let mut every = tokio::time::interval(Duration::from_secs(interval_seconds));
        every.tick().await;
        loop {
            every.tick().await;
            match crate::counts::recount_all(store.as_ref(), None).await {
                Ok(checked) => checked
                    .iter()
                    .filter(|c| c.recount.drifted())
                    .for_each(|c| live.changed(c.campaign_id)),
                Err(e) => tracing::warn!(error = %e, "periodic recount failed"),
            }
        }
    });
}

/// Warns when links and tokens would cross a network in clear: the public address is not
/// HTTPS and the service listens beyond this machine.
fn warn_of_plain_http(public_url: &url::Url, local: std::net::SocketAddr) {
    if public_url.scheme() != "https" && !local.ip().is_loopback() {
        tracing::warn!(
            public_url = %public_url,
            bind = %local,
            "UNDERSIGNED_PUBLIC_URL is not https:// and the service listens beyond this machine: \
             confirmation and withdrawal links, access tokens, passwords, and signers' names and \
             emails would cross the network in clear. Serve it behind HTTPS (the README's \
             Deploying section) and set UNDERSIGNED_PUBLIC_URL to the https:// address"
        );
    }
}

/// Now and then: erases personal data past its retention period (and forgets expired
/// proof-of-work challenges), reminds pledgers whose pledges are due for renewal and lapses
/// those not renewed.
fn spawn_maintenance(state: web::Data<AppState>, interval_seconds: u64) {
    if interval_seconds == 0 {
        return;
    }
    tokio::spawn(async move {
        let mut every = tokio::time::interval(Duration::from_secs(interval_seconds));
        loop {
            every.tick().await;
            let store = state.store.as_ref();
            if let Err(e) = crate::retention::purge_expired(store, &state.outbox_files).await {
                tracing::warn!(error = %e, "purging expired personal data failed");
            }
            match state.pledges.sweep(store).await {
                Ok(swept) => {
                    if swept.reminded > 0 || !swept.lapsed.is_empty() {
                        tracing::info!(
                            reminded = swept.reminded,
                            lapsed = swept.lapsed.len(),
                            "pledge renewals swept"
                        );
                    }
                    swept.lapsed.iter().for_each(|id| state.live.changed(*id));
                }
                Err(e) => tracing::warn!(error = %e, "sweeping pledge renewals failed"),
            }
        }
    });
}

/// Forgets rate-limit keys that have recovered, once a minute.
fn spawn_limiter_pruning(state: web::Data<AppState>) {
    tokio::spawn(async move {
        let mut every_minute = tokio::time::interval(Duration::from_secs(60));
        loop {
            every_minute.tick().await;
            state.limits.prune();
        }
    });
}
