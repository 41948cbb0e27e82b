//! The coach's [`Tally`] rebuilt from the daily rollups with SQL sums.
//!
//! Why from rollups and not from sessions: a team or organization view over a year of sessions
//! must answer in milliseconds, and the `coach_*` counters of `user_daily` (maintained at ingest,
//! revisions included) already hold every field of the tally per person and day, so a window is a
//! sum over at most a few rows per person.

use crate::db::{run, DbResult, OrgTx};
use crate::ids::{TeamId, UserId};
use crate::schema::{COACH_OFFSET, METRICS};
use prompt1_coach::tally::TALLY_LEN;
use prompt1_coach::{DayWindow, Tally};

fn coach_columns() -> &'static [&'static str] {
    &METRICS[COACH_OFFSET..]
}

fn tally_of(values: &[i64]) -> Tally {
    let mut a = [0u64; TALLY_LEN];
    for (o, v) in a.iter_mut().zip(values) {
        *o = u64::try_from(*v).unwrap_or(0);
    }
    Tally::from_array(a)
}

/// One person's tally per day in `window` (days without a row are absent), oldest first.
pub async fn user_days(tx: &mut OrgTx, user: &UserId, window: DayWindow) -> DbResult<Vec<(i64, Tally)>> {
    let sql = format!(
        "SELECT day, {} FROM user_daily WHERE org_id = $1 AND user_id = $2 AND day BETWEEN $3 AND $4 ORDER BY day",
        coach_columns().join(", ")
    );
    let org = tx.org().clone();
    let rows: Vec<(i64, Vec<i64>)> = run!(&mut tx.conn, c => {
        use sqlx::Row;
        sqlx::query(&sql)
            .bind(&org)
            .bind(user)
            .bind(window.first_day)
            .bind(window.last_day)
            .fetch_all(c)
            .await
            .and_then(|rows| {
                rows.iter()
                    .map(|r| {
                        let values = (1..=TALLY_LEN)
                            .map(|i| r.try_get::<i64, _>(i))
                            .collect::<Result<Vec<_>, _>>()?;
                        Ok((r.try_get::<i64, _>(0)?, values))
                    })
                    .collect::<Result<Vec<_>, sqlx::Error>>()
            })
    })?;
    Ok(rows.into_iter().map(|(d, v)| (d, tally_of(&v))).collect())
}

/// The window's tally of every current member of the organization (or of one team) who has a
/// rollup row in it, by user.
pub async fn member_tallies(
    tx: &mut OrgTx,
    team: Option<&TeamId>,
    window: DayWindow,
) -> DbResult<Vec<(UserId, Tally)>> {
    let sums = coach_columns()
        .iter()
        .map(|c| format!("CAST(COALESCE(sum(d.{c}), 0) AS BIGINT)"))
        .collect::<Vec<_>>()
        .join(", ");
    // Members first, then each one's days through the rollup's key (org, user, day): `CROSS
    // JOIN` keeps that order on SQLite, whose planner would otherwise scan the rollup by day.
    let team_filter = if team.is_some() { "AND m.team_id = $4" } else { "" };
    let sql = format!(
        "SELECT d.user_id, {sums} FROM memberships m CROSS JOIN user_daily d \
         WHERE m.org_id = $1 {team_filter} AND d.org_id = m.org_id AND d.user_id = m.user_id \
         AND d.day BETWEEN $2 AND $3 GROUP BY d.user_id"
    );
    let org = tx.org().clone();
    let rows: Vec<(UserId, Vec<i64>)> = run!(&mut tx.conn, c => {
        use sqlx::Row;
        let mut q = sqlx::query(&sql)
            .bind(&org)
            .bind(window.first_day)
            .bind(window.last_day);
        if let Some(t) = team {
            q = q.bind(t);
        }
        q.fetch_all(c)
            .await
            .and_then(|rows| {
                rows.iter()
                    .map(|r| {
                        let values = (1..=TALLY_LEN)
                            .map(|i| r.try_get::<i64, _>(i))
                            .collect::<Result<Vec<_>, _>>()?;
                        Ok((r.try_get::<UserId, _>(0)?, values))
                    })
                    .collect::<Result<Vec<_>, sqlx::Error>>()
            })
    })?;
    Ok(rows.into_iter().map(|(u, v)| (u, tally_of(&v))).collect())
}

/// The sum of the days of `days` that fall in `window`.
pub fn sum_window(days: &[(i64, Tally)], window: DayWindow) -> Tally {
    let mut t = Tally::default();
    for (d, day) in days {
        if (window.first_day..=window.last_day).contains(d) {
            t.add(day);
        }
    }
    t
}
