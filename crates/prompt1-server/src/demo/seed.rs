//! Seeding an organization through the server's own flows: organization and teams as an admin
//! creates them, devices through the device-login flow, sessions through `POST /api/v1/ingest`
//! with each device's token, so every rollup is built exactly as in production.
//!
//! Two shortcuts, both about cost, not shape: members are written with a password hash computed
//! once and shared by everyone who is not given a printed password (bcrypt at cost 12 is a
//! quarter of a second per member, which would make a 1,000-developer benchmark seed for minutes),
//! and a member's device is approved with a session started for them directly (no password
//! check). Both write the same rows as an accepted invite and an approved login.

use crate::auth::{self, Role};
use crate::db::{exec, DbError};
use crate::error::{ApiError, ApiResult};
use crate::ids::{TeamId, UserId};
use crate::policy::{self, AdminGrant};
use crate::state::AppState;
use axum::body::Body;
use axum::http::{header, Method, Request, StatusCode};
use axum::Router;
use prompt1_wire::upload::{UploadAck, UploadStatus, MAX_BATCH};
use prompt1_wire::SessionSummary;
use tower::ServiceExt;

fn dberr(e: sqlx::Error) -> DbError {
    DbError::from(e)
}

/// A bcrypt hash of `password`, in the server's stored form (to share among seeded members).
pub async fn password_hash(password: &str) -> ApiResult<String> {
    auth::check_password_rule(password)?;
    let pw = password.to_owned();
    auth::blocking(move || auth::hash_password(&pw)).await?
}

/// Adds a member with an already hashed password to the admin's organization, in `team`.
/// Writes the rows an accepted invite writes (user, membership) and audit-logs the join.
pub async fn add_member(
    state: &AppState,
    grant: &AdminGrant,
    email: &str,
    hash: &str,
    role: Role,
    team: Option<&TeamId>,
) -> ApiResult<UserId> {
    let email = crate::orgs::clean_email(email)?;
    let now = state.now();
    let org = grant.scope().org_id().clone();
    let user_id = UserId::generate();
    let mut tx = state.db.begin().await?;
    exec!(&mut tx.conn, c => sqlx::query(
        "INSERT INTO users (user_id, email, password_hash, org_id, created_at) VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(&user_id).bind(&email).bind(hash).bind(&org).bind(now).execute(c).await.map_err(dberr))?;
    let mut otx = tx.into_org(grant.scope()).await?;
    exec!(&mut otx.conn, c => sqlx::query(
        "INSERT INTO memberships (org_id, user_id, role, team_id, joined_at) VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(&org).bind(&user_id).bind(role.as_str()).bind(team).bind(now).execute(c).await.map_err(dberr))?;
    crate::audit::record(
        &mut otx,
        now,
        Some(&user_id),
        "member_joined",
        Some(user_id.as_str()),
    )
    .await?;
    otx.commit().await?;
    Ok(user_id)
}

/// Signs `user` in (a new refresh session) and returns their access token, for seeding only.
pub async fn sign_in_as(state: &AppState, user: &UserId) -> ApiResult<String> {
    let mut tx = state.db.begin().await?;
    let pair = auth::start_session(state, &mut tx, user).await?;
    tx.commit().await?;
    Ok(pair.access_token)
}

/// The policy caller of an access token.
pub async fn caller_of(state: &AppState, access_token: &str) -> ApiResult<policy::Caller> {
    let claims = state.keys.verify_access(access_token)?;
    let user = auth::load_user(state, &claims).await?;
    policy::Caller::of(&user)
}

/// Enrolls a device for the signed-in `caller` through the device-login flow (code, approval by
/// the caller, token), and returns the device's upload token.
pub async fn enroll_device(state: &AppState, caller: &policy::Caller) -> ApiResult<String> {
    let own = policy::own_data(caller);
    let code = crate::orgs::start_device_login(state).await?;
    crate::orgs::decide_device_login(state, &own, &code.user_code, true).await?;
    Ok(crate::orgs::poll_device_login(state, &code.device_code)
        .await?
        .device_token)
}

/// Uploads `sessions` with a device token through `POST /api/v1/ingest`, in batches of
/// [`MAX_BATCH`]; every item must be stored (or already stored).
pub async fn upload(app: &Router, device_token: &str, sessions: &[SessionSummary]) -> ApiResult<usize> {
    let mut stored = 0;
    for chunk in sessions.chunks(MAX_BATCH) {
        let body = serde_json::json!({ "sessions": chunk });
        let req = Request::builder()
            .method(Method::POST)
            .uri("/api/v1/ingest")
            .header(header::AUTHORIZATION, format!("Bearer {device_token}"))
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from(body.to_string()))
            .map_err(|_| ApiError::internal())?;
        let resp = app.clone().oneshot(req).await.map_err(|_| ApiError::internal())?;
        let status = resp.status();
        let bytes = axum::body::to_bytes(resp.into_body(), usize::MAX)
            .await
            .map_err(|_| ApiError::internal())?;
        if status != StatusCode::OK {
            tracing::error!(%status, body = %String::from_utf8_lossy(&bytes), "seed upload refused");
            return Err(ApiError::internal());
        }
        let ack: UploadAck = serde_json::from_slice(&bytes).map_err(|_| ApiError::internal())?;
        for r in &ack.results {
            match r.status {
                UploadStatus::Stored => stored += 1,
                UploadStatus::AlreadyStored => {}
                UploadStatus::Rejected => {
                    tracing::error!(reason = ?r.reason, "seed session rejected");
                    return Err(ApiError::internal());
                }
            }
        }
    }
    Ok(stored)
}

/// An admin's grant from their access token.
pub async fn admin_grant(state: &AppState, access_token: &str) -> ApiResult<AdminGrant> {
    let caller = caller_of(state, access_token).await?;
    Ok(policy::admin(&caller)?)
}
