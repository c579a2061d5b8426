//! The database going away and coming back, with the server running throughout.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use reqwest::StatusCode;

use crate::helpers::{TestDatabase, assert_problem, test_settings};

/// A PostgreSQL server of the test's own: initdb into a temporary directory, its own port on
/// 127.0.0.1, so stopping it disturbs no other test.
struct PrivatePostgres {
    bin: PathBuf,
    data: tempfile::TempDir,
    port: u16,
}

impl PrivatePostgres {
    fn start() -> PrivatePostgres {
        let bindir = Command::new("pg_config")
            .arg("--bindir")
            .output()
            .expect("pg_config (PostgreSQL's server programs) is on PATH");
        let bin = PathBuf::from(String::from_utf8(bindir.stdout).unwrap().trim());
        let data = tempfile::tempdir().unwrap();
        // PostgreSQL refuses to run as root: as root, the server runs as the `postgres` user.
        if running_as_root() {
            let owner = Command::new("chown")
                .args(["postgres:", data.path().to_str().unwrap()])
                .status()
                .unwrap();
            assert!(owner.success(), "chown of the data directory to postgres");
        }
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let server = PrivatePostgres { bin, data, port };
        server.run(
            "initdb",
            &["--auth=trust", "--username=postgres", "--no-sync", "-D"],
            &[server.data.path()],
        );
        server.start_again();
        server
    }

    fn url(&self) -> String {
        format!("postgres://postgres@127.0.0.1:{}/postgres", self.port)
    }

    fn start_again(&self) {
        let options = format!(
            "-p {} -c listen_addresses=127.0.0.1 -k {} -c fsync=off",
            self.port,
            self.data.path().display()
        );
        let log = self.data.path().join("server.log");
        self.run(
            "pg_ctl",
            &["-w", "-o", &options, "-l", log.to_str().unwrap(), "-D"],
            &[self.data.path(), Path::new("start")],
        );
    }

    /// Stops at once, as a server that crashed or lost its machine would.
    fn stop(&self) {
        self.run(
            "pg_ctl",
            &["-w", "-m", "immediate", "-D"],
            &[self.data.path(), Path::new("stop")],
        );
    }

    fn run(&self, program: &str, args: &[&str], paths: &[&Path]) {
        let output = self
            .command(program)
            .args(args)
            .args(paths)
            .output()
            .unwrap();
        assert!(
            output.status.success(),
            "{program} failed: {}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
    }

    fn command(&self, program: &str) -> Command {
        let program = self.bin.join(program);
        if running_as_root() {
            let mut command = Command::new("runuser");
            command.args(["-u", "postgres", "--"]).arg(program);
            command
        } else {
            Command::new(program)
        }
    }
}

impl Drop for PrivatePostgres {
    fn drop(&mut self) {
        let _ = self
            .command("pg_ctl")
            .args(["-m", "immediate", "-D"])
            .arg(self.data.path())
            .arg("stop")
            .output();
    }
}

fn running_as_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|out| out.stdout.trim_ascii() == b"0")
}

#[tokio::test]
async fn a_database_outage_is_a_prompt_503_and_the_service_recovers_by_itself() {
    let (database, _) = TestDatabase::create().await;
    if !database.is_postgres() {
        eprintln!("SQLite is embedded: there is no database server to lose");
        return;
    }
    let postgres = tokio::task::spawn_blocking(PrivatePostgres::start)
        .await
        .unwrap();
    let port = postgres.port.to_string();
    let outbox = tempfile::tempdir().unwrap();
    let mut settings = test_settings(&postgres.url());
    settings.outbox_dir = outbox.path().to_owned();
    let app = undersigned::startup::Application::build(settings)
        .await
        .unwrap();
    let address = format!("http://127.0.0.1:{}", app.port());
    let handle = app.handle();
    tokio::spawn(app.run_until_stopped());
    let client = crate::helpers::http_client();
    let get = |path: &str| client.get(format!("{address}{path}")).send();

    assert_eq!(get("/readyz").await.unwrap().status(), StatusCode::OK);
    assert_eq!(get("/v1/campaigns").await.unwrap().status(), StatusCode::OK);

    let postgres = tokio::task::spawn_blocking(move || {
        postgres.stop();
        postgres
    })
    .await
    .unwrap();
    let started = Instant::now();
    let response = get("/v1/campaigns").await.unwrap();
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "answered in {:?}",
        started.elapsed()
    );
    let problem = assert_problem(response, StatusCode::SERVICE_UNAVAILABLE, "unavailable").await;
    assert!(
        !problem.to_string().contains(&port),
        "no database detail reaches the client"
    );
    let ready = get("/readyz").await.unwrap();
    assert_problem(ready, StatusCode::SERVICE_UNAVAILABLE, "unavailable").await;
    assert_eq!(
        get("/healthz").await.unwrap().status(),
        StatusCode::OK,
        "the process is still up"
    );

    let _postgres = tokio::task::spawn_blocking(move || {
        postgres.start_again();
        postgres
    })
    .await
    .unwrap();
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        let ready = get("/readyz").await.unwrap().status();
        let listed = get("/v1/campaigns").await.unwrap().status();
        if ready == StatusCode::OK && listed == StatusCode::OK {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "did not recover: readyz {ready}, campaigns {listed}"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    handle.stop(false).await;
}
