//! Ingest benchmark (not a test): session summaries per second sustained by a real server over
//! HTTP on loopback, in batches of 50, with p50/p99 request latency, next to a bare batched
//! insert of the same rows by the same database in the same run.
//!
//! Why this shape: the interesting cost of ingest is what it adds on top of writing the rows
//! (authentication, strict parsing and validation, idempotency lookups, rollup upserts, row-level
//! security), so the baseline is the database's own multi-row INSERT of identical rows (the run's
//! own org, user, device and team ids, the same summary JSON), in transactions of one batch, by as
//! many concurrent writers. The uploading user is in a team, so every batch moves both rollups.
//! Two baselines are run and printed:
//! - `shaped`: a table made like `sessions` (its key, its `sessions_recent` index and, on
//!   PostgreSQL, its hash partitions by user), so the ratio is what the server adds on top of
//!   storing these rows where they must go;
//! - `plain`: an unpartitioned table with the same columns and key only, so the cost of the
//!   table's own shape (partitions and the index the home page reads) is visible too.
//!
//! `prompt1-ingest-bench [--backend sqlite|postgres] [--pg postgres://postgres@127.0.0.1:5432]
//! [--batches 200] [--clients 2] [--days 2] [--revise] [--warmup 10]`. PostgreSQL runs use a
//! fresh database, dropped at the end.

use anyhow::{bail, Context};
use clap::Parser;
use prompt1_server::config::{Config, Secret};
use prompt1_server::{auth, orgs, policy};
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
    /// Untimed batches per device before the run (then ANALYZE; see `run`).
    #[arg(long, default_value_t = 10)]
    warmup: usize,
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

/// The upload body of the batch of sessions `first..first + 50`, at `revision`.
fn batch_body(first: u64, days: i64, revision: u32) -> anyhow::Result<Vec<u8>> {
    let sessions = (first..first + MAX_BATCH as u64)
        .map(|n| SessionSummary {
            revision,
            ..summary(n, days)
        })
        .collect();
    Ok(serde_json::to_vec(&UploadBatch { sessions })?)
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

const PLAIN_TABLE: &str = "CREATE TABLE bench_plain (
    org_id TEXT NOT NULL, user_id TEXT NOT NULL, device_id TEXT NOT NULL, session_key BYTEA NOT NULL,
    team_id TEXT, revision BIGINT NOT NULL, is_final BOOLEAN NOT NULL, started_minute BIGINT NOT NULL,
    schema_version BIGINT NOT NULL, summary TEXT NOT NULL, received_at BIGINT NOT NULL,
    PRIMARY KEY (org_id, user_id, device_id, session_key))";

