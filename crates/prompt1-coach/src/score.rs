//! The proficiency score: six weighted components, each 0-100, over a window's [`Tally`].
//!
//! Why it is built like this: a single number is only useful in a coaching conversation if it can be
//! taken apart. Every component says what it measured (evidence), how much it counts (weight) and
//! what would raise it, and its formula is written next to its code below. A component with no
//! evidence in the window (no edits, so nothing to verify) is left out rather than guessed, and the
//! score is the weighted mean of the components that are present: the weights are renormalised over
//! them, so nobody is marked down for work they did not do. Below a minimum of sessions and prompts
//! there is no score at all, only what is missing: a number from three prompts would be noise.
//!
//! Every component value is rounded to a whole number before the weighted mean, and the mean is
//! rounded half up, so a score can be worked out by hand from the evidence.

use crate::evidence::{pct, ratio, Evidence, Metric, Source};
use crate::tally::Tally;
use serde::{Deserialize, Serialize};

/// Fewest interactive sessions in a window for a score.
pub const MIN_SESSIONS: u64 = 3;

/// Fewest prompts (follow-ups included) in a window for a score.
pub const MIN_PROMPTS: u64 = 20;

/// Fewest edits decided by the person (accepted + rejected) for the judgement component: below it,
/// one rejection would swing the component from one end to the other.
pub const MIN_USER_DECIDED_EDITS: u64 = 5;

/// Context: the share of substantive prompts with a file reference that earns the full 100.
pub const CONTEXT_TARGET_SHARE: f64 = 0.5;

/// Verification: weight of "edit batches followed by a test run" inside the component (the rest is
/// test/lint/build runs per edit batch).
pub const VERIFIED_PART: f64 = 0.7;

/// Verification: test, lint and build runs per edit batch that earn the full checks part.
pub const CHECKS_PER_BATCH_TARGET: f64 = 1.0;

/// Safety: weight of the permission modes inside the component (the rest is CLAUDE.md).
pub const MODE_PART: f64 = 0.7;

/// Safety: weight of a project CLAUDE.md inside the CLAUDE.md part (the rest is a user CLAUDE.md).
pub const PROJECT_MD_PART: f64 = 0.75;

/// Safety points (0-100) of one prompt sent in each permission mode, in the order default,
/// acceptEdits, plan, dontAsk, auto, bypassPermissions, other.
///
/// Modes where the person sees every edit and command (default, plan) or where nothing unasked
/// runs (dontAsk) earn 100; accepting edits unasked, or letting a classifier decide, 80 (common,
/// reasonable with verification); a mode prompt1 does not know, 50; bypassing every check, 0.
pub const MODE_POINTS: [u64; 7] = [100, 80, 100, 100, 80, 0, 50];

/// Judgement: the band of rejected shares that earns 100. A person who reviews rejects some edits;
/// one who never rejects is likely approving unread, one who rejects most is not being understood.
pub const HEALTHY_REJECTED_SHARE: (f64, f64) = (0.05, 0.30);

/// Judgement: the value at zero rejections (approving everything).
pub const JUDGEMENT_AT_NO_REJECTIONS: f64 = 50.0;

/// Judgement: the value when every edit is rejected.
pub const JUDGEMENT_AT_ALL_REJECTED: f64 = 40.0;

/// Efficiency: the cache-reuse share that earns the full cache part.
pub const CACHE_REUSE_TARGET: f64 = 0.8;

/// Efficiency: fresh tokens (uncached input + cache writes + output) per prompt up to which the
/// token part is 100; above it the part falls in proportion.
pub const FRESH_TOKENS_PER_PROMPT_TARGET: f64 = 30_000.0;

/// A part of the score.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ComponentKind {
    /// Prompt clarity.
    Clarity,
    /// Context given: file references in prompts.
    Context,
    /// Verification: tests after edits; test/lint/build runs.
    Verification,
    /// Safety: permission modes and CLAUDE.md.
    Safety,
    /// Judgement: edits accepted and rejected by the person.
    Judgement,
    /// Efficiency: tokens per prompt and cache reuse.
    Efficiency,
}

