//! Dashboard benchmark (not a test): server time, p50 and p99, of the pages and JSON views a
//! developer, a manager and an admin open, on an organization of 1,000 developers with a year of
//! sessions, on SQLite or PostgreSQL.
//!
//! Why this shape: what people wait for is the server's answer to one request on a realistic
//! database, so the organization is seeded through the production paths (teams by an admin,
//! devices through device login, sessions uploaded to `POST /api/v1/ingest` in batches of 50, so
//! every rollup is built as in production), then each request is sent to the axum application
//! in-process (`tower::ServiceExt::oneshot`: routing, extractors, policy, queries, rendering and
//! serialisation, no network) one at a time, and timed until its body is complete. Summaries are
//! generated directly from a seeded generator (not from transcripts as the demo does): a year of a
//! thousand developers is half a million sessions.
//!
//! A route that this branch does not serve yet (its answer is the 404 of the router's fallback) is
//! measured through the view function its handler would call, from the same bearer token
//! (verification, policy, data access, JSON encoding), and labelled so; a page that does not
//! exist at all is reported as missing.
//!
//! `prompt1-dashboard-bench [--backend sqlite|postgres] [--pg postgres://postgres@127.0.0.1:5432]
//! [--developers 1000] [--days 365] [--team-size 10] [--samples 300] [--warmup 30]`. PostgreSQL
//! runs use a fresh database, dropped at the end; SQLite runs a fresh file in a temporary folder.

use anyhow::{bail, Context};
use axum::body::Body;
use axum::http::{header, Method, Request, StatusCode};
use axum::Router;
use clap::Parser;
use prompt1_server::auth::{Role, ACCESS_COOKIE};
use prompt1_server::config::{Config, Secret};
use prompt1_server::demo::seed;
use prompt1_server::demo::transcripts::Rng;
use prompt1_server::ids::{TeamId, UserId};
use prompt1_server::{me, orgs, policy, team_overview, AppState};
use prompt1_wire::{
    ClientVersion, EditDecisions, EndReason, ModelId, ModelTokens, PermissionModeCounts, SessionKey,
    SessionSummary, ToolCounts, SCHEMA_V1,
};
use sqlx::Connection;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tower::ServiceExt;

#[derive(Debug, Parser)]
#[command(about = "Server time of the developer and team pages and views on a large organization")]
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
    /// Developers in the organization (the admin is one more).
    #[arg(long, default_value_t = 1000)]
    developers: usize,
    /// Days of sessions, ending today.
    #[arg(long, default_value_t = 365)]
    days: i64,
    /// Developers per team (the first of each team is its manager).
    #[arg(long, default_value_t = 10)]
    team_size: usize,
    /// Timed requests per endpoint.
    #[arg(long, default_value_t = 300)]
    samples: usize,
    /// Untimed requests per endpoint first.
    #[arg(long, default_value_t = 30)]
    warmup: usize,
    /// Developers seeded at once.
    #[arg(long, default_value_t = 4)]
    concurrency: usize,
    /// Generator seed.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// SQLite only: seed into this (new, empty) folder and keep the database afterwards, to
    /// inspect query plans with `sqlite3 DIR/prompt1.db`.
    #[arg(long, value_name = "DIR")]
    keep_sqlite: Option<std::path::PathBuf>,
}

/// The password every seeded account shares (hashed once).
const PASSWORD: &str = "bench password 1";

/// One developer's habits, drawn once: sessions per working day, clarity, verification, modes.
struct Style {
    sessions: (u64, u64),
    clarity: u64,
    verify: f64,
    file_refs: f64,
    bypass: f64,
    claude_md_from: i64,
}

fn style(rng: &mut Rng, days: i64) -> Style {
    Style {
        sessions: (rng.range(0, 1), rng.range(2, 4)),
        clarity: rng.range(25, 85),
        verify: rng.range(0, 100) as f64 / 100.0,
        file_refs: rng.range(10, 90) as f64 / 100.0,
        bypass: if rng.chance(0.15) { 0.8 } else { 0.02 },
        claude_md_from: if rng.chance(0.5) {
            rng.range(0, days as u64) as i64
        } else {
            i64::MAX
        },
    }
}

