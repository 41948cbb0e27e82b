//! What the admin page lists and the few admin actions the JSON API has no flow for yet: pending
//! invites (and revoking one), every device of the organization, and the audit log.
//!
//! Each function requires an [`AdminGrant`] (or a [`ManageDevice`]-style grant made from it), so
//! only an admin's request reaches these rows, and only in the admin's own organization.

use crate::audit;
use crate::auth::Role;
use crate::db::{exec, run, DbError};
use crate::error::{ApiError, ApiResult};
use crate::ids::{DeviceId, TeamId, UserId};
use crate::policy::AdminGrant;
use crate::state::AppState;
use serde::Serialize;

/// Rows as read: (invite id, role, team, creator's email, created, expires).
type InviteRow = (String, String, Option<TeamId>, Option<String>, i64, i64);
/// Rows as read: (device, owner, owner's email, approved, last seen, revoked).
type DeviceRow = (DeviceId, UserId, String, i64, Option<i64>, Option<i64>);
/// Rows as read: (at, actor id, actor's email, event, subject, address).
type AuditRow = (
    i64,
    Option<String>,
    Option<String>,
    String,
    Option<String>,
    Option<String>,
);

/// A pending invite.
#[derive(Debug, Clone, Serialize)]
pub struct InviteView {
    /// Its id (the link itself is shown once, when made).
    pub invite_id: String,
    /// The role it grants.
    pub role: Role,
    /// The team it joins, if any.
    pub team_id: Option<TeamId>,
    /// Who made it.
    pub created_by_email: Option<String>,
    /// When (Unix seconds).
    pub created_at: i64,
    /// When it stops working (Unix seconds).
    pub expires_at: i64,
}

/// The organization's invites that are neither used nor expired, newest first.
pub async fn pending_invites(st: &AppState, grant: &AdminGrant) -> ApiResult<Vec<InviteView>> {
    let mut tx = st.db.begin_org(grant.scope()).await?;
    let org = tx.org().clone();
    let rows: Vec<InviteRow> = run!(&mut tx.conn, c => sqlx::query_as(
        "SELECT i.invite_id, i.role, i.team_id, u.email, i.created_at, i.expires_at FROM invites i \
         LEFT JOIN users u ON u.user_id = i.created_by \
         WHERE i.org_id = $1 AND i.used_at IS NULL AND i.expires_at > $2 ORDER BY i.created_at DESC, i.invite_id",
    )
    .bind(&org)
    .bind(st.now())
    .fetch_all(c)
    .await
    .map_err(DbError::from))?;
    tx.commit().await?;
    Ok(rows
        .into_iter()
        .filter_map(
            |(invite_id, role, team_id, created_by_email, created_at, expires_at)| {
                Some(InviteView {
                    invite_id,
                    role: Role::parse(&role)?,
                    team_id,
                    created_by_email,
                    created_at,
                    expires_at,
                })
            },
        )
        .collect())
}

/// Revokes a pending invite (its link stops working); 404 for an unknown, used or foreign one.
pub async fn revoke_invite(st: &AppState, grant: &AdminGrant, invite_id: &str) -> ApiResult<()> {
    let now = st.now();
    let mut tx = st.db.begin_org(grant.scope()).await?;
    let org = tx.org().clone();
    let n = exec!(&mut tx.conn, c => sqlx::query(
        "DELETE FROM invites WHERE org_id = $1 AND invite_id = $2 AND used_at IS NULL",
    )
    .bind(&org)
    .bind(invite_id)
    .execute(c)
    .await
    .map_err(DbError::from))?;
    if n == 0 {
        return Err(ApiError::not_found());
    }
    audit::record(
        &mut tx,
        now,
        Some(grant.actor()),
        "invite_revoked",
        Some(invite_id),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// A device as listed to admins.
#[derive(Debug, Clone, Serialize)]
pub struct OrgDeviceView {
    /// Device id.
    pub device_id: DeviceId,
    /// Owner.
    pub user_id: UserId,
    /// Owner's email.
    pub email: String,
    /// Approved (Unix seconds).
    pub created_at: i64,
    /// Last upload (Unix seconds).
    pub last_seen_at: Option<i64>,
    /// Revoked (Unix seconds).
    pub revoked_at: Option<i64>,
}

/// Every device of the organization, by owner's email then newest first.
pub async fn org_devices(st: &AppState, grant: &AdminGrant) -> ApiResult<Vec<OrgDeviceView>> {
    let mut tx = st.db.begin_org(grant.scope()).await?;
    let org = tx.org().clone();
    let rows: Vec<DeviceRow> = run!(&mut tx.conn, c => sqlx::query_as(
        "SELECT d.device_id, d.user_id, u.email, d.created_at, d.last_seen_at, d.revoked_at FROM devices d \
         JOIN users u ON u.user_id = d.user_id WHERE d.org_id = $1 ORDER BY u.email, d.created_at DESC",
    )
    .bind(&org)
    .fetch_all(c)
    .await
    .map_err(DbError::from))?;
    tx.commit().await?;
    Ok(rows
        .into_iter()
        .map(
            |(device_id, user_id, email, created_at, last_seen_at, revoked_at)| OrgDeviceView {
                device_id,
                user_id,
                email,
                created_at,
                last_seen_at,
                revoked_at,
            },
        )
        .collect())
}

/// One audit-log row.
#[derive(Debug, Clone, Serialize)]
pub struct AuditView {
    /// When (Unix seconds).
    pub at: i64,
    /// Who (their email, or their id when the account is gone; none for the server itself).
    pub actor: Option<String>,
    /// What happened (`member_removed`, ...).
    pub event: String,
    /// The subject's id, if any.
    pub subject: Option<String>,
    /// The network address the request came from.
    pub address: Option<String>,
}

/// The newest `limit` audit rows of the organization.
pub async fn audit_log(st: &AppState, grant: &AdminGrant, limit: i64) -> ApiResult<Vec<AuditView>> {
    let mut tx = st.db.begin_org(grant.scope()).await?;
    let org = tx.org().clone();
    let rows: Vec<AuditRow> = run!(&mut tx.conn, c => sqlx::query_as(
        "SELECT a.at, a.actor_user_id, u.email, a.event, a.subject_id, a.address FROM audit_log a \
         LEFT JOIN users u ON u.user_id = a.actor_user_id \
         WHERE a.org_id = $1 ORDER BY a.at DESC, a.event_id LIMIT $2",
    )
    .bind(&org)
    .bind(limit)
    .fetch_all(c)
    .await
    .map_err(DbError::from))?;
    tx.commit().await?;
    Ok(rows
        .into_iter()
        .map(|(at, actor_id, email, event, subject, address)| AuditView {
            at,
            actor: email.or(actor_id),
            event,
            subject,
            address,
        })
        .collect())
}