impl ComponentKind {
    /// Every component, in the order they are reported.
    pub const ALL: [ComponentKind; 6] = [
        Self::Clarity,
        Self::Context,
        Self::Verification,
        Self::Safety,
        Self::Judgement,
        Self::Efficiency,
    ];

    /// The component's weight; the six add up to 100. Clarity and verification weigh most: they are
    /// the habits that most change what a session produces. Judgement and efficiency weigh least:
    /// they depend most on the kind of task.
    pub fn weight(self) -> u8 {
        match self {
            Self::Clarity => 25,
            Self::Context => 15,
            Self::Verification => 25,
            Self::Safety => 15,
            Self::Judgement => 10,
            Self::Efficiency => 10,
        }
    }

    /// The component's name for a person.
    pub fn label(self) -> &'static str {
        match self {
            Self::Clarity => "prompt clarity",
            Self::Context => "context given",
            Self::Verification => "verification",
            Self::Safety => "safety",
            Self::Judgement => "judgement",
            Self::Efficiency => "efficiency",
        }
    }
}

/// A developer's proficiency over one window.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct Proficiency {
    /// 0-100, or `null`: not enough data yet (see `shortfall`).
    pub score: Option<u8>,
    /// What is missing for a score; `null` when there is enough data.
    pub shortfall: Option<Shortfall>,
    /// The components (empty when there is not enough data).
    pub components: Vec<Component>,
}

/// Why there is no score yet: what the window had and what it needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct Shortfall {
    /// Interactive sessions in the window.
    pub sessions: u64,
    /// Interactive sessions needed ([`MIN_SESSIONS`]).
    pub sessions_needed: u64,
    /// Prompts in the window.
    pub prompts: u64,
    /// Prompts needed ([`MIN_PROMPTS`]).
    pub prompts_needed: u64,
}

impl Shortfall {
    /// `None` when `t` has enough sessions and prompts for a score.
    pub fn of(t: &Tally) -> Option<Self> {
        (t.sessions < MIN_SESSIONS || t.prompts < MIN_PROMPTS).then_some(Self {
            sessions: t.sessions,
            sessions_needed: MIN_SESSIONS,
            prompts: t.prompts,
            prompts_needed: MIN_PROMPTS,
        })
    }

    /// "not enough data yet: 2 of 3 interactive sessions and 35 of 20 prompts in the window".
    pub fn describe(&self) -> String {
        format!(
            "not enough data yet: {} of {} interactive sessions and {} of {} prompts in the window",
            self.sessions, self.sessions_needed, self.prompts, self.prompts_needed
        )
    }
}

/// One weighted part of the score.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct Component {
    /// Which part.
    pub kind: ComponentKind,
    /// 0-100, or `null` when the window has no evidence for it (it is then left out of the score).
    pub value: Option<u8>,
    /// Its nominal weight (the six add up to 100).
    pub weight: u8,
    /// The numbers behind the value.
    pub evidence: Evidence,
    /// What would raise it.
    pub to_raise: String,
}

/// The score and its components for `t` (a window's tally).
pub fn proficiency(t: &Tally) -> Proficiency {
    if let Some(shortfall) = Shortfall::of(t) {
        return Proficiency {
            score: None,
            shortfall: Some(shortfall),
            components: Vec::new(),
        };
    }
    let components: Vec<Component> = ComponentKind::ALL.iter().map(|k| component(*k, t)).collect();
    Proficiency {
        score: combine(&components),
        shortfall: None,
        components,
    }
}

/// The weighted mean of the present components, weights renormalised over them:
/// `round_half_up(sum(weight * value) / sum(weight))` over components whose value is not `None`.
/// `None` when no component is present.
pub fn combine(components: &[Component]) -> Option<u8> {
    let (mut weighted, mut weights) = (0u64, 0u64);
    for c in components {
        if let Some(v) = c.value {
            weighted += u64::from(c.weight) * u64::from(v);
            weights += u64::from(c.weight);
        }
    }
    (weights > 0).then(|| to_value(weighted as f64 / weights as f64))
}

