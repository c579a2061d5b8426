use std::sync::Arc;

use reqwest::{Client, Response, StatusCode};
use serde_json::{Value, json};
use undersigned::config::{DatabaseUrl, Settings};
use undersigned::startup::Application;
use undersigned::store::{self, Store};

pub const JWT_SECRET: &str = "test-signing-key-that-is-long-enough-for-hs256";
pub const PASSWORD: &str = "correct horse battery staple";
pub const METRICS_TOKEN: &str = "metrics-reader-token";

/// Where one test keeps its data; removed when the test ends.
pub enum TestDatabase {
    // Held only so the directory lives as long as the test.
    Sqlite(#[allow(dead_code)] tempfile::TempDir),
    Postgres { admin_url: String, name: String },
}

impl TestDatabase {
    /// A new, empty database on the backend `TEST_DATABASE_URL` names, and its URL.
    pub async fn create() -> (Self, String) {
        match std::env::var("TEST_DATABASE_URL") {
            Ok(url) if url.starts_with("postgres") => {
                let name = format!("undersigned_test_{}", uuid::Uuid::new_v4().simple());
                let mut admin = connect_pg(&url).await;
                sqlx::query(sqlx::AssertSqlSafe(format!(r#"CREATE DATABASE "{name}""#)))
                    .execute(&mut admin)
                    .await
                    .expect("creating the test database");
                let mut app_url = url::Url::parse(&url).expect("TEST_DATABASE_URL is a URL");
                app_url.set_path(&name);
                (
                    TestDatabase::Postgres {
                        admin_url: url,
                        name,
                    },
                    app_url.to_string(),
                )
            }
            _ => {
                let dir = tempfile::tempdir().expect("a temporary directory");
                let url = format!("sqlite://{}", dir.path().join("undersigned.db").display());
                (TestDatabase::Sqlite(dir), url)
            }
        }
    }

    pub fn is_postgres(&self) -> bool {
        matches!(self, TestDatabase::Postgres { .. })
    }
}

async fn connect_pg(url: &str) -> sqlx::PgConnection {
    use sqlx::Connection;
    sqlx::PgConnection::connect(url)
        .await
        .expect("connecting to TEST_DATABASE_URL")
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        if let TestDatabase::Postgres { admin_url, name } = self {
            let (admin_url, name) = (admin_url.clone(), name.clone());
            // Drop runs inside the test's runtime, which cannot be blocked on: use a thread.
            std::thread::spawn(move || {
                let runtime = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .unwrap();
                runtime.block_on(async {
                    let mut admin = connect_pg(&admin_url).await;
                    let drop = format!(r#"DROP DATABASE IF EXISTS "{name}" WITH (FORCE)"#);
                    let _ = sqlx::query(sqlx::AssertSqlSafe(drop))
                        .execute(&mut admin)
                        .await;
                });
            })
            .join()
            .unwrap();
        }
    }
}

pub struct TestApp {
    pub address: String,
    /// Where emails go when no SMTP server is set.
    pub outbox: tempfile::TempDir,
    pub client: Client,
    pub store: Arc<dyn Store>,
    pub database_url: String,
    handle: actix_web::dev::ServerHandle,
    // Last, so the server and pools are gone before the database is dropped.
    #[allow(dead_code)]
    pub database: TestDatabase,
}

impl Drop for TestApp {
    fn drop(&mut self) {
        // Sends the stop command at once; the returned future only waits for completion.
        drop(self.handle.stop(false));
    }
}

/// An HTTP client for the tests. The service's own client takes TLS from ring, which must be
/// made the process's provider before any client is built, whichever test runs first.
/// A password hasher for accounts the tests make directly in the store.
pub fn passwords() -> &'static undersigned::auth::PasswordHasher {
    static HASHER: std::sync::OnceLock<undersigned::auth::PasswordHasher> =
        std::sync::OnceLock::new();
    HASHER.get_or_init(|| {
        undersigned::auth::PasswordHasher::new(4, std::time::Duration::from_secs(60))
            .expect("a hasher")
    })
}

pub fn http_client() -> Client {
    http_client_builder().build().expect("an HTTP client")
}

pub fn http_client_builder() -> reqwest::ClientBuilder {
    undersigned::selfcheck::use_ring_for_tls();
    Client::builder()
}

pub fn test_settings(database_url: &str) -> Settings {
    let mut settings = Settings::from_env().expect("default settings");
    settings.database_url = database_url.parse::<DatabaseUrl>().unwrap();
    settings.bind = "127.0.0.1:0".into();
    settings.public_url = None;
    settings.jwt_secret = Some(JWT_SECRET.to_owned().into());
    settings.workers = Some(1);
    settings.trusted_proxies = vec![];
    settings.smtp_url = None;
    settings.metrics_token = Some(METRICS_TOKEN.to_owned().into());
    // A browser driven by a test fills a form in faster than any person: the check of a
    // form's haste is tested on its own, with the default.
    settings.min_fill_seconds = 0;
    settings
}

pub async fn spawn_app() -> TestApp {
    spawn_app_with(|_| {}).await
}

pub async fn spawn_app_with(configure: impl FnOnce(&mut Settings)) -> TestApp {
    let (database, database_url) = TestDatabase::create().await;
    let outbox = tempfile::tempdir().unwrap();
    let mut settings = test_settings(&database_url);
    settings.outbox_dir = outbox.path().to_owned();
    configure(&mut settings);
    let store = store::connect(&settings.database_url)
        .await
        .expect("connecting the test store");
    let app = Application::build_with_store(settings, store.clone())
        .await
        .expect("building the app");
    let address = format!("http://127.0.0.1:{}", app.port());
    let handle = app.handle();
    tokio::spawn(app.run_until_stopped());
    TestApp {
        address,
        outbox,
        client: http_client(),
        store,
        database_url,
        handle,
        database,
    }
}

/// Another instance of the service on a test's database, as behind a load balancer.
pub struct OtherInstance {
    pub address: String,
    handle: actix_web::dev::ServerHandle,
}

impl Drop for OtherInstance {
    fn drop(&mut self) {
        drop(self.handle.stop(false));
    }
}

impl OtherInstance {
    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.address, path)
    }
}

impl TestApp {
    /// Starts another instance on this test's database and outbox directory, with its own
    /// settings.
    pub async fn another_instance(&self, configure: impl FnOnce(&mut Settings)) -> OtherInstance {
        let mut settings = test_settings(&self.database_url);
        settings.outbox_dir = self.outbox.path().to_owned();
        configure(&mut settings);
        let app = Application::build_with_store(settings, self.store.clone())
            .await
            .expect("building another instance");
        let address = format!("http://127.0.0.1:{}", app.port());
        let handle = app.handle();
        tokio::spawn(app.run_until_stopped());
        OtherInstance { address, handle }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.address, path)
    }

