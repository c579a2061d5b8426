//! Backups of a SQLite database: taken on demand (`undersigned backup`) or on a schedule while
//! the service runs (`UNDERSIGNED_BACKUP_DIR`), named by their time, checked, and rotated.
//! PostgreSQL is backed up with `pg_dump`: for it, the exact command is given instead.

use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::Context;

use crate::config::{DatabaseUrl, Settings};
use crate::metrics::Metrics;
use crate::store::maintenance::{self, BackupContents, backup_name};

/// What `undersigned backup` does for a database.
pub enum Backup {
    Taken(BackupContents),
    /// PostgreSQL: the command to run instead.
    UsePgDump(String),
}

/// Backs up the database `url` names: into the file `to`, or into the directory `to` under a
/// name made of the time (the working directory when `to` is absent).
pub async fn back_up(
    url: &DatabaseUrl,
    to: Option<&Path>,
    key: Option<&[u8; 32]>,
) -> anyhow::Result<Backup> {
    let now = chrono::Utc::now();
    let Some(file) = maintenance::sqlite_file(url)? else {
        return Ok(Backup::UsePgDump(maintenance::pg_dump_command(url, now)));
    };
    if !file.is_file() {
        anyhow::bail!("there is no database at {} to back up", file.display());
    }
    let dest = match to {
        Some(to) if to.extension().is_some_and(|e| e == "db") => to.to_owned(),
        Some(dir) => dir.join(backup_name(now)),
        None => PathBuf::from(backup_name(now)),
    };
    Ok(Backup::Taken(
        maintenance::backup_sqlite(&file, &dest, key).await?,
    ))
}

/// The scheduled backups in `dir`, oldest first.
pub fn scheduled_backups(dir: &Path) -> anyhow::Result<Vec<PathBuf>> {
    if !dir.exists() {
        return Ok(Vec::new());
    }
    let mut found: Vec<PathBuf> = std::fs::read_dir(dir)
        .with_context(|| format!("reading {}", dir.display()))?
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .filter(|path| {
            path.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with("undersigned-") && n.ends_with(".db"))
        })
        .collect();
    // The names hold the time in a form that sorts.
    found.sort();
    Ok(found)
}

/// How long ago the newest scheduled backup in `dir` was taken, if there is one.
pub fn newest_backup_age(dir: &Path) -> anyhow::Result<Option<(PathBuf, Duration)>> {
    let Some(newest) = scheduled_backups(dir)?.pop() else {
        return Ok(None);
    };
    let modified = std::fs::metadata(&newest)?.modified()?;
    Ok(Some((newest, modified.elapsed().unwrap_or_default())))
}

/// Takes one scheduled backup into `dir` and removes all but the newest `keep`.
async fn take_scheduled(
    file: &Path,
    dir: &Path,
    keep: usize,
    key: Option<&[u8; 32]>,
) -> anyhow::Result<BackupContents> {
    let name = backup_name(chrono::Utc::now());
    let taken = maintenance::backup_sqlite(file, &dir.join(name), key).await?;
    let all = scheduled_backups(dir)?;
    for old in &all[..all.len().saturating_sub(keep)] {
        std::fs::remove_file(old).with_context(|| format!("removing {}", old.display()))?;
        let _ = std::fs::remove_file(maintenance::signature_file(old));
    }
    Ok(taken)
}

/// Backs the SQLite database up into `UNDERSIGNED_BACKUP_DIR` every
/// `UNDERSIGNED_BACKUP_INTERVAL_HOURS` while the service runs: at once if the newest backup
/// there is older than that (or there is none), then on the interval.
pub fn spawn_scheduled(settings: &Settings, metrics: Metrics) -> anyhow::Result<()> {
    let Some(dir) = settings.backup_dir.clone() else {
        return Ok(());
    };
    let Some(file) = maintenance::sqlite_file(&settings.database_url)? else {
        tracing::warn!(
            "UNDERSIGNED_BACKUP_DIR is set, but PostgreSQL is backed up with pg_dump, not by the \
             service: run `undersigned backup` for the command"
        );
        return Ok(());
    };
    let interval = Duration::from_secs_f64(settings.backup_interval_hours * 3600.0);
    let keep = settings.backup_keep as usize;
    let key = settings.backup_signing_key();
    tokio::spawn(async move {
        let mut wait = match newest_backup_age(&dir) {
            Ok(Some((_, age))) => interval.saturating_sub(age),
            _ => Duration::ZERO,
        };
        loop {
            tokio::time::sleep(wait).await;
            wait = interval;
            match take_scheduled(&file, &dir, keep, key.as_ref()).await {
                Ok(taken) => {
                    metrics.backup_taken(chrono::Utc::now());
                    tracing::info!(
                        backup = %taken.path.display(),
                        bytes = taken.bytes,
                        signatures = taken.signatures,
                        "scheduled backup taken and checked"
                    );
                }
                Err(e) => {
                    metrics.backup_failed();
                    tracing::error!(error = format!("{e:#}"), directory = %dir.display(), "scheduled backup failed");
                }
            }
        }
    });
    Ok(())
}
