//! The team overview: weekly aggregates, the score distribution and (for those allowed) each
//! member's proficiency score. The data behind `GET /api/v1/teams/{team_id}/overview` and the
//! team page.
//!
//! Why it reads only rollups: an organization of 1,000 developers with a year of sessions must get
//! this view in milliseconds, so every number comes from `team_daily`, `team_model_daily` and the
//! `coach_*` counters of `user_daily`, a few rows per member and day; no session is read.
//!
//! Privacy rules applied here, for every role: nothing finer than a week leaves this function;
//! an aggregate over fewer people than the organization's minimum group size is withheld with
//! the reason ([`Withheld`]): the whole overview for a team that small, a week in which fewer
//! members were active, and the score distribution when fewer members have a score. Members'
//! scores are read only with the [`MemberScores`] part of the grant (admins, the team's managers),
//! and are listed by email, never ranked.

use crate::db::{run, DbError, DbResult, OrgTx};
use crate::error::{ApiError, ApiResult};
use crate::ids::{TeamId, UserId};
use crate::ingest::DayTotals;
use crate::org_settings::{self, Withheld};
use crate::policy::TeamRollups;
use crate::policy::{MemberScores, TeamOverview};
use crate::pricing::{self, PRICES_AS_OF};
use crate::state::AppState;
use crate::tallies;
use prompt1_coach::tally::DEFAULT_WINDOW_DAYS;
use prompt1_coach::{proficiency, ComponentKind, DayWindow, Tally};
use serde::Serialize;
use std::collections::BTreeMap;

/// Calendar weeks (Monday to Sunday, UTC) in the overview, the current one included.
pub const OVERVIEW_WEEKS: i64 = 8;

/// Score buckets of the distribution: `[from, to]`, both included.
pub const SCORE_BUCKETS: [(u8, u8); 5] = [(0, 19), (20, 39), (40, 59), (60, 79), (80, 100)];

/// The Monday of the week of `day` (days since the epoch; 1970-01-01 was a Thursday).
pub fn week_start(day: i64) -> i64 {
    day - (day + 3).rem_euclid(7)
}

/// The team overview.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct TeamOverviewView {
    /// The team.
    pub team_id: TeamId,
    /// Its name.
    pub name: String,
    /// Current members of the team.
    pub members: u32,
    /// The organization's minimum group size.
    pub min_group_size: u32,
    /// Set when the team has fewer members than the minimum group size: then no aggregate is shown.
    pub withheld: Option<Withheld>,
    /// The last 8 calendar weeks, oldest first (the last one is the current, partial week).
    pub weeks: Vec<WeekView>,
    /// How the members' scores spread over the last 14 days.
    pub score_distribution: ScoreDistribution,
    /// Each member's score and components (admins and the team's managers only; null otherwise),
    /// sorted by email.
    pub member_scores: Option<Vec<MemberScore>>,
    /// The date of the price table behind the costs.
    pub prices_as_of: String,
}

/// One calendar week of the team.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct WeekView {
    /// Monday (days since the epoch, UTC).
    pub first_day: i64,
    /// Sunday, or today for the current week.
    pub last_day: i64,
    /// Members of the team (today's membership).
    pub members: u32,
    /// Of them, members with at least one session that week.
    pub active_members: u32,
    /// `active_members / members`.
    pub adoption: Option<f64>,
    /// The week's totals, unless withheld.
    pub totals: Option<WeekTotals>,
    /// Set when fewer members than the minimum group size were active that week.
    pub withheld: Option<Withheld>,
}

