//! The server-rendered pages: one module per audience, wired here.
//!
//! - [`auth_pages`]: sign in and out, first-admin set-up, accept an invite, approve a device.
//! - [`developer`]: everyone's home page (score, coaching, sessions, tokens, devices, account).
//! - [`team`]: a team's weekly overview, for its managers and admins (and its members, without
//!   members' scores).
//! - [`admin`]: members, teams, invites, devices, settings and the audit log.
//! - [`charts`]: plotters SVG charts, each with a title, a description and a table beside it.
//! - [`errors`]: every error a browser sees is an HTML page; the JSON API keeps JSON errors.
//!
//! Why askama: templates are compiled with the crate and escape every value by default, so a
//! page cannot forget to escape, and a field a template uses cannot go missing. Each page is a
//! struct (its data) and a template under `templates/` extending `base.html` (skip link, one
//! `h1`, landmarks, navigation by role). Pages need no script. Access is decided by the policy
//! module's grants, which the data functions require; a page only renders what it was given.
//!
//! Browsers authenticate with `__Host-` cookies (HttpOnly, Secure, SameSite=Strict); every
//! state-changing form also carries a CSRF tag bound to the session, and the `Origin` header,
//! when sent, must be ours.

pub mod admin;
pub mod auth_pages;
pub mod charts;
pub mod developer;
pub mod errors;
pub mod team;

use crate::auth::{self, Role, TokenPair, User, ACCESS_COOKIE, REFRESH_COOKIE};
use crate::error::ApiError;
use crate::state::AppState;
use axum::extract::{FromRequest, FromRequestParts};
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::Router;
pub use errors::{PageError, PageResult};

/// The page routes.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/", get(developer::home))
        .route("/static/style.css", get(stylesheet))
        .route(
            "/login",
            get(auth_pages::login_page).post(auth_pages::login_submit),
        )
        .route("/logout", post(auth_pages::logout))
        .route("/renew", get(auth_pages::renew))
        .route(
            "/setup",
            get(auth_pages::setup_page).post(auth_pages::setup_submit),
        )
        .route(
            "/invite/{token}",
            get(auth_pages::invite_page).post(auth_pages::invite_submit),
        )
        .route(
            "/device",
            get(auth_pages::device_page).post(auth_pages::device_submit),
        )
        .route("/devices/{device_id}/revoke", post(developer::revoke_device))
        .route("/account/password", post(developer::change_password))
        .route("/account/export.json", get(developer::export_json))
        .route("/account/export.csv", get(developer::export_csv))
        .route("/account/delete", post(developer::delete_account))
        .route("/teams/{team_id}", get(team::page))
        .route("/teams/{team_id}/overview.csv", get(team::csv))
        .route("/admin", get(admin::page))
        .route("/admin/settings", post(admin::settings))
        .route("/admin/invites", post(admin::create_invite))
        .route("/admin/invites/{invite_id}/revoke", post(admin::revoke_invite))
        .route("/admin/teams", post(admin::create_team))
        .route("/admin/teams/{team_id}/rename", post(admin::rename_team))
        .route("/admin/teams/{team_id}/delete", post(admin::delete_team))
        .route("/admin/members/{user_id}/role", post(admin::set_role))
        .route("/admin/members/{user_id}/team", post(admin::set_team))
        .route("/admin/members/{user_id}/remove", post(admin::remove_member))
        .route("/.well-known/security.txt", get(security_txt))
}

/// The one stylesheet, served by the server itself (no external assets).
async fn stylesheet() -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        include_str!("../../templates/style.css"),
    )
}

/// What the layout shows of the signed-in person: navigation by role, and the sign-out form.
#[derive(Debug, Clone)]
pub struct Nav {
    /// Email shown in the header.
    pub email: String,
    /// Link to the person's team page, if they are in a team.
    pub team_href: Option<String>,
    /// Whether the admin link shows.
    pub is_admin: bool,
    /// CSRF tag for the sign-out form.
    pub csrf: String,
    /// Which main link is the current page (`home`, `team`, `admin`, or empty).
    pub here: &'static str,
}

impl Nav {
    /// The navigation for `user` on the page `here`.
    pub fn of(st: &AppState, user: &User, here: &'static str) -> Self {
        let m = user.member.as_ref();
        Self {
            email: user.email.clone(),
            team_href: m.and_then(|m| m.team_id.as_ref()).map(|t| format!("/teams/{t}")),
            is_admin: m.is_some_and(|m| m.role == Role::Admin),
            csrf: st.keys.csrf_tag(&user.session_id),
            here,
        }
    }
}

