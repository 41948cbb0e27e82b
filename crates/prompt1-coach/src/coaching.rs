//! Coaching: at most three tips, each with its evidence and one concrete next step.
//!
//! Why a fixed rule set in a fixed priority: a tip has to be explainable in one sentence ("you ran
//! tests after 20% of your edit batches; the organization's median is 65%") and the same numbers
//! must always give the same tips, on the client and on the server. Each rule compares one habit
//! with a baseline: the organization's median developer when an [`OrgDistribution`] with enough
//! members is given, otherwise prompt1's documented reference value (and the evidence says which),
//! and adds the developer's own value in the window before when that window had enough data.
//!
//! Priority ([`Rule`] is declared in this order): risk first (bypassing permissions), then what
//! most changes the result of a session (verification), then the developer's own decline, then
//! judgement, clarity, the CLAUDE.md insight, context, CLAUDE.md coverage, frequent rejections and
//! compactions. The first three rules that fire are returned, at most one per score component (the
//! CLAUDE.md insight belongs to none). With not enough data in the current window, only the CLAUDE.md
//! insight (which has its own minimum) can be returned.
//!
//! Thresholds are compared with a tolerance of 1e-9, so a share that is exactly on a line by hand
//! (14 of 20 against 80% - 10%) is on the line in the code too, not a floating-point hair below it.

use crate::claude_md::ClaudeMdEffect;
use crate::evidence::{pct, Evidence, Metric, Source};
use crate::org::{habit, OrgDistribution};
use crate::score::{proficiency, ComponentKind, Shortfall, HEALTHY_REJECTED_SHARE};
use crate::tally::Tally;
use serde::{Deserialize, Serialize};

/// Most tips returned.
pub const MAX_TIPS: usize = 3;

/// A share of prompts in `bypassPermissions` above which the safety tip fires.
pub const BYPASS_SHARE_LIMIT: f64 = 0.10;

/// Reference share of verified edit batches, used without an organization.
pub const VERIFIED_REFERENCE: f64 = 0.60;
/// The verification tip fires below the baseline minus this margin.
pub const VERIFIED_MARGIN: f64 = 0.10;
/// Fewest edit batches for the verification tip.
pub const MIN_EDIT_BATCHES_FOR_TIP: u64 = 5;

/// The decline tip fires when a component fell by at least this many points since the window before.
pub const DECLINE_POINTS: u8 = 15;

/// Fewest decisions by the person for the "never rejects" tip.
pub const MIN_DECISIONS_FOR_REVIEW_TIP: u64 = 20;

/// Reference mean clarity, used without an organization.
pub const CLARITY_REFERENCE: f64 = 60.0;
/// The clarity tip fires below the baseline minus this margin (points).
pub const CLARITY_MARGIN: f64 = 10.0;
/// Fewest scored prompts for the clarity tip.
pub const MIN_SCORED_FOR_TIP: u64 = 10;

/// Reference share of substantive prompts naming a file, used without an organization.
pub const FILE_REF_REFERENCE: f64 = 0.40;
/// The context tip fires below the baseline minus this margin.
pub const FILE_REF_MARGIN: f64 = 0.15;
/// Fewest substantive prompts for the context tip.
pub const MIN_SUBSTANTIVE_FOR_TIP: u64 = 10;

/// The CLAUDE.md tip fires when fewer than this share of sessions loaded a project CLAUDE.md.
pub const CLAUDE_MD_SHARE_LIMIT: f64 = 0.5;

/// Fewest decisions by the person for the "rejects most edits" tip.
pub const MIN_DECISIONS_FOR_REJECTION_TIP: u64 = 10;

/// The compaction tip fires at this many compactions per session or more.
pub const COMPACTIONS_PER_SESSION_LIMIT: f64 = 1.0;

