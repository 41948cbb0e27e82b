//! Test harness: a server state on a fresh SQLite file or a fresh PostgreSQL database, and helpers
//! to call the HTTP app in-process and to build valid session summaries.
#![allow(dead_code, missing_docs, clippy::unwrap_used)]

use axum::body::Body;
use axum::http::{header, Method, Request, StatusCode};
use axum::Router;
use prompt1_server::config::{Config, Secret};
use prompt1_server::AppState;
use prompt1_wire::{
    ClientVersion, EditDecisions, EndReason, ModelId, ModelTokens, PermissionModeCounts, SessionKey,
    SessionSummary, ToolCounts, SCHEMA_V1,
};
use serde_json::Value;
use sqlx::Connection;
use tower::ServiceExt;

/// The fixed signing key of test servers (so JWT tests can forge tokens).
pub const TEST_JWT_SECRET: &str = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Sqlite,
    Postgres,
}

/// `PROMPT1_TEST_PG`, e.g. `postgres://postgres@127.0.0.1:5432`.
pub fn pg_base() -> Option<String> {
    std::env::var("PROMPT1_TEST_PG")
        .ok()
        .filter(|s| !s.is_empty())
        .map(|s| s.trim_end_matches('/').to_owned())
}

/// A fresh PostgreSQL database, dropped when this is dropped.
pub struct PgDb {
    pub name: String,
    pub base: String,
}

impl PgDb {
    pub async fn create() -> Option<Self> {
        let Some(base) = pg_base() else {
            // Written to the real stderr (not libtest's capture) so the skip is visible in every run.
            use std::io::Write;
            let _ = writeln!(
                std::io::stderr(),
                "SKIPPED: PostgreSQL test (set PROMPT1_TEST_PG=postgres://postgres@127.0.0.1:5432 to run it)"
            );
            return None;
        };
        let mut b = [0u8; 8];
        getrandom::fill(&mut b).unwrap();
        let name = format!("prompt1_test_{}", hex::encode(b));
        let mut c = sqlx::PgConnection::connect(&format!("{base}/postgres"))
            .await
            .unwrap();
        sqlx::raw_sql(&format!("CREATE DATABASE {name}"))
            .execute(&mut c)
            .await
            .unwrap();
        Some(Self { name, base })
    }
    pub fn url(&self) -> String {
        format!("{}/{}", self.base, self.name)
    }
}

impl Drop for PgDb {
    fn drop(&mut self) {
        let (base, name) = (self.base.clone(), self.name.clone());
        let _ = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            rt.block_on(async {
                if let Ok(mut c) = sqlx::PgConnection::connect(&format!("{base}/postgres")).await {
                    let _ = sqlx::raw_sql(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                        .execute(&mut c)
                        .await;
                }
            });
        })
        .join();
    }
}

pub struct TestServer {
    pub state: AppState,
    pub app: Router,
    pub kind: Kind,
    pub dir: tempfile::TempDir,
    pub pg: Option<PgDb>,
}

/// A migrated server state, or `None` (after printing SKIPPED) for PostgreSQL when not configured.
pub async fn server(kind: Kind) -> Option<TestServer> {
    server_with(kind, |_| {}).await
}

/// Like [`server`], with the server's clock fixed at `secs` (Unix seconds); move it through
/// `state.clock`.
pub async fn server_at(kind: Kind, secs: i64) -> Option<TestServer> {
    server_full(kind, |_| {}, prompt1_server::clock::Clock::fixed(secs)).await
}

pub async fn server_with(kind: Kind, tweak: impl FnOnce(&mut Config)) -> Option<TestServer> {
    server_full(kind, tweak, prompt1_server::clock::Clock::system()).await
}

pub async fn server_full(
    kind: Kind,
    tweak: impl FnOnce(&mut Config),
    clock: prompt1_server::clock::Clock,
) -> Option<TestServer> {
    let dir = tempfile::tempdir().unwrap();
    let pg = match kind {
        Kind::Sqlite => None,
        Kind::Postgres => Some(PgDb::create().await?),
    };
    let mut cfg = Config {
        data_dir: Some(dir.path().to_path_buf()),
        database_url: pg.as_ref().map(|p| Secret(p.url())),
        jwt_secret: Some(Secret(TEST_JWT_SECRET.into())),
        public_url: Some("http://127.0.0.1:1".into()),
        pg_max_connections: 5,
        ..Config::default()
    };
    tweak(&mut cfg);
    let state = prompt1_server::build_state_with_clock(cfg, clock).await.unwrap();
    let app = prompt1_server::app(state.clone());
    Some(TestServer {
        state,
        app,
        kind,
        dir,
        pg,
    })
}

pub struct Resp {
    pub status: StatusCode,
    pub headers: axum::http::HeaderMap,
    pub body: Vec<u8>,
}