/// A week's team totals.
#[derive(Debug, Clone, Default, Serialize, utoipa::ToSchema)]
pub struct WeekTotals {
    /// Sessions (scripted included).
    pub sessions: i64,
    /// Interactive sessions.
    pub interactive_sessions: i64,
    /// Prompts.
    pub prompts: i64,
    /// Mean prompt clarity (0-100) over scored prompts; null without any.
    pub mean_clarity: Option<f64>,
    /// Share of edit batches followed by a test run; null without edit batches.
    pub verification_rate: Option<f64>,
    /// Test runs.
    pub test_runs: i64,
    /// Lint runs.
    pub lint_runs: i64,
    /// Build runs.
    pub build_runs: i64,
    /// Edit decisions.
    pub edits: EditTotals,
    /// Tokens and cost by model, by model name.
    pub tokens_by_model: Vec<ModelUsage>,
    /// Total cost in US dollars of the models with a known price.
    pub cost_usd: f64,
    #[serde(skip)]
    clarity_sum: i64,
    #[serde(skip)]
    clarity_scored: i64,
    #[serde(skip)]
    edit_batches: i64,
    #[serde(skip)]
    verified_batches: i64,
}

/// Edit decisions of a week.
#[derive(Debug, Clone, Default, Serialize, utoipa::ToSchema)]
pub struct EditTotals {
    /// Accepted by the person.
    pub user_accepted: i64,
    /// Rejected by the person.
    pub user_rejected: i64,
    /// Allowed automatically (mode, rule or hook).
    pub auto_allowed: i64,
    /// Denied automatically.
    pub auto_denied: i64,
}

/// Tokens of one model, and their cost.
#[derive(Debug, Clone, Default, Serialize, utoipa::ToSchema)]
pub struct ModelUsage {
    /// Model name (`claude-sonnet-4-5`, ..., `other`).
    pub model: String,
    /// Uncached input tokens.
    pub input_tokens: i64,
    /// Output tokens.
    pub output_tokens: i64,
    /// Cache-write tokens.
    pub cache_creation_tokens: i64,
    /// Cache-read tokens.
    pub cache_read_tokens: i64,
    /// Cost in US dollars at list price; null for a model without a price.
    pub cost_usd: Option<f64>,
}

/// How many members' scores fall in each bucket.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ScoreDistribution {
    /// The buckets, lowest first (empty when withheld).
    pub buckets: Vec<ScoreBucket>,
    /// Members without enough data for a score.
    pub not_enough_data: u32,
    /// Set when fewer members than the minimum group size have a score.
    pub withheld: Option<Withheld>,
}

/// One score bucket.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ScoreBucket {
    /// Lowest score in the bucket.
    pub from: u8,
    /// Highest score in the bucket.
    pub to: u8,
    /// Members whose score is in it.
    pub members: u32,
}

/// One member's proficiency: score and components only (no evidence text, no tips).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct MemberScore {
    /// The member.
    pub user_id: UserId,
    /// Their email.
    pub email: String,
    /// Score over the last 14 days, or null with not enough data.
    pub score: Option<u8>,
    /// Each component's value and weight.
    pub components: Vec<ComponentScore>,
}

/// One component of a member's score.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ComponentScore {
    /// Which component.
    pub kind: ComponentKind,
    /// 0-100, or null without evidence in the window.
    pub value: Option<u8>,
    /// Its weight in the score.
    pub weight: u8,
}

/// The team counters the weekly totals need, in this order.
const WEEK_COLUMNS: [&str; 15] = [
    "sessions",
    "interactive_sessions",
    "prompts",
    "clarity_sum",
    "clarity_scored",
    "test_runs",
    "lint_runs",
    "build_runs",
    "edit_batches",
    "verified_batches",
    "edits_user_accepted",
    "edits_user_rejected",
    "edits_auto_allowed",
    "edits_auto_denied",
    "day",
];

