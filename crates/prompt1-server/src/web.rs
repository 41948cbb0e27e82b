//! The server-rendered pages a newcomer needs to go from `prompt1-server` to data arriving, with no
//! API calls: first-admin setup, sign in and out, accept an invite, approve or deny a device login,
//! and a home page listing the user's devices and recent sessions.
//!
//! Plain HTML (labels on every field, one `h1` per page, `lang`, no script), so they work with any
//! browser and screen reader. Browsers authenticate with `__Host-` cookies (HttpOnly, Secure,
//! SameSite=Strict); every state-changing form also carries a CSRF tag bound to the session and the
//! `Origin` header, when sent, must be ours.

use crate::auth::{self, Refreshed, Role, TokenPair, User, ACCESS_COOKIE, REFRESH_COOKIE};
use crate::error::ApiError;
use crate::extract::ApiPath;
use crate::ids::DeviceId;
use crate::orgs::{self, Joiner};
use crate::policy::{self, Caller};
use crate::state::AppState;
use axum::extract::{FromRequestParts, Path, Query, State};
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use serde::Deserialize;

/// The page routes.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/", get(home))
        .route("/login", get(login_page).post(login_submit))
        .route("/logout", post(logout))
        .route("/renew", get(renew))
        .route("/setup", get(setup_page).post(setup_submit))
        .route("/invite/{token}", get(invite_page).post(invite_submit))
        .route("/device", get(device_page).post(device_submit))
        .route("/devices/{device_id}/revoke", post(revoke_device))
        .route("/invites/new", post(new_invite))
        .route("/.well-known/security.txt", get(security_txt))
}

/// Escapes text for HTML element content and attribute values.
pub fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

fn page(title: &str, body: &str) -> Html<String> {
    Html(format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>{t} - prompt1</title><style>body{{font-family:system-ui,sans-serif;max-width:46rem;margin:2rem auto;\
         padding:0 1rem;line-height:1.5}}label{{display:block;margin-top:.8rem}}input,select{{font-size:1rem;padding:.3rem}}\
         button{{font-size:1rem;margin-top:1rem;padding:.3rem .9rem}}table{{border-collapse:collapse}}\
         td,th{{border:1px solid #999;padding:.2rem .5rem;text-align:left}}.error{{color:#a00}}</style></head>\
         <body><main><h1>{t}</h1>{body}</main></body></html>",
        t = esc(title)
    ))
}

fn error_box(msg: Option<&str>) -> String {
    msg.map(|m| format!("<p class=\"error\" role=\"alert\">{}</p>", esc(m)))
        .unwrap_or_default()
}

fn cookie_headers(pair: &TokenPair, access_ttl: u64) -> HeaderMap {
    let mut h = HeaderMap::new();
    let a = format!(
        "{ACCESS_COOKIE}={}; Path=/; Secure; HttpOnly; SameSite=Strict; Max-Age={access_ttl}",
        pair.access_token
    );
    let r = format!(
        "{REFRESH_COOKIE}={}; Path=/; Secure; HttpOnly; SameSite=Strict; Max-Age=2592000",
        pair.refresh_token
    );
    for v in [a, r] {
        if let Ok(v) = HeaderValue::from_str(&v) {
            h.append(header::SET_COOKIE, v);
        }
    }
    h
}

fn clear_cookies() -> HeaderMap {
    let mut h = HeaderMap::new();
    for name in [ACCESS_COOKIE, REFRESH_COOKIE] {
        if let Ok(v) = HeaderValue::from_str(&format!(
            "{name}=; Path=/; Secure; HttpOnly; SameSite=Strict; Max-Age=0"
        )) {
            h.append(header::SET_COOKIE, v);
        }
    }
    h
}

/// Only local absolute paths are followed after sign-in (no open redirect).
fn safe_next(next: Option<&str>) -> String {
    match next {
        Some(n) if n.starts_with('/') && !n.starts_with("//") && !n.contains('\\') => n.to_owned(),
        _ => "/".to_owned(),
    }
}

fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b'/' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// A signed-in browser user; unauthenticated requests are sent to sign in (or to renew the access
/// cookie from the refresh cookie first).
pub struct WebUser(pub User);

impl FromRequestParts<AppState> for WebUser {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let here = parts
            .uri
            .path_and_query()
            .map(|p| p.as_str().to_owned())
            .unwrap_or_else(|| "/".into());
        if let Some(token) = auth::cookie(parts, ACCESS_COOKIE) {
            if let Ok(claims) = state.keys.verify_access(token) {
                match auth::load_user(state, &claims).await {
                    Ok(u) => return Ok(WebUser(u)),
                    Err(e) if e.status != StatusCode::UNAUTHORIZED => return Err(e.into_response()),
                    Err(_) => {}
                }
            }
        }
        if parts.method == axum::http::Method::GET && auth::cookie(parts, REFRESH_COOKIE).is_some() {
            return Err(Redirect::to(&format!("/renew?next={}", urlencode(&here))).into_response());
        }
        let target = if parts.method == axum::http::Method::GET {
            here
        } else {
            "/".into()
        };
        Err(Redirect::to(&format!("/login?next={}", urlencode(&target))).into_response())
    }
}

