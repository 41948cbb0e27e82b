//! Credentials on requests: access JWTs, refresh tokens, device tokens, and the verified principals
//! built from them (who is calling; what they may do is decided in `policy`).
//!
//! Access tokens: HS256 only (pinned: the header cannot choose the algorithm), at most 15 minutes,
//! `exp`, `iss`, `aud`, `sub` required, `nbf` checked, and the session id (`sid`) looked up on every
//! request so logout and password change take effect at once. Refresh tokens are opaque random
//! strings, stored as SHA-256; each use rotates them and a second use of a spent one revokes the whole
//! session (the token family).

use crate::db::{exec, run, OrgScope, OrgTx, Tx};
use crate::error::ApiError;
use crate::ids::{DeviceId, OrgId, TeamId, UserId};
pub use crate::keys::{fill_random, new_id, random_token, token_hash, AccessClaims, Keys, AUDIENCE};
pub use crate::password::{
    check_password_rule, hash_password, verify_password, BCRYPT_COST, MAX_PASSWORD_CHARS, MIN_PASSWORD_CHARS,
};
use crate::state::AppState;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use serde::{Deserialize, Serialize};

/// Name of the browser cookie holding the access JWT.
pub const ACCESS_COOKIE: &str = "__Host-p1_access";
/// Name of the browser cookie holding the refresh token.
pub const REFRESH_COOKIE: &str = "__Host-p1_refresh";
/// How long a refresh token (and so a browser sign-in) stays usable without being rotated.
pub const REFRESH_TTL_S: i64 = 30 * 24 * 3600;

/// A role inside an organization.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Sees own data and team aggregates above the minimum group size.
    Member,
    /// Also sees their team's aggregates and members' proficiency scores.
    Manager,
    /// Manages the organization.
    Admin,
}

impl Role {
    /// Stored spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Member => "member",
            Self::Manager => "manager",
            Self::Admin => "admin",
        }
    }
    /// Parses the stored spelling.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "member" => Some(Self::Member),
            "manager" => Some(Self::Manager),
            "admin" => Some(Self::Admin),
            _ => None,
        }
    }
}

/// A user's place in their organization.
#[derive(Debug, Clone)]
pub struct Member {
    /// The org scope for storage calls.
    pub scope: OrgScope,
    /// Role in the org.
    pub role: Role,
    /// Team, if any.
    pub team_id: Option<TeamId>,
}

/// A signed-in person (API: Bearer access token).
#[derive(Debug, Clone)]
pub struct User {
    /// User id.
    pub user_id: UserId,
    /// Auth session id.
    pub session_id: String,
    /// Email.
    pub email: String,
    /// Organization membership, if any.
    pub member: Option<Member>,
}

impl User {
    /// The membership, or 403 for users without an organization.
    pub fn member(&self) -> Result<&Member, ApiError> {
        self.member.as_ref().ok_or_else(|| {
            ApiError::new(
                axum::http::StatusCode::FORBIDDEN,
                "no_organization",
                "you are not a member of an organization",
            )
        })
    }
}

/// Resolves the principal of a verified access token: the session must be live, and the membership
/// is read fresh (role changes apply at once).
pub async fn load_user(state: &AppState, claims: &AccessClaims) -> Result<User, ApiError> {
    let user_id = UserId::parse(&claims.sub).map_err(|_| ApiError::unauthorized())?;
    let mut tx = state.db.begin().await?;
    let row: Option<(String, Option<OrgId>)> = run!(&mut tx.conn, c => sqlx::query_as(
        "SELECT u.email, u.org_id FROM auth_sessions s JOIN users u ON u.user_id = s.user_id
         WHERE s.session_id = $1 AND s.user_id = $2 AND s.revoked_at IS NULL",
    )
    .bind(&claims.sid)
    .bind(&claims.sub)
    .fetch_optional(c)
    .await
    .map_err(crate::db::DbError::from))?;
    let Some((email, org_id)) = row else {
        return Err(ApiError::unauthorized());
    };
    let member = match org_id {
        Some(org) => member_of(tx, &user_id, &org).await?,
        None => {
            tx.commit().await?;
            None
        }
    };
    Ok(User {
        user_id,
        session_id: claims.sid.clone(),
        email,
        member,
    })
}