/// The bare multi-row insert, with the server's placeholders (the cheapest each backend binds).
fn bare_insert_sql(table: &str, rows: usize, numbered: bool) -> String {
    format!(
        "INSERT INTO {table} VALUES {}",
        prompt1_server::ingest::values_list(rows, 11, numbered)
    )
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
    // The uploader is in a team, as most are: each batch then moves both rollups.
    let caller = policy::Caller::of(&user)?;
    let admin = policy::admin(&caller)?;
    let team = orgs::create_team(&state, &admin, "Bench").await?;
    let me = policy::member_labels(&state, &caller, &user.user_id).await?;
    let manage_me = policy::manage_member(&caller, me.as_ref())?;
    orgs::set_team(&state, &manage_me, Some(&team.team_id)).await?;
    let own = policy::own_data(&caller);
    let mut tokens = Vec::new();
    for _ in 0..args.clients {
        let code = orgs::start_device_login(&state).await?;
        orgs::decide_device_login(&state, &own, &code.user_code, true).await?;
        tokens.push(
            orgs::poll_device_login(&state, &code.device_code)
                .await?
                .device_token,
        );
    }
    let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
    let server_task = tokio::spawn(prompt1_server::serve(listener, state.clone(), async {
        let _ = stop_rx.await;
    }));

    // Warm-up (untimed): each device uploads `--warmup` batches of other sessions, then the tables
    // are analyzed, as autovacuum does on a live server within a minute of the first uploads. The
    // timed run then sees what a running server sees: a non-empty table with statistics. (On a
    // never-analyzed PostgreSQL table the planner guesses any `user_id =` is selective and may
    // look keys up through the smaller `sessions_recent` index, reading every row of the user.)
    let warm_tokens = tokens.clone();
    let warmup = args.warmup;
    tokio::task::spawn_blocking(move || -> anyhow::Result<()> {
        for (ci, token) in warm_tokens.iter().enumerate() {
            let mut conn = Conn::open(addr)?;
            for b in 0..warmup {
                let first = (1u64 << 40) + ((ci * warmup + b) * MAX_BATCH) as u64;
                let body = batch_body(first, 1, 1)?;
                let (status, resp) = conn.post("/api/v1/ingest", token, &body)?;
                if status != 200 {
                    bail!("HTTP {status}: {}", String::from_utf8_lossy(&resp));
                }
            }
        }
        Ok(())
    })
    .await??;
    match &state.db {
        prompt1_server::db::Db::Sqlite(p, _) => sqlx::raw_sql("ANALYZE").execute(p).await.map(|_| ())?,
        prompt1_server::db::Db::Postgres(p) => sqlx::raw_sql("ANALYZE").execute(p).await.map(|_| ())?,
    }

    // Server ingest over HTTP. Each client's request bodies are built before the clock starts
    // (as the bare insert's rows are) and the answers are read after it stops, so the figure is
    // the server's work, not the benchmark client's JSON encoding on the same two cores.
    let per_client = args.batches.div_ceil(args.clients);
    let mut client_bodies: Vec<Vec<Vec<u8>>> = Vec::new();
    for ci in 0..args.clients {
        let mut bodies = Vec::with_capacity(per_client * 2);
        for b in 0..per_client {
            let first = ((ci * per_client + b) * MAX_BATCH) as u64;
            for revision in 1..=(if args.revise { 2 } else { 1 }) {
                bodies.push(batch_body(first, args.days, revision)?);
            }
        }
        client_bodies.push(bodies);
    }
    let cpu_before = cpu_use(&state.db).await?;
    let started = Instant::now();
    let mut handles = Vec::new();
    for (token, bodies) in tokens.into_iter().zip(client_bodies) {
        handles.push(std::thread::spawn(
            move || -> anyhow::Result<(Vec<Duration>, Vec<Vec<u8>>)> {
                let mut conn = Conn::open(addr)?;
                let mut lat = Vec::with_capacity(bodies.len());
                let mut answers = Vec::with_capacity(bodies.len());
                for body in &bodies {
                    let t = Instant::now();
                    let (status, resp) = conn.post("/api/v1/ingest", &token, body)?;
                    lat.push(t.elapsed());
                    if status != 200 {
                        bail!("HTTP {status}: {}", String::from_utf8_lossy(&resp));
                    }
                    answers.push(resp);
                }
                Ok((lat, answers))
            },
        ));
    }
    let mut lat = Vec::new();
    let mut answers = Vec::new();
    for h in handles {
        let (l, a) = h
            .join()
            .map_err(|_| anyhow::anyhow!("client thread panicked"))??;
        lat.extend(l);
        answers.extend(a);
    }
    let server = Phase {
        elapsed: started.elapsed(),
        cpu: cpu_use(&state.db).await? - cpu_before,
    };
    let mut stored = 0;
    for resp in &answers {
        let ack: UploadAck = serde_json::from_slice(resp)?;
        stored += ack
            .results
            .iter()
            .filter(|r| r.status == UploadStatus::Stored)
            .count();
    }
    lat.sort();
    let sent = per_client * args.clients * MAX_BATCH * if args.revise { 2 } else { 1 };
    if stored != sent {
        bail!("stored {stored} of {sent}");
    }

    // Bare batched inserts of the same rows (the run's own org, user, device and team ids, the
    // same summaries), same database, same concurrency: one device per writer, as per client.
    // With --revise the baselines insert as many rows as the server received summaries.
    let owners: Vec<RowOwner> = orgs::list_devices(&state, &own)
        .await?
        .into_iter()
        .map(|d| RowOwner {
            org_id: caller.org().to_string(),
            user_id: user.user_id.to_string(),
            device_id: d.device_id.to_string(),
            team_id: Some(team.team_id.to_string()),
        })
        .collect();
    let bodies: Vec<BareRow> = (0..sent as u64)
        .map(|n| {
            let s = summary(n, args.days);
            BareRow {
                json: serde_json::to_string(&s).unwrap_or_default(),
                summary: s,
            }
        })
        .collect();
    // (The server stays up but idle: stopping it closes the shared pool.)
    let shaped = bare_insert(&state, Baseline::Shaped, &bodies, &owners).await?;
    let plain = bare_insert(&state, Baseline::Plain, &bodies, &owners).await?;
    let _ = stop_tx.send(());
    let _ = server_task.await;

    let batches = sent.div_ceil(MAX_BATCH);
    println!(
        "backend: {}  clients: {}  batches: {batches}  sessions: {sent}  days: {}",
        args.backend, args.clients, args.days
    );
    println!(
        "{:<28}{:>9}  {:>26}",
        "", "sessions/s", "CPU ms per batch (process + PostgreSQL)"
    );
    for (name, phase) in [
        ("server ingest", &server),
        ("bare insert, shaped table", &shaped),
        ("bare insert, plain table", &plain),
    ] {
        println!(
            "{name:<28}{:>9.0}  {:>10.2} + {:.2}",
            sent as f64 / phase.elapsed.as_secs_f64(),
            phase.cpu.process.as_secs_f64() * 1e3 / batches as f64,
            phase.cpu.database.as_secs_f64() * 1e3 / batches as f64,
        );
    }
    println!(
        "server batch latency: p50 {:.1} ms, p99 {:.1} ms",
        percentile(&lat, 0.50).as_secs_f64() * 1e3,
        percentile(&lat, 0.99).as_secs_f64() * 1e3
    );
    let ratio = |bare: &Phase| bare.elapsed.as_secs_f64() / server.elapsed.as_secs_f64();
    println!(
        "ratio server/bare: {:.2} (shaped), {:.2} (plain)",
        ratio(&shaped),
        ratio(&plain)
    );
    Ok(())
}