fn check_origin(state: &AppState, headers: &HeaderMap) -> Result<(), ApiError> {
    match headers.get(header::ORIGIN).and_then(|v| v.to_str().ok()) {
        None => Ok(()),
        Some(o) if o == state.cfg.base_url() => Ok(()),
        Some(_) => Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "bad_origin",
            "cross-site form posts are refused",
        )),
    }
}

fn check_csrf(state: &AppState, headers: &HeaderMap, user: &User, tag: &str) -> Result<(), ApiError> {
    check_origin(state, headers)?;
    if state.keys.check_csrf(&user.session_id, tag) {
        Ok(())
    } else {
        Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "bad_csrf",
            "the form expired; reload the page",
        ))
    }
}

fn csrf_field(state: &AppState, user: &User) -> String {
    format!(
        "<input type=\"hidden\" name=\"csrf\" value=\"{}\">",
        state.keys.csrf_tag(&user.session_id)
    )
}

fn fmt_time(secs: i64) -> String {
    time::OffsetDateTime::from_unix_timestamp(secs)
        .ok()
        .and_then(|t| {
            t.format(time::macros::format_description!(
                "[year]-[month]-[day] [hour]:[minute] UTC"
            ))
            .ok()
        })
        .unwrap_or_default()
}

async fn home(State(st): State<AppState>, WebUser(user): WebUser) -> Result<Html<String>, ApiError> {
    let csrf = csrf_field(&st, &user);
    let mut body = format!("<p>Signed in as <strong>{}</strong>.</p>", esc(&user.email));
    match &user.member {
        None => {
            body.push_str("<p>You are not in an organization yet. Open an invite link from your admin.</p>")
        }
        Some(m) => {
            let caller = Caller::of(&user)?;
            let me = policy::own_data(&caller);
            body.push_str(&format!("<p>Role: {}.</p>", m.role.as_str()));
            body.push_str("<h2>Connect a machine</h2><p>On your machine run <code>prompt1 login ");
            body.push_str(&esc(&st.cfg.base_url()));
            body.push_str("</code> and approve the code it shows.</p><h2>Your devices</h2>");
            let devices = orgs::list_devices(&st, &me).await?;
            if devices.is_empty() {
                body.push_str("<p>No devices yet.</p>");
            } else {
                body.push_str("<table><caption>Devices</caption><tr><th scope=\"col\">Device</th><th scope=\"col\">Approved</th>\
                    <th scope=\"col\">Last upload</th><th scope=\"col\">Status</th></tr>");
                for d in devices {
                    let status = match d.revoked_at {
                        Some(t) => format!("revoked {}", fmt_time(t)),
                        None => format!(
                            "<form method=\"post\" action=\"/devices/{id}/revoke\">{csrf}\
                             <button type=\"submit\" aria-label=\"Revoke device {short}\">Revoke</button></form>",
                            id = esc(d.device_id.as_str()),
                            short = esc(&d.device_id.as_str()[..8])
                        ),
                    };
                    body.push_str(&format!(
                        "<tr><td><code>{}</code></td><td>{}</td><td>{}</td><td>{status}</td></tr>",
                        esc(&d.device_id.as_str()[..8]),
                        fmt_time(d.created_at),
                        d.last_seen_at.map(fmt_time).unwrap_or_else(|| "never".into()),
                    ));
                }
                body.push_str("</table>");
            }
            body.push_str("<h2>Recent sessions</h2>");
            let sessions = orgs::recent_sessions(&st, &me, 20).await?;
            if sessions.is_empty() {
                body.push_str("<p>No sessions uploaded yet.</p>");
            } else {
                body.push_str("<table><caption>Recent sessions</caption><tr><th scope=\"col\">Started</th>\
                    <th scope=\"col\">Prompts</th><th scope=\"col\">Active minutes</th><th scope=\"col\">Finished</th>\
                    <th scope=\"col\">Revision</th></tr>");
                for s in sessions {
                    let prompts = s.summary.get("prompts").and_then(|v| v.as_i64()).unwrap_or(0);
                    let active = s.summary.get("active_s").and_then(|v| v.as_i64()).unwrap_or(0) / 60;
                    body.push_str(&format!(
                        "<tr><td>{}</td><td>{prompts}</td><td>{active}</td><td>{}</td><td>{}</td></tr>",
                        fmt_time(s.started_minute * 60),
                        if s.is_final { "yes" } else { "no" },
                        s.revision
                    ));
                }
                body.push_str("</table>");
            }
            if m.role == Role::Admin {
                body.push_str(&format!(
                    "<h2>Invite someone</h2><form method=\"post\" action=\"/invites/new\">{csrf}\
                     <label for=\"role\">Role</label><select id=\"role\" name=\"role\">\
                     <option value=\"member\">member</option><option value=\"manager\">manager</option>\
                     <option value=\"admin\">admin</option></select>\
                     <button type=\"submit\">Create invite link</button></form>"
                ));
            }
        }
    }
    body.push_str(&format!(
        "<form method=\"post\" action=\"/logout\">{csrf}<button type=\"submit\">Sign out</button></form>"
    ));
    Ok(page("prompt1", &body))
}

