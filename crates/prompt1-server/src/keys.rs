//! Secrets the server mints and checks: random tokens, token hashes, and the signing key of
//! access JWTs and CSRF tags.
//!
//! Kept apart from `auth` (which reads requests) so that the shared state can hold the keys
//! without depending on the request extractors: imports run one way, from the routers down.

use crate::clock::system_now;
use crate::db::{Conn, Db, DbError, DbResult};
use crate::error::ApiError;
use hmac::{Hmac, Mac};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// The JWT audience.
pub const AUDIENCE: &str = "prompt1-api";

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
        // jsonwebtoken checks exp/nbf against the system clock, so tokens are issued from it too.
        let t = system_now() as u64;
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

/// Reads the stored signing secret, creating it on first start (safe with concurrent replicas).
pub async fn stored_secret(db: &Db) -> DbResult<Vec<u8>> {
    let mut tx = db.begin().await?;
    let candidate = random_token();
    let value: String = match &mut tx.conn {
        Conn::Sqlite(t) => {
            sqlx::query(
                "INSERT INTO settings (key, value) VALUES ('jwt_secret', $1) ON CONFLICT (key) DO NOTHING",
            )
            .bind(&candidate)
            .execute(&mut **t)
            .await?;
            sqlx::query_scalar("SELECT value FROM settings WHERE key = 'jwt_secret'")
                .fetch_one(&mut **t)
                .await?
        }
        Conn::Pg(t) => {
            sqlx::query(
                "INSERT INTO settings (key, value) VALUES ('jwt_secret', $1) ON CONFLICT (key) DO NOTHING",
            )
            .bind(&candidate)
            .execute(&mut **t)
            .await?;
            sqlx::query_scalar("SELECT value FROM settings WHERE key = 'jwt_secret'")
                .fetch_one(&mut **t)
                .await?
        }
    };
    tx.commit().await?;
    hex::decode(value).map_err(|_| DbError::Corrupt("settings.jwt_secret"))
}
