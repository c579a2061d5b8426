//! Every setting, the environment variable it is read from, and its default. Defaults suit a
//! local run; nothing secret has a default.

use std::fmt;
use std::net::IpAddr;
use std::path::PathBuf;
use std::str::FromStr;

use ipnet::IpNet;
use secrecy::SecretString;

#[derive(clap::Args, Debug, Clone)]
pub struct Settings {
    /// `sqlite://FILE` (created if missing) or `postgres://USER:PASSWORD@HOST/DB`, from
    /// `DATABASE_URL` or `DATABASE_URL_FILE` (it may hold a password, so never a flag)
    /// [default: `sqlite://undersigned.db`].
    #[arg(skip = DatabaseUrl(DEFAULT_DATABASE_URL.to_owned()))]
    pub database_url: DatabaseUrl,

    /// The address the HTTP server listens on.
    #[arg(long, env = "UNDERSIGNED_BIND", default_value = "127.0.0.1:8080")]
    pub bind: String,

    /// The base of links in emails and embed snippets [default: http:// + the bind address].
    #[arg(long, env = "UNDERSIGNED_PUBLIC_URL")]
    pub public_url: Option<url::Url>,

    /// The key that signs access tokens, at least 32 bytes: `UNDERSIGNED_JWT_SECRET` or
    /// `UNDERSIGNED_JWT_SECRET_FILE` [default: a random key per run, with a warning].
    #[arg(skip)]
    pub jwt_secret: Option<SecretString>,

    /// How long an access token lasts, in seconds.
    #[arg(long, env = "UNDERSIGNED_TOKEN_TTL_SECONDS", default_value_t = 3600)]
    pub token_ttl_seconds: u64,

    /// `smtp://HOST:PORT` or `smtps://USER:PASSWORD@HOST`, from `UNDERSIGNED_SMTP_URL` or
    /// `UNDERSIGNED_SMTP_URL_FILE` [default: unset, emails go to the outbox].
    #[arg(skip)]
    pub smtp_url: Option<SecretString>,

    /// The key that signs backups, so that `restore` takes only a file this service wrote:
    /// `UNDERSIGNED_BACKUP_KEY` or `UNDERSIGNED_BACKUP_KEY_FILE` [default: made from
    /// `UNDERSIGNED_JWT_SECRET`; with neither, backups are unsigned and restoring one needs
    /// `--force`].
    #[arg(skip)]
    pub backup_key: Option<SecretString>,

    /// The bearer token that may read `/metrics`, from `UNDERSIGNED_METRICS_TOKEN` or
    /// `UNDERSIGNED_METRICS_TOKEN_FILE` [default: unset, `/metrics` is not served].
    #[arg(skip)]
    pub metrics_token: Option<SecretString>,

    /// Where unsent emails are written, one `.eml` file each, when no SMTP server is set.
    #[arg(long, env = "UNDERSIGNED_OUTBOX_DIR", default_value = "./outbox")]
    pub outbox_dir: PathBuf,

    /// A folder whose `theme.css` and replacement layouts and partials restyle the pages and
    /// emails without recompiling [default: unset, the built-in look].
    #[arg(long, env = "UNDERSIGNED_THEME_DIR")]
    pub theme_dir: Option<PathBuf>,

    /// Connections each lane of the outbox sends over at once (to the SMTP server, or files
    /// written at once): confirmations have a lane of their own, so up to twice this many
    /// connections are open.
    #[arg(long, env = "UNDERSIGNED_MAIL_CONNECTIONS", default_value_t = 4, value_parser = clap::value_parser!(u32).range(1..=64))]
    pub mail_connections: u32,

    /// Where scheduled backups of a SQLite database are written [default: unset, no scheduled
    /// backups]. PostgreSQL is backed up with `pg_dump` (`undersigned backup` prints the command).
    #[arg(long, env = "UNDERSIGNED_BACKUP_DIR")]
    pub backup_dir: Option<PathBuf>,

    /// Hours between scheduled backups (a fraction is allowed).
    #[arg(long, env = "UNDERSIGNED_BACKUP_INTERVAL_HOURS", default_value_t = 24.0, value_parser = parse_positive_hours)]
    pub backup_interval_hours: f64,

    /// How many scheduled backups are kept; older ones are removed.
    #[arg(long, env = "UNDERSIGNED_BACKUP_KEEP", default_value_t = 7, value_parser = clap::value_parser!(u32).range(1..))]
    pub backup_keep: u32,

    /// Hours an email keeps being retried before it is given up.
    #[arg(long, env = "UNDERSIGNED_MAIL_GIVE_UP_HOURS", default_value_t = 48)]
    pub mail_give_up_hours: u32,

