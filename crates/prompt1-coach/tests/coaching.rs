//! One test per coaching rule (fires / does not fire, at its boundary), the priority, the
//! organization's distribution and the CLAUDE.md insight. Expected values are written by hand.

mod common;

use common::{clean, hand_worked, session, DAY0};
use prompt1_coach::{coaching, ClaudeMdEffect, Metric, OrgDistribution, Rule, Source, Tally, Tip};

fn rules(tips: &[Tip]) -> Vec<Rule> {
    tips.iter().map(|t| t.rule).collect()
}

/// The rules that fire on `t` alone (earlier window empty, no organization).
fn alone(t: Tally) -> Vec<Rule> {
    rules(&coaching(&t, &Tally::default(), None, None))
}

#[test]
fn a_clean_tally_gets_no_tip() {
    assert_eq!(alone(clean()), vec![]);
    assert_eq!(rules(&coaching(&clean(), &clean(), None, None)), vec![]);
}

#[test]
fn bypass_permissions_fires_above_ten_percent() {
    // 5 of 40 prompts = 12.5% > 10%: fires; 4 of 40 = 10%: does not.
    let five = Tally {
        prompts_mode_default: 25,
        prompts_mode_bypass_permissions: 5,
        ..clean()
    };
    let tips = coaching(&five, &Tally::default(), None, None);
    assert_eq!(rules(&tips), vec![Rule::BypassPermissions]);
    assert_eq!(
        tips[0].evidence.text,
        "12% of your prompts this period ran in bypassPermissions, where nothing is checked"
    );
    let four = Tally {
        prompts_mode_default: 26,
        prompts_mode_bypass_permissions: 4,
        ..clean()
    };
    assert_eq!(alone(four), vec![]);
}

#[test]
fn verify_edits_fires_below_the_reference_or_the_org_median() {
    // Reference 60% - 10%: 9 of 20 (45%) fires, 10 of 20 (50%) does not.
    let nine = Tally {
        verified_batches: 9,
        ..clean()
    };
    let tips = coaching(&nine, &Tally::default(), None, None);
    assert_eq!(rules(&tips), vec![Rule::VerifyEdits]);
    assert_eq!(
        tips[0].evidence.text,
        "you ran tests after 45% of your edit batches this period; prompt1's reference value is 60% \
         (no organization to compare with)"
    );
    assert!(tips[0]
        .evidence
        .figures
        .iter()
        .any(|f| f.metric == Metric::VerifiedShare && f.source == Source::Reference && f.value == 0.6));
    assert_eq!(
        alone(Tally {
            verified_batches: 10,
            ..clean()
        }),
        vec![]
    );
    // Fewer than 5 edit batches: no tip, even with none verified.
    assert_eq!(
        alone(Tally {
            edit_batches: 4,
            verified_batches: 0,
            test_runs: 4,
            ..clean()
        }),
        vec![]
    );

    // Organization: verified shares 60%, 80%, 80%, 90% -> median 80%; 80% - 10% = 70%.
    let org = OrgDistribution::from_members(&[
        Tally {
            verified_batches: 12,
            ..clean()
        },
        Tally {
            verified_batches: 16,
            ..clean()
        },
        Tally {
            verified_batches: 16,
            ..clean()
        },
        Tally {
            verified_batches: 18,
            ..clean()
        },
    ]);
    let earlier = Tally {
        verified_batches: 15,
        ..clean()
    };
    let at = coaching(&clean(), &earlier, Some(&org), None);
    assert_eq!(rules(&at), vec![], "14 of 20 = 70% is at the org's line");
    let below = Tally {
        verified_batches: 13,
        ..clean()
    };
    let tips = coaching(&below, &earlier, Some(&org), None);
    assert_eq!(rules(&tips), vec![Rule::VerifyEdits]);
    assert_eq!(
        tips[0].evidence.text,
        "you ran tests after 65% of your edit batches this period (75% in the period before); \
         the organization's median is 80%"
    );
}

