//! The developer's page, everyone's home: their proficiency score and its trend, the components,
//! the coaching tips, their sessions by day, tokens and cost by model and day, their devices, and
//! their account (password, export, deletion).
//!
//! Everything here is read with the caller's [`policy::own_data`] grant, through the views of
//! [`crate::me`] (score, coaching), [`crate::ingest`] (daily totals), [`crate::orgs`] (devices)
//! and [`crate::account`] (tokens by model, export, deletion): no other person's data can reach
//! this page.

use super::auth_pages::{render, MessagePage};
use super::charts::{self, Labels, Series};
use super::{
    check_csrf, clear_cookies, fmt_day, fmt_time, pct, safe_next, short_day, thousands, usd, Nav, PageForm,
    PagePath, PageResult, WebUser,
};
use crate::account;
use crate::auth::User;
use crate::ids::DeviceId;
use crate::ingest;
use crate::lookups;
use crate::me;
use crate::orgs;
use crate::policy::{self, Caller, OwnData};
use crate::schema::METRICS;
use crate::state::AppState;
use askama::Template;
use axum::extract::State;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use std::collections::BTreeMap;

/// Days of sessions and tokens the page shows.
pub const DAYS_SHOWN: i64 = 28;

struct ComponentRow {
    label: &'static str,
    value: String,
    weight: u8,
    evidence: String,
    to_raise: String,
}

struct TipRow {
    about: String,
    evidence: String,
    next_step: String,
}

struct EffectRow {
    metric: &'static str,
    before: String,
    after: String,
}

struct ClaudeMdView {
    since: String,
    before_sessions: u64,
    after_sessions: u64,
    rows: Vec<EffectRow>,
}

struct DayRow {
    day: String,
    sessions: i64,
    prompts: i64,
    active_minutes: i64,
}

struct TokenRow {
    day: String,
    model: String,
    input: String,
    output: String,
    cache_write: String,
    cache_read: String,
    cost: String,
}

struct DeviceRow {
    id: String,
    short: String,
    approved: String,
    last_seen: String,
    revoked: Option<String>,
}

struct Dashboard {
    window: String,
    score: Option<u8>,
    shortfall: Option<String>,
    trend_svg: String,
    trend: Vec<(String, String)>,
    components: Vec<ComponentRow>,
    tips: Vec<TipRow>,
    org_note: Option<String>,
    claude_md: Option<ClaudeMdView>,
    sessions_svg: String,
    days: Vec<DayRow>,
    tokens_svg: String,
    tokens: Vec<TokenRow>,
    tokens_total_cost: String,
    devices: Vec<DeviceRow>,
}

#[derive(Template)]
#[template(path = "home.html")]
struct HomePage {
    title: &'static str,
    nav: Option<Nav>,
    csrf: String,
    server: String,
    dash: Option<Dashboard>,
    notice: Option<String>,
    password_error: Option<String>,
    delete_error: Option<String>,
}

/// `GET /`: the developer's page; a fresh server's welcome page; otherwise sign in.
pub async fn home(State(st): State<AppState>, user: Result<WebUser, Response>) -> PageResult {
    match user {
        Ok(WebUser(u)) => render_home(&st, &u, Errors::default(), StatusCode::OK).await,
        Err(redirect) => {
            if lookups::setup_done(&st).await? {
                Ok(redirect)
            } else {
                super::auth_pages::welcome().await
            }
        }
    }
}

/// Form errors shown next to their form.
#[derive(Default)]
struct Errors {
    password: Option<String>,
    delete: Option<String>,
}

async fn render_home(st: &AppState, user: &User, errors: Errors, status: StatusCode) -> PageResult {
    let dash = match &user.member {
        None => None,
        Some(_) => Some(dashboard(st, &policy::own_data(&Caller::of(user)?)).await?),
    };
    render(
        status,
        &HomePage {
            title: "My coaching",
            nav: Some(Nav::of(st, user, "home")),
            csrf: st.keys.csrf_tag(&user.session_id),
            server: st.cfg.base_url(),
            dash,
            notice: None,
            password_error: errors.password,
            delete_error: errors.delete,
        },
    )
}