/// Reads `user_id`'s membership in `org_id` (which comes from the user's own row).
async fn member_of(tx: Tx, user_id: &UserId, org_id: &OrgId) -> Result<Option<Member>, ApiError> {
    let scope = OrgScope::trusted(org_id);
    let mut tx = tx.into_org(&scope).await?;
    let org = tx.org().to_owned();
    let row: Option<(String, Option<TeamId>)> = run!(&mut tx.conn, c => sqlx::query_as(
        "SELECT role, team_id FROM memberships WHERE org_id = $1 AND user_id = $2",
    )
    .bind(&org)
    .bind(user_id)
    .fetch_optional(c)
    .await
    .map_err(crate::db::DbError::from))?;
    tx.commit().await?;
    Ok(row.and_then(|(role, team_id)| {
        Some(Member {
            scope,
            role: Role::parse(&role)?,
            team_id,
        })
    }))
}

/// The bearer token of a request, if any.
pub fn bearer(parts: &Parts) -> Option<&str> {
    let v = parts
        .headers
        .get(axum::http::header::AUTHORIZATION)?
        .to_str()
        .ok()?;
    let (scheme, token) = v.split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then_some(token.trim())
}

/// A cookie's value from the request.
pub fn cookie<'a>(parts: &'a Parts, name: &str) -> Option<&'a str> {
    for header in parts.headers.get_all(axum::http::header::COOKIE) {
        let Ok(text) = header.to_str() else { continue };
        for pair in text.split(';') {
            if let Some((k, v)) = pair.trim().split_once('=') {
                if k == name {
                    return Some(v);
                }
            }
        }
    }
    None
}

impl FromRequestParts<AppState> for User {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let token = bearer(parts).ok_or_else(ApiError::unauthorized)?;
        let claims = state.keys.verify_access(token)?;
        load_user(state, &claims).await
    }
}

/// A device authenticated by its upload token: it may only upload (and revoke itself).
#[derive(Debug, Clone)]
pub struct Device {
    /// The device's org scope.
    pub scope: OrgScope,
    /// Device id.
    pub device_id: DeviceId,
    /// Owner.
    pub user_id: UserId,
    /// Owner's team at request time (for new sessions' team rollups).
    pub team_id: Option<TeamId>,
    /// Last upload (Unix seconds).
    pub last_seen_at: Option<i64>,
}

/// Device tokens are `p1d_<org id>_<64 hex digits>`: the org id (not secret) lets the lookup run
/// inside that org's row-level-security scope; the random part carries 256 bits.
pub fn make_device_token(org_id: &OrgId) -> String {
    format!("p1d_{org_id}_{}", random_token())
}

fn parse_device_token(token: &str) -> Option<OrgId> {
    let rest = token.strip_prefix("p1d_")?;
    let (org, secret) = rest.split_once('_')?;
    let ok = secret.len() == 64 && secret.bytes().all(|b| b.is_ascii_hexdigit());
    ok.then(|| OrgId::parse(org).ok()).flatten()
}

/// A bearer token shaped like a device token, not yet checked against the database. Ingest checks
/// it inside its own transaction, saving a round trip per upload.
#[derive(Debug, Clone)]
pub struct DeviceToken {
    /// The org named by the token (trusted only for the lookup of the token itself).
    pub scope: OrgScope,
    token: String,
}

impl FromRequestParts<AppState> for DeviceToken {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _state: &AppState) -> Result<Self, Self::Rejection> {
        let token = bearer(parts).ok_or_else(ApiError::unauthorized)?;
        let org = parse_device_token(token).ok_or_else(ApiError::unauthorized)?;
        Ok(Self {
            scope: OrgScope::trusted(&org),
            token: token.to_owned(),
        })
    }
}

