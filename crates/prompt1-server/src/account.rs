//! A person's own account and data, beyond the score and coaching views of [`crate::me`]: tokens
//! and cost by model and day, the export of everything stored about them, and deleting the
//! account with that data.
//!
//! Every function takes an [`OwnData`] grant, so it can only ever read or delete the caller's own
//! rows. Deletion removes the person's sessions, daily rollups, tokens, devices, membership,
//! sign-in sessions and account in one transaction. The team's daily totals keep what they
//! already counted: they are anonymous sums shown only over at least the minimum group size, and
//! subtracting one person out of them would itself reveal that person's numbers.

use crate::auth;
use crate::db::{exec, run, DbError};
use crate::error::{ApiError, ApiResult};
use crate::ids::DeviceId;
use crate::ingest::{self, DayTotals};
use crate::orgs::{self, DeviceView};
use crate::policy::OwnData;
use crate::pricing;
use crate::state::AppState;
use axum::http::StatusCode;
use serde::Serialize;

/// One model's tokens on one day, and their cost.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct ModelDay {
    /// Days since the Unix epoch (UTC).
    pub day: i64,
    /// Model name (`claude-sonnet-4-5`, ..., `other`).
    pub model: String,
    /// Uncached input tokens.
    pub input_tokens: i64,
    /// Output tokens.
    pub output_tokens: i64,
    /// Cache-write tokens.
    pub cache_creation_tokens: i64,
    /// Cache-read tokens.
    pub cache_read_tokens: i64,
    /// Cost in US dollars at list price; null for a model without a price.
    pub cost_usd: Option<f64>,
}

/// The caller's tokens by model and day from `first_day` on, oldest first.
pub async fn my_tokens_by_model(st: &AppState, me: &OwnData, first_day: i64) -> ApiResult<Vec<ModelDay>> {
    let mut tx = st.db.begin_org(me.scope()).await?;
    let org = tx.org().clone();
    let rows: Vec<(i64, String, i64, i64, i64, i64)> = run!(&mut tx.conn, c => sqlx::query_as(
        "SELECT day, model, input_tokens, output_tokens, cache_creation_tokens, cache_read_tokens \
         FROM user_model_daily WHERE org_id = $1 AND user_id = $2 AND day >= $3 ORDER BY day, model",
    )
    .bind(&org)
    .bind(me.user())
    .bind(first_day)
    .fetch_all(c)
    .await
    .map_err(DbError::from))?;
    tx.commit().await?;
    let u = |v: i64| u64::try_from(v).unwrap_or(0);
    Ok(rows
        .into_iter()
        .map(|(day, model, i, o, cc, cr)| ModelDay {
            cost_usd: pricing::cost_usd(&model, u(i), u(o), u(cc), u(cr)),
            day,
            model,
            input_tokens: i,
            output_tokens: o,
            cache_creation_tokens: cc,
            cache_read_tokens: cr,
        })
        .collect())
}

/// One stored session, as exported to its owner.
#[derive(Debug, Clone, Serialize)]
pub struct ExportedSession {
    /// Session key (hex).
    pub session_key: String,
    /// Device it came from.
    pub device_id: DeviceId,
    /// Stored revision.
    pub revision: i64,
    /// The summary exactly as stored.
    pub summary: serde_json::Value,
}

/// Everything the server stores about the caller.
#[derive(Debug, Serialize)]
pub struct Export {
    /// Email of the account.
    pub email: String,
    /// When this export was made (Unix seconds).
    pub exported_at: i64,
    /// Every stored session summary.
    pub sessions: Vec<ExportedSession>,
    /// Daily totals.
    pub days: Vec<DayTotals>,
    /// Tokens by model and day.
    pub tokens: Vec<ModelDay>,
    /// Devices.
    pub devices: Vec<DeviceView>,
}

