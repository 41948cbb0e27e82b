//! Idempotent ingest of session summaries and the daily rollups they feed.
//!
//! A summary is keyed by (device, session key) and carries a revision. For each accepted summary
//! the stored row is replaced only by a higher revision, and the rollups (per user per day, per
//! team per day) move by the difference between the new revision and the one it replaces, in the
//! same transaction. So a retry, a duplicate inside one batch, or an older revision arriving late
//! changes nothing, and a later revision never counts the session twice.
//!
//! Why batch-shaped: the hot path inserts all sessions of a batch in one multi-row `INSERT ..
//! ON CONFLICT DO NOTHING RETURNING`; only the keys that already existed (later revisions, retries,
//! or a concurrent request's insert, which PostgreSQL makes us wait for) are then read with a row
//! lock and compared, and the later revisions are written in one `UPDATE .. FROM unnest(..)` on
//! PostgreSQL. The summed rollup deltas go in one multi-row upsert per table. So the common
//! case costs a few statements per batch, and concurrency cannot double count.

use crate::auth::Device;
use crate::db::{DbError, DbResult, OrgTx};
use crate::schema::METRICS;
use crate::{exec, now, run};
use prompt1_wire::upload::{RejectReason, UploadAck, UploadResult, UploadStatus};
use prompt1_wire::{SessionKey, SessionSummary, WireError, CURRENT_SCHEMA};
use serde::Deserialize;
use serde_json::value::RawValue;
use std::collections::{BTreeMap, HashMap};

/// Number of rollup counters.
pub const N: usize = METRICS.len();

/// The rollup counters one summary contributes.
pub fn metrics_of(s: &SessionSummary) -> [i64; N] {
    let t = |f: fn(&prompt1_wire::ModelTokens) -> u64| s.tokens.iter().map(|r| f(r) as i64).sum::<i64>();
    let b = |v: bool| i64::from(v);
    [
        1,
        b(s.is_final),
        b(s.interactive),
        s.active_s.into(),
        s.prompts.into(),
        s.follow_ups.into(),
        s.clarity_sum.into(),
        s.clarity_scored.into(),
        s.file_refs.into(),
        s.prompts_with_file_refs.into(),
        s.tools.total().into(),
        s.tool_failures.into(),
        s.subagents.into(),
        s.compactions.into(),
        s.test_runs.into(),
        s.lint_runs.into(),
        s.build_runs.into(),
        s.edit_batches.into(),
        s.verified_batches.into(),
        s.edits.user_accepted.into(),
        s.edits.user_rejected.into(),
        s.edits.auto_allowed.into(),
        s.edits.auto_denied.into(),
        t(|r| r.input),
        t(|r| r.output),
        t(|r| r.cache_creation),
        t(|r| r.cache_read),
    ]
}

/// The UTC day (days since the epoch) a session counts on: the day it started.
pub fn day_of(s: &SessionSummary) -> i64 {
    s.started_minute.div_euclid(1440)
}

#[derive(Deserialize)]
struct SchemaPeek {
    schema: Option<u16>,
}

/// The upload envelope as read by the server: items stay raw so one bad item is refused alone.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawBatch {
    /// The summaries.
    pub sessions: Vec<Box<RawValue>>,
}

/// Reads one item strictly: schema first (a newer one is answered with our highest), then the
/// exact shape (unknown fields refused), then every range.
pub fn parse_item(raw: &RawValue) -> Result<SessionSummary, (RejectReason, Option<SessionKey>, Option<u32>)> {
    if let Ok(SchemaPeek { schema: Some(v) }) = serde_json::from_str::<SchemaPeek>(raw.get()) {
        if v > CURRENT_SCHEMA || v == 0 {
            return Err((RejectReason::UnsupportedSchema, None, None));
        }
    }
    let s: SessionSummary =
        serde_json::from_str(raw.get()).map_err(|_| (RejectReason::Malformed, None, None))?;
    match s.validate() {
        Ok(()) => Ok(s),
        Err(WireError::UnsupportedSchema { .. }) => Err((
            RejectReason::UnsupportedSchema,
            Some(s.session_key),
            Some(s.revision),
        )),
        Err(_) => Err((RejectReason::OutOfRange, Some(s.session_key), Some(s.revision))),
    }
}

