use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;
use undersigned::startup::routes::endpoints;

use crate::helpers::{TestDatabase, spawn_app};

const HTTP_METHODS: &[&str] = &[
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];

fn spec() -> serde_yaml::Value {
    let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/openapi.yaml"))
        .expect("openapi.yaml at the top of the repository");
    serde_yaml::from_str(&text).expect("openapi.yaml parses")
}

fn spec_operations() -> BTreeSet<(String, String)> {
    let spec = spec();
    let paths = spec["paths"].as_mapping().expect("paths");
    let mut operations = BTreeSet::new();
    for (path, item) in paths {
        for (method, _) in item.as_mapping().unwrap() {
            let method = method.as_str().unwrap();
            if HTTP_METHODS.contains(&method) {
                operations.insert((method.to_uppercase(), path.as_str().unwrap().to_owned()));
            }
        }
    }
    operations
}

#[test]
fn openapi_describes_exactly_the_routes_served() {
    let served: BTreeSet<(String, String)> = endpoints()
        .iter()
        .map(|e| (e.method.to_string(), e.path.to_owned()))
        .collect();
    let described = spec_operations();
    let undocumented: Vec<_> = served.difference(&described).collect();
    let unserved: Vec<_> = described.difference(&served).collect();
    assert!(
        undocumented.is_empty(),
        "served but not in openapi.yaml: {undocumented:?}"
    );
    assert!(
        unserved.is_empty(),
        "in openapi.yaml but not served: {unserved:?}"
    );
    assert_eq!(
        spec()["openapi"].as_str().unwrap_or("").get(..3),
        Some("3.1")
    );
}

/// Every problem `type` the service can answer with (each slug is the first
/// string of a `(slug, title, status)` arm in src/error.rs) is one the
/// contract lists, so a client validating against openapi.yaml accepts it.
#[test]
fn openapi_lists_every_problem_type_the_service_answers_with() {
    let source = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/src/error.rs"))
        .expect("src/error.rs");
    let mut served = BTreeSet::new();
    let lines: Vec<&str> = source.lines().map(str::trim).collect();
    for (i, line) in lines.iter().enumerate() {
        // `=> (` then `"slug",` on the next line, or `=> ("slug", ...` on one.
        let candidate = if line.ends_with("=> (") || line.ends_with("=> {") {
            lines.get(i + 1).copied().unwrap_or("")
        } else if let Some((_, rest)) = line.split_once("=> (") {
            rest
        } else {
            continue;
        };
        let candidate = candidate.trim_start_matches('(');
        if let Some(slug) = candidate
            .strip_prefix('"')
            .and_then(|rest| rest.split_once('"'))
            .map(|(slug, _)| slug)
            .filter(|slug| slug.chars().all(|c| c.is_ascii_lowercase() || c == '-'))
        {
            served.insert(format!("urn:undersigned:problem:{slug}"));
        }
    }
    assert!(served.len() > 20, "found the slugs: {served:?}");
    let listed: BTreeSet<String> = spec()["components"]["schemas"]["Problem"]["properties"]["type"]
        ["enum"]
        .as_sequence()
        .expect("Problem.type enum")
        .iter()
        .map(|v| v.as_str().unwrap().to_owned())
        .collect();
    let unlisted: Vec<_> = served.difference(&listed).collect();
    assert!(
        unlisted.is_empty(),
        "answered but not in openapi.yaml: {unlisted:?}"
    );
}

#[tokio::test]
async fn every_described_operation_reaches_a_handler() {
    let app = spawn_app().await;
    for (method, path) in spec_operations() {
        let concrete = path
            .split('/')
            .map(|part| {
                if part.starts_with('{') {
                    "probe-value"
                } else {
                    part
                }
            })
            .collect::<Vec<_>>()
            .join("/");
        let response = app
            .client
            .request(method.parse().unwrap(), app.url(&concrete))
            .send()
            .await
            .unwrap();
        let body: Value = response.json().await.unwrap_or(Value::Null);
        assert_ne!(
            body["type"], "urn:undersigned:problem:route-not-found",
            "{method} {path} is described but not routed"
        );
    }
}

#[test]
fn both_migration_sets_have_the_same_versions_and_names() {
    let names = |dir: &str| -> Vec<String> {
        let mut names: Vec<String> =
            std::fs::read_dir(format!("{}/migrations/{dir}", env!("CARGO_MANIFEST_DIR")))
                .unwrap()
                .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
                .collect();
        names.sort();
        names
    };
    assert_eq!(names("sqlite"), names("postgres"));
    assert!(!names("sqlite").is_empty());
}

