//! The admin page: members (role, team, removal), teams (create, rename, delete), invites (list,
//! create, revoke), every device, the organization's settings, and the audit log.
//!
//! Every action goes through the same policy grants and flows as the JSON API ([`policy::admin`],
//! [`policy::manage_member`], [`policy::manage_team`], [`policy::manage_device`]); a member or
//! manager who opens `/admin` gets the 403 page. A refused change (the last admin, a taken team
//! name, a setting out of range) shows the page again with the message at the top.

use super::auth_pages::{render, CsrfForm, MessagePage};
use super::{check_csrf, fmt_time, Nav, PageForm, PagePath, PageResult, WebUser};
use crate::admin_views;
use crate::auth::{Role, User};
use crate::error::ApiError;
use crate::ids::{TeamId, UserId};
use crate::org_settings::{self, OrgSettingsUpdate};
use crate::orgs;
use crate::policy::{self, Caller};
use crate::state::AppState;
use askama::Template;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect};
use serde::Deserialize;
use std::collections::BTreeMap;

/// Audit rows shown.
pub const AUDIT_ROWS: i64 = 100;

struct MemberRow {
    id: String,
    email: String,
    role: &'static str,
    team_id: String,
    is_me: bool,
}

struct TeamRow {
    id: String,
    name: String,
    members: usize,
}

struct InviteRow {
    id: String,
    role: &'static str,
    team: String,
    by: String,
    created: String,
    expires: String,
}

struct DeviceRow {
    id: String,
    short: String,
    owner: String,
    approved: String,
    last_seen: String,
    revoked: Option<String>,
}

struct AuditRow {
    at: String,
    actor: String,
    event: String,
    subject: String,
    address: String,
}

