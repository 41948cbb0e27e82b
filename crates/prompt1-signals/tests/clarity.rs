//! The clarity rubric against labelled pairs (`tests/fixtures/clarity_pairs.txt`), follow-up
//! detection, bounds, determinism, the JSON shape and hostile input.
//!
//! `cargo test -p prompt1-signals --test clarity -- --nocapture` prints the pass rates.

use prompt1_signals::clarity::{self, describe, ClarityParts, PromptAssessment};

const PAIRS: &str = include_str!("fixtures/clarity_pairs.txt");

#[derive(Debug, PartialEq, Eq, Clone, Copy)]
enum Kind {
    /// The vaguer prompt is the longer one.
    LongVague,
    /// The clearer prompt is the longer one.
    ClearLonger,
}

struct Pair {
    id: String,
    kind: Kind,
    /// The issue-11 group (`both-files`, `no-files`, `stuffed`, `paste`), if any.
    group: Option<String>,
    clearer: String,
    vaguer: String,
}

fn pairs() -> Vec<Pair> {
    struct Open {
        id: String,
        kind: Kind,
        group: Option<String>,
        clearer: Vec<String>,
        vaguer: Vec<String>,
        section: u8,
    }
    fn close(open: Open, out: &mut Vec<Pair>) {
        let join = |lines: &[String]| lines.join("\n").trim().to_string();
        let (clearer, vaguer) = (join(&open.clearer), join(&open.vaguer));
        assert!(
            !clearer.is_empty() && !vaguer.is_empty(),
            "pair {} has an empty prompt",
            open.id
        );
        out.push(Pair {
            id: open.id,
            kind: open.kind,
            group: open.group,
            clearer,
            vaguer,
        });
    }
    let mut out = Vec::new();
    let mut open: Option<Open> = None;
    for line in PAIRS.lines() {
        if let Some(header) = line.strip_prefix("=== ") {
            if let Some(o) = open.take() {
                close(o, &mut out);
            }
            let mut fields = header.split_whitespace();
            let id = fields.next().expect("pair id").to_string();
            let kind = match fields.next() {
                Some("long-vague") => Kind::LongVague,
                Some("clear-longer") => Kind::ClearLonger,
                other => panic!("pair {id}: unknown kind {other:?}"),
            };
            let _stack = fields.next();
            let group = fields.next().map(str::to_string);
            if let Some(g) = &group {
                assert!(
                    ["both-files", "no-files", "stuffed", "paste"].contains(&g.as_str()),
                    "pair {id}: unknown group {g}"
                );
            }
            open = Some(Open {
                id,
                kind,
                group,
                clearer: Vec::new(),
                vaguer: Vec::new(),
                section: 0,
            });
            continue;
        }
        let Some(o) = open.as_mut() else { continue };
        match line {
            "> clearer" => o.section = 1,
            "> vaguer" => o.section = 2,
            _ if o.section == 1 => o.clearer.push(line.to_string()),
            _ if o.section == 2 => o.vaguer.push(line.to_string()),
            _ => assert!(
                line.trim().is_empty(),
                "pair {}: text before a section marker",
                o.id
            ),
        }
    }
    if let Some(o) = open.take() {
        close(o, &mut out);
    }
    out
}

fn score(prompt: &str) -> u8 {
    match clarity::assess(prompt) {
        PromptAssessment::Scored { score, .. } => score,
        PromptAssessment::FollowUp => panic!("a fixture prompt was taken for a follow-up: {prompt:?}"),
    }
}

fn percent(n: usize, of: usize) -> f64 {
    100.0 * n as f64 / of as f64
}

