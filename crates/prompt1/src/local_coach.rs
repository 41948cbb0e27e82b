//! The proficiency score and coaching tips, computed on this machine from the local summaries.
//!
//! Why here and like this: the promise is that a developer gets the same score and tips with no
//! server at all. The coach crate is pure and shared with the server, so this module only chooses
//! the windows (the 14 days ending today, and the 14 before them for "earlier"), leaves out the
//! organization (there is none locally; the tips say they compare with prompt1's reference values)
//! and formats the result for a terminal.

use crate::timefmt;
use prompt1_coach::tally::DEFAULT_WINDOW_DAYS;
use prompt1_coach::{coaching, proficiency, tally_window, ClaudeMdEffect, DayWindow, Proficiency, Tip};
use prompt1_wire::SessionSummary;
use std::io::{self, Write};

/// The local score and tips for one day.
#[derive(Debug, Clone, PartialEq)]
pub struct LocalCoaching {
    /// The window scored.
    pub window: DayWindow,
    /// The score over the window.
    pub proficiency: Proficiency,
    /// At most three tips.
    pub coaching: Vec<Tip>,
}

/// The score over the [`DEFAULT_WINDOW_DAYS`] days ending `today` (a UTC day number), and the tips
/// comparing them with the window before and with the reference values; the CLAUDE.md insight is
/// computed over every local summary.
pub fn local_coaching(summaries: &[SessionSummary], today: i64) -> LocalCoaching {
    let window = DayWindow::ending(today, DEFAULT_WINDOW_DAYS);
    let current = tally_window(summaries, window);
    let earlier = tally_window(summaries, window.before());
    let effect = ClaudeMdEffect::from_summaries(summaries);
    LocalCoaching {
        window,
        proficiency: proficiency(&current),
        coaching: coaching(&current, &earlier, None, effect.as_ref()),
    }
}

/// `YYYY-MM-DD` of a day number.
fn day(d: i64) -> String {
    let (y, m, dd) = timefmt::civil_from_days(d);
    format!("{y:04}-{m:02}-{dd:02}")
}

