//! Issue 3's end-to-end test, through the real programs: a `prompt1-server` process on a free port
//! (SQLite), its first admin created from the printed setup link in a real headless Chromium, the
//! real `prompt1 login` approved on the server's device page in that browser, sessions recorded by
//! the real Claude Code client (`CLAUDE_BIN`, through `../shared/claude-harness`) with prompt1's
//! hooks as `prompt1 install` writes them, `prompt1 sync`, and the server's totals (its
//! `/api/v1/me/rollups` and `/api/v1/me/sessions`, as the signed-in user) compared with the local
//! ones (`prompt1 report --json`).
//!
//! The story, in one test because every step builds on the server and data folder of the last:
//! 1. The detached `prompt1 sync` the collector starts after SessionEnd uploads the session by
//!    itself: the server is polled until it has the session's final revision.
//! 2. With the server stopped (SIGTERM, graceful), more sessions are recorded, one of them
//!    continuing the first (a later revision of a session the server already has); their detached
//!    syncs fail and keep everything. Restarted on the same port and data folder, `prompt1 sync`
//!    uploads exactly what was waiting; server totals equal local totals, metric by metric, and
//!    every stored summary equals the local one; the outbox is empty.
//! 3. About a thousand sessions queued (the recorded transcripts cloned under new session ids and
//!    read by `prompt1 import`, i.e. the hook path's collector), `prompt1 sync` runs: one answer is
//!    lost after the server stored its batch (sync retries it: "already on the server"), then the
//!    server is frozen (SIGSTOP) with a batch in flight, killed (SIGKILL) and restarted on the same
//!    data folder and port while sync retries; sync (run again if its bounded retries ran out)
//!    finishes: nothing lost, nothing counted twice.
//! 4. `prompt1 uninstall` revokes the device token: an upload with the old token gets 401.
//!
//! The client reaches the server through [`Relay`], a TCP relay in the test that can lose an answer.
//! The server process is this test binary run again with [`SERVER_ARGS_ENV`] set (see
//! [`server_process`]): it parses the same command line as the `prompt1-server` binary and runs the
//! same library calls, and, unlike a server thread, it can be frozen and killed like a real
//! process. (A test cannot ask Cargo for another package's binary, and one found next to the
//! `prompt1` binary could be stale.)
//!
//! Skips, saying why, without `CLAUDE_BIN`, the harness, `/usr/bin/chromium` or
//! `/usr/bin/chromedriver` (`PROMPT1_CHROMIUM`, `PROMPT1_CHROMEDRIVER` override them), unless
//! `PROMPT1_E2E_REQUIRED=1`, which turns a skip into a failure.

#![allow(clippy::unwrap_used)]

mod common;

use clap::Parser;
use common::{list, wait_for_collectors, Case, Run, BIN};
use fantoccini::{ClientBuilder, Locator};
use prompt1_wire::SessionSummary;
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{Shutdown, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Output, Stdio};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::mpsc;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Set (to the server's arguments, as a JSON array) when this binary runs as the server.
const SERVER_ARGS_ENV: &str = "P1_E2E_SERVER_ARGS";
/// The line the server process prints once it accepts connections.
const READY: &str = "prompt1-server listening on ";
const ADMIN_EMAIL: &str = "admin@acme.test";
const ADMIN_PASSWORD: &str = "admin password 1";
/// How many copies of each recorded session step 3 queues (3 sessions: about a thousand summaries,
/// 21 batches).
const COPIES: usize = 350;

/// Not a test on its own: the server process of [`server_to_client_end_to_end`]. Run normally, it
/// returns at once; run with [`SERVER_ARGS_ENV`] it does what `prompt1-server`'s `main` does
/// (configuration from the same `Cli`, database opened and migrated, setup link printed, graceful
/// shutdown on SIGTERM), minus the log subscriber.
#[test]
fn server_process() {
    let Some(args) = std::env::var_os(SERVER_ARGS_ENV) else {
        return;
    };
    die_with_parent();
    let args: Vec<String> = serde_json::from_str(&args.to_string_lossy()).unwrap();
    let cli =
        prompt1_server::config::Cli::try_parse_from(std::iter::once("prompt1-server".to_owned()).chain(args))
            .unwrap();
    let cfg = cli.resolve().unwrap();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async move {
        let listen = cfg.listen;
        let state = prompt1_server::build_state(cfg).await.unwrap();
        let listener = tokio::net::TcpListener::bind(listen).await.unwrap();
        if let Some(link) = prompt1_server::setup_link(&state).await.unwrap() {
            println!("prompt1-server: no organization yet. Open this one-time link to create it:\n  {link}");
        }
        println!("{READY}{}", listener.local_addr().unwrap());
        let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()).unwrap();
        prompt1_server::serve(listener, state, async move {
            term.recv().await;
        })
        .await
        .unwrap();
    });
}