impl Resp {
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or(Value::Null)
    }
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
    pub fn error_code(&self) -> String {
        self.json()["error"]["code"].as_str().unwrap_or("").to_owned()
    }
    pub fn cookies(&self) -> String {
        self.headers
            .get_all(header::SET_COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .map(|v| v.split(';').next().unwrap_or("").to_owned())
            .collect::<Vec<_>>()
            .join("; ")
    }
}

impl TestServer {
    pub async fn send(&self, req: Request<Body>) -> Resp {
        let resp = self.app.clone().oneshot(req).await.unwrap();
        let status = resp.status();
        let headers = resp.headers().clone();
        let body = axum::body::to_bytes(resp.into_body(), usize::MAX)
            .await
            .unwrap()
            .to_vec();
        Resp {
            status,
            headers,
            body,
        }
    }

    /// A GET that must answer 200, as JSON.
    pub async fn get_json(&self, path: &str, bearer: &str) -> Value {
        let r = self.call(Method::GET, path, Some(bearer), None).await;
        assert_eq!(r.status, StatusCode::OK, "GET {path}: {}", r.text());
        r.json()
    }

    pub async fn call(&self, method: Method, path: &str, bearer: Option<&str>, body: Option<Value>) -> Resp {
        let mut b = Request::builder().method(method).uri(path);
        if let Some(t) = bearer {
            b = b.header(header::AUTHORIZATION, format!("Bearer {t}"));
        }
        let req = match body {
            Some(v) => b
                .header(header::CONTENT_TYPE, "application/json")
                .body(Body::from(v.to_string()))
                .unwrap(),
            None => b.body(Body::empty()).unwrap(),
        };
        self.send(req).await
    }

    pub async fn form(&self, path: &str, cookies: Option<&str>, fields: &[(&str, &str)]) -> Resp {
        let body = fields
            .iter()
            .map(|(k, v)| format!("{k}={}", enc(v)))
            .collect::<Vec<_>>()
            .join("&");
        let mut b = Request::builder()
            .method(Method::POST)
            .uri(path)
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
        if let Some(c) = cookies {
            b = b.header(header::COOKIE, c);
        }
        self.send(b.body(Body::from(body)).unwrap()).await
    }

    pub async fn get_page(&self, path: &str, cookies: Option<&str>) -> Resp {
        let mut b = Request::builder().uri(path);
        if let Some(c) = cookies {
            b = b.header(header::COOKIE, c);
        }
        self.send(b.body(Body::empty()).unwrap()).await
    }