    /// Seconds before the first retry of an email that failed; each later retry waits twice
    /// as long, up to an hour.
    #[arg(long, env = "UNDERSIGNED_MAIL_RETRY_SECONDS", default_value_t = 30)]
    pub mail_retry_seconds: u32,

    /// Seconds a worker holds the emails it took for sending. After a crash, the emails it held
    /// go out once this has passed; it must be longer than sending a batch of 100 takes.
    #[arg(long, env = "UNDERSIGNED_MAIL_LEASE_SECONDS", default_value_t = 120)]
    pub mail_lease_seconds: u32,

    /// The sender of every email.
    #[arg(
        long,
        env = "UNDERSIGNED_MAIL_FROM",
        default_value = "Undersigned <no-reply@localhost>"
    )]
    pub mail_from: String,

    /// Comma-separated addresses or networks of reverse proxies whose `X-Forwarded-For` is believed.
    #[arg(long, env = "UNDERSIGNED_TRUSTED_PROXIES", value_delimiter = ',', value_parser = parse_network)]
    pub trusted_proxies: Vec<IpNet>,

    /// Seconds between full refreshes of every count an instance holds. A change is told to
    /// other instances at once (PostgreSQL's NOTIFY); the refresh is the backstop, should a
    /// notification be missed.
    #[arg(long, env = "UNDERSIGNED_COUNT_REFRESH_SECONDS", default_value_t = 5)]
    pub count_refresh_seconds: u32,

    /// Emails a minute an update (an outcome or news) is sent at, to all its signers together.
    #[arg(
        long,
        env = "UNDERSIGNED_UPDATE_EMAILS_PER_MINUTE",
        default_value_t = 600
    )]
    pub update_emails_per_minute: u32,

    /// Comma-separated hosts with their port (`crm.internal:8443`, `[fd00::5]:8080`), as
    /// written in webhook addresses, that webhooks may reach though they resolve to a loopback
    /// or private address, over http too: a receiver on this machine or network. A host
    /// without a port allows every port it has (start-up warns). Every other such address is
    /// refused.
    #[arg(long, env = "UNDERSIGNED_WEBHOOK_ALLOW_HOSTS", value_delimiter = ',')]
    pub webhook_allow_hosts: Vec<String>,

    /// The most webhooks one organiser's campaigns may have together.
    #[arg(long, env = "UNDERSIGNED_WEBHOOKS_PER_ORGANISER", default_value_t = 20)]
    pub webhooks_per_organiser: u32,

    /// The largest request body accepted, in bytes.
    #[arg(long, env = "UNDERSIGNED_MAX_BODY_BYTES", default_value_t = 64 * 1024)]
    pub max_body_bytes: usize,

    /// The least time, in seconds, a person takes to fill a signing form in: a form sent
    /// sooner after it was shown is treated as a bot's (answered alike, never counted).
    #[arg(long, env = "UNDERSIGNED_MIN_FILL_SECONDS", default_value_t = 2)]
    pub min_fill_seconds: u64,

    /// The highest number a proof-of-work challenge hides (for campaigns that ask for one):
    /// a browser tries half as many SHA-256 hashes on average, well under a second on a phone.
    #[arg(
        long,
        env = "UNDERSIGNED_PROOF_OF_WORK_MAX_NUMBER",
        default_value_t = 50_000
    )]
    pub proof_of_work_max_number: u64,

    /// Signing attempts allowed per minute from one client address, across all campaigns.
    #[arg(
        long,
        env = "UNDERSIGNED_SIGN_PER_MINUTE_PER_ADDRESS",
        default_value_t = 60
    )]
    pub sign_per_minute_per_address: u32,

    /// How often a running service looks for postcode data or MPs imported since it started
    /// (`undersigned geo import`, `geo mps`), in seconds.
    #[arg(
        long,
        env = "UNDERSIGNED_GEOGRAPHY_REFRESH_SECONDS",
        default_value_t = 60
    )]
    pub geography_refresh_seconds: u32,

    /// Postcode lookups (`GET /v1/postcodes/{postcode}`) allowed per minute from one client
    /// address: enough for a person checking their own, not for copying the table.
    #[arg(
        long,
        env = "UNDERSIGNED_POSTCODE_LOOKUPS_PER_MINUTE",
        default_value_t = 30
    )]
    pub postcode_lookups_per_minute: u32,

    /// Signing attempts allowed per minute from one client address on one campaign. Generous
    /// enough for a school or office sharing one address, far below what a script would send.
    #[arg(
        long,
        env = "UNDERSIGNED_SIGN_PER_MINUTE_PER_CAMPAIGN",
        default_value_t = 30
    )]
    pub sign_per_minute_per_campaign: u32,

    /// Signatures a partner may submit per minute with its API key (server-to-server, so
    /// limited per key rather than per address).
    #[arg(
        long,
        env = "UNDERSIGNED_SIGN_PER_MINUTE_PER_PARTNER",
        default_value_t = 6000
    )]
    pub sign_per_minute_per_partner: u32,

    /// Login attempts allowed per minute from one client address; first-admin set-up attempts
    /// are limited the same.
    #[arg(
        long,
        env = "UNDERSIGNED_LOGIN_PER_MINUTE_PER_ADDRESS",
        default_value_t = 20
    )]
    pub login_per_minute_per_address: u32,

    /// Login attempts allowed per minute for one account from one client address (so that
    /// strangers guessing elsewhere never lock its owner out).
    #[arg(
        long,
        env = "UNDERSIGNED_LOGIN_PER_MINUTE_PER_ACCOUNT",
        default_value_t = 10
    )]
    pub login_per_minute_per_account: u32,

    /// Failed logins an account may have in an hour, from every address together, before
    /// further attempts wait (NIST SP 800-63B allows up to 100).
    #[arg(
        long,
        env = "UNDERSIGNED_LOGIN_FAILURES_PER_HOUR_PER_ACCOUNT",
        default_value_t = 100
    )]
    pub login_failures_per_hour_per_account: u32,

    /// Password checks (argon2id, 19 MiB each) running at once; a login beyond them waits up
    /// to `UNDERSIGNED_PASSWORD_CHECK_WAIT_MS`, then gets 503 with `Retry-After`.
    #[arg(long, env = "UNDERSIGNED_PASSWORD_CHECKS_AT_ONCE", default_value_t = 4)]
    pub password_checks_at_once: usize,

    /// How long a login waits for a password check to be free, in milliseconds.
    #[arg(
        long,
        env = "UNDERSIGNED_PASSWORD_CHECK_WAIT_MS",
        default_value_t = 2000
    )]
    pub password_check_wait_ms: u64,

    /// IPv6 clients are limited per network of this prefix length (an ordinary allocation
    /// is a /64, so each /128 is not a client of its own); IPv4 clients per address.
    #[arg(long, env = "UNDERSIGNED_IPV6_PREFIX_LENGTH", default_value_t = 64, value_parser = clap::value_parser!(u8).range(1..=128))]
    pub ipv6_prefix_length: u8,

    /// Seconds between checks that every stored count matches its signatures (0: never).
    #[arg(
        long,
        env = "UNDERSIGNED_RECOUNT_INTERVAL_SECONDS",
        default_value_t = 900
    )]
    pub recount_interval_seconds: u64,

    /// Seconds between purges of personal data past its retention period, and sweeps of pledge
    /// renewals (0: never).
    #[arg(
        long,
        env = "UNDERSIGNED_PURGE_INTERVAL_SECONDS",
        default_value_t = 3600
    )]
    pub purge_interval_seconds: u64,

    /// Days added to the clock that pledge renewal reads (reminders, lapses, renewals), to
    /// rehearse a year of renewals in a moment; 0 in service.
    #[arg(
        long,
        env = "UNDERSIGNED_RENEWAL_CLOCK_OFFSET_DAYS",
        default_value_t = 0,
        allow_negative_numbers = true
    )]
    pub renewal_clock_offset_days: i64,

    /// Seconds a request body may take to arrive; a slower one gets 408 and its connection
    /// is closed.
    #[arg(long, env = "UNDERSIGNED_BODY_DEADLINE_SECONDS", default_value_t = 10)]
    pub body_deadline_seconds: u64,

    /// Live count streams one client address may hold open at once.
    #[arg(long, env = "UNDERSIGNED_STREAMS_PER_ADDRESS", default_value_t = 20)]
    pub streams_per_address: usize,

    /// Live count streams the instance holds open at once, from everyone.
    #[arg(long, env = "UNDERSIGNED_STREAMS_TOTAL", default_value_t = 10_000)]
    pub streams_total: usize,

    /// Seconds after which a live count stream ends (a browser's `EventSource` reconnects),
    /// so that no connection is held for ever.
    #[arg(
        long,
        env = "UNDERSIGNED_STREAM_LIFETIME_SECONDS",
        default_value_t = 3600
    )]
    pub stream_lifetime_seconds: u64,

    /// Seconds given to in-flight requests to finish after SIGTERM.
    #[arg(long, env = "UNDERSIGNED_SHUTDOWN_GRACE_SECONDS", default_value_t = 30)]
    pub shutdown_grace_seconds: u64,

    /// HTTP worker threads [default: one per CPU core].
    #[arg(long, env = "UNDERSIGNED_WORKERS")]
    pub workers: Option<usize>,

    /// Log format: `text` or `json`.
    #[arg(long, env = "UNDERSIGNED_LOG_FORMAT", default_value = "text")]
    pub log_format: LogFormat,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum LogFormat {
    Text,
    Json,
}