/// Table → column → nullable, as the database itself reports it after migrating.
type Schema = BTreeMap<String, BTreeMap<String, bool>>;

async fn sqlite_schema() -> Schema {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("schema.db").display());
    undersigned::store::connect(&url.parse().unwrap())
        .await
        .unwrap();
    let pool = sqlx::SqlitePool::connect(&url).await.unwrap();
    let rows: Vec<(String, String, bool, i64)> = sqlx::query_as(
        "SELECT m.name, p.name, p.\"notnull\", p.pk
         FROM sqlite_master m JOIN pragma_table_info(m.name) p
         WHERE m.type = 'table' AND m.name NOT LIKE '\\_sqlx%' ESCAPE '\\' AND m.name NOT LIKE 'sqlite\\_%' ESCAPE '\\'",
    )
    .fetch_all(&pool)
    .await
    .unwrap();
    let mut schema = Schema::new();
    for (table, column, not_null, pk) in rows {
        // SQLite does not mark a primary key NOT NULL; PostgreSQL does.
        schema
            .entry(table)
            .or_default()
            .insert(column, !(not_null || pk > 0));
    }
    schema
}

async fn postgres_schema(url: &str) -> Schema {
    undersigned::store::connect(&url.parse().unwrap())
        .await
        .unwrap();
    let pool = sqlx::PgPool::connect(url).await.unwrap();
    let rows: Vec<(String, String, String)> = sqlx::query_as(
        "SELECT table_name::text, column_name::text, is_nullable::text
         FROM information_schema.columns
         WHERE table_schema = 'public' AND table_name NOT LIKE '\\_sqlx%'",
    )
    .fetch_all(&pool)
    .await
    .unwrap();
    pool.close().await;
    let mut schema = Schema::new();
    for (table, column, nullable) in rows {
        schema
            .entry(table)
            .or_default()
            .insert(column, nullable == "YES");
    }
    schema
}

/// The schema the PostgreSQL migrations declare, read from their text (`CREATE TABLE`,
/// `ALTER TABLE … ADD COLUMN` and `… ALTER COLUMN … DROP NOT NULL`), so the comparison runs without a PostgreSQL server too.
fn declared_postgres_schema() -> Schema {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/migrations/postgres");
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    let mut schema = Schema::new();
    for file in files {
        let sql = std::fs::read_to_string(file).unwrap();
        let mut table: Option<String> = None;
        for line in sql.lines().map(|l| l.split("--").next().unwrap().trim()) {
            let words: Vec<&str> = line.split_whitespace().collect();
            match (&table, words.as_slice()) {
                (None, ["CREATE", "TABLE", name, ..]) => table = Some(name.to_string()),
                (
                    None,
                    [
                        "ALTER",
                        "TABLE",
                        name,
                        "ALTER",
                        "COLUMN",
                        column,
                        "DROP",
                        "NOT",
                        ..,
                    ],
                ) => {
                    schema
                        .entry(name.to_string())
                        .or_default()
                        .insert(column.to_string(), true);
                }
                (None, ["ALTER", "TABLE", name, "ADD", "COLUMN", column, ..]) => {
                    let nullable = !line.contains("NOT NULL");
                    schema
                        .entry(name.to_string())
                        .or_default()
                        .insert(column.to_string(), nullable);
                }
                (Some(_), [")" | ");", ..]) => table = None,
                (Some(_), ["PRIMARY" | "FOREIGN" | "UNIQUE" | "CHECK", ..]) | (Some(_), []) => {}
                (Some(name), [column, ..]) => {
                    let nullable = !(line.contains("NOT NULL") || line.contains("PRIMARY KEY"));
                    schema
                        .entry(name.clone())
                        .or_default()
                        .insert(column.to_string(), nullable);
                }
                _ => {}
            }
        }
    }
    schema
}

#[tokio::test]
async fn both_backends_define_the_same_tables_and_columns() {
    let sqlite = sqlite_schema().await;
    assert!(sqlite.contains_key("campaigns") && sqlite.contains_key("signatures"));
    assert_eq!(
        sqlite,
        declared_postgres_schema(),
        "SQLite as migrated vs the PostgreSQL migrations"
    );
    let (database, url) = TestDatabase::create().await;
    if database.is_postgres() {
        assert_eq!(
            sqlite,
            postgres_schema(&url).await,
            "SQLite vs PostgreSQL, both as migrated"
        );
    }
}