#[derive(Template)]
#[template(path = "admin.html")]
struct AdminPage {
    title: &'static str,
    nav: Option<Nav>,
    csrf: String,
    error: Option<String>,
    notice: Option<String>,
    min_group_size: u32,
    retention_days: u32,
    members: Vec<MemberRow>,
    teams: Vec<TeamRow>,
    invites: Vec<InviteRow>,
    devices: Vec<DeviceRow>,
    audit: Vec<AuditRow>,
    roles: [&'static str; 3],
}

async fn render_admin(
    st: &AppState,
    user: &User,
    error: Option<String>,
    notice: Option<String>,
    status: StatusCode,
) -> PageResult {
    let caller = Caller::of(user)?;
    let grant = policy::admin(&caller)?;
    let settings = org_settings::read(st, &policy::org_settings(&caller)).await?;
    let teams = orgs::list_teams(st, &policy::org_directory(&caller)).await?;
    let members = orgs::list_members(st, &policy::list_members(&caller)?).await?;
    let invites = admin_views::pending_invites(st, &grant).await?;
    let devices = admin_views::org_devices(st, &grant).await?;
    let audit = admin_views::audit_log(st, &grant, AUDIT_ROWS).await?;
    let team_names: BTreeMap<&TeamId, &str> = teams.iter().map(|t| (&t.team_id, t.name.as_str())).collect();
    // Audit subjects are ids; show the member's email or the team's name where we know it.
    let mut names: BTreeMap<String, String> = members
        .iter()
        .map(|m| (m.user_id.to_string(), m.email.clone()))
        .collect();
    names.extend(
        teams
            .iter()
            .map(|t| (t.team_id.to_string(), format!("team {}", t.name))),
    );
    names.extend(devices.iter().map(|d| {
        (
            d.device_id.to_string(),
            format!("device {}", d.device_id.as_str().get(..8).unwrap_or_default()),
        )
    }));
    let team_name = |t: Option<&TeamId>| {
        t.and_then(|t| team_names.get(t).map(|n| n.to_string()))
            .unwrap_or_else(|| "no team".into())
    };
    let page = AdminPage {
        title: "Admin",
        nav: Some(Nav::of(st, user, "admin")),
        csrf: st.keys.csrf_tag(&user.session_id),
        error,
        notice,
        min_group_size: settings.min_group_size,
        retention_days: settings.retention_days,
        teams: teams
            .iter()
            .map(|t| TeamRow {
                id: t.team_id.to_string(),
                name: t.name.clone(),
                members: members
                    .iter()
                    .filter(|m| m.team_id.as_ref() == Some(&t.team_id))
                    .count(),
            })
            .collect(),
        members: members
            .iter()
            .map(|m| MemberRow {
                id: m.user_id.to_string(),
                email: m.email.clone(),
                role: m.role.as_str(),
                team_id: m.team_id.as_ref().map(|t| t.to_string()).unwrap_or_default(),
                is_me: m.user_id == user.user_id,
            })
            .collect(),
        invites: invites
            .into_iter()
            .map(|i| InviteRow {
                id: i.invite_id,
                role: i.role.as_str(),
                team: team_name(i.team_id.as_ref()),
                by: i.created_by_email.unwrap_or_else(|| "a former member".into()),
                created: fmt_time(i.created_at),
                expires: fmt_time(i.expires_at),
            })
            .collect(),
        devices: devices
            .into_iter()
            .map(|d| DeviceRow {
                short: d.device_id.as_str().get(..8).unwrap_or_default().to_owned(),
                id: d.device_id.to_string(),
                owner: d.email,
                approved: fmt_time(d.created_at),
                last_seen: d.last_seen_at.map(fmt_time).unwrap_or_else(|| "never".into()),
                revoked: d.revoked_at.map(fmt_time),
            })
            .collect(),
        audit: audit
            .into_iter()
            .map(|a| AuditRow {
                at: fmt_time(a.at),
                actor: a.actor.unwrap_or_else(|| "the server".into()),
                event: a.event.replace('_', " "),
                subject: a
                    .subject
                    .map(|s| s.chars().take(12).collect())
                    .unwrap_or_default(),
                address: a.address.unwrap_or_else(|| "–".into()),
            })
            .collect(),
        roles: ["member", "manager", "admin"],
    };
    render(status, &page)
}

/// `GET /admin` (admins; others get the 403 page).
pub async fn page(State(st): State<AppState>, WebUser(user): WebUser) -> PageResult {
    render_admin(&st, &user, None, None, StatusCode::OK).await
}

/// Runs an admin action: back to the admin page on success; a refused change (4xx other than
/// 403/404) shows the page again with the message.
async fn act(st: &AppState, user: &User, done: Result<(), ApiError>) -> PageResult {
    match done {
        Ok(()) => Ok(Redirect::to("/admin").into_response()),
        Err(e)
            if e.status.is_client_error()
                && e.status != StatusCode::FORBIDDEN
                && e.status != StatusCode::NOT_FOUND =>
        {
            render_admin(
                st,
                user,
                Some(format!("{}. Nothing was changed.", capitalize(&e.message))),
                None,
                e.status,
            )
            .await
        }
        Err(e) => Err(e.into()),
    }
}

fn capitalize(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}

/// The settings form.
#[derive(Deserialize)]
pub struct SettingsForm {
    csrf: String,
    min_group_size: String,
    retention_days: String,
}

/// Changes the organization's settings.
pub async fn settings(
    State(st): State<AppState>,
    headers: HeaderMap,
    WebUser(user): WebUser,
    PageForm(f): PageForm<SettingsForm>,
) -> PageResult {
    check_csrf(&st, &headers, &user, &f.csrf)?;
    let grant = policy::admin(&Caller::of(&user)?)?;
    let parse = |s: &str, what: &'static str| {
        s.trim()
            .parse::<u32>()
            .map_err(|_| ApiError::bad_request("invalid_number", format!("{what} must be a whole number")))
    };
    let done = async {
        let update = OrgSettingsUpdate {
            min_group_size: Some(parse(&f.min_group_size, "the minimum group size")?),
            retention_days: Some(parse(&f.retention_days, "the retention")?),
        };
        org_settings::update(&st, &grant, &update).await.map(|_| ())
    }
    .await;
    act(&st, &user, done).await
}

/// The invite form.
#[derive(Deserialize)]
pub struct InviteForm {
    csrf: String,
    role: Role,
    team_id: Option<String>,
}

/// Creates an invite link and shows it once.
pub async fn create_invite(
    State(st): State<AppState>,
    headers: HeaderMap,
    WebUser(user): WebUser,
    PageForm(f): PageForm<InviteForm>,
) -> PageResult {
    check_csrf(&st, &headers, &user, &f.csrf)?;
    let caller = Caller::of(&user)?;
    let grant = policy::admin(&caller)?;
    let team = match f.team_id.as_deref().filter(|t| !t.is_empty()) {
        Some(t) => {
            let t = TeamId::parse(t).map_err(|_| ApiError::not_found())?;
            Some(policy::use_team(
                &caller,
                policy::team_labels(&st, &caller, &t).await?.as_ref(),
            )?)
        }
        None => None,
    };
    let url = orgs::create_invite(&st, &grant, f.role, team.as_ref()).await?;
    render(
        StatusCode::OK,
        &MessagePage {
            title: "Invite link",
            nav: Some(Nav::of(&st, &user, "admin")),
            message: format!(
                "Send this link to the person you invite as {}. It works once and expires in {} days. It is shown only now.",
                f.role.as_str(),
                st.cfg.invite_ttl_s / 86_400
            ),
            code: Some(url),
            back_href: "/admin",
            back_label: "Back to admin",
        },
    )
}