/// Asks Linux to kill this process when the thread that started it ends, so that a test killed
/// on a timeout leaves no server behind.
#[allow(unsafe_code)]
fn die_with_parent() {
    // SAFETY: prctl(PR_SET_PDEATHSIG) only sets a flag of this process; no memory is involved.
    let set = unsafe { libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL) };
    assert_eq!(set, 0, "prctl");
    // SAFETY: getppid has no preconditions.
    if unsafe { libc::getppid() } == 1 {
        std::process::exit(1); // the parent was gone before the flag was set
    }
}

/// A server process (killed when dropped).
struct Server {
    child: Reaped,
    url: String,
}

impl Server {
    /// Starts on 127.0.0.1:`port` with its SQLite database in `data`; returns the setup link it
    /// printed, if any.
    fn start(data: &Path, port: u16) -> (Self, Option<String>) {
        let args = json!([
            "--listen",
            format!("127.0.0.1:{port}"),
            "--data-dir",
            data,
            "--device-poll-interval-s",
            "1"
        ]);
        let mut cmd = Command::new(std::env::current_exe().unwrap());
        // Its stderr (panics, if any) goes to a file, so that no pipe of the caller's is held.
        let log_path = data.with_extension("log");
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&log_path)
            .unwrap();
        cmd.args(["server_process", "--exact", "--nocapture", "--test-threads=1"])
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(log);
        // SQLite in `data`, whatever the caller's environment says (`DATABASE_URL`, `PROMPT1_*`).
        cmd.env_remove("DATABASE_URL");
        for (name, _) in std::env::vars_os() {
            if name.to_string_lossy().starts_with("PROMPT1_") {
                cmd.env_remove(name);
            }
        }
        let mut child = Reaped(cmd.env(SERVER_ARGS_ENV, args.to_string()).spawn().unwrap());
        let stdout = child.0.stdout.take().unwrap();
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                let _ = tx.send(line);
            }
        });
        // libtest's own "test server_process ... " may start the line the server prints.
        let mut link = None;
        let mut printed = Vec::new();
        loop {
            let line = rx.recv_timeout(Duration::from_secs(60)).unwrap_or_else(|_| {
                panic!(
                    "the server process did not start: {printed:?}\n{}",
                    common::read_lossy(&log_path)
                )
            });
            if let Some(i) = line.find("http://") {
                if line.contains("/setup?token=") {
                    link = Some(line[i..].trim().to_owned());
                }
            }
            if line.contains(READY) {
                break;
            }
            printed.push(line);
        }
        let url = format!("http://127.0.0.1:{port}");
        assert_eq!(http("GET", &format!("{url}/readyz"), None, None).0, 200);
        (Self { child, url }, link)
    }

    fn signal(&self, sig: &str) {
        let ok = Command::new("kill")
            .args([format!("-{sig}"), self.child.0.id().to_string()])
            .status()
            .unwrap()
            .success();
        assert!(ok, "kill -{sig}");
    }

    /// SIGTERM: the server finishes in-flight requests and exits 0.
    fn stop(mut self) {
        self.signal("TERM");
        let status =
            wait_timeout(&mut self.child.0, Duration::from_secs(30)).expect("server exits on SIGTERM");
        assert!(status.success(), "graceful stop: {status}");
    }

    /// SIGKILL: gone at once, mid-request or not.
    fn kill(mut self) {
        self.child.0.kill().unwrap();
        self.child.0.wait().unwrap();
    }
}

/// A TCP relay in front of the server, which the client is logged in to. Transparent, except
/// that it can lose one answer: it reads the server's response (so the server has committed the
/// batch) and closes the client's connection instead of passing it on, the one failure that would
/// double count if ingest were not idempotent. The server behind it can be stopped and restarted.
struct Relay {
    url: String,
    lose_next_answer: Arc<AtomicBool>,
    answers_lost: Arc<AtomicUsize>,
}