    pub async fn get(&self, path: &str, token: Option<&str>) -> Response {
        let mut request = self.client.get(self.url(path));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        request.send().await.expect("GET")
    }

    /// Stops the server as a clean shutdown does: requests finished, then the pool closed.
    /// A GET that must answer 200, read as JSON.
    pub async fn get_json(&self, path: &str, token: Option<&str>) -> Value {
        let response = self.get(path, token).await;
        assert_eq!(response.status(), StatusCode::OK, "GET {path}");
        response.json().await.unwrap()
    }

    pub async fn stop(&self) {
        self.handle.stop(true).await;
        self.store.close().await;
    }

    /// `/metrics`, as the holder of the metrics token reads it.
    pub async fn metrics(&self) -> String {
        let response = self.get("/metrics", Some(METRICS_TOKEN)).await;
        assert_eq!(response.status(), StatusCode::OK, "reading /metrics");
        response.text().await.unwrap()
    }

    pub async fn post_json(&self, path: &str, body: &Value, token: Option<&str>) -> Response {
        let mut request = self.client.post(self.url(path)).json(body);
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        request.send().await.expect("POST")
    }

    pub async fn put_json(&self, path: &str, body: &Value, token: &str) -> Response {
        self.client
            .put(self.url(path))
            .json(body)
            .bearer_auth(token)
            .send()
            .await
            .expect("PUT")
    }