/// Prints the score, its components and the tips for a person.
pub fn print(c: &LocalCoaching, out: &mut impl Write) -> io::Result<()> {
    let span = format!(
        "last {} days, {} to {}",
        c.window.days(),
        day(c.window.first_day),
        day(c.window.last_day)
    );
    let p = &c.proficiency;
    match (p.score, p.shortfall) {
        (Some(score), _) => writeln!(out, "Proficiency ({span}): {score}/100")?,
        (None, Some(short)) => writeln!(out, "Proficiency ({span}): {}", short.describe())?,
        (None, None) => writeln!(out, "Proficiency ({span}): no component has evidence yet")?,
    }
    let width = p
        .components
        .iter()
        .map(|c| c.kind.label().len())
        .max()
        .unwrap_or(0);
    for comp in &p.components {
        let value = comp.value.map_or_else(|| "-".to_owned(), |v| v.to_string());
        writeln!(
            out,
            "  {:<width$}  {value:>3}  weight {:>2}  {}",
            comp.kind.label(),
            comp.weight,
            comp.evidence.text
        )?;
        if comp.value.is_some_and(|v| v < 100) {
            // Under the evidence: label, value and weight columns take `width + 18` characters.
            writeln!(out, "  {:<width$}{:18}to raise it: {}", "", "", comp.to_raise)?;
        }
    }
    if p.components.iter().any(|c| c.value.is_none()) {
        writeln!(
            out,
            "  (\"-\": no evidence in the window; the score is weighted over the other components)"
        )?;
    }
    writeln!(out)?;
    if c.coaching.is_empty() {
        writeln!(out, "Coaching: nothing to suggest right now.")?;
        return Ok(());
    }
    writeln!(out, "Coaching:")?;
    for (i, tip) in c.coaching.iter().enumerate() {
        writeln!(out, "  {}. {}", i + 1, tip.evidence.text)?;
        writeln!(out, "     next step: {}", tip.next_step)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use prompt1_wire::{
        ClientVersion, EditDecisions, EndReason, PermissionModeCounts, SessionKey, ToolCounts, SCHEMA_V1,
    };

    /// Day 20_400 is 2025-11-08.
    const TODAY: i64 = 20_400;

    /// 10 prompts (2 follow-ups), clarity 50 over 8 scored, 2 prompts naming a file, 5 edit batches
    /// (1 verified), 1 test run, no edit decision, default mode, no CLAUDE.md, no tokens.
    fn summary(key: u8, day: i64) -> SessionSummary {
        SessionSummary {
            schema: SCHEMA_V1,
            session_key: SessionKey([key; 16]),
            revision: 1,
            is_final: true,
            end_reason: EndReason::PromptInputExit,
            started_minute: day * 1440 + 9 * 60,
            active_s: 600,
            interactive: true,
            prompts: 10,
            follow_ups: 2,
            clarity_sum: 400,
            clarity_scored: 8,
            file_refs: 2,
            prompts_with_file_refs: 2,
            tools: ToolCounts::default(),
            tool_failures: 0,
            subagents: 0,
            compactions: 0,
            test_runs: 1,
            lint_runs: 0,
            build_runs: 0,
            edit_batches: 5,
            verified_batches: 1,
            edits: EditDecisions::default(),
            permission_modes: PermissionModeCounts {
                default: 10,
                ..PermissionModeCounts::default()
            },
            claude_md_project: false,
            claude_md_user: false,
            tokens: Vec::new(),
            client_version: ClientVersion {
                major: 0,
                minor: 1,
                patch: 0,
            },
        }
    }

    #[test]
    fn scores_the_last_fourteen_days_and_coaches_against_reference_values() {
        // In the window (days 20_387..=20_400): three sessions. One on day 20_386 is "earlier".
        // Clarity 1200/24 = 50. Context 6/24 = 25% -> 50. Verification 3/15 verified, 3/15 checks:
        // 100*(0.7*0.2 + 0.3*0.2) = 20. Safety: modes 100, no CLAUDE.md 0 -> 70. Judgement and
        // efficiency: no evidence. Score (25*50 + 15*50 + 25*20 + 15*70) / 80 = 3550/80 = 44.4 -> 44.
        let all = vec![
            summary(1, TODAY),
            summary(2, TODAY - 6),
            summary(3, TODAY - 13),
            summary(4, TODAY - 14),
        ];
        let c = local_coaching(&all, TODAY);
        assert_eq!(
            c.window,
            DayWindow {
                first_day: 20_387,
                last_day: 20_400
            }
        );
        assert_eq!(c.proficiency.score, Some(44));
        let values: Vec<Option<u8>> = c.proficiency.components.iter().map(|c| c.value).collect();
        assert_eq!(values, vec![Some(50), Some(50), Some(20), Some(70), None, None]);
        // Tips against the reference values: verification 20% is below 60% - 10%, and 0 of 3
        // sessions had a project CLAUDE.md (< 50%). Clarity 50 is not below 60 - 10, and 25% of
        // prompts naming a file is not below 40% - 15%. The earlier window (1 session) is too thin.
        let rules: Vec<_> = c.coaching.iter().map(|t| t.rule).collect();
        assert_eq!(
            rules,
            vec![prompt1_coach::Rule::VerifyEdits, prompt1_coach::Rule::AddClaudeMd]
        );
        assert!(c.coaching[0]
            .evidence
            .text
            .contains("no organization to compare with"));

        let mut text = Vec::new();
        print(&c, &mut text).unwrap();
        let text = String::from_utf8(text).unwrap();
        assert!(text.starts_with("Proficiency (last 14 days, 2025-10-26 to 2025-11-08): 44/100\n"));
        assert!(text.contains("Coaching:\n  1. you ran tests after 20% of your edit batches"));
    }

    #[test]
    fn says_what_is_missing_below_the_minimum() {
        let c = local_coaching(&[summary(1, TODAY), summary(2, TODAY)], TODAY);
        assert_eq!(c.proficiency.score, None);
        let mut text = Vec::new();
        print(&c, &mut text).unwrap();
        assert_eq!(
            String::from_utf8(text).unwrap(),
            "Proficiency (last 14 days, 2025-10-26 to 2025-11-08): not enough data yet: 2 of 3 \
             interactive sessions and 20 of 20 prompts in the window\n\nCoaching: nothing to suggest \
             right now.\n"
        );
    }
}