impl Relay {
    fn start(upstream: u16) -> Self {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let lose_next_answer = Arc::new(AtomicBool::new(false));
        let answers_lost = Arc::new(AtomicUsize::new(0));
        let (lose, lost) = (lose_next_answer.clone(), answers_lost.clone());
        std::thread::spawn(move || {
            for client in listener.incoming().map_while(Result::ok) {
                // The server is down: the client sees its connection closed, as with no listener.
                let Ok(server) = TcpStream::connect(("127.0.0.1", upstream)) else {
                    continue;
                };
                let (mut c_in, mut s_out) = (client.try_clone().unwrap(), server.try_clone().unwrap());
                std::thread::spawn(move || {
                    let _ = std::io::copy(&mut c_in, &mut s_out);
                    let _ = s_out.shutdown(Shutdown::Write);
                });
                let (mut s_in, mut c_out) = (server, client);
                let (lose, lost) = (lose.clone(), lost.clone());
                std::thread::spawn(move || {
                    let mut buf = vec![0u8; 64 * 1024];
                    loop {
                        match s_in.read(&mut buf) {
                            Ok(0) | Err(_) => break,
                            Ok(_) if lose.swap(false, Ordering::SeqCst) => {
                                lost.fetch_add(1, Ordering::SeqCst);
                                break;
                            }
                            Ok(n) => {
                                if c_out.write_all(&buf[..n]).is_err() {
                                    break;
                                }
                            }
                        }
                    }
                    let _ = c_out.shutdown(Shutdown::Both);
                    let _ = s_in.shutdown(Shutdown::Both);
                });
            }
        });
        Self {
            url,
            lose_next_answer,
            answers_lost,
        }
    }
}

/// A child process, killed when dropped.
struct Reaped(Child);

impl Drop for Reaped {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn wait_timeout(child: &mut Child, limit: Duration) -> Option<ExitStatus> {
    let deadline = Instant::now() + limit;
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return Some(status);
        }
        if Instant::now() >= deadline {
            return None;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Chromium and chromedriver, or `None` after saying why (a failure with `PROMPT1_E2E_REQUIRED=1`).
fn browser() -> Option<(PathBuf, PathBuf)> {
    let find = |var: &str, default: &str| {
        std::env::var_os(var)
            .filter(|v| !v.is_empty())
            .map_or_else(|| PathBuf::from(default), PathBuf::from)
    };
    let chromium = find("PROMPT1_CHROMIUM", "/usr/bin/chromium");
    let driver = find("PROMPT1_CHROMEDRIVER", "/usr/bin/chromedriver");
    for bin in [&chromium, &driver] {
        if !bin.is_file() {
            let why = format!(
                "{} not found (Debian chromium and chromium-driver; or set PROMPT1_CHROMIUM, PROMPT1_CHROMEDRIVER)",
                bin.display()
            );
            if std::env::var("PROMPT1_E2E_REQUIRED").is_ok_and(|v| v == "1") {
                panic!("PROMPT1_E2E_REQUIRED=1 but {why}");
            }
            eprintln!("skipped: {why}");
            return None;
        }
    }
    Some((chromium, driver))
}

/// Headless Chromium driven through chromedriver; the browser is closed when this is dropped
/// (before chromedriver is stopped, so no browser outlives a failed test).
struct Browser {
    c: Option<fantoccini::Client>,
    rt: tokio::runtime::Runtime,
    _driver: Reaped,
}

impl Browser {
    fn open(chromium: &Path, driver: &Path, profile: &Path) -> Self {
        let port = free_port();
        let child = Command::new(driver)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let driver = Reaped(child);
        let mut tries = 0;
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            tries += 1;
            assert!(tries < 100, "chromedriver did not start");
            std::thread::sleep(Duration::from_millis(100));
        }
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .unwrap();
        let mut caps = serde_json::Map::new();
        caps.insert(
            "goog:chromeOptions".into(),
            json!({
                "binary": chromium,
                "args": ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                    "--no-first-run", "--disable-dev-shm-usage", format!("--user-data-dir={}", profile.display())]
            }),
        );
        let c = rt
            .block_on(
                ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
                    .capabilities(caps)
                    .connect(&format!("http://127.0.0.1:{port}")),
            )
            .unwrap();
        Self {
            c: Some(c),
            rt,
            _driver: driver,
        }
    }

    /// Runs browser steps.
    fn run<T>(&self, steps: impl AsyncFnOnce(&fantoccini::Client) -> T) -> T {
        self.rt.block_on(steps(self.c.as_ref().unwrap()))
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        if let Some(c) = self.c.take() {
            let _ = self.rt.block_on(c.close());
        }
    }
}

