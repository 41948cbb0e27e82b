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
//! PostgreSQL. The summed rollup deltas go in one multi-row upsert per table.
//!
//! On PostgreSQL every statement is a network round trip and a wake-up on both sides, so the
//! common case (a batch of new sessions) is one statement ([`PG_INSERT_BATCH`]): it authenticates
//! the device token, inserts the batch, adds the batch's per-day sums to both rollups on the
//! assumption that every session is new, and touches the device's last upload time. Keys it did not
//! insert then have their sums taken back in the same transaction, before the revision compare
//! (so retries stay exact). On SQLite, in-process, the same steps are separate statements.
//!
//! A summary is stored as the JSON text it arrived as: it has just parsed strictly as this schema
//! (no unknown or repeated field, every value in range), so it holds nothing else, and the server
//! does not spend a serialization per session writing it back out.

use crate::auth::{Device, DeviceToken, DEVICE_BY_TOKEN};
use crate::db::{exec, run, Conn, DbError, DbResult, OrgTx};
use crate::error::ApiError;
use crate::ids::{DeviceId, TeamId, UserId};
use crate::policy::OwnData;
use crate::schema::{COACH_OFFSET, METRICS};
use crate::state::AppState;
use prompt1_coach::Tally;
use prompt1_wire::upload::{RejectReason, UploadAck, UploadResult, UploadStatus};
use prompt1_wire::{SessionKey, SessionSummary, WireError, CURRENT_SCHEMA};
use serde::Deserialize;
use serde_json::value::RawValue;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::LazyLock;

/// Number of rollup counters.
pub const N: usize = METRICS.len();

/// The rollup counters one summary contributes: its own, then the coach's tally of it (all zero
/// for a scripted session).
pub fn metrics_of(s: &SessionSummary) -> [i64; N] {
    let mut out = [0i64; N];
    out[..COACH_OFFSET].copy_from_slice(&base_metrics_of(s));
    for (o, v) in out[COACH_OFFSET..]
        .iter_mut()
        .zip(Tally::from_summary(s).to_array())
    {
        *o = i64::try_from(v).unwrap_or(i64::MAX);
    }
    out
}