#[test]
fn decline_fires_when_a_component_fell_fifteen_points() {
    // Clarity 65 now; 80 before (2_560 / 32) is a fall of 15: fires. 79 before (2_528 / 32): 14, no.
    let before80 = Tally {
        clarity_sum: 2_560,
        ..clean()
    };
    let tips = coaching(&clean(), &before80, None, None);
    assert_eq!(rules(&tips), vec![Rule::Decline]);
    assert_eq!(
        tips[0].evidence.text,
        "your prompt clarity fell from 80 to 65 since the period before"
    );
    let figures: Vec<(Metric, Source, f64)> = tips[0]
        .evidence
        .figures
        .iter()
        .map(|f| (f.metric, f.source, f.value))
        .collect();
    assert_eq!(
        figures,
        vec![
            (Metric::ComponentValue, Source::Earlier, 80.0),
            (Metric::ComponentValue, Source::Current, 65.0)
        ]
    );
    assert_eq!(tips[0].component, Some(prompt1_coach::ComponentKind::Clarity));
    let before79 = Tally {
        clarity_sum: 2_528,
        ..clean()
    };
    assert_eq!(rules(&coaching(&clean(), &before79, None, None)), vec![]);
    // An earlier window without enough data is not compared with.
    let thin = Tally {
        sessions: 2,
        ..before80
    };
    assert_eq!(rules(&coaching(&clean(), &thin, None, None)), vec![]);
}

#[test]
fn review_edits_fires_when_twenty_decisions_had_no_rejection() {
    let stamped = Tally {
        edits_user_accepted: 20,
        edits_user_rejected: 0,
        ..clean()
    };
    let tips = coaching(&stamped, &Tally::default(), None, None);
    assert_eq!(rules(&tips), vec![Rule::ReviewEdits]);
    assert_eq!(
        tips[0].evidence.text,
        "you approved 20 of the 20 edits you were asked about and rejected 0"
    );
    // 19 decisions: too few. 1 of 20 rejected (5%): a reviewer.
    assert_eq!(
        alone(Tally {
            edits_user_accepted: 19,
            edits_user_rejected: 0,
            ..clean()
        }),
        vec![]
    );
    assert_eq!(
        alone(Tally {
            edits_user_accepted: 19,
            edits_user_rejected: 1,
            ..clean()
        }),
        vec![]
    );
}

#[test]
fn clarity_fires_ten_points_under_the_reference() {
    // Reference 60 - 10: mean 49 (1_568 / 32) fires, 50 (1_600 / 32) does not.
    let tips = coaching(
        &Tally {
            clarity_sum: 1_568,
            ..clean()
        },
        &Tally::default(),
        None,
        None,
    );
    assert_eq!(rules(&tips), vec![Rule::Clarity]);
    assert_eq!(
        tips[0].evidence.text,
        "your prompts' mean clarity was 49 this period; prompt1's reference value is 60 (no \
         organization to compare with)"
    );
    assert_eq!(
        alone(Tally {
            clarity_sum: 1_600,
            ..clean()
        }),
        vec![]
    );
    // 9 scored prompts are too few for the tip (mean 30).
    assert_eq!(
        alone(Tally {
            clarity_scored: 9,
            clarity_sum: 270,
            ..clean()
        }),
        vec![]
    );
}

#[test]
fn context_fires_under_a_quarter_of_prompts_naming_a_file() {
    // Reference 40% - 15% = 25%: 7 of 32 (21.9%) fires, 8 of 32 (25%) does not.
    let tips = coaching(
        &Tally {
            prompts_with_file_refs: 7,
            ..clean()
        },
        &Tally::default(),
        None,
        None,
    );
    assert_eq!(rules(&tips), vec![Rule::Context]);
    assert_eq!(
        tips[0].evidence.text,
        "22% of your prompts named a file this period; prompt1's reference value is 40% (no \
         organization to compare with)"
    );
    assert_eq!(
        alone(Tally {
            prompts_with_file_refs: 8,
            ..clean()
        }),
        vec![]
    );
}

#[test]
fn add_claude_md_fires_under_half_the_sessions() {
    let tips = coaching(
        &Tally {
            sessions_claude_md_project: 1,
            ..clean()
        },
        &Tally::default(),
        None,
        None,
    );
    assert_eq!(rules(&tips), vec![Rule::AddClaudeMd]);
    assert_eq!(
        tips[0].evidence.text,
        "1 of your 4 sessions this period had a project CLAUDE.md"
    );
    assert_eq!(
        alone(Tally {
            sessions_claude_md_project: 2,
            ..clean()
        }),
        vec![]
    );
}

#[test]
fn frequent_rejections_fires_above_thirty_percent() {
    // 4 of 10 (40%) fires; 3 of 10 (30%) does not; 4 of 9 is too few decisions.
    assert_eq!(
        alone(Tally {
            edits_user_accepted: 6,
            edits_user_rejected: 4,
            ..clean()
        }),
        vec![Rule::FrequentRejections]
    );
    assert_eq!(
        alone(Tally {
            edits_user_accepted: 7,
            edits_user_rejected: 3,
            ..clean()
        }),
        vec![]
    );
    assert_eq!(
        alone(Tally {
            edits_user_accepted: 5,
            edits_user_rejected: 4,
            ..clean()
        }),
        vec![]
    );
}