const MODELS: [ModelId; 3] = [ModelId::Sonnet4_5, ModelId::Opus4_5, ModelId::Haiku4_5];

/// A year (or `days`) of one developer's session summaries, ending today.
fn sessions(rng: &mut Rng, who: u32, days: i64, today: i64) -> Vec<SessionSummary> {
    let st = style(rng, days);
    let mut out = Vec::new();
    let mut serial: u64 = 0;
    for i in 0..days {
        let day = today - (days - 1) + i;
        let weekend = matches!(day.rem_euclid(7), 2 | 3);
        let n = if weekend {
            u64::from(rng.chance(0.08))
        } else {
            rng.range(st.sessions.0, st.sessions.1)
        };
        for _ in 0..n {
            serial += 1;
            let mut key = [0u8; 16];
            key[..4].copy_from_slice(&who.to_le_bytes());
            key[4..12].copy_from_slice(&serial.to_le_bytes());
            key[12..].copy_from_slice(b"dash");
            let prompts = rng.range(2, 14) as u32;
            let follow_ups = rng.range(0, u64::from(prompts / 3)) as u32;
            let scored = prompts - follow_ups;
            let with_refs = (0..scored).filter(|_| rng.chance(st.file_refs)).count() as u32;
            let batches = rng.range(0, u64::from(prompts)) as u32;
            let verified = (0..batches).filter(|_| rng.chance(st.verify)).count() as u32;
            let edits = batches * rng.range(1, 3) as u32;
            let bypass = rng.chance(st.bypass);
            let rejected = if bypass {
                0
            } else {
                rng.range(0, u64::from(edits / 4)) as u32
            };
            let model = MODELS[rng.below(3) as usize];
            out.push(SessionSummary {
                schema: SCHEMA_V1,
                session_key: SessionKey(key),
                revision: 1,
                is_final: true,
                end_reason: EndReason::PromptInputExit,
                started_minute: day * 1440 + rng.range(7 * 60, 19 * 60) as i64,
                active_s: prompts * rng.range(30, 240) as u32,
                interactive: !rng.chance(0.05),
                prompts,
                follow_ups,
                clarity_sum: scored * (st.clarity as u32 + rng.range(0, 10) as u32).min(100),
                clarity_scored: scored,
                file_refs: with_refs + rng.range(0, u64::from(with_refs)) as u32,
                prompts_with_file_refs: with_refs,
                tools: ToolCounts {
                    edit: edits,
                    read: rng.range(1, 20) as u32,
                    search: rng.range(0, 8) as u32,
                    shell: verified + rng.range(0, 5) as u32,
                    ..ToolCounts::default()
                },
                tool_failures: rng.range(0, 2) as u32,
                subagents: rng.range(0, 1) as u32,
                compactions: 0,
                test_runs: verified + rng.range(0, 2) as u32,
                lint_runs: rng.range(0, 2) as u32,
                build_runs: rng.range(0, 2) as u32,
                edit_batches: batches,
                verified_batches: verified,
                edits: if bypass {
                    EditDecisions {
                        auto_allowed: edits,
                        ..EditDecisions::default()
                    }
                } else {
                    EditDecisions {
                        user_accepted: edits - rejected,
                        user_rejected: rejected,
                        ..EditDecisions::default()
                    }
                },
                permission_modes: if bypass {
                    PermissionModeCounts {
                        bypass_permissions: prompts,
                        ..PermissionModeCounts::default()
                    }
                } else {
                    PermissionModeCounts {
                        default: prompts,
                        ..PermissionModeCounts::default()
                    }
                },
                claude_md_project: i >= st.claude_md_from,
                claude_md_user: false,
                tokens: vec![ModelTokens {
                    model,
                    input: rng.range(100, 5_000),
                    output: rng.range(1_000, 40_000),
                    cache_creation: rng.range(5_000, 60_000),
                    cache_read: rng.range(50_000, 900_000),
                }],
                client_version: ClientVersion {
                    major: 0,
                    minor: 1,
                    patch: 0,
                },
            });
        }
    }
    out
}

