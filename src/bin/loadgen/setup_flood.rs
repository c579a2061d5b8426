//! A flood of first-admin set-up requests with wrong tokens, from many clients at once: the
//! server's peak memory, and how long a login takes meanwhile against how long it takes on a
//! quiet server, measured in the same run.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use serde_json::json;

use undersigned::auth::PasswordHasher;
use undersigned::domain::{Email, Password};
use undersigned::store;

use super::{drop_database, fresh_database, start_server_with, tempfile_dir};

const PASSWORD: &str = "benchmark password 1234";

/// Median and slowest of some login times, in milliseconds.
fn summary(mut times: Vec<Duration>) -> (f64, f64) {
    times.sort();
    let ms = |d: &Duration| d.as_secs_f64() * 1000.0;
    (
        times.get(times.len() / 2).map(ms).unwrap_or(f64::NAN),
        times.last().map(ms).unwrap_or(f64::NAN),
    )
}

/// Logs in `times` times, one after another, and returns how long each took.
async fn logins(client: &reqwest::Client, server: &str, times: usize) -> Vec<Duration> {
    let mut took = Vec::with_capacity(times);
    for _ in 0..times {
        let started = Instant::now();
        let answer = client
            .post(format!("{server}/v1/auth/token"))
            .json(&json!({"email": "flood@example.org", "password": PASSWORD}))
            .send()
            .await;
        // Before the account exists a login is refused (401) after the same work.
        match answer {
            Ok(r) if r.status() == 200 || r.status() == 401 => took.push(started.elapsed()),
            Ok(r) => eprintln!("a login answered {}", r.status()),
            Err(e) => eprintln!("a login failed: {e}"),
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    took
}

pub async fn measure(
    database_url: Option<&str>,
    flooders: usize,
    seconds: u64,
) -> anyhow::Result<()> {
    let (database_url, to_drop, _dir) = fresh_database(database_url).await?;
    let outbox = tempfile_dir::Dir::new()?;
    // The limits per client address are lifted: the flood stands for many addresses at once,
    // and the timed logins are many for one account.
    let unlimited = || "100000000".to_owned();
    let server = start_server_with(
        &database_url,
        &outbox.path,
        &[
            ("UNDERSIGNED_LOGIN_PER_MINUTE_PER_ADDRESS", unlimited()),
            ("UNDERSIGNED_LOGIN_PER_MINUTE_PER_ACCOUNT", unlimited()),
            (
                "UNDERSIGNED_LOGIN_FAILURES_PER_HOUR_PER_ACCOUNT",
                unlimited(),
            ),
        ],
    )?;
    let store = store::connect(&database_url.parse().map_err(anyhow::Error::msg)?).await?;
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(flooders * 2)
        .build()?;
    println!(
        "undersigned set-up flood: {flooders} clients with wrong tokens for {seconds} s, {} cores",
        std::thread::available_parallelism().map_or(0, |n| n.get())
    );

    let pid = server.child.id();
    let (quiet_median, quiet_slowest) = summary(logins(&client, &server.address, 20).await);
    println!(
        "{:<34} median {quiet_median:>5.0} ms, slowest {quiet_slowest:>5.0} ms; memory {:.0} MiB (baseline)",
        "logins, quiet",
        resident_mib(pid).unwrap_or(f64::NAN)
    );
    let report = |label: &str, flood: Flooded, times: Vec<Duration>| {
        let answered = times.len();
        let (median, slowest) = summary(times);
        println!(
            "{label:<34} {:>7} requests {:?}; memory at most {:.0} MiB; logins median {median:>5.0} ms ({:.2}x quiet), slowest {slowest:>5.0} ms, {answered} answered",
            flood.sent,
            flood.statuses,
            flood.peak_mib,
            median / quiet_median
        );
    };
    let login_rounds = (seconds * 10 / 2).max(1) as usize;
    let wrong_setup = |i: usize| {
        json!({"token": format!("{i:0>43}"), "email": "x@example.org",
            "password": "a long wrong password that would be hashed"})
    };

    let setup_url = format!("{}/v1/setup", server.address);
    let flood_setup = || {
        Flood::start(
            &client,
            pid,
            flooders,
            setup_url.clone(),
            Some(&wrong_setup),
        )
    };

    // The same clients asking for the cheapest route: what a flood of this size costs anyway.
    let flood = Flood::start(
        &client,
        pid,
        flooders,
        format!("{}/healthz", server.address),
        None,
    );
    let times = logins(&client, &server.address, login_rounds).await;
    report("GET /healthz flood (baseline)", flood.stop().await, times);

    // No account yet: set-up is live, and each wrong token costs one lookup.
    let flood = flood_setup();
    let times = logins(&client, &server.address, login_rounds).await;
    report("set-up flood, no account yet", flood.stop().await, times);

    // With an account set-up is over: every request is 404.
    undersigned::accounts::create_account(
        store.as_ref(),
        &PasswordHasher::new(1, Duration::from_secs(60))?,
        Email::parse("flood@example.org").unwrap(),
        Password::parse(PASSWORD.to_owned().into()).unwrap(),
        false,
    )
    .await
    .map_err(|e| anyhow::anyhow!("{e}"))?;
    let flood = flood_setup();
    let times = logins(&client, &server.address, login_rounds).await;
    report("set-up flood, an account exists", flood.stop().await, times);

    drop(server);
    drop(store);
    drop_database(to_drop).await
}

/// The server process's resident memory now, in MiB (Linux `VmRSS`).
fn resident_mib(pid: u32) -> Option<f64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
    let kib: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib / 1024.0)
}