async fn dashboard(st: &AppState, me: &OwnData) -> PageResult<Dashboard> {
    let today = st.clock.today();
    let first_day = today - DAYS_SHOWN + 1;
    let prof = me::read_proficiency(st, me).await?;
    let coaching = me::read_coaching(st, me).await?;
    let rollups = ingest::my_rollups(st, me).await?;
    let tokens = account::my_tokens_by_model(st, me, first_day).await?;
    let devices = orgs::list_devices(st, me).await?;

    let p = &prof.proficiency;
    let trend_x: Vec<String> = prof.trend.iter().map(|t| short_day(t.last_day)).collect();
    let trend_known: Vec<String> = prof
        .trend
        .iter()
        .filter_map(|t| t.score.map(|s| format!("{} on {}", s, short_day(t.last_day))))
        .collect();
    let trend_svg = charts::lines(
        Labels {
            id: "trend",
            title: "Your proficiency score, week by week",
            desc: &if trend_known.is_empty() {
                "No week has enough data for a score yet.".to_owned()
            } else {
                format!(
                    "Score over the 14 days ending each week: {}.",
                    trend_known.join(", ")
                )
            },
            y_desc: "score",
        },
        &trend_x,
        &[Series {
            name: "score",
            values: prof.trend.iter().map(|t| t.score.map(f64::from)).collect(),
        }],
        Some(100.0),
    );
    let trend = prof
        .trend
        .iter()
        .map(|t| {
            (
                fmt_day(t.last_day),
                t.score
                    .map(|s| s.to_string())
                    .unwrap_or_else(|| "not enough data".into()),
            )
        })
        .collect();
    let components = p
        .components
        .iter()
        .map(|c| ComponentRow {
            label: c.kind.label(),
            value: c
                .value
                .map(|v| v.to_string())
                .unwrap_or_else(|| "no evidence yet".into()),
            weight: c.weight,
            evidence: c.evidence.text.clone(),
            to_raise: c.to_raise.clone(),
        })
        .collect();
    let tips = coaching
        .tips
        .iter()
        .map(|t| TipRow {
            about: t
                .component
                .map(|c| c.label().to_owned())
                .unwrap_or_else(|| "project CLAUDE.md".into()),
            evidence: t.evidence.text.clone(),
            next_step: t.next_step.clone(),
        })
        .collect();
    let org_note = coaching.org_withheld.map(|w| {
        format!(
            "Tips compare you with prompt1's reference values, not your organization: only {} members have data, and comparisons need at least {}.",
            w.members, w.min_group_size
        )
    });
    let claude_md = coaching.claude_md.as_ref().map(|e| ClaudeMdView {
        since: fmt_day(e.since_day),
        before_sessions: e.before.sessions,
        after_sessions: e.after.sessions,
        rows: vec![
            EffectRow {
                metric: "follow-up prompts (revision rounds)",
                before: pct(e.before.follow_up_share),
                after: pct(e.after.follow_up_share),
            },
            EffectRow {
                metric: "edits you rejected",
                before: pct(e.before.rejected_share),
                after: pct(e.after.rejected_share),
            },
            EffectRow {
                metric: "edit batches verified by a test run",
                before: pct(e.before.verified_share),
                after: pct(e.after.verified_share),
            },
        ],
    });

    let by_day: BTreeMap<i64, &ingest::DayTotals> = rollups.iter().map(|d| (d.day, d)).collect();
    let get = |day: i64, k: &str| {
        by_day
            .get(&day)
            .and_then(|d| d.totals.get(k).copied())
            .unwrap_or(0)
    };
    let day_list: Vec<i64> = (first_day..=today).collect();
    let days: Vec<DayRow> = day_list
        .iter()
        .map(|&d| DayRow {
            day: fmt_day(d),
            sessions: get(d, "sessions"),
            prompts: get(d, "prompts"),
            active_minutes: get(d, "active_s") / 60,
        })
        .collect();
    let total_sessions: i64 = days.iter().map(|d| d.sessions).sum();
    let active_days = days.iter().filter(|d| d.sessions > 0).count();
    let x: Vec<String> = day_list.iter().map(|&d| short_day(d)).collect();
    let sessions_svg = charts::bars(
        Labels {
            id: "sessions",
            title: "Your sessions per day, last 28 days",
            desc: &format!("{total_sessions} sessions on {active_days} of the last 28 days."),
            y_desc: "sessions",
        },
        &x,
        &days.iter().map(|d| d.sessions as f64).collect::<Vec<_>>(),
    );

    let mut cost_by_day: BTreeMap<i64, f64> = day_list.iter().map(|&d| (d, 0.0)).collect();
    for t in &tokens {
        if let (Some(c), Some(slot)) = (t.cost_usd, cost_by_day.get_mut(&t.day)) {
            *slot += c;
        }
    }
    let total_cost: f64 = cost_by_day.values().sum();
    let tokens_svg = charts::bars(
        Labels {
            id: "cost",
            title: "Your model cost per day, last 28 days (US dollars, list prices)",
            desc: &format!("${total_cost:.2} in total over the last 28 days."),
            y_desc: "US dollars",
        },
        &x,
        &cost_by_day.values().copied().collect::<Vec<_>>(),
    );
    let tokens = tokens
        .iter()
        .rev()
        .map(|t| TokenRow {
            day: fmt_day(t.day),
            model: t.model.clone(),
            input: thousands(t.input_tokens),
            output: thousands(t.output_tokens),
            cache_write: thousands(t.cache_creation_tokens),
            cache_read: thousands(t.cache_read_tokens),
            cost: usd(t.cost_usd),
        })
        .collect();
    let devices = devices
        .into_iter()
        .map(|d| DeviceRow {
            short: d.device_id.as_str().get(..8).unwrap_or_default().to_owned(),
            id: d.device_id.to_string(),
            approved: fmt_time(d.created_at),
            last_seen: d.last_seen_at.map(fmt_time).unwrap_or_else(|| "never".into()),
            revoked: d.revoked_at.map(fmt_time),
        })
        .collect();
    Ok(Dashboard {
        window: format!(
            "{} to {}",
            fmt_day(prof.window.first_day),
            fmt_day(prof.window.last_day)
        ),
        score: p.score,
        shortfall: p.shortfall.map(|s| s.describe()),
        trend_svg,
        trend,
        components,
        tips,
        org_note,
        claude_md,
        sessions_svg,
        days: days.into_iter().rev().collect(),
        tokens_svg,
        tokens,
        tokens_total_cost: format!("${total_cost:.2}"),
        devices,
    })
}

