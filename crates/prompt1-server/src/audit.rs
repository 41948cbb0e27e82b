//! The audit log: who did what to which subject, and when, per organization.
//!
//! Kept below the flows (organization management, settings, retention) that write to it, so each
//! of them records its event inside its own transaction: an action and its audit row commit
//! together or not at all.

use crate::db::{exec, DbResult, OrgTx};
use crate::ids::UserId;
use crate::keys::new_id;

/// Records `event` by `actor` (none for the server itself) on `subject` at `now` (Unix seconds).
pub async fn record(
    tx: &mut OrgTx,
    now: i64,
    actor: Option<&UserId>,
    event: &'static str,
    subject: Option<&str>,
) -> DbResult<()> {
    let org = tx.org().clone();
    exec!(&mut tx.conn, c => sqlx::query(
        "INSERT INTO audit_log (org_id, event_id, at, actor_user_id, event, subject_id) VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(&org)
    .bind(new_id())
    .bind(now)
    .bind(actor)
    .bind(event)
    .bind(subject)
    .execute(c)
    .await)?;
    Ok(())
}
