//! The benchmark: starts `undersigned` as its own process on a fresh database, drives it with
//! concurrent HTTP clients on this machine, and prints every figure beside a baseline measured
//! in the same run (this machine is shared and noisy: ratios travel, absolute numbers do not).
//! At the end it checks that nothing was lost or counted twice.
//!
//! cargo run --release --features loadgen --bin loadgen -- --help

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use clap::Parser;
use futures_util::StreamExt;
use serde_json::{Value, json};

use undersigned::auth::PasswordHasher;
use undersigned::domain::{
    Campaign, CampaignKind, ContactBasis, Email, Identity, Milestones, NewCampaign, NewSignature,
    OrganiserName, Password, PrivacyUrl, RetentionDays, SignatureForm, Slug, Summary, Title,
};
use undersigned::store::{self, SignatureSubmission};

#[derive(Parser)]
struct Args {
    /// `sqlite://FILE` (made fresh in a temporary directory if omitted) or `postgres://…`
    /// (a new database is created on that server and dropped afterwards).
    #[arg(long)]
    database_url: Option<String>,
    /// Concurrent connections.
    #[arg(long, default_value_t = 64)]
    connections: usize,
    /// Seconds each scenario runs.
    #[arg(long, default_value_t = 10)]
    seconds: u64,
    /// SSE listeners held open during the streams scenario.
    #[arg(long, default_value_t = 1000)]
    listeners: usize,
    /// Share of repeated emails (in random letter case) in the duplicates scenario.
    #[arg(long, default_value_t = 0.3)]
    duplicate_share: f64,
    /// Also measure a CSV export of this many signatures (0: skip). The server's peak memory
    /// (VmHWM) is read before and after, to show it stays flat.
    #[arg(long, default_value_t = 0)]
    export_rows: u64,
    /// Run only the export measurement.
    #[arg(long)]
    export_only: bool,
    /// Run only the measurements of where signers are: a postcode's lookup, signing with a
    /// postcode, and counting this many signatures by constituency (0: skip the count).
    #[arg(long)]
    areas_rows: Option<u64>,
    /// Run only the integrity measurement: the integrity view of this many signatures, and
    /// invalidating and restoring the tenth of them that came from one address block.
    #[arg(long)]
    integrity_rows: Option<u64>,
    /// Run only the moderation measurement: approve this many pending letter signatories at
    /// once, by filter, as the console's "all that match" does.
    #[arg(long, default_value_t = 0)]
    review_rows: u64,
    /// Emails queued for the mail scenario, sent to an SMTP server inside the load generator
    /// (0: skip it).
    #[arg(long, default_value_t = 10_000)]
    mail_emails: u64,
    /// Run only the mail scenario.
    #[arg(long)]
    mail_only: bool,
    /// Run only the set-up flood: this many clients send first-admin set-up requests with
    /// wrong tokens while logins are timed (0: skip it).
    #[arg(long, default_value_t = 0)]
    setup_flood: usize,
    /// Run only the answer-timing scenario (one client at a time).
    #[arg(long)]
    timing_only: bool,
    /// Run only the reading scenarios: `/healthz`, the count, and a campaign's page.
    #[arg(long)]
    pages_only: bool,
    /// Where the server writes the emails it sends, as files. The default is in memory
    /// (`/dev/shm`) where there is one: in production mail goes to SMTP, and creating thousands
    /// of files a second on a disk measures the filesystem's inode allocator, not the service.
    /// The database always stays where `--database-url` puts it.
    #[arg(long)]
    mail_dir: Option<std::path::PathBuf>,
}

#[path = "loadgen/areas.rs"]
mod areas;
#[path = "loadgen/integrity.rs"]
mod integrity;
#[path = "loadgen/mail.rs"]
mod mail;
#[path = "loadgen/review.rs"]
mod review;
#[path = "loadgen/setup_flood.rs"]
mod setup_flood;

/// A signature on a petition that needs no confirmation, ready for the store.
fn confirmed(campaign: &Arc<Campaign>, form: SignatureForm) -> SignatureSubmission {
    let signature = NewSignature::parse(
        form,
        undersigned::domain::SigningRules::new(CampaignKind::Petition, ContactBasis::Consent),
    )
    .expect("a valid signature");
    SignatureSubmission::new(campaign, signature, store::now())
}