    pub async fn patch_json(&self, path: &str, body: &Value, token: &str) -> Response {
        self.client
            .patch(self.url(path))
            .json(body)
            .bearer_auth(token)
            .send()
            .await
            .expect("PATCH")
    }

    /// Creates an account straight through the same code the CLI uses.
    pub async fn create_user(&self, email: &str, admin: bool) {
        let email = undersigned::domain::Email::parse(email).unwrap();
        let password = undersigned::domain::Password::parse(PASSWORD.into()).unwrap();
        undersigned::accounts::create_account(
            self.store.as_ref(),
            passwords(),
            email,
            password,
            admin,
        )
        .await
        .expect("creating an account");
    }

    pub async fn login(&self, email: &str) -> String {
        let response = self
            .post_json(
                "/v1/auth/token",
                &json!({"email": email, "password": PASSWORD}),
                None,
            )
            .await;
        assert_eq!(response.status(), StatusCode::OK, "logging in as {email}");
        let body: Value = response.json().await.unwrap();
        body["access_token"].as_str().unwrap().to_owned()
    }

    /// A new organiser (or admin), logged in.
    pub async fn organiser(&self, email: &str, admin: bool) -> String {
        self.create_user(email, admin).await;
        self.login(email).await
    }

    /// The audit log's entries, newest first, as an admin reads them.
    pub async fn audit_entries(&self, admin_token: &str) -> Vec<Value> {
        let response = self.get("/v1/audit", Some(admin_token)).await;
        assert_eq!(response.status(), StatusCode::OK);
        let log: Value = response.json().await.unwrap();
        log["entries"].as_array().unwrap().clone()
    }

    /// Creates a campaign from `scrapsi445()` with the given overrides; asserts it was created.
    pub async fn create_campaign(&self, token: &str, overrides: Value) -> Value {
        let mut body = scrapsi445();
        merge(&mut body, overrides);
        let response = self.post_json("/v1/campaigns", &body, Some(token)).await;
        assert_eq!(response.status(), StatusCode::CREATED);
        response.json().await.unwrap()
    }

    /// Erases a signature as its organiser does, asserting it was.
    pub async fn erase_signature(&self, token: &str, slug: &str, id: &str) {
        let response = self
            .client
            .delete(self.url(&format!("/v1/campaigns/{slug}/signatures/{id}")))
            .bearer_auth(token)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::NO_CONTENT, "erasing {id}");
    }

    pub async fn open_campaign(&self, token: &str, slug: &str) {
        let response = self
            .patch_json(
                &format!("/v1/campaigns/{slug}"),
                &json!({"status": "open"}),
                token,
            )
            .await;
        assert_eq!(response.status(), StatusCode::OK);
    }
}

impl TestApp {
    /// Runs `undersigned purge` on the test's database, as an operator or the maintenance
    /// sweep would, and returns what it printed.
    pub fn purge(&self) -> String {
        let output = std::process::Command::new(env!("CARGO_BIN_EXE_undersigned"))
            .arg("purge")
            .env("DATABASE_URL", &self.database_url)
            .env("UNDERSIGNED_OUTBOX_DIR", self.outbox.path())
            .env("RUST_LOG", "error")
            .output()
            .unwrap();
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
        String::from_utf8_lossy(&output.stdout).into_owned()
    }

    /// Runs an `undersigned` command on the test's database: whether it succeeded, and what
    /// it printed to standard output and standard error.
    pub fn command(&self, args: &[&str]) -> (bool, String, String) {
        let output = std::process::Command::new(env!("CARGO_BIN_EXE_undersigned"))
            .args(args)
            .env("DATABASE_URL", &self.database_url)
            .env("RUST_LOG", "error")
            .output()
            .unwrap();
        (
            output.status.success(),
            String::from_utf8_lossy(&output.stdout).into_owned(),
            String::from_utf8_lossy(&output.stderr).into_owned(),
        )
    }