/// Revokes a pending invite.
pub async fn revoke_invite(
    State(st): State<AppState>,
    headers: HeaderMap,
    PagePath(invite_id): PagePath<String>,
    WebUser(user): WebUser,
    PageForm(f): PageForm<CsrfForm>,
) -> PageResult {
    check_csrf(&st, &headers, &user, &f.csrf)?;
    let grant = policy::admin(&Caller::of(&user)?)?;
    let done = admin_views::revoke_invite(&st, &grant, &invite_id).await;
    act(&st, &user, done).await
}

/// The team name form.
#[derive(Deserialize)]
pub struct TeamForm {
    csrf: String,
    name: String,
}

/// Creates a team.
pub async fn create_team(
    State(st): State<AppState>,
    headers: HeaderMap,
    WebUser(user): WebUser,
    PageForm(f): PageForm<TeamForm>,
) -> PageResult {
    check_csrf(&st, &headers, &user, &f.csrf)?;
    let grant = policy::admin(&Caller::of(&user)?)?;
    let done = orgs::create_team(&st, &grant, &f.name).await.map(|_| ());
    act(&st, &user, done).await
}

async fn team_grant(st: &AppState, user: &User, team: &TeamId) -> Result<policy::ManageTeam, ApiError> {
    let caller = Caller::of(user)?;
    let labels = policy::team_labels(st, &caller, team).await?;
    Ok(policy::manage_team(&caller, labels.as_ref())?)
}

/// Renames a team.
pub async fn rename_team(
    State(st): State<AppState>,
    headers: HeaderMap,
    PagePath(team): PagePath<TeamId>,
    WebUser(user): WebUser,
    PageForm(f): PageForm<TeamForm>,
) -> PageResult {
    check_csrf(&st, &headers, &user, &f.csrf)?;
    let grant = team_grant(&st, &user, &team).await?;
    let done = orgs::rename_team(&st, &grant, &f.name).await;
    act(&st, &user, done).await
}

/// Deletes a team (its members stay without a team; its pending invites are revoked).
pub async fn delete_team(
    State(st): State<AppState>,
    headers: HeaderMap,
    PagePath(team): PagePath<TeamId>,
    WebUser(user): WebUser,
    PageForm(f): PageForm<CsrfForm>,
) -> PageResult {
    check_csrf(&st, &headers, &user, &f.csrf)?;
    let grant = team_grant(&st, &user, &team).await?;
    let done = orgs::delete_team(&st, &grant).await;
    act(&st, &user, done).await
}

async fn member_grant(st: &AppState, user: &User, target: &UserId) -> Result<policy::ManageMember, ApiError> {
    let caller = Caller::of(user)?;
    let labels = policy::member_labels(st, &caller, target).await?;
    Ok(policy::manage_member(&caller, labels.as_ref())?)
}

/// The role form.
#[derive(Deserialize)]
pub struct RoleForm {
    csrf: String,
    role: Role,
}

/// Changes a member's role.
pub async fn set_role(
    State(st): State<AppState>,
    headers: HeaderMap,
    PagePath(target): PagePath<UserId>,
    WebUser(user): WebUser,
    PageForm(f): PageForm<RoleForm>,
) -> PageResult {
    check_csrf(&st, &headers, &user, &f.csrf)?;
    let grant = member_grant(&st, &user, &target).await?;
    let done = orgs::set_role(&st, &grant, f.role).await;
    act(&st, &user, done).await
}

/// The team move form (`team_id` empty: no team).
#[derive(Deserialize)]
pub struct MoveForm {
    csrf: String,
    team_id: String,
}

/// Moves a member to a team, or out of teams.
pub async fn set_team(
    State(st): State<AppState>,
    headers: HeaderMap,
    PagePath(target): PagePath<UserId>,
    WebUser(user): WebUser,
    PageForm(f): PageForm<MoveForm>,
) -> PageResult {
    check_csrf(&st, &headers, &user, &f.csrf)?;
    let grant = member_grant(&st, &user, &target).await?;
    let caller = Caller::of(&user)?;
    let team = match f.team_id.trim() {
        "" => None,
        t => {
            let t = TeamId::parse(t).map_err(|_| ApiError::not_found())?;
            Some(policy::use_team(
                &caller,
                policy::team_labels(&st, &caller, &t).await?.as_ref(),
            )?)
        }
    };
    let done = orgs::set_team(&st, &grant, team.as_ref()).await;
    act(&st, &user, done).await
}

/// Removes a member from the organization.
pub async fn remove_member(
    State(st): State<AppState>,
    headers: HeaderMap,
    PagePath(target): PagePath<UserId>,
    WebUser(user): WebUser,
    PageForm(f): PageForm<CsrfForm>,
) -> PageResult {
    check_csrf(&st, &headers, &user, &f.csrf)?;
    let grant = member_grant(&st, &user, &target).await?;
    let done = orgs::remove_member(&st, &grant).await;
    act(&st, &user, done).await
}