/// Gathers the overview of the grant's team as of today by the state's clock.
pub async fn read(st: &AppState, grant: &TeamOverview) -> ApiResult<TeamOverviewView> {
    let today = st.clock.today();
    let team = grant.team();
    let mut tx = st.db.begin_org(grant.scope()).await?;
    let settings = org_settings::read_in(&mut tx).await?;
    let org = tx.org().clone();
    let name: Option<String> = run!(&mut tx.conn, c => sqlx::query_scalar(
        "SELECT name FROM teams WHERE org_id = $1 AND team_id = $2",
    )
    .bind(&org)
    .bind(team)
    .fetch_optional(c)
    .await
    .map_err(DbError::from))?;
    let name = name.ok_or_else(ApiError::not_found)?;
    let roster = roster(&mut tx, team).await?;
    let members = u32::try_from(roster.len()).unwrap_or(u32::MAX);
    let min = settings.min_group_size;
    let window = DayWindow::ending(today, DEFAULT_WINDOW_DAYS);
    let tallies: BTreeMap<UserId, Tally> = tallies::member_tallies(&mut tx, Some(team), window)
        .await?
        .into_iter()
        .collect();
    let member_scores = grant
        .member_scores()
        .map(|scores| member_scores(scores, &roster, &tallies));
    let withheld = Withheld::check(members, min);
    let (weeks, score_distribution) = if let Some(w) = withheld {
        (
            Vec::new(),
            ScoreDistribution {
                buckets: Vec::new(),
                not_enough_data: 0,
                withheld: Some(w),
            },
        )
    } else {
        let weeks = weeks(&mut tx, team, today, members, min).await?;
        (weeks, distribution(&roster, &tallies, min))
    };
    tx.commit().await?;
    Ok(TeamOverviewView {
        team_id: team.clone(),
        name,
        members,
        min_group_size: min,
        withheld,
        weeks,
        score_distribution,
        member_scores,
        prices_as_of: PRICES_AS_OF.to_owned(),
    })
}

/// The team's current members and their emails, by email.
async fn roster(tx: &mut OrgTx, team: &TeamId) -> DbResult<Vec<(UserId, String)>> {
    let org = tx.org().clone();
    run!(&mut tx.conn, c => sqlx::query_as(
        "SELECT m.user_id, u.email FROM memberships m JOIN users u ON u.user_id = m.user_id \
         WHERE m.org_id = $1 AND m.team_id = $2 ORDER BY u.email",
    )
    .bind(&org)
    .bind(team)
    .fetch_all(c)
    .await
    .map_err(DbError::from))
}

/// Each member's score and components, by email (requires the [`MemberScores`] grant).
fn member_scores(
    _grant: &MemberScores,
    roster: &[(UserId, String)],
    tallies: &BTreeMap<UserId, Tally>,
) -> Vec<MemberScore> {
    roster
        .iter()
        .map(|(user_id, email)| {
            let p = proficiency(&tallies.get(user_id).copied().unwrap_or_default());
            MemberScore {
                user_id: user_id.clone(),
                email: email.clone(),
                score: p.score,
                components: p
                    .components
                    .iter()
                    .map(|c| ComponentScore {
                        kind: c.kind,
                        value: c.value,
                        weight: c.weight,
                    })
                    .collect(),
            }
        })
        .collect()
}

fn distribution(
    roster: &[(UserId, String)],
    tallies: &BTreeMap<UserId, Tally>,
    min: u32,
) -> ScoreDistribution {
    let scores: Vec<Option<u8>> = roster
        .iter()
        .map(|(u, _)| proficiency(&tallies.get(u).copied().unwrap_or_default()).score)
        .collect();
    let scored = scores.iter().flatten().count() as u32;
    let not_enough_data = scores.len() as u32 - scored;
    if let Some(w) = Withheld::check(scored, min) {
        return ScoreDistribution {
            buckets: Vec::new(),
            not_enough_data,
            withheld: Some(w),
        };
    }
    ScoreDistribution {
        buckets: SCORE_BUCKETS
            .iter()
            .map(|&(from, to)| ScoreBucket {
                from,
                to,
                members: scores
                    .iter()
                    .flatten()
                    .filter(|s| (from..=to).contains(*s))
                    .count() as u32,
            })
            .collect(),
        not_enough_data,
        withheld: None,
    }
}

