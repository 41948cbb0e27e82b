//! Ingest benchmark (not a test): session summaries per second sustained by a real server over
//! HTTP on loopback, in batches of 50, with p50/p99 request latency, next to a bare batched
//! insert of the same rows by the same database in the same run.
//!
//! Why this shape: the interesting cost of ingest is what it adds on top of writing the rows
//! (authentication, strict parsing and validation, idempotency lookups, rollup upserts, row-level
//! security), so the baseline is the database's own multi-row INSERT of identical rows into a
//! plain table with the same columns and key.
//!
//! `prompt1-ingest-bench [--backend sqlite|postgres] [--pg postgres://postgres@127.0.0.1:5432]
//! [--batches 200] [--clients 2] [--days 2]`. PostgreSQL runs use a fresh database, dropped at the end.

use anyhow::{bail, Context};
use clap::Parser;
use prompt1_server::config::{Config, Secret};
use prompt1_server::{auth, orgs};
use prompt1_wire::upload::{UploadAck, UploadBatch, UploadStatus, MAX_BATCH};
use prompt1_wire::{
    ClientVersion, EditDecisions, EndReason, ModelId, ModelTokens, PermissionModeCounts, SessionKey,
    SessionSummary, ToolCounts, SCHEMA_V1,
};
use sqlx::Connection;
use std::io::{BufRead, BufReader, Read, Write};
use std::time::{Duration, Instant};

#[derive(Debug, Parser)]
#[command(about = "Ingest throughput of prompt1-server versus a bare batched insert")]
struct Args {
    /// sqlite or postgres.
    #[arg(long, default_value = "sqlite")]
    backend: String,
    /// PostgreSQL server (a fresh database is created on it and dropped afterwards).
    #[arg(
        long,
        env = "PROMPT1_TEST_PG",
        default_value = "postgres://postgres@127.0.0.1:5432"
    )]
    pg: String,
    /// Batches of 50 to upload in total.
    #[arg(long, default_value_t = 200)]
    batches: usize,
    /// Concurrent uploading clients (each on its own keep-alive connection and device).
    #[arg(long, default_value_t = 2)]
    clients: usize,
    /// Days the sessions of the run start on (a sync batch usually covers a day or two; more days
    /// means more rollup rows per batch).
    #[arg(long, default_value_t = 2)]
    days: i64,
    /// Upload each batch again right after, at revision 2 (half the uploads are then later
    /// revisions of stored sessions, as when open sessions are synced repeatedly).
    #[arg(long)]
    revise: bool,
}

fn summary(n: u64, days: i64) -> SessionSummary {
    let mut key = [0u8; 16];
    key[..8].copy_from_slice(&n.to_le_bytes());
    key[8] = 0xb7;
    let prompts = (n % 23) as u32 + 1;
    SessionSummary {
        schema: SCHEMA_V1,
        session_key: SessionKey(key),
        revision: 1,
        is_final: true,
        end_reason: EndReason::PromptInputExit,
        started_minute: 29_500_000 + (n as i64 % days.max(1)) * 1440,
        active_s: prompts * 45,
        interactive: true,
        prompts,
        follow_ups: prompts / 4,
        clarity_sum: (prompts - prompts / 4) * 60,
        clarity_scored: prompts - prompts / 4,
        file_refs: prompts,
        prompts_with_file_refs: prompts / 2,
        tools: ToolCounts {
            edit: 3,
            read: 7,
            search: 2,
            shell: 4,
            ..ToolCounts::default()
        },
        tool_failures: 1,
        subagents: 0,
        compactions: 0,
        test_runs: 2,
        lint_runs: 1,
        build_runs: 1,
        edit_batches: 2,
        verified_batches: 1,
        edits: EditDecisions {
            user_accepted: 2,
            user_rejected: 1,
            auto_allowed: 1,
            auto_denied: 0,
        },
        permission_modes: PermissionModeCounts {
            default: prompts,
            ..PermissionModeCounts::default()
        },
        claude_md_project: true,
        claude_md_user: true,
        tokens: vec![
            ModelTokens {
                model: ModelId::Sonnet4_5,
                input: 1200,
                output: 800,
                cache_creation: 3000,
                cache_read: 90_000,
            },
            ModelTokens {
                model: ModelId::Haiku4_5,
                input: 300,
                output: 100,
                cache_creation: 0,
                cache_read: 2000,
            },
        ],
        client_version: ClientVersion {
            major: 0,
            minor: 1,
            patch: 0,
        },
    }
}

/// One keep-alive HTTP/1.1 connection (a tiny client keeps the benchmark's own cost visible and small).
struct Conn {
    reader: BufReader<std::net::TcpStream>,
    writer: std::net::TcpStream,
}

impl Conn {
    fn open(addr: std::net::SocketAddr) -> anyhow::Result<Self> {
        let s = std::net::TcpStream::connect(addr)?;
        s.set_nodelay(true)?;
        Ok(Self {
            reader: BufReader::new(s.try_clone()?),
            writer: s,
        })
    }

