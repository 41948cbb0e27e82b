//! The account, organization, team and device flows, shared by the JSON API and the pages.
//!
//! Each flow is one transaction: it either happens whole or leaves nothing behind. Tenant data is
//! only reached through an [`OrgTx`] opened from the caller's own membership ([`Member::scope`]),
//! and every tenant query binds `tx.org()`: an id from another organization simply finds nothing,
//! which the API answers with 404.

use crate::audit;
use crate::auth::{self, Device, Role, TokenPair, User};
use crate::db::{exec, run, Db, DbError, DbResult, OrgScope, OrgTx, Tx};
use crate::error::{ApiError, ApiResult};
use crate::ids::{DeviceId, OrgId, TeamId, UserId};
use crate::policy::{
    AdminGrant, ManageDevice, ManageMember, ManageTeam, MemberList, MemberScope, OrgDirectory, OwnData,
};
use crate::state::AppState;
use axum::http::StatusCode;
use serde::Serialize;

fn dberr(e: sqlx::Error) -> DbError {
    DbError::Sqlx(e)
}

fn is_unique_violation(e: &DbError) -> bool {
    matches!(e, DbError::Sqlx(sqlx::Error::Database(d)) if d.is_unique_violation())
}

async fn setting(tx: &mut Tx, key: &str) -> DbResult<Option<String>> {
    run!(&mut tx.conn, c => sqlx::query_scalar("SELECT value FROM settings WHERE key = $1")
        .bind(key)
        .fetch_optional(c)
        .await
        .map_err(dberr))
}

async fn put_setting(tx: &mut Tx, key: &str, value: &str) -> DbResult<()> {
    exec!(&mut tx.conn, c => sqlx::query(
        "INSERT INTO settings (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
    )
    .bind(key)
    .bind(value)
    .execute(c)
    .await
    .map_err(dberr))?;
    Ok(())
}

/// A new one-time setup token, if setup has not happened yet.
pub async fn new_setup_token(db: &Db) -> DbResult<Option<String>> {
    let mut tx = db.begin().await?;
    if setting(&mut tx, "setup_done").await?.is_some() {
        return Ok(None);
    }
    let token = auth::random_token();
    put_setting(
        &mut tx,
        "setup_token_hash",
        &hex::encode(auth::token_hash(&token)),
    )
    .await?;
    tx.commit().await?;
    Ok(Some(token))
}

/// If no organization has been set up yet, makes a fresh one-time setup link (any older one stops
/// working) and returns it.
pub async fn setup_link(state: &AppState) -> DbResult<Option<String>> {
    Ok(new_setup_token(&state.db)
        .await?
        .map(|t| format!("{}/setup?token={t}", state.cfg.base_url())))
}

/// Whether the setup token is the current one.
pub async fn setup_token_valid(db: &Db, token: &str) -> DbResult<bool> {
    let mut tx = db.begin().await?;
    let ok = setting(&mut tx, "setup_done").await?.is_none()
        && setting(&mut tx, "setup_token_hash").await?.as_deref()
            == Some(hex::encode(auth::token_hash(token)).as_str());
    Ok(ok)
}

/// Normalizes and checks an email address.
pub fn clean_email(email: &str) -> ApiResult<String> {
    let e = email.trim().to_lowercase();
    let ok = e.len() <= 254
        && e.split_once('@')
            .is_some_and(|(a, d)| !a.is_empty() && d.contains('.') && !d.starts_with('.'))
        && !e.chars().any(|c| c.is_whitespace() || c.is_control());
    if ok {
        Ok(e)
    } else {
        Err(ApiError::bad_request(
            "invalid_email",
            "that is not an email address",
        ))
    }
}

/// Checks an organization or team name.
pub fn clean_name(name: &str) -> ApiResult<String> {
    let n = name.trim();
    if n.is_empty() || n.chars().count() > 100 || n.chars().any(char::is_control) {
        return Err(ApiError::bad_request(
            "invalid_name",
            "names are 1 to 100 characters",
        ));
    }
    Ok(n.to_owned())
}