#[test]
fn compactions_fires_at_one_per_session() {
    let tips = coaching(
        &Tally {
            compactions: 4,
            ..clean()
        },
        &Tally::default(),
        None,
        None,
    );
    assert_eq!(rules(&tips), vec![Rule::Compactions]);
    assert_eq!(
        tips[0].evidence.text,
        "your context was compacted 4 times in 4 sessions (1.0 per session)"
    );
    assert_eq!(
        alone(Tally {
            compactions: 3,
            ..clean()
        }),
        vec![]
    );
}

/// Five sessions before (no CLAUDE.md: 2 of 10 prompts follow-ups, 1 of 5 edits rejected, 2 of 4
/// batches verified) and `after` sessions from the first one with a project CLAUDE.md (1 of 10
/// follow-ups, none rejected, 4 of 4 verified), the last of them without CLAUDE.md again.
fn history(before: u8, after: u8) -> Vec<prompt1_wire::SessionSummary> {
    let mut out = Vec::new();
    for k in 0..before {
        let mut s = session(k, i64::from(k));
        s.claude_md_project = false;
        out.push(s);
    }
    for k in 0..after {
        let mut s = session(100 + k, 20 + i64::from(k));
        s.follow_ups = 1;
        s.clarity_scored = 9;
        s.clarity_sum = 540;
        s.edits.user_accepted = 5;
        s.edits.user_rejected = 0;
        s.verified_batches = 4;
        s.claude_md_project = k + 1 < after;
        out.push(s);
    }
    out
}

#[test]
fn the_claude_md_insight_is_shown_only_with_five_sessions_on_each_side() {
    let effect = ClaudeMdEffect::from_summaries(&history(5, 5)).expect("5 and 5 are enough");
    assert_eq!(effect.since_day, DAY0 + 20);
    assert_eq!((effect.before.sessions, effect.after.sessions), (5, 5));
    assert_eq!(effect.before.follow_up_share, Some(0.2));
    assert_eq!(effect.after.follow_up_share, Some(0.1));
    assert_eq!(effect.before.rejected_share, Some(0.2));
    assert_eq!(effect.after.rejected_share, Some(0.0));
    assert_eq!(effect.before.verified_share, Some(0.5));
    assert_eq!(effect.after.verified_share, Some(1.0));
    assert!(effect.improved());
    assert_eq!(ClaudeMdEffect::from_summaries(&history(4, 5)), None);
    assert_eq!(ClaudeMdEffect::from_summaries(&history(5, 4)), None);
    assert_eq!(
        ClaudeMdEffect::from_summaries(&history(5, 0)),
        None,
        "never had one"
    );

    // Order, duplicates and scripted sessions do not change it.
    let mut shuffled = history(5, 5);
    shuffled.reverse();
    shuffled.extend(history(5, 5));
    let mut scripted = session(200, 10);
    scripted.interactive = false;
    scripted.claude_md_project = true;
    shuffled.push(scripted);
    assert_eq!(ClaudeMdEffect::from_summaries(&shuffled), Some(effect.clone()));

    // As a tip: only when shown, and even without enough data in the current window.
    let tips = coaching(&clean(), &Tally::default(), None, Some(&effect));
    assert_eq!(rules(&tips), vec![Rule::ClaudeMdEffect]);
    assert_eq!(tips[0].component, None);
    assert_eq!(
        tips[0].evidence.text,
        "since your first session with a project CLAUDE.md (5 sessions, against 5 before): \
         follow-ups per prompt 20% -> 10%, rejected edits 20% -> 0%, edit batches followed by \
         tests 50% -> 100%"
    );
    assert!(tips[0].next_step.starts_with("keep the CLAUDE.md current"));
    assert_eq!(
        rules(&coaching(
            &Tally::default(),
            &Tally::default(),
            None,
            Some(&effect)
        )),
        vec![Rule::ClaudeMdEffect]
    );
}