fn base_metrics_of(s: &SessionSummary) -> [i64; COACH_OFFSET] {
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

/// Reads one item strictly: the exact shape (unknown or repeated fields refused), then every range.
/// An item that does not parse is `malformed`, or `unsupported_schema` when it names a schema this
/// server does not know (the answer then carries our highest, so a newer client can step down).
pub fn parse_item(raw: &RawValue) -> Result<SessionSummary, (RejectReason, Option<SessionKey>, Option<u32>)> {
    let s: SessionSummary = match serde_json::from_str(raw.get()) {
        Ok(s) => s,
        // Not this schema's shape: a newer (or invalid) schema number says why.
        Err(_) => {
            return Err(match serde_json::from_str::<SchemaPeek>(raw.get()) {
                Ok(SchemaPeek { schema: Some(v) }) if v > CURRENT_SCHEMA || v == 0 => {
                    (RejectReason::UnsupportedSchema, None, None)
                }
                _ => (RejectReason::Malformed, None, None),
            })
        }
    };
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

type Deltas = BTreeMap<(Option<TeamId>, i64), [i64; N]>;

fn add_into(map: &mut Deltas, team: Option<&TeamId>, day: i64, m: &[i64; N], sign: i64) {
    let slot = map.entry((team.cloned(), day)).or_insert([0; N]);
    for (a, b) in slot.iter_mut().zip(m) {
        *a += sign * b;
    }
}

/// `rows` parenthesized groups of `width` placeholders: `$1, $2, ..` on PostgreSQL; plain `?` on
/// SQLite, where numbered parameters cost a lookup each that grows with their count (binding a
/// 550-parameter insert by number is quadratic) and anonymous ones are bound in order. Public for
/// the ingest benchmark's bare insert, which must bind the same way.
pub fn values_list(rows: usize, width: usize, numbered: bool) -> String {
    let mut out = String::with_capacity(rows * width * 5);
    for r in 0..rows {
        out.push_str(if r > 0 { ", (" } else { "(" });
        for c in 0..width {
            if c > 0 {
                out.push_str(", ");
            }
            if numbered {
                out.push_str(&format!("${}", r * width + c + 1));
            } else {
                out.push('?');
            }
        }
        out.push(')');
    }
    out
}

fn upsert_sql(table: &str, who: &str, rows: usize, numbered: bool) -> String {
    let cols = METRICS.join(", ");
    let values = values_list(rows, N + 3, numbered);
    let sets = add_excluded(table);
    format!(
        "INSERT INTO {table} (org_id, {who}, day, {cols}) VALUES {values} \
         ON CONFLICT (org_id, {who}, day) DO UPDATE SET {sets}"
    )
}

/// The `SET` list of a rollup upsert: every counter of `table` plus the incoming row's.
fn add_excluded(table: &str) -> String {
    METRICS
        .map(|m| format!("{m} = {table}.{m} + excluded.{m}"))
        .join(", ")
}

/// SQLite's insert of new sessions (PostgreSQL's is [`PG_INSERT_BATCH`]).
fn insert_sql(rows: usize) -> String {
    format!(
        "INSERT INTO sessions (org_id, user_id, device_id, session_key, team_id, revision, is_final, \
         started_minute, schema_version, summary, received_at) VALUES {} \
         ON CONFLICT (org_id, user_id, device_id, session_key) DO NOTHING RETURNING session_key",
        values_list(rows, 11, false)
    )
}

/// A stored session key, which is 16 bytes or the row is corrupt.
fn session_key_of(bytes: Vec<u8>) -> DbResult<SessionKey> {
    <[u8; 16]>::try_from(bytes)
        .map(SessionKey)
        .map_err(|_| DbError::Corrupt("sessions.session_key"))
}

struct Stored {
    revision: u32,
    team_id: Option<TeamId>,
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
    let rows: Vec<(Vec<u8>, i64, Option<TeamId>, String)> = match &mut tx.conn {
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
        let key = session_key_of(key)?;
        let summary: SessionSummary =
            serde_json::from_str(&summary).map_err(|_| DbError::Corrupt("sessions.summary"))?;
        let revision = u32::try_from(revision).map_err(|_| DbError::Corrupt("sessions.revision"))?;
        out.insert(
            key,
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
async fn update_rows(
    tx: &mut OrgTx,
    now: i64,
    dev: &Device,
    rows: &[(&SessionSummary, &str)],
) -> DbResult<()> {
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
        .bind(now)
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
        update_row(tx, now, dev, s, body).await?;
    }
    Ok(())
}

async fn update_row(tx: &mut OrgTx, now: i64, dev: &Device, s: &SessionSummary, body: &str) -> DbResult<()> {
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
    .bind(now)
    .execute(c)
    .await)?;
    Ok(())
}

/// One valid item of a batch: its position, the summary and its JSON text as received.
struct Item<'a> {
    index: usize,
    summary: SessionSummary,
    json: &'a str,
}

/// A batch as read: one result per item (valid items provisionally `already_stored`) and, per
/// session key, the highest revision the batch holds (an in-batch duplicate or older revision is
/// answered like a retry), in key order (a stable lock order). Read before the transaction opens,
/// so parsing never holds a lock (on SQLite, the single writer's).
pub struct Batch<'a> {
    results: Vec<UploadResult>,
    items: BTreeMap<SessionKey, Item<'a>>,
}

/// Reads every item of an upload (see [`parse_item`]).
pub fn parse_batch(raw_items: &[Box<RawValue>]) -> Batch<'_> {
    let mut results = Vec::with_capacity(raw_items.len());
    let mut items: BTreeMap<SessionKey, Item<'_>> = BTreeMap::new();
    for (index, raw) in raw_items.iter().enumerate() {
        match parse_item(raw) {
            Ok(summary) => {
                results.push(UploadResult {
                    status: UploadStatus::AlreadyStored,
                    session_key: Some(summary.session_key),
                    revision: Some(summary.revision),
                    reason: None,
                });
                if items
                    .get(&summary.session_key)
                    .is_none_or(|prev| prev.summary.revision < summary.revision)
                {
                    let json = raw.get();
                    items.insert(summary.session_key, Item { index, summary, json });
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
    Batch { results, items }
}

/// Stores a batch uploaded with `token` in `tx` (opened with the token's org) and answers with one
/// result per item. The token is checked in the same transaction (on PostgreSQL, in the statement
/// that inserts the batch); a token that names no live device of a member is refused with 401.
/// `now` (Unix seconds) is the receive time stored with each session.
pub async fn ingest(
    tx: &mut OrgTx,
    now: i64,
    token: &DeviceToken,
    batch: Batch<'_>,
) -> Result<UploadAck, ApiError> {
    let Batch { mut results, items } = batch;
    let mut user_deltas: Deltas = BTreeMap::new();
    let mut team_deltas: Deltas = BTreeMap::new();
    // Tokens by model: not in the PostgreSQL batch statement, so counted here for every path.
    let mut models = ModelDeltas::new();

    // Insert first: new sessions (the common case) cost one statement for the whole batch. A key
    // that already exists, or that a concurrent request is inserting (PostgreSQL waits for it), is
    // not inserted and takes the locked compare-and-update path below.
    let (dev, inserted) = if matches!(tx.conn, Conn::Pg(_)) {
        let (dev, inserted) = insert_batch_pg(tx, now, token, &items).await?;
        // The statement counted every item as new: take back the ones it did not insert.
        for (key, item) in &items {
            if !inserted.contains(key) {
                add_session(
                    &mut user_deltas,
                    &mut team_deltas,
                    dev.team_id.as_ref(),
                    &item.summary,
                    -1,
                );
            }
        }
        (dev, inserted)
    } else {
        let dev = token.verify(tx).await?;
        let inserted = insert_new(tx, now, &dev, &items).await?;
        for key in &inserted {
            if let Some(item) = items.get(key) {
                add_session(
                    &mut user_deltas,
                    &mut team_deltas,
                    dev.team_id.as_ref(),
                    &item.summary,
                    1,
                );
            }
        }
        touch_device(tx, now, &dev).await?;
        (dev, inserted)
    };
    for key in &inserted {
        if let Some(item) = items.get(key) {
            results[item.index].status = UploadStatus::Stored;
            models.add(dev.team_id.as_ref(), &item.summary, 1);
        }
    }

    let existing_keys: Vec<SessionKey> = items.keys().filter(|k| !inserted.contains(*k)).copied().collect();
    if !existing_keys.is_empty() {
        let existing = load_existing(tx, &dev, &existing_keys).await?;
        let mut updates: Vec<(&SessionSummary, &str)> = Vec::new();
        for key in &existing_keys {
            let (Some(item), Some(old)) = (items.get(key), existing.get(key)) else {
                continue;
            };
            if old.revision >= item.summary.revision {
                continue;
            }
            updates.push((&item.summary, item.json));
            // A later revision counts for the team the session was first counted for.
            add_session(
                &mut user_deltas,
                &mut team_deltas,
                old.team_id.as_ref(),
                &old.summary,
                -1,
            );
            add_session(
                &mut user_deltas,
                &mut team_deltas,
                old.team_id.as_ref(),
                &item.summary,
                1,
            );
            models.add(old.team_id.as_ref(), &old.summary, -1);
            models.add(old.team_id.as_ref(), &item.summary, 1);
            results[item.index].status = UploadStatus::Stored;
        }
        update_rows(tx, now, &dev, &updates).await?;
    }

    let user_rows: Vec<(&str, i64, &[i64; N])> = user_deltas
        .iter()
        .map(|((_, day), m)| (dev.user_id.as_str(), *day, m))
        .collect();
    apply(tx, "user_daily", "user_id", &user_rows).await?;
    let team_rows: Vec<(&str, i64, &[i64; N])> = team_deltas
        .iter()
        .filter_map(|((team, day), m)| Some((team.as_ref()?.as_str(), *day, m)))
        .collect();
    apply(tx, "team_daily", "team_id", &team_rows).await?;
    models.apply(tx, &dev.user_id).await?;
    Ok(UploadAck {
        max_schema: CURRENT_SCHEMA,
        results,
    })
}

/// Token counters of one model: input, output, cache creation, cache read.
pub const MODEL_COUNTERS: [&str; 4] = [
    "input_tokens",
    "output_tokens",
    "cache_creation_tokens",
    "cache_read_tokens",
];

/// Per (team or, for `None`, the uploader; day; model) the token deltas of a batch.
struct ModelDeltas(BTreeMap<(Option<TeamId>, i64, &'static str), [i64; 4]>);

impl ModelDeltas {
    fn new() -> Self {
        Self(BTreeMap::new())
    }

    /// Adds `sign` times a session's tokens by model to the user's and, when it has one, the team's.
    fn add(&mut self, team_id: Option<&TeamId>, s: &SessionSummary, sign: i64) {
        let day = day_of(s);
        for t in &s.tokens {
            let v = [t.input, t.output, t.cache_creation, t.cache_read]
                .map(|x| sign * i64::try_from(x).unwrap_or(i64::MAX));
            let mut bump = |key: Option<TeamId>| {
                let slot = self.0.entry((key, day, t.model.as_str())).or_insert([0; 4]);
                for (a, b) in slot.iter_mut().zip(v) {
                    *a += b;
                }
            };
            bump(None);
            if let Some(team) = team_id {
                bump(Some(team.clone()));
            }
        }
    }

    /// Adds the deltas to `user_model_daily` (for `user`) and `team_model_daily`, one multi-row
    /// upsert per table (rows whose deltas are all zero skipped).
    async fn apply(&self, tx: &mut OrgTx, user: &UserId) -> DbResult<()> {
        let (mut users, mut teams) = (Vec::new(), Vec::new());
        for ((team, day, model), v) in &self.0 {
            if v.iter().all(|x| *x == 0) {
                continue;
            }
            match team {
                None => users.push((user.as_str(), *day, *model, v)),
                Some(t) => teams.push((t.as_str(), *day, *model, v)),
            }
        }
        apply_models(tx, "user_model_daily", "user_id", &users).await?;
        apply_models(tx, "team_model_daily", "team_id", &teams).await
    }
}

async fn apply_models(
    tx: &mut OrgTx,
    table: &str,
    who: &str,
    rows: &[(&str, i64, &str, &[i64; 4])],
) -> DbResult<()> {
    if rows.is_empty() {
        return Ok(());
    }
    let values = values_list(rows.len(), 8, matches!(tx.conn, Conn::Pg(_)));
    let cols = MODEL_COUNTERS.join(", ");
    let sets = MODEL_COUNTERS
        .map(|m| format!("{m} = {table}.{m} + excluded.{m}"))
        .join(", ");
    let sql = format!(
        "INSERT INTO {table} (org_id, {who}, day, model, {cols}) VALUES {values} \
         ON CONFLICT (org_id, {who}, day, model) DO UPDATE SET {sets}"
    );
    let org = tx.org().clone();
    exec!(&mut tx.conn, c => {
        let mut q = sqlx::query(&sql);
        for (id, day, model, v) in rows {
            q = q.bind(&org).bind(*id).bind(*day).bind(*model);
            for x in v.iter() {
                q = q.bind(*x);
            }
        }
        q.execute(c).await
    })?;
    Ok(())
}

/// Adds `sign` times a session's counters to the user's rollup and, when it has one, the team's.
fn add_session(
    user: &mut Deltas,
    team: &mut Deltas,
    team_id: Option<&TeamId>,
    s: &SessionSummary,
    sign: i64,
) {
    let m = metrics_of(s);
    add_into(user, None, day_of(s), &m, sign);
    if let Some(team_id) = team_id {
        add_into(team, Some(team_id), day_of(s), &m, sign);
    }
}

/// SQLite: inserts the batch's sessions that are new and answers their keys.
async fn insert_new(
    tx: &mut OrgTx,
    t: i64,
    dev: &Device,
    items: &BTreeMap<SessionKey, Item<'_>>,
) -> DbResult<HashSet<SessionKey>> {
    if items.is_empty() {
        return Ok(HashSet::new());
    }
    let sql = insert_sql(items.len());
    let org = tx.org().to_owned();
    let inserted: Vec<(Vec<u8>,)> = run!(&mut tx.conn, c => {
        let mut q = sqlx::query_as(&sql);
        for (key, Item { summary: s, json, .. }) in items {
            q = q
                .bind(&org)
                .bind(&dev.user_id)
                .bind(&dev.device_id)
                .bind(key.0.to_vec())
                .bind(dev.team_id.as_ref())
                .bind(i64::from(s.revision))
                .bind(s.is_final)
                .bind(s.started_minute)
                .bind(i64::from(s.schema))
                .bind(*json)
                .bind(t);
        }
        q.fetch_all(c).await
    })?;
    inserted.into_iter().map(|(key,)| session_key_of(key)).collect()
}

/// Last upload time, at minute precision: one write per device per minute at most.
async fn touch_device(tx: &mut OrgTx, now: i64, dev: &Device) -> DbResult<()> {
    if dev.last_seen_at.is_none_or(|t| now - t >= 60) {
        let org = tx.org().to_owned();
        exec!(&mut tx.conn, c => sqlx::query(
            "UPDATE devices SET last_seen_at = $3 WHERE org_id = $1 AND device_id = $2",
        )
        .bind(&org)
        .bind(&dev.device_id)
        .bind(now)
        .execute(c)
        .await)?;
    }
    Ok(())
}

/// The PostgreSQL batch statement (see the module docs). Parameters: `$1` org, `$2` token hash,
/// `$3`..`$8` one array per session column (key, revision, is_final, started_minute, schema,
/// summary JSON), `$9` now, `$10` the days of the per-day sums and `$11`.. one array per counter.
/// Every part joins `dev`, so a token that names no live device writes nothing and returns no
/// row. Data-modifying parts run once each, to completion; `ins` runs first (the result reads
/// it), so row locks are taken sessions first, then rollups by day, as on the other paths. The
/// later rollup upsert of [`ingest`] touches the same (user or team, day) rows again, except when a
/// revision counts for a team the user has since left: two uploads of that team at that moment may
/// then deadlock, which PostgreSQL breaks by failing one; its client retries (a 5xx keeps data).
static PG_INSERT_BATCH: LazyLock<String> = LazyLock::new(|| {
    let cols = METRICS.join(", ");
    let sums = (0..N)
        .map(|k| format!("${}::bigint[]", k + 11))
        .collect::<Vec<_>>()
        .join(", ");
    let sum_cols = METRICS.map(|m| format!("r.{m}")).join(", ");
    let (add_user, add_team) = (add_excluded("user_daily"), add_excluded("team_daily"));
    format!(
        "WITH dev AS ({DEVICE_BY_TOKEN}), \
         ins AS (INSERT INTO sessions (org_id, user_id, device_id, session_key, team_id, revision, \
             is_final, started_minute, schema_version, summary, received_at) \
             SELECT $1, dev.user_id, dev.device_id, v.session_key, dev.team_id, v.revision, v.is_final, \
             v.started_minute, v.schema_version, v.summary, $9 FROM dev CROSS JOIN \
             unnest($3::bytea[], $4::bigint[], $5::boolean[], $6::bigint[], $7::bigint[], $8::text[]) \
             AS v(session_key, revision, is_final, started_minute, schema_version, summary) \
             ON CONFLICT (org_id, user_id, device_id, session_key) DO NOTHING RETURNING session_key), \
         r AS (SELECT * FROM unnest($10::bigint[], {sums}) AS r(day, {cols})), \
         ud AS (INSERT INTO user_daily (org_id, user_id, day, {cols}) \
             SELECT $1, dev.user_id, r.day, {sum_cols} FROM dev CROSS JOIN r \
             ON CONFLICT (org_id, user_id, day) DO UPDATE SET {add_user}), \
         td AS (INSERT INTO team_daily (org_id, team_id, day, {cols}) \
             SELECT $1, dev.team_id, r.day, {sum_cols} FROM dev CROSS JOIN r WHERE dev.team_id IS NOT NULL \
             ON CONFLICT (org_id, team_id, day) DO UPDATE SET {add_team}), \
         seen AS (UPDATE devices d SET last_seen_at = $9 FROM dev \
             WHERE d.org_id = $1 AND d.device_id = dev.device_id \
             AND (dev.last_seen_at IS NULL OR dev.last_seen_at <= $9 - 60)) \
         SELECT dev.device_id, dev.user_id, dev.team_id, dev.last_seen_at, \
             ARRAY(SELECT session_key FROM ins) FROM dev"
    )
});

/// PostgreSQL: runs [`PG_INSERT_BATCH`] and answers the device and the keys it inserted.
async fn insert_batch_pg(
    tx: &mut OrgTx,
    now: i64,
    token: &DeviceToken,
    items: &BTreeMap<SessionKey, Item<'_>>,
) -> Result<(Device, HashSet<SessionKey>), ApiError> {
    // Per day, the counters of every item (the statement's rollup rows).
    let mut days: Deltas = BTreeMap::new();
    for item in items.values() {
        add_into(
            &mut days,
            None,
            day_of(&item.summary),
            &metrics_of(&item.summary),
            1,
        );
    }
    let column =
        |f: &dyn Fn(&SessionSummary) -> i64| items.values().map(|i| f(&i.summary)).collect::<Vec<i64>>();
    let org = tx.org().to_owned();
    let Conn::Pg(c) = &mut tx.conn else {
        return Err(DbError::Corrupt("backend").into());
    };
    let mut q = sqlx::query_as::<_, (DeviceId, UserId, Option<TeamId>, Option<i64>, Vec<Vec<u8>>)>(
        PG_INSERT_BATCH.as_str(),
    )
    .bind(&org)
    .bind(token.hash())
    .bind(items.keys().map(|k| k.0.to_vec()).collect::<Vec<_>>())
    .bind(column(&|s| i64::from(s.revision)))
    .bind(items.values().map(|i| i.summary.is_final).collect::<Vec<_>>())
    .bind(column(&|s| s.started_minute))
    .bind(column(&|s| i64::from(s.schema)))
    .bind(items.values().map(|i| i.json).collect::<Vec<_>>())
    .bind(now)
    .bind(days.keys().map(|(_, day)| *day).collect::<Vec<_>>());
    for k in 0..N {
        q = q.bind(days.values().map(|m| m[k]).collect::<Vec<_>>());
    }
    let row = q.fetch_optional(&mut **c).await.map_err(DbError::from)?;
    let (device_id, user_id, team_id, last_seen_at, inserted) = row.ok_or_else(ApiError::unauthorized)?;
    let dev = token.device((device_id, user_id, team_id, last_seen_at));
    let inserted = inserted
        .into_iter()
        .map(session_key_of)
        .collect::<DbResult<_>>()?;
    Ok((dev, inserted))
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
    let sql = upsert_sql(table, who, rows.len(), matches!(tx.conn, Conn::Pg(_)));
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
    #[schema(value_type = BTreeMap<String, i64>)]
    pub totals: BTreeMap<&'static str, i64>,
}

/// The caller's own daily totals.
pub async fn my_rollups(st: &AppState, me: &OwnData) -> Result<Vec<DayTotals>, ApiError> {
    let mut tx = st.db.begin_org(me.scope()).await?;
    let rows = read_rollups(&mut tx, "user_daily", "user_id", me.user().as_str()).await?;
    tx.commit().await?;
    Ok(rows)
}

/// One team's daily totals, unfiltered (the team view applies the minimum group size).
pub(crate) async fn read_team_rollups(tx: &mut OrgTx, team: &TeamId) -> DbResult<Vec<DayTotals>> {
    read_rollups(tx, "team_daily", "team_id", team.as_str()).await
}

/// Reads rollup rows of `table` where `col` is `who`, in the transaction's organization.
async fn read_rollups(tx: &mut OrgTx, table: &str, col: &str, who: &str) -> DbResult<Vec<DayTotals>> {
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
