//! Credentials: passwords, access JWTs, refresh tokens, device tokens, and the request principals
//! built from them.
//!
//! Passwords: bcrypt at cost 12 has a 72-byte input limit that silently truncates, so a 128-character
//! password would only be checked on its first 72 bytes. We therefore bcrypt
//! `base64(HMAC-SHA-256("prompt1-password-v1", password))` (44 bytes, all of the password matters) and
//! store it as `p1v1$<bcrypt>`. An unknown email is checked against a dummy hash so the response
//! time does not reveal which emails exist.
//!
//! Access tokens: HS256 only (pinned: the header cannot choose the algorithm), at most 15 minutes,
//! `exp`, `iss`, `aud`, `sub` required, `nbf` checked, and the session id (`sid`) looked up on every
//! request so logout and password change take effect at once. Refresh tokens are opaque random
//! strings, stored as SHA-256; each use rotates them and a second use of a spent one revokes the whole
//! session (the token family).

use crate::db::{OrgScope, OrgTx, Tx};
use crate::error::ApiError;
use crate::{exec, now, run, AppState};
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use base64::Engine;
use hmac::{Hmac, Mac};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::sync::LazyLock;

/// bcrypt cost factor.
pub const BCRYPT_COST: u32 = 12;
/// Shortest accepted password, in characters.
pub const MIN_PASSWORD_CHARS: usize = 8;
/// Longest accepted password, in characters.
pub const MAX_PASSWORD_CHARS: usize = 128;
/// Name of the browser cookie holding the access JWT.
pub const ACCESS_COOKIE: &str = "__Host-p1_access";
/// Name of the browser cookie holding the refresh token.
pub const REFRESH_COOKIE: &str = "__Host-p1_refresh";
/// The JWT audience.
pub const AUDIENCE: &str = "prompt1-api";
/// How long a refresh token (and so a browser sign-in) stays usable without being rotated.
pub const REFRESH_TTL_S: i64 = 30 * 24 * 3600;

const PASSWORD_PREFIX: &str = "p1v1$";

/// 256 random bits as 64 hex digits.
pub fn random_token() -> String {
    let mut b = [0u8; 32];
    fill_random(&mut b);
    hex::encode(b)
}

/// 128 random bits as 32 hex digits (row ids).
pub fn new_id() -> String {
    let mut b = [0u8; 16];
    fill_random(&mut b);
    hex::encode(b)
}

/// Fills `buf` from the operating system's generator.
pub fn fill_random(buf: &mut [u8]) {
    // The OS generator failing is unrecoverable for a server minting credentials.
    #[allow(clippy::expect_used)]
    getrandom::fill(buf).expect("operating system random generator");
}

/// SHA-256 of a token, as stored.
pub fn token_hash(token: &str) -> Vec<u8> {
    Sha256::digest(token.as_bytes()).to_vec()
}

fn prehash(password: &str) -> String {
    #[allow(clippy::expect_used)]
    let mut mac = Hmac::<Sha256>::new_from_slice(b"prompt1-password-v1").expect("any key length");
    mac.update(password.as_bytes());
    base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
}

/// Checks the length rule (8 to 128 characters).
pub fn check_password_rule(password: &str) -> Result<(), ApiError> {
    let n = password.chars().count();
    if !(MIN_PASSWORD_CHARS..=MAX_PASSWORD_CHARS).contains(&n) {
        return Err(ApiError::bad_request(
            "weak_password",
            "passwords must be 8 to 128 characters long",
        ));
    }
    Ok(())
}

/// Hashes a password (slow: call from a blocking thread).
pub fn hash_password(password: &str) -> Result<String, ApiError> {
    let h = bcrypt::hash(prehash(password), BCRYPT_COST).map_err(|_| ApiError::internal())?;
    Ok(format!("{PASSWORD_PREFIX}{h}"))
}

static DUMMY_HASH: LazyLock<String> =
    LazyLock::new(|| hash_password(&random_token()).unwrap_or_else(|_| String::from("p1v1$invalid")));

/// Verifies a password against a stored hash, or against a dummy hash when there is none, so both
/// take the same time (slow: call from a blocking thread).
pub fn verify_password(password: &str, stored: Option<&str>) -> bool {
    let (hash, real) = match stored {
        Some(h) => (h, true),
        None => (DUMMY_HASH.as_str(), false),
    };
    let Some(bc) = hash.strip_prefix(PASSWORD_PREFIX) else {
        return false;
    };
    let ok = bcrypt::verify(prehash(password), bc).unwrap_or(false);
    ok && real
}

/// Warms the dummy hash so the first unknown-email login is not faster than the rest.
pub fn warm_up() {
    LazyLock::force(&DUMMY_HASH);
}