/// One timed part of the run.
struct Phase {
    elapsed: Duration,
    cpu: CpuUse,
}

/// CPU time spent so far by this process (the server, the bare writers, the benchmark's HTTP
/// clients and, on SQLite, the database itself) and by the PostgreSQL backends of this run's
/// database. CPU per batch is a steadier figure than a rate on a shared, noisy machine.
#[derive(Clone, Copy)]
struct CpuUse {
    process: Duration,
    database: Duration,
}

impl std::ops::Sub for CpuUse {
    type Output = Self;
    fn sub(self, earlier: Self) -> Self {
        Self {
            process: self.process.saturating_sub(earlier.process),
            database: self.database.saturating_sub(earlier.database),
        }
    }
}

/// User plus system CPU time of a process, from `/proc/PID/stat` (fields 14 and 15, in USER_HZ
/// ticks, which Linux fixes at 100 for this interface). PostgreSQL must run on this machine.
fn process_cpu(pid: &str) -> anyhow::Result<Duration> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat"))?;
    // The command name (field 2) may hold spaces; the fields after it may not.
    let after_name = stat.rsplit_once(')').map(|(_, rest)| rest).unwrap_or_default();
    let fields: Vec<&str> = after_name.split_whitespace().collect();
    let ticks = |i: usize| -> anyhow::Result<u64> { Ok(fields.get(i).context("short /proc stat")?.parse()?) };
    Ok(Duration::from_millis((ticks(11)? + ticks(12)?) * 10))
}

async fn cpu_use(db: &prompt1_server::db::Db) -> anyhow::Result<CpuUse> {
    use prompt1_server::db::Db;
    let mut database = Duration::ZERO;
    if let Db::Postgres(p) = db {
        let pids: Vec<i32> =
            sqlx::query_scalar("SELECT pid FROM pg_stat_activity WHERE datname = current_database()")
                .fetch_all(p)
                .await?;
        for pid in pids {
            // A backend that has just exited has nothing left to count.
            database += process_cpu(&pid.to_string()).unwrap_or_default();
        }
    }
    Ok(CpuUse {
        process: process_cpu("self")?,
        database,
    })
}

/// The two baseline tables (see the module docs).
#[derive(Clone, Copy)]
enum Baseline {
    Shaped,
    Plain,
}