/// Clamps to 0-100 and rounds half up. The 1e-9 absorbs floating-point noise, so that a value that
/// is exactly `.5` on paper (`0.7 * 0.5 + 0.3 * 0.75 = 0.575`, computed as `0.57499...`) rounds up
/// as it does by hand.
fn to_value(x: f64) -> u8 {
    (x.clamp(0.0, 100.0) + 1e-9).round().min(100.0) as u8
}

/// One component of `t`.
pub fn component(kind: ComponentKind, t: &Tally) -> Component {
    let (value, evidence, to_raise) = match kind {
        ComponentKind::Clarity => clarity(t),
        ComponentKind::Context => context(t),
        ComponentKind::Verification => verification(t),
        ComponentKind::Safety => safety(t),
        ComponentKind::Judgement => judgement(t),
        ComponentKind::Efficiency => efficiency(t),
    };
    Component {
        kind,
        value: value.map(to_value),
        weight: kind.weight(),
        evidence,
        to_raise,
    }
}

type Parts = (Option<f64>, Evidence, String);

/// Clarity = the mean clarity score of the scored prompts (`clarity_sum / clarity_scored`), which is
/// already 0-100 (the rubric lives in prompt1-signals). Follow-ups are not scored. No scored prompt:
/// no value.
fn clarity(t: &Tally) -> Parts {
    let mean = Metric::MeanClarity.of(t);
    let text = match mean {
        Some(m) => format!("mean clarity {m:.0} over {} scored prompts", t.clarity_scored),
        None => "no prompt was scored for clarity in this window".to_owned(),
    };
    let evidence = Evidence::new(text)
        .with(Metric::MeanClarity, Source::Current, t)
        .with(Metric::ScoredPrompts, Source::Current, t);
    let to_raise = "state the goal, where to work (files, functions), the constraints and how to \
                    tell it is done; paste the exact error text when there is one"
        .to_owned();
    (mean, evidence, to_raise)
}

/// Context = `100 * min(1, share / CONTEXT_TARGET_SHARE)`, where share is the fraction of
/// substantive prompts (not follow-ups) that reference at least one file. Counting prompts rather
/// than references keeps one prompt that lists thirty files from standing for a habit. No
/// substantive prompt: no value.
fn context(t: &Tally) -> Parts {
    let share = Metric::FileRefShare.of(t);
    let value = share.map(|s| 100.0 * (s / CONTEXT_TARGET_SHARE).min(1.0));
    let text = match share {
        Some(s) => format!(
            "{} of {} substantive prompts ({}) named a file; {} file references in all",
            t.prompts_with_file_refs,
            t.substantive_prompts(),
            pct(s),
            t.file_refs
        ),
        None => "no substantive prompt in this window".to_owned(),
    };
    let evidence = Evidence::new(text)
        .with(Metric::FileRefShare, Source::Current, t)
        .with(Metric::FileRefsPerPrompt, Source::Current, t)
        .with(Metric::SubstantivePrompts, Source::Current, t);
    let to_raise = format!(
        "name the files or folders to work in (for example with @path) in at least {} of your prompts",
        pct(CONTEXT_TARGET_SHARE)
    );
    (value, evidence, to_raise)
}