    /// Runs first-admin setup through the page; returns the admin's API tokens (access, refresh).
    pub async fn setup_admin(&self, email: &str, password: &str) -> (String, String) {
        let token = prompt1_server::setup_link(&self.state)
            .await
            .unwrap()
            .expect("fresh server has a setup link")
            .rsplit("token=")
            .next()
            .unwrap()
            .to_owned();
        let r = self
            .form(
                "/setup",
                None,
                &[
                    ("token", &token),
                    ("org_name", "Acme"),
                    ("email", email),
                    ("password", password),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
        assert!(r.cookies().contains("__Host-p1_access="));
        self.login(email, password).await
    }

    pub async fn login(&self, email: &str, password: &str) -> (String, String) {
        let r = self
            .call(
                Method::POST,
                "/api/v1/auth/login",
                None,
                Some(serde_json::json!({"email": email, "password": password})),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "login {email}: {}", r.text());
        let j = r.json();
        (
            j["access_token"].as_str().unwrap().to_owned(),
            j["refresh_token"].as_str().unwrap().to_owned(),
        )
    }

    /// Invites and signs up a new member; returns their access token.
    pub async fn add_member(&self, admin: &str, email: &str, role: &str, team: Option<&str>) -> String {
        let r = self
            .call(
                Method::POST,
                "/api/v1/invites",
                Some(admin),
                Some(serde_json::json!({"role": role, "team_id": team})),
            )
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
        let token = r.json()["token"].as_str().unwrap().to_owned();
        let r = self
            .call(
                Method::POST,
                "/api/v1/invites/accept",
                None,
                Some(
                    serde_json::json!({"token": token, "email": email, "password": "correct horse battery"}),
                ),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text());
        r.json()["access_token"].as_str().unwrap().to_owned()
    }

    /// Device login approved by `user` through the API; returns the device token.
    pub async fn device_token(&self, user: &str) -> String {
        let r = self.call(Method::POST, "/api/v1/device/code", None, None).await;
        assert_eq!(r.status, StatusCode::OK);
        let j = r.json();
        let (dc, uc) = (
            j["device_code"].as_str().unwrap().to_owned(),
            j["user_code"].as_str().unwrap().to_owned(),
        );
        let r = self
            .call(
                Method::POST,
                "/api/v1/device/token",
                None,
                Some(serde_json::json!({"device_code": dc})),
            )
            .await;
        assert_eq!(r.error_code(), "authorization_pending");
        let r = self
            .call(
                Method::POST,
                "/api/v1/device/approve",
                Some(user),
                Some(serde_json::json!({"user_code": uc})),
            )
            .await;
        assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.text());
        let r = self
            .call(
                Method::POST,
                "/api/v1/device/token",
                None,
                Some(serde_json::json!({"device_code": dc})),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text());
        let t = r.json()["device_token"].as_str().unwrap().to_owned();
        let again = self
            .call(
                Method::POST,
                "/api/v1/device/token",
                None,
                Some(serde_json::json!({"device_code": dc})),
            )
            .await;
        assert_eq!(
            again.error_code(),
            "invalid_grant",
            "a device code yields one token"
        );
        t
    }

    pub async fn upload(&self, device: &str, items: Vec<Value>) -> Resp {
        self.call(
            Method::POST,
            "/api/v1/ingest",
            Some(device),
            Some(serde_json::json!({ "sessions": items })),
        )
        .await
    }
}

pub fn enc(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// A valid summary: session `key`, revision `rev`, `prompts` prompts, started on day 20_500 + `day`.
pub fn summary(key: u8, rev: u32, prompts: u32) -> SessionSummary {
    SessionSummary {
        schema: SCHEMA_V1,
        session_key: SessionKey([key; 16]),
        revision: rev,
        is_final: false,
        end_reason: EndReason::Open,
        started_minute: 20_500 * 1440 + 600,
        active_s: 60 * prompts,
        interactive: true,
        prompts,
        follow_ups: 0,
        clarity_sum: 50 * prompts,
        clarity_scored: prompts,
        file_refs: prompts,
        prompts_with_file_refs: prompts,
        tools: ToolCounts {
            edit: prompts,
            shell: 1,
            ..ToolCounts::default()
        },
        tool_failures: 0,
        subagents: 0,
        compactions: 0,
        test_runs: 1,
        lint_runs: 0,
        build_runs: 0,
        edit_batches: 1,
        verified_batches: 1,
        edits: EditDecisions {
            user_accepted: 1,
            ..EditDecisions::default()
        },
        permission_modes: PermissionModeCounts {
            default: prompts,
            ..PermissionModeCounts::default()
        },
        claude_md_project: true,
        claude_md_user: false,
        tokens: vec![ModelTokens {
            model: ModelId::Sonnet4_5,
            input: 100,
            output: 10 * u64::from(prompts),
            cache_creation: 0,
            cache_read: 5,
        }],
        client_version: ClientVersion {
            major: 0,
            minor: 1,
            patch: 0,
        },
    }
}

pub fn v(s: &SessionSummary) -> Value {
    serde_json::to_value(s).unwrap()
}

/// A summary like [`summary`] that started on `day` (days since the epoch) at 10:00 UTC.
pub fn summary_on(key: u8, rev: u32, prompts: u32, day: i64) -> SessionSummary {
    SessionSummary {
        started_minute: day * 1440 + 600,
        ..summary(key, rev, prompts)
    }
}

/// Creates a team through the API; returns its id.
pub async fn create_team(s: &TestServer, admin: &str, name: &str) -> String {
    let r = s
        .call(
            Method::POST,
            "/api/v1/teams",
            Some(admin),
            Some(serde_json::json!({ "name": name })),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    r.json()["team_id"].as_str().unwrap().to_owned()
}

/// Sum of a `team_daily` counter of `team` over all days, read straight from the database (as the
/// connecting user, outside the API: the API withholds small groups, ingest tests check the
/// arithmetic underneath).
pub async fn team_daily_sum(s: &TestServer, team: &str, metric: &str) -> i64 {
    let sql = format!("SELECT CAST(COALESCE(sum({metric}), 0) AS BIGINT) FROM team_daily WHERE team_id = $1");
    match &s.state.db {
        prompt1_server::db::Db::Sqlite(p, _) => {
            sqlx::query_scalar(&sql).bind(team).fetch_one(p).await.unwrap()
        }
        prompt1_server::db::Db::Postgres(p) => {
            sqlx::query_scalar(&sql).bind(team).fetch_one(p).await.unwrap()
        }
    }
}

/// The days of `team`'s `team_daily` rows, read straight from the database.
pub async fn team_daily_days(s: &TestServer, team: &str) -> Vec<i64> {
    let sql = "SELECT day FROM team_daily WHERE team_id = $1 ORDER BY day";
    match &s.state.db {
        prompt1_server::db::Db::Sqlite(p, _) => {
            sqlx::query_scalar(sql).bind(team).fetch_all(p).await.unwrap()
        }
        prompt1_server::db::Db::Postgres(p) => sqlx::query_scalar(sql).bind(team).fetch_all(p).await.unwrap(),
    }
}

/// Sum of a rollup counter over all days in a `/me/rollups`-shaped answer.
pub fn total(rollups: &Value, metric: &str) -> i64 {
    rollups
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["totals"][metric].as_i64().unwrap())
        .sum()
}

/// Runs an async test body on SQLite and on PostgreSQL.
#[macro_export]
macro_rules! both_backends {
    ($($name:ident),* $(,)?) => {
        $(
            mod $name {
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn sqlite() {
                    super::$name($crate::common::Kind::Sqlite).await
                }
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn postgres() {
                    super::$name($crate::common::Kind::Postgres).await
                }
            }
        )*
    };
}

/// A real server on a TCP port, in its own thread and runtime (for blocking clients and browsers).
pub struct RunningServer {
    pub url: String,
    pub port: u16,
    pub setup_link: Option<String>,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl RunningServer {
    /// Starts on `port` (0: a free one) with its SQLite database in `data_dir`, or on `pg_url`.
    pub fn start(data_dir: &std::path::Path, port: u16, pg_url: Option<String>) -> Self {
        let listener = std::net::TcpListener::bind(("127.0.0.1", port)).unwrap();
        let port = listener.local_addr().unwrap().port();
        let url = format!("http://127.0.0.1:{port}");
        let cfg = Config {
            listen: listener.local_addr().unwrap(),
            data_dir: Some(data_dir.to_path_buf()),
            database_url: pg_url.map(Secret),
            jwt_secret: Some(Secret(TEST_JWT_SECRET.into())),
            device_poll_interval_s: 1,
            pg_max_connections: 5,
            ..Config::default()
        };
        let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
        let (ready_tx, ready_rx) = std::sync::mpsc::channel();
        let thread = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .enable_all()
                .build()
                .unwrap();
            rt.block_on(async move {
                let state = prompt1_server::build_state(cfg).await.unwrap();
                let link = prompt1_server::setup_link(&state).await.unwrap();
                listener.set_nonblocking(true).unwrap();
                let listener = tokio::net::TcpListener::from_std(listener).unwrap();
                ready_tx.send(link).unwrap();
                prompt1_server::serve(listener, state, async {
                    let _ = stop_rx.await;
                })
                .await
                .unwrap();
            });
        });
        let setup_link = ready_rx.recv().unwrap();
        Self {
            url,
            port,
            setup_link,
            stop: Some(stop_tx),
            thread: Some(thread),
        }
    }

    /// Stops gracefully and waits for the thread.
    pub fn stop(mut self) {
        self.halt();
    }

    fn halt(&mut self) {
        if let Some(s) = self.stop.take() {
            let _ = s.send(());
        }
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

impl Drop for RunningServer {
    fn drop(&mut self) {
        self.halt();
    }
}

/// A blocking HTTP helper for tests against a [`RunningServer`].
pub fn http(method: &str, url: &str, bearer: Option<&str>, body: Option<Value>) -> (u16, Value) {
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .max_redirects(0)
        .build()
        .into();
    let auth = bearer.map(|t| format!("Bearer {t}"));
    let mut resp = match (method, body) {
        ("POST", Some(b)) => {
            let mut r = agent.post(url);
            if let Some(a) = &auth {
                r = r.header("Authorization", a);
            }
            r.send_json(b).unwrap()
        }
        ("POST", None) => {
            let mut r = agent.post(url);
            if let Some(a) = &auth {
                r = r.header("Authorization", a);
            }
            r.send_empty().unwrap()
        }
        ("DELETE", _) => {
            let mut r = agent.delete(url);
            if let Some(a) = &auth {
                r = r.header("Authorization", a);
            }
            r.call().unwrap()
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

/// Runs first-admin setup on a running server; returns the admin's access token.
pub fn setup_running(srv: &RunningServer, email: &str, password: &str) -> String {
    let link = srv.setup_link.clone().expect("fresh server");
    let token = link.rsplit("token=").next().unwrap().to_owned();
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .max_redirects(0)
        .build()
        .into();
    let form = format!(
        "token={token}&org_name=Acme&email={}&password={}",
        enc(email),
        enc(password)
    );
    let r = agent
        .post(format!("{}/setup", srv.url))
        .header("Content-Type", "application/x-www-form-urlencoded")
        .send(form.as_bytes())
        .unwrap();
    assert_eq!(r.status().as_u16(), 303);
    let (status, j) = http(
        "POST",
        &format!("{}/api/v1/auth/login", srv.url),
        None,
        Some(serde_json::json!({"email": email, "password": password})),
    );
    assert_eq!(status, 200);
    j["access_token"].as_str().unwrap().to_owned()
}
