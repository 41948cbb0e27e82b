//! Small reads the pages need that no view gathers: whether first-admin set-up has happened (the
//! home page of a fresh server says where the set-up link is), the pending device login a code
//! names (the approval page says which login it approves), and the organization's name.

use crate::db::{run, DbError};
use crate::error::ApiResult;
use crate::orgs;
use crate::policy::OrgDirectory;
use crate::state::AppState;

/// Whether an organization has been set up on this server.
pub async fn setup_done(st: &AppState) -> ApiResult<bool> {
    let mut tx = st.db.begin().await?;
    let done: Option<String> = run!(&mut tx.conn, c => sqlx::query_scalar(
        "SELECT value FROM settings WHERE key = 'setup_done'",
    )
    .fetch_optional(c)
    .await
    .map_err(DbError::from))?;
    tx.commit().await?;
    Ok(done.is_some())
}

/// A device login waiting for approval.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PendingLogin {
    /// The code, normalized (`BCDF-GHJK`).
    pub user_code: String,
    /// When `prompt1 login` started it (Unix seconds).
    pub created_at: i64,
    /// When it expires (Unix seconds).
    pub expires_at: i64,
}

/// The pending, unexpired device login with this code, if any.
pub async fn pending_login(st: &AppState, code: &str) -> ApiResult<Option<PendingLogin>> {
    let Some(code) = orgs::normalize_user_code(code) else {
        return Ok(None);
    };
    let mut tx = st.db.begin().await?;
    let row: Option<(i64, i64)> = run!(&mut tx.conn, c => sqlx::query_as(
        "SELECT created_at, expires_at FROM device_logins WHERE user_code = $1 AND status = 'pending' AND expires_at > $2",
    )
    .bind(&code)
    .bind(st.now())
    .fetch_optional(c)
    .await
    .map_err(DbError::from))?;
    tx.commit().await?;
    Ok(row.map(|(created_at, expires_at)| PendingLogin {
        user_code: code,
        created_at,
        expires_at,
    }))
}

/// The caller's organization's name.
pub async fn org_name(st: &AppState, grant: &OrgDirectory) -> ApiResult<String> {
    let mut tx = st.db.begin_org(grant.scope()).await?;
    let org = tx.org().clone();
    let name: String = run!(&mut tx.conn, c => sqlx::query_scalar("SELECT name FROM orgs WHERE org_id = $1")
        .bind(&org)
        .fetch_one(c)
        .await
        .map_err(DbError::from))?;
    tx.commit().await?;
    Ok(name)
}
