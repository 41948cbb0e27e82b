//! Read-path benchmark (not a test): server time of the team overview and the developer's
//! proficiency and coaching APIs for an organization of 1,000 developers with a year of data.
//!
//! Why this shape: these views must stay fast as an organization grows, and what grows is the
//! rollup tables (a row per person and day) and one developer's own sessions (read only for the
//! CLAUDE.md insight). The organization is therefore seeded straight into the tables with SQL
//! (accounts with a placeholder password hash, memberships, `user_daily` with every counter,
//! `team_daily` and tokens by model as their sums, and a year of session summaries for the
//! measured developer), which takes seconds instead of the hours a million uploads would; the
//! requests then go through the real application (routing, authentication, policy, queries and
//! JSON) in process, so the figures are server time without the network.
//!
//! `prompt1-views-bench [--backend sqlite|postgres] [--pg URL] [--devs 1000] [--team-size 50]
//! [--days 365] [--requests 200]`. PostgreSQL runs use a fresh database, dropped at the end.

use anyhow::{bail, Context};
use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use clap::Parser;
use prompt1_server::config::{Config, Secret};
use prompt1_server::db::Db;
use prompt1_server::schema::METRICS;
use prompt1_server::{auth, orgs};
use prompt1_wire::{
    ClientVersion, EditDecisions, EndReason, ModelId, ModelTokens, PermissionModeCounts, SessionKey,
    SessionSummary, ToolCounts, SCHEMA_V1,
};
use sqlx::Connection;
use std::time::Instant;
use tower::ServiceExt;

#[derive(Debug, Parser)]
#[command(about = "Server time of prompt1-server's team and developer views on a large organization")]
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
    /// Developers in the organization.
    #[arg(long, default_value_t = 1000)]
    devs: usize,
    /// Developers per team.
    #[arg(long, default_value_t = 50)]
    team_size: usize,
    /// Days of history (each developer works 5 days of 7).
    #[arg(long, default_value_t = 365)]
    days: i64,
    /// Measured requests per endpoint (after 20 warm-up requests).
    #[arg(long, default_value_t = 200)]
    requests: usize,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let dir = std::env::temp_dir().join(format!("prompt1-views-bench-{}", auth::new_id()));
    std::fs::create_dir_all(&dir)?;
    let (db_url, pg_name) = match args.backend.as_str() {
        "sqlite" => (None, None),
        "postgres" => {
            let base = args.pg.trim_end_matches('/').to_owned();
            let name = format!("prompt1_views_{}", &auth::new_id()[..12]);
            let mut c = sqlx::PgConnection::connect(&format!("{base}/postgres")).await?;
            sqlx::raw_sql(&format!("CREATE DATABASE {name}"))
                .execute(&mut c)
                .await?;
            (Some(format!("{base}/{name}")), Some((base, name)))
        }
        other => bail!("unknown backend {other}"),
    };
    let result = run(&args, &dir, db_url).await;
    if let Some((base, name)) = pg_name {
        let mut c = sqlx::PgConnection::connect(&format!("{base}/postgres")).await?;
        sqlx::raw_sql(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
            .execute(&mut c)
            .await?;
    }
    let _ = std::fs::remove_dir_all(&dir);
    result
}

/// Runs one statement on the pool as the connecting (owner) user: seeding only.
async fn raw(db: &Db, sql: &str) -> anyhow::Result<()> {
    match db {
        Db::Sqlite(p, _) => sqlx::raw_sql(sql).execute(p).await.map(|_| ())?,
        Db::Postgres(p) => sqlx::raw_sql(sql).execute(p).await.map(|_| ())?,
    }
    Ok(())
}

fn summary(n: u64, day: i64, claude_md: bool) -> SessionSummary {
    let mut key = [0u8; 16];
    key[..8].copy_from_slice(&n.to_le_bytes());
    let prompts = 4 + (n % 9) as u32;
    SessionSummary {
        schema: SCHEMA_V1,
        session_key: SessionKey(key),
        revision: 1,
        is_final: true,
        end_reason: EndReason::Other,
        started_minute: day * 1440 + 540 + (n % 3) as i64 * 120,
        active_s: 300 * prompts,
        interactive: true,
        prompts,
        follow_ups: prompts / 4,
        clarity_sum: 55 * (prompts - prompts / 4),
        clarity_scored: prompts - prompts / 4,
        file_refs: prompts / 2,
        prompts_with_file_refs: prompts / 2,
        tools: ToolCounts {
            edit: 3,
            shell: 4,
            read: 6,
            ..ToolCounts::default()
        },
        tool_failures: 1,
        subagents: 0,
        compactions: 0,
        test_runs: 2,
        lint_runs: 1,
        build_runs: 1,
        edit_batches: 3,
        verified_batches: 2,
        edits: EditDecisions {
            user_accepted: 3,
            user_rejected: 1,
            ..EditDecisions::default()
        },
        permission_modes: PermissionModeCounts {
            default: prompts,
            ..PermissionModeCounts::default()
        },
        claude_md_project: claude_md,
        claude_md_user: false,
        tokens: vec![ModelTokens {
            model: ModelId::Sonnet4_5,
            input: 2_000,
            output: 1_500,
            cache_creation: 3_000,
            cache_read: 40_000,
        }],
        client_version: ClientVersion {
            major: 0,
            minor: 1,
            patch: 0,
        },
    }
}