type Deltas = BTreeMap<(Option<String>, i64), [i64; N]>;

fn add_into(map: &mut Deltas, team: Option<&str>, day: i64, m: &[i64; N], sign: i64) {
    let slot = map.entry((team.map(str::to_owned), day)).or_insert([0; N]);
    for (a, b) in slot.iter_mut().zip(m) {
        *a += sign * b;
    }
}

fn upsert_sql(table: &str, who: &str, rows: usize) -> String {
    let cols = METRICS.join(", ");
    let width = N + 3;
    let values = (0..rows)
        .map(|r| {
            format!(
                "({})",
                (1..=width)
                    .map(|c| format!("${}", r * width + c))
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        })
        .collect::<Vec<_>>()
        .join(", ");
    let sets = METRICS
        .iter()
        .map(|m| format!("{m} = {table}.{m} + excluded.{m}"))
        .collect::<Vec<_>>()
        .join(", ");
    format!(
        "INSERT INTO {table} (org_id, {who}, day, {cols}) VALUES {values} \
         ON CONFLICT (org_id, {who}, day) DO UPDATE SET {sets}"
    )
}

const SESSION_COLS: usize = 11;

fn insert_sql(rows: usize) -> String {
    let mut sql = String::from(
        "INSERT INTO sessions (org_id, user_id, device_id, session_key, team_id, revision, is_final, \
         started_minute, schema_version, summary, received_at) VALUES ",
    );
    for r in 0..rows {
        if r > 0 {
            sql.push_str(", ");
        }
        sql.push('(');
        for c in 0..SESSION_COLS {
            if c > 0 {
                sql.push_str(", ");
            }
            sql.push_str(&format!("${}", r * SESSION_COLS + c + 1));
        }
        sql.push(')');
    }
    sql.push_str(" ON CONFLICT (org_id, user_id, device_id, session_key) DO NOTHING RETURNING session_key");
    sql
}

struct Stored {
    revision: u32,
    team_id: Option<String>,
    summary: SessionSummary,
}

/// Reads the stored rows of `keys` for this device, locking them on PostgreSQL.
async fn load_existing(
    tx: &mut OrgTx,
    dev: &Device,
    keys: &[SessionKey],
) -> DbResult<HashMap<SessionKey, Stored>> {
    let mut out = HashMap::new();
    if keys.is_empty() {
        return Ok(out);
    }
    let org = tx.org().to_owned();
    // PostgreSQL: one array parameter (one cached plan) and row locks; SQLite: an IN list (its
    // writer lock already serializes the transaction).
    let rows: Vec<(Vec<u8>, i64, Option<String>, String)> = match &mut tx.conn {
        crate::db::Conn::Pg(t) => {
            let list: Vec<Vec<u8>> = keys.iter().map(|k| k.0.to_vec()).collect();
            sqlx::query_as(
                "SELECT session_key, revision, team_id, summary FROM sessions \
                 WHERE org_id = $1 AND user_id = $2 AND device_id = $3 AND session_key = ANY($4) FOR UPDATE",
            )
            .bind(&org)
            .bind(&dev.user_id)
            .bind(&dev.device_id)
            .bind(list)
            .fetch_all(&mut **t)
            .await?
        }
        crate::db::Conn::Sqlite(t) => {
            let list = (0..keys.len())
                .map(|i| format!("${}", i + 4))
                .collect::<Vec<_>>()
                .join(", ");
            let sql = format!(
                "SELECT session_key, revision, team_id, summary FROM sessions \
                 WHERE org_id = $1 AND user_id = $2 AND device_id = $3 AND session_key IN ({list})"
            );
            let mut q = sqlx::query_as(&sql)
                .bind(&org)
                .bind(&dev.user_id)
                .bind(&dev.device_id);
            for k in keys {
                q = q.bind(k.0.to_vec());
            }
            q.fetch_all(&mut **t).await?
        }
    };
    for (key, revision, team_id, summary) in rows {
        let key: [u8; 16] = key
            .try_into()
            .map_err(|_| DbError::Corrupt("sessions.session_key"))?;
        let summary: SessionSummary =
            serde_json::from_str(&summary).map_err(|_| DbError::Corrupt("sessions.summary"))?;
        let revision = u32::try_from(revision).map_err(|_| DbError::Corrupt("sessions.revision"))?;
        out.insert(
            SessionKey(key),
            Stored {
                revision,
                team_id,
                summary,
            },
        );
    }
    Ok(out)
}

/// Stores later revisions: one statement on PostgreSQL (arrays unnested), one per row on SQLite
/// (in-process, so a statement costs no round trip).
async fn update_rows(tx: &mut OrgTx, dev: &Device, rows: &[(&SessionSummary, &str)]) -> DbResult<()> {
    if rows.is_empty() {
        return Ok(());
    }
    let org = tx.org().to_owned();
    if let crate::db::Conn::Pg(t) = &mut tx.conn {
        sqlx::query(
            "UPDATE sessions AS s SET revision = v.revision, is_final = v.is_final, \
             started_minute = v.started_minute, schema_version = v.schema_version, summary = v.summary, \
             received_at = $4 \
             FROM unnest($5::bytea[], $6::bigint[], $7::boolean[], $8::bigint[], $9::bigint[], $10::text[]) \
             AS v(session_key, revision, is_final, started_minute, schema_version, summary) \
             WHERE s.org_id = $1 AND s.user_id = $2 AND s.device_id = $3 AND s.session_key = v.session_key \
             AND s.revision < v.revision",
        )
        .bind(&org)
        .bind(&dev.user_id)
        .bind(&dev.device_id)
        .bind(now())
        .bind(
            rows.iter()
                .map(|(s, _)| s.session_key.0.to_vec())
                .collect::<Vec<_>>(),
        )
        .bind(
            rows.iter()
                .map(|(s, _)| i64::from(s.revision))
                .collect::<Vec<_>>(),
        )
        .bind(rows.iter().map(|(s, _)| s.is_final).collect::<Vec<_>>())
        .bind(rows.iter().map(|(s, _)| s.started_minute).collect::<Vec<_>>())
        .bind(rows.iter().map(|(s, _)| i64::from(s.schema)).collect::<Vec<_>>())
        .bind(rows.iter().map(|(_, b)| (*b).to_owned()).collect::<Vec<_>>())
        .execute(&mut **t)
        .await?;
        return Ok(());
    }
    for (s, body) in rows {
        update_row(tx, dev, s, body).await?;
    }
    Ok(())
}

async fn update_row(tx: &mut OrgTx, dev: &Device, s: &SessionSummary, body: &str) -> DbResult<()> {
    let org = tx.org().to_owned();
    exec!(&mut tx.conn, c => sqlx::query(
        "UPDATE sessions SET revision = $5, is_final = $6, started_minute = $7, schema_version = $8, \
         summary = $9, received_at = $10 \
         WHERE org_id = $1 AND user_id = $2 AND device_id = $3 AND session_key = $4 AND revision < $5",
    )
    .bind(&org)
    .bind(&dev.user_id)
    .bind(&dev.device_id)
    .bind(s.session_key.0.to_vec())
    .bind(i64::from(s.revision))
    .bind(s.is_final)
    .bind(s.started_minute)
    .bind(i64::from(s.schema))
    .bind(body)
    .bind(now())
    .execute(c)
    .await)?;
    Ok(())
}

/// Stores a batch for `dev` in one transaction and answers with one result per item.
pub async fn ingest(tx: &mut OrgTx, dev: &Device, items: &[Box<RawValue>]) -> DbResult<UploadAck> {
    let mut results: Vec<UploadResult> = Vec::with_capacity(items.len());
    // Parse and keep, per key, the highest revision in this batch (an in-batch duplicate or older
    // revision is answered like a retry).
    let mut best: HashMap<SessionKey, (usize, SessionSummary, String)> = HashMap::new();
    for (i, raw) in items.iter().enumerate() {
        match parse_item(raw) {
            Ok(s) => {
                results.push(UploadResult {
                    status: UploadStatus::AlreadyStored,
                    session_key: Some(s.session_key),
                    revision: Some(s.revision),
                    reason: None,
                });
                let body = serde_json::to_string(&s).map_err(|_| DbError::Corrupt("summary encoding"))?;
                match best.get(&s.session_key) {
                    Some((_, prev, _)) if prev.revision >= s.revision => {}
                    _ => {
                        best.insert(s.session_key, (i, s, body));
                    }
                }
            }
            Err((reason, session_key, revision)) => results.push(UploadResult {
                status: UploadStatus::Rejected,
                session_key,
                revision,
                reason: Some(reason),
            }),
        }
    }
    let mut keys: Vec<SessionKey> = best.keys().copied().collect();
    keys.sort();
    let mut user_deltas: Deltas = BTreeMap::new();
    let mut team_deltas: Deltas = BTreeMap::new();

    // Insert first: new sessions (the common case) cost one statement for the whole batch. A key
    // that already exists, or that a concurrent request is inserting (PostgreSQL waits for it), is
    // missing from RETURNING and takes the locked compare-and-update path below.
    let mut existing_keys: Vec<SessionKey> = Vec::new();
    if !keys.is_empty() {
        let sql = insert_sql(keys.len());
        let org = tx.org().to_owned();
        let t = now();
        let inserted: Vec<(Vec<u8>,)> = run!(&mut tx.conn, c => {
            let mut q = sqlx::query_as(&sql);
            for key in &keys {
                let Some((_, s, body)) = best.get(key) else { continue };
                q = q
                    .bind(&org)
                    .bind(&dev.user_id)
                    .bind(&dev.device_id)
                    .bind(key.0.to_vec())
                    .bind(dev.team_id.as_deref())
                    .bind(i64::from(s.revision))
                    .bind(s.is_final)
                    .bind(s.started_minute)
                    .bind(i64::from(s.schema))
                    .bind(body.as_str())
                    .bind(t);
            }
            q.fetch_all(c).await
        })?;
        let inserted: std::collections::HashSet<Vec<u8>> = inserted.into_iter().map(|r| r.0).collect();
        for key in &keys {
            let Some((i, s, _)) = best.get(key) else { continue };
            if inserted.contains(key.0.as_slice()) {
                let m = metrics_of(s);
                add_into(&mut user_deltas, None, day_of(s), &m, 1);
                if let Some(team) = dev.team_id.as_deref() {
                    add_into(&mut team_deltas, Some(team), day_of(s), &m, 1);
                }
                results[*i].status = UploadStatus::Stored;
            } else {
                existing_keys.push(*key);
            }
        }
    }
    let mut updates: Vec<(&SessionSummary, &str)> = Vec::new();
    if !existing_keys.is_empty() {
        let existing = load_existing(tx, dev, &existing_keys).await?;
        for key in &existing_keys {
            let (Some((i, s, body)), Some(old)) = (best.get(key), existing.get(key)) else {
                continue;
            };
            if old.revision >= s.revision {
                continue;
            }
            updates.push((s, body.as_str()));
            let (om, nm) = (metrics_of(&old.summary), metrics_of(s));
            add_into(&mut user_deltas, None, day_of(&old.summary), &om, -1);
            add_into(&mut user_deltas, None, day_of(s), &nm, 1);
            // A later revision counts for the team the session was first counted for.
            if let Some(team) = old.team_id.as_deref() {
                add_into(&mut team_deltas, Some(team), day_of(&old.summary), &om, -1);
                add_into(&mut team_deltas, Some(team), day_of(s), &nm, 1);
            }
            results[*i].status = UploadStatus::Stored;
        }
        update_rows(tx, dev, &updates).await?;
    }

    let user_rows: Vec<(&str, i64, &[i64; N])> = user_deltas
        .iter()
        .map(|((_, day), m)| (dev.user_id.as_str(), *day, m))
        .collect();
    apply(tx, "user_daily", "user_id", &user_rows).await?;
    let team_rows: Vec<(&str, i64, &[i64; N])> = team_deltas
        .iter()
        .filter_map(|((team, day), m)| Some((team.as_deref()?, *day, m)))
        .collect();
    apply(tx, "team_daily", "team_id", &team_rows).await?;
    // Last upload time, at minute precision: one write per device per minute at most.
    if dev.last_seen_at.is_none_or(|t| now() - t >= 60) {
        let org = tx.org().to_owned();
        exec!(&mut tx.conn, c => sqlx::query(
            "UPDATE devices SET last_seen_at = $3 WHERE org_id = $1 AND device_id = $2",
        )
        .bind(&org)
        .bind(&dev.device_id)
        .bind(now())
        .execute(c)
        .await)?;
    }
    Ok(UploadAck {
        max_schema: CURRENT_SCHEMA,
        results,
    })
}

/// Adds the deltas to `table` in one multi-row upsert (rows whose deltas are all zero skipped).
async fn apply(tx: &mut OrgTx, table: &str, who: &str, rows: &[(&str, i64, &[i64; N])]) -> DbResult<()> {
    let rows: Vec<_> = rows
        .iter()
        .filter(|(_, _, m)| m.iter().any(|v| *v != 0))
        .collect();
    if rows.is_empty() {
        return Ok(());
    }
    let sql = upsert_sql(table, who, rows.len());
    let org = tx.org().to_owned();
    exec!(&mut tx.conn, c => {
        let mut q = sqlx::query(&sql);
        for (id, day, m) in &rows {
            q = q.bind(&org).bind(*id).bind(*day);
            for v in m.iter() {
                q = q.bind(*v);
            }
        }
        q.execute(c).await
    })?;
    Ok(())
}

/// One day of a user's rollup.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
pub struct DayTotals {
    /// Days since the Unix epoch (UTC).
    pub day: i64,
    /// The counters, by name.
    #[schema(value_type = Object)]
    pub totals: BTreeMap<&'static str, i64>,
}

/// Reads rollup rows of `table` (`user_daily` or `team_daily`) for `who` in this org.
pub async fn read_rollups(tx: &mut OrgTx, team: bool, who: &str) -> DbResult<Vec<DayTotals>> {
    let (table, col) = if team {
        ("team_daily", "team_id")
    } else {
        ("user_daily", "user_id")
    };
    let sql = format!(
        "SELECT day, {} FROM {table} WHERE org_id = $1 AND {col} = $2 ORDER BY day",
        METRICS.join(", ")
    );
    let org = tx.org().to_owned();
    let rows = run!(&mut tx.conn, c => {
        use sqlx::Row;
        sqlx::query(&sql).bind(&org).bind(who).fetch_all(c).await.and_then(|rows| {
            rows.iter()
                .map(|r| {
                    let day: i64 = r.try_get(0)?;
                    let mut totals = BTreeMap::new();
                    for (i, m) in METRICS.iter().enumerate() {
                        totals.insert(*m, r.try_get::<i64, _>(i + 1)?);
                    }
                    Ok(DayTotals { day, totals })
                })
                .collect::<Result<Vec<_>, sqlx::Error>>()
        })
    })?;
    Ok(rows)
}
