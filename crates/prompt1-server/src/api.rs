//! The JSON API under `/api/v1`, the operational endpoints, and the error/metrics plumbing.
//!
//! Handlers are thin: they read the request, call a flow in [`crate::orgs`] or [`crate::ingest`],
//! and answer. Request bodies go through [`ApiJson`], whose rejection is an [`ApiError`], so
//! malformed JSON, a wrong content type and an oversized body all get the JSON error shape.

use crate::auth::{self, Device, DeviceToken, Refreshed, Role, TokenPair, User};
use crate::error::{ApiError, ApiResult};
pub use crate::extract::{ApiJson, ApiPath};
use crate::ids::{DeviceId, OrgId, TeamId, UserId};
use crate::ingest::{self, DayTotals, RawBatch};
use crate::me::{self, CoachingView, ProficiencyView};
use crate::org_settings::{self, OrgSettings, OrgSettingsUpdate};
use crate::orgs::{self, DeviceCode, DeviceGrant, DeviceView, Joiner, MemberView, SessionView, TeamView};
use crate::policy::{self, Caller};
use crate::state::AppState;
use crate::team_overview::{self, TeamOverviewView, TeamRollupsView};
use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, post, put, MethodRouter};
use axum::{Json, Router};
use prompt1_wire::upload::{UploadAck, MAX_BATCH};
use serde::{Deserialize, Serialize};
use utoipa::OpenApi;

/// Which credentials a route takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// None (sign-in, device login, invite acceptance, this document).
    Public,
    /// A signed-in person, in an organization or not.
    User,
    /// A signed-in member of an organization; what they may do is decided by `policy`.
    Member,
    /// A device token (upload only).
    Device,
}

/// One route of the JSON API, as listed by [`route_table`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RouteSpec {
    /// HTTP method.
    pub method: &'static str,
    /// Path under `/api/v1`, with `{param}` placeholders.
    pub path: &'static str,
    /// Credentials it takes.
    pub access: Access,
}

