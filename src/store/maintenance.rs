//! Keeping a database: consistent backups of a SQLite file taken while the service runs, their
//! check, putting one back, the lock a serving instance holds on its file, and the state of
//! the migrations. PostgreSQL's backups are `pg_dump`'s job: for it, the exact command.

use std::fs::File;
use std::path::{Path, PathBuf};
use std::str::FromStr;

use anyhow::{Context, bail};
use sqlx::sqlite::{SqliteConnectOptions, SqliteConnection};
use sqlx::{ConnectOptions, Connection};

use crate::config::DatabaseUrl;

/// What a backup holds, read from the copy itself.
#[derive(Debug, Clone)]
pub struct BackupContents {
    pub path: PathBuf,
    pub bytes: u64,
    pub campaigns: i64,
    pub signatures: i64,
}

/// The file a SQLite URL names; `None` for PostgreSQL.
pub fn sqlite_file(url: &DatabaseUrl) -> anyhow::Result<Option<PathBuf>> {
    if url.is_postgres() {
        return Ok(None);
    }
    let options = SqliteConnectOptions::from_str(url.expose())?;
    Ok(Some(options.get_filename().to_owned()))
}

/// The command that backs up the PostgreSQL database `url` names, without its password
/// (`pg_dump` takes it from `PGPASSWORD` or `~/.pgpass`).
pub fn pg_dump_command(url: &DatabaseUrl, at: chrono::DateTime<chrono::Utc>) -> String {
    let mut shown = url::Url::parse(url.expose()).ok();
    if let Some(url) = shown.as_mut()
        && url.password().is_some()
    {
        let _ = url.set_password(None);
    }
    let target = shown.map_or_else(|| url.to_string(), |u| u.to_string());
    format!(
        "pg_dump --format=custom --file={} '{target}'",
        backup_name(at).replace(".db", ".dump")
    )
}

/// A backup's file name, which sorts in time order: `undersigned-20261201T084700Z.db`.
pub fn backup_name(at: chrono::DateTime<chrono::Utc>) -> String {
    format!("undersigned-{}.db", at.format("%Y%m%dT%H%M%SZ"))
}

/// Copies the SQLite database at `file` to `dest` (which must not exist yet) with
/// `VACUUM INTO`: a consistent snapshot even while the service writes, since it reads as one
/// transaction. The copy is then checked and, given a key, signed (`DEST.sig`). It holds
/// emails, password hashes and secrets, so only its owner may read it (0600), and a directory
/// made for it is the owner's alone (0700).
pub async fn backup_sqlite(
    file: &Path,
    dest: &Path,
    key: Option<&[u8; 32]>,
) -> anyhow::Result<BackupContents> {
    use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};
    if dest.exists() {
        bail!("{} exists already", dest.display());
    }
    if let Some(dir) = dest
        .parent()
        .filter(|d| !d.as_os_str().is_empty() && !d.exists())
    {
        std::fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(dir)
            .with_context(|| format!("creating {}", dir.display()))?;
    }
    // Made empty with its mode first (SQLite copies into an empty file), so the copy is never
    // readable by others, not even while it is written.
    File::options()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(dest)
        .with_context(|| format!("creating {}", dest.display()))?;
    let mut conn = open(file, false).await?;
    let copied = sqlx::query("VACUUM INTO $1")
        .bind(dest.to_string_lossy().into_owned())
        .execute(&mut conn)
        .await
        .with_context(|| format!("copying {} to {}", file.display(), dest.display()));
    conn.close().await?;
    let checked = match copied {
        Ok(_) => check_backup(dest).await,
        Err(e) => Err(e),
    };
    match checked {
        Ok(contents) => {
            if let Some(key) = key {
                sign_backup(dest, key)?;
            }
            Ok(contents)
        }
        Err(e) => {
            let _ = std::fs::remove_file(dest);
            Err(e.context("the copy failed its check and was removed"))
        }
    }
}

/// The file beside a backup that holds its signature.
pub fn signature_file(backup: &Path) -> PathBuf {
    with_suffix(backup, ".sig")
}

/// The HMAC-SHA256, under `key`, of a file's bytes.
fn backup_mac(backup: &Path, key: &[u8; 32]) -> anyhow::Result<hmac::Hmac<sha2::Sha256>> {
    use hmac::Mac;
    use std::io::Read;
    let mut mac = hmac::Hmac::<sha2::Sha256>::new_from_slice(key).expect("any key length");
    let mut reader = File::open(backup).with_context(|| format!("reading {}", backup.display()))?;
    let mut buffer = vec![0u8; 1 << 16];
    loop {
        let read = reader.read(&mut buffer)?;
        if read == 0 {
            break;
        }
        mac.update(&buffer[..read]);
    }
    Ok(mac)
}

const SIGNATURE_PREFIX: &str = "hmac-sha256:";

fn sign_backup(backup: &Path, key: &[u8; 32]) -> anyhow::Result<()> {
    use hmac::Mac;
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let signature = format!(
        "{SIGNATURE_PREFIX}{}",
        hex::encode(backup_mac(backup, key)?.finalize().into_bytes())
    );
    let path = signature_file(backup);
    let mut file = File::options()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(&path)
        .with_context(|| format!("creating {}", path.display()))?;
    writeln!(file, "{signature}")?;
    Ok(())
}