/// Verification = `100 * (VERIFIED_PART * verified + (1 - VERIFIED_PART) * min(1, checks / CHECKS_PER_BATCH_TARGET))`
/// where `verified = verified_batches / edit_batches` (edit batches followed by a test run before
/// the next prompt) and `checks = (test + lint + build runs) / edit_batches`. No edit batch: nothing
/// to verify, no value.
fn verification(t: &Tally) -> Parts {
    let verified = Metric::VerifiedShare.of(t);
    let checks = Metric::ChecksPerBatch.of(t);
    let value = verified.zip(checks).map(|(v, c)| {
        100.0 * (VERIFIED_PART * v + (1.0 - VERIFIED_PART) * (c / CHECKS_PER_BATCH_TARGET).min(1.0))
    });
    let text = match verified {
        Some(v) => format!(
            "tests ran after {} of {} edit batches ({}); {} test, {} lint and {} build runs",
            t.verified_batches,
            t.edit_batches,
            pct(v),
            t.test_runs,
            t.lint_runs,
            t.build_runs
        ),
        None => "no edits in this window, so nothing to verify".to_owned(),
    };
    let evidence = Evidence::new(text)
        .with(Metric::VerifiedShare, Source::Current, t)
        .with(Metric::ChecksPerBatch, Source::Current, t)
        .with(Metric::EditBatches, Source::Current, t)
        .with(Metric::VerifiedBatches, Source::Current, t);
    let to_raise = "end each change with a test run (ask for it in the prompt, or put the test \
                    command in CLAUDE.md), and run the linter or build before you move on"
        .to_owned();
    (value, evidence, to_raise)
}

/// Mean [`MODE_POINTS`] over the prompts counted in any permission mode; `None` when none was.
pub(crate) fn mode_safety(t: &Tally) -> Option<f64> {
    let counts = [
        t.prompts_mode_default,
        t.prompts_mode_accept_edits,
        t.prompts_mode_plan,
        t.prompts_mode_dont_ask,
        t.prompts_mode_auto,
        t.prompts_mode_bypass_permissions,
        t.prompts_mode_other,
    ];
    let points: u64 = counts
        .iter()
        .zip(MODE_POINTS)
        .map(|(n, p)| n.saturating_mul(p))
        .fold(0, u64::saturating_add);
    ratio(points, t.mode_prompts())
}

/// Safety = `MODE_PART * modes + (1 - MODE_PART) * claude_md`, where `modes` is the mean
/// [`MODE_POINTS`] of the prompts' permission modes and
/// `claude_md = 100 * (PROJECT_MD_PART * project_share + (1 - PROJECT_MD_PART) * user_share)`, the
/// shares being of sessions that loaded a project or user CLAUDE.md. With no prompt counted in any
/// mode, safety is the CLAUDE.md part alone. No session: no value.
fn safety(t: &Tally) -> Parts {
    let modes = mode_safety(t);
    let project = Metric::ClaudeMdProjectShare.of(t);
    let user = Metric::ClaudeMdUserShare.of(t);
    let md = project
        .zip(user)
        .map(|(p, u)| 100.0 * (PROJECT_MD_PART * p + (1.0 - PROJECT_MD_PART) * u));
    let value = match (modes, md) {
        (Some(m), Some(d)) => Some(MODE_PART * m + (1.0 - MODE_PART) * d),
        (None, d) => d,
        (m, None) => m,
    };
    let bypass = Metric::BypassShare.of(t).unwrap_or(0.0);
    let text = format!(
        "{} of prompts in bypassPermissions; a project CLAUDE.md in {} of {} sessions, a user one in {}",
        pct(bypass),
        t.sessions_claude_md_project,
        t.sessions,
        t.sessions_claude_md_user
    );
    let evidence = Evidence::new(text)
        .with(Metric::ModeSafety, Source::Current, t)
        .with(Metric::BypassShare, Source::Current, t)
        .with(Metric::ClaudeMdProjectShare, Source::Current, t)
        .with(Metric::ClaudeMdUserShare, Source::Current, t);
    let to_raise = "keep bypassPermissions for sandboxes; use default or plan mode for unfamiliar \
                    work; give each project a CLAUDE.md with its commands and rules"
        .to_owned();
    (value, evidence, to_raise)
}

