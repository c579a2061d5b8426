//! `undersigned check`: each thing a real deployment needs, and whether it holds, in sentences
//! a charity's volunteer can act on.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use crate::backups;
use crate::config::Settings;
use crate::domain::Email;
use crate::store::maintenance;

/// How much a finding matters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    Ok,
    /// Worth knowing; the deployment works without it.
    Note,
    /// Needed: signing, email or recovery will not work as it should.
    Missing,
}

pub struct Finding {
    pub verdict: Verdict,
    pub text: String,
}

impl fmt::Display for Finding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let label = match self.verdict {
            Verdict::Ok => "ok     ",
            Verdict::Note => "note   ",
            Verdict::Missing => "MISSING",
        };
        write!(f, "{label} {}", self.text)
    }
}

pub struct Report {
    pub findings: Vec<Finding>,
}

impl Report {
    pub fn passed(&self) -> bool {
        self.findings.iter().all(|f| f.verdict != Verdict::Missing)
    }

    fn add(&mut self, verdict: Verdict, text: impl Into<String>) {
        self.findings.push(Finding {
            verdict,
            text: text.into(),
        });
    }
}

/// Free space below which a SQLite deployment is at risk of a full disk.
const LOW_DISK_BYTES: u64 = 512 * 1024 * 1024;

pub async fn run(settings: &Settings, send_test_to: Option<&Email>) -> Report {
    let mut report = Report {
        findings: Vec::new(),
    };
    check_database(settings, &mut report).await;
    if settings.jwt_secret.is_some() {
        report.add(
            Verdict::Ok,
            "UNDERSIGNED_JWT_SECRET is set, so logins survive a restart.",
        );
    } else {
        report.add(
            Verdict::Missing,
            "UNDERSIGNED_JWT_SECRET is not set: the service signs tokens and links with a key it \
             made and keeps in its database (logins survive a restart), but backups are then \
             unsigned unless UNDERSIGNED_BACKUP_KEY is set. Set it to the output of \
             `openssl rand -base64 48`.",
        );
    }
    check_public_url(settings, &mut report).await;
    check_smtp(settings, send_test_to, &mut report).await;
    check_proxies(settings, &mut report);
    check_disk_and_backups(settings, &mut report);
    report
}

async fn check_database(settings: &Settings, report: &mut Report) {
    let url = &settings.database_url;
    match maintenance::migration_state(url).await {
        Ok((Some(applied), latest)) if applied >= latest => report.add(
            Verdict::Ok,
            format!("The database {url} answers and is migrated (version {applied})."),
        ),
        Ok((Some(applied), latest)) => report.add(
            Verdict::Missing,
            format!(
                "The database {url} answers but is at version {applied} of {latest}: run \
                 `undersigned migrate` (or start the service, which migrates it)."
            ),
        ),
        Ok((None, _)) => report.add(
            Verdict::Missing,
            format!("The database {url} answers but holds nothing yet: run `undersigned migrate`."),
        ),
        Err(e) => report.add(
            Verdict::Missing,
            format!("The database {url} cannot be used: {e:#}."),
        ),
    }
}

async fn check_public_url(settings: &Settings, report: &mut Report) {
    let Some(url) = &settings.public_url else {
        report.add(
            Verdict::Missing,
            "UNDERSIGNED_PUBLIC_URL is not set: links in emails would point at the address the \
             service listens on, which signers cannot reach. Set it to the address people use, \
             e.g. https://sign.example.org.",
        );
        return;
    };
    let local = matches!(url.host_str(), Some("localhost" | "127.0.0.1" | "[::1]"));
    if url.scheme() == "https" {
        report.add(Verdict::Ok, format!("The public address {url} is HTTPS."));
    } else if local {
        report.add(
            Verdict::Note,
            format!("The public address {url} is not HTTPS; that is fine only on this machine."),
        );
    } else {
        report.add(
            Verdict::Missing,
            format!(
                "The public address {url} is not HTTPS: links, passwords and signers' data \
                 would cross the network in clear. Serve it behind HTTPS (see the README's \
                 Deploying section)."
            ),
        );
    }
    let health = url.join("healthz").expect("a base URL takes a path");
    match get_status(&health).await {
        Ok(200) => report.add(
            Verdict::Ok,
            format!("The service answers at its public address ({health})."),
        ),
        Ok(status) => report.add(
            Verdict::Missing,
            format!("{health} answered {status}: the public address does not reach this service."),
        ),
        Err(e) => report.add(
            Verdict::Missing,
            format!(
                "{health} did not answer ({e:#}): is the service running, and the address right?"
            ),
        ),
    }
}