    /// How many signatures the test's database holds with this email, as stored.
    pub async fn signatures_with_email(&self, email: &str) -> i64 {
        self.scalar("SELECT COUNT(*) FROM signatures WHERE email = $1", email)
            .await
    }

    /// Runs a query returning one integer (a count) on the test's database.
    pub async fn scalar(&self, sql: &'static str, bind: &str) -> i64 {
        if self.database.is_postgres() {
            let pool = sqlx::PgPool::connect(&self.database_url).await.unwrap();
            let value = sqlx::query_scalar(sql)
                .bind(bind)
                .fetch_one(&pool)
                .await
                .unwrap();
            pool.close().await;
            value
        } else {
            let pool = sqlx::SqlitePool::connect(&self.database_url).await.unwrap();
            let value = sqlx::query_scalar(sql)
                .bind(bind)
                .fetch_one(&pool)
                .await
                .unwrap();
            pool.close().await;
            value
        }
    }

    /// Runs a statement on the test's database.
    pub async fn execute(&self, sql: &'static str, bind: &str) {
        if self.database.is_postgres() {
            let pool = sqlx::PgPool::connect(&self.database_url).await.unwrap();
            sqlx::query(sql).bind(bind).execute(&pool).await.unwrap();
            pool.close().await;
        } else {
            let pool = sqlx::SqlitePool::connect(&self.database_url).await.unwrap();
            sqlx::query(sql).bind(bind).execute(&pool).await.unwrap();
            pool.close().await;
        }
    }

    /// Runs a query returning rows of optional texts on the test's database.
    pub async fn texts(&self, sql: &'static str, bind: &str) -> Vec<Vec<Option<String>>> {
        use sqlx::Row;
        if self.database.is_postgres() {
            let pool = sqlx::PgPool::connect(&self.database_url).await.unwrap();
            let rows = sqlx::query(sql).bind(bind).fetch_all(&pool).await.unwrap();
            pool.close().await;
            rows.iter()
                .map(|r| {
                    (0..r.len())
                        .map(|i| r.get::<Option<String>, _>(i))
                        .collect()
                })
                .collect()
        } else {
            let pool = sqlx::SqlitePool::connect(&self.database_url).await.unwrap();
            let rows = sqlx::query(sql).bind(bind).fetch_all(&pool).await.unwrap();
            pool.close().await;
            rows.iter()
                .map(|r| {
                    (0..r.len())
                        .map(|i| r.get::<Option<String>, _>(i))
                        .collect()
                })
                .collect()
        }
    }