/// A coaching rule. Declared in priority order: earlier fires first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Rule {
    /// More than [`BYPASS_SHARE_LIMIT`] of prompts in `bypassPermissions`.
    BypassPermissions,
    /// Verified share of edit batches below the baseline minus [`VERIFIED_MARGIN`].
    VerifyEdits,
    /// A score component fell by [`DECLINE_POINTS`] or more since the window before.
    Decline,
    /// At least [`MIN_DECISIONS_FOR_REVIEW_TIP`] edit decisions and under 5% rejected.
    ReviewEdits,
    /// Mean clarity below the baseline minus [`CLARITY_MARGIN`].
    Clarity,
    /// The effect of adding a project CLAUDE.md (shown when both sides have enough sessions).
    ClaudeMdEffect,
    /// Share of substantive prompts naming a file below the baseline minus [`FILE_REF_MARGIN`].
    Context,
    /// Fewer than [`CLAUDE_MD_SHARE_LIMIT`] of sessions with a project CLAUDE.md.
    AddClaudeMd,
    /// Over 30% of the person's edit decisions were rejections.
    FrequentRejections,
    /// [`COMPACTIONS_PER_SESSION_LIMIT`] or more compactions per session.
    Compactions,
}

/// One coaching tip.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct Tip {
    /// The rule that fired.
    pub rule: Rule,
    /// The score component it would raise (`null` for the CLAUDE.md insight).
    pub component: Option<ComponentKind>,
    /// The numbers that made it fire, and a sentence.
    pub evidence: Evidence,
    /// One concrete next step.
    pub next_step: String,
}

/// What a habit is compared with.
struct Baseline {
    source: Source,
    value: f64,
}

impl Baseline {
    /// The organization's median for `metric` when it can be compared with, else `reference`.
    fn for_metric(metric: Metric, org: Option<&OrgDistribution>, reference: f64) -> Self {
        match org.and_then(|o| o.median(metric)) {
            Some(value) => Self {
                source: Source::OrgMedian,
                value,
            },
            None => Self {
                source: Source::Reference,
                value: reference,
            },
        }
    }

    /// "the organization's median is 65%" / "prompt1's reference value is 60% (no organization to
    /// compare with)".
    fn describe(&self, format: fn(f64) -> String) -> String {
        match self.source {
            Source::OrgMedian => format!("the organization's median is {}", format(self.value)),
            _ => format!(
                "prompt1's reference value is {} (no organization to compare with)",
                format(self.value)
            ),
        }
    }
}

/// Differences this small are floating-point noise (`0.8 - 0.1` is not exactly `0.7`), not habits.
const TOLERANCE: f64 = 1e-9;

/// `value` is below `limit` by more than [`TOLERANCE`].
fn below(value: f64, limit: f64) -> bool {
    value < limit - TOLERANCE
}

/// `value` is above `limit` by more than [`TOLERANCE`].
fn above(value: f64, limit: f64) -> bool {
    value > limit + TOLERANCE
}

fn points(v: f64) -> String {
    format!("{v:.0}")
}

fn per_session(v: f64) -> String {
    format!("{v:.1} per session")
}

/// What the rules read: the two windows, the organization, and whether the earlier window counts.
struct Context<'a> {
    current: &'a Tally,
    earlier: Option<&'a Tally>,
    org: Option<&'a OrgDistribution>,
}