/// The routes and their handlers, in one list, so the exported table is the router.
fn table() -> Vec<(RouteSpec, MethodRouter<AppState>)> {
    vec![
        (
            RouteSpec {
                method: "GET",
                path: "/openapi.json",
                access: Access::Public,
            },
            get(openapi),
        ),
        (
            RouteSpec {
                method: "POST",
                path: "/auth/login",
                access: Access::Public,
            },
            post(login),
        ),
        (
            RouteSpec {
                method: "POST",
                path: "/auth/refresh",
                access: Access::Public,
            },
            post(refresh),
        ),
        (
            RouteSpec {
                method: "POST",
                path: "/auth/logout",
                access: Access::User,
            },
            post(logout),
        ),
        (
            RouteSpec {
                method: "POST",
                path: "/auth/password",
                access: Access::User,
            },
            post(change_password),
        ),
        (
            RouteSpec {
                method: "GET",
                path: "/me",
                access: Access::User,
            },
            get(me),
        ),
        (
            RouteSpec {
                method: "GET",
                path: "/me/rollups",
                access: Access::Member,
            },
            get(my_rollups),
        ),
        (
            RouteSpec {
                method: "GET",
                path: "/me/sessions",
                access: Access::Member,
            },
            get(my_sessions),
        ),
        (
            RouteSpec {
                method: "GET",
                path: "/me/proficiency",
                access: Access::Member,
            },
            get(my_proficiency),
        ),
        (
            RouteSpec {
                method: "GET",
                path: "/me/coaching",
                access: Access::Member,
            },
            get(my_coaching),
        ),
        (
            RouteSpec {
                method: "POST",
                path: "/invites",
                access: Access::Member,
            },
            post(create_invite),
        ),
        (
            RouteSpec {
                method: "POST",
                path: "/invites/accept",
                access: Access::Public,
            },
            post(accept_invite),
        ),
        (
            RouteSpec {
                method: "POST",
                path: "/org/leave",
                access: Access::Member,
            },
            post(leave),
        ),
        (
            RouteSpec {
                method: "GET",
                path: "/org/settings",
                access: Access::Member,
            },
            get(get_org_settings),
        ),
        (
            RouteSpec {
                method: "PUT",
                path: "/org/settings",
                access: Access::Member,
            },
            put(put_org_settings),
        ),
        (
            RouteSpec {
                method: "GET",
                path: "/org/members",
                access: Access::Member,
            },
            get(members),
        ),
        (
            RouteSpec {
                method: "DELETE",
                path: "/org/members/{user_id}",
                access: Access::Member,
            },
            delete(remove_member),
        ),
        (
            RouteSpec {
                method: "PUT",
                path: "/org/members/{user_id}/role",
                access: Access::Member,
            },
            put(set_role),
        ),
        (
            RouteSpec {
                method: "PUT",
                path: "/org/members/{user_id}/team",
                access: Access::Member,
            },
            put(set_team),
        ),
        (
            RouteSpec {
                method: "GET",
                path: "/teams",
                access: Access::Member,
            },
            get(teams),
        ),
        (
            RouteSpec {
                method: "POST",
                path: "/teams",
                access: Access::Member,
            },
            post(create_team),
        ),
        (
            RouteSpec {
                method: "PUT",
                path: "/teams/{team_id}",
                access: Access::Member,
            },
            put(rename_team),
        ),
        (
            RouteSpec {
                method: "DELETE",
                path: "/teams/{team_id}",
                access: Access::Member,
            },
            delete(delete_team),
        ),
        (
            RouteSpec {
                method: "GET",
                path: "/teams/{team_id}/rollups",
                access: Access::Member,
            },
            get(team_rollups),
        ),
        (
            RouteSpec {
                method: "GET",
                path: "/teams/{team_id}/overview",
                access: Access::Member,
            },
            get(team_overview),
        ),
        (
            RouteSpec {
                method: "GET",
                path: "/devices",
                access: Access::Member,
            },
            get(devices),
        ),
        (
            RouteSpec {
                method: "DELETE",
                path: "/devices/{device_id}",
                access: Access::Member,
            },
            delete(revoke_device),
        ),
        (
            RouteSpec {
                method: "POST",
                path: "/device/code",
                access: Access::Public,
            },
            post(device_code),
        ),
        (
            RouteSpec {
                method: "POST",
                path: "/device/token",
                access: Access::Public,
            },
            post(device_token),
        ),
        (
            RouteSpec {
                method: "POST",
                path: "/device/approve",
                access: Access::Member,
            },
            post(device_approve),
        ),
        (
            RouteSpec {
                method: "POST",
                path: "/device/deny",
                access: Access::Member,
            },
            post(device_deny),
        ),
        (
            RouteSpec {
                method: "POST",
                path: "/device/revoke",
                access: Access::Device,
            },
            post(device_revoke_self),
        ),
        (
            RouteSpec {
                method: "POST",
                path: "/ingest",
                access: Access::Device,
            },
            post(ingest_batch),
        ),
    ]
}

/// Every route of the JSON API (the access-matrix test is generated from it: a route added here
/// without a row in the matrix fails that test).
pub fn route_table() -> Vec<RouteSpec> {
    table().into_iter().map(|(spec, _)| spec).collect()
}

/// The `/api/v1` routes.
pub fn routes() -> Router<AppState> {
    table()
        .into_iter()
        .fold(Router::new(), |r, (spec, handler)| r.route(spec.path, handler))
        .fallback(not_found)
}

/// `/healthz`, `/readyz`, `/metrics`.
pub fn ops_routes() -> Router<AppState> {
    Router::new()
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .route("/metrics", get(metrics_text))
}

/// 404 for unknown routes.
pub async fn not_found() -> ApiError {
    ApiError::not_found()
}

/// 405 for a known route with the wrong method.
pub async fn method_not_allowed() -> ApiError {
    ApiError::from_status(StatusCode::METHOD_NOT_ALLOWED)
}