/// A member of the seeded organization.
#[derive(Clone)]
struct Dev {
    user: UserId,
    team: TeamId,
    role: Role,
}

/// Seeds the organization; returns its developers and the number of sessions stored.
async fn seed_org(args: &Args, state: &AppState) -> anyhow::Result<(Vec<Dev>, usize, String)> {
    let t0 = Instant::now();
    let pair = orgs::create_org_with_admin(state, "Bench", "admin@bench.test", PASSWORD).await?;
    let grant = seed::admin_grant(state, &pair.access_token).await?;
    let hash = seed::password_hash(PASSWORD).await?;
    let n_teams = args.developers.div_ceil(args.team_size.max(1));
    let mut teams = Vec::with_capacity(n_teams);
    for t in 0..n_teams {
        teams.push(
            orgs::create_team(state, &grant, &format!("Team {t:04}"))
                .await?
                .team_id,
        );
    }
    let mut devs = Vec::with_capacity(args.developers);
    for i in 0..args.developers {
        let team = teams[i / args.team_size.max(1)].clone();
        let role = if i % args.team_size.max(1) == 0 {
            Role::Manager
        } else {
            Role::Member
        };
        let user = seed::add_member(
            state,
            &grant,
            &format!("dev{i:05}@bench.test"),
            &hash,
            role,
            Some(&team),
        )
        .await?;
        devs.push(Dev { user, team, role });
    }
    let t_accounts = t0.elapsed();
    let app = prompt1_server::app(state.clone());
    let today = state.clock.today();
    let sem = Arc::new(tokio::sync::Semaphore::new(args.concurrency.max(1)));
    let mut tasks = tokio::task::JoinSet::new();
    let mut stored = 0usize;
    for (i, dev) in devs.iter().enumerate() {
        let permit = sem.clone().acquire_owned().await?;
        let (state, app, user) = (state.clone(), app.clone(), dev.user.clone());
        let (days, seed_value) = (args.days, args.seed);
        tasks.spawn(async move {
            let _permit = permit;
            let access = seed::sign_in_as(&state, &user).await?;
            let caller = seed::caller_of(&state, &access).await?;
            let device = seed::enroll_device(&state, &caller).await?;
            let mut rng = Rng::new(seed_value.wrapping_mul(1_000_003).wrapping_add(i as u64));
            let list = sessions(&mut rng, i as u32 + 1, days, today);
            seed::upload(&app, &device, &list)
                .await
                .map_err(|e| anyhow::anyhow!("{e}"))
        });
        while tasks.len() > args.concurrency * 2 {
            if let Some(r) = tasks.join_next().await {
                stored += r??;
            }
        }
    }
    while let Some(r) = tasks.join_next().await {
        stored += r??;
    }
    let total = t0.elapsed();
    let note = format!(
        "seeded {} developers in {} teams, {stored} sessions: accounts and teams {:.1} s, devices and sessions {:.1} s ({:.0} sessions/s), total {:.1} s",
        args.developers,
        n_teams,
        t_accounts.as_secs_f64(),
        (total - t_accounts).as_secs_f64(),
        stored as f64 / (total - t_accounts).as_secs_f64(),
        total.as_secs_f64()
    );
    Ok((devs, stored, note))
}

/// How a request is authenticated.
#[derive(Clone)]
enum Auth {
    Bearer(String),
    Cookie(String),
}