/// The signing key of access tokens and CSRF tags (from config, else generated once and stored).
#[derive(Clone)]
pub struct Keys {
    enc: EncodingKey,
    dec: DecodingKey,
    secret: Vec<u8>,
    issuer: String,
    access_ttl_s: u64,
}

impl std::fmt::Debug for Keys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Keys")
            .field("secret", &"[redacted]")
            .field("issuer", &self.issuer)
            .finish()
    }
}

/// Claims of an access token.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct AccessClaims {
    /// Issuer.
    pub iss: String,
    /// Audience.
    pub aud: String,
    /// User id.
    pub sub: String,
    /// Auth session id (checked against revocations on every request).
    pub sid: String,
    /// Issued at.
    pub iat: u64,
    /// Not before.
    pub nbf: u64,
    /// Expiry.
    pub exp: u64,
    /// Always `access`.
    pub typ: String,
}

impl Keys {
    /// Keys from a secret of at least 32 bytes.
    pub fn new(secret: &[u8], issuer: &str, access_ttl_s: u64) -> Result<Self, ApiError> {
        if secret.len() < 32 {
            return Err(ApiError::internal());
        }
        let enc = EncodingKey::from_secret(secret).map_err(|_| ApiError::internal())?;
        let dec = DecodingKey::from_secret(secret).map_err(|_| ApiError::internal())?;
        Ok(Self {
            enc,
            dec,
            secret: secret.to_vec(),
            issuer: issuer.to_owned(),
            access_ttl_s: access_ttl_s.min(15 * 60),
        })
    }

    /// The issuer string.
    pub fn issuer(&self) -> &str {
        &self.issuer
    }

    /// Lifetime of access tokens in seconds.
    pub fn access_ttl_s(&self) -> u64 {
        self.access_ttl_s
    }

    /// Signs an access token for `user_id` in auth session `sid`.
    pub fn issue_access(&self, user_id: &str, sid: &str) -> Result<String, ApiError> {
        let t = now() as u64;
        let claims = AccessClaims {
            iss: self.issuer.clone(),
            aud: AUDIENCE.into(),
            sub: user_id.into(),
            sid: sid.into(),
            iat: t,
            nbf: t,
            exp: t + self.access_ttl_s,
            typ: "access".into(),
        };
        jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &self.enc)
            .map_err(|_| ApiError::internal())
    }

    /// Verifies an access token: HS256 only, signature, `exp`/`nbf` (5 s leeway), `iss`, `aud`,
    /// required claims, and `typ`.
    pub fn verify_access(&self, token: &str) -> Result<AccessClaims, ApiError> {
        let mut v = Validation::new(Algorithm::HS256);
        v.set_issuer(&[&self.issuer]);
        v.set_audience(&[AUDIENCE]);
        v.set_required_spec_claims(&["exp", "iss", "aud", "sub", "nbf"]);
        v.validate_nbf = true;
        v.leeway = 5;
        let data = jsonwebtoken::decode::<AccessClaims>(token, &self.dec, &v)
            .map_err(|_| ApiError::unauthorized())?;
        if data.claims.typ != "access" {
            return Err(ApiError::unauthorized());
        }
        Ok(data.claims)
    }

    /// A CSRF tag bound to an auth session (forms carry it; only our pages can know it).
    pub fn csrf_tag(&self, sid: &str) -> String {
        #[allow(clippy::expect_used)]
        let mut mac = Hmac::<Sha256>::new_from_slice(&self.secret).expect("any key length");
        mac.update(b"csrf:");
        mac.update(sid.as_bytes());
        hex::encode(mac.finalize().into_bytes())
    }

    /// Constant-time check of a CSRF tag.
    pub fn check_csrf(&self, sid: &str, tag: &str) -> bool {
        let want = self.csrf_tag(sid);
        want.len() == tag.len() && want.bytes().zip(tag.bytes()).fold(0u8, |a, (x, y)| a | (x ^ y)) == 0
    }
}

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
    pub team_id: Option<String>,
}

impl Member {
    /// Errors with 403 unless admin.
    pub fn require_admin(&self) -> Result<(), ApiError> {
        if self.role == Role::Admin {
            Ok(())
        } else {
            Err(ApiError::forbidden())
        }
    }
}