/// Counts requests by route and status, times them, and makes sure every error response from
/// layers outside our handlers still has the JSON error body.
pub async fn track(req: Request, next: Next) -> Response {
    let method = req.method().clone();
    let route = req
        .extensions()
        .get::<axum::extract::MatchedPath>()
        .map(|p| p.as_str().to_owned())
        .unwrap_or_else(|| "unmatched".into());
    let start = std::time::Instant::now();
    let resp = next.run(req).await;
    let status = resp.status();
    metrics::counter!("prompt1_http_requests_total", "method" => method.to_string(), "route" => route.clone(),
        "status" => status.as_u16().to_string())
    .increment(1);
    metrics::histogram!("prompt1_http_request_seconds", "route" => route)
        .record(start.elapsed().as_secs_f64());
    let is_json_or_html = resp
        .headers()
        .get(axum::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json") || v.starts_with("text/html"));
    if (status.is_client_error() || status.is_server_error()) && !is_json_or_html {
        return ApiError::from_status(status).into_response();
    }
    resp
}

async fn healthz() -> &'static str {
    "ok"
}

async fn readyz(State(st): State<AppState>) -> ApiResult<&'static str> {
    st.db.ping().await.map_err(|_| {
        ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "unavailable",
            "database unreachable",
        )
    })?;
    Ok("ready")
}

async fn metrics_text(State(st): State<AppState>) -> impl IntoResponse {
    (
        [(axum::http::header::CONTENT_TYPE, "text/plain; version=0.0.4")],
        st.metrics.render(),
    )
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
struct LoginRequest {
    email: String,
    password: String,
}

/// Signs in with email and password.
#[utoipa::path(post, path = "/api/v1/auth/login", request_body = LoginRequest,
    responses((status = 200, body = TokenPair), (status = 401, description = "invalid_credentials")))]
async fn login(State(st): State<AppState>, ApiJson(r): ApiJson<LoginRequest>) -> ApiResult<Json<TokenPair>> {
    Ok(Json(orgs::login(&st, &r.email, &r.password).await?))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
struct RefreshRequest {
    refresh_token: String,
}

/// Rotates a refresh token (single use; reuse revokes the session).
#[utoipa::path(post, path = "/api/v1/auth/refresh", request_body = RefreshRequest,
    responses((status = 200, body = TokenPair), (status = 401)))]
async fn refresh(
    State(st): State<AppState>,
    ApiJson(r): ApiJson<RefreshRequest>,
) -> ApiResult<Json<TokenPair>> {
    match auth::rotate_refresh(&st, &r.refresh_token).await? {
        Refreshed::Ok(pair, _) => Ok(Json(pair)),
        Refreshed::Refused => Err(ApiError::unauthorized()),
    }
}

