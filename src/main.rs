use std::io::{BufRead, IsTerminal, Write};

use anyhow::Context;
use clap::{Parser, Subcommand};
use secrecy::SecretString;

use undersigned::accounts::create_account;
use undersigned::auth::PasswordHasher;
use undersigned::config::Settings;
use undersigned::domain::{Email, Password};
use undersigned::startup::Application;
use undersigned::{store, telemetry};

/// Undersigned: petitions and sign-on letters. Settings come from the environment (or the
/// matching flags; secrets from the environment only); see the README.
#[derive(Parser)]
#[command(name = "undersigned", version)]
struct Cli {
    #[command(flatten)]
    settings: Settings,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Run the HTTP server (the default), applying migrations first.
    Serve,
    /// Apply the database migrations and exit.
    Migrate,
    /// Compare every stored count (or one campaign's) with its signatures, and repair drift.
    Recount {
        #[arg(long)]
        slug: Option<String>,
    },
    /// Erase the personal data of campaigns closed for longer than their retention period.
    Purge,
    /// Copy a SQLite database, consistently, while the service runs (named by its time, in
    /// the working directory or `--to DIR`, or to `--to FILE.db`), and check the copy. For
    /// PostgreSQL, print the `pg_dump` command instead.
    Backup {
        #[arg(long)]
        to: Option<std::path::PathBuf>,
    },
    /// Put a backup in place of the SQLite database, which no running instance may be using.
    /// The backup is checked first; the database it replaces is kept beside it.
    Restore {
        backup: std::path::PathBuf,
        /// Restore a backup that is not this service's own signed copy (a file from elsewhere,
        /// or a copy made before a migration); what migrations never make is still dropped.
        #[arg(long)]
        force: bool,
    },
    /// Check what a real deployment needs (database, token key, public HTTPS address, SMTP,
    /// proxies, disk space, backups), in sentences; exits 1 if something needed is missing.
    Check {
        /// Also send a test email to this address through the SMTP server.
        #[arg(long)]
        send_test_to: Option<String>,
    },
    /// Manage organiser accounts.
    User {
        #[command(subcommand)]
        action: UserCommand,
    },
    /// Postcode data and MPs: load newer ones, and place signatures again.
    Geo {
        #[command(subcommand)]
        action: GeoCommand,
    },
}

#[derive(Subcommand)]
enum GeoCommand {
    /// Load a newer postcode table, CSV `postcode,pcon24_code[,lad_code]` (a header row is
    /// optional), in place of the current one (the whole table, for every instance; a running
    /// service takes it up within UNDERSIGNED_GEOGRAPHY_REFRESH_SECONDS).
    Import {
        file: std::path::PathBuf,
        /// Where the table came from, as the About the data page says it.
        #[arg(long)]
        source: String,
        /// The date the table describes (YYYY-MM-DD).
        #[arg(long)]
        as_of: chrono::NaiveDate,
    },
    /// Load a newer list of MPs, a CSV with `gss_code`, `mp_name` and `mp_party` columns
    /// naming all 650 constituencies, in place of the current one.
    Mps {
        file: std::path::PathBuf,
        #[arg(long, default_value = "UK Parliament Members API")]
        source: String,
        /// The date the list describes (YYYY-MM-DD).
        #[arg(long)]
        as_of: chrono::NaiveDate,
    },
    /// Look up again where every signature was made, from the data in use now (signatures
    /// keep the place found when they were taken until this is run).
    Place,
}

#[derive(Subcommand)]
enum UserCommand {
    /// Create an organiser; the password is read from standard input, never from an argument.
    Create {
        #[arg(long)]
        email: String,
        /// Let the account manage other accounts and every campaign.
        #[arg(long)]
        admin: bool,
    },
}

#[tokio::main]
async fn main() {
    // A failed command says why in a sentence (with its causes), not with a backtrace.
    if let Err(e) = run(Cli::parse()).await {
        eprintln!("undersigned: {e:#}");
        std::process::exit(1);
    }
}

