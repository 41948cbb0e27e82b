//! The numbers behind every score component and tip, and the habits an organization is compared on.
//!
//! Evidence is data first (closed-enum names and numbers, so a page or a client can format it its own
//! way) and a sentence second, built from those numbers only: the coach never sees a word the
//! developer typed, so it cannot repeat one.

use crate::tally::Tally;
use serde::{Deserialize, Serialize};

/// A named number the coach reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Metric {
    /// Interactive sessions.
    Sessions,
    /// Prompts, follow-ups included.
    Prompts,
    /// Prompts scored for clarity.
    ScoredPrompts,
    /// Mean clarity of the scored prompts (0-100).
    MeanClarity,
    /// Prompts that are not short follow-ups.
    SubstantivePrompts,
    /// Share (0-1) of substantive prompts with at least one file reference.
    FileRefShare,
    /// File references per substantive prompt.
    FileRefsPerPrompt,
    /// Edit batches.
    EditBatches,
    /// Edit batches followed by a test run.
    VerifiedBatches,
    /// Share (0-1) of edit batches followed by a test run.
    VerifiedShare,
    /// Test, lint and build runs per edit batch.
    ChecksPerBatch,
    /// Mean safety points (0-100) of the permission modes prompts were sent in.
    ModeSafety,
    /// Share (0-1) of prompts sent in `bypassPermissions`.
    BypassShare,
    /// Share (0-1) of sessions with a project CLAUDE.md.
    ClaudeMdProjectShare,
    /// Share (0-1) of sessions with a user CLAUDE.md.
    ClaudeMdUserShare,
    /// Edits the person accepted or rejected themself.
    UserDecidedEdits,
    /// Share (0-1) of the person's edit decisions that were rejections.
    RejectedShare,
    /// Share (0-1) of input-side tokens read from the prompt cache.
    CacheReuse,
    /// Uncached input, cache-write and output tokens per prompt.
    FreshTokensPerPrompt,
    /// Context compactions per session.
    CompactionsPerSession,
    /// Share (0-1) of prompts that were short follow-ups ("revision rounds").
    FollowUpShare,
    /// The value (0-100) of the score component a tip is about (see the tip's `component`).
    ComponentValue,
}

/// Divides, or `None` when there is nothing to divide by.
pub(crate) fn ratio(numerator: u64, denominator: u64) -> Option<f64> {
    (denominator > 0).then(|| numerator as f64 / denominator as f64)
}

impl Metric {
    /// This metric's value for `t`, or `None` when `t` has no evidence for it (nothing to divide by).
    pub fn of(self, t: &Tally) -> Option<f64> {
        let count = |n: u64| Some(n as f64);
        match self {
            Self::Sessions => count(t.sessions),
            Self::Prompts => count(t.prompts),
            Self::ScoredPrompts => count(t.clarity_scored),
            Self::MeanClarity => ratio(t.clarity_sum, t.clarity_scored),
            Self::SubstantivePrompts => count(t.substantive_prompts()),
            Self::FileRefShare => {
                ratio(t.prompts_with_file_refs, t.substantive_prompts()).map(|r| r.min(1.0))
            }
            Self::FileRefsPerPrompt => ratio(t.file_refs, t.substantive_prompts()),
            Self::EditBatches => count(t.edit_batches),
            Self::VerifiedBatches => count(t.verified_batches),
            Self::VerifiedShare => ratio(t.verified_batches, t.edit_batches).map(|r| r.min(1.0)),
            Self::ChecksPerBatch => ratio(t.checks(), t.edit_batches),
            Self::ModeSafety => crate::score::mode_safety(t),
            Self::BypassShare => ratio(t.prompts_mode_bypass_permissions, t.mode_prompts()),
            Self::ClaudeMdProjectShare => ratio(t.sessions_claude_md_project, t.sessions),
            Self::ClaudeMdUserShare => ratio(t.sessions_claude_md_user, t.sessions),
            Self::UserDecidedEdits => count(t.user_decided_edits()),
            Self::RejectedShare => ratio(t.edits_user_rejected, t.user_decided_edits()),
            Self::CacheReuse => ratio(t.cache_read_tokens, t.input_side_tokens()),
            Self::FreshTokensPerPrompt => ratio(t.fresh_tokens(), t.prompts),
            Self::CompactionsPerSession => ratio(t.compactions, t.sessions),
            Self::FollowUpShare => ratio(t.follow_ups, t.prompts),
            // Depends on which component: see `crate::score::component`.
            Self::ComponentValue => None,
        }
    }
}

/// Whose number a figure is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Source {
    /// The developer, in the window being scored.
    Current,
    /// The developer, in the window before it.
    Earlier,
    /// The organization's median developer.
    OrgMedian,
    /// prompt1's documented reference value, used when there is no organization to compare with.
    Reference,
    /// The developer's sessions before their first session with a project CLAUDE.md.
    BeforeClaudeMd,
    /// The developer's sessions from their first session with a project CLAUDE.md on.
    AfterClaudeMd,
}

/// One number of the evidence.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct Figure {
    /// What is measured.
    pub metric: Metric,
    /// Whose number it is.
    pub source: Source,
    /// The value: a count, a share between 0 and 1, a 0-100 score or a per-prompt figure, as the
    /// metric says.
    pub value: f64,
}

/// The numbers behind a component or a tip, and one sentence built from them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct Evidence {
    /// The numbers.
    pub figures: Vec<Figure>,
    /// A short sentence for a person, made from the numbers only.
    pub text: String,
}

impl Evidence {
    pub(crate) fn new(text: String) -> Self {
        Self {
            figures: Vec::new(),
            text,
        }
    }

    /// Adds `metric` of `t` as `source`'s figure when it is defined.
    pub(crate) fn with(mut self, metric: Metric, source: Source, t: &Tally) -> Self {
        if let Some(value) = metric.of(t) {
            self.figures.push(Figure {
                metric,
                source,
                value,
            });
        }
        self
    }

    pub(crate) fn with_value(mut self, metric: Metric, source: Source, value: f64) -> Self {
        self.figures.push(Figure {
            metric,
            source,
            value,
        });
        self
    }
}

/// A share (0-1) as a whole percentage, `"65%"`.
pub(crate) fn pct(share: f64) -> String {
    format!("{:.0}%", share * 100.0)
}