async fn insert_user(
    tx: &mut Tx,
    now: i64,
    email: &str,
    hash: &str,
    org_id: Option<&OrgId>,
) -> ApiResult<UserId> {
    let user_id = UserId::generate();
    let r = exec!(&mut tx.conn, c => sqlx::query(
        "INSERT INTO users (user_id, email, password_hash, org_id, created_at) VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(&user_id)
    .bind(email)
    .bind(hash)
    .bind(org_id)
    .bind(now)
    .execute(c)
    .await
    .map_err(dberr));
    match r {
        Ok(_) => Ok(user_id),
        Err(e) if is_unique_violation(&e) => Err(ApiError::conflict(
            "email_taken",
            "an account with this email already exists",
        )),
        Err(e) => Err(e.into()),
    }
}

async fn audit(
    tx: &mut OrgTx,
    now: i64,
    actor: Option<&UserId>,
    event: &'static str,
    subject: Option<&str>,
) -> DbResult<()> {
    audit::record(tx, now, actor, event, subject).await
}

/// First-admin setup from the printed link: creates the organization and its admin, and signs in.
pub async fn setup(
    state: &AppState,
    token: &str,
    org_name: &str,
    email: &str,
    password: &str,
) -> ApiResult<TokenPair> {
    let org_name = clean_name(org_name)?;
    let email = clean_email(email)?;
    auth::check_password_rule(password)?;
    if !setup_token_valid(&state.db, token).await? {
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "invalid_setup_token",
            "this setup link is not valid",
        ));
    }
    let pw = password.to_owned();
    let hash = auth::blocking(move || auth::hash_password(&pw)).await??;
    let mut tx = state.db.begin().await?;
    // Re-checked inside the write transaction: only one setup can win.
    if !(setting(&mut tx, "setup_done").await?.is_none()
        && setting(&mut tx, "setup_token_hash").await?.as_deref()
            == Some(hex::encode(auth::token_hash(token)).as_str()))
    {
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "invalid_setup_token",
            "this setup link is not valid",
        ));
    }
    put_setting(&mut tx, "setup_done", "1").await?;
    exec!(&mut tx.conn, c => sqlx::query("DELETE FROM settings WHERE key = 'setup_token_hash'").execute(c).await.map_err(dberr))?;
    create_org_in(state, tx, &org_name, &email, &hash).await
}

/// Creates another organization with its first admin and signs the admin in (operators and
/// tests; the first organization comes from the setup link).
pub async fn create_org_with_admin(
    state: &AppState,
    org_name: &str,
    email: &str,
    password: &str,
) -> ApiResult<TokenPair> {
    let org_name = clean_name(org_name)?;
    let email = clean_email(email)?;
    auth::check_password_rule(password)?;
    let pw = password.to_owned();
    let hash = auth::blocking(move || auth::hash_password(&pw)).await??;
    let mut tx = state.db.begin().await?;
    put_setting(&mut tx, "setup_done", "1").await?;
    create_org_in(state, tx, &org_name, &email, &hash).await
}

async fn create_org_in(
    state: &AppState,
    mut tx: Tx,
    org_name: &str,
    email: &str,
    hash: &str,
) -> ApiResult<TokenPair> {
    let org_id = OrgId::generate();
    let now = state.now();
    let user_id = insert_user(&mut tx, now, email, hash, Some(&org_id)).await?;
    let pair = auth::start_session(state, &mut tx, &user_id).await?;
    let mut otx = tx.into_org(&OrgScope::trusted(&org_id)).await?;
    exec!(&mut otx.conn, c => sqlx::query("INSERT INTO orgs (org_id, name, created_at) VALUES ($1, $2, $3)")
        .bind(&org_id).bind(org_name).bind(now).execute(c).await.map_err(dberr))?;
    exec!(&mut otx.conn, c => sqlx::query(
        "INSERT INTO memberships (org_id, user_id, role, team_id, joined_at) VALUES ($1, $2, 'admin', NULL, $3)",
    )
    .bind(&org_id).bind(&user_id).bind(now).execute(c).await.map_err(dberr))?;
    audit(&mut otx, now, Some(&user_id), "org_created", None).await?;
    otx.commit().await?;
    Ok(pair)
}

/// Email + password login. Unknown emails cost the same bcrypt time as wrong passwords.
pub async fn login(state: &AppState, email: &str, password: &str) -> ApiResult<TokenPair> {
    let email = email.trim().to_lowercase();
    let mut tx = state.db.begin().await?;
    let row: Option<(UserId, String)> = run!(&mut tx.conn, c => sqlx::query_as(
        "SELECT user_id, password_hash FROM users WHERE email = $1",
    )
    .bind(&email)
    .fetch_optional(c)
    .await
    .map_err(dberr))?;
    tx.commit().await?;
    let pw = password.to_owned();
    let stored = row.as_ref().map(|r| r.1.clone());
    let ok = password.chars().count() <= auth::MAX_PASSWORD_CHARS
        && auth::blocking(move || auth::verify_password(&pw, stored.as_deref())).await?;
    let Some((user_id, _)) = row.filter(|_| ok) else {
        metrics::counter!("prompt1_login_failures_total").increment(1);
        return Err(ApiError::new(
            StatusCode::UNAUTHORIZED,
            "invalid_credentials",
            "wrong email or password",
        ));
    };
    let mut tx = state.db.begin().await?;
    let pair = auth::start_session(state, &mut tx, &user_id).await?;
    tx.commit().await?;
    Ok(pair)
}