async fn run(mut cli: Cli) -> anyhow::Result<()> {
    if let Err(problem) = cli.settings.read_secrets() {
        eprintln!("undersigned: {problem}");
        std::process::exit(2);
    }
    telemetry::init(cli.settings.log_format);
    match cli.command.unwrap_or(Command::Serve) {
        Command::Serve => {
            // One instance per SQLite file, held while it serves (and refused to `restore`).
            let _held = match store::maintenance::sqlite_file(&cli.settings.database_url)? {
                Some(file) => Some(store::maintenance::lock_database(&file)?),
                None => None,
            };
            let app = Application::build(cli.settings).await?;
            app.stop_on_signals()?;
            let store = app.store();
            app.run_until_stopped().await?;
            store.close().await;
        }
        Command::Migrate => {
            store::connect(&cli.settings.database_url).await?;
            eprintln!("migrations applied to {}", cli.settings.database_url);
        }
        Command::Recount { slug } => {
            let store = existing_store(&cli.settings).await?;
            let checked = undersigned::counts::recount_all(store.as_ref(), slug.as_deref()).await?;
            if slug.is_some() && checked.is_empty() {
                anyhow::bail!("no campaign has that slug");
            }
            for c in checked {
                let (stored, actual) = (c.recount.stored, c.recount.actual);
                let verdict = if c.recount.drifted() {
                    "repaired"
                } else {
                    "correct"
                };
                println!(
                    "{}: {verdict} (stored {} confirmed, {} pending; counted {} confirmed, {} pending)",
                    c.slug,
                    stored.total(),
                    stored.pending,
                    actual.total(),
                    actual.pending
                );
            }
        }
        Command::Purge => {
            let store = existing_store(&cli.settings).await?;
            let purged = undersigned::retention::purge_expired(
                store.as_ref(),
                &undersigned::mail::OutboxFiles::from_settings(&cli.settings),
            )
            .await?;
            if purged.is_empty() {
                println!("nothing to purge");
            }
            for (slug, erased) in purged {
                println!("{slug}: personal data of {erased} signatures erased");
            }
        }
        Command::Backup { to } => {
            let key = cli.settings.backup_signing_key();
            let taken = undersigned::backups::back_up(
                &cli.settings.database_url,
                to.as_deref(),
                key.as_ref(),
            );
            match taken.await? {
                undersigned::backups::Backup::Taken(copy) => println!(
                    "backed up {} to {} ({} bytes: {} campaigns, {} signatures; integrity check passed)",
                    cli.settings.database_url,
                    copy.path.display(),
                    copy.bytes,
                    copy.campaigns,
                    copy.signatures
                ),
                undersigned::backups::Backup::UsePgDump(command) => println!(
                    "{} is PostgreSQL, which pg_dump backs up (consistently, while the service \
                     runs). With the password in PGPASSWORD or ~/.pgpass, run:\n  {command}",
                    cli.settings.database_url
                ),
            }
        }
        Command::Restore { backup, force } => {
            let Some(file) = store::maintenance::sqlite_file(&cli.settings.database_url)? else {
                anyhow::bail!(
                    "{} is PostgreSQL: restore a pg_dump backup with pg_restore (for example \
                     `pg_restore --clean --dbname=URL FILE.dump`) while the service is stopped",
                    cli.settings.database_url
                );
            };
            let key = cli.settings.backup_signing_key();
            let restored =
                store::maintenance::restore_sqlite(&file, &backup, key.as_ref(), force).await?;
            println!(
                "restored {} from {} ({} campaigns, {} signatures; integrity check passed)",
                file.display(),
                backup.display(),
                restored.contents.campaigns,
                restored.contents.signatures
            );
            if !restored.dropped.is_empty() {
                println!(
                    "dropped from the restored copy, as migrations never make them: {}",
                    restored.dropped.join(", ")
                );
            }
            match restored.previous {
                Some(kept) => println!(
                    "the database it replaced is kept at {} (remove it once you are sure)",
                    kept.display()
                ),
                None => println!("there was no database there before"),
            }
        }
        Command::Check { send_test_to } => {
            let to = send_test_to
                .map(|raw| Email::parse(&raw).map_err(|m| anyhow::anyhow!("--send-test-to {m}")))
                .transpose()?;
            let report = undersigned::selfcheck::run(&cli.settings, to.as_ref()).await;
            for finding in &report.findings {
                println!("{finding}");
            }
            if !report.passed() {
                println!("Something this deployment needs is missing (MISSING above).");
                std::process::exit(1);
            }
            println!("Everything this deployment needs is in place.");
        }
        Command::User {
            action: UserCommand::Create { email, admin },
        } => {
            let email = Email::parse(&email).map_err(|m| anyhow::anyhow!("--email {m}"))?;
            let password = Password::parse(read_password()?)
                .map_err(|m| anyhow::anyhow!("the password {m}"))?;
            let store = existing_store(&cli.settings).await?;
            let user = create_account(store.as_ref(), &one_at_a_time()?, email, password, admin)
                .await
                .map_err(|e| anyhow::anyhow!("{}", e.detail()))?;
            let role = if user.is_admin { "admin" } else { "organiser" };
            println!("created {role} {} ({})", user.email, user.id);
        }
        Command::Geo { action } => geo(&cli.settings, action).await?,
    }
    Ok(())
}