const DEFAULT_DATABASE_URL: &str = "sqlite://undersigned.db";

/// The shortest token-signing key accepted: HS256 wants a key as long as its hash.
pub const MIN_JWT_SECRET_BYTES: usize = 32;

/// A secret from the environment: `NAME`, or the contents of the file `NAME_FILE` names (the
/// Docker secrets convention; one trailing newline is dropped). Never a command-line flag,
/// which any user of the machine could read in the process list.
fn secret_from_env(name: &str) -> Result<Option<SecretString>, String> {
    let file_var = format!("{name}_FILE");
    let value = match (std::env::var(name), std::env::var_os(&file_var)) {
        (Ok(_), Some(_)) => return Err(format!("set {name} or {file_var}, not both")),
        (Ok(value), None) => value,
        (Err(_), Some(path)) => {
            let text = std::fs::read_to_string(&path)
                .map_err(|e| format!("{file_var}: cannot read {}: {e}", path.to_string_lossy()))?;
            text.strip_suffix('\n').unwrap_or(&text).to_owned()
        }
        (Err(_), None) => return Ok(None),
    };
    if value.is_empty() {
        return Err(format!("{name} must not be empty"));
    }
    Ok(Some(SecretString::from(value)))
}

/// A network (`10.0.0.0/8`) or a single address (`10.0.0.1`).
fn parse_network(raw: &str) -> Result<IpNet, String> {
    let raw = raw.trim();
    raw.parse::<IpNet>()
        .or_else(|_| raw.parse::<IpAddr>().map(IpNet::from))
        .map_err(|_| format!("{raw:?} is neither an IP address nor a network"))
}

