//! The team page: the team overview of [`crate::team_overview`] as charts and tables by week,
//! with a CSV export.
//!
//! Who sees what is the policy's [`policy::team_overview`] grant, not this module: admins and
//! the team's managers get the aggregates and the members' scores (score and components only,
//! listed by email, never ranked); the team's own members get the aggregates; anyone else 403;
//! another organization's team 404. Aggregates over fewer people than the minimum group size
//! arrive withheld, and the page says why instead of showing them.

use super::auth_pages::render;
use super::charts::{self, Labels, Series};
use super::{fmt_day, pct, short_day, thousands, usd, Nav, PagePath, PageResult, WebUser};
use crate::ids::TeamId;
use crate::org_settings::Withheld;
use crate::policy::{self, Caller};
use crate::state::AppState;
use crate::team_overview::{self, TeamOverviewView};
use askama::Template;
use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::response::IntoResponse;
use prompt1_coach::ComponentKind;

struct WeekRow {
    label: String,
    active: String,
    adoption: String,
    withheld: Option<String>,
    sessions: String,
    prompts: String,
    clarity: String,
    verified: String,
    test_runs: String,
    lint_runs: String,
    build_runs: String,
    accepted: String,
    rejected: String,
    auto_allowed: String,
    auto_denied: String,
    cost: String,
}

struct ModelRow {
    week: String,
    model: String,
    input: String,
    output: String,
    cache_write: String,
    cache_read: String,
    cost: String,
}

struct MemberRow {
    email: String,
    score: String,
    components: Vec<String>,
}

#[derive(Template)]
#[template(path = "team.html")]
struct TeamPage {
    title: String,
    nav: Option<Nav>,
    team_id: String,
    members: u32,
    min_group_size: u32,
    withheld: Option<String>,
    weeks: Vec<WeekRow>,
    sessions_svg: String,
    habits_svg: String,
    distribution_svg: String,
    distribution: Vec<(String, u32)>,
    distribution_withheld: Option<String>,
    not_enough_data: u32,
    models: Vec<ModelRow>,
    prices_as_of: String,
    component_names: Vec<&'static str>,
    member_scores: Option<Vec<MemberRow>>,
}

fn withheld_text(w: &Withheld, what: &str) -> String {
    format!(
        "Withheld: {what} would cover {} {}, and this organization shows aggregates only over at least {} people, so that nobody's own numbers show under the team's name.",
        w.members,
        if w.members == 1 { "person" } else { "people" },
        w.min_group_size
    )
}

fn week_label(first: i64, last: i64) -> String {
    format!("{} – {}", short_day(first), short_day(last))
}

async fn overview(st: &AppState, user: &crate::auth::User, team: &TeamId) -> PageResult<TeamOverviewView> {
    let caller = Caller::of(user)?;
    let labels = policy::team_labels(st, &caller, team).await?;
    let grant = policy::team_overview(&caller, labels.as_ref())?;
    Ok(team_overview::read(st, &grant).await?)
}