/// Ends this session (its access and refresh tokens stop working at once).
#[utoipa::path(post, path = "/api/v1/auth/logout", responses((status = 204)))]
async fn logout(State(st): State<AppState>, user: User) -> ApiResult<StatusCode> {
    orgs::logout(&st, &user.session_id).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
struct PasswordRequest {
    current_password: String,
    new_password: String,
}

/// Changes the password; every session of the user ends.
#[utoipa::path(post, path = "/api/v1/auth/password", request_body = PasswordRequest, responses((status = 204)))]
async fn change_password(
    State(st): State<AppState>,
    user: User,
    ApiJson(r): ApiJson<PasswordRequest>,
) -> ApiResult<StatusCode> {
    orgs::change_password(&st, &user, &r.current_password, &r.new_password).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
struct MeResponse {
    user_id: UserId,
    email: String,
    org_id: Option<OrgId>,
    role: Option<Role>,
    team_id: Option<TeamId>,
}

/// Who am I.
#[utoipa::path(get, path = "/api/v1/me", responses((status = 200, body = MeResponse)))]
async fn me(user: User) -> Json<MeResponse> {
    Json(MeResponse {
        org_id: user.member.as_ref().map(|m| m.scope.org_id().to_owned()),
        role: user.member.as_ref().map(|m| m.role),
        team_id: user.member.as_ref().and_then(|m| m.team_id.clone()),
        user_id: user.user_id,
        email: user.email,
    })
}

/// My daily totals.
#[utoipa::path(get, path = "/api/v1/me/rollups", responses((status = 200, body = Vec<DayTotals>)))]
async fn my_rollups(State(st): State<AppState>, caller: Caller) -> ApiResult<Json<Vec<DayTotals>>> {
    Ok(Json(ingest::my_rollups(&st, &policy::own_data(&caller)).await?))
}

/// My recently received sessions.
#[utoipa::path(get, path = "/api/v1/me/sessions", responses((status = 200, body = Vec<SessionView>)))]
async fn my_sessions(State(st): State<AppState>, caller: Caller) -> ApiResult<Json<Vec<SessionView>>> {
    Ok(Json(
        orgs::recent_sessions(&st, &policy::own_data(&caller), 100).await?,
    ))
}

/// My proficiency score (or what is missing), its components, and its trend over 8 weeks.
#[utoipa::path(get, path = "/api/v1/me/proficiency", responses((status = 200, body = ProficiencyView)))]
async fn my_proficiency(State(st): State<AppState>, caller: Caller) -> ApiResult<Json<ProficiencyView>> {
    Ok(Json(me::read_proficiency(&st, &policy::own_data(&caller)).await?))
}

/// My coaching tips, the organization's distribution they compare with, and the CLAUDE.md effect.
/// Only the caller's own: no route returns another person's coaching.
#[utoipa::path(get, path = "/api/v1/me/coaching", responses((status = 200, body = CoachingView)))]
async fn my_coaching(State(st): State<AppState>, caller: Caller) -> ApiResult<Json<CoachingView>> {
    Ok(Json(me::read_coaching(&st, &policy::own_data(&caller)).await?))
}

/// A team's weekly overview: aggregates (withheld below the minimum group size), the score
/// distribution, and members' scores for admins and the team's managers.
#[utoipa::path(get, path = "/api/v1/teams/{team_id}/overview",
    params(("team_id" = String, Path, description = "team id")),
    responses((status = 200, body = TeamOverviewView), (status = 403), (status = 404)))]
async fn team_overview(
    State(st): State<AppState>,
    caller: Caller,
    ApiPath(team_id): ApiPath<TeamId>,
) -> ApiResult<Json<TeamOverviewView>> {
    let labels = policy::team_labels(&st, &caller, &team_id).await?;
    let grant = policy::team_overview(&caller, labels.as_ref())?;
    Ok(Json(team_overview::read(&st, &grant).await?))
}

/// A team's daily totals (admins, and managers of that team); a day with fewer active members
/// than the minimum group size, and a team with fewer members, is withheld.
#[utoipa::path(get, path = "/api/v1/teams/{team_id}/rollups",
    params(("team_id" = String, Path, description = "team id")),
    responses((status = 200, body = TeamRollupsView), (status = 403), (status = 404)))]