    /// The `.eml` files written to the outbox directory so far, waiting up to 10 s for `count`.
    pub async fn outbox_messages(&self, count: usize) -> Vec<String> {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
        loop {
            let messages: Vec<String> = std::fs::read_dir(self.outbox.path())
                .unwrap()
                .filter_map(|e| e.ok())
                .filter(|e| e.path().extension().is_some_and(|x| x == "eml"))
                .map(|e| std::fs::read_to_string(e.path()).unwrap())
                .collect();
            if messages.len() >= count || std::time::Instant::now() > deadline {
                return messages;
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
    }

    pub async fn sign(&self, slug: &str, body: &Value) -> Response {
        self.post_json(&format!("/v1/campaigns/{slug}/signatures"), body, None)
            .await
    }

    pub async fn count(&self, slug: &str) -> Value {
        let response = self.get(&format!("/v1/campaigns/{slug}/count"), None).await;
        assert_eq!(response.status(), StatusCode::OK);
        response.json().await.unwrap()
    }

    /// The campaign's pending count as stored (the public count shows confirmed ones only).
    pub async fn stored_pending(&self, slug: &str) -> i64 {
        self.scalar(
            "SELECT CAST(COALESCE(SUM(pending), 0) AS BIGINT) FROM campaign_counts \
             WHERE campaign_id = (SELECT id FROM campaigns WHERE slug = $1)",
            slug,
        )
        .await
    }

    /// Waits (up to 1 s, the promise made for counts) until the public count is `total` and
    /// the stored count has `pending` pending, and fails if it never is.
    pub async fn expect_count(&self, slug: &str, total: u64, pending: u64) -> Value {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(1);
        loop {
            let count = self.count(slug).await;
            assert!(
                count.get("pending").is_none(),
                "the public count shows no pending"
            );
            let stored = u64::try_from(self.stored_pending(slug).await).ok();
            let now = (count["total"].as_u64(), stored);
            if now == (Some(total), Some(pending)) {
                return count;
            }
            assert!(
                std::time::Instant::now() < deadline,
                "count of {slug} stayed {now:?}, expected {total} confirmed and {pending} pending"
            );
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
    }

    /// Like `expect_count`, for the confirmed total alone.
    pub async fn expect_total(&self, slug: &str, total: u64) -> Value {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(1);
        loop {
            let count = self.count(slug).await;
            if count["total"].as_u64() == Some(total) {
                return count;
            }
            assert!(
                std::time::Instant::now() < deadline,
                "count of {slug} stayed {}, expected {total}",
                count["total"]
            );
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
    }

    /// An organiser with an open campaign built from `scrapsi445()` and `overrides`.
    pub async fn open_campaign_with(&self, overrides: Value) -> String {
        let token = self.organiser("organiser@article39.example", false).await;
        let created = self.create_campaign(&token, overrides).await;
        let slug = created["slug"].as_str().unwrap().to_owned();
        self.open_campaign(&token, &slug).await;
        token
    }
}

pub fn signer(name: &str, email: &str) -> Value {
    json!({"name": name, "email": email})
}

/// The campaign this service was first built for (see Together for Children's #ScrapSI445).
pub fn scrapsi445() -> Value {
    json!({
        "slug": "scrapsi445",
        "kind": "petition",
        "title": "Scrap SI 445: reinstate children's rights in care",
        "summary": "Statutory Instrument 445 removed legal protections from children in care.",
        "body": "We call on the Secretary of State for Education to revoke SI 445 and restore the protections of the Children Act 1989.",
        "target": 100000,
        "milestones": [1000, 10000, 50000],
        "allowed_origins": ["https://www.article39.org.uk", "https://nyas.net"],
        "organiser": together_for_children(),
    })
}

/// Who runs #ScrapSI445, as signers are told.
pub fn together_for_children() -> Value {
    json!({
        "name": "Together for Children",
        "privacy_url": "https://togetherforchildren.org.uk/privacy",
        "contact_email": "hello@togetherforchildren.org.uk",
    })
}

pub fn merge(base: &mut Value, overrides: Value) {
    if let (Some(base), Value::Object(overrides)) = (base.as_object_mut(), overrides) {
        for (key, value) in overrides {
            if value.is_null() {
                base.remove(&key);
            } else {
                base.insert(key, value);
            }
        }
    }
}

/// Asserts a problem-details response and returns its body.
pub async fn assert_problem(response: Response, status: StatusCode, kind: &str) -> Value {
    assert_eq!(response.status(), status);
    assert_eq!(
        response.headers()["content-type"],
        "application/problem+json",
        "problem content type"
    );
    let body: Value = response.json().await.unwrap();
    assert_eq!(
        body["type"],
        format!("urn:undersigned:problem:{kind}"),
        "{body}"
    );
    assert_eq!(body["status"], status.as_u16());
    assert!(body["title"].is_string() && body["detail"].is_string());
    body
}

/// The fields named by a 422.
pub fn fields_of(problem: &Value) -> Vec<String> {
    problem["errors"]
        .as_array()
        .expect("a 422 lists its errors")
        .iter()
        .map(|e| e["field"].as_str().unwrap().to_owned())
        .collect()
}