/// Whether a backup is one this service wrote and signed with `key`, unchanged since.
fn verify_backup(backup: &Path, key: Option<&[u8; 32]>) -> anyhow::Result<()> {
    let path = signature_file(backup);
    let Some(key) = key else {
        bail!(
            "no backup key is set (UNDERSIGNED_BACKUP_KEY, or UNDERSIGNED_JWT_SECRET), so {} \
             cannot be checked as this service's own; restore it with --force only if you know \
             where it came from",
            backup.display()
        );
    };
    let Ok(stored) = std::fs::read_to_string(&path) else {
        bail!(
            "{} has no signature beside it ({}): it was not written by `undersigned backup` with \
             this key; restore it with --force only if you know where it came from",
            backup.display(),
            path.display()
        );
    };
    use hmac::Mac;
    let stored = stored
        .trim()
        .strip_prefix(SIGNATURE_PREFIX)
        .and_then(|digits| hex::decode(digits).ok())
        .unwrap_or_default();
    // Compared in constant time by the MAC itself.
    if backup_mac(backup, key)?.verify_slice(&stored).is_err() {
        bail!(
            "{} does not match its signature: it was changed after it was written, or signed \
             with another key",
            backup.display()
        );
    }
    Ok(())
}

/// The schema objects (`type name`) a database holds that this build's migrations, up to the
/// one the database has, do not make: a trigger, view, table or index added to a file by
/// someone else.
async fn foreign_schema_objects(
    conn: &mut SqliteConnection,
) -> anyhow::Result<Vec<(String, String)>> {
    async fn objects(conn: &mut SqliteConnection) -> anyhow::Result<Vec<(String, String)>> {
        Ok(sqlx::query_as(
            "SELECT type, name FROM sqlite_master
             WHERE name NOT LIKE 'sqlite_%' AND name <> '_sqlx_migrations'
             ORDER BY type, name",
        )
        .fetch_all(conn)
        .await?)
    }
    let (version,): (Option<i64>,) =
        sqlx::query_as("SELECT MAX(version) FROM _sqlx_migrations WHERE success")
            .fetch_one(&mut *conn)
            .await
            .context("it records no migrations")?;
    let mut reference = SqliteConnectOptions::from_str("sqlite::memory:")?
        .connect()
        .await?;
    let migrations = sqlx::migrate!("migrations/sqlite");
    for migration in migrations.iter().filter(|m| Some(m.version) <= version) {
        sqlx::raw_sql(sqlx::AssertSqlSafe(migration.sql.as_str().to_owned()))
            .execute(&mut reference)
            .await
            .with_context(|| format!("building the schema of migration {}", migration.version))?;
    }
    let ours = objects(&mut reference).await?;
    reference.close().await?;
    Ok(objects(conn)
        .await?
        .into_iter()
        .filter(|object| !ours.contains(object))
        .collect())
}

/// Opens a backup read-only and checks it: SQLite's `integrity_check` passes, and it is an
/// Undersigned database (it has campaigns and signatures).
pub async fn check_backup(path: &Path) -> anyhow::Result<BackupContents> {
    if !path.is_file() {
        bail!("{} is not a file", path.display());
    }
    let mut conn = open(path, true).await?;
    let (verdict,): (String,) = sqlx::query_as("PRAGMA integrity_check")
        .fetch_one(&mut conn)
        .await
        .with_context(|| format!("{} is not a SQLite database", path.display()))?;
    if verdict != "ok" {
        bail!("{} is damaged: {verdict}", path.display());
    }
    let counts: Result<(i64, i64), _> = sqlx::query_as(
        "SELECT (SELECT COUNT(*) FROM campaigns), (SELECT COUNT(*) FROM signatures)",
    )
    .fetch_one(&mut conn)
    .await;
    let (campaigns, signatures) =
        counts.with_context(|| format!("{} is not an Undersigned database", path.display()))?;
    conn.close().await?;
    Ok(BackupContents {
        path: path.to_owned(),
        bytes: std::fs::metadata(path)?.len(),
        campaigns,
        signatures,
    })
}

async fn open(path: &Path, read_only: bool) -> anyhow::Result<SqliteConnection> {
    SqliteConnectOptions::new()
        .filename(path)
        .read_only(read_only)
        .busy_timeout(std::time::Duration::from_secs(5))
        .connect()
        .await
        .with_context(|| format!("opening {}", path.display()))
}

/// A serving instance's hold on its SQLite file, for as long as it runs (an exclusive lock on
/// `FILE.lock`, which the system releases however the process ends): a restore refuses to
/// replace a database that is held, and a second instance refuses to serve it.
pub struct DatabaseLock {
    _file: File,
}

