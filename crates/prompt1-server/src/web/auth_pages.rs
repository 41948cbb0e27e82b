//! Getting in: sign in and out, first-admin set-up (and the home page of a fresh server, which
//! says where the set-up link is), accepting an invite, and approving a device login.
//!
//! A form that fails (wrong password, a taken email, an unknown code) is shown again with the
//! message and what was typed (never the password), with status 400/401/404/409 as the case is.

use super::{
    check_csrf, check_origin, clear_cookies, cookie_headers, fmt_time, safe_next, urlencode, Nav, PageForm,
    PageResult, WebUser,
};
use crate::auth::{self, Refreshed, REFRESH_COOKIE};
use crate::lookups;
use crate::orgs::{self, Joiner};
use crate::policy::{self, Caller};
use crate::state::AppState;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Redirect, Response};
use serde::Deserialize;

/// Renders a template into a response with `status`.
pub fn render(status: StatusCode, t: &impl Template) -> PageResult {
    Ok((status, Html(t.render()?)).into_response())
}

#[derive(Template)]
#[template(path = "welcome.html")]
struct WelcomePage {
    title: &'static str,
    nav: Option<Nav>,
}

/// The home page of a fresh server: where the set-up link is.
pub async fn welcome() -> PageResult {
    render(
        StatusCode::OK,
        &WelcomePage {
            title: "Welcome to prompt1",
            nav: None,
        },
    )
}

/// A short message page with one link onward.
#[derive(Template)]
#[template(path = "message.html")]
pub struct MessagePage {
    /// Heading.
    pub title: &'static str,
    /// Navigation.
    pub nav: Option<Nav>,
    /// The message.
    pub message: String,
    /// Something to copy (an invite link), if any.
    pub code: Option<String>,
    /// Where to go next.
    pub back_href: &'static str,
    /// The link's text.
    pub back_label: &'static str,
}

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage<'a> {
    title: &'static str,
    nav: Option<Nav>,
    next: &'a str,
    email: &'a str,
    error: Option<&'a str>,
}

/// `?next=` after signing in.
#[derive(Deserialize)]
pub struct NextQuery {
    next: Option<String>,
}

/// The sign-in form.
pub async fn login_page(Query(q): Query<NextQuery>) -> PageResult {
    let next = safe_next(q.next.as_deref());
    render(
        StatusCode::OK,
        &LoginPage {
            title: "Sign in",
            nav: None,
            next: &next,
            email: "",
            error: None,
        },
    )
}

/// The sign-in form's fields.
#[derive(Deserialize)]
pub struct LoginForm {
    email: String,
    password: String,
    next: Option<String>,
}

/// Signs in and goes on to `next`; a wrong password shows the form again (401).
pub async fn login_submit(
    State(st): State<AppState>,
    headers: HeaderMap,
    PageForm(f): PageForm<LoginForm>,
) -> PageResult {
    check_origin(&st, &headers)?;
    let next = safe_next(f.next.as_deref());
    match orgs::login(&st, &f.email, &f.password).await {
        Ok(pair) => Ok((cookie_headers(&pair, st.keys.access_ttl_s()), Redirect::to(&next)).into_response()),
        Err(e) if e.status == StatusCode::UNAUTHORIZED => render(
            StatusCode::UNAUTHORIZED,
            &LoginPage {
                title: "Sign in",
                nav: None,
                next: &next,
                email: &f.email,
                error: Some("Wrong email or password. Check both and try again."),
            },
        ),
        Err(e) => Err(e.into()),
    }
}

/// A form that only carries its CSRF tag.
#[derive(Deserialize)]
pub struct CsrfForm {
    /// The tag.
    pub csrf: String,
}

/// Signs out (this session only).
pub async fn logout(
    State(st): State<AppState>,
    headers: HeaderMap,
    WebUser(user): WebUser,
    PageForm(f): PageForm<CsrfForm>,
) -> PageResult {
    check_csrf(&st, &headers, &user, &f.csrf)?;
    orgs::logout(&st, &user.session_id).await?;
    Ok((clear_cookies(), Redirect::to("/login")).into_response())
}

/// Renews the access cookie from the refresh cookie, then goes on to `next`.
pub async fn renew(
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

#[derive(Template)]
#[template(path = "setup.html")]
struct SetupPage<'a> {
    title: &'static str,
    nav: Option<Nav>,
    token: &'a str,
    org_name: &'a str,
    email: &'a str,
    error: Option<&'a str>,
}

/// `?token=` of the set-up link.
#[derive(Deserialize)]
pub struct TokenQuery {
    token: Option<String>,
}