async fn team_rollups(
    State(st): State<AppState>,
    caller: Caller,
    ApiPath(team_id): ApiPath<TeamId>,
) -> ApiResult<Json<TeamRollupsView>> {
    let labels = policy::team_labels(&st, &caller, &team_id).await?;
    let grant = policy::team_rollups(&caller, labels.as_ref())?;
    Ok(Json(team_overview::read_rollups(&st, &grant).await?))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
struct InviteRequest {
    role: Role,
    #[serde(default)]
    team_id: Option<TeamId>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
struct InviteResponse {
    url: String,
    token: String,
}

/// Creates an invite link (admins).
#[utoipa::path(post, path = "/api/v1/invites", request_body = InviteRequest, responses((status = 201, body = InviteResponse)))]
async fn create_invite(
    State(st): State<AppState>,
    caller: Caller,
    ApiJson(r): ApiJson<InviteRequest>,
) -> ApiResult<(StatusCode, Json<InviteResponse>)> {
    let grant = policy::admin(&caller)?;
    let team = match &r.team_id {
        Some(t) => Some(policy::use_team(
            &caller,
            policy::team_labels(&st, &caller, t).await?.as_ref(),
        )?),
        None => None,
    };
    let url = orgs::create_invite(&st, &grant, r.role, team.as_ref()).await?;
    let token = url.rsplit('/').next().unwrap_or_default().to_owned();
    Ok((StatusCode::CREATED, Json(InviteResponse { url, token })))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
struct AcceptRequest {
    token: String,
    #[serde(default)]
    email: Option<String>,
    #[serde(default)]
    password: Option<String>,
}

/// Accepts an invite: as the signed-in user (Bearer), or creating an account (email + password).
#[utoipa::path(post, path = "/api/v1/invites/accept", request_body = AcceptRequest,
    responses((status = 200, body = Option<TokenPair>), (status = 404)))]
async fn accept_invite(
    State(st): State<AppState>,
    user: Option<User>,
    ApiJson(r): ApiJson<AcceptRequest>,
) -> ApiResult<Json<Option<TokenPair>>> {
    let who = match (&user, r.email.as_deref(), r.password.as_deref()) {
        (Some(u), None, None) => Joiner::Existing(u),
        (None, Some(email), Some(password)) => Joiner::New { email, password },
        _ => {
            return Err(ApiError::bad_request(
                "invalid_body",
                "sign in, or give email and password",
            ))
        }
    };
    Ok(Json(orgs::accept_invite(&st, &r.token, who).await?))
}

/// Leaves the organization.
#[utoipa::path(post, path = "/api/v1/org/leave", responses((status = 204)))]
async fn leave(State(st): State<AppState>, caller: Caller) -> ApiResult<StatusCode> {
    orgs::leave(&st, &policy::own_data(&caller)).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The organization's settings (every member may read them).
#[utoipa::path(get, path = "/api/v1/org/settings", responses((status = 200, body = OrgSettings)))]
async fn get_org_settings(State(st): State<AppState>, caller: Caller) -> ApiResult<Json<OrgSettings>> {
    Ok(Json(
        org_settings::read(&st, &policy::org_settings(&caller)).await?,
    ))
}

/// Changes the organization's settings (admins). `min_group_size` is at least 3;
/// `retention_days` is 60 to 3650.
#[utoipa::path(put, path = "/api/v1/org/settings", request_body = OrgSettingsUpdate,
    responses((status = 200, body = OrgSettings), (status = 400, description = "min_group_size_too_small, min_group_size_too_large, retention_out_of_range")))]
async fn put_org_settings(
    State(st): State<AppState>,
    caller: Caller,
    ApiJson(r): ApiJson<OrgSettingsUpdate>,
) -> ApiResult<Json<OrgSettings>> {
    let grant = policy::admin(&caller)?;
    Ok(Json(org_settings::update(&st, &grant, &r).await?))
}

/// Lists members (admins: all; managers: their team).
#[utoipa::path(get, path = "/api/v1/org/members", responses((status = 200, body = Vec<MemberView>)))]
async fn members(State(st): State<AppState>, caller: Caller) -> ApiResult<Json<Vec<MemberView>>> {
    Ok(Json(
        orgs::list_members(&st, &policy::list_members(&caller)?).await?,
    ))
}

async fn member_grant(st: &AppState, caller: &Caller, target: &UserId) -> ApiResult<policy::ManageMember> {
    let labels = policy::member_labels(st, caller, target).await?;
    Ok(policy::manage_member(caller, labels.as_ref())?)
}

async fn team_grant(st: &AppState, caller: &Caller, team: &TeamId) -> ApiResult<policy::ManageTeam> {
    let labels = policy::team_labels(st, caller, team).await?;
    Ok(policy::manage_team(caller, labels.as_ref())?)
}