/// A signed-in person (API: Bearer access token).
#[derive(Debug, Clone)]
pub struct User {
    /// User id.
    pub user_id: String,
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
    let mut tx = state.db.begin().await?;
    let row: Option<(String, Option<String>)> = run!(&mut tx.conn, c => sqlx::query_as(
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
        Some(org) => member_of(tx, &claims.sub, &org).await?,
        None => {
            tx.commit().await?;
            None
        }
    };
    Ok(User {
        user_id: claims.sub.clone(),
        session_id: claims.sid.clone(),
        email,
        member,
    })
}

/// Reads `user_id`'s membership in `org_id` (which comes from the user's own row).
async fn member_of(tx: Tx, user_id: &str, org_id: &str) -> Result<Option<Member>, ApiError> {
    let scope = OrgScope::trusted(org_id);
    let mut tx = tx.into_org(&scope).await?;
    let org = tx.org().to_owned();
    let row: Option<(String, Option<String>)> = run!(&mut tx.conn, c => sqlx::query_as(
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
    pub device_id: String,
    /// Owner.
    pub user_id: String,
    /// Owner's team at request time (for new sessions' team rollups).
    pub team_id: Option<String>,
    /// Last upload (Unix seconds).
    pub last_seen_at: Option<i64>,
}

/// Device tokens are `p1d_<org id>_<64 hex digits>`: the org id (not secret) lets the lookup run
/// inside that org's row-level-security scope; the random part carries 256 bits.
pub fn make_device_token(org_id: &str) -> String {
    format!("p1d_{org_id}_{}", random_token())
}

fn parse_device_token(token: &str) -> Option<&str> {
    let rest = token.strip_prefix("p1d_")?;
    let (org, secret) = rest.split_once('_')?;
    let ok = org.len() == 32
        && secret.len() == 64
        && org.bytes().chain(secret.bytes()).all(|b| b.is_ascii_hexdigit());
    ok.then_some(org)
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
            scope: OrgScope::trusted(org),
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
pub(crate) type DeviceRow = (String, String, Option<String>, Option<i64>);

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
pub async fn start_session(state: &AppState, tx: &mut Tx, user_id: &str) -> Result<TokenPair, ApiError> {
    let sid = new_id();
    let t = now();
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

async fn issue_pair(state: &AppState, tx: &mut Tx, user_id: &str, sid: &str) -> Result<TokenPair, ApiError> {
    let refresh = format!("p1r_{}", random_token());
    exec!(&mut tx.conn, c => sqlx::query(
        "INSERT INTO refresh_tokens (token_hash, session_id, created_at) VALUES ($1, $2, $3)",
    )
    .bind(token_hash(&refresh))
    .bind(sid)
    .bind(now())
    .execute(c)
    .await
    .map_err(crate::db::DbError::from))?;
    Ok(TokenPair {
        access_token: state.keys.issue_access(user_id, sid)?,
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
    type RefreshRow = (String, Option<i64>, String, Option<i64>, i64);
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
    if revoked_at.is_some() || created_at + REFRESH_TTL_S < now() {
        return Ok(Refreshed::Refused);
    }
    let spent = exec!(&mut tx.conn, c => sqlx::query(
        "UPDATE refresh_tokens SET used_at = $2 WHERE token_hash = $1 AND used_at IS NULL",
    )
    .bind(token_hash(token))
    .bind(now())
    .execute(c)
    .await
    .map_err(crate::db::DbError::from))?;
    if used_at.is_some() || spent == 0 {
        revoke_session(&mut tx, &sid).await?;
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
pub async fn revoke_session(tx: &mut Tx, sid: &str) -> Result<(), ApiError> {
    exec!(&mut tx.conn, c => sqlx::query(
        "UPDATE auth_sessions SET revoked_at = $2 WHERE session_id = $1 AND revoked_at IS NULL",
    )
    .bind(sid)
    .bind(now())
    .execute(c)
    .await
    .map_err(crate::db::DbError::from))?;
    Ok(())
}

/// Revokes every session of a user (password change, removal).
pub async fn revoke_all_sessions(tx: &mut Tx, user_id: &str) -> Result<(), ApiError> {
    exec!(&mut tx.conn, c => sqlx::query(
        "UPDATE auth_sessions SET revoked_at = $2 WHERE user_id = $1 AND revoked_at IS NULL",
    )
    .bind(user_id)
    .bind(now())
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
        let org = new_id();
        let t = make_device_token(&org);
        assert_eq!(parse_device_token(&t), Some(org.as_str()));
        assert_eq!(parse_device_token("p1d_x_y"), None);
        assert_eq!(parse_device_token(&t.replace("p1d_", "p1r_")), None);
        assert_eq!(parse_device_token(&format!("{t}0")), None);
    }

    #[test]
    fn passwords_past_72_bytes_still_matter() {
        let a = "a".repeat(100);
        let b = format!("{}b", "a".repeat(99));
        let h = hash_password(&a).unwrap();
        assert!(verify_password(&a, Some(&h)));
        assert!(!verify_password(&b, Some(&h)), "a change after byte 72 must fail");
        assert!(!verify_password(&a, None), "the dummy hash never matches");
        assert!(h.starts_with("p1v1$$2b$12$"), "cost 12");
    }

    #[test]
    fn password_rule_counts_characters() {
        assert!(check_password_rule("1234567").is_err());
        assert!(check_password_rule("12345678").is_ok());
        assert!(check_password_rule(&"é".repeat(128)).is_ok());
        assert!(check_password_rule(&"x".repeat(129)).is_err());
    }
}