/// The status code of a GET of `url` (over TLS, checked against the public roots of trust, for
/// `https://`), with no redirect followed.
async fn get_status(url: &url::Url) -> anyhow::Result<u16> {
    use anyhow::Context;
    use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};

    async fn exchange(
        mut stream: impl AsyncRead + AsyncWrite + Unpin,
        request: &str,
    ) -> anyhow::Result<u16> {
        stream.write_all(request.as_bytes()).await?;
        let mut head = vec![0; 64];
        let read = stream.read(&mut head).await?;
        let line = String::from_utf8_lossy(&head[..read]).into_owned();
        line.split_whitespace()
            .nth(1)
            .and_then(|code| code.parse().ok())
            .with_context(|| format!("not an HTTP answer: {line:?}"))
    }

    let host = url.host_str().context("no host")?.to_owned();
    let port = url.port_or_known_default().context("no port")?;
    let request = format!(
        "GET {} HTTP/1.1\r\nHost: {host}\r\nUser-Agent: undersigned-check\r\nConnection: close\r\n\r\n",
        url.path()
    );
    let probe = async {
        let tcp = tokio::net::TcpStream::connect((host.trim_matches(['[', ']']), port)).await?;
        if url.scheme() != "https" {
            return exchange(tcp, &request).await;
        }
        let config = tls_config()?;
        let name = tokio_rustls::rustls::pki_types::ServerName::try_from(host.clone())?;
        let tls = tokio_rustls::TlsConnector::from(Arc::new(config))
            .connect(name, tcp)
            .await
            .context("the TLS handshake failed (is the certificate valid?)")?;
        exchange(tls, &request).await
    };
    tokio::time::timeout(Duration::from_secs(10), probe)
        .await
        .context("no answer within 10 s")?
}

async fn check_smtp(settings: &Settings, send_test_to: Option<&Email>, report: &mut Report) {
    if settings.smtp_url.is_none() {
        report.add(
            Verdict::Missing,
            format!(
                "UNDERSIGNED_SMTP_URL is not set: emails are written as files to {} and reach \
                 no one, so no signature can be confirmed. Set it to your mail provider's SMTP \
                 server.",
                settings.outbox_dir.display()
            ),
        );
        return;
    }
    match crate::mail::try_smtp(settings, send_test_to).await {
        Ok(done) => report.add(Verdict::Ok, format!("The SMTP server {done}.")),
        Err(e) => report.add(
            Verdict::Missing,
            format!("The SMTP server cannot take email: {e:#}."),
        ),
    }
}

fn check_proxies(settings: &Settings, report: &mut Report) {
    let behind_https = settings
        .public_url
        .as_ref()
        .is_some_and(|u| u.scheme() == "https");
    match (behind_https, settings.trusted_proxies.is_empty()) {
        // The service speaks plain HTTP: an https:// address means a proxy in front.
        (true, true) => report.add(
            Verdict::Missing,
            "The public address is HTTPS, so a proxy stands in front of this service, but \
             UNDERSIGNED_TRUSTED_PROXIES is empty: every signer will look like the proxy, and \
             one person's rate limit will stop everyone. List the proxy's address there.",
        ),
        (false, false) => report.add(
            Verdict::Note,
            "UNDERSIGNED_TRUSTED_PROXIES is set, though the public address is not HTTPS: make \
             sure only your own proxy can reach the service, or clients could choose their \
             address.",
        ),
        (true, false) => report.add(
            Verdict::Ok,
            "The proxy in front is trusted to say who each client is (UNDERSIGNED_TRUSTED_PROXIES).",
        ),
        (false, true) => report.add(
            Verdict::Ok,
            "No proxy is trusted: each client is known by its own address.",
        ),
    }
}