async fn weeks(tx: &mut OrgTx, team: &TeamId, today: i64, members: u32, min: u32) -> DbResult<Vec<WeekView>> {
    let first = week_start(today) - 7 * (OVERVIEW_WEEKS - 1);
    let org = tx.org().clone();
    // Team counters by day.
    let sql = format!(
        "SELECT {} FROM team_daily WHERE org_id = $1 AND team_id = $2 AND day BETWEEN $3 AND $4",
        WEEK_COLUMNS.join(", ")
    );
    let days: Vec<Vec<i64>> = run!(&mut tx.conn, c => {
        use sqlx::Row;
        sqlx::query(&sql).bind(&org).bind(team).bind(first).bind(today).fetch_all(c).await.and_then(|rows| {
            rows.iter()
                .map(|r| (0..WEEK_COLUMNS.len()).map(|i| r.try_get::<i64, _>(i)).collect::<Result<Vec<_>, _>>())
                .collect::<Result<Vec<_>, sqlx::Error>>()
        })
    })?;
    // Active current members by week (weeks numbered from the Monday 1970-01-05 as 1). Members
    // first (`CROSS JOIN`: see `tallies::member_tallies`).
    let active: Vec<(i64, i64)> = run!(&mut tx.conn, c => sqlx::query_as(
        "SELECT (d.day + 3) / 7 AS week, count(DISTINCT d.user_id) FROM memberships m \
         CROSS JOIN user_daily d \
         WHERE d.org_id = m.org_id AND d.user_id = m.user_id AND m.org_id = $1 AND m.team_id = $2 AND d.day BETWEEN $3 AND $4 AND d.sessions > 0 \
         GROUP BY (d.day + 3) / 7",
    )
    .bind(&org).bind(team).bind(first).bind(today).fetch_all(c).await.map_err(DbError::from))?;
    let models: Vec<(i64, String, i64, i64, i64, i64)> = run!(&mut tx.conn, c => sqlx::query_as(
        "SELECT day, model, input_tokens, output_tokens, cache_creation_tokens, cache_read_tokens \
         FROM team_model_daily WHERE org_id = $1 AND team_id = $2 AND day BETWEEN $3 AND $4",
    )
    .bind(&org).bind(team).bind(first).bind(today).fetch_all(c).await.map_err(DbError::from))?;

    let index = |day: i64| ((day - first).div_euclid(7)) as usize;
    let n = OVERVIEW_WEEKS as usize;
    let mut totals: Vec<WeekTotals> = vec![WeekTotals::default(); n];
    for d in &days {
        let w = &mut totals[index(d[14]).min(n - 1)];
        w.sessions += d[0];
        w.interactive_sessions += d[1];
        w.prompts += d[2];
        w.clarity_sum += d[3];
        w.clarity_scored += d[4];
        w.test_runs += d[5];
        w.lint_runs += d[6];
        w.build_runs += d[7];
        w.edit_batches += d[8];
        w.verified_batches += d[9];
        w.edits.user_accepted += d[10];
        w.edits.user_rejected += d[11];
        w.edits.auto_allowed += d[12];
        w.edits.auto_denied += d[13];
    }
    let mut by_model: Vec<BTreeMap<String, [i64; 4]>> = vec![BTreeMap::new(); n];
    for (day, model, i, o, cc, cr) in models {
        let slot = by_model[index(day).min(n - 1)].entry(model).or_insert([0; 4]);
        for (a, b) in slot.iter_mut().zip([i, o, cc, cr]) {
            *a += b;
        }
    }
    let mut active_by_week = vec![0u32; n];
    for (week, count) in active {
        let monday = week * 7 - 3;
        if monday >= first {
            active_by_week[index(monday).min(n - 1)] = u32::try_from(count).unwrap_or(u32::MAX);
        }
    }
    let mut out = Vec::with_capacity(n);
    for (k, (mut t, models)) in totals.into_iter().zip(by_model).enumerate() {
        let first_day = first + 7 * k as i64;
        let active_members = active_by_week[k];
        let withheld = Withheld::check(active_members, min);
        t.mean_clarity = (t.clarity_scored > 0).then(|| t.clarity_sum as f64 / t.clarity_scored as f64);
        t.verification_rate = (t.edit_batches > 0).then(|| t.verified_batches as f64 / t.edit_batches as f64);
        t.tokens_by_model = models
            .into_iter()
            .map(|(model, [i, o, cc, cr])| {
                let u = |v: i64| u64::try_from(v).unwrap_or(0);
                ModelUsage {
                    cost_usd: pricing::cost_usd(&model, u(i), u(o), u(cc), u(cr)),
                    model,
                    input_tokens: i,
                    output_tokens: o,
                    cache_creation_tokens: cc,
                    cache_read_tokens: cr,
                }
            })
            .collect();
        t.cost_usd = t.tokens_by_model.iter().filter_map(|m| m.cost_usd).sum();
        out.push(WeekView {
            first_day,
            last_day: (first_day + 6).min(today),
            members,
            active_members,
            adoption: (members > 0).then(|| f64::from(active_members) / f64::from(members)),
            totals: withheld.is_none().then_some(t),
            withheld,
        });
    }
    Ok(out)
}