#[derive(Deserialize)]
struct NextQuery {
    next: Option<String>,
}

fn login_form(next: &str, error: Option<&str>) -> Html<String> {
    page(
        "Sign in",
        &format!(
            "{}<form method=\"post\" action=\"/login\"><input type=\"hidden\" name=\"next\" value=\"{}\">\
             <label for=\"email\">Email</label><input id=\"email\" name=\"email\" type=\"email\" autocomplete=\"username\" required>\
             <label for=\"password\">Password</label><input id=\"password\" name=\"password\" type=\"password\" \
             autocomplete=\"current-password\" required minlength=\"8\" maxlength=\"128\">\
             <button type=\"submit\">Sign in</button></form>",
            error_box(error),
            esc(next)
        ),
    )
}

async fn login_page(Query(q): Query<NextQuery>) -> Html<String> {
    login_form(&safe_next(q.next.as_deref()), None)
}

#[derive(Deserialize)]
struct LoginForm {
    email: String,
    password: String,
    next: Option<String>,
}

async fn login_submit(
    State(st): State<AppState>,
    headers: HeaderMap,
    Form(f): Form<LoginForm>,
) -> Result<Response, ApiError> {
    check_origin(&st, &headers)?;
    let next = safe_next(f.next.as_deref());
    match orgs::login(&st, &f.email, &f.password).await {
        Ok(pair) => Ok((cookie_headers(&pair, st.keys.access_ttl_s()), Redirect::to(&next)).into_response()),
        Err(e) if e.status == StatusCode::UNAUTHORIZED => Ok((
            StatusCode::UNAUTHORIZED,
            login_form(&next, Some("Wrong email or password.")),
        )
            .into_response()),
        Err(e) => Err(e),
    }
}

#[derive(Deserialize)]
struct CsrfForm {
    csrf: String,
}

async fn logout(
    State(st): State<AppState>,
    headers: HeaderMap,
    WebUser(user): WebUser,
    Form(f): Form<CsrfForm>,
) -> Result<Response, ApiError> {
    check_csrf(&st, &headers, &user, &f.csrf)?;
    orgs::logout(&st, &user.session_id).await?;
    Ok((clear_cookies(), Redirect::to("/login")).into_response())
}

async fn renew(
    State(st): State<AppState>,
    Query(q): Query<NextQuery>,
    parts: axum::http::request::Parts,
) -> Response {
    let next = safe_next(q.next.as_deref());
    if let Some(token) = auth::cookie(&parts, REFRESH_COOKIE) {
        if let Ok(Refreshed::Ok(pair, _)) = auth::rotate_refresh(&st, token).await {
            return (cookie_headers(&pair, st.keys.access_ttl_s()), Redirect::to(&next)).into_response();
        }
    }
    (
        clear_cookies(),
        Redirect::to(&format!("/login?next={}", urlencode(&next))),
    )
        .into_response()
}

#[derive(Deserialize)]
struct TokenQuery {
    token: Option<String>,
}