async fn send(app: &Router, path: &str, auth: &Auth) -> anyhow::Result<(StatusCode, usize)> {
    let mut b = Request::builder().method(Method::GET).uri(path);
    b = match auth {
        Auth::Bearer(t) => b.header(header::AUTHORIZATION, format!("Bearer {t}")),
        Auth::Cookie(t) => b.header(header::COOKIE, format!("{ACCESS_COOKIE}={t}")),
    };
    let resp = app.clone().oneshot(b.body(Body::empty())?).await?;
    let status = resp.status();
    let body = axum::body::to_bytes(resp.into_body(), usize::MAX).await?;
    Ok((status, body.len()))
}

/// What one endpoint measured.
struct Figures {
    name: String,
    how: &'static str,
    p50: Duration,
    p99: Duration,
    max: Duration,
    bytes: usize,
}

fn figures(name: &str, how: &'static str, mut t: Vec<Duration>, bytes: usize) -> Figures {
    t.sort();
    let at = |q: f64| t[((t.len() as f64 * q).ceil() as usize).clamp(1, t.len()) - 1];
    Figures {
        name: name.to_owned(),
        how,
        p50: at(0.50),
        p99: at(0.99),
        max: t[t.len() - 1],
        bytes,
    }
}

/// Times an HTTP endpoint, or (when the route is not served on this branch) `fallback`.
async fn measure<F, Fut>(
    args: &Args,
    app: &Router,
    name: &str,
    path: &str,
    auth: &Auth,
    fallback: Option<F>,
) -> anyhow::Result<Option<Figures>>
where
    F: Fn() -> Fut,
    Fut: std::future::Future<Output = anyhow::Result<usize>>,
{
    let (status, _) = send(app, path, auth).await?;
    if status == StatusCode::NOT_FOUND {
        let Some(f) = fallback else {
            return Ok(None);
        };
        for _ in 0..args.warmup {
            f().await?;
        }
        let mut t = Vec::with_capacity(args.samples);
        let mut bytes = 0;
        for _ in 0..args.samples {
            let s = Instant::now();
            bytes = f().await?;
            t.push(s.elapsed());
        }
        return Ok(Some(figures(
            name,
            "view function (route not on this branch)",
            t,
            bytes,
        )));
    }
    if status != StatusCode::OK {
        bail!("{path}: {status}");
    }
    for _ in 0..args.warmup {
        send(app, path, auth).await?;
    }
    let mut t = Vec::with_capacity(args.samples);
    let mut bytes = 0;
    for _ in 0..args.samples {
        let s = Instant::now();
        let (status, n) = send(app, path, auth).await?;
        t.push(s.elapsed());
        if status != StatusCode::OK {
            bail!("{path}: {status}");
        }
        bytes = n;
    }
    Ok(Some(figures(name, "HTTP, in-process", t, bytes)))
}