#[test]
fn fixture_is_well_formed() {
    let pairs = pairs();
    assert!(pairs.len() >= 100, "at least 100 pairs, got {}", pairs.len());
    let long_vague = pairs.iter().filter(|p| p.kind == Kind::LongVague).count();
    let clear_longer = pairs.iter().filter(|p| p.kind == Kind::ClearLonger).count();
    assert!(long_vague >= 50, "at least 50 long-vague pairs, got {long_vague}");
    assert!(clear_longer > 0, "some pairs where the clearer prompt is longer");
    let mut ids: Vec<&str> = pairs.iter().map(|p| p.id.as_str()).collect();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), pairs.len(), "pair ids are unique");
    for p in &pairs {
        let (c, v) = (p.clearer.chars().count(), p.vaguer.chars().count());
        match p.kind {
            Kind::LongVague => assert!(v > c, "pair {}: labelled long-vague but {v} <= {c} chars", p.id),
            Kind::ClearLonger => assert!(c > v, "pair {}: labelled clear-longer but {c} <= {v} chars", p.id),
        }
    }
}

/// (1) the rubric ranks the clearer prompt strictly higher on >= 90% of all pairs and of the
/// long-vague half; (2) "longer is clearer" does no better than chance on the long-vague half.
#[test]
fn rubric_ranks_the_clearer_prompt_higher() {
    let pairs = pairs();
    let mut wins = [0usize; 2];
    let mut totals = [0usize; 2];
    let mut length_wins = [0usize; 2];
    let mut misses = Vec::new();
    for p in &pairs {
        let k = usize::from(p.kind == Kind::ClearLonger);
        totals[k] += 1;
        let (c, v) = (score(&p.clearer), score(&p.vaguer));
        if c > v {
            wins[k] += 1;
        } else {
            misses.push(format!("{} ({:?}): clearer {c} <= vaguer {v}", p.id, p.kind));
        }
        if p.clearer.chars().count() > p.vaguer.chars().count() {
            length_wins[k] += 1;
        }
    }
    let all_wins = wins[0] + wins[1];
    let all = pairs.len();
    println!(
        "rubric: {all_wins}/{all} pairs ({:.1}%); long-vague {}/{} ({:.1}%); clear-longer {}/{} ({:.1}%)",
        percent(all_wins, all),
        wins[0],
        totals[0],
        percent(wins[0], totals[0]),
        wins[1],
        totals[1],
        percent(wins[1], totals[1]),
    );
    println!(
        "length-only baseline: long-vague {}/{} ({:.1}%); all {}/{all} ({:.1}%)",
        length_wins[0],
        totals[0],
        percent(length_wins[0], totals[0]),
        length_wins[0] + length_wins[1],
        percent(length_wins[0] + length_wins[1], all),
    );
    for m in &misses {
        println!("miss: {m}");
    }
    assert!(
        all_wins * 10 >= all * 9,
        "rubric below 90% on all pairs: {all_wins}/{all}"
    );
    assert!(
        wins[0] * 10 >= totals[0] * 9,
        "rubric below 90% on long-vague pairs: {}/{}",
        wins[0],
        totals[0]
    );
    assert!(
        length_wins[0] * 2 <= totals[0],
        "length alone does better than chance on long-vague pairs"
    );
}

/// A simple baseline's verdict on a pair: 1 when it prefers the clearer prompt, 0.5 on a tie (a
/// coin flip), 0 when it prefers the vaguer one.
fn baseline_points(p: &Pair, feature: impl Fn(&str) -> usize) -> f64 {
    match feature(&p.clearer).cmp(&feature(&p.vaguer)) {
        std::cmp::Ordering::Greater => 1.0,
        std::cmp::Ordering::Equal => 0.5,
        std::cmp::Ordering::Less => 0.0,
    }
}

/// A prompt's feature a baseline compares.
type Feature = fn(&str) -> usize;

/// "Has a backtick or a file name": the one-line check that orders 97% of the older pairs.
fn has_backtick_or_file(prompt: &str) -> usize {
    usize::from(prompt.contains('`') || prompt_file_refs(prompt) > 0)
}

fn prompt_file_refs(prompt: &str) -> usize {
    prompt1_signals::files::count_file_refs(prompt) as usize
}

/// How often the words a keyword-stuffer reaches for appear.
fn constraint_keywords(prompt: &str) -> usize {
    prompt
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| {
            [
                "test", "tests", "tested", "verify", "verified", "must", "ensure", "sure",
            ]
            .contains(&w.to_lowercase().as_str())
        })
        .count()
}