async fn seed(db: &Db, org: &str, me: &str, args: &Args, today: i64) -> anyhow::Result<Vec<String>> {
    let teams: Vec<String> = (0..args.devs.div_ceil(args.team_size))
        .map(|_| auth::new_id())
        .collect();
    let mut sql = String::new();
    for (i, t) in teams.iter().enumerate() {
        sql.push_str(&format!(
            "INSERT INTO teams (org_id, team_id, name, created_at) VALUES ('{org}', '{t}', 'Team {i}', 0);\n"
        ));
    }
    // The measured developer (the admin) is in team 0; everyone else is a member.
    sql.push_str(&format!(
        "UPDATE memberships SET team_id = '{}' WHERE org_id = '{org}' AND user_id = '{me}';\n",
        teams[0]
    ));
    for i in 1..args.devs {
        let u = auth::new_id();
        let t = &teams[i / args.team_size];
        sql.push_str(&format!(
            "INSERT INTO users (user_id, email, password_hash, org_id, created_at) VALUES ('{u}', 'dev{i:04}@bench.test', 'p1v1$x', '{org}', 0);\n\
             INSERT INTO memberships (org_id, user_id, role, team_id, joined_at) VALUES ('{org}', '{u}', 'member', '{t}', 0);\n"
        ));
    }
    raw(db, &sql).await?;
    // A year of daily rows per developer, 5 days of 7, every counter set (coach counters from a
    // session-like pattern so scores exist and vary by person).
    let first = today - args.days + 1;
    let days_sql = match db {
        Db::Sqlite(..) => format!(
            "WITH RECURSIVE days(day) AS (SELECT {first} UNION ALL SELECT day + 1 FROM days WHERE day < {today})"
        ),
        Db::Postgres(_) => format!("WITH days(day) AS (SELECT generate_series({first}::bigint, {today}::bigint))"),
    };
    let value = |m: &str| -> String {
        let k = match m {
            "sessions" | "final_sessions" | "interactive_sessions" | "coach_sessions" => "(2 + h % 3)",
            "prompts" | "coach_prompts" => "(12 + h % 17)",
            "clarity_sum" | "coach_clarity_sum" => "(40 + h % 40) * 10",
            "clarity_scored" | "coach_clarity_scored" => "10",
            "follow_ups" | "coach_follow_ups" => "2",
            "edit_batches" | "coach_edit_batches" => "6",
            "verified_batches" | "coach_verified_batches" => "(h % 7)",
            "coach_prompts_mode_default" => "(12 + h % 17)",
            "coach_sessions_claude_md_project" => "(h % 2)",
            m if m.ends_with("_tokens") => "(1000 + h % 5000)",
            _ => "(h % 4)",
        };
        k.to_owned()
    };
    let hash = match db {
        Db::Sqlite(..) => {
            "(abs(unicode(substr(m.user_id, 1, 1)) * 31 + unicode(substr(m.user_id, 2, 1)) * 7 + d.day) % 97)"
        }
        Db::Postgres(_) => {
            "(abs(ascii(substr(m.user_id, 1, 1)) * 31 + ascii(substr(m.user_id, 2, 1)) * 7 + d.day) % 97)"
        }
    };
    let cols = METRICS.join(", ");
    // `h` is the only letter in the patterns above: it stands for a per-person, per-day number.
    let vals = METRICS
        .iter()
        .map(|m| value(m).replace('h', hash))
        .collect::<Vec<_>>()
        .join(", ");
    raw(
        db,
        &format!(
            "{days_sql} INSERT INTO user_daily (org_id, user_id, day, {cols}) \
             SELECT m.org_id, m.user_id, d.day, {vals} FROM memberships m CROSS JOIN days d \
             WHERE (d.day + 3) % 7 < 5"
        ),
    )
    .await
    .context("seeding user_daily")?;
    let sums = METRICS
        .iter()
        .map(|m| format!("sum(d.{m})"))
        .collect::<Vec<_>>()
        .join(", ");
    raw(
        db,
        &format!(
            "INSERT INTO team_daily (org_id, team_id, day, {cols}) SELECT d.org_id, m.team_id, d.day, {sums} \
             FROM user_daily d JOIN memberships m ON m.org_id = d.org_id AND m.user_id = d.user_id \
             GROUP BY d.org_id, m.team_id, d.day;\n\
             INSERT INTO user_model_daily (org_id, user_id, day, model, input_tokens, output_tokens, cache_creation_tokens, cache_read_tokens) \
             SELECT org_id, user_id, day, 'claude-sonnet-4-5', input_tokens, output_tokens, cache_creation_tokens, cache_read_tokens FROM user_daily;\n\
             INSERT INTO team_model_daily (org_id, team_id, day, model, input_tokens, output_tokens, cache_creation_tokens, cache_read_tokens) \
             SELECT org_id, team_id, day, 'claude-sonnet-4-5', input_tokens, output_tokens, cache_creation_tokens, cache_read_tokens FROM team_daily;"
        ),
    )
    .await
    .context("seeding team rollups")?;
    // The measured developer's own year of sessions (3 a working day; CLAUDE.md from mid-year).
    let dev = auth::new_id();
    raw(
        db,
        &format!(
            "INSERT INTO devices (org_id, device_id, user_id, token_hash, created_at) VALUES ('{org}', '{dev}', '{me}', {}, 0)",
            match db {
                Db::Sqlite(..) => "x'00'",
                Db::Postgres(_) => "'\\x00'::bytea",
            }
        ),
    )
    .await?;
    let mut n = 0u64;
    let mut rows = Vec::new();
    for day in first..=today {
        if (day + 3).rem_euclid(7) >= 5 {
            continue;
        }
        for _ in 0..3 {
            n += 1;
            rows.push(summary(n, day, day > today - args.days / 2));
        }
    }
    for chunk in rows.chunks(200) {
        let mut sql = String::from(
            "INSERT INTO sessions (org_id, user_id, device_id, session_key, team_id, revision, is_final, \
             started_minute, schema_version, summary, received_at) VALUES ",
        );
        for (i, s) in chunk.iter().enumerate() {
            if i > 0 {
                sql.push_str(", ");
            }
            let key = hex::encode(s.session_key.0);
            let key = match db {
                Db::Sqlite(..) => format!("x'{key}'"),
                Db::Postgres(_) => format!("'\\x{key}'::bytea"),
            };
            let json = serde_json::to_string(s)?.replace('\'', "''");
            sql.push_str(&format!(
                "('{org}', '{me}', '{dev}', {key}, '{}', 1, TRUE, {}, 1, '{json}', 0)",
                teams[0], s.started_minute
            ));
        }
        raw(db, &sql).await?;
    }
    raw(db, "ANALYZE").await?;
    Ok(teams)
}