/// The revoke form: its CSRF tag and where to go back to.
#[derive(Deserialize)]
pub struct RevokeForm {
    csrf: String,
    back: Option<String>,
}

/// Revokes a device (its owner, or an admin), then goes back to the page it was revoked from.
pub async fn revoke_device(
    State(st): State<AppState>,
    headers: HeaderMap,
    PagePath(id): PagePath<DeviceId>,
    WebUser(user): WebUser,
    PageForm(f): PageForm<RevokeForm>,
) -> PageResult {
    check_csrf(&st, &headers, &user, &f.csrf)?;
    let caller = Caller::of(&user)?;
    let labels = policy::device_labels(&st, &caller, &id).await?;
    orgs::revoke_device(&st, &policy::manage_device(&caller, labels.as_ref())?).await?;
    Ok(Redirect::to(&safe_next(f.back.as_deref())).into_response())
}

/// The password form's fields.
#[derive(Deserialize)]
pub struct PasswordForm {
    csrf: String,
    current_password: String,
    new_password: String,
}

/// Changes the password (every session ends, this one too); a wrong current password or a new
/// one that breaks the rule shows the page again with the message.
pub async fn change_password(
    State(st): State<AppState>,
    headers: HeaderMap,
    WebUser(user): WebUser,
    PageForm(f): PageForm<PasswordForm>,
) -> PageResult {
    check_csrf(&st, &headers, &user, &f.csrf)?;
    match orgs::change_password(&st, &user, &f.current_password, &f.new_password).await {
        Ok(()) => {
            let page = MessagePage {
                title: "Password changed",
                nav: None,
                message: "Your password was changed and every session was signed out, this one too. Sign in again with the new password.".into(),
                code: None,
                back_href: "/login",
                back_label: "Sign in",
            };
            Ok((clear_cookies(), render(StatusCode::OK, &page)?).into_response())
        }
        Err(e) if e.status == StatusCode::UNAUTHORIZED || e.status == StatusCode::BAD_REQUEST => {
            let msg = if e.status == StatusCode::UNAUTHORIZED {
                "The current password is wrong. Nothing was changed.".to_owned()
            } else {
                format!("{}. Nothing was changed.", e.message)
            };
            render_home(
                &st,
                &user,
                Errors {
                    password: Some(msg),
                    ..Errors::default()
                },
                StatusCode::BAD_REQUEST,
            )
            .await
        }
        Err(e) => Err(e.into()),
    }
}