/// Ends one auth session.
pub async fn logout(state: &AppState, sid: &str) -> ApiResult<()> {
    let mut tx = state.db.begin().await?;
    auth::revoke_session(&mut tx, sid, state.now()).await?;
    tx.commit().await?;
    Ok(())
}

/// Changes the password and ends every session of the user (this one included).
pub async fn change_password(state: &AppState, user: &User, old: &str, new: &str) -> ApiResult<()> {
    auth::check_password_rule(new)?;
    let mut tx = state.db.begin().await?;
    let stored: String = run!(&mut tx.conn, c => sqlx::query_scalar("SELECT password_hash FROM users WHERE user_id = $1")
        .bind(&user.user_id).fetch_one(c).await.map_err(dberr))?;
    tx.commit().await?;
    let (o, n) = (old.to_owned(), new.to_owned());
    let hash = auth::blocking(move || {
        if auth::verify_password(&o, Some(&stored)) {
            auth::hash_password(&n).map(Some)
        } else {
            Ok(None)
        }
    })
    .await??
    .ok_or_else(|| {
        ApiError::new(
            StatusCode::UNAUTHORIZED,
            "invalid_credentials",
            "wrong current password",
        )
    })?;
    let mut tx = state.db.begin().await?;
    exec!(&mut tx.conn, c => sqlx::query("UPDATE users SET password_hash = $2 WHERE user_id = $1")
        .bind(&user.user_id).bind(&hash).execute(c).await.map_err(dberr))?;
    auth::revoke_all_sessions(&mut tx, &user.user_id, state.now()).await?;
    tx.commit().await?;
    Ok(())
}

/// An invite link's token: `<org id>.<64 hex digits>`.
fn parse_invite(token: &str) -> Option<OrgId> {
    let (org, secret) = token.split_once('.')?;
    let ok = secret.len() == 64 && secret.bytes().all(|b| b.is_ascii_hexdigit());
    ok.then(|| OrgId::parse(org).ok()).flatten()
}

