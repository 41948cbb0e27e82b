//! The coach's only input: a [`Tally`] of additive counters over interactive sessions.
//!
//! Why additive: the server keeps one row of these counters per person and day (a daily rollup) and
//! rebuilds a window's tally with SQL sums; the client sums its local summaries. Both must reach the
//! same numbers, so every field is a plain `u64` sum over sessions, nothing is a mean or a maximum,
//! and [`Tally::FIELDS`] gives the rollup columns their stable names. Scripted sessions
//! (`claude -p`, SDKs) are not scored, so [`Tally::from_summary`] counts nothing for them.
//!
//! A session uploaded twice (a retry, a later revision) must count once: [`latest_revisions`] keeps
//! one summary per session key before anything is summed.

use prompt1_wire::{SessionKey, SessionSummary};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Minutes in a UTC day.
const MINUTES_PER_DAY: i64 = 24 * 60;

/// Declares [`Tally`] once, so its fields, [`Tally::FIELDS`], the array conversions and
/// [`Tally::add`] can never disagree about the order of the columns.
macro_rules! tally {
    ($($(#[doc = $doc:expr])+ $field:ident,)+) => {
        /// Additive counters over interactive sessions: everything the score and the tips read.
        ///
        /// Every field is a sum over sessions, so two tallies add field by field ([`Tally::add`]) and
        /// a daily rollup rebuilds any window exactly.
        #[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
        #[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
        #[serde(deny_unknown_fields)]
        pub struct Tally {
            $($(#[doc = $doc])+ pub $field: u64,)+
        }

        impl Tally {
            /// The fields' stable snake_case names (rollup column names), in array order.
            pub const FIELDS: [&'static str; TALLY_LEN] = [$(stringify!($field),)+];

            /// The counters in [`Tally::FIELDS`] order.
            pub fn to_array(&self) -> [u64; TALLY_LEN] {
                [$(self.$field,)+]
            }

            /// The tally whose counters are `values`, in [`Tally::FIELDS`] order.
            pub fn from_array(values: [u64; TALLY_LEN]) -> Self {
                let [$($field,)+] = values;
                Self { $($field,)+ }
            }

            /// Adds `other` field by field (saturating: a sum never wraps).
            pub fn add(&mut self, other: &Tally) {
                $(self.$field = self.$field.saturating_add(other.$field);)+
            }

            /// Takes `other` away field by field, stopping at zero: what a rollup does when a later
            /// revision of a session replaces the one it had added.
            pub fn subtract(&mut self, other: &Tally) {
                $(self.$field = self.$field.saturating_sub(other.$field);)+
            }
        }
    };
}

/// How many counters a [`Tally`] has (the length of [`Tally::FIELDS`]).
pub const TALLY_LEN: usize = 28;

tally! {
    /// Interactive sessions.
    sessions,
    /// Prompts the person wrote, follow-ups included.
    prompts,
    /// Short follow-ups ("yes", "go on"), not scored for clarity.
    follow_ups,
    /// Sum of the clarity scores (0-100) of the scored prompts.
    clarity_sum,
    /// Prompts scored for clarity.
    clarity_scored,
    /// File mentions across all prompts.
    file_refs,
    /// Prompts with at least one file mention.
    prompts_with_file_refs,
    /// Shell sub-commands that ran tests.
    test_runs,
    /// Shell sub-commands that ran a linter, formatter check or type checker.
    lint_runs,
    /// Shell sub-commands that built.
    build_runs,
    /// Edit batches (the edits between two prompts of the person).
    edit_batches,
    /// Edit batches followed by a test run before the next prompt.
    verified_batches,
    /// Edits the person approved at a permission prompt.
    edits_user_accepted,
    /// Edits the person rejected at a permission prompt.
    edits_user_rejected,
    /// Prompts sent in the `default` permission mode.
    prompts_mode_default,
    /// Prompts sent in `acceptEdits`.
    prompts_mode_accept_edits,
    /// Prompts sent in `plan`.
    prompts_mode_plan,
    /// Prompts sent in `dontAsk`.
    prompts_mode_dont_ask,
    /// Prompts sent in `auto`.
    prompts_mode_auto,
    /// Prompts sent in `bypassPermissions`.
    prompts_mode_bypass_permissions,
    /// Prompts sent in a mode prompt1 does not know.
    prompts_mode_other,
    /// Sessions that loaded a project-level CLAUDE.md.
    sessions_claude_md_project,
    /// Sessions that loaded a user-level CLAUDE.md.
    sessions_claude_md_user,
    /// Uncached input tokens, all models.
    input_tokens,
    /// Output tokens, all models.
    output_tokens,
    /// Tokens written to the prompt cache, all models.
    cache_creation_tokens,
    /// Tokens read from the prompt cache, all models.
    cache_read_tokens,
    /// Context compactions.
    compactions,
}

impl Tally {
    /// One session's counters; all zero for a non-interactive (scripted) session.
    pub fn from_summary(s: &SessionSummary) -> Self {
        if !s.interactive {
            return Self::default();
        }
        let tokens =
            |f: fn(&prompt1_wire::ModelTokens) -> u64| s.tokens.iter().map(f).fold(0u64, u64::saturating_add);
        let m = &s.permission_modes;
        Self {
            sessions: 1,
            prompts: s.prompts.into(),
            follow_ups: s.follow_ups.into(),
            clarity_sum: s.clarity_sum.into(),
            clarity_scored: s.clarity_scored.into(),
            file_refs: s.file_refs.into(),
            prompts_with_file_refs: s.prompts_with_file_refs.into(),
            test_runs: s.test_runs.into(),
            lint_runs: s.lint_runs.into(),
            build_runs: s.build_runs.into(),
            edit_batches: s.edit_batches.into(),
            verified_batches: s.verified_batches.into(),
            edits_user_accepted: s.edits.user_accepted.into(),
            edits_user_rejected: s.edits.user_rejected.into(),
            prompts_mode_default: m.default.into(),
            prompts_mode_accept_edits: m.accept_edits.into(),
            prompts_mode_plan: m.plan.into(),
            prompts_mode_dont_ask: m.dont_ask.into(),
            prompts_mode_auto: m.auto.into(),
            prompts_mode_bypass_permissions: m.bypass_permissions.into(),
            prompts_mode_other: m.other.into(),
            sessions_claude_md_project: s.claude_md_project.into(),
            sessions_claude_md_user: s.claude_md_user.into(),
            input_tokens: tokens(|t| t.input),
            output_tokens: tokens(|t| t.output),
            cache_creation_tokens: tokens(|t| t.cache_creation),
            cache_read_tokens: tokens(|t| t.cache_read),
            compactions: s.compactions.into(),
        }
    }

    /// The sum of `summaries`' tallies (callers deduplicate first: see [`latest_revisions`]).
    pub fn sum<'a>(summaries: impl IntoIterator<Item = &'a SessionSummary>) -> Self {
        let mut total = Self::default();
        for s in summaries {
            total.add(&Self::from_summary(s));
        }
        total
    }

    /// Prompts that are not short follow-ups: the ones that can carry a goal or a file reference.
    pub fn substantive_prompts(&self) -> u64 {
        self.prompts.saturating_sub(self.follow_ups)
    }

    /// Edits the person decided on themself (accepted or rejected at a permission prompt).
    pub fn user_decided_edits(&self) -> u64 {
        self.edits_user_accepted.saturating_add(self.edits_user_rejected)
    }

    /// Test, lint and build runs together.
    pub fn checks(&self) -> u64 {
        self.test_runs
            .saturating_add(self.lint_runs)
            .saturating_add(self.build_runs)
    }

    /// Prompts counted in any permission mode.
    pub fn mode_prompts(&self) -> u64 {
        [
            self.prompts_mode_default,
            self.prompts_mode_accept_edits,
            self.prompts_mode_plan,
            self.prompts_mode_dont_ask,
            self.prompts_mode_auto,
            self.prompts_mode_bypass_permissions,
            self.prompts_mode_other,
        ]
        .into_iter()
        .fold(0u64, u64::saturating_add)
    }

    /// All input tokens: uncached, written to and read from the cache.
    pub fn input_side_tokens(&self) -> u64 {
        self.input_tokens
            .saturating_add(self.cache_creation_tokens)
            .saturating_add(self.cache_read_tokens)
    }

    /// Tokens that were not cache reads: uncached input, cache writes and output.
    pub fn fresh_tokens(&self) -> u64 {
        self.input_tokens
            .saturating_add(self.cache_creation_tokens)
            .saturating_add(self.output_tokens)
    }
}

/// One summary per session key: the highest revision.
///
/// A retry or a re-upload of the same revision is a duplicate and counts once; a later revision
/// replaces the earlier one. Two different summaries with the same key and revision should not
/// exist; if a client bug makes them, the one with more prompts, then more active time, then the
/// final one wins, so the result still does not depend on the order of the input. The output is
/// ordered by start minute, then session key.
pub fn latest_revisions(summaries: &[SessionSummary]) -> Vec<&SessionSummary> {
    let rank = |s: &SessionSummary| (s.revision, s.prompts, s.active_s, s.is_final);
    let mut latest: BTreeMap<SessionKey, &SessionSummary> = BTreeMap::new();
    for s in summaries {
        match latest.get(&s.session_key) {
            Some(kept) if rank(kept) >= rank(s) => {}
            _ => {
                latest.insert(s.session_key, s);
            }
        }
    }
    let mut out: Vec<&SessionSummary> = latest.into_values().collect();
    out.sort_by_key(|s| (s.started_minute, s.session_key));
    out
}

/// A span of whole UTC days, both ends included (days since 1970-01-01).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct DayWindow {
    /// First day included.
    pub first_day: i64,
    /// Last day included.
    pub last_day: i64,
}

/// The default scoring window: 14 days (two working weeks, so one quiet week does not empty it).
pub const DEFAULT_WINDOW_DAYS: i64 = 14;

impl DayWindow {
    /// The `days` days ending with `last_day` (at least one day).
    pub fn ending(last_day: i64, days: i64) -> Self {
        Self {
            first_day: last_day - days.max(1) + 1,
            last_day,
        }
    }

    /// The window of the same length just before this one ("earlier" for coaching).
    pub fn before(&self) -> Self {
        Self::ending(self.first_day - 1, self.days())
    }

    /// How many days the window spans.
    pub fn days(&self) -> i64 {
        (self.last_day - self.first_day + 1).max(0)
    }

    /// Whether the UTC day that contains `minute` (minutes since the epoch) is in the window.
    pub fn contains_minute(&self, minute: i64) -> bool {
        let day = minute.div_euclid(MINUTES_PER_DAY);
        (self.first_day..=self.last_day).contains(&day)
    }
}

/// The tally of the sessions that started in `window`, each session counted once (its highest
/// revision, see [`latest_revisions`]) and scripted sessions not at all.
pub fn tally_window(summaries: &[SessionSummary], window: DayWindow) -> Tally {
    Tally::sum(
        latest_revisions(summaries)
            .into_iter()
            .filter(|s| window.contains_minute(s.started_minute)),
    )
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use prompt1_wire::{
        ClientVersion, EditDecisions, EndReason, ModelId, ModelTokens, PermissionModeCounts, ToolCounts,
        SCHEMA_V1,
    };

    /// Day 20_400 is 2025-11-08; minute 29_376_000 is its midnight.
    pub(crate) const DAY0_MINUTE: i64 = 20_400 * 1440;

    /// A plain interactive session with the given key byte: 10 prompts, 2 of them follow-ups.
    pub(crate) fn session(key: u8) -> SessionSummary {
        SessionSummary {
            schema: SCHEMA_V1,
            session_key: SessionKey([key; 16]),
            revision: 1,
            is_final: true,
            end_reason: EndReason::PromptInputExit,
            started_minute: DAY0_MINUTE + 600,
            active_s: 1_800,
            interactive: true,
            prompts: 10,
            follow_ups: 2,
            clarity_sum: 480,
            clarity_scored: 8,
            file_refs: 6,
            prompts_with_file_refs: 4,
            tools: ToolCounts {
                edit: 5,
                shell: 3,
                ..ToolCounts::default()
            },
            tool_failures: 0,
            subagents: 0,
            compactions: 0,
            test_runs: 2,
            lint_runs: 1,
            build_runs: 0,
            edit_batches: 4,
            verified_batches: 2,
            edits: EditDecisions {
                user_accepted: 4,
                user_rejected: 1,
                auto_allowed: 3,
                auto_denied: 0,
            },
            permission_modes: PermissionModeCounts {
                default: 10,
                ..PermissionModeCounts::default()
            },
            claude_md_project: true,
            claude_md_user: false,
            tokens: vec![ModelTokens {
                model: ModelId::Sonnet4_5,
                input: 1_000,
                output: 2_000,
                cache_creation: 3_000,
                cache_read: 24_000,
            }],
            client_version: ClientVersion {
                major: 0,
                minor: 1,
                patch: 0,
            },
        }
    }

    #[test]
    fn fields_and_array_round_trip_and_match_the_serialized_names() {
        let values: [u64; TALLY_LEN] = std::array::from_fn(|i| i as u64 * 7 + 1);
        let t = Tally::from_array(values);
        assert_eq!(t.to_array(), values);
        assert_eq!(Tally::from_array(t.to_array()), t);
        let json = serde_json::to_value(t).unwrap();
        let object = json.as_object().unwrap();
        assert_eq!(object.len(), TALLY_LEN);
        for (i, name) in Tally::FIELDS.iter().enumerate() {
            assert_eq!(object[*name], values[i], "{name}");
        }
        // Written out by hand: the column names are a contract with the server's rollup table.
        assert_eq!(Tally::FIELDS[0], "sessions");
        assert_eq!(Tally::FIELDS[11], "verified_batches");
        assert_eq!(Tally::FIELDS[19], "prompts_mode_bypass_permissions");
        assert_eq!(Tally::FIELDS[27], "compactions");
        assert_eq!(t.verified_batches, 11 * 7 + 1);
    }

    #[test]
    fn from_summary_counts_one_interactive_session_and_nothing_for_a_scripted_one() {
        let t = Tally::from_summary(&session(1));
        assert_eq!(t.sessions, 1);
        assert_eq!(t.prompts, 10);
        assert_eq!(t.follow_ups, 2);
        assert_eq!(t.clarity_sum, 480);
        assert_eq!(t.edits_user_accepted, 4);
        assert_eq!(t.edits_user_rejected, 1);
        assert_eq!(t.prompts_mode_default, 10);
        assert_eq!(t.sessions_claude_md_project, 1);
        assert_eq!(t.sessions_claude_md_user, 0);
        assert_eq!(t.input_tokens, 1_000);
        assert_eq!(t.cache_read_tokens, 24_000);
        let mut scripted = session(2);
        scripted.interactive = false;
        assert_eq!(Tally::from_summary(&scripted), Tally::default());
        assert_eq!(Tally::from_summary(&scripted).to_array(), [0; TALLY_LEN]);
    }

    #[test]
    fn add_sums_field_by_field() {
        let mut a = Tally::from_summary(&session(1));
        a.add(&Tally::from_summary(&session(2)));
        assert_eq!(a.sessions, 2);
        assert_eq!(a.prompts, 20);
        assert_eq!(a.output_tokens, 4_000);
        let mut big = Tally {
            prompts: u64::MAX,
            ..Tally::default()
        };
        big.add(&a);
        assert_eq!(big.prompts, u64::MAX, "saturates instead of wrapping");
        // A later revision replaces an earlier one: take the earlier away, add the later.
        let mut rollup = a;
        rollup.subtract(&Tally::from_summary(&session(2)));
        assert_eq!(rollup, Tally::from_summary(&session(1)));
        rollup.subtract(&Tally::from_summary(&session(2)));
        rollup.subtract(&Tally::from_summary(&session(2)));
        assert_eq!(rollup, Tally::default(), "stops at zero");
    }

    #[test]
    fn latest_revisions_keeps_the_highest_revision_once() {
        let mut r1 = session(1);
        r1.prompts = 4;
        r1.follow_ups = 0;
        r1.clarity_scored = 4;
        r1.clarity_sum = 200;
        let mut r2 = session(1);
        r2.revision = 2;
        let other = session(2);
        let uploads = [r1.clone(), r2.clone(), r1.clone(), other.clone(), r2.clone()];
        let kept = latest_revisions(&uploads);
        assert_eq!(kept.len(), 2);
        assert_eq!(kept[0].revision, 2);
        assert_eq!(kept[0].prompts, 10);
        let reordered = [r2.clone(), other, r1];
        assert_eq!(kept, latest_revisions(&reordered));
    }

    #[test]
    fn windows_count_whole_days_and_skip_scripted_sessions() {
        let w = DayWindow::ending(20_413, 14);
        assert_eq!(w.first_day, 20_400);
        assert_eq!(w.days(), 14);
        assert_eq!(
            w.before(),
            DayWindow {
                first_day: 20_386,
                last_day: 20_399
            }
        );
        assert!(w.contains_minute(DAY0_MINUTE));
        assert!(!w.contains_minute(DAY0_MINUTE - 1));
        assert!(w.contains_minute(20_414 * 1440 - 1));
        assert!(!w.contains_minute(20_414 * 1440));

        let inside = session(1);
        let mut before = session(2);
        before.started_minute = DAY0_MINUTE - 1;
        let mut scripted = session(3);
        scripted.interactive = false;
        let t = tally_window(&[inside, before.clone(), scripted], w);
        assert_eq!(t.sessions, 1);
        assert_eq!(t.prompts, 10);
        assert_eq!(tally_window(&[before], w.before()).sessions, 1);
    }
}
