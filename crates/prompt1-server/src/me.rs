//! The caller's own proficiency and coaching: the data behind `GET /api/v1/me/proficiency`,
//! `GET /api/v1/me/coaching` and the developer's page.
//!
//! Each view is gathered by one function that requires an [`OwnData`] grant, so the only person
//! whose score and tips can be read is the caller: there is no function taking another user.
//! Scores come from the `coach_*` rollup counters; the CLAUDE.md insight is the one place where
//! stored session summaries are read (it needs the moment of the first session with a project
//! CLAUDE.md), and only the caller's own.

use crate::db::{run, DbError, OrgTx};
use crate::error::ApiResult;
use crate::org_settings::{self, Withheld};
use crate::policy::OwnData;
use crate::state::AppState;
use crate::tallies::{self, sum_window};
use prompt1_coach::tally::DEFAULT_WINDOW_DAYS;
use prompt1_coach::{coaching, proficiency, ClaudeMdEffect, DayWindow, OrgDistribution, Proficiency, Tip};
use prompt1_wire::SessionSummary;
use serde::Serialize;

/// Weeks of score history in the trend.
pub const TREND_WEEKS: i64 = 8;

/// The score at the end of one week.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct TrendPoint {
    /// The last day of the scored window (days since the epoch, UTC).
    pub last_day: i64,
    /// The score over the window ending that day, or null with not enough data.
    pub score: Option<u8>,
}

/// `GET /api/v1/me/proficiency`.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ProficiencyView {
    /// The scored window (the last 14 days, today included).
    pub window: DayWindow,
    /// Score (or null and what is missing) and its components with their evidence.
    pub proficiency: Proficiency,
    /// The score at the end of each of the last 8 weeks, oldest first (the last one is today's).
    pub trend: Vec<TrendPoint>,
}

/// The caller's score now and at the end of each of the last [`TREND_WEEKS`] weeks.
pub async fn read_proficiency(st: &AppState, me: &OwnData) -> ApiResult<ProficiencyView> {
    let today = st.clock.today();
    let window = DayWindow::ending(today, DEFAULT_WINDOW_DAYS);
    let span = DayWindow {
        first_day: today - 7 * (TREND_WEEKS - 1) - DEFAULT_WINDOW_DAYS + 1,
        last_day: today,
    };
    let mut tx = st.db.begin_org(me.scope()).await?;
    let days = tallies::user_days(&mut tx, me.user(), span).await?;
    tx.commit().await?;
    let trend = (0..TREND_WEEKS)
        .rev()
        .map(|k| {
            let last_day = today - 7 * k;
            TrendPoint {
                last_day,
                score: proficiency(&sum_window(
                    &days,
                    DayWindow::ending(last_day, DEFAULT_WINDOW_DAYS),
                ))
                .score,
            }
        })
        .collect();
    Ok(ProficiencyView {
        window,
        proficiency: proficiency(&sum_window(&days, window)),
        trend,
    })
}

/// `GET /api/v1/me/coaching`.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct CoachingView {
    /// The coached window (the last 14 days, today included).
    pub window: DayWindow,
    /// At most three tips, in priority order, each with its evidence and one next step.
    pub tips: Vec<Tip>,
    /// The organization's distribution the tips compared with (null when withheld or too few
    /// members have data: the tips then use prompt1's reference values and say so).
    pub org: Option<OrgDistribution>,
    /// Set when the organization's distribution covers fewer members than the minimum group size.
    pub org_withheld: Option<Withheld>,
    /// The effect of adding a project CLAUDE.md, when both sides have enough sessions.
    pub claude_md: Option<ClaudeMdEffect>,
}

/// The caller's tips: their window against their own earlier window and the organization.
pub async fn read_coaching(st: &AppState, me: &OwnData) -> ApiResult<CoachingView> {
    let today = st.clock.today();
    let window = DayWindow::ending(today, DEFAULT_WINDOW_DAYS);
    let earlier = window.before();
    let mut tx = st.db.begin_org(me.scope()).await?;
    let settings = org_settings::read_in(&mut tx).await?;
    let days = tallies::user_days(
        &mut tx,
        me.user(),
        DayWindow {
            first_day: earlier.first_day,
            last_day: window.last_day,
        },
    )
    .await?;
    let members: Vec<_> = tallies::member_tallies(&mut tx, None, window)
        .await?
        .into_iter()
        .map(|(_, t)| t)
        .collect();
    let summaries = own_summaries(&mut tx, me).await?;
    tx.commit().await?;
    let dist = OrgDistribution::from_members(&members);
    let org_withheld = Withheld::check(
        u32::try_from(dist.members).unwrap_or(u32::MAX),
        settings.min_group_size,
    );
    let org = org_withheld.is_none().then_some(dist);
    let claude_md = ClaudeMdEffect::from_summaries(&summaries);
    let current = sum_window(&days, window);
    let before = sum_window(&days, earlier);
    Ok(CoachingView {
        window,
        tips: coaching(&current, &before, org.as_ref(), claude_md.as_ref()),
        org,
        org_withheld,
        claude_md,
    })
}

/// Every stored summary of the caller (for the CLAUDE.md before/after split).
async fn own_summaries(tx: &mut OrgTx, me: &OwnData) -> Result<Vec<SessionSummary>, DbError> {
    let org = tx.org().clone();
    let rows: Vec<String> = run!(&mut tx.conn, c => sqlx::query_scalar(
        "SELECT summary FROM sessions WHERE org_id = $1 AND user_id = $2",
    )
    .bind(&org)
    .bind(me.user())
    .fetch_all(c)
    .await)?;
    rows.iter()
        .map(|s| serde_json::from_str(s).map_err(|_| DbError::Corrupt("sessions.summary")))
        .collect()
}