/// One blocking JSON request; (status, body or null).
fn http(method: &str, url: &str, bearer: Option<&str>, body: Option<Value>) -> (u16, Value) {
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .max_redirects(0)
        .timeout_global(Some(Duration::from_secs(30)))
        .build()
        .into();
    let auth = bearer.map(|t| format!("Bearer {t}"));
    let mut resp = match method {
        "POST" => {
            let mut r = agent.post(url);
            if let Some(a) = &auth {
                r = r.header("Authorization", a);
            }
            r.send_json(body.unwrap_or(Value::Null)).unwrap()
        }
        _ => {
            let mut r = agent.get(url);
            if let Some(a) = &auth {
                r = r.header("Authorization", a);
            }
            r.call().unwrap()
        }
    };
    let status = resp.status().as_u16();
    let text = resp.body_mut().read_to_string().unwrap_or_default();
    (status, serde_json::from_str(&text).unwrap_or(Value::Null))
}

/// A fresh API access token of the admin.
fn admin_token(url: &str) -> String {
    let (status, j) = http(
        "POST",
        &format!("{url}/api/v1/auth/login"),
        None,
        Some(json!({"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD})),
    );
    assert_eq!(status, 200, "{j}");
    j["access_token"].as_str().unwrap().to_owned()
}

/// The signed-in user's totals over every day, from `/api/v1/me/rollups`.
fn server_totals(url: &str, token: &str) -> BTreeMap<String, i64> {
    let (status, days) = http("GET", &format!("{url}/api/v1/me/rollups"), Some(token), None);
    assert_eq!(status, 200, "{days}");
    let mut totals = BTreeMap::new();
    for day in days.as_array().unwrap() {
        for (k, v) in day["totals"].as_object().unwrap() {
            *totals.entry(k.clone()).or_insert(0) += v.as_i64().unwrap();
        }
    }
    totals
}

/// The user's most recently received sessions (at most 100), by session key.
fn server_sessions(url: &str, token: &str) -> BTreeMap<String, Value> {
    let (status, rows) = http("GET", &format!("{url}/api/v1/me/sessions"), Some(token), None);
    assert_eq!(status, 200, "{rows}");
    rows.as_array()
        .unwrap()
        .iter()
        .map(|r| (r["session_key"].as_str().unwrap().to_owned(), r.clone()))
        .collect()
}

/// The same counters as the server's rollups, computed from the local summaries, field by field.
fn local_totals(sessions: &[SessionSummary]) -> BTreeMap<String, i64> {
    let mut t: BTreeMap<String, i64> = BTreeMap::new();
    for s in sessions {
        let tokens =
            |f: fn(&prompt1_wire::ModelTokens) -> u64| -> i64 { s.tokens.iter().map(|r| f(r) as i64).sum() };
        for (name, v) in [
            ("sessions", 1),
            ("final_sessions", i64::from(s.is_final)),
            ("interactive_sessions", i64::from(s.interactive)),
            ("active_s", s.active_s.into()),
            ("prompts", s.prompts.into()),
            ("follow_ups", s.follow_ups.into()),
            ("clarity_sum", s.clarity_sum.into()),
            ("clarity_scored", s.clarity_scored.into()),
            ("file_refs", s.file_refs.into()),
            ("prompts_with_file_refs", s.prompts_with_file_refs.into()),
            ("tool_calls", s.tools.total().into()),
            ("tool_failures", s.tool_failures.into()),
            ("subagents", s.subagents.into()),
            ("compactions", s.compactions.into()),
            ("test_runs", s.test_runs.into()),
            ("lint_runs", s.lint_runs.into()),
            ("build_runs", s.build_runs.into()),
            ("edit_batches", s.edit_batches.into()),
            ("verified_batches", s.verified_batches.into()),
            ("edits_user_accepted", s.edits.user_accepted.into()),
            ("edits_user_rejected", s.edits.user_rejected.into()),
            ("edits_auto_allowed", s.edits.auto_allowed.into()),
            ("edits_auto_denied", s.edits.auto_denied.into()),
            ("input_tokens", tokens(|r| r.input)),
            ("output_tokens", tokens(|r| r.output)),
            ("cache_creation_tokens", tokens(|r| r.cache_creation)),
            ("cache_read_tokens", tokens(|r| r.cache_read)),
        ] {
            *t.entry(name.to_owned()).or_insert(0) += v;
        }
    }
    // The server's rollups also keep the coach's tally (interactive sessions only), one
    // `coach_<field>` counter per field.
    let coach = prompt1_coach::Tally::sum(sessions.iter());
    for (name, v) in prompt1_coach::Tally::FIELDS.iter().zip(coach.to_array()) {
        *t.entry(format!("coach_{name}")).or_insert(0) += i64::try_from(v).unwrap();
    }
    t
}

/// The local side: prompt1's own commands against one data folder.
struct Local {
    data: PathBuf,
    home: PathBuf,
    claude_config: PathBuf,
}

impl Local {
    fn command(&self, args: &[&str]) -> Command {
        let mut c = Command::new(BIN);
        c.args(args)
            .env("PROMPT1_HOME", &self.data)
            .env("HOME", &self.home)
            .env("CLAUDE_CONFIG_DIR", &self.claude_config)
            .env_remove("XDG_DATA_HOME");
        c
    }

    fn run(&self, args: &[&str]) -> Output {
        let out = self.command(args).output().unwrap();
        assert!(
            out.status.success(),
            "prompt1 {args:?}: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        out
    }

    /// Every local summary (`prompt1 report --json`'s `sessions`).
    fn report(&self) -> Vec<SessionSummary> {
        let report: Value =
            serde_json::from_slice(&self.run(&["report", "--json", "--limit", "1000000"]).stdout).unwrap();
        serde_json::from_value(report["sessions"].clone()).unwrap()
    }

    /// `prompt1 sync`'s one-line report.
    fn sync(&self) -> String {
        String::from_utf8(self.run(&["sync"]).stdout).unwrap()
    }

    fn outbox(&self) -> Vec<PathBuf> {
        list(&self.data.join("outbox"))
    }

    fn device_token(&self) -> String {
        let v: Value =
            serde_json::from_slice(&std::fs::read(self.data.join("device.json")).unwrap()).unwrap();
        v["device_token"].as_str().unwrap().to_owned()
    }
}

/// Server totals equal local totals metric by metric, every listed session equals its local
/// summary, and nothing waits in the outbox or sits in quarantine. Returns the local summaries.
fn assert_server_matches_local(url: &str, local: &Local) -> Vec<SessionSummary> {
    let token = admin_token(url);
    let sessions = local.report();
    let mine = local_totals(&sessions);
    let theirs = server_totals(url, &token);
    assert_eq!(
        theirs.keys().collect::<Vec<_>>(),
        mine.keys().collect::<Vec<_>>(),
        "the test compares every counter the server keeps"
    );
    for (k, v) in &mine {
        assert_eq!(theirs[k], *v, "server total {k} vs local (prompt1 report --json)");
    }
    let by_key: BTreeMap<String, &SessionSummary> =
        sessions.iter().map(|s| (s.session_key.to_string(), s)).collect();
    let listed = server_sessions(url, &token);
    assert_eq!(listed.len(), sessions.len().min(100));
    for (key, row) in &listed {
        let local = by_key
            .get(key)
            .unwrap_or_else(|| panic!("server has a session {key} that is not local"));
        let stored: SessionSummary = serde_json::from_value(row["summary"].clone()).unwrap();
        assert_eq!(&stored, *local, "stored summary of {key}");
        assert_eq!(row["revision"].as_u64(), Some(u64::from(local.revision)));
        assert_eq!(row["is_final"].as_bool(), Some(local.is_final));
    }
    assert!(local.outbox().is_empty(), "outbox: {:?}", local.outbox());
    assert!(
        list(&local.data.join("quarantine")).is_empty(),
        "nothing quarantined"
    );
    sessions
}

/// `prompt1 login URL` as a person runs it: the code and URL it prints are approved in the browser
/// (signed in on `server`).
fn login_in_browser(browser: &Browser, local: &Local, url: &str, server: &str) {
    let mut child = Reaped(
        local
            .command(&["login", url])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap(),
    );
    let stderr = child.0.stderr.take().unwrap();
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            let _ = tx.send(line);
        }
    });
    let (mut link, mut code) = (None, None);
    let mut printed = Vec::new();
    while link.is_none() || code.is_none() {
        let line = rx
            .recv_timeout(Duration::from_secs(30))
            .unwrap_or_else(|_| panic!("prompt1 login printed no code: {printed:?}"));
        let t = line.trim();
        if t.starts_with(&format!("{server}/device?")) {
            link = Some(t.to_owned());
        }
        if let Some(c) = t.split("shows the code ").nth(1) {
            code = Some(c.trim().to_owned());
        }
        printed.push(line);
    }
    let (link, code) = (link.unwrap(), code.unwrap());
    browser.run(async |c| {
        c.goto(&link).await.unwrap();
        let code_box = c.wait().for_element(Locator::Id("user_code")).await.unwrap();
        assert_eq!(
            code_box.prop("value").await.unwrap().as_deref(),
            Some(code.as_str()),
            "the page shows the terminal's code"
        );
        c.find(Locator::Css("button[value=approve]"))
            .await
            .unwrap()
            .click()
            .await
            .unwrap();
        let result = c
            .wait()
            .for_element(Locator::Id("result"))
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(result.contains("Device approved"), "{result}");
    });
    let status =
        wait_timeout(&mut child.0, Duration::from_secs(30)).expect("prompt1 login returns once approved");
    let rest: Vec<String> = rx.try_iter().collect();
    assert!(status.success(), "prompt1 login: {printed:?} {rest:?}");
    let dev = local.data.join("device.json");
    use std::os::unix::fs::PermissionsExt;
    assert_eq!(
        std::fs::metadata(&dev).unwrap().permissions().mode() & 0o777,
        0o600,
        "device.json is private"
    );
    assert!(local.device_token().starts_with("p1d_"));
}

/// Copies every session transcript under `homes` `copies` times under new session ids (their text
/// and file names rewritten) into `dest/projects/-clones`; returns how many sessions it made.
fn clone_sessions(homes: &[&Path], dest: &Path, copies: usize) -> usize {
    let out = dest.join("projects").join("-clones");
    std::fs::create_dir_all(&out).unwrap();
    let mut made = 0;
    for home in homes {
        for project in list(&home.join(".claude/projects")) {
            for main in list(&project) {
                if main.extension().is_none_or(|e| e != "jsonl") {
                    continue;
                }
                let id = main.file_stem().unwrap().to_string_lossy().into_owned();
                let text = std::fs::read_to_string(&main).unwrap();
                let subs: Vec<(String, String)> = list(&project.join(&id).join("subagents"))
                    .into_iter()
                    .filter(|p| p.extension().is_some_and(|e| e == "jsonl"))
                    .map(|p| {
                        (
                            p.file_name().unwrap().to_string_lossy().into_owned(),
                            std::fs::read_to_string(&p).unwrap(),
                        )
                    })
                    .collect();
                for _ in 0..copies {
                    let h = common::random_hex(16);
                    let new_id = format!(
                        "{}-{}-{}-{}-{}",
                        &h[..8],
                        &h[8..12],
                        &h[12..16],
                        &h[16..20],
                        &h[20..]
                    );
                    std::fs::write(out.join(format!("{new_id}.jsonl")), text.replace(&id, &new_id)).unwrap();
                    if !subs.is_empty() {
                        let dir = out.join(&new_id).join("subagents");
                        std::fs::create_dir_all(&dir).unwrap();
                        for (name, body) in &subs {
                            std::fs::write(dir.join(name), body.replace(&id, &new_id)).unwrap();
                        }
                    }
                    made += 1;
                }
            }
        }
    }
    made
}

/// The five numbers of `prompt1 sync`'s report: uploaded, already stored, quarantined, deferred,
/// left in the outbox.
fn sync_counts(report: &str) -> [usize; 5] {
    let n: Vec<usize> = report
        .trim()
        .split(", ")
        .map(|part| part.split(' ').next().unwrap().parse().unwrap())
        .collect();
    n.try_into().unwrap()
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

#[test]
fn server_to_client_end_to_end() {
    let Some(case) = Case::new("server") else {
        return;
    };
    let Some((chromium, driver)) = browser() else {
        return;
    };
    let started = Instant::now();
    let server_data = case.root.join("server-data");
    let local = Local {
        data: case.root.join("prompt1-data"),
        home: case.root.join("plain-home"),
        claude_config: case.root.join("install-config"),
    };
    let hooks = case.hooks_file();
    let env_home = format!("PROMPT1_HOME={}", local.data.display());
    let port = free_port();
    let (srv, link) = Server::start(&server_data, port);
    let url = srv.url.clone();
    let link = link.expect("a fresh server prints its setup link");
    let relay = Relay::start(port);

    // First admin from the printed link, in a real headless Chromium.
    let browser = Browser::open(&chromium, &driver, &case.root.join("chromium-profile"));
    browser.run(async |c| {
        c.goto(&link).await.unwrap();
        for (id, text) in [
            ("org", "Acme"),
            ("email", ADMIN_EMAIL),
            ("password", ADMIN_PASSWORD),
        ] {
            c.find(Locator::Id(id))
                .await
                .unwrap()
                .send_keys(text)
                .await
                .unwrap();
        }
        c.find(Locator::Css("button[type=submit]"))
            .await
            .unwrap()
            .click()
            .await
            .unwrap();
        c.wait()
            .for_element(Locator::XPath("//h2[text()='Your devices']"))
            .await
            .unwrap();
    });

    // `prompt1 login`, approved on the device page by the signed-in admin.
    login_in_browser(&browser, &local, &relay.url, &url);
    eprintln!("[{:.0?}] logged in", started.elapsed());

    // 1. A session ends: the collector's detached `prompt1 sync` uploads it, nobody else does.
    let basic = case.client.harness_file("scenarios/basic.json");
    let first = case.run(
        "first",
        &basic,
        &[
            "--hooks",
            s(&hooks),
            "--env",
            &env_home,
            "--prompt",
            "Run echo, write notes.txt, read it back.",
        ],
    );
    let first_id = first.session_ids()[0].clone();
    let first_key = first.session_key(&first_id).to_string();
    let token = admin_token(&url);
    let deadline = Instant::now() + Duration::from_secs(90);
    let arrived = loop {
        if let Some(row) = server_sessions(&url, &token).remove(&first_key) {
            if row["is_final"] == Value::Bool(true) {
                break row;
            }
        }
        assert!(
            Instant::now() < deadline,
            "the detached sync did not upload the ended session"
        );
        std::thread::sleep(Duration::from_millis(200));
    };
    wait_for_collectors(&first.project);
    let recorded: SessionSummary = serde_json::from_slice(
        &std::fs::read(first.data.join("summaries").join(format!("{first_key}.json"))).unwrap(),
    )
    .unwrap();
    assert_eq!(arrived["revision"].as_u64(), Some(u64::from(recorded.revision)));
    assert!(recorded.is_final && recorded.prompts == 1 && !recorded.tokens.is_empty());
    assert!(local.outbox().is_empty(), "the detached sync emptied the outbox");
    eprintln!(
        "[{:.0?}] detached sync uploaded the first session",
        started.elapsed()
    );

    // 2. Server down (graceful stop): sessions are recorded, their detached syncs fail and keep them.
    srv.stop();
    let edits = case.client.harness_file("scenarios/edits.json");
    let subagent = case.client.harness_file("scenarios/subagent.json");
    let project = case.client.harness_file("projects/sample");
    let runs: Vec<Run> = vec![
        case.run(
            "edits",
            &edits,
            &[
                "--hooks",
                s(&hooks),
                "--env",
                &env_home,
                "--project",
                s(&project),
                "--permission-mode",
                "acceptEdits",
                "--prompt",
                "Make the edits.",
            ],
        ),
        case.run(
            "subagent",
            &subagent,
            &[
                "--hooks",
                s(&hooks),
                "--env",
                &env_home,
                "--project",
                s(&project),
                "--prompt",
                "Use a sub-agent.",
            ],
        ),
        // The first session goes on: a later revision of a session the server already counted.
        case.run(
            "continued",
            &basic,
            &[
                "--reuse",
                s(&first.dir),
                "--env",
                &env_home,
                "--prompt",
                "Do it once more.",
                "--",
                "--continue",
            ],
        ),
    ];
    for run in &runs {
        wait_for_collectors(&run.project);
    }
    let continued: SessionSummary = serde_json::from_slice(
        &std::fs::read(local.data.join("summaries").join(format!("{first_key}.json"))).unwrap(),
    )
    .unwrap();
    assert!(continued.revision > recorded.revision && continued.prompts == 2);
    let waiting = local.outbox().len();
    assert_eq!(
        waiting,
        3,
        "two new sessions and the continued one wait: {:?}",
        local.outbox()
    );
    eprintln!(
        "[{:.0?}] recorded 3 more sessions with the server down",
        started.elapsed()
    );

    // Back up on the same port and data: `prompt1 sync` uploads exactly what waited.
    let (srv, link) = Server::start(&server_data, port);
    assert!(link.is_none(), "no second setup link");
    let report = local.sync();
    assert_eq!(
        report.trim(),
        format!("{waiting} uploaded, 0 already on the server, 0 quarantined, 0 waiting for a server upgrade, 0 left in the outbox")
    );
    let sessions = assert_server_matches_local(&url, &local);
    assert_eq!(sessions.len(), 3);
    let totals = local_totals(&sessions);
    assert!(totals["prompts"] >= 4 && totals["tool_calls"] > 0 && totals["subagents"] == 1);
    assert!(totals["input_tokens"] > 0 && totals["cache_read_tokens"] > 0);
    assert_eq!(
        local.sync().trim(),
        "0 uploaded, 0 already on the server, 0 quarantined, 0 waiting for a server upgrade, 0 left in the outbox"
    );
    eprintln!(
        "[{:.0?}] sync after the restart: server totals equal local totals",
        started.elapsed()
    );

    // 3. Many queued summaries. While `prompt1 sync` uploads them, one answer is lost after the
    //    server stored its batch; later the server is frozen with a batch in flight, killed, and
    //    restarted on the same data folder and port.
    let clones = case.root.join("clones");
    let homes = [
        first.home.as_path(),
        runs[0].home.as_path(),
        runs[1].home.as_path(),
    ];
    let made = clone_sessions(&homes, &clones, COPIES);
    assert_eq!(made, 3 * COPIES);
    let imported = local.run(&["import", s(&clones)]);
    assert_eq!(
        String::from_utf8_lossy(&imported.stdout).trim(),
        format!("imported {made} sessions: {made} updated, 0 already up to date, 0 unreadable")
    );
    assert_eq!(local.outbox().len(), made);
    let mut sync = Reaped(
        local
            .command(&["sync"])
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap(),
    );
    let mut wait_for = |what: &str, done: &dyn Fn() -> bool| {
        let deadline = Instant::now() + Duration::from_secs(120);
        while !done() {
            assert!(sync.0.try_wait().unwrap().is_none(), "sync ended before {what}");
            assert!(Instant::now() < deadline, "sync made no progress: {what}");
            std::thread::sleep(Duration::from_millis(1));
        }
    };
    wait_for("the first acknowledgement", &|| local.outbox().len() < made);
    relay.lose_next_answer.store(true, Ordering::SeqCst);
    wait_for("an answer was lost", &|| {
        relay.answers_lost.load(Ordering::SeqCst) == 1
    });
    let after_loss = local.outbox().len();
    wait_for("the next acknowledgement", &|| local.outbox().len() < after_loss);
    srv.signal("STOP");
    // The next batch reaches the frozen server; then it dies.
    std::thread::sleep(Duration::from_millis(300));
    let left = local.outbox().len();
    assert!(
        left > 0 && left < made - 50,
        "the server stopped mid-sync ({left} of {made} left)"
    );
    assert!(
        sync.0.try_wait().unwrap().is_none(),
        "sync waits on the frozen server"
    );
    srv.kill();
    eprintln!(
        "[{:.0?}] server killed with {left} of {made} summaries left",
        started.elapsed()
    );
    let (srv, _) = Server::start(&server_data, port);
    let status = wait_timeout(&mut sync.0, Duration::from_secs(120)).expect("sync ends");
    let (mut out, mut err) = (String::new(), String::new());
    sync.0.stdout.take().unwrap().read_to_string(&mut out).unwrap();
    sync.0.stderr.take().unwrap().read_to_string(&mut err).unwrap();
    if status.success() {
        eprintln!("interrupted sync finished after the restart: {}", out.trim());
        let [uploaded, already, quarantined, deferred, remaining] = sync_counts(&out);
        assert!(
            already >= 50,
            "the batch whose answer was lost was stored once: {out}"
        );
        assert_eq!(uploaded + already, made, "{out}");
        assert_eq!([quarantined, deferred, remaining], [0, 0, 0], "{out}");
    } else {
        // Its bounded retries ran out before the server was back: the data stays for the next run.
        assert!(err.contains("unavailable"), "{err}");
        eprintln!("interrupted sync gave up ({}); running it again", err.trim());
        let again = local.sync();
        let [_, _, quarantined, deferred, remaining] = sync_counts(&again);
        assert_eq!([quarantined, deferred, remaining], [0, 0, 0], "{again}");
    }
    let sessions = assert_server_matches_local(&url, &local);
    assert_eq!(sessions.len(), 3 + made);
    assert!(
        list(&local.data.join("outbox")).is_empty(),
        "no claimed (.acked) file stays behind"
    );
    eprintln!(
        "[{:.0?}] {} sessions: server totals equal local totals after the kill",
        started.elapsed(),
        sessions.len()
    );

    // 4. Uninstall revokes the device token on the server.
    let old = local.device_token();
    let out = local.run(&["uninstall"]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("revoked this machine's server token"), "{text}");
    assert!(!local.data.exists(), "local data removed");
    let one = serde_json::to_value(&sessions[0]).unwrap();
    let (status, body) = http(
        "POST",
        &format!("{url}/api/v1/ingest"),
        Some(&old),
        Some(json!({"sessions": [one]})),
    );
    assert_eq!(status, 401, "an upload with the revoked token: {body}");
    let (_, devices) = http(
        "GET",
        &format!("{url}/api/v1/devices"),
        Some(&admin_token(&url)),
        None,
    );
    let devices = devices.as_array().unwrap();
    assert_eq!(devices.len(), 1);
    assert!(devices[0]["revoked_at"].is_i64(), "{devices:?}");

    drop(browser);
    srv.stop();
    eprintln!("[{:.0?}] done", started.elapsed());
}
