use std::io::Write;
use std::process::{Command, Stdio};

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{PASSWORD, assert_problem, fields_of, spawn_app};

/// Runs the real binary against the test's database.
fn undersigned(database_url: &str, args: &[&str], stdin: &str) -> std::process::Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_undersigned"))
        .args(args)
        .env("DATABASE_URL", database_url)
        .env("RUST_LOG", "warn")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("running undersigned");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    child.wait_with_output().unwrap()
}

#[tokio::test]
async fn the_cli_creates_an_admin_who_can_log_in() {
    let app = spawn_app().await;
    let output = undersigned(
        &app.database_url,
        &[
            "user",
            "create",
            "--email",
            "Admin@Together.example",
            "--admin",
        ],
        &format!("{PASSWORD}\n"),
    );
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(
        String::from_utf8_lossy(&output.stdout).contains("created admin admin@together.example")
    );

    let token = app.login("admin@together.example").await;
    let me: Value = app
        .get("/v1/users/me", Some(&token))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(me["admin"], true);

    // The stored hash is argon2id with OWASP's parameters, never the password.
    let (_, hash) = app
        .store
        .user_credentials(&undersigned::domain::Email::parse("admin@together.example").unwrap())
        .await
        .unwrap()
        .unwrap();
    assert!(
        hash.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"),
        "{hash}"
    );
    assert!(!hash.contains(PASSWORD));
}

#[tokio::test]
async fn the_cli_refuses_a_short_password_and_a_taken_email() {
    let app = spawn_app().await;
    let short = undersigned(
        &app.database_url,
        &["user", "create", "--email", "a@example.org"],
        "short\n",
    );
    assert!(!short.status.success());
    assert!(String::from_utf8_lossy(&short.stderr).contains("at least 12 characters"));

    app.create_user("taken@example.org", false).await;
    let taken = undersigned(
        &app.database_url,
        &["user", "create", "--email", "TAKEN@example.org"],
        &format!("{PASSWORD}\n"),
    );
    assert!(!taken.status.success());
    let said = String::from_utf8_lossy(&taken.stderr);
    assert!(
        said.contains("an account with this email already exists"),
        "{said}"
    );
    assert!(said.contains("using the database"), "{said}");
}

#[tokio::test]
async fn commands_other_than_serve_and_migrate_refuse_a_missing_database() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("elsewhere.db");
    let url = format!("sqlite://{}", missing.display());
    for args in [
        &["user", "create", "--email", "a@example.org"][..],
        &["recount"][..],
        &["purge"][..],
    ] {
        let output = undersigned(&url, args, &format!("{PASSWORD}\n"));
        assert_eq!(output.status.code(), Some(1), "{args:?}");
        let said = String::from_utf8_lossy(&output.stderr);
        assert!(
            said.contains(&format!("there is no database at {}", missing.display())),
            "{said}"
        );
        assert!(!said.contains("Stack backtrace"), "{said}");
        assert!(!missing.exists(), "{args:?} made a database");
    }
    let migrated = undersigned(&url, &["migrate"], "");
    assert!(migrated.status.success());
    assert!(missing.exists());
    let created = undersigned(
        &url,
        &["user", "create", "--email", "a@example.org"],
        &format!("{PASSWORD}\n"),
    );
    assert!(created.status.success());
}

#[tokio::test]
async fn the_cli_migrates_a_database() {
    let app = spawn_app().await;
    let output = undersigned(&app.database_url, &["migrate"], "");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
}

#[tokio::test]
async fn an_admin_adds_organisers_and_an_organiser_cannot() {
    let app = spawn_app().await;
    let admin = app.organiser("admin@example.org", true).await;
    let organiser = app.organiser("pete@nagalro.example", false).await;

    let new = json!({"email": "Karen@SWWB.example", "password": PASSWORD});
    let refused = app.post_json("/v1/users", &new, Some(&organiser)).await;
    assert_problem(refused, StatusCode::FORBIDDEN, "forbidden").await;
    let anonymous = app.post_json("/v1/users", &new, None).await;
    assert_problem(anonymous, StatusCode::UNAUTHORIZED, "unauthenticated").await;

    let created = app.post_json("/v1/users", &new, Some(&admin)).await;
    assert_eq!(created.status(), StatusCode::CREATED);
    let body: Value = created.json().await.unwrap();
    assert_eq!(body["email"], "karen@swwb.example");
    assert_eq!(body["admin"], false);
    assert!(body.get("password").is_none() && body.get("password_hash").is_none());
    app.login("karen@swwb.example").await;

    let again = app
        .post_json(
            "/v1/users",
            &json!({"email": "karen@swwb.EXAMPLE", "password": PASSWORD}),
            Some(&admin),
        )
        .await;
    assert_problem(again, StatusCode::CONFLICT, "email-taken").await;
}

#[tokio::test]
async fn a_new_account_needs_a_real_email_and_a_long_password() {
    let app = spawn_app().await;
    let admin = app.organiser("admin@example.org", true).await;
    let response = app
        .post_json(
            "/v1/users",
            &json!({"email": "not an email", "password": "short"}),
            Some(&admin),
        )
        .await;
    let problem = assert_problem(response, StatusCode::UNPROCESSABLE_ENTITY, "validation").await;
    assert_eq!(fields_of(&problem), ["email", "password"]);
}