fn check_disk_and_backups(settings: &Settings, report: &mut Report) {
    let file = match maintenance::sqlite_file(&settings.database_url) {
        Ok(Some(file)) => file,
        Ok(None) => {
            report.add(
                Verdict::Note,
                format!(
                    "PostgreSQL is backed up with pg_dump, outside the service; for example: {}",
                    maintenance::pg_dump_command(&settings.database_url, chrono::Utc::now())
                ),
            );
            return;
        }
        Err(_) => return,
    };
    let dir = file
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(std::path::Path::new("."));
    match rustix::fs::statvfs(dir) {
        Ok(stats) => {
            let free = stats.f_bavail.saturating_mul(stats.f_frsize);
            let text = format!(
                "{} MiB are free beside the database {}.",
                free / (1024 * 1024),
                file.display()
            );
            if free < LOW_DISK_BYTES {
                report.add(
                    Verdict::Missing,
                    format!("Only {text} A full disk stops signing: free some space."),
                );
            } else {
                report.add(Verdict::Ok, text);
            }
        }
        Err(e) => report.add(
            Verdict::Note,
            format!(
                "The free space beside {} cannot be read: {e}.",
                file.display()
            ),
        ),
    }
    let Some(backup_dir) = &settings.backup_dir else {
        report.add(
            Verdict::Missing,
            "No backups are scheduled: set UNDERSIGNED_BACKUP_DIR (and keep a copy of that \
             directory on another machine).",
        );
        return;
    };
    let interval = Duration::from_secs_f64(settings.backup_interval_hours * 3600.0);
    match backups::newest_backup_age(backup_dir) {
        Ok(Some((newest, age))) if age <= interval * 2 => report.add(
            Verdict::Ok,
            format!(
                "The last backup, {}, is {} old.",
                newest.display(),
                human_age(age)
            ),
        ),
        Ok(Some((newest, age))) => report.add(
            Verdict::Missing,
            format!(
                "The last backup, {}, is {} old, more than twice the interval: is the service \
                 running, and can it write to {}?",
                newest.display(),
                human_age(age),
                backup_dir.display()
            ),
        ),
        Ok(None) => report.add(
            Verdict::Missing,
            format!(
                "There is no backup in {} yet: the service takes the first when it starts.",
                backup_dir.display()
            ),
        ),
        Err(e) => report.add(
            Verdict::Missing,
            format!(
                "The backups in {} cannot be read: {e:#}.",
                backup_dir.display()
            ),
        ),
    }
}

fn human_age(age: Duration) -> String {
    let minutes = age.as_secs() / 60;
    match minutes {
        0 => format!("{} seconds", age.as_secs()),
        1..120 => format!("{minutes} minutes"),
        _ => format!("{} hours", minutes / 60),
    }
}

/// TLS as the service speaks it to other servers: rustls with ring, trusting the Mozilla
/// roots built in (webpki-roots), so that nothing depends on the machine's certificate store.
pub fn tls_config() -> anyhow::Result<tokio_rustls::rustls::ClientConfig> {
    let roots = tokio_rustls::rustls::RootCertStore {
        roots: webpki_roots::TLS_SERVER_ROOTS.to_vec(),
    };
    Ok(
        tokio_rustls::rustls::ClientConfig::builder_with_provider(Arc::new(
            tokio_rustls::rustls::crypto::ring::default_provider(),
        ))
        .with_safe_default_protocol_versions()?
        .with_root_certificates(roots)
        .with_no_client_auth(),
    )
}

/// Makes ring the process's TLS provider, for clients that take the default one (the webhook
/// client is configured with it, but its builder asks for a default all the same). Idempotent.
pub fn use_ring_for_tls() {
    let _ = tokio_rustls::rustls::crypto::ring::default_provider().install_default();
}