/// Clients sending one request after another until stopped, with the server's memory sampled.
struct Flood {
    stop: Arc<AtomicBool>,
    sent: Arc<AtomicU64>,
    statuses: Arc<std::sync::Mutex<std::collections::BTreeMap<u16, u64>>>,
    peak_kib: Arc<AtomicU64>,
    tasks: Vec<tokio::task::JoinHandle<()>>,
}

/// What a flood did.
struct Flooded {
    sent: u64,
    statuses: std::collections::BTreeMap<u16, u64>,
    peak_mib: f64,
}

impl Flood {
    /// `clients` clients sending to `url`: a GET, or a POST of `body(client)`.
    fn start(
        client: &reqwest::Client,
        pid: u32,
        clients: usize,
        url: String,
        body: Option<&dyn Fn(usize) -> serde_json::Value>,
    ) -> Flood {
        let stop = Arc::new(AtomicBool::new(false));
        let sent = Arc::new(AtomicU64::new(0));
        let statuses = Arc::new(std::sync::Mutex::new(std::collections::BTreeMap::new()));
        let peak_kib = Arc::new(AtomicU64::new(0));
        let mut tasks: Vec<_> = (0..clients)
            .map(|i| {
                let (client, url, stop, sent, statuses) = (
                    client.clone(),
                    url.clone(),
                    stop.clone(),
                    sent.clone(),
                    statuses.clone(),
                );
                let body = body.map(|make| make(i));
                tokio::spawn(async move {
                    while !stop.load(Ordering::Relaxed) {
                        let request = match &body {
                            Some(body) => client.post(&url).json(body),
                            None => client.get(&url),
                        };
                        if let Ok(answer) = request.send().await {
                            *statuses
                                .lock()
                                .unwrap()
                                .entry(answer.status().as_u16())
                                .or_insert(0) += 1;
                        }
                        sent.fetch_add(1, Ordering::Relaxed);
                    }
                })
            })
            .collect();
        let (stop_sampling, peak) = (stop.clone(), peak_kib.clone());
        tasks.push(tokio::spawn(async move {
            while !stop_sampling.load(Ordering::Relaxed) {
                if let Some(mib) = resident_mib(pid) {
                    peak.fetch_max((mib * 1024.0) as u64, Ordering::Relaxed);
                }
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
        }));
        Flood {
            stop,
            sent,
            statuses,
            peak_kib,
            tasks,
        }
    }

    async fn stop(self) -> Flooded {
        self.stop.store(true, Ordering::Relaxed);
        for task in self.tasks {
            let _ = task.await;
        }
        Flooded {
            sent: self.sent.load(Ordering::Relaxed),
            statuses: self.statuses.lock().unwrap().clone(),
            peak_mib: self.peak_kib.load(Ordering::Relaxed) as f64 / 1024.0,
        }
    }
}
