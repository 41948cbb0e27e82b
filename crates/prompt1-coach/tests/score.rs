//! The proficiency score on crafted inputs. Expected values are worked out by hand in the comments.

mod common;

use common::{clean, hand_worked, session};
use prompt1_coach::score::{combine, component, MIN_PROMPTS, MIN_SESSIONS};
use prompt1_coach::{
    latest_revisions, proficiency, tally_window, ComponentKind, DayWindow, Proficiency, Shortfall, Tally,
};

fn values(p: &Proficiency) -> Vec<(ComponentKind, Option<u8>, u8)> {
    p.components.iter().map(|c| (c.kind, c.value, c.weight)).collect()
}

#[test]
fn hand_worked_score() {
    // See common::hand_worked for the arithmetic.
    let p = proficiency(&hand_worked());
    assert_eq!(p.shortfall, None);
    assert_eq!(
        values(&p),
        vec![
            (ComponentKind::Clarity, Some(65), 25),
            (ComponentKind::Context, Some(75), 15),
            (ComponentKind::Verification, Some(59), 25),
            (ComponentKind::Safety, Some(85), 15),
            (ComponentKind::Judgement, Some(100), 10),
            (ComponentKind::Efficiency, Some(94), 10),
        ]
    );
    assert_eq!(p.score, Some(74));
    let verification = &p.components[2];
    assert_eq!(
        verification.evidence.text,
        "tests ran after 10 of 20 edit batches (50%); 10 test, 4 lint and 2 build runs"
    );
    assert!(!verification.to_raise.is_empty());
}

#[test]
fn a_component_without_evidence_is_left_out_and_the_weights_renormalised() {
    // No edit decided by the person: judgement has no value. The other five weigh 90:
    // (25*65 + 15*75 + 25*59 + 15*85 + 10*94) / 90 = 6440 / 90 = 71.56 -> 72.
    let t = Tally {
        edits_user_accepted: 0,
        edits_user_rejected: 0,
        ..hand_worked()
    };
    let p = proficiency(&t);
    assert_eq!(p.components[4].kind, ComponentKind::Judgement);
    assert_eq!(p.components[4].value, None);
    assert_eq!(p.score, Some(72));
    // 4 decisions are below the minimum of 5 as well; 5 decisions count.
    let four = Tally {
        edits_user_accepted: 3,
        edits_user_rejected: 1,
        ..hand_worked()
    };
    assert_eq!(proficiency(&four).components[4].value, None);
    let five = Tally {
        edits_user_accepted: 4,
        edits_user_rejected: 1,
        ..hand_worked()
    };
    // 1 of 5 rejected = 20%: inside the healthy band.
    assert_eq!(proficiency(&five).components[4].value, Some(100));
}

#[test]
fn judgement_rewards_reviewing_and_sometimes_rejecting() {
    // (accepted, rejected) -> hand-computed value:
    //   0% rejected: 50; 2.5%: 50 + 50 * 0.025 / 0.05 = 75; 10% and 30%: 100;
    //   65%: 100 - 60 * (0.65 - 0.30) / 0.70 = 70; 100%: 40.
    for (accepted, rejected, want) in [
        (40, 0, 50),
        (39, 1, 75),
        (36, 4, 100),
        (28, 12, 100),
        (14, 26, 70),
        (0, 40, 40),
    ] {
        let t = Tally {
            edits_user_accepted: accepted,
            edits_user_rejected: rejected,
            ..hand_worked()
        };
        assert_eq!(
            component(ComponentKind::Judgement, &t).value,
            Some(want),
            "{accepted} accepted, {rejected} rejected"
        );
    }
}

#[test]
fn safety_counts_modes_and_claude_md() {
    // 40 prompts in bypassPermissions: modes 0; no CLAUDE.md: 0 -> safety 0.
    let reckless = Tally {
        prompts_mode_default: 0,
        prompts_mode_accept_edits: 0,
        prompts_mode_bypass_permissions: 40,
        sessions_claude_md_project: 0,
        sessions_claude_md_user: 0,
        ..hand_worked()
    };
    assert_eq!(component(ComponentKind::Safety, &reckless).value, Some(0));
    // 20 plan + 20 bypass: modes 50; project CLAUDE.md in all 4 sessions: 75 -> 0.7*50 + 0.3*75 = 57.5 -> 58.
    let mixed = Tally {
        prompts_mode_plan: 20,
        prompts_mode_bypass_permissions: 20,
        sessions_claude_md_project: 4,
        ..reckless
    };
    assert_eq!(component(ComponentKind::Safety, &mixed).value, Some(58));
    // No mode recorded at all: the CLAUDE.md part alone, 75.
    let unknown_modes = Tally {
        prompts_mode_plan: 0,
        prompts_mode_bypass_permissions: 0,
        ..mixed
    };
    assert_eq!(component(ComponentKind::Safety, &unknown_modes).value, Some(75));
}