/// Cookies that sign a browser in.
pub fn cookie_headers(pair: &TokenPair, access_ttl: u64) -> HeaderMap {
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

/// Cookies that sign a browser out.
pub fn clear_cookies() -> HeaderMap {
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
pub fn safe_next(next: Option<&str>) -> String {
    match next {
        Some(n) if n.starts_with('/') && !n.starts_with("//") && !n.contains('\\') => n.to_owned(),
        _ => "/".to_owned(),
    }
}

/// Percent-encodes a local path for a `next=` query parameter.
pub fn urlencode(s: &str) -> String {
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
                    Err(e) if e.status != StatusCode::UNAUTHORIZED => {
                        return Err(PageError::from(e).into_response())
                    }
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

/// `Form<T>` whose rejection is an HTML error page.
#[derive(Debug, FromRequest)]
#[from_request(via(axum::Form), rejection(PageError))]
pub struct PageForm<T>(pub T);

/// `Path<T>` whose rejection is the HTML 404 page (a malformed id names nothing).
#[derive(Debug, FromRequestParts)]
#[from_request(via(axum::extract::Path), rejection(PageError))]
pub struct PagePath<T>(pub T);

/// Refuses a form posted from another site.
pub fn check_origin(state: &AppState, headers: &HeaderMap) -> Result<(), ApiError> {
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

/// Checks the form's CSRF tag (and its origin).
pub fn check_csrf(state: &AppState, headers: &HeaderMap, user: &User, tag: &str) -> Result<(), ApiError> {
    check_origin(state, headers)?;
    if state.keys.check_csrf(&user.session_id, tag) {
        Ok(())
    } else {
        Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "bad_csrf",
            "the form expired; reload the page and try again",
        ))
    }
}

/// Unix seconds as `2026-12-04 17:25 UTC`.
pub fn fmt_time(secs: i64) -> String {
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

/// Days since the epoch as `2026-12-04`.
pub fn fmt_day(day: i64) -> String {
    time::OffsetDateTime::from_unix_timestamp(day * 86_400)
        .ok()
        .and_then(|t| {
            t.format(time::macros::format_description!("[year]-[month]-[day]"))
                .ok()
        })
        .unwrap_or_default()
}

/// Days since the epoch as `Dec 4`, for chart axes.
pub fn short_day(day: i64) -> String {
    time::OffsetDateTime::from_unix_timestamp(day * 86_400)
        .ok()
        .and_then(|t| {
            t.format(time::macros::format_description!(
                "[month repr:short] [day padding:none]"
            ))
            .ok()
        })
        .unwrap_or_default()
}

/// A share as a whole percentage (`0.653` -> `65%`), or an en dash without a value.
pub fn pct(v: Option<f64>) -> String {
    v.map(|v| format!("{:.0}%", v * 100.0))
        .unwrap_or_else(|| "–".into())
}

/// A dollar amount (`$1.23`), or "no price" for a model without one.
pub fn usd(v: Option<f64>) -> String {
    v.map(|v| format!("${v:.2}")).unwrap_or_else(|| "no price".into())
}

/// A large count with thousands separators (`1234567` -> `1,234,567`).
pub fn thousands(n: i64) -> String {
    let s = n.unsigned_abs().to_string();
    let mut out = String::with_capacity(s.len() + s.len() / 3 + 1);
    if n < 0 {
        out.push('-');
    }
    for (i, ch) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(ch);
    }
    out
}

async fn security_txt(axum::extract::State(st): axum::extract::State<AppState>) -> impl IntoResponse {
    (
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        format!(
            "Contact: mailto:contact@spectatr.ai\nExpires: 2027-12-31T23:59:59Z\nPreferred-Languages: en\nCanonical: {}/.well-known/security.txt\n",
            st.cfg.base_url()
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_read_as_people_write_them() {
        // Day 20_791 is 2026-12-04.
        assert_eq!(fmt_day(20_791), "2026-12-04");
        assert_eq!(short_day(20_791), "Dec 4");
        assert_eq!(
            fmt_time(20_791 * 86_400 + 17 * 3600 + 5 * 60),
            "2026-12-04 17:05 UTC"
        );
        assert_eq!(pct(Some(0.653)), "65%");
        assert_eq!(pct(None), "–");
        assert_eq!(usd(Some(1.234)), "$1.23");
        assert_eq!(thousands(1_234_567), "1,234,567");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(-1000), "-1,000");
    }

    #[test]
    fn only_local_paths_are_followed() {
        assert_eq!(safe_next(Some("/teams/x")), "/teams/x");
        assert_eq!(safe_next(Some("//evil.test")), "/");
        assert_eq!(safe_next(Some("https://evil.test")), "/");
        assert_eq!(safe_next(Some("/\\evil")), "/");
        assert_eq!(safe_next(None), "/");
    }
}