/// Issue 11: on the pairs built to defeat simple checks (both or neither prompt names a file, the
/// vaguer one is longer, stuffed with "test"/"verify"/"must", or a pasted error with "fix this"),
/// the rubric orders at least 85% right and beats each simple baseline by at least 20 points.
#[test]
fn rubric_beats_simple_baselines_on_the_hard_pairs() {
    let pairs: Vec<Pair> = pairs().into_iter().filter(|p| p.group.is_some()).collect();
    assert!(pairs.len() >= 40, "{} hard pairs", pairs.len());
    for group in ["both-files", "no-files", "stuffed", "paste"] {
        let n = pairs.iter().filter(|p| p.group.as_deref() == Some(group)).count();
        assert!(n >= 7, "{group}: {n} pairs");
    }
    let n = pairs.len() as f64;
    let mut misses = Vec::new();
    let rubric = pairs
        .iter()
        .filter(|p| {
            let (c, v) = (score(&p.clearer), score(&p.vaguer));
            if c <= v {
                misses.push(format!("{} {:?}: clearer {c} <= vaguer {v}", p.id, p.group));
            }
            c > v
        })
        .count() as f64
        * 100.0
        / n;
    let baselines: [(&str, Feature); 3] = [
        ("backtick or file name", has_backtick_or_file),
        ("length", |p: &str| p.chars().count()),
        ("test/verify/must keywords", constraint_keywords),
    ];
    println!("rubric: {rubric:.1}% of {n} hard pairs");
    for m in &misses {
        println!("miss: {m}");
    }
    for (name, feature) in baselines {
        let points: f64 = pairs.iter().map(|p| baseline_points(p, feature)).sum();
        let base = points * 100.0 / n;
        println!("baseline {name}: {base:.1}%");
        assert!(
            rubric >= base + 20.0,
            "rubric {rubric:.1}% does not beat \"{name}\" ({base:.1}%) by 20 points"
        );
    }
    assert!(
        rubric >= 85.0,
        "rubric orders only {rubric:.1}% of the hard pairs right"
    );
}

/// Long prompts are not rewarded for length: repeating a precise prompt does not raise its score,
/// and padding it with filler lowers it.
#[test]
fn length_alone_earns_nothing() {
    let precise =
        "In `src/parser.rs`, `parse_header()` panics on empty input; return `Err(ParseError::Empty)` \
                   instead and add a unit test.";
    let base = score(precise);
    let twice = score(&format!("{precise}\n{precise}"));
    let ten = score(&[precise; 10].join("\n"));
    assert!(
        twice <= base && ten <= base,
        "repetition raised the score: {base} -> {twice}, {ten}"
    );
    let filler = " We have been looking at this part of the code for a while now and the team would like \
                  to get it sorted before the next release goes out to the users who depend on it.";
    let padded = score(&format!("{precise}{}", filler.repeat(4)));
    assert!(
        padded < base,
        "filler did not lower the score: {base} -> {padded}"
    );
}