impl Baseline {
    fn table(self) -> &'static str {
        match self {
            Self::Shaped => "bench_shaped",
            Self::Plain => "bench_plain",
        }
    }

    /// Creates the table. The shaped one is derived from the live `sessions` table, so it follows
    /// the schema: on SQLite from its stored DDL (table and indexes), on PostgreSQL with `LIKE`
    /// (key and indexes) plus the same hash partitions.
    async fn create(self, db: &prompt1_server::db::Db) -> anyhow::Result<()> {
        use prompt1_server::db::Db;
        let plain = PLAIN_TABLE.replace("bench_plain", self.table());
        match (self, db) {
            (Self::Plain, Db::Sqlite(p, _)) => {
                sqlx::raw_sql(&plain.replace("BYTEA", "BLOB")).execute(p).await?;
            }
            (Self::Plain, Db::Postgres(p)) => {
                sqlx::raw_sql(&plain).execute(p).await?;
            }
            (Self::Shaped, Db::Sqlite(p, _)) => {
                let ddl: Vec<String> = sqlx::query_scalar(
                    "SELECT sql FROM sqlite_master WHERE tbl_name = 'sessions' AND sql IS NOT NULL \
                     ORDER BY type DESC",
                )
                .fetch_all(p)
                .await?;
                for sql in ddl {
                    let sql = sql
                        .replace("sessions_recent", "bench_shaped_recent")
                        .replace(" sessions ", " bench_shaped ")
                        .replace(" sessions(", " bench_shaped(");
                    sqlx::raw_sql(&sql).execute(p).await?;
                }
            }
            (Self::Shaped, Db::Postgres(p)) => {
                let mut sql = String::from(
                    "CREATE TABLE bench_shaped (LIKE sessions INCLUDING ALL) PARTITION BY HASH (user_id);",
                );
                for i in 0..prompt1_server::schema::SESSION_PARTITIONS {
                    sql.push_str(&format!(
                        "CREATE TABLE bench_shaped_p{i} PARTITION OF bench_shaped \
                         FOR VALUES WITH (MODULUS {}, REMAINDER {i});",
                        prompt1_server::schema::SESSION_PARTITIONS
                    ));
                }
                sqlx::raw_sql(&sql).execute(p).await?;
            }
        }
        Ok(())
    }
}

/// Whose a bare row is: one per writer.
#[derive(Clone)]
struct RowOwner {
    org_id: String,
    user_id: String,
    device_id: String,
    team_id: Option<String>,
}

/// A bare row's summary and its JSON text, as the server stores them.
#[derive(Clone)]
struct BareRow {
    summary: SessionSummary,
    json: String,
}

async fn bare_insert(
    state: &prompt1_server::AppState,
    baseline: Baseline,
    rows: &[BareRow],
    owners: &[RowOwner],
) -> anyhow::Result<Phase> {
    use prompt1_server::db::Db;
    baseline.create(&state.db).await?;
    let numbered = matches!(state.db, Db::Postgres(_));
    let sql = bare_insert_sql(baseline.table(), MAX_BATCH, numbered);
    let cpu_before = cpu_use(&state.db).await?;
    let chunks: Vec<Vec<BareRow>> = rows.chunks(MAX_BATCH).map(<[_]>::to_vec).collect();
    let per = chunks.len().div_ceil(owners.len().max(1));
    let started = Instant::now();
    let mut tasks = tokio::task::JoinSet::new();
    for (part, owner) in chunks.chunks(per).map(<[_]>::to_vec).zip(owners.iter().cloned()) {
        let (db, sql) = (state.db.clone(), sql.clone());
        tasks.spawn(async move {
            for chunk in part {
                macro_rules! go {
                    ($pool:expr) => {{
                        let mut tx = $pool.begin().await?;
                        let mut q = sqlx::query(&sql);
                        let received_at = prompt1_server::clock::system_now();
                        for BareRow { summary: s, json } in &chunk {
                            q = q
                                .bind(owner.org_id.as_str())
                                .bind(owner.user_id.as_str())
                                .bind(owner.device_id.as_str())
                                .bind(s.session_key.0.to_vec())
                                .bind(owner.team_id.as_deref())
                                .bind(i64::from(s.revision))
                                .bind(s.is_final)
                                .bind(s.started_minute)
                                .bind(i64::from(s.schema))
                                .bind(json.as_str())
                                .bind(received_at);
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
    let elapsed = started.elapsed();
    Ok(Phase {
        elapsed,
        cpu: cpu_use(&state.db).await? - cpu_before,
    })
}