/// Judgement, from `r = rejected / (accepted + rejected)` over the edits the person decided at a
/// permission prompt (automatic decisions by mode, rule or hook are not the person's):
/// - `r` in [`HEALTHY_REJECTED_SHARE`] (5%-30%): 100, someone who reads edits and sometimes says no;
/// - below 5%: rises linearly from [`JUDGEMENT_AT_NO_REJECTIONS`] (50) at 0% to 100 at 5%;
/// - above 30%: falls linearly from 100 at 30% to [`JUDGEMENT_AT_ALL_REJECTED`] (40) at 100%.
///
/// Fewer than [`MIN_USER_DECIDED_EDITS`] decisions: no value.
fn judgement(t: &Tally) -> Parts {
    let decided = t.user_decided_edits();
    let r = Metric::RejectedShare
        .of(t)
        .filter(|_| decided >= MIN_USER_DECIDED_EDITS);
    let (low, high) = HEALTHY_REJECTED_SHARE;
    let value = r.map(|r| {
        if r < low {
            JUDGEMENT_AT_NO_REJECTIONS + (100.0 - JUDGEMENT_AT_NO_REJECTIONS) * r / low
        } else if r <= high {
            100.0
        } else {
            100.0 - (100.0 - JUDGEMENT_AT_ALL_REJECTED) * (r - high) / (1.0 - high)
        }
    });
    let text = match r {
        Some(r) => format!(
            "you accepted {} and rejected {} edits yourself ({} rejected)",
            t.edits_user_accepted,
            t.edits_user_rejected,
            pct(r)
        ),
        None => format!(
            "{decided} edits decided by you at a permission prompt; {MIN_USER_DECIDED_EDITS} are needed"
        ),
    };
    let evidence = Evidence::new(text)
        .with(Metric::UserDecidedEdits, Source::Current, t)
        .with(Metric::RejectedShare, Source::Current, t);
    let to_raise = "read each proposed edit before approving it and reject the ones that miss; if \
                    you reject many, plan first (plan mode) so the edits match what you meant"
        .to_owned();
    (value, evidence, to_raise)
}

/// Efficiency = `0.5 * cache + 0.5 * tokens`, where
/// `cache = 100 * min(1, cache_read / (input + cache_creation + cache_read) / CACHE_REUSE_TARGET)`
/// and `tokens = 100 * min(1, FRESH_TOKENS_PER_PROMPT_TARGET / fresh_per_prompt)` with
/// `fresh_per_prompt = (input + cache_creation + output) / prompts`. Cache reads are left out of
/// the per-prompt figure on purpose: they are the cheap, reused part. No tokens or no prompts: no value.
fn efficiency(t: &Tally) -> Parts {
    let reuse = Metric::CacheReuse.of(t);
    let fresh = Metric::FreshTokensPerPrompt.of(t);
    let has_tokens = t.input_side_tokens().saturating_add(t.output_tokens) > 0;
    let value = reuse.zip(fresh).filter(|_| has_tokens).map(|(r, f)| {
        let cache = 100.0 * (r / CACHE_REUSE_TARGET).min(1.0);
        let tokens = if f <= FRESH_TOKENS_PER_PROMPT_TARGET {
            100.0
        } else {
            100.0 * FRESH_TOKENS_PER_PROMPT_TARGET / f
        };
        0.5 * cache + 0.5 * tokens
    });
    let text = match (reuse, fresh) {
        (Some(r), Some(f)) if has_tokens => format!(
            "{} of input tokens came from the cache; {:.0} fresh tokens per prompt",
            pct(r),
            f
        ),
        _ => "no token usage recorded in this window".to_owned(),
    };
    let evidence = Evidence::new(text)
        .with(Metric::CacheReuse, Source::Current, t)
        .with(Metric::FreshTokensPerPrompt, Source::Current, t)
        .with(Metric::CompactionsPerSession, Source::Current, t);
    let to_raise = "keep one session per task and start a new one (/clear) between unrelated tasks, \
                    so context is reused while it is relevant and not dragged along after"
        .to_owned();
    (value, evidence, to_raise)
}