impl Context<'_> {
    /// " (45% in the period before)" when the earlier window had enough data and a value.
    fn earlier_text(&self, metric: Metric, format: fn(f64) -> String) -> String {
        self.earlier
            .and_then(|e| habit(metric, e))
            .map(|v| format!(" ({} in the period before)", format(v)))
            .unwrap_or_default()
    }

    /// Evidence with the current value, the earlier one and the org median (if any) as figures.
    fn evidence(&self, metric: Metric, text: String) -> Evidence {
        let mut e = Evidence::new(text);
        if let Some(v) = habit(metric, self.current) {
            e = e.with_value(metric, Source::Current, v);
        }
        if let Some(v) = self.earlier.and_then(|t| habit(metric, t)) {
            e = e.with_value(metric, Source::Earlier, v);
        }
        e
    }

    /// Evidence plus the baseline figure.
    fn compared(&self, metric: Metric, text: String, baseline: &Baseline) -> Evidence {
        self.evidence(metric, text)
            .with_value(metric, baseline.source, baseline.value)
    }

    /// The org median sentence for an absolute-threshold rule, when there is one.
    fn org_text(&self, metric: Metric, format: fn(f64) -> String) -> (String, Option<f64>) {
        match self.org.and_then(|o| o.median(metric)) {
            Some(m) => (format!("; the organization's median is {}", format(m)), Some(m)),
            None => (String::new(), None),
        }
    }
}

/// Up to [`MAX_TIPS`] tips for a developer, in priority order (see the module doc).
///
/// `current` is the window being coached, `earlier` the window before it (compared only when it
/// has enough data for a score), `org` the organization's distribution (without it, the reference
/// values are used and the evidence says so), `claude_md` the CLAUDE.md insight if it is shown.
pub fn coaching(
    current: &Tally,
    earlier: &Tally,
    org: Option<&OrgDistribution>,
    claude_md: Option<&ClaudeMdEffect>,
) -> Vec<Tip> {
    let ctx = Context {
        current,
        earlier: Shortfall::of(earlier).is_none().then_some(earlier),
        org,
    };
    let enough = Shortfall::of(current).is_none();
    let candidates: Vec<Option<Tip>> = vec![
        enough.then(|| bypass_permissions(&ctx)).flatten(),
        enough.then(|| verify_edits(&ctx)).flatten(),
        enough.then(|| decline(&ctx)).flatten(),
        enough.then(|| review_edits(&ctx)).flatten(),
        enough.then(|| clarity(&ctx)).flatten(),
        claude_md.map(claude_md_effect),
        enough.then(|| context(&ctx)).flatten(),
        enough.then(|| add_claude_md(&ctx)).flatten(),
        enough.then(|| frequent_rejections(&ctx)).flatten(),
        enough.then(|| compactions(&ctx)).flatten(),
    ];
    let mut tips: Vec<Tip> = Vec::new();
    for tip in candidates.into_iter().flatten() {
        let taken = tip
            .component
            .is_some_and(|k| tips.iter().any(|t| t.component == Some(k)));
        if !taken && tips.len() < MAX_TIPS {
            tips.push(tip);
        }
    }
    tips
}

/// Fires when more than [`BYPASS_SHARE_LIMIT`] of prompts were sent in `bypassPermissions`.
fn bypass_permissions(ctx: &Context) -> Option<Tip> {
    let share = habit(Metric::BypassShare, ctx.current)?;
    if !above(share, BYPASS_SHARE_LIMIT) {
        return None;
    }
    let (org, median) = ctx.org_text(Metric::BypassShare, pct);
    let mut evidence = ctx.evidence(
        Metric::BypassShare,
        format!(
            "{} of your prompts this period ran in bypassPermissions, where nothing is checked{}{org}",
            pct(share),
            ctx.earlier_text(Metric::BypassShare, pct)
        ),
    );
    if let Some(m) = median {
        evidence = evidence.with_value(Metric::BypassShare, Source::OrgMedian, m);
    }
    Some(Tip {
        rule: Rule::BypassPermissions,
        component: Some(ComponentKind::Safety),
        evidence,
        next_step: "use acceptEdits instead of bypassPermissions outside a sandbox: edits still go \
                    through, commands are still asked"
            .to_owned(),
    })
}

