//! Per-organization settings: the minimum group size and how long data is kept.
//!
//! The minimum group size is a privacy floor, not a preference: an aggregate over fewer people
//! is one person's numbers under another name, so it can be raised but never set below
//! [`MIN_GROUP_SIZE_FLOOR`] (the database refuses it too). Every member may read both settings
//! (they protect the member); only admins change them, and each change is audit-logged.

use crate::audit;
use crate::db::{exec, run, DbError, DbResult, OrgTx};
use crate::error::{ApiError, ApiResult};
use crate::policy::{AdminGrant, OrgSettingsRead};
use crate::state::AppState;
use serde::{Deserialize, Serialize};

/// The smallest minimum group size an organization may choose (and the default).
pub const MIN_GROUP_SIZE_FLOOR: u32 = 3;
/// The largest minimum group size (a larger one would hide every team).
pub const MIN_GROUP_SIZE_MAX: u32 = 1000;
/// Default retention of sessions and rollups, in days.
pub const DEFAULT_RETENTION_DAYS: u32 = 365;
/// Shortest retention an admin may set, in days (the team views look back eight weeks).
pub const RETENTION_DAYS_MIN: u32 = 60;
/// Longest retention an admin may set, in days.
pub const RETENTION_DAYS_MAX: u32 = 3650;

/// An organization's settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct OrgSettings {
    /// Aggregates over fewer members than this are withheld, for every role (at least 3).
    pub min_group_size: u32,
    /// Sessions and daily rollups older than this many days are deleted by the server.
    pub retention_days: u32,
}

/// A change of settings (absent fields stay as they are).
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OrgSettingsUpdate {
    /// New minimum group size (3 to 1000).
    #[serde(default)]
    pub min_group_size: Option<u32>,
    /// New retention in days (60 to 3650).
    #[serde(default)]
    pub retention_days: Option<u32>,
}

/// Reads the settings of the transaction's organization.
pub async fn read_in(tx: &mut OrgTx) -> DbResult<OrgSettings> {
    let org = tx.org().clone();
    let (min, days): (i64, i64) = run!(&mut tx.conn, c => sqlx::query_as(
        "SELECT min_group_size, retention_days FROM orgs WHERE org_id = $1",
    )
    .bind(&org)
    .fetch_one(c)
    .await)?;
    Ok(OrgSettings {
        min_group_size: u32::try_from(min).map_err(|_| DbError::Corrupt("orgs.min_group_size"))?,
        retention_days: u32::try_from(days).map_err(|_| DbError::Corrupt("orgs.retention_days"))?,
    })
}

/// The caller's organization's settings.
pub async fn read(st: &AppState, grant: &OrgSettingsRead) -> ApiResult<OrgSettings> {
    let mut tx = st.db.begin_org(grant.scope()).await?;
    let s = read_in(&mut tx).await?;
    tx.commit().await?;
    Ok(s)
}

/// Checks a change against the bounds, with a message that says what is allowed.
pub fn check(update: &OrgSettingsUpdate) -> ApiResult<()> {
    if let Some(n) = update.min_group_size {
        if n < MIN_GROUP_SIZE_FLOOR {
            return Err(ApiError::bad_request(
                "min_group_size_too_small",
                "min_group_size cannot be below 3: an aggregate over fewer people would show one person's numbers",
            ));
        }
        if n > MIN_GROUP_SIZE_MAX {
            return Err(ApiError::bad_request(
                "min_group_size_too_large",
                "min_group_size can be at most 1000",
            ));
        }
    }
    if let Some(d) = update.retention_days {
        if !(RETENTION_DAYS_MIN..=RETENTION_DAYS_MAX).contains(&d) {
            return Err(ApiError::bad_request(
                "retention_out_of_range",
                "retention_days must be between 60 and 3650",
            ));
        }
    }
    Ok(())
}

/// Changes the settings (admins), audit-logged; answers the new settings.
pub async fn update(st: &AppState, grant: &AdminGrant, update: &OrgSettingsUpdate) -> ApiResult<OrgSettings> {
    check(update)?;
    let mut tx = st.db.begin_org(grant.scope()).await?;
    let current = read_in(&mut tx).await?;
    let next = OrgSettings {
        min_group_size: update.min_group_size.unwrap_or(current.min_group_size),
        retention_days: update.retention_days.unwrap_or(current.retention_days),
    };
    let org = tx.org().clone();
    exec!(&mut tx.conn, c => sqlx::query(
        "UPDATE orgs SET min_group_size = $2, retention_days = $3 WHERE org_id = $1",
    )
    .bind(&org)
    .bind(i64::from(next.min_group_size))
    .bind(i64::from(next.retention_days))
    .execute(c)
    .await
    .map_err(DbError::from))?;
    if next != current {
        audit::record(
            &mut tx,
            st.now(),
            Some(grant.actor()),
            "org_settings_changed",
            None,
        )
        .await?;
    }
    tx.commit().await?;
    Ok(next)
}

/// Why an aggregate is not shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum WithheldReason {
    /// It would cover fewer people than the organization's minimum group size.
    BelowMinGroupSize,
}

/// An aggregate left out, and why: it would describe fewer people than the minimum group size.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Withheld {
    /// Why.
    pub reason: WithheldReason,
    /// How many people the aggregate would have covered.
    pub members: u32,
    /// The organization's minimum group size.
    pub min_group_size: u32,
}

impl Withheld {
    /// `Some` when `members` people are fewer than `min_group_size`.
    pub fn check(members: u32, min_group_size: u32) -> Option<Self> {
        (members < min_group_size).then_some(Self {
            reason: WithheldReason::BelowMinGroupSize,
            members,
            min_group_size,
        })
    }
}