/// The live device (and its owner's team) of a token hash in org `$1`; `$2` is the hash. Shared
/// by [`DeviceToken::verify`] and the PostgreSQL ingest statement, which authenticates inline.
pub(crate) const DEVICE_BY_TOKEN: &str = "SELECT d.device_id, d.user_id, m.team_id, d.last_seen_at \
     FROM devices d JOIN memberships m ON m.org_id = d.org_id AND m.user_id = d.user_id \
     WHERE d.org_id = $1 AND d.token_hash = $2 AND d.revoked_at IS NULL";

/// A row of [`DEVICE_BY_TOKEN`]: device id, user id, team id, last upload.
pub(crate) type DeviceRow = (DeviceId, UserId, Option<TeamId>, Option<i64>);

impl DeviceToken {
    /// The SHA-256 of the token, as stored.
    pub(crate) fn hash(&self) -> Vec<u8> {
        token_hash(&self.token)
    }

    /// The device of a [`DEVICE_BY_TOKEN`] row.
    pub(crate) fn device(&self, row: DeviceRow) -> Device {
        let (device_id, user_id, team_id, last_seen_at) = row;
        Device {
            scope: self.scope.clone(),
            device_id,
            user_id,
            team_id,
            last_seen_at,
        }
    }

    /// Authenticates the device inside `tx` (opened with `self.scope`): the token's hash must match
    /// a live device whose owner is still a member. Nothing is returned otherwise.
    pub async fn verify(&self, tx: &mut OrgTx) -> Result<Device, ApiError> {
        let org = tx.org().to_owned();
        let row: Option<DeviceRow> = run!(&mut tx.conn, c => sqlx::query_as(DEVICE_BY_TOKEN)
            .bind(&org)
            .bind(self.hash())
            .fetch_optional(c)
            .await
            .map_err(crate::db::DbError::from))?;
        Ok(self.device(row.ok_or_else(ApiError::unauthorized)?))
    }
}

impl FromRequestParts<AppState> for Device {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let token = <DeviceToken as FromRequestParts<AppState>>::from_request_parts(parts, state).await?;
        let mut tx = state.db.begin_org(&token.scope).await?;
        let dev = token.verify(&mut tx).await?;
        tx.commit().await?;
        Ok(dev)
    }
}

/// Tokens handed out by a login or a refresh.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct TokenPair {
    /// Access JWT (Bearer).
    pub access_token: String,
    /// Opaque refresh token (single use).
    pub refresh_token: String,
    /// Always `Bearer`.
    pub token_type: &'static str,
    /// Access token lifetime in seconds.
    pub expires_in: u64,
}

/// Starts an auth session (a refresh-token family) for `user_id` and issues its first tokens.
pub async fn start_session(state: &AppState, tx: &mut Tx, user_id: &UserId) -> Result<TokenPair, ApiError> {
    let sid = new_id();
    let t = state.now();
    exec!(&mut tx.conn, c => sqlx::query(
        "INSERT INTO auth_sessions (session_id, user_id, created_at) VALUES ($1, $2, $3)",
    )
    .bind(&sid)
    .bind(user_id)
    .bind(t)
    .execute(c)
    .await
    .map_err(crate::db::DbError::from))?;
    issue_pair(state, tx, user_id, &sid).await
}

async fn issue_pair(
    state: &AppState,
    tx: &mut Tx,
    user_id: &UserId,
    sid: &str,
) -> Result<TokenPair, ApiError> {
    let refresh = format!("p1r_{}", random_token());
    exec!(&mut tx.conn, c => sqlx::query(
        "INSERT INTO refresh_tokens (token_hash, session_id, created_at) VALUES ($1, $2, $3)",
    )
    .bind(token_hash(&refresh))
    .bind(sid)
    .bind(state.now())
    .execute(c)
    .await
    .map_err(crate::db::DbError::from))?;
    Ok(TokenPair {
        access_token: state.keys.issue_access(user_id.as_str(), sid)?,
        refresh_token: refresh,
        token_type: "Bearer",
        expires_in: state.keys.access_ttl_s(),
    })
}