/// The first-admin set-up form (403 page for a used or wrong link).
pub async fn setup_page(State(st): State<AppState>, Query(q): Query<TokenQuery>) -> PageResult {
    let token = q.token.unwrap_or_default();
    if !orgs::setup_token_valid(&st.db, &token).await? {
        return Err(crate::error::ApiError::new(
            StatusCode::FORBIDDEN,
            "invalid_setup_token",
            "This set-up link is not valid: it was used already, or a newer one was printed when the server restarted.",
        )
        .into());
    }
    render(
        StatusCode::OK,
        &SetupPage {
            title: "Set up prompt1",
            nav: None,
            token: &token,
            org_name: "",
            email: "",
            error: None,
        },
    )
}

/// The set-up form's fields.
#[derive(Deserialize)]
pub struct SetupForm {
    token: String,
    org_name: String,
    email: String,
    password: String,
}

/// Creates the organization and its admin, signs in, and goes home; a bad field shows the form
/// again (400).
pub async fn setup_submit(
    State(st): State<AppState>,
    headers: HeaderMap,
    PageForm(f): PageForm<SetupForm>,
) -> PageResult {
    check_origin(&st, &headers)?;
    match orgs::setup(&st, &f.token, &f.org_name, &f.email, &f.password).await {
        Ok(pair) => Ok((cookie_headers(&pair, st.keys.access_ttl_s()), Redirect::to("/")).into_response()),
        Err(e) if e.status == StatusCode::BAD_REQUEST || e.status == StatusCode::CONFLICT => render(
            e.status,
            &SetupPage {
                title: "Set up prompt1",
                nav: None,
                token: &f.token,
                org_name: &f.org_name,
                email: &f.email,
                error: Some(&e.message),
            },
        ),
        Err(e) => Err(e.into()),
    }
}

#[derive(Template)]
#[template(path = "invite.html")]
struct InvitePage<'a> {
    title: &'static str,
    nav: Option<Nav>,
    org: &'a str,
    action: String,
    login_next: String,
    signed_in_as: Option<&'a str>,
    csrf: String,
    email: &'a str,
    error: Option<&'a str>,
}

/// The invite page: join as the signed-in user, or create an account (404 page for a used,
/// expired or unknown invite).
pub async fn invite_page(
    State(st): State<AppState>,
    Path(token): Path<String>,
    user: Result<WebUser, Response>,
) -> PageResult {
    let org = orgs::invite_org_name(&st, &token).await?;
    invite_form(
        &st,
        &token,
        &org,
        user.ok().as_ref().map(|u| &u.0),
        "",
        None,
        StatusCode::OK,
    )
}

fn invite_form(
    st: &AppState,
    token: &str,
    org: &str,
    user: Option<&crate::auth::User>,
    email: &str,
    error: Option<&str>,
    status: StatusCode,
) -> PageResult {
    let action = format!("/invite/{token}");
    render(
        status,
        &InvitePage {
            title: "Accept invite",
            nav: user.map(|u| Nav::of(st, u, "")),
            org,
            login_next: urlencode(&action),
            action,
            signed_in_as: user.map(|u| u.email.as_str()),
            csrf: user.map(|u| st.keys.csrf_tag(&u.session_id)).unwrap_or_default(),
            email,
            error,
        },
    )
}

/// The invite form's fields.
#[derive(Deserialize)]
pub struct InviteForm {
    csrf: Option<String>,
    email: Option<String>,
    password: Option<String>,
}

/// Joins the organization (signed in), or creates the account and joins.
pub async fn invite_submit(
    State(st): State<AppState>,
    Path(token): Path<String>,
    headers: HeaderMap,
    user: Result<WebUser, Response>,
    PageForm(f): PageForm<InviteForm>,
) -> PageResult {
    check_origin(&st, &headers)?;
    match (user, f.email, f.password) {
        (Ok(WebUser(u)), _, _) => {
            check_csrf(&st, &headers, &u, f.csrf.as_deref().unwrap_or(""))?;
            match orgs::accept_invite(&st, &token, Joiner::Existing(&u)).await {
                Ok(_) => Ok(Redirect::to("/").into_response()),
                Err(e) if e.status == StatusCode::CONFLICT => {
                    let org = orgs::invite_org_name(&st, &token).await?;
                    invite_form(&st, &token, &org, Some(&u), "", Some(&e.message), e.status)
                }
                Err(e) => Err(e.into()),
            }
        }
        (Err(_), Some(email), Some(password)) => {
            let joined = orgs::accept_invite(
                &st,
                &token,
                Joiner::New {
                    email: &email,
                    password: &password,
                },
            )
            .await;
            match joined {
                Ok(Some(pair)) => {
                    Ok((cookie_headers(&pair, st.keys.access_ttl_s()), Redirect::to("/")).into_response())
                }
                Ok(None) => Ok(Redirect::to("/login").into_response()),
                Err(e) if e.status == StatusCode::BAD_REQUEST || e.status == StatusCode::CONFLICT => {
                    let org = orgs::invite_org_name(&st, &token).await?;
                    invite_form(&st, &token, &org, None, &email, Some(&e.message), e.status)
                }
                Err(e) => Err(e.into()),
            }
        }
        _ => {
            Err(crate::error::ApiError::bad_request("invalid_form", "email and password are required").into())
        }
    }
}