    fn post(&mut self, path: &str, token: &str, body: &[u8]) -> anyhow::Result<(u16, Vec<u8>)> {
        let head = format!(
            "POST {path} HTTP/1.1\r\nHost: bench\r\nAuthorization: Bearer {token}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n",
            body.len()
        );
        self.writer.write_all(head.as_bytes())?;
        self.writer.write_all(body)?;
        let mut line = String::new();
        self.reader.read_line(&mut line)?;
        let status: u16 = line
            .split(' ')
            .nth(1)
            .and_then(|s| s.parse().ok())
            .context("bad status line")?;
        let mut len = 0usize;
        loop {
            line.clear();
            self.reader.read_line(&mut line)?;
            let l = line.trim_end();
            if l.is_empty() {
                break;
            }
            if let Some((k, v)) = l.split_once(':') {
                if k.eq_ignore_ascii_case("content-length") {
                    len = v.trim().parse()?;
                }
            }
        }
        let mut buf = vec![0u8; len];
        self.reader.read_exact(&mut buf)?;
        Ok((status, buf))
    }
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

const BARE_TABLE: &str = "CREATE TABLE bench_bare (
    org_id TEXT NOT NULL, user_id TEXT NOT NULL, device_id TEXT NOT NULL, session_key BYTEA NOT NULL,
    team_id TEXT, revision BIGINT NOT NULL, is_final BOOLEAN NOT NULL, started_minute BIGINT NOT NULL,
    schema_version BIGINT NOT NULL, summary TEXT NOT NULL, received_at BIGINT NOT NULL,
    PRIMARY KEY (org_id, user_id, device_id, session_key))";