fn download(content_type: &'static str, filename: &'static str, body: String) -> Response {
    (
        [
            (header::CONTENT_TYPE, content_type),
            (
                header::CONTENT_DISPOSITION,
                match filename {
                    "prompt1-export.json" => "attachment; filename=\"prompt1-export.json\"",
                    _ => "attachment; filename=\"prompt1-daily.csv\"",
                },
            ),
            (header::CACHE_CONTROL, "no-store"),
        ],
        body,
    )
        .into_response()
}

/// `GET /account/export.json`: everything stored about the caller.
pub async fn export_json(State(st): State<AppState>, WebUser(user): WebUser) -> PageResult {
    let me = policy::own_data(&Caller::of(&user)?);
    let export = account::export(&st, &me, &user.email).await?;
    let body = serde_json::to_string_pretty(&export).map_err(|_| crate::error::ApiError::internal())?;
    Ok(download("application/json", "prompt1-export.json", body))
}

/// `GET /account/export.csv`: the caller's daily totals, one row per day (numbers only).
pub async fn export_csv(State(st): State<AppState>, WebUser(user): WebUser) -> PageResult {
    let me = policy::own_data(&Caller::of(&user)?);
    let days = ingest::my_rollups(&st, &me).await?;
    let mut out = String::from("day");
    for m in METRICS {
        out.push(',');
        out.push_str(m);
    }
    out.push('\n');
    for d in days {
        out.push_str(&fmt_day(d.day));
        for m in METRICS {
            out.push(',');
            out.push_str(&d.totals.get(m).copied().unwrap_or(0).to_string());
        }
        out.push('\n');
    }
    Ok(download("text/csv; charset=utf-8", "prompt1-daily.csv", out))
}

/// The deletion form's fields.
#[derive(Deserialize)]
pub struct DeleteForm {
    csrf: String,
    password: String,
    confirm: Option<String>,
}

/// Deletes the caller's account and data, after the password and the tick-box; signs out.
pub async fn delete_account(
    State(st): State<AppState>,
    headers: HeaderMap,
    WebUser(user): WebUser,
    PageForm(f): PageForm<DeleteForm>,
) -> PageResult {
    check_csrf(&st, &headers, &user, &f.csrf)?;
    let again = |msg: String| Errors {
        delete: Some(msg),
        ..Errors::default()
    };
    if f.confirm.as_deref() != Some("yes") {
        return render_home(
            &st,
            &user,
            again("Tick the box to confirm that everything will be deleted. Nothing was deleted.".into()),
            StatusCode::BAD_REQUEST,
        )
        .await;
    }
    let me = policy::own_data(&Caller::of(&user)?);
    match account::delete_account(&st, &me, &f.password).await {
        Ok(()) => {
            let page = MessagePage {
                title: "Account deleted",
                nav: None,
                message: "Your account and your data were deleted, and your devices can no longer upload. Run `prompt1 uninstall` on your machines to remove the plugin and its local data.".into(),
                code: None,
                back_href: "/login",
                back_label: "Sign-in page",
            };
            Ok((clear_cookies(), render(StatusCode::OK, &page)?).into_response())
        }
        Err(e) if e.status == StatusCode::UNAUTHORIZED => {
            render_home(
                &st,
                &user,
                again("Wrong password. Nothing was deleted.".into()),
                StatusCode::BAD_REQUEST,
            )
            .await
        }
        Err(e) if e.status == StatusCode::CONFLICT => {
            render_home(
                &st,
                &user,
                again(format!("{}. Nothing was deleted.", e.message)),
                StatusCode::CONFLICT,
            )
            .await
        }
        Err(e) => Err(e.into()),
    }
}