/// The server process's peak resident memory so far, in MiB (Linux `VmHWM`).
fn peak_memory_mib(pid: u32) -> Option<f64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kib: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib / 1024.0)
}

/// Seeds `rows` signatures through the store (the signing transaction, without HTTP), then
/// downloads the CSV export through the server, and reports rows a second and peak memory.
/// A new campaign `slug` of `kind` with `rows` confirmed signatures, written straight through
/// the store by 32 writers at once.
async fn seeded_campaign(
    store: &Arc<dyn undersigned::store::Store>,
    slug: &str,
    kind: CampaignKind,
    organiser: uuid::Uuid,
    rows: u64,
) -> anyhow::Result<Arc<Campaign>> {
    let campaign = Arc::new(Campaign::draft(
        NewCampaign {
            kind,
            ..campaign_spec(slug)
        },
        organiser,
        &Identity::default(),
        store::now(),
    ));
    store.insert_campaign(&campaign).await?;
    let seeded = Arc::new(AtomicU64::new(0));
    let started = Instant::now();
    let seeders: Vec<_> = (0..32)
        .map(|_| {
            let (store, campaign, seeded) = (store.clone(), campaign.clone(), seeded.clone());
            tokio::spawn(async move {
                loop {
                    let i = seeded.fetch_add(1, Ordering::Relaxed);
                    if i >= rows {
                        return;
                    }
                    let form = SignatureForm {
                        name: format!("Siân Seeded {i}"),
                        email: format!("seeded{i}@example.org"),
                        postcode: Some("CF10 1AA".into()),
                        ..Default::default()
                    };
                    store
                        .record_signature(&confirmed(&campaign, form))
                        .await
                        .expect("seeding");
                }
            })
        })
        .collect();
    for seeder in seeders {
        seeder.await?;
    }
    println!(
        "seeded {rows} signatures of {slug} in {:.0} s",
        started.elapsed().as_secs_f64()
    );
    Ok(campaign)
}

/// Reads a campaign's whole CSV export: its rows, bytes and how long it took.
async fn read_export(
    client: &reqwest::Client,
    server: &Server,
    token: &str,
    slug: &str,
) -> anyhow::Result<(u64, u64, f64)> {
    let started = Instant::now();
    let response = client
        .get(format!(
            "{}/v1/campaigns/{slug}/signatures/export?format=csv",
            server.address
        ))
        .bearer_auth(token)
        .send()
        .await?
        .error_for_status()?;
    let mut body = response.bytes_stream();
    let (mut bytes, mut lines) = (0u64, 0u64);
    while let Some(chunk) = body.next().await {
        let chunk = chunk?;
        bytes += chunk.len() as u64;
        lines += chunk.iter().filter(|b| **b == b'\n').count() as u64;
    }
    Ok((
        lines.saturating_sub(1),
        bytes,
        started.elapsed().as_secs_f64(),
    ))
}

async fn measure_export(
    store: &Arc<dyn undersigned::store::Store>,
    client: &reqwest::Client,
    server: &Server,
    token: &str,
    organiser: uuid::Uuid,
    rows: u64,
) -> anyhow::Result<()> {
    seeded_campaign(
        store,
        "bench-export",
        CampaignKind::Petition,
        organiser,
        rows,
    )
    .await?;
    let pid = server.child.id();
    let before = peak_memory_mib(pid).unwrap_or(0.0);
    let (exported, bytes, elapsed) = read_export(client, server, token, "bench-export").await?;
    let after = peak_memory_mib(pid).unwrap_or(0.0);
    println!(
        "CSV export of {exported} rows    {:>9.0} rows/s  {:.1} MiB in {elapsed:.1} s  server peak memory {before:.1} MiB before, {after:.1} MiB after",
        exported as f64 / elapsed,
        bytes as f64 / 1_048_576.0,
    );
    if exported != rows {
        bail!("the export had {exported} rows, not {rows}");
    }
    Ok(())
}

/// The medians of answer times for new, repeated and honeypot-caught signing attempts.
struct AnswerTiming {
    repeat_over_new: f64,
    spam_over_new: f64,
}