/// Removes a member (admins).
#[utoipa::path(delete, path = "/api/v1/org/members/{user_id}", responses((status = 204)))]
async fn remove_member(
    State(st): State<AppState>,
    caller: Caller,
    ApiPath(target): ApiPath<UserId>,
) -> ApiResult<StatusCode> {
    orgs::remove_member(&st, &member_grant(&st, &caller, &target).await?).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
struct RoleRequest {
    role: Role,
}

/// Changes a member's role (admins).
#[utoipa::path(put, path = "/api/v1/org/members/{user_id}/role", request_body = RoleRequest, responses((status = 204)))]
async fn set_role(
    State(st): State<AppState>,
    caller: Caller,
    ApiPath(target): ApiPath<UserId>,
    ApiJson(r): ApiJson<RoleRequest>,
) -> ApiResult<StatusCode> {
    orgs::set_role(&st, &member_grant(&st, &caller, &target).await?, r.role).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
struct TeamMoveRequest {
    team_id: Option<TeamId>,
}

/// Moves a member to a team or out of teams (admins).
#[utoipa::path(put, path = "/api/v1/org/members/{user_id}/team", request_body = TeamMoveRequest, responses((status = 204)))]
async fn set_team(
    State(st): State<AppState>,
    caller: Caller,
    ApiPath(target): ApiPath<UserId>,
    ApiJson(r): ApiJson<TeamMoveRequest>,
) -> ApiResult<StatusCode> {
    let grant = member_grant(&st, &caller, &target).await?;
    let team = match &r.team_id {
        Some(t) => Some(policy::use_team(
            &caller,
            policy::team_labels(&st, &caller, t).await?.as_ref(),
        )?),
        None => None,
    };
    orgs::set_team(&st, &grant, team.as_ref()).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Lists teams.
#[utoipa::path(get, path = "/api/v1/teams", responses((status = 200, body = Vec<TeamView>)))]
async fn teams(State(st): State<AppState>, caller: Caller) -> ApiResult<Json<Vec<TeamView>>> {
    Ok(Json(
        orgs::list_teams(&st, &policy::org_directory(&caller)).await?,
    ))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
struct TeamRequest {
    name: String,
}

/// Creates a team (admins).
#[utoipa::path(post, path = "/api/v1/teams", request_body = TeamRequest, responses((status = 201, body = TeamView)))]
async fn create_team(
    State(st): State<AppState>,
    caller: Caller,
    ApiJson(r): ApiJson<TeamRequest>,
) -> ApiResult<(StatusCode, Json<TeamView>)> {
    let grant = policy::admin(&caller)?;
    Ok((
        StatusCode::CREATED,
        Json(orgs::create_team(&st, &grant, &r.name).await?),
    ))
}

/// Renames a team (admins).
#[utoipa::path(put, path = "/api/v1/teams/{team_id}", request_body = TeamRequest, responses((status = 204)))]
async fn rename_team(
    State(st): State<AppState>,
    caller: Caller,
    ApiPath(team_id): ApiPath<TeamId>,
    ApiJson(r): ApiJson<TeamRequest>,
) -> ApiResult<StatusCode> {
    orgs::rename_team(&st, &team_grant(&st, &caller, &team_id).await?, &r.name).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Deletes a team (admins).
#[utoipa::path(delete, path = "/api/v1/teams/{team_id}", responses((status = 204)))]
async fn delete_team(
    State(st): State<AppState>,
    caller: Caller,
    ApiPath(team_id): ApiPath<TeamId>,
) -> ApiResult<StatusCode> {
    orgs::delete_team(&st, &team_grant(&st, &caller, &team_id).await?).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// My devices.
#[utoipa::path(get, path = "/api/v1/devices", responses((status = 200, body = Vec<DeviceView>)))]
async fn devices(State(st): State<AppState>, caller: Caller) -> ApiResult<Json<Vec<DeviceView>>> {
    Ok(Json(orgs::list_devices(&st, &policy::own_data(&caller)).await?))
}

/// Revokes one of my devices.
#[utoipa::path(delete, path = "/api/v1/devices/{device_id}", responses((status = 204)))]
async fn revoke_device(
    State(st): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<DeviceId>,
) -> ApiResult<StatusCode> {
    let labels = policy::device_labels(&st, &caller, &id).await?;
    orgs::revoke_device(&st, &policy::manage_device(&caller, labels.as_ref())?).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Starts a device login (no credentials).
#[utoipa::path(post, path = "/api/v1/device/code", responses((status = 200, body = DeviceCode)))]
async fn device_code(State(st): State<AppState>) -> ApiResult<Json<DeviceCode>> {
    Ok(Json(orgs::start_device_login(&st).await?))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
struct DeviceTokenRequest {
    device_code: String,
}

/// Polls a device login: 400 `authorization_pending` until approved, then the device token once.
#[utoipa::path(post, path = "/api/v1/device/token", request_body = DeviceTokenRequest,
    responses((status = 200, body = DeviceGrant), (status = 400, description = "authorization_pending, access_denied, expired_token, invalid_grant")))]
async fn device_token(
    State(st): State<AppState>,
    ApiJson(r): ApiJson<DeviceTokenRequest>,
) -> ApiResult<Json<DeviceGrant>> {
    Ok(Json(orgs::poll_device_login(&st, &r.device_code).await?))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
struct UserCodeRequest {
    user_code: String,
}

/// Approves a device login (signed-in user).
#[utoipa::path(post, path = "/api/v1/device/approve", request_body = UserCodeRequest, responses((status = 204)))]
async fn device_approve(
    State(st): State<AppState>,
    caller: Caller,
    ApiJson(r): ApiJson<UserCodeRequest>,
) -> ApiResult<StatusCode> {
    orgs::decide_device_login(&st, &policy::own_data(&caller), &r.user_code, true).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Denies a device login (signed-in user).
#[utoipa::path(post, path = "/api/v1/device/deny", request_body = UserCodeRequest, responses((status = 204)))]
async fn device_deny(
    State(st): State<AppState>,
    caller: Caller,
    ApiJson(r): ApiJson<UserCodeRequest>,
) -> ApiResult<StatusCode> {
    orgs::decide_device_login(&st, &policy::own_data(&caller), &r.user_code, false).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The device revokes its own token (Bearer device token).
#[utoipa::path(post, path = "/api/v1/device/revoke", responses((status = 204)))]
async fn device_revoke_self(State(st): State<AppState>, dev: Device) -> ApiResult<StatusCode> {
    orgs::revoke_self(&st, &dev).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Uploads up to 50 session summaries (Bearer device token). One result per item, in order.
#[utoipa::path(post, path = "/api/v1/ingest",
    request_body(content = Object, description = "prompt1_wire::upload::UploadBatch"),
    responses((status = 200, description = "prompt1_wire::upload::UploadAck", body = Object),
        (status = 401), (status = 413, description = "body or batch too large")))]
async fn ingest_batch(
    State(st): State<AppState>,
    token: DeviceToken,
    ApiJson(b): ApiJson<RawBatch>,
) -> ApiResult<Json<UploadAck>> {
    if b.sessions.len() > MAX_BATCH {
        return Err(ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "batch_too_large",
            "at most 50 sessions per upload",
        ));
    }
    // Parsed first, outside any lock; then one transaction authenticates the device and stores it.
    let batch = ingest::parse_batch(&b.sessions);
    let mut tx = st.db.begin_org(&token.scope).await?;
    let ack = ingest::ingest(&mut tx, st.now(), &token, batch).await?;
    tx.commit().await?;
    for r in &ack.results {
        let status = match r.status {
            prompt1_wire::upload::UploadStatus::Stored => "stored",
            prompt1_wire::upload::UploadStatus::AlreadyStored => "already_stored",
            prompt1_wire::upload::UploadStatus::Rejected => "rejected",
        };
        metrics::counter!("prompt1_ingest_sessions_total", "status" => status).increment(1);
    }
    Ok(Json(ack))
}

#[derive(OpenApi)]
#[openapi(
    info(
        title = "prompt1 API",
        description = "Accounts, organizations, device login and session-summary ingest."
    ),
    paths(
        login,
        refresh,
        logout,
        change_password,
        me,
        my_rollups,
        my_sessions,
        my_proficiency,
        my_coaching,
        team_rollups,
        team_overview,
        create_invite,
        accept_invite,
        leave,
        get_org_settings,
        put_org_settings,
        members,
        remove_member,
        set_role,
        set_team,
        teams,
        create_team,
        rename_team,
        delete_team,
        devices,
        revoke_device,
        device_code,
        device_token,
        device_approve,
        device_deny,
        device_revoke_self,
        ingest_batch
    )
)]
struct ApiDoc;

/// The OpenAPI document of this API.
pub fn openapi_doc() -> utoipa::openapi::OpenApi {
    ApiDoc::openapi()
}

async fn openapi() -> Json<utoipa::openapi::OpenApi> {
    Json(openapi_doc())
}