impl Settings {
    /// Settings from the environment alone, with every default, as `serve` would read them.
    pub fn from_env() -> Result<Self, String> {
        #[derive(clap::Parser)]
        struct Only {
            #[command(flatten)]
            settings: Settings,
        }
        let mut settings = <Only as clap::Parser>::try_parse_from(["undersigned"])
            .map_err(|e| e.to_string())?
            .settings;
        settings.read_secrets()?;
        Ok(settings)
    }

    /// Reads the secrets, which only the environment (or files it names) may give, and
    /// refuses a token-signing key too short to be safe.
    pub fn read_secrets(&mut self) -> Result<(), String> {
        use secrecy::ExposeSecret;
        if let Some(url) = secret_from_env("DATABASE_URL")? {
            self.database_url = url
                .expose_secret()
                .parse()
                .map_err(|e| format!("DATABASE_URL {e}"))?;
        }
        self.jwt_secret = secret_from_env("UNDERSIGNED_JWT_SECRET")?;
        self.smtp_url = secret_from_env("UNDERSIGNED_SMTP_URL")?;
        self.metrics_token = secret_from_env("UNDERSIGNED_METRICS_TOKEN")?;
        self.backup_key = secret_from_env("UNDERSIGNED_BACKUP_KEY")?;
        if let Some(secret) = &self.jwt_secret {
            check_signing_key("UNDERSIGNED_JWT_SECRET", secret.expose_secret().as_bytes())?;
        }
        if let Some(secret) = &self.backup_key {
            check_signing_key("UNDERSIGNED_BACKUP_KEY", secret.expose_secret().as_bytes())?;
        }
        Ok(())
    }

    /// The key backups are signed and checked with, if there is one: made from
    /// `UNDERSIGNED_BACKUP_KEY`, or else from `UNDERSIGNED_JWT_SECRET` (each for this use alone).
    pub fn backup_signing_key(&self) -> Option<[u8; 32]> {
        self.backup_key
            .as_ref()
            .or(self.jwt_secret.as_ref())
            .map(|secret| crate::domain::derived_key(Some(secret), b"backup signature"))
    }
}

/// The least estimated entropy of a key that signs tokens.
const MIN_KEY_BITS: f64 = 128.0;