async fn run(args: &Args, state: &AppState) -> anyhow::Result<()> {
    let (devs, _, note) = seed_org(args, state).await?;
    println!("{note}");
    let app = prompt1_server::app(state.clone());
    // The developer: the second member of the first team; the manager: that team's manager.
    let dev = devs
        .iter()
        .find(|d| d.role == Role::Member)
        .context("no member")?
        .clone();
    let mgr = devs
        .iter()
        .find(|d| d.role == Role::Manager && d.team == dev.team)
        .context("no manager")?
        .clone();
    let dev_token = seed::sign_in_as(state, &dev.user).await?;
    let mgr_token = seed::sign_in_as(state, &mgr.user).await?;
    let team = dev.team.clone();
    let mut out = Vec::new();
    let none: Option<fn() -> std::future::Ready<anyhow::Result<usize>>> = None;
    out.push(
        measure(
            args,
            &app,
            "developer page `GET /`",
            "/",
            &Auth::Cookie(dev_token.clone()),
            none,
        )
        .await?,
    );
    let team_page = format!("/teams/{team}");
    let r = measure(
        args,
        &app,
        "team page `GET /teams/{id}` (manager)",
        &team_page,
        &Auth::Cookie(mgr_token.clone()),
        none,
    )
    .await?;
    if r.is_none() {
        println!("team page: no such page on this branch (GET {team_page} answers 404)");
    }
    out.push(r);
    let overview_view = || {
        let (state, token, team) = (state.clone(), mgr_token.clone(), team.clone());
        async move {
            let caller = seed::caller_of(&state, &token).await?;
            let labels = policy::team_labels(&state, &caller, &team).await?;
            let grant = policy::team_overview(&caller, labels.as_ref())?;
            let view = team_overview::read(&state, &grant).await?;
            Ok(serde_json::to_vec(&view)?.len())
        }
    };
    out.push(
        measure(
            args,
            &app,
            "team overview `GET /api/v1/teams/{id}/overview` (manager)",
            &format!("/api/v1/teams/{team}/overview"),
            &Auth::Bearer(mgr_token.clone()),
            Some(overview_view),
        )
        .await?,
    );
    let proficiency_view = || {
        let (state, token) = (state.clone(), dev_token.clone());
        async move {
            let caller = seed::caller_of(&state, &token).await?;
            let view = me::read_proficiency(&state, &policy::own_data(&caller)).await?;
            Ok(serde_json::to_vec(&view)?.len())
        }
    };
    out.push(
        measure(
            args,
            &app,
            "`GET /api/v1/me/proficiency`",
            "/api/v1/me/proficiency",
            &Auth::Bearer(dev_token.clone()),
            Some(proficiency_view),
        )
        .await?,
    );
    let coaching_view = || {
        let (state, token) = (state.clone(), dev_token.clone());
        async move {
            let caller = seed::caller_of(&state, &token).await?;
            let view = me::read_coaching(&state, &policy::own_data(&caller)).await?;
            Ok(serde_json::to_vec(&view)?.len())
        }
    };
    out.push(
        measure(
            args,
            &app,
            "`GET /api/v1/me/coaching`",
            "/api/v1/me/coaching",
            &Auth::Bearer(dev_token.clone()),
            Some(coaching_view),
        )
        .await?,
    );
    println!("\n| endpoint | measured as | p50 | p99 | max | body bytes |\n|---|---|---|---|---|---|");
    let ms = |d: Duration| format!("{:.1} ms", d.as_secs_f64() * 1e3);
    for f in out.into_iter().flatten() {
        println!(
            "| {} | {} | {} | {} | {} | {} |",
            f.name,
            f.how,
            ms(f.p50),
            ms(f.p99),
            ms(f.max),
            f.bytes
        );
    }
    Ok(())
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let dir = tempfile::tempdir()?;
    let data_dir = args
        .keep_sqlite
        .clone()
        .unwrap_or_else(|| dir.path().to_path_buf());
    let mut cfg = Config {
        listen: "127.0.0.1:0".parse()?,
        data_dir: Some(data_dir),
        retention_interval_s: 0,
        print_setup_link: false,
        jwt_secret: Some(Secret("ab".repeat(32))),
        ..Config::default()
    };
    let mut pg_db = None;
    match args.backend.as_str() {
        "sqlite" => {}
        "postgres" => {
            let base = args.pg.trim_end_matches('/').to_owned();
            let mut b = [0u8; 6];
            prompt1_server::keys::fill_random(&mut b);
            let name = format!("prompt1_dashbench_{}", hex::encode(b));
            let mut c = sqlx::PgConnection::connect(&format!("{base}/postgres"))
                .await
                .context("connecting to PostgreSQL")?;
            sqlx::raw_sql(&format!("CREATE DATABASE {name}"))
                .execute(&mut c)
                .await?;
            cfg.database_url = Some(Secret(format!("{base}/{name}")));
            pg_db = Some((c, name));
        }
        other => bail!("--backend must be sqlite or postgres, not {other}"),
    }
    println!(
        "prompt1-dashboard-bench: backend {}, {} developers, {} days",
        args.backend, args.developers, args.days
    );
    let state = prompt1_server::build_state(cfg).await?;
    let result = run(&args, &state).await;
    state.db.close().await;
    if let Some((mut c, name)) = pg_db {
        sqlx::raw_sql(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
            .execute(&mut c)
            .await?;
    }
    result
}