/// Fires with at least [`MIN_EDIT_BATCHES_FOR_TIP`] edit batches when the verified share is below
/// the baseline ([`VERIFIED_REFERENCE`] or the org median) minus [`VERIFIED_MARGIN`].
fn verify_edits(ctx: &Context) -> Option<Tip> {
    if ctx.current.edit_batches < MIN_EDIT_BATCHES_FOR_TIP {
        return None;
    }
    let share = habit(Metric::VerifiedShare, ctx.current)?;
    let baseline = Baseline::for_metric(Metric::VerifiedShare, ctx.org, VERIFIED_REFERENCE);
    if !below(share, baseline.value - VERIFIED_MARGIN) {
        return None;
    }
    let text = format!(
        "you ran tests after {} of your edit batches this period{}; {}",
        pct(share),
        ctx.earlier_text(Metric::VerifiedShare, pct),
        baseline.describe(pct)
    );
    Some(Tip {
        rule: Rule::VerifyEdits,
        component: Some(ComponentKind::Verification),
        evidence: ctx.compared(Metric::VerifiedShare, text, &baseline),
        next_step: "end each change request with \"then run the tests\", or put the project's test \
                    command in CLAUDE.md so Claude runs it after editing"
            .to_owned(),
    })
}

/// Fires when a component present in both windows fell by [`DECLINE_POINTS`] or more; the largest
/// fall is reported (the first in component order on a tie).
fn decline(ctx: &Context) -> Option<Tip> {
    let earlier = proficiency(ctx.earlier?);
    let current = proficiency(ctx.current);
    let mut worst: Option<(ComponentKind, u8, u8)> = None;
    for (now, before) in current.components.iter().zip(&earlier.components) {
        if let (Some(n), Some(b)) = (now.value, before.value) {
            let fall = b.saturating_sub(n);
            let best = worst.map_or(0, |(_, wb, wn)| wb - wn);
            if fall >= DECLINE_POINTS && fall > best {
                worst = Some((now.kind, b, n));
            }
        }
    }
    let (kind, before, now) = worst?;
    let next_step = match kind {
        ComponentKind::Clarity => "before sending, check the prompt says what done looks like",
        ComponentKind::Context => "name the files to work in again, as you did before",
        ComponentKind::Verification => "go back to running the tests after each change",
        ComponentKind::Safety => "return to the permission modes you used the period before",
        ComponentKind::Judgement => "read each proposed edit before approving it again",
        ComponentKind::Efficiency => "start a fresh session (/clear) between unrelated tasks again",
    };
    Some(Tip {
        rule: Rule::Decline,
        component: Some(kind),
        evidence: Evidence::new(format!(
            "your {} fell from {before} to {now} since the period before",
            kind.label()
        ))
        .with_value(Metric::ComponentValue, Source::Earlier, f64::from(before))
        .with_value(Metric::ComponentValue, Source::Current, f64::from(now)),
        next_step: next_step.to_owned(),
    })
}

/// Fires with at least [`MIN_DECISIONS_FOR_REVIEW_TIP`] edits decided by the person when fewer than
/// the healthy minimum (5%) of them were rejections: approvals that are likely not read.
fn review_edits(ctx: &Context) -> Option<Tip> {
    let decided = ctx.current.user_decided_edits();
    if decided < MIN_DECISIONS_FOR_REVIEW_TIP {
        return None;
    }
    let share = habit(Metric::RejectedShare, ctx.current)?;
    if !below(share, HEALTHY_REJECTED_SHARE.0) {
        return None;
    }
    let (org, median) = ctx.org_text(Metric::RejectedShare, pct);
    let mut evidence = ctx
        .evidence(
            Metric::RejectedShare,
            format!(
                "you approved {} of the {decided} edits you were asked about and rejected {}{}{org}",
                ctx.current.edits_user_accepted,
                ctx.current.edits_user_rejected,
                ctx.earlier_text(Metric::RejectedShare, pct)
            ),
        )
        .with_value(Metric::UserDecidedEdits, Source::Current, decided as f64);
    if let Some(m) = median {
        evidence = evidence.with_value(Metric::RejectedShare, Source::OrgMedian, m);
    }
    Some(Tip {
        rule: Rule::ReviewEdits,
        component: Some(ComponentKind::Judgement),
        evidence,
        next_step: "read the diff of each proposed edit before approving; reject the ones that go \
                    beyond what you asked"
            .to_owned(),
    })
}