async fn geo(settings: &Settings, action: GeoCommand) -> anyhow::Result<()> {
    use undersigned::geo::Provenance;
    let store = existing_store(settings).await?;
    let (file, source, as_of, import_mps) = match action {
        GeoCommand::Import {
            file,
            source,
            as_of,
        } => (file, source, as_of, false),
        GeoCommand::Mps {
            file,
            source,
            as_of,
        } => (file, source, as_of, true),
        GeoCommand::Place => {
            let geography = undersigned::areas::load_geography(store.as_ref()).await;
            let marked = store.unplace_all().await?;
            let placed = undersigned::areas::place_unplaced(store.as_ref(), &geography).await?;
            println!("placed {placed} of {marked} signatures with a postcode, by the data in use");
            return Ok(());
        }
    };
    let opened =
        std::fs::File::open(&file).with_context(|| format!("reading {}", file.display()))?;
    // A bar on a terminal (hidden otherwise): a full table is 1.7 million lines.
    let bar = indicatif::ProgressBar::new(opened.metadata()?.len()).with_style(
        indicatif::ProgressStyle::with_template("{bar:40} {bytes}/{total_bytes} {eta} left")?,
    );
    let from = Provenance {
        source,
        as_of,
        now: store::now(),
    };
    let reader = std::io::BufReader::new(bar.wrap_read(opened));
    let imported = if import_mps {
        undersigned::areas::import_mps(store.as_ref(), reader, &from).await
    } else {
        undersigned::areas::import_postcodes(store.as_ref(), reader, &from).await
    };
    bar.finish_and_clear();
    let imported = imported.map_err(|e| anyhow::anyhow!("{}: {}", file.display(), e.detail()))?;
    println!(
        "imported {} ({} rows from {}); running services take it up within \
         UNDERSIGNED_GEOGRAPHY_REFRESH_SECONDS (60 by default); `undersigned geo place` places \
         earlier signatures by it",
        imported.parts.join(" and "),
        imported.rows,
        file.display()
    );
    Ok(())
}

/// The store of a database that exists already, saying which it is: only `serve` and `migrate`
/// make a new SQLite file, so that a command run from the wrong folder does not quietly work on
/// an empty database of its own.
async fn existing_store(settings: &Settings) -> anyhow::Result<std::sync::Arc<dyn store::Store>> {
    let url = &settings.database_url;
    if let Some(file) = store::maintenance::sqlite_file(url)?
        && !file.is_file()
    {
        anyhow::bail!(
            "there is no database at {} (from DATABASE_URL={url}); run this where the service \
             runs, or set DATABASE_URL to its database (`undersigned migrate` makes a new one)",
            file.display()
        );
    }
    eprintln!("using the database {url}");
    Ok(store::connect(url).await?)
}

/// One line of standard input, without its line ending.
/// A password hasher for a command that hashes one password and has nothing else to wait for.
fn one_at_a_time() -> anyhow::Result<PasswordHasher> {
    PasswordHasher::new(1, std::time::Duration::from_secs(60))
}

fn read_password() -> anyhow::Result<SecretString> {
    let stdin = std::io::stdin();
    if stdin.is_terminal() {
        eprint!("Password (it will be shown as you type; pipe it in to avoid that): ");
        std::io::stderr().flush()?;
    }
    let mut line = String::new();
    stdin
        .lock()
        .read_line(&mut line)
        .context("reading the password from standard input")?;
    let password = line.trim_end_matches(['\r', '\n']).to_owned();
    Ok(SecretString::from(password))
}