/// `GET /teams/{team_id}`.
pub async fn page(
    State(st): State<AppState>,
    WebUser(user): WebUser,
    PagePath(team): PagePath<TeamId>,
) -> PageResult {
    let v = overview(&st, &user, &team).await?;
    let x: Vec<String> = v.weeks.iter().map(|w| short_day(w.first_day)).collect();
    let weeks: Vec<WeekRow> = v
        .weeks
        .iter()
        .map(|w| {
            let t = w.totals.as_ref();
            let n = |f: &dyn Fn(&team_overview::WeekTotals) -> i64| {
                t.map(|t| thousands(f(t))).unwrap_or_default()
            };
            WeekRow {
                label: week_label(w.first_day, w.last_day),
                active: format!("{} of {}", w.active_members, w.members),
                adoption: pct(w.adoption),
                withheld: w.withheld.as_ref().map(|h| {
                    format!(
                        "withheld: {} active {} (at least {} needed)",
                        h.members,
                        if h.members == 1 { "member" } else { "members" },
                        h.min_group_size
                    )
                }),
                sessions: n(&|t| t.sessions),
                prompts: n(&|t| t.prompts),
                clarity: t
                    .and_then(|t| t.mean_clarity)
                    .map(|c| format!("{c:.0}"))
                    .unwrap_or_else(|| "–".into()),
                verified: pct(t.and_then(|t| t.verification_rate)),
                test_runs: n(&|t| t.test_runs),
                lint_runs: n(&|t| t.lint_runs),
                build_runs: n(&|t| t.build_runs),
                accepted: n(&|t| t.edits.user_accepted),
                rejected: n(&|t| t.edits.user_rejected),
                auto_allowed: n(&|t| t.edits.auto_allowed),
                auto_denied: n(&|t| t.edits.auto_denied),
                cost: t.map(|t| usd(Some(t.cost_usd))).unwrap_or_default(),
            }
        })
        .collect();
    let shown: Vec<String> = v
        .weeks
        .iter()
        .filter_map(|w| {
            w.totals
                .as_ref()
                .map(|t| format!("{} in the week of {}", t.sessions, short_day(w.first_day)))
        })
        .collect();
    let sessions_svg = charts::bars(
        Labels {
            id: "team-sessions",
            title: "Team sessions per week",
            desc: &if shown.is_empty() {
                "Every week is withheld.".to_owned()
            } else {
                format!("Sessions: {}. Withheld weeks show no bar.", shown.join(", "))
            },
            y_desc: "sessions",
        },
        &x,
        &v.weeks
            .iter()
            .map(|w| w.totals.as_ref().map(|t| t.sessions as f64).unwrap_or(0.0))
            .collect::<Vec<_>>(),
    );
    let habits_svg = charts::lines(
        Labels {
            id: "team-habits",
            title: "Mean prompt clarity and verified edit batches per week",
            desc: "Mean prompt clarity (0 to 100) and the share of edit batches followed by a test run (in percent), per week; the table beside it has the figures.",
            y_desc: "clarity / percent",
        },
        &x,
        &[
            Series {
                name: "mean clarity",
                values: v.weeks.iter().map(|w| w.totals.as_ref().and_then(|t| t.mean_clarity)).collect(),
            },
            Series {
                name: "verified edit batches (%)",
                values: v
                    .weeks
                    .iter()
                    .map(|w| w.totals.as_ref().and_then(|t| t.verification_rate).map(|r| r * 100.0))
                    .collect(),
            },
        ],
        Some(100.0),
    );
    let d = &v.score_distribution;
    let distribution: Vec<(String, u32)> = d
        .buckets
        .iter()
        .map(|b| (format!("{}–{}", b.from, b.to), b.members))
        .collect();
    let distribution_svg = if d.withheld.is_none() && !distribution.is_empty() {
        charts::bars(
            Labels {
                id: "team-distribution",
                title: "How the team's proficiency scores spread",
                desc: &format!(
                    "Members per score range: {}.",
                    distribution
                        .iter()
                        .map(|(r, n)| format!("{n} in {r}"))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
                y_desc: "members",
            },
            &distribution.iter().map(|(r, _)| r.clone()).collect::<Vec<_>>(),
            &distribution
                .iter()
                .map(|(_, n)| f64::from(*n))
                .collect::<Vec<_>>(),
        )
    } else {
        String::new()
    };
    let models = v
        .weeks
        .iter()
        .rev()
        .flat_map(|w| {
            let label = week_label(w.first_day, w.last_day);
            w.totals
                .iter()
                .flat_map(|t| t.tokens_by_model.iter())
                .map(move |m| ModelRow {
                    week: label.clone(),
                    model: m.model.clone(),
                    input: thousands(m.input_tokens),
                    output: thousands(m.output_tokens),
                    cache_write: thousands(m.cache_creation_tokens),
                    cache_read: thousands(m.cache_read_tokens),
                    cost: usd(m.cost_usd),
                })
        })
        .collect();
    let member_scores = v.member_scores.as_ref().map(|ms| {
        ms.iter()
            .map(|m| MemberRow {
                email: m.email.clone(),
                score: m
                    .score
                    .map(|s| s.to_string())
                    .unwrap_or_else(|| "not enough data".into()),
                components: ComponentKind::ALL
                    .iter()
                    .map(|k| {
                        m.components
                            .iter()
                            .find(|c| c.kind == *k)
                            .and_then(|c| c.value)
                            .map(|v| v.to_string())
                            .unwrap_or_else(|| "–".into())
                    })
                    .collect(),
            })
            .collect()
    });
    render(
        StatusCode::OK,
        &TeamPage {
            title: format!("Team {}", v.name),
            nav: Some(Nav::of(
                &st,
                &user,
                if user.member.as_ref().and_then(|m| m.team_id.as_ref()) == Some(&team) {
                    "team"
                } else {
                    ""
                },
            )),
            team_id: team.to_string(),
            members: v.members,
            min_group_size: v.min_group_size,
            withheld: v.withheld.as_ref().map(|w| withheld_text(w, "the team's totals")),
            weeks: weeks.into_iter().rev().collect(),
            sessions_svg,
            habits_svg,
            distribution_svg,
            distribution,
            distribution_withheld: d.withheld.as_ref().map(|w| withheld_text(w, "the distribution")),
            not_enough_data: d.not_enough_data,
            models,
            prices_as_of: v.prices_as_of.clone(),
            component_names: ComponentKind::ALL.iter().map(|k| k.label()).collect(),
            member_scores,
        },
    )
}

/// `GET /teams/{team_id}/overview.csv`: the weekly aggregates (withheld weeks say so and carry
/// no figures), readable by the same people as the page.
pub async fn csv(
    State(st): State<AppState>,
    WebUser(user): WebUser,
    PagePath(team): PagePath<TeamId>,
) -> PageResult {
    let v = overview(&st, &user, &team).await?;
    let mut out = String::from(
        "week_start,week_end,members,active_members,adoption,withheld,sessions,interactive_sessions,prompts,\
         mean_clarity,verification_rate,test_runs,lint_runs,build_runs,edits_user_accepted,edits_user_rejected,\
         edits_auto_allowed,edits_auto_denied,input_tokens,output_tokens,cache_creation_tokens,cache_read_tokens,cost_usd\n",
    );
    let opt = |v: Option<f64>| v.map(|v| format!("{v:.4}")).unwrap_or_default();
    for w in &v.weeks {
        let head = format!(
            "{},{},{},{},{},{}",
            fmt_day(w.first_day),
            fmt_day(w.last_day),
            w.members,
            w.active_members,
            opt(w.adoption),
            if w.withheld.is_some() {
                "below_min_group_size"
            } else {
                ""
            }
        );
        out.push_str(&head);
        match &w.totals {
            Some(t) => {
                let sum =
                    |f: fn(&team_overview::ModelUsage) -> i64| t.tokens_by_model.iter().map(f).sum::<i64>();
                out.push_str(&format!(
                    ",{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{:.2}\n",
                    t.sessions,
                    t.interactive_sessions,
                    t.prompts,
                    opt(t.mean_clarity),
                    opt(t.verification_rate),
                    t.test_runs,
                    t.lint_runs,
                    t.build_runs,
                    t.edits.user_accepted,
                    t.edits.user_rejected,
                    t.edits.auto_allowed,
                    t.edits.auto_denied,
                    sum(|m| m.input_tokens),
                    sum(|m| m.output_tokens),
                    sum(|m| m.cache_creation_tokens),
                    sum(|m| m.cache_read_tokens),
                    t.cost_usd
                ));
            }
            None => {
                out.push_str(&",".repeat(17));
                out.push('\n');
            }
        }
    }
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
            (
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"prompt1-team-overview.csv\"",
            ),
            (header::CACHE_CONTROL, "no-store"),
        ],
        out,
    )
        .into_response())
}
