//! Running it for real: backups while signing, restore, scheduled backups, the backup before a
//! migration, the self-check, and the warning about plain HTTP.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use reqwest::StatusCode;

use crate::crash::Server;
use crate::helpers::{JWT_SECRET, TestApp, TestDatabase, signer, spawn_app_with};
use crate::smtp::{SmtpSink, recipient_of};

/// Runs the binary with `args` on the database `url`, with no undersigned setting from the
/// test's own environment.
fn undersigned(args: &[&str], url: &str, env: &[(&str, &str)]) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_undersigned"));
    for (name, _) in std::env::vars() {
        if name.starts_with("UNDERSIGNED_") {
            command.env_remove(name);
        }
    }
    command
        .args(args)
        .env("DATABASE_URL", url)
        .envs(env.iter().copied())
        .output()
        .expect("running undersigned")
}

/// `undersigned` on a blocking thread, so that a server or SMTP sink on the test's own runtime
/// keeps answering meanwhile.
async fn undersigned_beside(args: &[&str], url: &str, env: &[(&str, &str)]) -> Output {
    let owned = |pairs: &[(&str, &str)]| -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    };
    let (args, url, env): (Vec<String>, String, _) = (
        args.iter().map(|a| a.to_string()).collect(),
        url.to_owned(),
        owned(env),
    );
    tokio::task::spawn_blocking(move || {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        undersigned(&args, &url, &env)
    })
    .await
    .unwrap()
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

fn sqlite_path(url: &str) -> PathBuf {
    PathBuf::from(url.trim_start_matches("sqlite://"))
}

/// The emails stored in a SQLite database file (a backup, say).
async fn emails_in(file: &Path) -> Vec<String> {
    let pool = sqlx::SqlitePool::connect(&format!("sqlite://{}?mode=ro", file.display()))
        .await
        .unwrap();
    let emails: Vec<(String,)> = sqlx::query_as("SELECT email FROM signatures")
        .fetch_all(&pool)
        .await
        .unwrap();
    pool.close().await;
    emails.into_iter().map(|(e,)| e).collect()
}

async fn signing_app(configure: impl FnOnce(&mut undersigned::config::Settings)) -> TestApp {
    let app = spawn_app_with(|s| {
        s.sign_per_minute_per_address = 100_000;
        s.sign_per_minute_per_campaign = 100_000;
        configure(s);
    })
    .await;
    app.open_campaign_with(serde_json::json!({"require_confirmation": false}))
        .await;
    app
}