async fn measure_answer_timing(
    client: &reqwest::Client,
    server: &str,
) -> anyhow::Result<AnswerTiming> {
    const PAIRS: usize = 200;
    let url = format!("{server}/v1/campaigns/bench-timing/signatures");
    // The service holds quick answers to the times of its recent new signatures: first let it
    // see some at this pace, so that the scenarios before (at full load) are not what it recalls.
    for i in 0..100 {
        let body = json!({"name": "Warm Up", "email": format!("warm{i}@example.org")});
        client.post(&url).json(&body).send().await?;
    }
    // Per address: new, a repeat (a reminder goes), two more repeats (the second sends the last
    // email a signature may have; the third writes nothing), and a bot on an address of its own.
    let mut times: [Vec<u64>; 4] = Default::default();
    for i in 0..PAIRS {
        let email = format!("timing{i}@example.org");
        let signer = json!({"name": "Timed Signer", "email": email});
        let attempts = [
            (signer.clone(), Some(0)),
            (signer.clone(), Some(1)),
            (signer.clone(), None),
            (signer, Some(2)),
            (
                json!({"name": "Timed Bot", "email": format!("bot{i}@example.org"), "nickname": "x"}),
                Some(3),
            ),
        ];
        for (body, kind) in attempts {
            let started = Instant::now();
            let answer = client.post(&url).json(&body).send().await?;
            if answer.status().as_u16() != 202 {
                bail!("a timed signing attempt was answered {}", answer.status());
            }
            if let Some(kind) = kind {
                times[kind].push(started.elapsed().as_micros() as u64);
            }
        }
    }
    let [new, reminded, silent, spam] = times;
    let figures = |name: &str, latencies_us: Vec<u64>| Figures {
        name: name.to_owned(),
        ok: PAIRS as u64,
        failed: 0,
        elapsed: Duration::from_secs(1),
        latencies_us,
    };
    let (new, reminded, silent, spam) = (
        figures("new", new),
        figures("repeat, reminded", reminded),
        figures("repeat, no email left", silent),
        figures("honeypot", spam),
    );
    for f in [&new, &reminded, &silent, &spam] {
        println!(
            "answer time, one at a time: {:<22} p50 {:>6.2} ms  p95 {:>6.2} ms  ({:.2}x new's p50)",
            f.name,
            f.percentile(0.5),
            f.percentile(0.95),
            f.percentile(0.5) / new.percentile(0.5)
        );
    }
    let ratio = |f: &Figures| f.percentile(0.5) / new.percentile(0.5);
    Ok(AnswerTiming {
        repeat_over_new: ratio(&reminded).min(ratio(&silent)),
        spam_over_new: ratio(&spam),
    })
}

struct Figures {
    name: String,
    ok: u64,
    failed: u64,
    elapsed: Duration,
    latencies_us: Vec<u64>,
}

impl Figures {
    fn rate(&self) -> f64 {
        self.ok as f64 / self.elapsed.as_secs_f64()
    }

    fn percentile(&self, p: f64) -> f64 {
        if self.latencies_us.is_empty() {
            return 0.0;
        }
        let mut sorted = self.latencies_us.clone();
        sorted.sort_unstable();
        let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
        sorted[i] as f64 / 1000.0
    }

    fn print(&self, baseline: Option<&Figures>) {
        let ratio = baseline
            .map(|b| format!("{:>6.2}x {}", self.rate() / b.rate(), b.name))
            .unwrap_or_default();
        println!(
            "{:<28} {:>9.0}/s  p50 {:>7.2} ms  p95 {:>7.2} ms  p99 {:>7.2} ms  failed {:>5}  {}",
            self.name,
            self.rate(),
            self.percentile(0.50),
            self.percentile(0.95),
            self.percentile(0.99),
            self.failed,
            ratio
        );
    }
}