/// Fires with at least [`MIN_SCORED_FOR_TIP`] scored prompts when the mean clarity is below the
/// baseline ([`CLARITY_REFERENCE`] or the org median) minus [`CLARITY_MARGIN`].
fn clarity(ctx: &Context) -> Option<Tip> {
    if ctx.current.clarity_scored < MIN_SCORED_FOR_TIP {
        return None;
    }
    let mean = habit(Metric::MeanClarity, ctx.current)?;
    let baseline = Baseline::for_metric(Metric::MeanClarity, ctx.org, CLARITY_REFERENCE);
    if !below(mean, baseline.value - CLARITY_MARGIN) {
        return None;
    }
    let text = format!(
        "your prompts' mean clarity was {} this period{}; {}",
        points(mean),
        ctx.earlier_text(Metric::MeanClarity, points),
        baseline.describe(points)
    );
    Some(Tip {
        rule: Rule::Clarity,
        component: Some(ComponentKind::Clarity),
        evidence: ctx.compared(Metric::MeanClarity, text, &baseline),
        next_step: "write prompts in three parts: the goal, where to work, and how to check it is \
                    done (a test, a command, an expected output)"
            .to_owned(),
    })
}

/// The CLAUDE.md insight: always a tip when it is shown (both sides had enough sessions).
fn claude_md_effect(effect: &ClaudeMdEffect) -> Tip {
    let side = |v: Option<f64>| v.map_or_else(|| "-".to_owned(), pct);
    let text = format!(
        "since your first session with a project CLAUDE.md ({} sessions, against {} before): \
         follow-ups per prompt {} -> {}, rejected edits {} -> {}, edit batches followed by tests {} -> {}",
        effect.after.sessions,
        effect.before.sessions,
        side(effect.before.follow_up_share),
        side(effect.after.follow_up_share),
        side(effect.before.rejected_share),
        side(effect.after.rejected_share),
        side(effect.before.verified_share),
        side(effect.after.verified_share),
    );
    let next_step = if effect.improved() {
        "keep the CLAUDE.md current: add the commands and conventions you still repeat in prompts"
    } else {
        "your CLAUDE.md has not changed these habits yet: add the test command and the rules you \
         keep correcting to it"
    };
    Tip {
        rule: Rule::ClaudeMdEffect,
        component: None,
        evidence: Evidence {
            figures: effect.figures(),
            text,
        },
        next_step: next_step.to_owned(),
    }
}

/// Fires with at least [`MIN_SUBSTANTIVE_FOR_TIP`] substantive prompts when the share naming a file
/// is below the baseline ([`FILE_REF_REFERENCE`] or the org median) minus [`FILE_REF_MARGIN`].
fn context(ctx: &Context) -> Option<Tip> {
    if ctx.current.substantive_prompts() < MIN_SUBSTANTIVE_FOR_TIP {
        return None;
    }
    let share = habit(Metric::FileRefShare, ctx.current)?;
    let baseline = Baseline::for_metric(Metric::FileRefShare, ctx.org, FILE_REF_REFERENCE);
    if !below(share, baseline.value - FILE_REF_MARGIN) {
        return None;
    }
    let text = format!(
        "{} of your prompts named a file this period{}; {}",
        pct(share),
        ctx.earlier_text(Metric::FileRefShare, pct),
        baseline.describe(pct)
    );
    Some(Tip {
        rule: Rule::Context,
        component: Some(ComponentKind::Context),
        evidence: ctx.compared(Metric::FileRefShare, text, &baseline),
        next_step: "mention the files to read or change with @path, so Claude starts in the right \
                    place instead of searching"
            .to_owned(),
    })
}