#[tokio::test]
async fn a_backup_taken_while_signing_holds_every_signature_answered_before_it() {
    let app = Arc::new(signing_app(|_| {}).await);
    if app.database.is_postgres() {
        let output = undersigned(&["backup"], &app.database_url, &[]);
        assert!(output.status.success(), "{}", stderr(&output));
        let said = stdout(&output);
        assert!(said.contains("pg_dump --format=custom"), "{said}");
        assert!(said.contains("PGPASSWORD"), "{said}");
        return;
    }
    // Signers keep signing while the backup is taken.
    let answered = Arc::new(std::sync::Mutex::new(Vec::new()));
    let stop = Arc::new(AtomicBool::new(false));
    let signers: Vec<_> = (0..4)
        .map(|worker| {
            let (app, answered, stop) = (app.clone(), answered.clone(), stop.clone());
            tokio::spawn(async move {
                let mut i = 0;
                while !stop.load(Ordering::SeqCst) {
                    let email = format!("signer{worker}x{i}@example.org");
                    let response = app.sign("scrapsi445", &signer("Backed Up", &email)).await;
                    assert_eq!(response.status(), StatusCode::ACCEPTED);
                    answered.lock().unwrap().push(email);
                    i += 1;
                }
            })
        })
        .collect();
    while answered.lock().unwrap().len() < 100 {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let dir = tempfile::tempdir().unwrap();
    let before_backup = answered.lock().unwrap().clone();
    let to = dir.path().to_str().unwrap();
    let output = undersigned_beside(&["backup", "--to", to], &app.database_url, &[]).await;
    stop.store(true, Ordering::SeqCst);
    for signer in signers {
        signer.await.unwrap();
    }
    assert!(output.status.success(), "{}", stderr(&output));
    assert!(
        stdout(&output).contains("integrity check passed"),
        "{}",
        stdout(&output)
    );
    let backups: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert_eq!(backups.len(), 1, "{backups:?}");
    let name = backups[0].file_name().unwrap().to_str().unwrap().to_owned();
    assert!(
        name.starts_with("undersigned-20") && name.ends_with("Z.db"),
        "{name}"
    );

    let in_backup = emails_in(&backups[0]).await;
    let missing: Vec<_> = before_backup
        .iter()
        .filter(|e| !in_backup.contains(e))
        .collect();
    assert!(
        missing.is_empty(),
        "answered before the backup but not in it: {missing:?}"
    );
    assert!(answered.lock().unwrap().len() > before_backup.len());

    // The copy opens with the service and counts what it holds.
    let copy_url = format!("sqlite://{}", backups[0].display());
    let store = undersigned::store::connect(&copy_url.parse().unwrap())
        .await
        .unwrap();
    let campaign = store
        .campaign(&undersigned::domain::Slug::parse("scrapsi445").unwrap())
        .await
        .unwrap()
        .expect("the campaign is in the copy");
    let count = store.campaign_count(campaign.id).await.unwrap();
    assert_eq!(count.total() as usize, in_backup.len());
    store.close().await;
}

/// The key backups are signed with, as an operator sets it.
const KEY: &[(&str, &str)] = &[(
    "UNDERSIGNED_BACKUP_KEY",
    "Zq3v9Lx0Tb7Nc2Mh5Ks8Wd1Fg4Jr6Yp0Ue3Ia9Ol2Ht5Bn8Cm1Xv4Rs7Qw0Ez6Ay",
)];

fn mode_of(path: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}

/// Runs SQL on a SQLite file, as someone with the file in hand could.
async fn tamper(file: &Path, statement: &'static str) {
    use sqlx::Connection;
    let mut conn = sqlx::SqliteConnection::connect(&format!("sqlite://{}", file.display()))
        .await
        .unwrap();
    sqlx::raw_sql(statement).execute(&mut conn).await.unwrap();
    conn.close().await.unwrap();
}

#[tokio::test]
async fn a_backup_is_the_owner_s_alone_and_a_tampered_one_is_not_restored() {
    let (database, url) = TestDatabase::create().await;
    if database.is_postgres() {
        return;
    }
    let migrated = undersigned(&["migrate"], &url, &[]);
    assert!(migrated.status.success(), "{}", stderr(&migrated));
    let dir = tempfile::tempdir().unwrap();
    let backups = dir.path().join("backups");
    let backup = backups.join("signed.db");
    let output = undersigned(&["backup", "--to", backup.to_str().unwrap()], &url, KEY);
    assert!(output.status.success(), "{}", stderr(&output));
    // Emails, password hashes and secrets: readable by the owner alone.
    assert_eq!(mode_of(&backup), 0o600);
    assert_eq!(mode_of(&backups), 0o700);
    let signature = backups.join("signed.db.sig");
    assert_eq!(mode_of(&signature), 0o600);
    assert!(
        std::fs::read_to_string(&signature)
            .unwrap()
            .starts_with("hmac-sha256:")
    );

    // A trigger slipped into the file changes it: its signature no longer matches.
    let leak = "CREATE TRIGGER leak AFTER INSERT ON signatures BEGIN \
                UPDATE campaigns SET summary = NEW.email WHERE id = NEW.campaign_id; END;";
    tamper(&backup, leak).await;
    let refused = undersigned(&["restore", backup.to_str().unwrap()], &url, KEY);
    assert_eq!(refused.status.code(), Some(1));
    assert!(
        stderr(&refused).contains("does not match its signature"),
        "{}",
        stderr(&refused)
    );
    // Without a key, or with another, nothing is restored either.
    let unkeyed = undersigned(&["restore", backup.to_str().unwrap()], &url, &[]);
    assert!(stderr(&unkeyed).contains("--force"), "{}", stderr(&unkeyed));
    let file = sqlite_path(&url);
    assert!(
        !std::fs::read_dir(file.parent().unwrap()).unwrap().any(|e| e
            .unwrap()
            .file_name()
            .to_string_lossy()
            .contains(".replaced-")),
        "the database was not replaced"
    );

    // Signed anew (as if with the key), the trigger is still refused by name...
    let key =
        undersigned::domain::derived_key(Some(&KEY[0].1.to_owned().into()), b"backup signature");
    let mut mac = <hmac::Hmac<sha2::Sha256> as hmac::Mac>::new_from_slice(&key).unwrap();
    hmac::Mac::update(&mut mac, &std::fs::read(&backup).unwrap());
    let resigned = hex::encode(hmac::Mac::finalize(mac).into_bytes());
    std::fs::write(&signature, format!("hmac-sha256:{resigned}\n")).unwrap();
    let refused = undersigned(&["restore", backup.to_str().unwrap()], &url, KEY);
    assert_eq!(refused.status.code(), Some(1));
    assert!(
        stderr(&refused).contains("trigger leak"),
        "{}",
        stderr(&refused)
    );

    // ...and `--force`, for a file from elsewhere, restores it without the trigger.
    let forced = undersigned(&["restore", backup.to_str().unwrap(), "--force"], &url, &[]);
    assert!(forced.status.success(), "{}", stderr(&forced));
    assert!(
        stdout(&forced).contains("trigger leak"),
        "{}",
        stdout(&forced)
    );
    use sqlx::Connection;
    let mut conn = sqlx::SqliteConnection::connect(&url).await.unwrap();
    let (triggers,): (i64,) =
        sqlx::query_as("SELECT COUNT(*) FROM sqlite_master WHERE type = 'trigger'")
            .fetch_one(&mut conn)
            .await
            .unwrap();
    assert_eq!(triggers, 0);
}

#[tokio::test]
async fn restore_refuses_a_database_in_use_then_puts_a_backup_back() {
    let (database, url) = TestDatabase::create().await;
    if database.is_postgres() {
        let output = undersigned(&["restore", "some.dump"], &url, &[]);
        assert_eq!(output.status.code(), Some(1));
        assert!(
            stderr(&output).contains("pg_restore"),
            "{}",
            stderr(&output)
        );
        return;
    }
    let outbox = tempfile::tempdir().unwrap();
    let server = Server::start(&url, outbox.path(), None);
    let client = crate::helpers::http_client();
    let dir = tempfile::tempdir().unwrap();
    let backup = dir.path().join("before.db");
    let output = undersigned(&["backup", "--to", backup.to_str().unwrap()], &url, KEY);
    assert!(output.status.success(), "{}", stderr(&output));

    let refused = undersigned(&["restore", backup.to_str().unwrap()], &url, KEY);
    assert_eq!(refused.status.code(), Some(1));
    assert!(
        stderr(&refused).contains("in use by a running undersigned"),
        "{}",
        stderr(&refused)
    );
    // The service is untouched: it still answers from its own database.
    let ready = client
        .get(format!("{}/readyz", server.address))
        .send()
        .await
        .unwrap();
    assert_eq!(ready.status(), StatusCode::OK);
    // A second instance refuses the file too.
    let second = undersigned(&["serve"], &url, &[("UNDERSIGNED_BIND", "127.0.0.1:0")]);
    assert_eq!(second.status.code(), Some(1));
    assert!(stderr(&second).contains("in use"), "{}", stderr(&second));

    server.terminate();
    server.wait_exit(Duration::from_secs(20));
    let damaged = dir.path().join("damaged.db");
    std::fs::write(&damaged, b"not a database at all").unwrap();
    let refused = undersigned(
        &["restore", damaged.to_str().unwrap(), "--force"],
        &url,
        KEY,
    );
    assert_eq!(refused.status.code(), Some(1));
    assert!(
        stderr(&refused).contains("was not restored"),
        "{}",
        stderr(&refused)
    );

    let restored = undersigned(&["restore", backup.to_str().unwrap()], &url, KEY);
    assert!(restored.status.success(), "{}", stderr(&restored));
    let said = stdout(&restored);
    assert!(
        said.contains("restored") && said.contains("integrity check passed"),
        "{said}"
    );
    assert!(said.contains("is kept at"), "{said}");
    let file = sqlite_path(&url);
    let kept: Vec<_> = std::fs::read_dir(file.parent().unwrap())
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter(|n| n.contains(".replaced-"))
        .collect();
    assert_eq!(kept.len(), 1, "{kept:?}");
    // And the service starts on what was restored.
    let server = Server::start(&url, outbox.path(), None);
    let ready = client
        .get(format!("{}/readyz", server.address))
        .send()
        .await
        .unwrap();
    assert_eq!(ready.status(), StatusCode::OK);
    server.kill();
}

#[tokio::test]
async fn scheduled_backups_are_taken_checked_and_rotated() {
    let dir = tempfile::tempdir().unwrap();
    let backup_dir = dir.path().to_owned();
    let app = signing_app(|s| {
        s.backup_dir = Some(backup_dir);
        s.backup_interval_hours = 0.0003; // about a second
        s.backup_keep = 2;
    })
    .await;
    if app.database.is_postgres() {
        // PostgreSQL is pg_dump's to back up: nothing is written.
        tokio::time::sleep(Duration::from_secs(2)).await;
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
        return;
    }
    app.sign("scrapsi445", &signer("Siân Lloyd", "sian@example.org"))
        .await;
    let mut taken = 0;
    for _ in 0..200 {
        let metrics = app.metrics().await;
        taken = metrics
            .lines()
            .find(|l| l.starts_with("undersigned_backups_total{outcome=\"taken\"}"))
            .and_then(|l| l.rsplit(' ').next())
            .and_then(|n| n.parse().ok())
            .unwrap_or(0);
        if taken >= 4 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(taken >= 4, "only {taken} scheduled backups were taken");
    let metrics = app.metrics().await;
    assert!(
        metrics.contains("undersigned_backups_total{outcome=\"failed\"} 0"),
        "{metrics}"
    );
    let backups: Vec<_> = undersigned::backups::scheduled_backups(dir.path()).unwrap();
    assert!((1..=2).contains(&backups.len()), "{backups:?}");
    for backup in &backups {
        let contents = undersigned::store::maintenance::check_backup(backup)
            .await
            .unwrap();
        assert_eq!(contents.campaigns, 1);
    }
}

#[tokio::test]
async fn a_sqlite_database_is_backed_up_before_migrations_change_it() {
    let (database, url) = TestDatabase::create().await;
    if database.is_postgres() {
        return; // pg_dump's to back up; the service takes no copy of its own.
    }
    // A database as an older release left it: every migration but the newest.
    let file = sqlite_path(&url);
    let full = sqlx::migrate!("migrations/sqlite");
    let older = sqlx::migrate::Migrator {
        migrations: full.migrations[..full.migrations.len() - 1].to_vec().into(),
        ..sqlx::migrate!("migrations/sqlite")
    };
    let newest = full.migrations.last().unwrap().version;
    let pool = sqlx::SqlitePool::connect(&format!("{url}?mode=rwc"))
        .await
        .unwrap();
    older.run(&pool).await.unwrap();
    pool.close().await;

    let store = undersigned::store::connect(&url.parse().unwrap())
        .await
        .unwrap();
    store.close().await;
    let prefix = format!(
        "{}.before-migration-{newest}-",
        file.file_name().unwrap().to_str().unwrap()
    );
    let copies: Vec<_> = std::fs::read_dir(file.parent().unwrap())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| {
            p.file_name()
                .unwrap()
                .to_str()
                .unwrap()
                .starts_with(&prefix)
        })
        .collect();
    assert_eq!(copies.len(), 1, "no backup named {prefix}…");
    let copy_url: undersigned::config::DatabaseUrl =
        format!("sqlite://{}", copies[0].display()).parse().unwrap();
    let (applied, latest) = undersigned::store::maintenance::migration_state(&copy_url)
        .await
        .unwrap();
    assert_eq!(
        (applied, latest),
        (Some(newest - 1), newest),
        "the copy is as it was before"
    );

    // Starting again migrates nothing, so copies nothing.
    let store = undersigned::store::connect(&url.parse().unwrap())
        .await
        .unwrap();
    store.close().await;
    let after = std::fs::read_dir(file.parent().unwrap())
        .unwrap()
        .filter(|e| {
            e.as_ref()
                .unwrap()
                .file_name()
                .to_str()
                .unwrap()
                .contains(".before-migration-")
        })
        .count();
    assert_eq!(after, 1);
}

#[tokio::test]
async fn the_self_check_fails_clearly_with_smtp_down_and_passes_with_a_real_smtp_server() {
    let app = signing_app(|_| {}).await;
    let backups = tempfile::tempdir().unwrap();
    let backup_dir = backups.path().to_str().unwrap().to_owned();
    if !app.database.is_postgres() {
        let taken = undersigned(&["backup", "--to", &backup_dir], &app.database_url, &[]);
        assert!(taken.status.success(), "{}", stderr(&taken));
    }
    let base = [
        ("UNDERSIGNED_JWT_SECRET", JWT_SECRET),
        ("UNDERSIGNED_PUBLIC_URL", app.address.as_str()),
        ("UNDERSIGNED_BACKUP_DIR", backup_dir.as_str()),
    ];

    let down = [&base[..], &[("UNDERSIGNED_SMTP_URL", "smtp://127.0.0.1:9")]].concat();
    let failed = undersigned_beside(&["check"], &app.database_url, &down).await;
    assert_eq!(failed.status.code(), Some(1), "{}", stdout(&failed));
    let said = stdout(&failed);
    assert!(
        said.contains("MISSING The SMTP server cannot take email"),
        "{said}"
    );
    assert!(said.contains("ok      The database"), "{said}");
    assert!(
        said.contains("ok      The service answers at its public address"),
        "{said}"
    );
    assert!(
        said.contains("Something this deployment needs is missing"),
        "{said}"
    );

    let sink = SmtpSink::start().await;
    let sink_url = sink.url();
    let up = [&base[..], &[("UNDERSIGNED_SMTP_URL", sink_url.as_str())]].concat();
    let passed = undersigned_beside(
        &["check", "--send-test-to", "ops@article39.example"],
        &app.database_url,
        &up,
    )
    .await;
    let said = stdout(&passed);
    assert!(passed.status.success(), "{said}{}", stderr(&passed));
    assert!(
        said.contains("accepted a test message to ops@article39.example"),
        "{said}"
    );
    assert!(
        said.contains("Everything this deployment needs is in place."),
        "{said}"
    );
    assert!(!said.contains("MISSING"), "{said}");
    let messages = sink.wait_for(1).await;
    assert_eq!(recipient_of(&messages[0]), "ops@article39.example");

    // With nothing set, each missing thing is named.
    let bare = undersigned_beside(&["check"], &app.database_url, &[]).await;
    assert_eq!(bare.status.code(), Some(1));
    let said = stdout(&bare);
    for missing in [
        "UNDERSIGNED_JWT_SECRET is not set",
        "UNDERSIGNED_PUBLIC_URL is not set",
        "UNDERSIGNED_SMTP_URL is not set",
    ] {
        assert!(said.contains(missing), "{said}");
    }
}

#[tokio::test]
async fn a_supporters_typo_is_answered_not_logged_as_a_warning() {
    let (_database, url) = TestDatabase::create().await;
    let outbox = tempfile::tempdir().unwrap();
    let server = Server::start(&url, outbox.path(), None);
    let client = crate::helpers::http_client();
    let answer = client
        .post(format!(
            "{}/v1/campaigns/no-such-campaign/signatures",
            server.address
        ))
        .json(&serde_json::json!({"name": "Siân Lloyd", "email": "sian-at-example.org"}))
        .send()
        .await
        .unwrap();
    assert!(answer.status().is_client_error());
    let answer = client
        .post(format!("{}/v1/auth/token", server.address))
        .header("Content-Type", "application/json")
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), StatusCode::BAD_REQUEST);
    tokio::time::sleep(Duration::from_millis(300)).await;
    let log = server.log.lock().unwrap().join("\n");
    assert!(!log.contains("\"WARN\""), "{log}");
    assert!(
        !log.contains("sian-at-example.org") && !log.contains("MalformedBody"),
        "{log}"
    );
    server.kill();
}

#[tokio::test]
async fn plain_http_on_an_open_address_is_warned_of_at_start() {
    let (_database, url) = TestDatabase::create().await;
    let outbox = tempfile::tempdir().unwrap();
    let open = Server::start_with(
        &url,
        outbox.path(),
        None,
        &[
            ("UNDERSIGNED_BIND", "0.0.0.0:0"),
            ("UNDERSIGNED_PUBLIC_URL", "http://sign.example.org"),
        ],
    );
    let warned = |server: &Server| {
        server
            .log
            .lock()
            .unwrap()
            .iter()
            .any(|l| l.contains("is not https://") && l.contains("in clear"))
    };
    assert!(warned(&open), "{:?}", open.log.lock().unwrap());
    open.kill();
    let local = Server::start_with(
        &url,
        outbox.path(),
        None,
        &[("UNDERSIGNED_PUBLIC_URL", "http://127.0.0.1:8080")],
    );
    assert!(!warned(&local));
    local.kill();
}