#[test]
fn at_most_three_tips_in_priority_order_one_per_component() {
    // Fires: bypass (safety), verify, review (judgement), clarity, context, add CLAUDE.md (safety),
    // compactions. The first three by priority are returned.
    let everything = Tally {
        prompts_mode_default: 20,
        prompts_mode_bypass_permissions: 10,
        verified_batches: 2,
        edits_user_accepted: 20,
        edits_user_rejected: 0,
        clarity_sum: 1_000,
        prompts_with_file_refs: 2,
        sessions_claude_md_project: 0,
        compactions: 8,
        ..clean()
    };
    assert_eq!(
        alone(everything),
        vec![Rule::BypassPermissions, Rule::VerifyEdits, Rule::ReviewEdits]
    );
    // Without bypass, verification and review: clarity, context, add CLAUDE.md.
    let fewer = Tally {
        prompts_mode_default: 30,
        prompts_mode_bypass_permissions: 0,
        verified_batches: 14,
        edits_user_accepted: 18,
        edits_user_rejected: 2,
        ..everything
    };
    assert_eq!(
        alone(fewer),
        vec![Rule::Clarity, Rule::Context, Rule::AddClaudeMd]
    );
    // Bypass and "add a CLAUDE.md" are both safety: only the first is kept, so compactions comes next.
    let safety_twice = Tally {
        prompts_mode_default: 20,
        prompts_mode_bypass_permissions: 10,
        sessions_claude_md_project: 0,
        compactions: 4,
        ..clean()
    };
    assert_eq!(
        alone(safety_twice),
        vec![Rule::BypassPermissions, Rule::Compactions]
    );
    // The CLAUDE.md insight takes its place between clarity and context.
    let effect = ClaudeMdEffect::from_summaries(&history(5, 5)).unwrap();
    assert_eq!(
        rules(&coaching(&fewer, &Tally::default(), None, Some(&effect))),
        vec![Rule::Clarity, Rule::ClaudeMdEffect, Rule::Context]
    );
}

#[test]
fn no_tip_without_enough_data() {
    let thin = Tally {
        sessions: 2,
        verified_batches: 0,
        ..clean()
    };
    assert_eq!(alone(thin), vec![]);
}

#[test]
fn org_distribution_quartiles_by_hand_and_order_independent() {
    // Verified shares 20%, 40%, 60%, 80% (4, 8, 12, 16 of 20): positions (n-1)*p = 0.75, 1.5, 2.25:
    // p25 = 0.2 + 0.75*0.2 = 0.35, median = 0.5, p75 = 0.6 + 0.25*0.2 = 0.65.
    // A fifth member without enough data (2 sessions) is not counted.
    let members = [
        Tally {
            verified_batches: 12,
            ..clean()
        },
        Tally {
            verified_batches: 4,
            ..clean()
        },
        Tally {
            sessions: 2,
            verified_batches: 0,
            ..clean()
        },
        Tally {
            verified_batches: 16,
            ..clean()
        },
        Tally {
            verified_batches: 8,
            ..clean()
        },
    ];
    let org = OrgDistribution::from_members(&members);
    assert_eq!(org.members, 4);
    let q = org.quartiles(Metric::VerifiedShare).unwrap();
    assert_eq!(q.members, 4);
    assert!((q.p25 - 0.35).abs() < 1e-12, "{}", q.p25);
    assert!((q.median - 0.5).abs() < 1e-12, "{}", q.median);
    assert!((q.p75 - 0.65).abs() < 1e-12, "{}", q.p75);
    let mut reversed = members;
    reversed.reverse();
    assert_eq!(OrgDistribution::from_members(&reversed), org);

    // A habit only two members have evidence for is not compared with (fewer than 3).
    let sparse = OrgDistribution::from_members(&[
        Tally {
            edits_user_accepted: 0,
            edits_user_rejected: 0,
            ..clean()
        },
        clean(),
        clean(),
    ]);
    assert_eq!(sparse.median(Metric::RejectedShare), None);
    assert!(sparse.median(Metric::MeanClarity).is_some());
    let json = serde_json::to_value(&org).unwrap();
    assert!(serde_json::from_value::<OrgDistribution>(json).is_ok());
}

#[test]
fn coaching_is_deterministic_and_round_trips() {
    let t = Tally {
        verified_batches: 3,
        clarity_sum: 1_000,
        ..hand_worked()
    };
    let a = coaching(&t, &clean(), None, None);
    assert_eq!(a, coaching(&t, &clean(), None, None));
    let json = serde_json::to_value(&a).unwrap();
    assert_eq!(json[0]["rule"], "verify_edits");
    assert_eq!(json[0]["component"], "verification");
    let back: Vec<Tip> = serde_json::from_value(json.clone()).unwrap();
    assert_eq!(back, a);
    let mut extra = json;
    extra[0]["person"] = "x".into();
    assert!(serde_json::from_value::<Vec<Tip>>(extra).is_err());
}