#[test]
fn not_enough_data_exactly_at_the_boundary() {
    assert_eq!((MIN_SESSIONS, MIN_PROMPTS), (3, 20));
    let at = Tally {
        sessions: 3,
        prompts: 20,
        follow_ups: 4,
        clarity_scored: 16,
        ..hand_worked()
    };
    assert!(proficiency(&at).score.is_some());
    assert_eq!(proficiency(&at).shortfall, None);

    let one_session_short = Tally { sessions: 2, ..at };
    let p = proficiency(&one_session_short);
    assert_eq!(p.score, None);
    assert!(p.components.is_empty(), "no component numbers either");
    assert_eq!(
        p.shortfall,
        Some(Shortfall {
            sessions: 2,
            sessions_needed: 3,
            prompts: 20,
            prompts_needed: 20
        })
    );
    assert_eq!(
        p.shortfall.unwrap().describe(),
        "not enough data yet: 2 of 3 interactive sessions and 20 of 20 prompts in the window"
    );

    let one_prompt_short = Tally { prompts: 19, ..at };
    let p = proficiency(&one_prompt_short);
    assert_eq!(p.score, None);
    assert_eq!(p.shortfall.map(|s| (s.sessions, s.prompts)), Some((3, 19)));
}

#[test]
fn scripted_sessions_are_not_scored() {
    // Five scripted sessions of 10 prompts each: nothing counts, so no score.
    let scripted: Vec<_> = (1..=5)
        .map(|k| {
            let mut s = session(k, 0);
            s.interactive = false;
            s
        })
        .collect();
    let t = tally_window(&scripted, DayWindow::ending(common::DAY0, 14));
    assert_eq!(t, Tally::default());
    assert_eq!(proficiency(&t).score, None);
    // Two interactive ones among them are still too few (2 sessions, 20 prompts); a third scores.
    let mut mixed = scripted.clone();
    mixed.push(session(10, 0));
    mixed.push(session(11, 0));
    let w = DayWindow::ending(common::DAY0, 14);
    assert_eq!(proficiency(&tally_window(&mixed, w)).score, None);
    mixed.push(session(12, 0));
    assert!(proficiency(&tally_window(&mixed, w)).score.is_some());
}

#[test]
fn sessions_add_up_to_a_hand_computed_score() {
    // Three sessions like common::session: 30 prompts, 6 follow-ups, clarity 1440/24 = 60,
    // file refs 12/24 = 50% -> 100, verification 6/12 verified and 9/12 checks:
    // 100*(0.7*0.5 + 0.3*0.75) = 57.5 -> 58, safety 0.7*100 + 0.3*(100*0.75) = 92.5 -> 93 (half up),
    // judgement 3/15 = 20% -> 100, efficiency: reuse 72k/84k = 0.857 >= 0.8 -> 100, fresh 18k/30 = 600
    // per prompt -> 100; 100.
    // Score: (25*60 + 15*100 + 25*58 + 15*93 + 10*100 + 10*100) / 100 = (1500+1500+1450+1395+1000+1000)/100
    // = 78.45 -> 78.
    let sessions = [session(1, 0), session(2, 1), session(3, 2)];
    let p = proficiency(&tally_window(&sessions, DayWindow::ending(common::DAY0 + 13, 14)));
    assert_eq!(
        p.components.iter().map(|c| c.value).collect::<Vec<_>>(),
        vec![Some(60), Some(100), Some(58), Some(93), Some(100), Some(100)]
    );
    assert_eq!(p.score, Some(78));
}

#[test]
fn independent_of_the_order_of_sessions_and_stable_under_duplicated_uploads() {
    let mut sessions: Vec<_> = (1..=6).map(|k| session(k, i64::from(k % 3))).collect();
    sessions[2].verified_batches = 0;
    sessions[3].prompts_with_file_refs = 1;
    sessions[4].edits.user_rejected = 0;
    let w = DayWindow::ending(common::DAY0 + 13, 14);
    let reference = proficiency(&tally_window(&sessions, w));
    assert!(reference.score.is_some());

    let mut reversed = sessions.clone();
    reversed.reverse();
    assert_eq!(proficiency(&tally_window(&reversed, w)), reference);
    let mut rotated = sessions.clone();
    rotated.rotate_left(4);
    assert_eq!(proficiency(&tally_window(&rotated, w)), reference);

    // Every upload twice, plus an older revision of one session with other numbers.
    let mut duplicated = sessions.clone();
    duplicated.extend(sessions.iter().cloned());
    let mut older = sessions[0].clone();
    older.prompts = 3;
    older.follow_ups = 0;
    older.clarity_scored = 3;
    older.clarity_sum = 30;
    duplicated
        .iter_mut()
        .filter(|s| s.session_key == older.session_key)
        .for_each(|s| s.revision = 2);
    duplicated.insert(0, older);
    assert_eq!(latest_revisions(&duplicated).len(), 6);
    assert_eq!(proficiency(&tally_window(&duplicated, w)), reference);
}