struct PendingView {
    code: String,
    started: String,
    ago: String,
    expires: String,
}

#[derive(Template)]
#[template(path = "device.html")]
struct DevicePage<'a> {
    title: &'static str,
    nav: Option<Nav>,
    csrf: String,
    code: &'a str,
    pending: Option<PendingView>,
    account: &'a str,
    org: &'a str,
    error: Option<&'a str>,
}

/// `?code=` of the verification link.
#[derive(Deserialize)]
pub struct CodeQuery {
    code: Option<String>,
}

async fn device_form(
    st: &AppState,
    user: &crate::auth::User,
    code: &str,
    error: Option<&str>,
    status: StatusCode,
) -> PageResult {
    let caller = Caller::of(user)?;
    let org = lookups::org_name(st, &policy::org_directory(&caller)).await?;
    let now = st.now();
    let pending = lookups::pending_login(st, code).await?.map(|p| PendingView {
        started: fmt_time(p.created_at),
        ago: match (now - p.created_at).max(0) / 60 {
            0 => "less than a minute ago".into(),
            1 => "1 minute ago".into(),
            m => format!("{m} minutes ago"),
        },
        expires: fmt_time(p.expires_at),
        code: p.user_code,
    });
    let code = orgs::normalize_user_code(code).unwrap_or_else(|| code.to_owned());
    render(
        status,
        &DevicePage {
            title: "Approve a device",
            nav: Some(Nav::of(st, user, "")),
            csrf: st.keys.csrf_tag(&user.session_id),
            code: &code,
            pending,
            account: &user.email,
            org: &org,
            error,
        },
    )
}

/// The approval page: which login (code, when it started) and which account it will act for.
pub async fn device_page(
    State(st): State<AppState>,
    Query(q): Query<CodeQuery>,
    WebUser(user): WebUser,
) -> PageResult {
    if user.member.is_none() {
        return render(
            StatusCode::OK,
            &MessagePage {
                title: "Approve a device",
                nav: Some(Nav::of(&st, &user, "")),
                message: "Join an organization before connecting a device: open the invite link your admin sent you.".into(),
                code: None,
                back_href: "/",
                back_label: "Home",
            },
        );
    }
    let code = q.code.unwrap_or_default();
    device_form(&st, &user, &code, None, StatusCode::OK).await
}

/// The approval form's fields.
#[derive(Deserialize)]
pub struct DeviceForm {
    csrf: String,
    user_code: String,
    decision: String,
}

/// Approves or denies; an unknown or expired code shows the form again (404).
pub async fn device_submit(
    State(st): State<AppState>,
    headers: HeaderMap,
    WebUser(user): WebUser,
    PageForm(f): PageForm<DeviceForm>,
) -> PageResult {
    check_csrf(&st, &headers, &user, &f.csrf)?;
    let approve = f.decision == "approve";
    let me = policy::own_data(&Caller::of(&user)?);
    match orgs::decide_device_login(&st, &me, &f.user_code, approve).await {
        Ok(()) => render(
            StatusCode::OK,
            &MessagePage {
                title: if approve { "Device approved" } else { "Device denied" },
                nav: Some(Nav::of(&st, &user, "")),
                message: if approve {
                    "Device approved. Return to your terminal: prompt1 is now connected.".into()
                } else {
                    "The login was denied. The terminal will say so.".into()
                },
                code: None,
                back_href: "/",
                back_label: "Go to your home page",
            },
        ),
        Err(e) if e.status == StatusCode::NOT_FOUND => {
            device_form(
                &st,
                &user,
                &f.user_code,
                Some("That code is unknown or expired. Check it against your terminal, or run prompt1 login again."),
                StatusCode::NOT_FOUND,
            )
            .await
        }
        Err(e) => Err(e.into()),
    }
}