fn setup_form(token: &str, error: Option<&str>) -> Html<String> {
    page(
        "Set up prompt1",
        &format!(
            "<p>Create your organization and its first admin account. This link works once.</p>{}\
             <form method=\"post\" action=\"/setup\"><input type=\"hidden\" name=\"token\" value=\"{}\">\
             <label for=\"org\">Organization name</label><input id=\"org\" name=\"org_name\" required maxlength=\"100\">\
             <label for=\"email\">Your email</label><input id=\"email\" name=\"email\" type=\"email\" autocomplete=\"username\" required>\
             <label for=\"password\">Password (8 to 128 characters)</label><input id=\"password\" name=\"password\" \
             type=\"password\" autocomplete=\"new-password\" required minlength=\"8\" maxlength=\"128\">\
             <button type=\"submit\">Create organization</button></form>",
            error_box(error),
            esc(token)
        ),
    )
}

async fn setup_page(State(st): State<AppState>, Query(q): Query<TokenQuery>) -> Result<Response, ApiError> {
    let token = q.token.unwrap_or_default();
    if !orgs::setup_token_valid(&st.db, &token).await? {
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "invalid_setup_token",
            "this setup link is not valid",
        ));
    }
    Ok(setup_form(&token, None).into_response())
}

#[derive(Deserialize)]
struct SetupForm {
    token: String,
    org_name: String,
    email: String,
    password: String,
}

async fn setup_submit(
    State(st): State<AppState>,
    headers: HeaderMap,
    Form(f): Form<SetupForm>,
) -> Result<Response, ApiError> {
    check_origin(&st, &headers)?;
    match orgs::setup(&st, &f.token, &f.org_name, &f.email, &f.password).await {
        Ok(pair) => Ok((cookie_headers(&pair, st.keys.access_ttl_s()), Redirect::to("/")).into_response()),
        Err(e) if e.status == StatusCode::BAD_REQUEST => {
            Ok((StatusCode::BAD_REQUEST, setup_form(&f.token, Some(&e.message))).into_response())
        }
        Err(e) => Err(e),
    }
}

async fn invite_page(
    State(st): State<AppState>,
    Path(token): Path<String>,
    user: Result<WebUser, Response>,
) -> Result<Response, ApiError> {
    let org = orgs::invite_org_name(&st, &token).await?;
    let action = format!("/invite/{}", esc(&token));
    let body = match user {
        Ok(WebUser(u)) => format!(
            "<p>You are invited to join <strong>{}</strong> as {}.</p><form method=\"post\" action=\"{action}\">{}\
             <button type=\"submit\">Join</button></form>",
            esc(&org),
            esc(&u.email),
            csrf_field(&st, &u)
        ),
        Err(_) => format!(
            "<p>You are invited to join <strong>{}</strong>. Create your account, or \
             <a href=\"/login?next={}\">sign in</a> if you have one.</p>\
             <form method=\"post\" action=\"{action}\">\
             <label for=\"email\">Email</label><input id=\"email\" name=\"email\" type=\"email\" autocomplete=\"username\" required>\
             <label for=\"password\">Password (8 to 128 characters)</label><input id=\"password\" name=\"password\" \
             type=\"password\" autocomplete=\"new-password\" required minlength=\"8\" maxlength=\"128\">\
             <button type=\"submit\">Create account and join</button></form>",
            esc(&org),
            urlencode(&action)
        ),
    };
    Ok(page("Accept invite", &body).into_response())
}

#[derive(Deserialize)]
struct InviteForm {
    csrf: Option<String>,
    email: Option<String>,
    password: Option<String>,
}

async fn invite_submit(
    State(st): State<AppState>,
    Path(token): Path<String>,
    headers: HeaderMap,
    user: Result<WebUser, Response>,
    Form(f): Form<InviteForm>,
) -> Result<Response, ApiError> {
    check_origin(&st, &headers)?;
    match (user, f.email, f.password) {
        (Ok(WebUser(u)), _, _) => {
            check_csrf(&st, &headers, &u, f.csrf.as_deref().unwrap_or(""))?;
            orgs::accept_invite(&st, &token, Joiner::Existing(&u)).await?;
            Ok(Redirect::to("/").into_response())
        }
        (Err(_), Some(email), Some(password)) => {
            let pair = orgs::accept_invite(
                &st,
                &token,
                Joiner::New {
                    email: &email,
                    password: &password,
                },
            )
            .await?;
            match pair {
                Some(pair) => {
                    Ok((cookie_headers(&pair, st.keys.access_ttl_s()), Redirect::to("/")).into_response())
                }
                None => Ok(Redirect::to("/login").into_response()),
            }
        }
        _ => Err(ApiError::bad_request(
            "invalid_form",
            "email and password are required",
        )),
    }
}