/// Refuses a signing key that is short, blank, one character repeated, or too predictable:
/// fewer than `MIN_KEY_BITS` bits by the estimate below.
fn check_signing_key(name: &str, key: &[u8]) -> Result<(), String> {
    let make_one = "make one with `openssl rand -base64 48`";
    let length = key.len();
    if length < MIN_JWT_SECRET_BYTES {
        return Err(format!(
            "{name} is {length} bytes long; it must be at least {MIN_JWT_SECRET_BYTES} ({make_one})"
        ));
    }
    if key.iter().all(u8::is_ascii_whitespace) || key.iter().all(|b| *b == key[0]) {
        return Err(format!(
            "{name} is one character repeated or only spaces: it must be random ({make_one})"
        ));
    }
    let bits = estimated_entropy_bits(key);
    if bits < MIN_KEY_BITS {
        return Err(format!(
            "{name} has about {bits:.0} bits of entropy; it must have at least {MIN_KEY_BITS:.0} \
             ({make_one})"
        ));
    }
    Ok(())
}

/// An estimate of a key's entropy: its length times the Shannon entropy of its bytes'
/// frequencies. A random key scores near its true strength; one built of few distinct
/// characters scores low, however long.
fn estimated_entropy_bits(key: &[u8]) -> f64 {
    let mut counts = [0u32; 256];
    for byte in key {
        counts[usize::from(*byte)] += 1;
    }
    let length = key.len() as f64;
    let per_byte: f64 = counts
        .iter()
        .filter(|c| **c > 0)
        .map(|c| {
            let p = f64::from(*c) / length;
            -p * p.log2()
        })
        .sum();
    per_byte * length
}

/// A database URL whose password never reaches a log: `Debug` and `Display` hide it.
#[derive(Clone)]
pub struct DatabaseUrl(String);

impl DatabaseUrl {
    pub fn is_postgres(&self) -> bool {
        self.0.starts_with("postgres:") || self.0.starts_with("postgresql:")
    }

    /// The URL with its password, for the database driver only.
    pub fn expose(&self) -> &str {
        &self.0
    }

    fn redacted(&self) -> String {
        match url::Url::parse(&self.0) {
            Ok(mut url) if url.password().is_some() => {
                let _ = url.set_password(Some("redacted"));
                url.to_string()
            }
            Ok(_) => self.0.clone(),
            Err(_) => "(unparsable database URL)".into(),
        }
    }
}

impl FromStr for DatabaseUrl {
    type Err = String;
    fn from_str(raw: &str) -> Result<Self, String> {
        let known = ["sqlite:", "postgres://", "postgresql://"];
        if known.iter().any(|scheme| raw.starts_with(scheme)) {
            Ok(Self(raw.to_owned()))
        } else {
            Err("must start with sqlite:, postgres:// or postgresql://".into())
        }
    }
}

impl fmt::Debug for DatabaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "DatabaseUrl({})", self.redacted())
    }
}

impl fmt::Display for DatabaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.redacted())
    }
}

fn parse_positive_hours(raw: &str) -> Result<f64, String> {
    match raw.parse::<f64>() {
        Ok(hours) if hours.is_finite() && hours > 0.0 => Ok(hours),
        _ => Err("must be a number of hours above 0".into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_signing_key_must_be_long_and_unpredictable() {
        let refused = |key: &str| check_signing_key("KEY", key.as_bytes()).is_err();
        assert!(refused("short"));
        assert!(refused(&" ".repeat(36)));
        assert!(refused(&"x".repeat(64)));
        assert!(refused(&"ab".repeat(32)));
        assert!(!refused(
            "q8Jz0c3sV1Yb+W5nKp9RtL2xHf7uMd4eGa6iNo0ZyXkQw3BvCj8rTs1PlE5hUgDm"
        ));
        assert!(!refused(
            "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"
        ));
    }

    #[test]
    fn the_database_password_never_shows() {
        let url: DatabaseUrl = "postgres://app:hunter2-secret@db.internal:5432/undersigned"
            .parse()
            .unwrap();
        assert!(!format!("{url:?}").contains("hunter2-secret"));
        assert!(!format!("{url}").contains("hunter2-secret"));
        assert!(format!("{url}").contains("db.internal"));
        assert_eq!(
            url.expose(),
            "postgres://app:hunter2-secret@db.internal:5432/undersigned"
        );
    }

    #[test]
    fn unknown_schemes_are_refused() {
        assert!("mysql://x/y".parse::<DatabaseUrl>().is_err());
        assert!("sqlite://undersigned.db".parse::<DatabaseUrl>().is_ok());
    }

    #[test]
    fn trusted_proxies_take_addresses_and_networks() {
        assert_eq!(
            parse_network("10.0.0.1").unwrap().to_string(),
            "10.0.0.1/32"
        );
        assert_eq!(
            parse_network("10.0.0.0/8").unwrap().to_string(),
            "10.0.0.0/8"
        );
        assert!(parse_network("proxy.local").is_err());
    }
}