async fn measure(app: &axum::Router, path: &str, token: &str, n: usize) -> anyhow::Result<(f64, f64)> {
    let mut times = Vec::with_capacity(n);
    for i in 0..n + 20 {
        let req = Request::builder()
            .uri(path)
            .header(header::AUTHORIZATION, format!("Bearer {token}"))
            .body(Body::empty())?;
        let start = Instant::now();
        let resp = app.clone().oneshot(req).await?;
        let status = resp.status();
        let body = axum::body::to_bytes(resp.into_body(), usize::MAX).await?;
        let elapsed = start.elapsed().as_secs_f64() * 1000.0;
        if status != StatusCode::OK {
            bail!("{path}: {status} {}", String::from_utf8_lossy(&body));
        }
        if i >= 20 {
            times.push(elapsed);
        }
    }
    times.sort_by(f64::total_cmp);
    let pick = |q: f64| times[((times.len() as f64 - 1.0) * q).round() as usize];
    Ok((pick(0.5), pick(0.99)))
}

async fn run(args: &Args, dir: &std::path::Path, db_url: Option<String>) -> anyhow::Result<()> {
    let cfg = Config {
        data_dir: Some(dir.to_path_buf()),
        database_url: db_url.map(Secret),
        retention_interval_s: 0,
        ..Config::default()
    };
    let state = prompt1_server::build_state(cfg).await?;
    let pair = orgs::create_org_with_admin(&state, "Bench", "me@bench.test", "bench password").await?;
    let claims = state.keys.verify_access(&pair.access_token)?;
    let user = auth::load_user(&state, &claims).await?;
    let org = user
        .member
        .as_ref()
        .context("admin is a member")?
        .scope
        .org_id()
        .to_string();
    let started = Instant::now();
    let teams = seed(&state.db, &org, user.user_id.as_str(), args, state.clock.today()).await?;
    eprintln!(
        "seeded {} developers in {} teams, {} days, in {:.1} s",
        args.devs,
        teams.len(),
        args.days,
        started.elapsed().as_secs_f64()
    );
    let app = prompt1_server::app(state.clone());
    println!(
        "backend={} devs={} team_size={} days={} requests={}",
        args.backend, args.devs, args.team_size, args.days, args.requests
    );
    for path in [
        format!("/api/v1/teams/{}/overview", teams[0]),
        "/api/v1/me/proficiency".to_owned(),
        "/api/v1/me/coaching".to_owned(),
    ] {
        let (p50, p99) = measure(&app, &path, &pair.access_token, args.requests).await?;
        let shown = path.replace(&teams[0], "{team_id}");
        println!("{shown:40} p50 {p50:7.2} ms   p99 {p99:7.2} ms");
    }
    state.db.close().await;
    Ok(())
}