fn bare_insert_sql(rows: usize) -> String {
    let mut sql = String::from("INSERT INTO bench_bare VALUES ");
    for r in 0..rows {
        let p: Vec<String> = (1..=11).map(|c| format!("${}", r * 11 + c)).collect();
        sql.push_str(&format!("{}({})", if r > 0 { ", " } else { "" }, p.join(", ")));
    }
    sql
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let dir = tempfile_dir()?;
    let (db_url, pg_name) = match args.backend.as_str() {
        "sqlite" => (None, None),
        "postgres" => {
            let base = args.pg.trim_end_matches('/').to_owned();
            let mut b = [0u8; 6];
            auth::fill_random(&mut b);
            let name = format!("prompt1_bench_{}", hex::encode(b));
            let mut c = sqlx::PgConnection::connect(&format!("{base}/postgres")).await?;
            sqlx::raw_sql(&format!("CREATE DATABASE {name}"))
                .execute(&mut c)
                .await?;
            (Some(format!("{base}/{name}")), Some((base, name)))
        }
        other => bail!("unknown backend {other}"),
    };
    let result = run(&args, &dir, db_url.clone()).await;
    if let Some((base, name)) = pg_name {
        let mut c = sqlx::PgConnection::connect(&format!("{base}/postgres")).await?;
        sqlx::raw_sql(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
            .execute(&mut c)
            .await?;
    }
    let _ = std::fs::remove_dir_all(&dir);
    result
}

fn tempfile_dir() -> anyhow::Result<std::path::PathBuf> {
    let mut b = [0u8; 6];
    auth::fill_random(&mut b);
    let d = std::env::temp_dir().join(format!("prompt1-bench-{}", hex::encode(b)));
    std::fs::create_dir_all(&d)?;
    Ok(d)
}

async fn run(args: &Args, dir: &std::path::Path, db_url: Option<String>) -> anyhow::Result<()> {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    let cfg = Config {
        listen: addr,
        data_dir: Some(dir.to_path_buf()),
        database_url: db_url.map(Secret),
        ..Config::default()
    };
    let state = prompt1_server::build_state(cfg).await?;
    let pair = orgs::create_org_with_admin(&state, "Bench", "bench@bench.test", "bench password").await?;
    let user = auth::load_user(&state, &state.keys.verify_access(&pair.access_token)?).await?;
    let mut tokens = Vec::new();
    for _ in 0..args.clients {
        let code = orgs::start_device_login(&state).await?;
        orgs::decide_device_login(&state, &user, &code.user_code, true).await?;
        tokens.push(
            orgs::poll_device_login(&state, &code.device_code)
                .await?
                .device_token,
        );
    }
    let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(prompt1_server::serve(listener, state.clone(), async {
        let _ = stop_rx.await;
    }));

    // Server ingest over HTTP.
    let per_client = args.batches.div_ceil(args.clients);
    let started = Instant::now();
    let mut handles = Vec::new();
    for (ci, token) in tokens.into_iter().enumerate() {
        let (days, revise) = (args.days, args.revise);
        handles.push(std::thread::spawn(
            move || -> anyhow::Result<(Vec<Duration>, usize)> {
                let mut conn = Conn::open(addr)?;
                let mut lat = Vec::with_capacity(per_client);
                let mut stored = 0usize;
                for b in 0..per_client {
                    let first = ((ci * per_client + b) * MAX_BATCH) as u64;
                    for revision in 1..=(if revise { 2 } else { 1 }) {
                        let sessions = (first..first + MAX_BATCH as u64)
                            .map(|n| SessionSummary {
                                revision,
                                ..summary(n, days)
                            })
                            .collect();
                        let body = serde_json::to_vec(&UploadBatch { sessions })?;
                        let t = Instant::now();
                        let (status, resp) = conn.post("/api/v1/ingest", &token, &body)?;
                        lat.push(t.elapsed());
                        if status != 200 {
                            bail!("HTTP {status}: {}", String::from_utf8_lossy(&resp));
                        }
                        let ack: UploadAck = serde_json::from_slice(&resp)?;
                        stored += ack
                            .results
                            .iter()
                            .filter(|r| r.status == UploadStatus::Stored)
                            .count();
                    }
                }
                Ok((lat, stored))
            },
        ));
    }
    let mut lat = Vec::new();
    let mut stored = 0;
    for h in handles {
        let (l, s) = h
            .join()
            .map_err(|_| anyhow::anyhow!("client thread panicked"))??;
        lat.extend(l);
        stored += s;
    }
    let server_elapsed = started.elapsed();
    lat.sort();
    let sent = per_client * args.clients * MAX_BATCH * if args.revise { 2 } else { 1 };
    if stored != sent {
        bail!("stored {stored} of {sent}");
    }

    // Bare batched insert of the same rows, same database, same concurrency.
    // With --revise the baseline inserts as many rows as the server received summaries.
    let bodies: Vec<(Vec<u8>, String)> = (0..sent as u64)
        .map(|n| {
            let s = summary(n, args.days);
            (
                s.session_key.0.to_vec(),
                serde_json::to_string(&s).unwrap_or_default(),
            )
        })
        .collect();
    // (The server stays up but idle: stopping it closes the shared pool.)
    let bare_elapsed = bare_insert(&state, &bodies, args.clients).await?;
    let _ = stop_tx.send(());
    let _ = server.await;

    let srv_rate = sent as f64 / server_elapsed.as_secs_f64();
    let bare_rate = sent as f64 / bare_elapsed.as_secs_f64();
    println!(
        "backend: {}  clients: {}  batches: {}  sessions: {sent}  days: {}",
        args.backend,
        args.clients,
        per_client * args.clients,
        args.days
    );
    println!(
        "server ingest: {srv_rate:.0} sessions/s  (batch latency p50 {:.1} ms, p99 {:.1} ms)",
        percentile(&lat, 0.50).as_secs_f64() * 1e3,
        percentile(&lat, 0.99).as_secs_f64() * 1e3
    );
    println!("bare insert:   {bare_rate:.0} sessions/s");
    println!("ratio server/bare: {:.2}", srv_rate / bare_rate);
    Ok(())
}

async fn bare_insert(
    state: &prompt1_server::AppState,
    rows: &[(Vec<u8>, String)],
    clients: usize,
) -> anyhow::Result<Duration> {
    use prompt1_server::db::Db;
    let sql = bare_insert_sql(MAX_BATCH);
    match &state.db {
        Db::Sqlite(p, _) => {
            sqlx::raw_sql(&BARE_TABLE.replace("BYTEA", "BLOB"))
                .execute(p)
                .await?;
        }
        Db::Postgres(p) => {
            sqlx::raw_sql(BARE_TABLE).execute(p).await?;
        }
    }
    let chunks: Vec<Vec<(Vec<u8>, String)>> = rows.chunks(MAX_BATCH).map(<[_]>::to_vec).collect();
    let per = chunks.len().div_ceil(clients);
    let started = Instant::now();
    let mut tasks = tokio::task::JoinSet::new();
    for part in chunks.chunks(per).map(<[_]>::to_vec) {
        let (db, sql) = (state.db.clone(), sql.clone());
        tasks.spawn(async move {
            for chunk in part {
                macro_rules! go {
                    ($pool:expr) => {{
                        let mut tx = $pool.begin().await?;
                        let mut q = sqlx::query(&sql);
                        for (key, body) in &chunk {
                            q = q
                                .bind("org")
                                .bind("user")
                                .bind("device")
                                .bind(key.clone())
                                .bind(Some("team"))
                                .bind(1i64)
                                .bind(true)
                                .bind(29_500_000i64)
                                .bind(1i64)
                                .bind(body.as_str())
                                .bind(0i64);
                        }
                        q.execute(&mut *tx).await?;
                        tx.commit().await?;
                    }};
                }
                match &db {
                    // The bare baseline gets the same single-writer queue as the server (SQLite's
                    // best case for concurrent writers), so the comparison is like for like.
                    Db::Sqlite(p, lock) => {
                        let _writer = lock.lock().await;
                        go!(p)
                    }
                    Db::Postgres(p) => go!(p),
                }
            }
            Ok::<(), sqlx::Error>(())
        });
    }
    while let Some(r) = tasks.join_next().await {
        r??;
    }
    Ok(started.elapsed())
}