/// Fires when fewer than [`CLAUDE_MD_SHARE_LIMIT`] of the sessions loaded a project CLAUDE.md.
fn add_claude_md(ctx: &Context) -> Option<Tip> {
    let share = habit(Metric::ClaudeMdProjectShare, ctx.current)?;
    if !below(share, CLAUDE_MD_SHARE_LIMIT) {
        return None;
    }
    let (org, median) = ctx.org_text(Metric::ClaudeMdProjectShare, pct);
    let mut evidence = ctx.evidence(
        Metric::ClaudeMdProjectShare,
        format!(
            "{} of your {} sessions this period had a project CLAUDE.md{}{org}",
            ctx.current.sessions_claude_md_project,
            ctx.current.sessions,
            ctx.earlier_text(Metric::ClaudeMdProjectShare, pct)
        ),
    );
    if let Some(m) = median {
        evidence = evidence.with_value(Metric::ClaudeMdProjectShare, Source::OrgMedian, m);
    }
    Some(Tip {
        rule: Rule::AddClaudeMd,
        component: Some(ComponentKind::Safety),
        evidence,
        next_step: "run /init in the project you use most, then add its test and lint commands to \
                    the CLAUDE.md it writes"
            .to_owned(),
    })
}

/// Fires with at least [`MIN_DECISIONS_FOR_REJECTION_TIP`] decisions by the person when more than
/// the healthy maximum (30%) of them were rejections: the edits keep missing what was meant.
fn frequent_rejections(ctx: &Context) -> Option<Tip> {
    let decided = ctx.current.user_decided_edits();
    if decided < MIN_DECISIONS_FOR_REJECTION_TIP {
        return None;
    }
    let share = habit(Metric::RejectedShare, ctx.current)?;
    if !above(share, HEALTHY_REJECTED_SHARE.1) {
        return None;
    }
    let (org, median) = ctx.org_text(Metric::RejectedShare, pct);
    let mut evidence = ctx.evidence(
        Metric::RejectedShare,
        format!(
            "you rejected {} of the {decided} edits you were asked about ({}){}{org}",
            ctx.current.edits_user_rejected,
            pct(share),
            ctx.earlier_text(Metric::RejectedShare, pct)
        ),
    );
    if let Some(m) = median {
        evidence = evidence.with_value(Metric::RejectedShare, Source::OrgMedian, m);
    }
    Some(Tip {
        rule: Rule::FrequentRejections,
        component: Some(ComponentKind::Judgement),
        evidence,
        next_step: "for the next larger change, start in plan mode and agree on the plan before \
                    any edit is made"
            .to_owned(),
    })
}

/// Fires at [`COMPACTIONS_PER_SESSION_LIMIT`] or more context compactions per session.
fn compactions(ctx: &Context) -> Option<Tip> {
    let rate = habit(Metric::CompactionsPerSession, ctx.current)?;
    if below(rate, COMPACTIONS_PER_SESSION_LIMIT) {
        return None;
    }
    let (org, median) = ctx.org_text(Metric::CompactionsPerSession, per_session);
    let mut evidence = ctx.evidence(
        Metric::CompactionsPerSession,
        format!(
            "your context was compacted {} times in {} sessions ({}){}{org}",
            ctx.current.compactions,
            ctx.current.sessions,
            per_session(rate),
            ctx.earlier_text(Metric::CompactionsPerSession, per_session)
        ),
    );
    if let Some(m) = median {
        evidence = evidence.with_value(Metric::CompactionsPerSession, Source::OrgMedian, m);
    }
    Some(Tip {
        rule: Rule::Compactions,
        component: Some(ComponentKind::Efficiency),
        evidence,
        next_step: "start a new session (/clear) when you move to an unrelated task instead of \
                    letting one session run until it compacts"
            .to_owned(),
    })
}