/// Runs `request` from `connections` tasks for `seconds`, timing each call.
async fn drive<F, Fut>(name: &str, connections: usize, seconds: u64, request: F) -> Figures
where
    F: Fn(u64) -> Fut + Send + Sync + 'static,
    Fut: std::future::Future<Output = bool> + Send,
{
    let request = Arc::new(request);
    let sequence = Arc::new(AtomicU64::new(0));
    let started = Instant::now();
    let deadline = started + Duration::from_secs(seconds);
    let tasks: Vec<_> = (0..connections)
        .map(|_| {
            let request = request.clone();
            let sequence = sequence.clone();
            tokio::spawn(async move {
                let (mut ok, mut failed, mut latencies) = (0u64, 0u64, Vec::new());
                while Instant::now() < deadline {
                    let n = sequence.fetch_add(1, Ordering::Relaxed);
                    let t = Instant::now();
                    if request(n).await {
                        ok += 1;
                        latencies.push(t.elapsed().as_micros() as u64);
                    } else {
                        failed += 1;
                    }
                }
                (ok, failed, latencies)
            })
        })
        .collect();
    let mut figures = Figures {
        name: name.to_owned(),
        ok: 0,
        failed: 0,
        elapsed: Duration::ZERO,
        latencies_us: Vec::new(),
    };
    for task in tasks {
        let (ok, failed, latencies) = task.await.expect("a load task");
        figures.ok += ok;
        figures.failed += failed;
        figures.latencies_us.extend(latencies);
    }
    figures.elapsed = started.elapsed();
    figures
}

struct Server {
    child: Child,
    address: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start_server(database_url: &str, outbox: &std::path::Path) -> anyhow::Result<Server> {
    start_server_with(database_url, outbox, &[])
}

fn start_server_with(
    database_url: &str,
    outbox: &std::path::Path,
    environment: &[(&str, String)],
) -> anyhow::Result<Server> {
    let binary = std::env::current_exe()?.with_file_name("undersigned");
    let mut child = Command::new(&binary)
        .arg("serve")
        .envs(environment.iter().map(|(k, v)| (k, v)))
        .env("DATABASE_URL", database_url)
        .env("UNDERSIGNED_BIND", "127.0.0.1:0")
        .env(
            "UNDERSIGNED_JWT_SECRET",
            "Benchmark key, 2026: T7q!Vw2#Lr9$Xp4^Nz6&Hs1*Jd8(Kf3)",
        )
        .env("UNDERSIGNED_OUTBOX_DIR", outbox)
        .env("UNDERSIGNED_SIGN_PER_MINUTE_PER_ADDRESS", "100000000")
        .env("UNDERSIGNED_SIGN_PER_MINUTE_PER_CAMPAIGN", "100000000")
        // Every listener comes from this one machine.
        .env("UNDERSIGNED_STREAMS_PER_ADDRESS", "100000000")
        .env("UNDERSIGNED_STREAMS_TOTAL", "100000000")
        .env("UNDERSIGNED_LOG_FORMAT", "json")
        .env("RUST_LOG", "warn,undersigned::startup=info")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .with_context(|| {
            format!(
                "starting {} (build it with cargo build --release)",
                binary.display()
            )
        })?;
    let stderr = child.stderr.take().expect("piped");
    let (found, address) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            if let Some(rest) = line.split("\"address\":\"").nth(1) {
                let _ = found.send(rest.split('"').next().unwrap_or_default().to_owned());
            }
        }
    });
    let address = address
        .recv_timeout(Duration::from_secs(30))
        .context("the server did not say where it listens")?;
    Ok(Server {
        child,
        address: format!("http://{address}"),
    })
}

