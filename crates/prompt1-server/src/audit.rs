//! The audit log: who did what to which subject, when, and from which network address, per
//! organization.
//!
//! Kept below the flows (organization management, settings, retention) that write to it, so each
//! of them records its event inside its own transaction: an action and its audit row commit
//! together or not at all.
//!
//! Why the address is a task-local and not an argument: every flow that audits is called from a
//! request handler, and threading the peer address through each flow's signature would change
//! every caller for a value none of them uses. The [`with_address`] layer sets it for the whole
//! request; [`record`] reads it. Work the server does on its own (retention) has no address.

use crate::db::{exec, DbResult, OrgTx};
use crate::ids::UserId;
use crate::keys::new_id;
use axum::extract::{ConnectInfo, Request};
use axum::middleware::Next;
use axum::response::Response;
use std::net::SocketAddr;

tokio::task_local! {
    static ADDRESS: Option<String>;
}

/// Middleware: makes the peer's IP address (from the connection) what [`record`] stores for the
/// rest of the request. Requests without connection info (in-process tests) record none.
pub async fn with_address(req: Request, next: Next) -> Response {
    let addr = req
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0.ip().to_string());
    ADDRESS.scope(addr, next.run(req)).await
}

/// The address of the request being served, if any.
pub fn current_address() -> Option<String> {
    ADDRESS.try_with(Clone::clone).ok().flatten()
}

/// Records `event` by `actor` (none for the server itself) on `subject` at `now` (Unix seconds),
/// with the current request's address.
pub async fn record(
    tx: &mut OrgTx,
    now: i64,
    actor: Option<&UserId>,
    event: &'static str,
    subject: Option<&str>,
) -> DbResult<()> {
    let org = tx.org().clone();
    let address = current_address();
    exec!(&mut tx.conn, c => sqlx::query(
        "INSERT INTO audit_log (org_id, event_id, at, actor_user_id, event, subject_id, address) \
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(&org)
    .bind(new_id())
    .bind(now)
    .bind(actor)
    .bind(event)
    .bind(subject)
    .bind(&address)
    .execute(c)
    .await)?;
    Ok(())
}