#[derive(Deserialize)]
struct CodeQuery {
    code: Option<String>,
}

async fn device_page(
    State(st): State<AppState>,
    Query(q): Query<CodeQuery>,
    WebUser(user): WebUser,
) -> Result<Html<String>, ApiError> {
    if user.member.is_none() {
        return Ok(page(
            "Approve a device",
            "<p>Join an organization before connecting a device.</p>",
        ));
    }
    let code = q
        .code
        .as_deref()
        .and_then(orgs::normalize_user_code)
        .unwrap_or_default();
    Ok(page(
        "Approve a device",
        &format!(
            "<p>A terminal running <code>prompt1 login</code> shows a code. Approve only if it matches \
             the code shown here and you started that login yourself. The device will only be able to \
             upload session summaries.</p>\
             <form method=\"post\" action=\"/device\">{}\
             <label for=\"user_code\">Code</label><input id=\"user_code\" name=\"user_code\" value=\"{}\" \
             required autocomplete=\"off\" autocapitalize=\"characters\">\
             <button type=\"submit\" name=\"decision\" value=\"approve\">Approve</button> \
             <button type=\"submit\" name=\"decision\" value=\"deny\">Deny</button></form>",
            csrf_field(&st, &user),
            esc(&code)
        ),
    ))
}

#[derive(Deserialize)]
struct DeviceForm {
    csrf: String,
    user_code: String,
    decision: String,
}

async fn device_submit(
    State(st): State<AppState>,
    headers: HeaderMap,
    WebUser(user): WebUser,
    Form(f): Form<DeviceForm>,
) -> Result<Response, ApiError> {
    check_csrf(&st, &headers, &user, &f.csrf)?;
    let approve = f.decision == "approve";
    let me = policy::own_data(&Caller::of(&user)?);
    match orgs::decide_device_login(&st, &me, &f.user_code, approve).await {
        Ok(()) if approve => Ok(page(
            "Device approved",
            "<p id=\"result\">Device approved. Return to your terminal: prompt1 is now connected.</p>\
             <p><a href=\"/\">Home</a></p>",
        )
        .into_response()),
        Ok(()) => Ok(page("Device denied", "<p id=\"result\">The login was denied.</p><p><a href=\"/\">Home</a></p>")
            .into_response()),
        Err(e) if e.status == StatusCode::NOT_FOUND => Ok((
            StatusCode::NOT_FOUND,
            page(
                "Approve a device",
                "<p class=\"error\" role=\"alert\">That code is unknown or expired. Run prompt1 login again.</p>",
            ),
        )
            .into_response()),
        Err(e) => Err(e),
    }
}

async fn revoke_device(
    State(st): State<AppState>,
    headers: HeaderMap,
    ApiPath(id): ApiPath<DeviceId>,
    WebUser(user): WebUser,
    Form(f): Form<CsrfForm>,
) -> Result<Response, ApiError> {
    check_csrf(&st, &headers, &user, &f.csrf)?;
    let caller = Caller::of(&user)?;
    let labels = policy::device_labels(&st, &caller, &id).await?;
    orgs::revoke_device(&st, &policy::manage_device(&caller, labels.as_ref())?).await?;
    Ok(Redirect::to("/").into_response())
}

#[derive(Deserialize)]
struct NewInviteForm {
    csrf: String,
    role: Role,
}

async fn new_invite(
    State(st): State<AppState>,
    headers: HeaderMap,
    WebUser(user): WebUser,
    Form(f): Form<NewInviteForm>,
) -> Result<Response, ApiError> {
    check_csrf(&st, &headers, &user, &f.csrf)?;
    let grant = policy::admin(&Caller::of(&user)?)?;
    let url = orgs::create_invite(&st, &grant, f.role, None).await?;
    Ok(page(
        "Invite link",
        &format!(
            "<p>Send this link to the person you invite ({}). It works once and expires in {} days.</p>\
             <p><code id=\"invite\">{}</code></p><p><a href=\"/\">Home</a></p>",
            f.role.as_str(),
            st.cfg.invite_ttl_s / 86400,
            esc(&url)
        ),
    )
    .into_response())
}

async fn security_txt(State(st): State<AppState>) -> impl IntoResponse {
    (
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        format!(
            "Contact: mailto:contact@spectatr.ai\nExpires: 2027-12-31T23:59:59Z\nPreferred-Languages: en\nCanonical: {}/.well-known/security.txt\n",
            st.cfg.base_url()
        ),
    )
}