/// A fresh database for this run: its URL, and how to drop it afterwards.
async fn fresh_database(
    url: Option<&str>,
) -> anyhow::Result<(String, Option<(String, String)>, tempfile_dir::Dir)> {
    let dir = tempfile_dir::Dir::new()?;
    match url {
        Some(url) if url.starts_with("postgres") => {
            use sqlx::Connection;
            let name = format!("undersigned_bench_{}", uuid::Uuid::new_v4().simple());
            let mut admin = sqlx::PgConnection::connect(url).await?;
            sqlx::query(sqlx::AssertSqlSafe(format!(r#"CREATE DATABASE "{name}""#)))
                .execute(&mut admin)
                .await?;
            let mut app = url::Url::parse(url)?;
            app.set_path(&name);
            Ok((app.to_string(), Some((url.to_owned(), name)), dir))
        }
        Some(url) => Ok((url.to_owned(), None, dir)),
        None => {
            let url = format!("sqlite://{}", dir.path.join("bench.db").display());
            Ok((url, None, dir))
        }
    }
}

/// A temporary directory removed on drop (the benchmark avoids a dependency for this).
mod tempfile_dir {
    pub struct Dir {
        pub path: std::path::PathBuf,
    }
    impl Dir {
        pub fn new() -> std::io::Result<Self> {
            Self::new_in(&std::env::temp_dir())
        }
        pub fn new_in(parent: &std::path::Path) -> std::io::Result<Self> {
            let path = parent.join(format!(
                "undersigned-bench-{}",
                uuid::Uuid::new_v4().simple()
            ));
            std::fs::create_dir_all(&path)?;
            Ok(Self { path })
        }
    }
    impl Drop for Dir {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.path);
        }
    }
}

/// Drops the PostgreSQL database made for this run, if one was.
async fn drop_database(made: Option<(String, String)>) -> anyhow::Result<()> {
    if let Some((admin, name)) = made {
        use sqlx::Connection;
        let mut admin = sqlx::PgConnection::connect(&admin).await?;
        sqlx::query(sqlx::AssertSqlSafe(format!(
            r#"DROP DATABASE IF EXISTS "{name}" WITH (FORCE)"#
        )))
        .execute(&mut admin)
        .await?;
    }
    Ok(())
}

fn campaign_spec(slug: &str) -> NewCampaign {
    NewCampaign {
        slug: Slug::parse(slug).unwrap(),
        kind: CampaignKind::Petition,
        title: Title::parse("Benchmark petition").unwrap(),
        summary: Summary::parse("For measuring").unwrap(),
        body: undersigned::domain::Body::parse("Signed by the load generator.").unwrap(),
        recipient: None,
        target: None,
        milestones: Milestones::default(),
        closes_at: None,
        require_confirmation: false,
        allowed_origins: vec![],
        retention_days: RetentionDays::DEFAULT,
        contact_basis: ContactBasis::Consent,
        consent_public_text: None,
        consent_contact_text: None,
        organiser: Identity {
            name: Some(OrganiserName::parse("Benchmark Trust").unwrap()),
            privacy_url: Some(PrivacyUrl::parse("https://bench.example.org/privacy").unwrap()),
            contact_email: Some(Email::parse("bench@example.org").unwrap()),
        },
        renew_after_months: None,
        signers: Default::default(),
        colour: None,
        targets: Vec::new(),
    }
}

async fn open_campaign(
    client: &reqwest::Client,
    server: &str,
    token: &str,
    slug: &str,
    require_confirmation: bool,
) -> anyhow::Result<()> {
    let body = json!({"slug": slug, "kind": "petition", "title": "Benchmark petition",
        "summary": "For measuring", "body": "Signed by the load generator.",
        "require_confirmation": require_confirmation,
        "organiser": {"name": "Benchmark Trust", "privacy_url": "https://bench.example.org/privacy",
            "contact_email": "bench@example.org"}});
    let created = client
        .post(format!("{server}/v1/campaigns"))
        .bearer_auth(token)
        .json(&body)
        .send()
        .await?;
    if !created.status().is_success() {
        bail!("creating {slug}: {}", created.status());
    }
    client
        .patch(format!("{server}/v1/campaigns/{slug}"))
        .bearer_auth(token)
        .json(&json!({"status": "open"}))
        .send()
        .await?
        .error_for_status()?;
    Ok(())
}

async fn count_of(client: &reqwest::Client, server: &str, slug: &str) -> anyhow::Result<Value> {
    Ok(client
        .get(format!("{server}/v1/campaigns/{slug}/count"))
        .send()
        .await?
        .json()
        .await?)
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    undersigned::selfcheck::use_ring_for_tls();
    let args = Args::parse();
    if args.setup_flood > 0 {
        return setup_flood::measure(args.database_url.as_deref(), args.setup_flood, args.seconds)
            .await;
    }
    if args.mail_only {
        return mail::measure(args.database_url.as_deref(), args.mail_emails).await;
    }
    let (database_url, to_drop, _dir) = fresh_database(args.database_url.as_deref()).await?;
    let mail_parent = args.mail_dir.clone().unwrap_or_else(|| {
        let shm = std::path::Path::new("/dev/shm");
        if shm.is_dir() {
            shm.to_owned()
        } else {
            std::env::temp_dir()
        }
    });
    let mail_dir = tempfile_dir::Dir::new_in(&mail_parent)?;
    let outbox = mail_dir.path.join("outbox");
    let store = store::connect(&database_url.parse().map_err(anyhow::Error::msg)?).await?;
    let server = start_server(&database_url, &outbox)?;
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(args.connections * 2)
        .build()?;
    let backend = if database_url.starts_with("postgres") {
        "PostgreSQL"
    } else {
        "SQLite"
    };
    println!(
        "undersigned benchmark: {backend}, {} connections, {} s per scenario, {} cores",
        args.connections,
        args.seconds,
        std::thread::available_parallelism().map_or(0, |n| n.get())
    );

    let password = "benchmark password 1234";
    let organiser = undersigned::accounts::create_account(
        store.as_ref(),
        &PasswordHasher::new(1, Duration::from_secs(60))?,
        Email::parse("bench@example.org").unwrap(),
        Password::parse(password.to_owned().into()).unwrap(),
        false,
    )
    .await
    .map_err(|e| anyhow::anyhow!("{e}"))?;
    let login: Value = client
        .post(format!("{}/v1/auth/token", server.address))
        .json(&json!({"email": "bench@example.org", "password": password}))
        .send()
        .await?
        .json()
        .await?;
    let token = login["access_token"]
        .as_str()
        .context("a token")?
        .to_owned();
    if let Some(rows) = args.integrity_rows {
        integrity::measure(&store, &client, &server, &token, rows).await?;
        drop(server);
        drop(store);
        drop_database(to_drop).await?;
        return Ok(());
    }
    if let Some(rows) = args.areas_rows {
        areas::measure(
            &store,
            &client,
            &server,
            &token,
            rows,
            (args.connections, args.seconds),
        )
        .await?;
        drop(server);
        drop(store);
        drop_database(to_drop).await?;
        return Ok(());
    }
    if args.review_rows > 0 {
        review::measure(
            &store,
            &client,
            &server,
            &token,
            organiser.id,
            args.review_rows,
        )
        .await?;
        drop(server);
        drop(store);
        drop_database(to_drop).await?;
        return Ok(());
    }
    if args.export_only {
        measure_export(
            &store,
            &client,
            &server,
            &token,
            organiser.id,
            args.export_rows,
        )
        .await?;
        drop(server);
        drop(store);
        drop_database(to_drop).await?;
        return Ok(());
    }
    for slug in [
        "bench-sign",
        "bench-duplicates",
        "bench-streams",
        "bench-timing",
    ] {
        open_campaign(&client, &server.address, &token, slug, false).await?;
    }
    if args.timing_only {
        measure_answer_timing(&client, &server.address).await?;
        drop(server);
        drop(store);
        drop_database(to_drop).await?;
        return Ok(());
    }
    let address = Arc::new(server.address.clone());
    let (n, secs) = (args.connections, args.seconds);

    // Baseline 1: the server's cheapest route.
    let (c, a) = (client.clone(), address.clone());
    let healthz = drive("GET /healthz (baseline)", n, secs, move |_| {
        let (c, a) = (c.clone(), a.clone());
        async move {
            matches!(c.get(format!("{a}/healthz")).send().await, Ok(r) if r.status().is_success())
        }
    })
    .await;
    healthz.print(None);

    let (c, a) = (client.clone(), address.clone());
    let counts = drive("GET count", n, secs, move |_| {
        let (c, a) = (c.clone(), a.clone());
        async move {
            matches!(c.get(format!("{a}/v1/campaigns/bench-sign/count")).send().await, Ok(r) if r.status().is_success())
        }
    })
    .await;
    counts.print(Some(&healthz));

    // A shared link read far more than it is signed: the whole page, body included.
    let (c, a) = (client.clone(), address.clone());
    let page = drive("GET /c/{slug} (the campaign's page)", n, secs, move |_| {
        let (c, a) = (c.clone(), a.clone());
        async move {
            match c.get(format!("{a}/c/bench-sign")).send().await {
                Ok(r) if r.status().is_success() => r.bytes().await.is_ok_and(|b| b.len() > 1000),
                _ => false,
            }
        }
    })
    .await;
    page.print(Some(&healthz));
    if args.pages_only {
        drop(server);
        drop(store);
        drop_database(to_drop).await?;
        return Ok(());
    }

    // Baseline 2: the same signing transaction through the store, without HTTP.
    let campaign = Arc::new(Campaign::draft(
        campaign_spec("bench-direct"),
        organiser.id,
        &Identity::default(),
        store::now(),
    ));
    store.insert_campaign(&campaign).await?;
    let s = store.clone();
    let direct = drive("store.record_signature (baseline)", n, secs, move |i| {
        let (s, campaign) = (s.clone(), campaign.clone());
        async move {
            let form = SignatureForm {
                name: "Direct Signer".into(),
                email: format!("direct{i}@example.org"),
                ..Default::default()
            };
            s.record_signature(&confirmed(&campaign, form))
                .await
                .is_ok()
        }
    })
    .await;
    direct.print(None);

    let (c, a) = (client.clone(), address.clone());
    let signing = drive("POST signatures (unique)", n, secs, move |i| {
        let (c, a) = (c.clone(), a.clone());
        async move {
            let body = json!({"name": "Load Signer", "email": format!("signer{i}@example.org")});
            matches!(c.post(format!("{a}/v1/campaigns/bench-sign/signatures")).json(&body).send().await,
                Ok(r) if r.status().as_u16() == 202)
        }
    })
    .await;
    signing.print(Some(&direct));

    // Repeated emails in random letter case: each distinct address must count once.
    let distinct = Arc::new(std::sync::Mutex::new(std::collections::HashSet::new()));
    let (c, a, d, share) = (
        client.clone(),
        address.clone(),
        distinct.clone(),
        args.duplicate_share,
    );
    let duplicates = drive("POST signatures (repeats)", n, secs, move |i| {
        let (c, a, d) = (c.clone(), a.clone(), d.clone());
        async move {
            let repeat = (i as f64 * 0.618_033_988_7).fract() < share && i > 10;
            let k = if repeat { i % 97 } else { i };
            let email = format!("dup{k}@example.org");
            let spelled: String = email
                .chars()
                .enumerate()
                .map(|(j, ch)| if (i as usize + j).is_multiple_of(3) { ch.to_ascii_uppercase() } else { ch })
                .collect();
            let body = json!({"name": "Repeat Signer", "email": spelled});
            let ok = matches!(c.post(format!("{a}/v1/campaigns/bench-duplicates/signatures")).json(&body).send().await,
                Ok(r) if r.status().as_u16() == 202);
            if ok {
                d.lock().unwrap().insert(email);
            }
            ok
        }
    })
    .await;
    duplicates.print(Some(&direct));

    // Answer timing: one client at a time, a new signature, repeats of it and a bot caught by
    // the honeypot. They must take alike, or the time would tell whether an address had signed.
    let timing = measure_answer_timing(&client, &server.address).await?;

    // Streams: listeners held open while signing; the time from a signature's answer to
    // its count reaching a listener.
    let mut streams = Vec::new();
    for _ in 0..args.listeners {
        match client
            .get(format!(
                "{}/v1/campaigns/bench-streams/count/stream",
                server.address
            ))
            .send()
            .await
        {
            Ok(r) if r.status().is_success() => streams.push(r.bytes_stream()),
            _ => break,
        }
    }
    let held = streams.len();
    let mut watcher = streams.pop().context("at least one stream")?;
    let mut latencies = Vec::new();
    let mut buffer = String::new();
    for i in 0..50 {
        let body = json!({"name": "Stream Signer", "email": format!("stream{i}@example.org")});
        client
            .post(format!(
                "{}/v1/campaigns/bench-streams/signatures",
                server.address
            ))
            .json(&body)
            .send()
            .await?;
        let answered = Instant::now();
        let wanted = format!("\"total\":{}", i + 1);
        loop {
            if let Some(at) = buffer.find(&wanted) {
                buffer.drain(..at + wanted.len());
                break;
            }
            let chunk = tokio::time::timeout(Duration::from_secs(5), watcher.next())
                .await?
                .context("stream ended")??;
            buffer.push_str(&String::from_utf8_lossy(&chunk));
        }
        latencies.push(answered.elapsed().as_micros() as u64);
    }
    let stream_figures = Figures {
        name: format!("signature → stream ({held} open)"),
        ok: 50,
        failed: 0,
        elapsed: Duration::from_secs(1),
        latencies_us: latencies,
    };
    println!(
        "{:<28} p50 {:>7.2} ms  p95 {:>7.2} ms  max {:>7.2} ms",
        stream_figures.name,
        stream_figures.percentile(0.5),
        stream_figures.percentile(0.95),
        stream_figures.percentile(1.0)
    );

    // Signing at full rate while every listener stays open and reads each count it is sent.
    let readers: Vec<_> = streams
        .into_iter()
        .chain(std::iter::once(watcher))
        .map(|mut stream| tokio::spawn(async move { while stream.next().await.is_some() {} }))
        .collect();
    let (c, a) = (client.clone(), address.clone());
    let streamed = drive(
        &format!("POST signatures ({held} streams open)"),
        n,
        secs,
        move |i| {
            let (c, a) = (c.clone(), a.clone());
            async move {
                let body = json!({"name": "Watched Signer", "email": format!("watched{i}@example.org")});
                matches!(c.post(format!("{a}/v1/campaigns/bench-streams/signatures")).json(&body).send().await,
                    Ok(r) if r.status().as_u16() == 202)
            }
        },
    )
    .await;
    streamed.print(Some(&signing));
    let streams_still_open = readers.iter().filter(|r| !r.is_finished()).count();
    println!("streams still open after signing: {streams_still_open} of {held}");
    readers.iter().for_each(|r| r.abort());

    if args.export_rows > 0 {
        measure_export(
            &store,
            &client,
            &server,
            &token,
            organiser.id,
            args.export_rows,
        )
        .await?;
    }

    // The checks: every accepted signature is stored and counted, once.
    if timing.repeat_over_new < 0.8 || timing.spam_over_new < 0.8 {
        // Reported, not failed: a noisy machine can slow one kind of request in a run.
        println!("note: repeats or bots were answered markedly faster than new signatures");
    }
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let mut problems = Vec::new();
    let sign_count = count_of(&client, &server.address, "bench-sign").await?;
    if sign_count["total"].as_u64() != Some(signing.ok) {
        problems.push(format!(
            "bench-sign counts {} but {} were accepted",
            sign_count["total"], signing.ok
        ));
    }
    let distinct = distinct.lock().unwrap().len() as u64;
    let dup_count = count_of(&client, &server.address, "bench-duplicates").await?;
    if dup_count["total"].as_u64() != Some(distinct) {
        problems.push(format!(
            "bench-duplicates counts {} but {distinct} distinct emails were accepted",
            dup_count["total"]
        ));
    }
    if streams_still_open < held {
        problems.push(format!(
            "{} of {held} streams closed while signing",
            held - streams_still_open
        ));
    }
    let streamed_expected = 50 + streamed.ok;
    for (slug, expected) in [
        ("bench-sign", signing.ok),
        ("bench-duplicates", distinct),
        ("bench-streams", streamed_expected),
    ] {
        let campaign = store
            .campaign(&Slug::parse(slug).unwrap())
            .await?
            .context("campaign")?;
        let recount = store.recount(campaign.id, store::now()).await?;
        if recount.actual.total() != expected || recount.drifted() {
            problems.push(format!(
                "{slug}: {} stored signatures, {expected} expected, drift {}",
                recount.actual.total(),
                recount.drifted()
            ));
        }
    }
    drop(server);
    drop(store);
    drop_database(to_drop).await?;
    if args.mail_emails > 0 {
        mail::measure(args.database_url.as_deref(), args.mail_emails).await?;
    }
    if problems.is_empty() {
        println!(
            "check: every accepted signature stored and counted once ({} unique, {distinct} distinct of {} repeats)",
            signing.ok, duplicates.ok
        );
        Ok(())
    } else {
        for p in &problems {
            println!("check FAILED: {p}");
        }
        bail!("the checks failed")
    }
}