/// (3) follow-up detection on a labelled list.
#[test]
fn follow_ups_are_detected() {
    let follow_ups = [
        "yes",
        "y",
        "Yes!",
        "go on",
        "ok",
        "OK.",
        "okay",
        "continue",
        "Continue.",
        "do it",
        "sounds good",
        "Sounds good!",
        "lgtm",
        "LGTM 👍",
        "1",
        "2",
        "option 2",
        "thanks",
        "thank you!",
        "try again",
        "yes please",
        "go ahead",
        "Yes, go ahead.",
        "keep going",
        "proceed",
        "sure",
        "yep",
        "no",
        "nope",
        "👍",
        "",
        "   ",
        "...",
        "perfect, thanks",
        "yes, do that",
        "ship it",
        "let's do it",
        "Let’s go",
        "sounds good, go ahead",
        "the first one",
        "go with option 1",
        "that works",
        "stop",
        "retry",
        "yes please go ahead and do that thanks",
    ];
    let scored = [
        "fix it",
        "make it better",
        "yes but use tabs instead of spaces",
        "add a test",
        "run cargo test",
        "no, use `Vec<u8>` instead",
        "continue with the migration in db/003.sql",
        "why?",
        "1. add tests 2. fix lint",
        "try again with --release",
        "undo that",
        "explain",
        "go on, and also rename `foo` to `bar`",
        "ok now add pagination to the users endpoint",
        "yes please go ahead and do that thanks again",
        "123",
        "é",
    ];
    let mut wrong = Vec::new();
    for p in follow_ups {
        if clarity::assess(p) != PromptAssessment::FollowUp {
            wrong.push(format!("{p:?} should be a follow-up"));
        }
    }
    for p in scored {
        if clarity::assess(p) == PromptAssessment::FollowUp {
            wrong.push(format!("{p:?} should be scored"));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

fn corpus() -> Vec<String> {
    let mut all: Vec<String> = pairs().into_iter().flat_map(|p| [p.clearer, p.vaguer]).collect();
    all.extend(
        [
            "fix it",
            "```\nfn main() {}\n```",
            "`a` `b` `c` `d` `e` `f` `g` `h` must without keep only instead so that tests pass -> \"x\" \
             KeyError: error[E0001]: ```x```",
            "something somehow stuff whatever etc maybe i think kind of a bit doesn't work make it better",
        ]
        .map(String::from),
    );
    all
}

/// (4) score bounds, parts within their maxima, the score equal to the parts' sum, determinism.
#[test]
fn scores_are_bounded_consistent_and_deterministic() {
    for prompt in corpus() {
        let first = clarity::assess(&prompt);
        assert_eq!(first, clarity::assess(&prompt), "not deterministic");
        let PromptAssessment::Scored { score, parts } = first else {
            continue;
        };
        assert!(score <= 100);
        assert!(parts.specific_goal <= clarity::GOAL_MAX);
        assert!(parts.concrete_references <= clarity::REFERENCES_MAX);
        assert!(parts.constraints <= clarity::CONSTRAINTS_MAX);
        assert!(parts.errors_or_examples <= clarity::EVIDENCE_MAX);
        assert!(parts.vague_phrasing_penalty <= clarity::VAGUE_MAX);
        assert!(parts.unfocused_length_penalty <= clarity::UNFOCUSED_MAX);
        let sum = i32::from(parts.specific_goal)
            + i32::from(parts.concrete_references)
            + i32::from(parts.constraints)
            + i32::from(parts.errors_or_examples)
            - i32::from(parts.vague_phrasing_penalty)
            - i32::from(parts.unfocused_length_penalty);
        assert_eq!(i32::from(score), sum.clamp(0, 100));
    }
    assert_eq!(
        clarity::GOAL_MAX + clarity::REFERENCES_MAX + clarity::CONSTRAINTS_MAX + clarity::EVIDENCE_MAX,
        100
    );
}

/// (5) the JSON shape printed by `prompt1 clarity --json`.
#[test]
fn json_shape() {
    let follow_up = serde_json::to_value(clarity::assess("yes")).expect("json");
    assert_eq!(follow_up, serde_json::json!({"kind": "follow_up"}));

    let prompt = "Fix the off-by-one in `paginate()` in src/pagination.rs: page 2 must start at item 10.";
    let assessment = clarity::assess(prompt);
    let PromptAssessment::Scored { score, parts } = assessment else {
        panic!("scored")
    };
    let value = serde_json::to_value(assessment).expect("json");
    let object = value.as_object().expect("object");
    assert_eq!(object.len(), 2, "{value}");
    assert_eq!(value["score"], serde_json::json!(score));
    let expected_parts = serde_json::json!({
        "specific_goal": parts.specific_goal,
        "concrete_references": parts.concrete_references,
        "constraints": parts.constraints,
        "errors_or_examples": parts.errors_or_examples,
        "vague_phrasing_penalty": parts.vague_phrasing_penalty,
        "unfocused_length_penalty": parts.unfocused_length_penalty,
    });
    assert_eq!(value["parts"], expected_parts);
    for (_, v) in value["parts"].as_object().expect("parts") {
        assert!(v.is_u64(), "parts are numbers: {value}");
    }
    let text = serde_json::to_string(&assessment).expect("json");
    assert!(
        !text.contains("paginate") && !text.contains("off-by-one"),
        "no prompt text in the JSON"
    );
}

#[test]
fn describe_lists_every_part_and_never_echoes_the_prompt() {
    let canary = "zqxcanary";
    for prompt in [
        format!("Fix `{canary}()` in src/{canary}.rs so that tests pass; \"{canary}\" -> 1"),
        format!("{canary} something somehow doesn't work, fix it, maybe {canary}"),
        format!("{canary} {}", "word ".repeat(200)),
    ] {
        let assessment = clarity::assess(&prompt);
        let text = describe(&assessment);
        assert!(!text.contains(canary), "{text}");
        let PromptAssessment::Scored { score, parts } = assessment else {
            panic!("scored")
        };
        assert!(text.starts_with(&format!("clarity {score}/100\n")), "{text}");
        for (name, points) in [
            ("specific goal", parts.specific_goal),
            ("concrete references", parts.concrete_references),
            ("constraints", parts.constraints),
            ("errors or examples", parts.errors_or_examples),
        ] {
            let line = text
                .lines()
                .find(|l| l.trim_start().starts_with(name))
                .expect(name);
            assert!(line.contains(&format!("{points}/")), "{line}");
        }
        for (name, points) in [
            ("vague phrasing", parts.vague_phrasing_penalty),
            ("unfocused length", parts.unfocused_length_penalty),
        ] {
            let line = text
                .lines()
                .find(|l| l.trim_start().starts_with(name))
                .expect(name);
            assert!(line.contains(&format!("-{points}")), "{line}");
        }
    }
    let follow_up = describe(&PromptAssessment::FollowUp);
    assert!(
        follow_up.contains("follow-up") && follow_up.contains("not scored"),
        "{follow_up}"
    );
}

#[test]
fn one_line_fence_does_not_swallow_the_rest() {
    let prompt = "```cargo test```\nFix `parse()` in src/a.rs so that it returns `None` on empty input.";
    let PromptAssessment::Scored { parts, .. } = clarity::assess(prompt) else {
        panic!("scored")
    };
    assert_eq!(parts.specific_goal, clarity::GOAL_MAX, "{parts:?}");
    assert!(parts.errors_or_examples > 0, "{parts:?}");
    let unclosed = "```\nFix `parse()` in src/a.rs";
    let PromptAssessment::Scored { parts, .. } = clarity::assess(unclosed) else {
        panic!("scored")
    };
    assert_eq!(
        parts.specific_goal, 0,
        "an unclosed fence is code to the end: {parts:?}"
    );
}

#[test]
fn parts_default_scores_zero() {
    assert_eq!(ClarityParts::default().score(), 0);
}

/// Pure and linear: hostile input neither panics nor takes long.
#[test]
fn hostile_input() {
    let mb = 1 << 20;
    let inputs = [
        "a".repeat(mb),
        " ".repeat(mb),
        "`".repeat(mb),
        "` ".repeat(mb / 2),
        "```\n".repeat(mb / 4),
        "\"".repeat(mb),
        "'".repeat(mb),
        "?".repeat(mb),
        ".".repeat(mb),
        "é".repeat(mb / 2),
        "\u{0}\u{1}\u{1b}[31m\u{7f}\u{202e}\u{feff}\u{fffd}".repeat(mb / 16),
        "fix it ".repeat(mb / 7),
        "make ".repeat(mb / 5),
        "expected ".repeat(mb / 9),
        "a.rs ".repeat(mb / 5),
        "x_1 ".repeat(mb / 4),
        "-> ".repeat(mb / 3),
        "--a ".repeat(mb / 4),
        (0..mb / 8).map(|i| format!("w{i} ")).collect::<String>(),
        "\n".repeat(mb),
        "🦀".repeat(mb / 4),
    ];
    let started = std::time::Instant::now();
    for input in &inputs {
        let a = clarity::assess(input);
        if let PromptAssessment::Scored { score, .. } = a {
            assert!(score <= 100);
        }
        let _ = describe(&a);
        let _ = serde_json::to_string(&a).expect("json");
    }
    // generous bound for an unoptimized build on a busy machine; quadratic behaviour would take minutes
    assert!(started.elapsed().as_secs() < 60, "took {:?}", started.elapsed());
}
