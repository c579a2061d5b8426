use std::io::{BufRead, IsTerminal, Write};

use anyhow::Context;
use clap::{Parser, Subcommand};
use secrecy::SecretString;

use undersigned::accounts::create_account;
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
    /// Manage organiser accounts.
    User {
        #[command(subcommand)]
        action: UserCommand,
    },
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
async fn main() -> anyhow::Result<()> {
    let mut cli = Cli::parse();
    if let Err(problem) = cli.settings.read_secrets() {
        eprintln!("undersigned: {problem}");
        std::process::exit(2);
    }
    telemetry::init(cli.settings.log_format);
    match cli.command.unwrap_or(Command::Serve) {
        Command::Serve => {
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
            let store = store::connect(&cli.settings.database_url).await?;
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
            let store = store::connect(&cli.settings.database_url).await?;
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
        Command::User {
            action: UserCommand::Create { email, admin },
        } => {
            let email = Email::parse(&email).map_err(|m| anyhow::anyhow!("--email {m}"))?;
            let password = Password::parse(read_password()?)
                .map_err(|m| anyhow::anyhow!("the password {m}"))?;
            let store = store::connect(&cli.settings.database_url).await?;
            let user = create_account(store.as_ref(), email, password, admin)
                .await
                .map_err(|e| anyhow::anyhow!("{e}"))?;
            let role = if user.is_admin { "admin" } else { "organiser" };
            println!("created {role} {} ({})", user.email, user.id);
        }
    }
    Ok(())
}

/// One line of standard input, without its line ending.
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