/// Gathers the caller's export.
pub async fn export(st: &AppState, me: &OwnData, email: &str) -> ApiResult<Export> {
    let mut tx = st.db.begin_org(me.scope()).await?;
    let org = tx.org().clone();
    let rows: Vec<(Vec<u8>, DeviceId, i64, String)> = run!(&mut tx.conn, c => sqlx::query_as(
        "SELECT session_key, device_id, revision, summary FROM sessions \
         WHERE org_id = $1 AND user_id = $2 ORDER BY started_minute, session_key",
    )
    .bind(&org)
    .bind(me.user())
    .fetch_all(c)
    .await
    .map_err(DbError::from))?;
    tx.commit().await?;
    let sessions = rows
        .into_iter()
        .map(|(k, device_id, revision, summary)| {
            Ok(ExportedSession {
                session_key: hex::encode(k),
                device_id,
                revision,
                summary: serde_json::from_str(&summary).map_err(|_| DbError::Corrupt("sessions.summary"))?,
            })
        })
        .collect::<Result<Vec<_>, DbError>>()?;
    Ok(Export {
        email: email.to_owned(),
        exported_at: st.now(),
        sessions,
        days: ingest::my_rollups(st, me).await?,
        tokens: my_tokens_by_model(st, me, i64::MIN).await?,
        devices: orgs::list_devices(st, me).await?,
    })
}

/// Deletes the caller's account and data after checking their password. The organization's last
/// admin is refused (409 `last_admin`): hand the role to someone first.
pub async fn delete_account(st: &AppState, me: &OwnData, password: &str) -> ApiResult<()> {
    let mut tx = st.db.begin().await?;
    let stored: Option<String> = run!(&mut tx.conn, c => sqlx::query_scalar(
        "SELECT password_hash FROM users WHERE user_id = $1",
    )
    .bind(me.user())
    .fetch_optional(c)
    .await
    .map_err(DbError::from))?;
    tx.commit().await?;
    let pw = password.to_owned();
    let ok = password.chars().count() <= auth::MAX_PASSWORD_CHARS
        && auth::blocking(move || auth::verify_password(&pw, stored.as_deref())).await?;
    if !ok {
        return Err(ApiError::new(
            StatusCode::UNAUTHORIZED,
            "invalid_credentials",
            "wrong password",
        ));
    }
    let now = st.now();
    let mut tx = st.db.begin_org(me.scope()).await?;
    let org = tx.org().clone();
    let user = me.user();
    let (role, admins): (Option<String>, i64) = (
        run!(&mut tx.conn, c => sqlx::query_scalar(
            "SELECT role FROM memberships WHERE org_id = $1 AND user_id = $2",
        )
        .bind(&org).bind(user).fetch_optional(c).await.map_err(DbError::from))?,
        run!(&mut tx.conn, c => sqlx::query_scalar(
            "SELECT count(*) FROM memberships WHERE org_id = $1 AND role = 'admin'",
        )
        .bind(&org).fetch_one(c).await.map_err(DbError::from))?,
    );
    if role.as_deref() == Some("admin") && admins <= 1 {
        return Err(ApiError::conflict(
            "last_admin",
            "you are the organization's only admin: make someone else admin first",
        ));
    }
    for table in [
        "sessions",
        "user_daily",
        "user_model_daily",
        "devices",
        "memberships",
    ] {
        let sql = format!("DELETE FROM {table} WHERE org_id = $1 AND user_id = $2");
        exec!(&mut tx.conn, c => sqlx::query(&sql).bind(&org).bind(user).execute(c).await.map_err(DbError::from))?;
    }
    crate::audit::record(&mut tx, now, Some(user), "account_deleted", Some(user.as_str())).await?;
    // Sign-in sessions and refresh tokens go with the user row (ON DELETE CASCADE).
    exec!(&mut tx.conn, c => sqlx::query("DELETE FROM users WHERE user_id = $1")
        .bind(user).execute(c).await.map_err(DbError::from))?;
    tx.commit().await?;
    Ok(())
}