/// Raises one input of the hand-worked tally step by step and checks the score never falls.
fn never_lowers(name: &str, steps: u64, raise: impl Fn(&mut Tally, u64)) {
    let mut last = 0;
    for k in 0..=steps {
        let mut t = hand_worked();
        raise(&mut t, k);
        let score = proficiency(&t)
            .score
            .unwrap_or_else(|| panic!("{name}: no score at step {k}"));
        assert!(
            score >= last,
            "{name}: score fell from {last} to {score} at step {k}"
        );
        last = score;
    }
}

#[test]
fn raising_a_good_habit_never_lowers_the_score() {
    never_lowers("clarity", 1_120, |t, k| t.clarity_sum += k);
    never_lowers("file refs", 20, |t, k| {
        t.prompts_with_file_refs += k;
        t.file_refs += k;
    });
    never_lowers("verified batches", 10, |t, k| t.verified_batches += k);
    never_lowers("test runs", 40, |t, k| t.test_runs += k);
    never_lowers("plan instead of acceptEdits", 10, |t, k| {
        t.prompts_mode_accept_edits -= k;
        t.prompts_mode_plan += k;
    });
    never_lowers("default instead of bypass", 30, |t, k| {
        t.prompts_mode_default = k;
        t.prompts_mode_bypass_permissions = 30 - k;
    });
    never_lowers("project CLAUDE.md", 2, |t, k| t.sessions_claude_md_project += k);
    never_lowers("user CLAUDE.md", 4, |t, k| t.sessions_claude_md_user = k);
    never_lowers("cache reads", 50, |t, k| t.cache_read_tokens += k * 100_000);
    never_lowers("fewer fresh tokens", 50, |t, k| t.output_tokens -= k * 20_000);
    never_lowers("rejections up to the healthy band", 2, |t, k| {
        t.edits_user_accepted = 20 - k;
        t.edits_user_rejected = k;
    });
    // Hand values for the safety end points: 30 default + 10 acceptEdits: 85 (hand-worked); 10 default, 20 bypass, 10 acceptEdits:
    // modes (1000 + 800) / 40 = 45, 0.7*45 + 0.3*62.5 = 50.25 -> 50.
    let risky = Tally {
        prompts_mode_default: 10,
        prompts_mode_bypass_permissions: 20,
        ..hand_worked()
    };
    assert_eq!(component(ComponentKind::Safety, &risky).value, Some(50));
}

#[test]
fn the_score_is_monotonic_in_each_component_value() {
    let base = clean();
    for kind in ComponentKind::ALL {
        for others in [0u8, 37, 100] {
            let mut last = 0;
            for v in 0..=100u8 {
                let components: Vec<_> = ComponentKind::ALL
                    .iter()
                    .map(|k| {
                        let mut c = component(*k, &base);
                        c.value = Some(if *k == kind { v } else { others });
                        c
                    })
                    .collect();
                let score = combine(&components).unwrap();
                assert!(score >= last, "{kind:?} at {v} with others at {others}");
                last = score;
            }
            assert_eq!(
                last,
                ((100 * u32::from(kind.weight()) + u32::from(others) * (100 - u32::from(kind.weight())))
                    as f64
                    / 100.0)
                    .round() as u8
            );
        }
    }
}

#[test]
fn proficiency_round_trips_and_refuses_unknown_fields() {
    let p = proficiency(&hand_worked());
    let json = serde_json::to_value(&p).unwrap();
    assert_eq!(json["score"], 74);
    assert_eq!(json["components"][0]["kind"], "clarity");
    assert_eq!(json["components"][0]["weight"], 25);
    assert!(json["components"][0]["evidence"]["figures"].is_array());
    let back: Proficiency = serde_json::from_value(json.clone()).unwrap();
    assert_eq!(back, p);
    let mut extra = json;
    extra["rank"] = 1.into();
    assert!(serde_json::from_value::<Proficiency>(extra).is_err());
    let none = serde_json::to_value(proficiency(&Tally::default())).unwrap();
    assert_eq!(none["score"], serde_json::Value::Null);
    assert_eq!(none["shortfall"]["sessions_needed"], 3);
}