/// What a refresh attempt came to.
#[derive(Debug)]
pub enum Refreshed {
    /// New tokens (the presented one is now spent).
    Ok(TokenPair, String),
    /// Unknown, spent (its family is now revoked) or revoked.
    Refused,
}

/// Rotates a refresh token. A spent token presented again revokes its whole session (family),
/// because either the client or a thief holds a copy: the legitimate holder must log in again.
pub async fn rotate_refresh(state: &AppState, token: &str) -> Result<Refreshed, ApiError> {
    let mut tx = state.db.begin().await?;
    // (session id, used at, user id, session revoked at, created at)
    type RefreshRow = (String, Option<i64>, UserId, Option<i64>, i64);
    let row: Option<RefreshRow> = run!(&mut tx.conn, c => sqlx::query_as(
        "SELECT r.session_id, r.used_at, s.user_id, s.revoked_at, r.created_at FROM refresh_tokens r
         JOIN auth_sessions s ON s.session_id = r.session_id WHERE r.token_hash = $1",
    )
    .bind(token_hash(token))
    .fetch_optional(c)
    .await
    .map_err(crate::db::DbError::from))?;
    let Some((sid, used_at, user_id, revoked_at, created_at)) = row else {
        return Ok(Refreshed::Refused);
    };
    let now = state.now();
    if revoked_at.is_some() || created_at + REFRESH_TTL_S < now {
        return Ok(Refreshed::Refused);
    }
    let spent = exec!(&mut tx.conn, c => sqlx::query(
        "UPDATE refresh_tokens SET used_at = $2 WHERE token_hash = $1 AND used_at IS NULL",
    )
    .bind(token_hash(token))
    .bind(now)
    .execute(c)
    .await
    .map_err(crate::db::DbError::from))?;
    if used_at.is_some() || spent == 0 {
        revoke_session(&mut tx, &sid, now).await?;
        tx.commit().await?;
        tracing::warn!(
            event = "refresh_token_reuse",
            "a spent refresh token was presented; session revoked"
        );
        return Ok(Refreshed::Refused);
    }
    let pair = issue_pair(state, &mut tx, &user_id, &sid).await?;
    tx.commit().await?;
    Ok(Refreshed::Ok(pair, sid))
}

/// Revokes one auth session (its refresh tokens stop working; its access tokens fail the `sid`
/// check at once).
pub async fn revoke_session(tx: &mut Tx, sid: &str, now: i64) -> Result<(), ApiError> {
    exec!(&mut tx.conn, c => sqlx::query(
        "UPDATE auth_sessions SET revoked_at = $2 WHERE session_id = $1 AND revoked_at IS NULL",
    )
    .bind(sid)
    .bind(now)
    .execute(c)
    .await
    .map_err(crate::db::DbError::from))?;
    Ok(())
}

/// Revokes every session of a user (password change, removal).
pub async fn revoke_all_sessions(tx: &mut Tx, user_id: &UserId, now: i64) -> Result<(), ApiError> {
    exec!(&mut tx.conn, c => sqlx::query(
        "UPDATE auth_sessions SET revoked_at = $2 WHERE user_id = $1 AND revoked_at IS NULL",
    )
    .bind(user_id)
    .bind(now)
    .execute(c)
    .await
    .map_err(crate::db::DbError::from))?;
    Ok(())
}

/// Runs a slow password operation off the async workers.
pub async fn blocking<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> Result<T, ApiError> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|_| ApiError::internal())
}

impl axum::extract::OptionalFromRequestParts<AppState> for User {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Option<Self>, Self::Rejection> {
        if bearer(parts).is_none() {
            return Ok(None);
        }
        <User as FromRequestParts<AppState>>::from_request_parts(parts, state)
            .await
            .map(Some)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn device_tokens_parse_only_in_their_exact_shape() {
        let org = OrgId::generate();
        let t = make_device_token(&org);
        assert_eq!(parse_device_token(&t), Some(org));
        assert_eq!(parse_device_token("p1d_x_y"), None);
        assert_eq!(parse_device_token(&t.replace("p1d_", "p1r_")), None);
        assert_eq!(parse_device_token(&format!("{t}0")), None);
    }
}