/// Creates an invite link (admins only).
pub async fn create_invite(
    state: &AppState,
    grant: &AdminGrant,
    role: Role,
    team_id: Option<&TeamId>,
) -> ApiResult<String> {
    let actor = grant.actor();
    let now = state.now();
    let mut tx = state.db.begin_org(grant.scope()).await?;
    if let Some(team) = team_id {
        team_exists(&mut tx, team).await?;
    }
    let token = format!("{}.{}", tx.org(), auth::random_token());
    let org = tx.org().to_owned();
    exec!(&mut tx.conn, c => sqlx::query(
        "INSERT INTO invites (org_id, invite_id, token_hash, role, team_id, created_by, created_at, expires_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(&org).bind(auth::new_id()).bind(auth::token_hash(&token)).bind(role.as_str()).bind(team_id)
    .bind(actor).bind(now).bind(now + state.cfg.invite_ttl_s)
    .execute(c).await.map_err(dberr))?;
    audit(&mut tx, now, Some(actor), "invite_created", None).await?;
    tx.commit().await?;
    Ok(format!("{}/invite/{token}", state.cfg.base_url()))
}

/// The organization name an invite leads to, if the invite is valid.
pub async fn invite_org_name(state: &AppState, token: &str) -> ApiResult<String> {
    let org = parse_invite(token).ok_or_else(ApiError::not_found)?;
    let mut tx = state.db.begin_org(&OrgScope::trusted(&org)).await?;
    let org = tx.org().to_owned();
    let name: Option<String> = run!(&mut tx.conn, c => sqlx::query_scalar(
        "SELECT o.name FROM invites i JOIN orgs o ON o.org_id = i.org_id \
         WHERE i.org_id = $1 AND i.token_hash = $2 AND i.used_at IS NULL AND i.expires_at > $3",
    )
    .bind(&org).bind(auth::token_hash(token)).bind(state.now()).fetch_optional(c).await.map_err(dberr))?;
    name.ok_or_else(ApiError::not_found)
}

/// Who accepts an invite.
#[derive(Debug)]
pub enum Joiner<'a> {
    /// A signed-in user without an organization.
    Existing(&'a User),
    /// A new account.
    New {
        /// Email.
        email: &'a str,
        /// Password.
        password: &'a str,
    },
}

/// Accepts an invite; a new account is signed in (tokens returned).
pub async fn accept_invite(state: &AppState, token: &str, who: Joiner<'_>) -> ApiResult<Option<TokenPair>> {
    let org = parse_invite(token).ok_or_else(ApiError::not_found)?;
    let now = state.now();
    let hash = match &who {
        Joiner::New { email, password } => {
            clean_email(email)?;
            auth::check_password_rule(password)?;
            let pw = password.to_string();
            Some(auth::blocking(move || auth::hash_password(&pw)).await??)
        }
        Joiner::Existing(u) if u.member.is_some() => {
            return Err(ApiError::conflict(
                "already_member",
                "leave your current organization first",
            ));
        }
        Joiner::Existing(_) => None,
    };
    let mut tx = state.db.begin().await?;
    let (user_id, pair) = match (&who, hash) {
        (Joiner::New { email, .. }, Some(hash)) => {
            let uid = insert_user(&mut tx, now, &clean_email(email)?, &hash, Some(&org)).await?;
            let pair = auth::start_session(state, &mut tx, &uid).await?;
            (uid, Some(pair))
        }
        (Joiner::Existing(u), _) => {
            let n = exec!(&mut tx.conn, c => sqlx::query("UPDATE users SET org_id = $2 WHERE user_id = $1 AND org_id IS NULL")
                .bind(&u.user_id).bind(&org).execute(c).await.map_err(dberr))?;
            if n == 0 {
                return Err(ApiError::conflict(
                    "already_member",
                    "leave your current organization first",
                ));
            }
            (u.user_id.clone(), None)
        }
        _ => return Err(ApiError::internal()),
    };
    let mut otx = tx.into_org(&OrgScope::trusted(&org)).await?;
    let org = otx.org().to_owned();
    let invite: Option<(String, String, Option<TeamId>)> = run!(&mut otx.conn, c => sqlx::query_as(
        "UPDATE invites SET used_at = $3 WHERE org_id = $1 AND token_hash = $2 AND used_at IS NULL AND expires_at > $3 \
         RETURNING invite_id, role, team_id",
    )
    .bind(&org).bind(auth::token_hash(token)).bind(now).fetch_optional(c).await.map_err(dberr))?;
    // Dropping the transaction rolls back the user row made above.
    let (_, role, team_id) = invite.ok_or_else(ApiError::not_found)?;
    exec!(&mut otx.conn, c => sqlx::query(
        "INSERT INTO memberships (org_id, user_id, role, team_id, joined_at) VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(&org).bind(&user_id).bind(&role).bind(&team_id).bind(now).execute(c).await.map_err(dberr))?;
    audit(
        &mut otx,
        now,
        Some(&user_id),
        "member_joined",
        Some(user_id.as_str()),
    )
    .await?;
    otx.commit().await?;
    Ok(pair)
}

async fn admin_count(tx: &mut OrgTx) -> DbResult<i64> {
    let org = tx.org().to_owned();
    run!(&mut tx.conn, c => sqlx::query_scalar("SELECT count(*) FROM memberships WHERE org_id = $1 AND role = 'admin'")
        .bind(&org).fetch_one(c).await.map_err(dberr))
}

async fn member_role(tx: &mut OrgTx, user_id: &UserId) -> ApiResult<Role> {
    let org = tx.org().to_owned();
    let role: Option<String> = run!(&mut tx.conn, c => sqlx::query_scalar(
        "SELECT role FROM memberships WHERE org_id = $1 AND user_id = $2",
    )
    .bind(&org).bind(user_id).fetch_optional(c).await.map_err(dberr))?;
    role.as_deref()
        .and_then(Role::parse)
        .ok_or_else(ApiError::not_found)
}

async fn team_exists(tx: &mut OrgTx, team_id: &TeamId) -> ApiResult<()> {
    let org = tx.org().to_owned();
    let n: i64 = run!(&mut tx.conn, c => sqlx::query_scalar("SELECT count(*) FROM teams WHERE org_id = $1 AND team_id = $2")
        .bind(&org).bind(team_id).fetch_one(c).await.map_err(dberr))?;
    if n == 1 {
        Ok(())
    } else {
        Err(ApiError::not_found())
    }
}

/// Removes `user_id` from the organization: membership gone, devices revoked, org pointer cleared.
async fn drop_member(tx: &mut OrgTx, now: i64, user_id: &UserId) -> ApiResult<()> {
    if member_role(tx, user_id).await? == Role::Admin && admin_count(tx).await? <= 1 {
        return Err(ApiError::conflict(
            "last_admin",
            "an organization needs at least one admin",
        ));
    }
    let org = tx.org().to_owned();
    exec!(&mut tx.conn, c => sqlx::query("DELETE FROM memberships WHERE org_id = $1 AND user_id = $2")
        .bind(&org).bind(user_id).execute(c).await.map_err(dberr))?;
    exec!(&mut tx.conn, c => sqlx::query(
        "UPDATE devices SET revoked_at = $3 WHERE org_id = $1 AND user_id = $2 AND revoked_at IS NULL",
    )
    .bind(&org).bind(user_id).bind(now).execute(c).await.map_err(dberr))?;
    exec!(&mut tx.conn, c => sqlx::query("UPDATE users SET org_id = NULL WHERE user_id = $1 AND org_id = $2")
        .bind(user_id).bind(&org).execute(c).await.map_err(dberr))?;
    Ok(())
}

/// Leaves the organization.
pub async fn leave(state: &AppState, me: &OwnData) -> ApiResult<()> {
    let now = state.now();
    let mut tx = state.db.begin_org(me.scope()).await?;
    drop_member(&mut tx, now, me.user()).await?;
    audit(
        &mut tx,
        now,
        Some(me.user()),
        "member_left",
        Some(me.user().as_str()),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Removes a member (admins only).
pub async fn remove_member(state: &AppState, grant: &ManageMember) -> ApiResult<()> {
    let (target, now) = (grant.target(), state.now());
    let mut tx = state.db.begin_org(grant.admin().scope()).await?;
    drop_member(&mut tx, now, target).await?;
    audit(
        &mut tx,
        now,
        Some(grant.admin().actor()),
        "member_removed",
        Some(target.as_str()),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Changes a member's role (admins only; the last admin cannot be demoted).
pub async fn set_role(state: &AppState, grant: &ManageMember, role: Role) -> ApiResult<()> {
    let target = grant.target();
    let mut tx = state.db.begin_org(grant.admin().scope()).await?;
    let current = member_role(&mut tx, target).await?;
    if current == Role::Admin && role != Role::Admin && admin_count(&mut tx).await? <= 1 {
        return Err(ApiError::conflict(
            "last_admin",
            "an organization needs at least one admin",
        ));
    }
    let org = tx.org().to_owned();
    exec!(&mut tx.conn, c => sqlx::query("UPDATE memberships SET role = $3 WHERE org_id = $1 AND user_id = $2")
        .bind(&org).bind(target).bind(role.as_str()).execute(c).await.map_err(dberr))?;
    audit(
        &mut tx,
        state.now(),
        Some(grant.admin().actor()),
        "role_changed",
        Some(target.as_str()),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Moves a member to a team, or out of any team (admins only).
pub async fn set_team(state: &AppState, grant: &ManageMember, team: Option<&TeamId>) -> ApiResult<()> {
    let target = grant.target();
    let mut tx = state.db.begin_org(grant.admin().scope()).await?;
    member_role(&mut tx, target).await?;
    if let Some(t) = team {
        team_exists(&mut tx, t).await?;
    }
    let org = tx.org().to_owned();
    exec!(&mut tx.conn, c => sqlx::query("UPDATE memberships SET team_id = $3 WHERE org_id = $1 AND user_id = $2")
        .bind(&org).bind(target).bind(team).execute(c).await.map_err(dberr))?;
    audit(
        &mut tx,
        state.now(),
        Some(grant.admin().actor()),
        "member_moved",
        Some(target.as_str()),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// A member as listed to admins and managers.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct MemberView {
    /// User id.
    pub user_id: UserId,
    /// Email.
    pub email: String,
    /// Role.
    pub role: Role,
    /// Team.
    pub team_id: Option<TeamId>,
}

/// Lists the organization's members (admins: everyone; managers: their team), by email.
pub async fn list_members(state: &AppState, grant: &MemberList) -> ApiResult<Vec<MemberView>> {
    let mut tx = state.db.begin_org(grant.scope()).await?;
    let org = tx.org().to_owned();
    let team = match grant.members() {
        MemberScope::All => None,
        MemberScope::Team(t) => Some(t.clone()),
    };
    let rows: Vec<(UserId, String, String, Option<TeamId>)> = run!(&mut tx.conn, c => sqlx::query_as(
        "SELECT m.user_id, u.email, m.role, m.team_id FROM memberships m JOIN users u ON u.user_id = m.user_id \
         WHERE m.org_id = $1 AND ($2 IS NULL OR m.team_id = $2) ORDER BY u.email",
    )
    .bind(&org).bind(&team).fetch_all(c).await.map_err(dberr))?;
    tx.commit().await?;
    Ok(rows
        .into_iter()
        .filter_map(|(user_id, email, role, team_id)| {
            Some(MemberView {
                user_id,
                email,
                role: Role::parse(&role)?,
                team_id,
            })
        })
        .collect())
}

/// A team.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct TeamView {
    /// Team id.
    pub team_id: TeamId,
    /// Name.
    pub name: String,
}

/// Lists teams.
pub async fn list_teams(state: &AppState, grant: &OrgDirectory) -> ApiResult<Vec<TeamView>> {
    let mut tx = state.db.begin_org(grant.scope()).await?;
    let org = tx.org().to_owned();
    let rows: Vec<(TeamId, String)> = run!(&mut tx.conn, c => sqlx::query_as(
        "SELECT team_id, name FROM teams WHERE org_id = $1 ORDER BY name",
    )
    .bind(&org).fetch_all(c).await.map_err(dberr))?;
    tx.commit().await?;
    Ok(rows
        .into_iter()
        .map(|(team_id, name)| TeamView { team_id, name })
        .collect())
}

/// Creates a team (admins only).
pub async fn create_team(state: &AppState, grant: &AdminGrant, name: &str) -> ApiResult<TeamView> {
    let name = clean_name(name)?;
    let now = state.now();
    let mut tx = state.db.begin_org(grant.scope()).await?;
    let org = tx.org().to_owned();
    let team_id = TeamId::generate();
    let r = exec!(&mut tx.conn, c => sqlx::query("INSERT INTO teams (org_id, team_id, name, created_at) VALUES ($1, $2, $3, $4)")
        .bind(&org).bind(&team_id).bind(&name).bind(now).execute(c).await.map_err(dberr));
    match r {
        Err(e) if is_unique_violation(&e) => {
            return Err(ApiError::conflict("name_taken", "a team with this name exists"))
        }
        r => r?,
    };
    audit(
        &mut tx,
        now,
        Some(grant.actor()),
        "team_created",
        Some(team_id.as_str()),
    )
    .await?;
    tx.commit().await?;
    Ok(TeamView { team_id, name })
}

/// Renames a team (admins only).
pub async fn rename_team(state: &AppState, grant: &ManageTeam, name: &str) -> ApiResult<()> {
    let name = clean_name(name)?;
    let team_id = grant.team();
    let mut tx = state.db.begin_org(grant.admin().scope()).await?;
    let org = tx.org().to_owned();
    let r = exec!(&mut tx.conn, c => sqlx::query("UPDATE teams SET name = $3 WHERE org_id = $1 AND team_id = $2")
        .bind(&org).bind(team_id).bind(&name).execute(c).await.map_err(dberr));
    let n = match r {
        Err(e) if is_unique_violation(&e) => {
            return Err(ApiError::conflict("name_taken", "a team with this name exists"))
        }
        r => r?,
    };
    if n == 0 {
        return Err(ApiError::not_found());
    }
    audit(
        &mut tx,
        state.now(),
        Some(grant.admin().actor()),
        "team_renamed",
        Some(team_id.as_str()),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Deletes a team; its members stay in the organization without a team, and pending invites
/// into it are revoked (admins only).
pub async fn delete_team(state: &AppState, grant: &ManageTeam) -> ApiResult<()> {
    let team_id = grant.team();
    let mut tx = state.db.begin_org(grant.admin().scope()).await?;
    team_exists(&mut tx, team_id).await?;
    let org = tx.org().to_owned();
    exec!(&mut tx.conn, c => sqlx::query("DELETE FROM invites WHERE org_id = $1 AND team_id = $2 AND used_at IS NULL")
        .bind(&org).bind(team_id).execute(c).await.map_err(dberr))?;
    exec!(&mut tx.conn, c => sqlx::query("UPDATE memberships SET team_id = NULL WHERE org_id = $1 AND team_id = $2")
        .bind(&org).bind(team_id).execute(c).await.map_err(dberr))?;
    exec!(&mut tx.conn, c => sqlx::query("DELETE FROM teams WHERE org_id = $1 AND team_id = $2")
        .bind(&org).bind(team_id).execute(c).await.map_err(dberr))?;
    audit(
        &mut tx,
        state.now(),
        Some(grant.admin().actor()),
        "team_deleted",
        Some(team_id.as_str()),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

// ---- device login (OAuth 2.0 device authorization grant, RFC 8628 style) ----

const USER_CODE_ALPHABET: &[u8] = b"BCDFGHJKLMNPQRSTVWXZ";

fn user_code() -> String {
    let mut b = [0u8; 8];
    auth::fill_random(&mut b);
    let s: String = b
        .iter()
        .map(|x| USER_CODE_ALPHABET[(*x as usize) % USER_CODE_ALPHABET.len()] as char)
        .collect();
    format!("{}-{}", &s[..4], &s[4..])
}

/// Normalizes what a person typed as a user code (`bcdf ghjk` -> `BCDF-GHJK`).
pub fn normalize_user_code(input: &str) -> Option<String> {
    let s: String = input
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .map(|c| c.to_ascii_uppercase())
        .collect();
    (s.len() == 8 && s.bytes().all(|b| USER_CODE_ALPHABET.contains(&b)))
        .then(|| format!("{}-{}", &s[..4], &s[4..]))
}

/// A started device login.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct DeviceCode {
    /// Secret the client polls with.
    pub device_code: String,
    /// Short code the person checks in the browser.
    pub user_code: String,
    /// Where to approve.
    pub verification_uri: String,
    /// The same with the code filled in.
    pub verification_uri_complete: String,
    /// Seconds until the codes expire.
    pub expires_in: i64,
    /// Seconds between polls.
    pub interval: i64,
}

/// Starts a device login.
pub async fn start_device_login(state: &AppState) -> ApiResult<DeviceCode> {
    let device_code = auth::random_token();
    let now = state.now();
    for _ in 0..5 {
        let code = user_code();
        let mut tx = state.db.begin().await?;
        let r = exec!(&mut tx.conn, c => sqlx::query(
            "INSERT INTO device_logins (code_hash, user_code, created_at, expires_at, status) VALUES ($1, $2, $3, $4, 'pending')",
        )
        .bind(auth::token_hash(&device_code)).bind(&code).bind(now).bind(now + state.cfg.device_code_ttl_s)
        .execute(c).await.map_err(dberr));
        match r {
            Err(e) if is_unique_violation(&e) => continue,
            r => r?,
        };
        // Expired codes are cleaned up here, so the table stays small without a background job.
        exec!(&mut tx.conn, c => sqlx::query("DELETE FROM device_logins WHERE expires_at < $1")
            .bind(now - 3600).execute(c).await.map_err(dberr))?;
        tx.commit().await?;
        let base = state.cfg.base_url();
        return Ok(DeviceCode {
            device_code,
            verification_uri: format!("{base}/device"),
            verification_uri_complete: format!("{base}/device?code={code}"),
            user_code: code,
            expires_in: state.cfg.device_code_ttl_s,
            interval: state.cfg.device_poll_interval_s,
        });
    }
    Err(ApiError::internal())
}

/// Approves or denies a pending device login for the signed-in user's organization.
pub async fn decide_device_login(state: &AppState, me: &OwnData, code: &str, approve: bool) -> ApiResult<()> {
    let code = normalize_user_code(code).ok_or_else(ApiError::not_found)?;
    let mut tx = state.db.begin().await?;
    let n = exec!(&mut tx.conn, c => sqlx::query(
        "UPDATE device_logins SET status = $2, org_id = $3, user_id = $4 \
         WHERE user_code = $1 AND status = 'pending' AND expires_at > $5",
    )
    .bind(&code).bind(if approve { "approved" } else { "denied" }).bind(me.scope().org_id()).bind(me.user()).bind(state.now())
    .execute(c).await.map_err(dberr))?;
    if n == 0 {
        return Err(ApiError::not_found());
    }
    tx.commit().await?;
    Ok(())
}

/// What the client receives once approved.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct DeviceGrant {
    /// The upload-only device token (keep it in a 0600 file).
    pub device_token: String,
    /// The device's id (shown on the web page).
    pub device_id: DeviceId,
}

/// Polls a device login: pending, denied, expired, or the device token (exactly once).
pub async fn poll_device_login(state: &AppState, device_code: &str) -> ApiResult<DeviceGrant> {
    let mut tx = state.db.begin().await?;
    let now = state.now();
    let row: Option<(String, i64, Option<OrgId>, Option<UserId>)> = run!(&mut tx.conn, c => sqlx::query_as(
        "SELECT status, expires_at, org_id, user_id FROM device_logins WHERE code_hash = $1",
    )
    .bind(auth::token_hash(device_code)).fetch_optional(c).await.map_err(dberr))?;
    let bad = |code: &'static str, msg: &'static str| Err(ApiError::bad_request(code, msg));
    let Some((status, expires_at, org, user_id)) = row else {
        return bad("invalid_grant", "unknown device code");
    };
    if expires_at <= now && status != "approved" {
        return bad(
            "expired_token",
            "the device code expired; run prompt1 login again",
        );
    }
    match status.as_str() {
        "pending" => return bad("authorization_pending", "waiting for approval in the browser"),
        "denied" => return bad("access_denied", "the login was denied"),
        "consumed" => return bad("invalid_grant", "this device code was already used"),
        _ => {}
    }
    let (Some(org), Some(user_id)) = (org, user_id) else {
        return Err(ApiError::internal());
    };
    exec!(&mut tx.conn, c => sqlx::query("UPDATE device_logins SET status = 'consumed' WHERE code_hash = $1")
        .bind(auth::token_hash(device_code)).execute(c).await.map_err(dberr))?;
    let mut otx = tx.into_org(&OrgScope::trusted(&org)).await?;
    let org = otx.org().to_owned();
    let token = auth::make_device_token(&org);
    let device_id = DeviceId::generate();
    exec!(&mut otx.conn, c => sqlx::query(
        "INSERT INTO devices (org_id, device_id, user_id, token_hash, created_at) VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(&org).bind(&device_id).bind(&user_id).bind(auth::token_hash(&token)).bind(now)
    .execute(c).await.map_err(dberr))?;
    audit(
        &mut otx,
        now,
        Some(&user_id),
        "device_approved",
        Some(device_id.as_str()),
    )
    .await?;
    otx.commit().await?;
    Ok(DeviceGrant {
        device_token: token,
        device_id,
    })
}

/// A device as listed to its owner.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct DeviceView {
    /// Device id.
    pub device_id: DeviceId,
    /// When it was approved (Unix seconds).
    pub created_at: i64,
    /// Last upload (Unix seconds).
    pub last_seen_at: Option<i64>,
    /// When it was revoked.
    pub revoked_at: Option<i64>,
}

/// The signed-in user's devices.
pub async fn list_devices(state: &AppState, me: &OwnData) -> ApiResult<Vec<DeviceView>> {
    let mut tx = state.db.begin_org(me.scope()).await?;
    let org = tx.org().to_owned();
    let rows: Vec<(DeviceId, i64, Option<i64>, Option<i64>)> = run!(&mut tx.conn, c => sqlx::query_as(
        "SELECT device_id, created_at, last_seen_at, revoked_at FROM devices WHERE org_id = $1 AND user_id = $2 \
         ORDER BY created_at DESC",
    )
    .bind(&org).bind(me.user()).fetch_all(c).await.map_err(dberr))?;
    tx.commit().await?;
    Ok(rows
        .into_iter()
        .map(|(device_id, created_at, last_seen_at, revoked_at)| DeviceView {
            device_id,
            created_at,
            last_seen_at,
            revoked_at,
        })
        .collect())
}

/// Revokes a device (its owner, or an admin).
pub async fn revoke_device(state: &AppState, grant: &ManageDevice) -> ApiResult<()> {
    let now = state.now();
    let mut tx = state.db.begin_org(grant.scope()).await?;
    let org = tx.org().to_owned();
    let n = exec!(&mut tx.conn, c => sqlx::query(
        "UPDATE devices SET revoked_at = $3 WHERE org_id = $1 AND device_id = $2 AND revoked_at IS NULL",
    )
    .bind(&org).bind(grant.device()).bind(now).execute(c).await.map_err(dberr))?;
    if n == 0 {
        return Err(ApiError::not_found());
    }
    audit(
        &mut tx,
        now,
        Some(grant.actor()),
        "device_revoked",
        Some(grant.device().as_str()),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// A device revokes its own token (`prompt1 uninstall`, `prompt1 logout`).
pub async fn revoke_self(state: &AppState, dev: &Device) -> ApiResult<()> {
    let mut tx = state.db.begin_org(&dev.scope).await?;
    let org = tx.org().to_owned();
    let now = state.now();
    exec!(&mut tx.conn, c => sqlx::query("UPDATE devices SET revoked_at = $3 WHERE org_id = $1 AND device_id = $2")
        .bind(&org).bind(&dev.device_id).bind(now).execute(c).await.map_err(dberr))?;
    audit(
        &mut tx,
        now,
        Some(&dev.user_id),
        "device_revoked_itself",
        Some(dev.device_id.as_str()),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// One uploaded session as listed to its owner.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct SessionView {
    /// Session key (hex).
    pub session_key: String,
    /// Device it came from.
    pub device_id: DeviceId,
    /// Stored revision.
    pub revision: i64,
    /// Session over.
    pub is_final: bool,
    /// Start, in minutes since the epoch (UTC).
    pub started_minute: i64,
    /// The stored summary.
    #[schema(value_type = Object)]
    pub summary: serde_json::Value,
}

/// The user's most recently received sessions.
pub async fn recent_sessions(state: &AppState, me: &OwnData, limit: i64) -> ApiResult<Vec<SessionView>> {
    let mut tx = state.db.begin_org(me.scope()).await?;
    let org = tx.org().to_owned();
    let rows: Vec<(Vec<u8>, DeviceId, i64, bool, i64, String)> = run!(&mut tx.conn, c => sqlx::query_as(
        "SELECT session_key, device_id, revision, is_final, started_minute, summary FROM sessions \
         WHERE org_id = $1 AND user_id = $2 ORDER BY received_at DESC, started_minute DESC LIMIT $3",
    )
    .bind(&org).bind(me.user()).bind(limit).fetch_all(c).await.map_err(dberr))?;
    tx.commit().await?;
    Ok(rows
        .into_iter()
        .map(
            |(k, device_id, revision, is_final, started_minute, summary)| SessionView {
                session_key: hex::encode(k),
                device_id,
                revision,
                is_final,
                started_minute,
                summary: serde_json::from_str(&summary).unwrap_or(serde_json::Value::Null),
            },
        )
        .collect())
}
