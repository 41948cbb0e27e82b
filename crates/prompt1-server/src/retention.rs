//! Data retention, applied by the server: sessions and daily rollups older than each
//! organization's `retention_days` are deleted.
//!
//! Why whole days: rollups are per day, so deleting sessions by the day they started keeps the
//! stored sessions and the rollups describing the same days. A day is deleted once it is
//! `retention_days` days old (with 365, today and the 364 days before it are kept).
//! [`apply`] takes the time as an argument so tests run it with a fixed clock; [`spawn`] runs
//! it periodically in the server. Each organization is handled in its own transaction, as the
//! server itself (no actor), and a deletion is audit-logged in that organization.

use crate::audit;
use crate::db::{exec, run, Db, DbError, DbResult, OrgScope};
use crate::ids::OrgId;
use crate::org_settings;
use crate::state::AppState;

/// The rollup tables cleared with the sessions, keyed by `day`.
pub const DAILY_TABLES: [&str; 4] = ["user_daily", "team_daily", "user_model_daily", "team_model_daily"];

/// What one run deleted.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RetentionReport {
    /// Organizations examined.
    pub orgs: usize,
    /// Sessions deleted.
    pub sessions: u64,
    /// Daily rollup rows deleted.
    pub rollup_rows: u64,
}

/// The first day (days since the epoch) kept when today is `today` and `retention_days` are kept.
pub fn first_kept_day(today: i64, retention_days: u32) -> i64 {
    today - i64::from(retention_days) + 1
}

/// Applies every organization's retention as of `now` (Unix seconds).
pub async fn apply(db: &Db, now: i64) -> DbResult<RetentionReport> {
    // Every organization keeps at least one admin (the last cannot leave), whose account names it.
    let mut tx = db.begin().await?;
    let orgs: Vec<OrgId> = run!(&mut tx.conn, c => sqlx::query_scalar(
        "SELECT DISTINCT org_id FROM users WHERE org_id IS NOT NULL ORDER BY org_id",
    )
    .fetch_all(c)
    .await)?;
    tx.commit().await?;
    let mut report = RetentionReport::default();
    for org in orgs {
        let mut tx = db.begin_org(&OrgScope::trusted(&org)).await?;
        let settings = match org_settings::read_in(&mut tx).await {
            Ok(s) => s,
            Err(DbError::Sqlx(sqlx::Error::RowNotFound)) => continue,
            Err(e) => return Err(e),
        };
        let first_kept = first_kept_day(now.div_euclid(86_400), settings.retention_days);
        let sessions = exec!(&mut tx.conn, c => sqlx::query(
            "DELETE FROM sessions WHERE org_id = $1 AND started_minute < $2",
        )
        .bind(&org)
        .bind(first_kept * 1440)
        .execute(c)
        .await)?;
        let mut rows = 0;
        for table in DAILY_TABLES {
            let sql = format!("DELETE FROM {table} WHERE org_id = $1 AND day < $2");
            rows += exec!(&mut tx.conn, c => sqlx::query(&sql).bind(&org).bind(first_kept).execute(c).await)?;
        }
        if sessions > 0 || rows > 0 {
            let subject = format!("before day {first_kept}: {sessions} sessions, {rows} daily rows");
            audit::record(&mut tx, now, None, "retention_applied", Some(&subject)).await?;
        }
        tx.commit().await?;
        report.orgs += 1;
        report.sessions += sessions;
        report.rollup_rows += rows;
    }
    Ok(report)
}

/// Runs [`apply`] at start and then every `every` on the state's clock, until the task is aborted.
pub fn spawn(state: AppState, every: std::time::Duration) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(every);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            match apply(&state.db, state.now()).await {
                Ok(r) if r.sessions > 0 || r.rollup_rows > 0 => {
                    tracing::info!(
                        sessions = r.sessions,
                        rollup_rows = r.rollup_rows,
                        "retention applied"
                    )
                }
                Ok(_) => {}
                Err(e) => tracing::error!(error = %e, "retention failed; retrying at the next tick"),
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_day_goes_once_it_is_retention_days_old() {
        assert_eq!(first_kept_day(1000, 365), 636);
        assert_eq!(first_kept_day(1000, 60), 941);
    }
}
