//! The effect of adding a project CLAUDE.md, on the developer's own sessions.
//!
//! Why before/after on one person: CLAUDE.md is the one change a developer makes once and then
//! lives with, and the only fair comparison is with themself. The split is at the start minute of
//! their first session that loaded a project CLAUDE.md: sessions that started before it are
//! "before", that session and everything after are "after" (whether or not later sessions loaded
//! one, so the split is a moment, not a filter). The insight compares revision rounds (the share of
//! prompts that were short follow-ups), rejected edits and verified edit batches, and is only shown
//! when both sides have at least [`MIN_SESSIONS_PER_SIDE`] interactive sessions.

use crate::evidence::{Metric, Source};
use crate::tally::{latest_revisions, Tally};
use prompt1_wire::SessionSummary;
use serde::{Deserialize, Serialize};

/// Fewest interactive sessions on each side before the comparison is shown.
pub const MIN_SESSIONS_PER_SIDE: u64 = 5;

/// The three habits compared, in this order.
pub const EFFECT_METRICS: [Metric; 3] = [
    Metric::FollowUpShare,
    Metric::RejectedShare,
    Metric::VerifiedShare,
];

/// One side of the comparison.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct EffectSide {
    /// Interactive sessions on this side.
    pub sessions: u64,
    /// Prompts on this side.
    pub prompts: u64,
    /// Share (0-1) of prompts that were short follow-ups: the revision rounds.
    pub follow_up_share: Option<f64>,
    /// Share (0-1) of the person's edit decisions that were rejections.
    pub rejected_share: Option<f64>,
    /// Share (0-1) of edit batches followed by a test run.
    pub verified_share: Option<f64>,
}

impl EffectSide {
    fn of(t: &Tally) -> Self {
        Self {
            sessions: t.sessions,
            prompts: t.prompts,
            follow_up_share: Metric::FollowUpShare.of(t),
            rejected_share: Metric::RejectedShare.of(t),
            verified_share: Metric::VerifiedShare.of(t),
        }
    }

    /// The side's value of one of [`EFFECT_METRICS`].
    pub fn get(&self, metric: Metric) -> Option<f64> {
        match metric {
            Metric::FollowUpShare => self.follow_up_share,
            Metric::RejectedShare => self.rejected_share,
            Metric::VerifiedShare => self.verified_share,
            _ => None,
        }
    }
}

/// The developer's habits before and after their first session with a project CLAUDE.md.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ClaudeMdEffect {
    /// The UTC day (days since 1970-01-01) of the first session with a project CLAUDE.md.
    pub since_day: i64,
    /// The sessions before it.
    pub before: EffectSide,
    /// That session and the ones after it.
    pub after: EffectSide,
}

impl ClaudeMdEffect {
    /// The effect over one developer's summaries (any order, duplicates allowed: each session counts
    /// once, at its highest revision; scripted sessions not at all). `None` when no interactive
    /// session loaded a project CLAUDE.md, or either side has fewer than [`MIN_SESSIONS_PER_SIDE`]
    /// sessions.
    pub fn from_summaries(summaries: &[SessionSummary]) -> Option<Self> {
        let sessions: Vec<&SessionSummary> = latest_revisions(summaries)
            .into_iter()
            .filter(|s| s.interactive)
            .collect();
        let first = sessions
            .iter()
            .filter(|s| s.claude_md_project)
            .map(|s| s.started_minute)
            .min()?;
        let before = Tally::sum(sessions.iter().copied().filter(|s| s.started_minute < first));
        let after = Tally::sum(sessions.iter().copied().filter(|s| s.started_minute >= first));
        Self::from_sides(&before, &after, first.div_euclid(24 * 60))
    }

    /// The effect from the two sides' tallies, already split at `since_day` (the server builds them
    /// from its own tables). `None` when either side has fewer than [`MIN_SESSIONS_PER_SIDE`] sessions.
    pub fn from_sides(before: &Tally, after: &Tally, since_day: i64) -> Option<Self> {
        (before.sessions >= MIN_SESSIONS_PER_SIDE && after.sessions >= MIN_SESSIONS_PER_SIDE).then(|| Self {
            since_day,
            before: EffectSide::of(before),
            after: EffectSide::of(after),
        })
    }

    /// Whether any compared habit moved the good way: fewer follow-ups, fewer rejections, more
    /// verified batches.
    pub fn improved(&self) -> bool {
        EFFECT_METRICS
            .iter()
            .any(|m| match (self.before.get(*m), self.after.get(*m)) {
                (Some(b), Some(a)) if *m == Metric::VerifiedShare => a > b,
                (Some(b), Some(a)) => a < b,
                _ => false,
            })
    }

    /// The figures of both sides, for a tip's evidence.
    pub(crate) fn figures(&self) -> Vec<crate::evidence::Figure> {
        let mut out = Vec::new();
        for (side, source) in [
            (&self.before, Source::BeforeClaudeMd),
            (&self.after, Source::AfterClaudeMd),
        ] {
            out.push(crate::evidence::Figure {
                metric: Metric::Sessions,
                source,
                value: side.sessions as f64,
            });
            for m in EFFECT_METRICS {
                if let Some(value) = side.get(m) {
                    out.push(crate::evidence::Figure {
                        metric: m,
                        source,
                        value,
                    });
                }
            }
        }
        out
    }
}