/// A team's daily totals, as far as the minimum group size allows.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct TeamRollupsView {
    /// Current members of the team.
    pub members: u32,
    /// The organization's minimum group size.
    pub min_group_size: u32,
    /// Set when the team has fewer members than the minimum group size: then `days` is empty.
    pub withheld: Option<Withheld>,
    /// One entry per day with sessions, oldest first.
    pub days: Vec<TeamDay>,
}

/// One day of a team.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct TeamDay {
    /// Days since the Unix epoch (UTC).
    pub day: i64,
    /// Current members with at least one session that day.
    pub active_members: u32,
    /// The day's counters, unless withheld.
    pub totals: Option<DayTotals>,
    /// Set when fewer members than the minimum group size were active that day.
    pub withheld: Option<Withheld>,
}

/// The grant's team's daily totals; a day on which fewer members than the minimum group size
/// were active is withheld, and so is everything for a team that small.
pub async fn read_rollups(st: &AppState, grant: &TeamRollups) -> ApiResult<TeamRollupsView> {
    let team = grant.team();
    let mut tx = st.db.begin_org(grant.scope()).await?;
    let min = org_settings::read_in(&mut tx).await?.min_group_size;
    let members = u32::try_from(roster(&mut tx, team).await?.len()).unwrap_or(u32::MAX);
    if let Some(w) = Withheld::check(members, min) {
        tx.commit().await?;
        return Ok(TeamRollupsView {
            members,
            min_group_size: min,
            withheld: Some(w),
            days: Vec::new(),
        });
    }
    let rows = crate::ingest::read_team_rollups(&mut tx, team).await?;
    let org = tx.org().clone();
    let active: Vec<(i64, i64)> = run!(&mut tx.conn, c => sqlx::query_as(
        "SELECT d.day, count(DISTINCT d.user_id) FROM memberships m \
         JOIN user_daily d ON d.org_id = m.org_id AND d.user_id = m.user_id \
         WHERE m.org_id = $1 AND m.team_id = $2 AND d.sessions > 0 GROUP BY d.day",
    )
    .bind(&org)
    .bind(team)
    .fetch_all(c)
    .await
    .map_err(DbError::from))?;
    tx.commit().await?;
    let active: BTreeMap<i64, u32> = active
        .into_iter()
        .map(|(d, n)| (d, u32::try_from(n).unwrap_or(u32::MAX)))
        .collect();
    let days = rows
        .into_iter()
        .map(|t| {
            let active_members = active.get(&t.day).copied().unwrap_or(0);
            let withheld = Withheld::check(active_members, min);
            TeamDay {
                day: t.day,
                active_members,
                totals: withheld.is_none().then_some(t),
                withheld,
            }
        })
        .collect();
    Ok(TeamRollupsView {
        members,
        min_group_size: min,
        withheld: None,
        days,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn weeks_start_on_monday() {
        // 1970-01-01 was a Thursday; 1970-01-05 a Monday; 2026-05-25 (day 20_598) a Monday.
        assert_eq!(week_start(0), -3);
        assert_eq!(week_start(4), 4);
        assert_eq!(week_start(10), 4);
        assert_eq!(week_start(20_598), 20_598);
        assert_eq!(week_start(20_604), 20_598);
        assert_eq!(week_start(20_605), 20_605);
    }
}