pub fn lock_database(file: &Path) -> anyhow::Result<DatabaseLock> {
    let lock_path = lock_file(file);
    let lock = File::options()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&lock_path)
        .with_context(|| format!("opening {}", lock_path.display()))?;
    match lock.try_lock() {
        Ok(()) => Ok(DatabaseLock { _file: lock }),
        Err(std::fs::TryLockError::WouldBlock) => bail!(
            "{} is in use by a running undersigned (it holds {}); stop it first",
            file.display(),
            lock_path.display()
        ),
        Err(std::fs::TryLockError::Error(e)) => {
            Err(e).with_context(|| format!("locking {}", lock_path.display()))
        }
    }
}

fn lock_file(file: &Path) -> PathBuf {
    with_suffix(file, ".lock")
}

fn with_suffix(file: &Path, suffix: &str) -> PathBuf {
    let mut name = file.as_os_str().to_owned();
    name.push(suffix);
    PathBuf::from(name)
}

/// What a restore did.
pub struct Restored {
    pub contents: BackupContents,
    /// Where the database it replaced was moved, if there was one.
    pub previous: Option<PathBuf>,
    /// The foreign schema objects dropped from it (`--force` only), as `type name`.
    pub dropped: Vec<String>,
}

/// Puts the backup at `backup` in place of the SQLite database at `file`, which no running
/// instance may hold. The backup must be this service's own, signed with `key` and unchanged,
/// unless `force`; it must hold no schema object that migrations do not make (with `force`,
/// such objects are dropped from the restored copy); and it is checked. The database it
/// replaces is kept beside it (with its write-ahead log, if a crash left one), never deleted.
pub async fn restore_sqlite(
    file: &Path,
    backup: &Path,
    key: Option<&[u8; 32]>,
    force: bool,
) -> anyhow::Result<Restored> {
    let _lock = lock_database(file)?;
    if !force {
        verify_backup(backup, key).context("the backup was not restored")?;
    }
    let contents = check_backup(backup)
        .await
        .context("the backup was not restored")?;
    let staged = with_suffix(file, ".restoring");
    std::fs::copy(backup, &staged)
        .with_context(|| format!("copying {} to {}", backup.display(), staged.display()))?;
    let mut conn = open(&staged, false).await?;
    let foreign = foreign_schema_objects(&mut conn).await?;
    let dropped: Vec<String> = foreign
        .iter()
        .map(|(kind, name)| format!("{kind} {name}"))
        .collect();
    if !foreign.is_empty() && !force {
        conn.close().await?;
        let _ = std::fs::remove_file(&staged);
        bail!(
            "the backup was not restored: it holds what this service's migrations never make ({}); \
             with --force they are dropped from the restored copy",
            dropped.join(", ")
        );
    }
    // Triggers and views first: they name the tables.
    for kind in ["trigger", "view", "index", "table"] {
        for (_, name) in foreign.iter().filter(|(k, _)| k == kind) {
            let statement = format!(
                "DROP {} IF EXISTS \"{}\"",
                kind.to_uppercase(),
                name.replace('"', "\"\"")
            );
            sqlx::query(sqlx::AssertSqlSafe(statement))
                .execute(&mut conn)
                .await?;
        }
    }
    conn.close().await?;
    let previous = if file.exists() {
        let kept = with_suffix(
            file,
            &format!(".replaced-{}", chrono::Utc::now().format("%Y%m%dT%H%M%SZ")),
        );
        std::fs::rename(file, &kept)?;
        // A log left by a crash belongs to the old file: it goes with it, or SQLite would
        // replay it into the restored one.
        for log in ["-wal", "-shm"] {
            let path = with_suffix(file, log);
            if path.exists() {
                std::fs::rename(&path, with_suffix(&kept, log))?;
            }
        }
        Some(kept)
    } else {
        None
    };
    std::fs::rename(&staged, file)?;
    Ok(Restored {
        contents,
        previous,
        dropped,
    })
}

/// The newest migration the database has and the newest this build knows; `None` for the
/// database's when it has none (a new database).
pub async fn migration_state(url: &DatabaseUrl) -> anyhow::Result<(Option<i64>, i64)> {
    const NEWEST: &str = "SELECT MAX(version) FROM _sqlx_migrations WHERE success";
    let migrator = if url.is_postgres() {
        sqlx::migrate!("migrations/postgres")
    } else {
        sqlx::migrate!("migrations/sqlite")
    };
    let latest = migrator.iter().map(|m| m.version).max().unwrap_or(0);
    // No migrations table (the query fails): nothing applied yet.
    let applied: Option<(Option<i64>,)> = if url.is_postgres() {
        let mut conn = sqlx::PgConnection::connect(url.expose()).await?;
        let applied = sqlx::query_as(NEWEST).fetch_optional(&mut conn).await.ok();
        conn.close().await?;
        applied.flatten()
    } else {
        let file = sqlite_file(url)?.context("a SQLite URL names a file")?;
        if !file.exists() {
            bail!("{} does not exist", file.display());
        }
        let mut conn = open(&file, true).await?;
        let applied = sqlx::query_as(NEWEST).fetch_optional(&mut conn).await.ok();
        conn.close().await?;
        applied.flatten()
    };
    Ok((applied.and_then(|(v,)| v), latest))
}
