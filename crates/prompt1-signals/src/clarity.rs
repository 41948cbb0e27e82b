//! The prompt clarity rubric.
//!
//! This comment is the single source of truth for the rubric: every weight and rule below is what
//! [`assess`] does, and nothing else is. A prompt is read, turned into numbers and dropped; no text
//! leaves these functions.
//!
//! # Follow-ups (not scored)
//!
//! A prompt is a **follow-up** when, after lower-casing it and cutting it into words at every
//! character that is not a letter or a digit (`let's` gives `let`, `s`), it has **at most 8 words
//! and every word is in [`FOLLOW_UP_WORDS`]** or is a number of at most two digits (`1`, `option 2`).
//! So `yes`, `go on`, `ok`, `continue`, `do it`, `sounds good`, `lgtm`, `1`, `y`, `thanks`,
//! `try again`, `yes please, go ahead` are follow-ups; `fix it`, `yes but use tabs`, `why?`,
//! `continue with the migration` are scored. A prompt with no word at all (empty, only punctuation or
//! emoji: `👍`) is a follow-up. Follow-ups are counted apart and never scored.
//!
//! # Reading the prompt
//!
//! Fenced code blocks (from a line starting with ```` ``` ```` or `~~~` to the next such line, or a
//! single line that opens and closes one) are set apart: they are evidence (below) and their
//! content is not read as prose. So is **pasted output**, unfenced: a line (after its indentation)
//! that starts with error text (`KeyError:`, `error[E0502]:`, `panic:`, `ERROR`, `FAIL`, `FAILED`,
//! `●`), with `Traceback (`, `File "`, `-->`, `|`, `= `, `^`, `~~`, `thread '`, `goroutine `,
//! `stack backtrace`, `note:`, `help:`, `warning:`, `Caused by:`, `created by `, `Found ` and a
//! digit, `at ` with a `(` and a `:` (a stack frame), a number followed by `:`, `|` or two spaces (a
//! numbered frame, a source gutter), `#` and a digit (a build step), a rule of four or more `=`,
//! `_` or `-`, pytest's `E` or `>` followed by two spaces, or a `file.ext:LINE` location; and, right
//! after such a line, a line indented by two or more, a line of one word, or any line when the
//! pasted line before it ends with `:`. What a person pastes is evidence, not their own words: the
//! paths and names in a stack trace are no reference they chose, and "fix this" above a trace is
//! still "fix this". In the prose, an inline code span
//! (`` `…` `` on one line) is one token; the rest is cut at whitespace. A sentence ends at a newline
//! or after a token ending in `.`, `!` or `?`; a clause also starts after `,`, `;`, `:` or a dash.
//!
//! # Parts (their maxima add up to 100)
//!
//! **Specific goal, 0-25.** 10 points when the prompt asks for something: a word of
//! [`ACTION_VERBS`] (`add`, `fix`, `rename`, `explain`...) or a `?`. 15 more when one sentence both
//! asks and names its target: it holds a strong reference (below), a code span or a quoted string.
//!
//! **Concrete references, 0-30.** 10 points per distinct strong reference and 5 per distinct weak
//! one (the same text twice counts once), capped at 30: three strong references saturate.
//! * Strong: an inline code span; a file reference (the rules of [`crate::files`]); a URL; an
//!   identifier: `snake_case` or `SCREAMING_CASE`, `camelCase`, a `::` path, a member access `a.b`
//!   (not an abbreviation such as `e.g.`), a call `f(`, a generic `Vec<…>`, an index `a[`, an
//!   attribute `#[…]`, `$VAR`, `@name`; a CLI flag `--x`; an error code (1-4 capitals then 2-5
//!   digits: `E0502`, `TS2345`); a route `/x`; an issue `#12`, a CSS `#id` or `.class`; a line
//!   number (`L42`, or `line`/`lines` before a number).
//! * Weak: any other token with a digit (`409`, `30s`, `1.2.3`) and a `PascalCase` word with an
//!   inner capital (`UserService`, but also `TypeScript`).
//!
//! **Constraints or acceptance criteria, 0-25.** 10 points per distinct kind, capped at 25, and
//! only when the prose names something concrete (a strong or weak reference, a quoted string or an
//! input → output example): criteria that hold to nothing ("you must test it, verify it and make
//! sure the tests pass") are not criteria, whatever words they use. The kinds:
//! * *must*: `must`, `mustn't`, `shall`;
//! * *without*;
//! * *keep*: `keep`, `keeping`, `preserve`, `preserving`, `retain`, `unchanged`, `intact`,
//!   `identical`, `idempotent`, `compatible`;
//! * *instead*: `instead`, `rather than`;
//! * *only*: `only`, `exactly`, `ignore`, `nothing else`;
//! * *prohibition*: `don't`, `dont`, `do not`, `never`, or `no` followed by a word, each at the start
//!   of a clause or after `and`, `but`, `please`, `just`, `also`, `then`; `avoid` anywhere;
//! * *should*, unless after `I`, `we`, `you`, `they`, `there`, `what`, `which`, `who`;
//! * *so that*: `so that`, `such that`, `so` before a code span;
//! * *tests pass*: `pass`, `passes`, `green`, `succeed`, `succeeds` with one of `test`, `tests`,
//!   `suite`, `ci`, `lint`, `check`, `checks`, `build`, `mypy`, `clippy`, `tsc`, `still`, `must` or a
//!   code span among the six words before;
//! * *assert*: `assert`, `asserts`, `asserting`, `ensure`, `ensures`, `verify`, `make sure`;
//! * *bound*: `most`, `least`, `than`, `max`, `maximum`, `min`, `minimum`, `cap`, `under`, `over`,
//!   `within`, `below`, `above`, `limit`, `to`, `up` right before a number;
//! * *default*: `default`, `defaults`, `defaulting`, `fallback`, `fall back`;
//! * *order*: `order` (not in `in order to`), `sorted`, `ascending`, `descending`;
//! * *exit status*: `exit` or `exits` with a number among the next three words;
//! * *result*: `return`, `returns`, `returning`, `respond`, `responds` right before a number or a
//!   code span.
//!
//! **Error text or examples, 0-20**, the sum capped at 20:
//! * a fenced code block, or pasted output (see "Reading the prompt"): 12;
//! * error text: 12, a token such as `KeyError:`, `TypeError:`, `FooException:`, `error:`,
//!   `error[E0502]:`, `panic:`, `fatal:`, `FAIL:`, `TS2345:`, `Traceback`, `panicked`, in the prose,
//!   in a code span or in a block;
//! * a quoted string (`"…"`, `“…”`, or one `'…'` token) in the prose: 8;
//! * an input → output example: 8, a `->`, `=>` or `→` token in the prose, `expected` then `got`,
//!   `but` or `actual` within twelve words, or `e.g.`, `for example`, `such as` followed within
//!   three words by a code span or a number.
//!
//! # Penalties
//!
//! **Vague phrasing, 0-40 subtracted**, 8 points per vague phrase and 4 per hedge, capped at 40:
//! * vague, 8: `something`, `somehow`, `stuff`, `whatever`, `etc`, `whatnot`, `thingy`, `and so on`,
//!   `you know`;
//! * vague, 8: "doesn't work", that is `work`, `works` or `working` right after `not`, `doesn't`,
//!   `don't`, `didn't`, `isn't`, `won't`, `stopped` or `never` (one of `really`, `quite`, `even`,
//!   `actually` may stand between);
//! * vague, 8: a generic verb on a vague object: `fix`, `improve`, `clean`, `optimize`, `refactor`,
//!   `update`, `tidy`, `sort`, `handle`, `explain`, `check`, `redo`, `debug`, `solve` followed by a
//!   word of [`VAGUE_OBJECTS`] (`fix it`, `clean this`);
//! * `make` followed within four words by a word of [`QUALITY_WORDS`] with no code span among them:
//!   8 when the word after `make` is a vague object (`make it better`), else 4 (`make the page
//!   nicer`);
//! * hedges, 4: `improve` (so `improve it` costs 12); `maybe`, `perhaps`, `probably`, `possibly`;
//!   `I think`, `I guess`, `I feel`, `I suppose`, `I believe`, `I mean`; `not sure`, `no idea`;
//!   `kind of`, `sort of`, `kinda`, `sorta`; `a bit`, `a little`, `a lot`; `basically`, `honestly`,
//!   `really`, `pretty`, `totally`, `literally`, `somewhat`, `overall`, `in general`; `somewhere`,
//!   `thing`, `things`, `some`, `bunch`, `issue`, `issues`, `problem`, `problems`, `properly`;
//!   `broken`, `weird`, `strange`, `wonky`, `janky`, `mess`, `messy`; `wrong` after `is`, `are`,
//!   `looks`, `seems`, `went`, `goes`, `go`, `something` or a word ending in `'s`; `look into`,
//!   `look at`, `take a look`, `have a look`, `figure out`, `go through`, `any ideas`, `or so`;
//!   `would be` followed by `nice`, `great`, `good`, `handy` or `cool`.
//!
//! **Unfocused length, 0-20 subtracted.** Length earns nothing by itself (every part saturates), and
//! a long prompt must pin things down in proportion. With `W` prose words (a code span is one word)
//! and `C` concrete items (distinct strong and weak references, constraint kinds and evidence kinds,
//! uncapped), a prompt of more than 30 words is expected to carry one item per 12 words: when
//! `12·C < W`, the penalty is `20 × (1 − 12·C / W)`, rounded.
//!
//! # Score
//!
//! `score = clamp(goal + references + constraints + evidence − vague − unfocused, 0, 100)`.
//! The same prompt always gets the same score; the work is linear in the prompt's length.

use std::collections::HashSet;
use std::hash::{DefaultHasher, Hash, Hasher};

use serde::ser::SerializeMap;
use serde::{Serialize, Serializer};

use crate::files;

/// Maximum points of the specific-goal part.
pub const GOAL_MAX: u8 = 25;
/// Maximum points of the concrete-references part.
pub const REFERENCES_MAX: u8 = 30;
/// Maximum points of the constraints part.
pub const CONSTRAINTS_MAX: u8 = 25;
/// Maximum points of the error-text-or-examples part.
pub const EVIDENCE_MAX: u8 = 20;
/// Maximum points subtracted for vague phrasing.
pub const VAGUE_MAX: u8 = 40;
/// Maximum points subtracted for unfocused length.
pub const UNFOCUSED_MAX: u8 = 20;

/// Words a follow-up is made of (see the module documentation). Sorted.
#[rustfmt::skip]
pub const FOLLOW_UP_WORDS: &[&str] = &[
    "a", "again", "agree", "agreed", "ahead", "all", "alright", "and", "approve", "approved", "awesome",
    "b", "both", "c", "carry", "cheers", "choice", "continue", "cool", "correct", "d", "do", "done",
    "exactly", "excellent", "fine", "first", "for", "go", "going", "good", "great", "hmm", "it", "k",
    "keep", "kk", "last", "let", "lets", "lg", "lgtm", "looks", "me", "n", "nah", "next", "nice", "no",
    "nope", "not", "now", "of", "ok", "okay", "on", "one", "option", "perfect", "please", "pls", "plz",
    "proceed", "redo", "retry", "right", "s", "same", "second", "ship", "sounds", "stop", "sure", "thank",
    "thanks", "that", "the", "them", "then", "third", "this", "thx", "to", "try", "ty", "use", "wait",
    "with", "works", "y", "ya", "yea", "yeah", "yep", "yes", "yet", "you", "yup",
];

/// Words that ask for something (the goal part). Sorted.
#[rustfmt::skip]
pub const ACTION_VERBS: &[&str] = &[
    "add", "adjust", "allow", "analyze", "annotate", "append", "apply", "assert", "audit", "avoid",
    "backfill", "benchmark", "build", "bump", "cache", "call", "cancel", "cap", "catch", "change", "check",
    "clean", "clear", "clone", "close", "collect", "commit", "compare", "compile", "compute", "configure",
    "confirm", "convert", "copy", "count", "cover", "create", "debounce", "debug", "declare", "decode",
    "define", "delete", "deploy", "deprecate", "derive", "describe", "design", "detect", "diagnose",
    "disable", "display", "document", "downgrade", "drop", "edit", "emit", "enable", "encode", "ensure",
    "escape", "exclude", "execute", "explain", "expose", "extract", "fall", "fetch", "fill", "filter",
    "find", "fix", "flatten", "forbid", "format", "generate", "guard", "handle", "help", "hide",
    "implement", "import", "improve", "include", "increase", "initialize", "inline", "insert", "inspect",
    "install", "introduce", "invalidate", "investigate", "join", "limit", "link", "load", "log", "lower",
    "make", "mark", "measure", "memoize", "merge", "migrate", "mock", "move", "narrow", "normalize", "open",
    "optimize", "paginate", "parse", "patch", "persist", "pin", "poll", "port", "prepend", "prevent",
    "print", "profile", "propagate", "propose", "pull", "push", "query", "raise", "read", "rebase",
    "record", "redirect", "reduce", "refactor", "refresh", "register", "reject", "reload", "remove",
    "rename", "render", "reorder", "replace", "reproduce", "reset", "resolve", "restart", "restore",
    "rethrow", "retry", "return", "reuse", "revert", "review", "rewrite", "rotate", "route", "run",
    "sanitize", "save", "scan", "schedule", "search", "seed", "select", "send", "serialize", "set", "show",
    "simplify", "skip", "sort", "spawn", "speed", "split", "stop", "store", "stream", "strip", "submit",
    "subscribe", "suggest", "summarize", "support", "swap", "switch", "sync", "take", "test", "throw",
    "toggle", "trace", "track", "transform", "translate", "trim", "truncate", "try", "tune", "undo",
    "unwrap", "update", "upgrade", "upload", "use", "validate", "verify", "watch", "wire", "wrap", "write",
];

/// Quality words that say "better" without saying how (after `make`, see the module docs). Sorted.
#[rustfmt::skip]
pub const QUALITY_WORDS: &[&str] = &[
    "better", "clean", "cleaner", "consistent", "faster", "friendly", "good", "happy", "maintainable",
    "modern", "nice", "nicer", "polished", "prettier", "professional", "proper", "properly", "quiet",
    "reasonable", "robust", "safer", "secure", "sensible", "simpler", "smaller", "smarter", "snappier",
    "solid", "stable", "work",
];

/// Vague objects of a generic verb (`fix it`). Sorted.
#[rustfmt::skip]
pub const VAGUE_OBJECTS: &[&str] = &[
    "everything", "it", "stuff", "that", "them", "things", "this", "whatever",
];

/// The rubric's parts for one prompt, in points (penalties as the points subtracted).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct ClarityParts {
    /// Points for a specific goal, 0-25.
    pub specific_goal: u8,
    /// Points for concrete references, 0-30.
    pub concrete_references: u8,
    /// Points for constraints or acceptance criteria, 0-25.
    pub constraints: u8,
    /// Points for error text or examples, 0-20.
    pub errors_or_examples: u8,
    /// Points subtracted for vague phrasing, 0-40.
    pub vague_phrasing_penalty: u8,
    /// Points subtracted for unfocused length, 0-20.
    pub unfocused_length_penalty: u8,
}

impl ClarityParts {
    /// The score these parts make: positives minus penalties, clamped to 0-100.
    pub fn score(&self) -> u8 {
        let positive = i32::from(self.specific_goal)
            + i32::from(self.concrete_references)
            + i32::from(self.constraints)
            + i32::from(self.errors_or_examples);
        let penalty = i32::from(self.vague_phrasing_penalty) + i32::from(self.unfocused_length_penalty);
        u8::try_from((positive - penalty).clamp(0, 100)).unwrap_or(0)
    }
}

/// What the rubric says of one prompt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PromptAssessment {
    /// A short follow-up ("yes", "go on"): counted apart, not scored.
    FollowUp,
    /// A scored prompt.
    Scored {
        /// 0-100.
        score: u8,
        /// How the score was made.
        parts: ClarityParts,
    },
}

impl PromptAssessment {
    /// The score, `None` for a follow-up.
    pub fn score(&self) -> Option<u8> {
        match self {
            PromptAssessment::FollowUp => None,
            PromptAssessment::Scored { score, .. } => Some(*score),
        }
    }
}

/// `{"score": N, "parts": {...}}` for a scored prompt, `{"kind": "follow_up"}` for a follow-up.
impl Serialize for PromptAssessment {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            PromptAssessment::FollowUp => {
                let mut map = serializer.serialize_map(Some(1))?;
                map.serialize_entry("kind", "follow_up")?;
                map.end()
            }
            PromptAssessment::Scored { score, parts } => {
                let mut map = serializer.serialize_map(Some(2))?;
                map.serialize_entry("score", score)?;
                map.serialize_entry("parts", parts)?;
                map.end()
            }
        }
    }
}

/// Scores one prompt (see the module documentation for the rubric).
pub fn assess(prompt: &str) -> PromptAssessment {
    if is_follow_up(prompt) {
        return PromptAssessment::FollowUp;
    }
    let parts = Analysis::of(prompt).parts();
    PromptAssessment::Scored {
        score: parts.score(),
        parts,
    }
}

/// Whether `prompt` is a short follow-up (see the module documentation for the exact rule).
pub fn is_follow_up(prompt: &str) -> bool {
    let mut words = 0;
    for word in prompt
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
    {
        words += 1;
        if words > 8 {
            return false;
        }
        let short_number = word.len() <= 2 && word.bytes().all(|b| b.is_ascii_digit());
        if short_number {
            continue;
        }
        if word.len() > 16 || !in_sorted(FOLLOW_UP_WORDS, &word.to_lowercase()) {
            return false;
        }
    }
    true
}

/// The human-readable lines of `prompt1 clarity`: the score, then each part with its points and a
/// short reason. Never contains the prompt's text.
pub fn describe(assessment: &PromptAssessment) -> String {
    let parts = match assessment {
        PromptAssessment::FollowUp => {
            return "follow-up: a short reply such as \"yes\" or \"go on\"; counted apart, not scored\n"
                .to_string();
        }
        PromptAssessment::Scored { parts, .. } => parts,
    };
    let goal = match parts.specific_goal {
        0 => "no request or question found: say what you want done",
        p if p >= GOAL_MAX => "asks for something and names its target",
        _ => "asks for something but the same sentence names no file, symbol or quoted text",
    };
    let references = match parts.concrete_references {
        0 => "none: name the files, functions, symbols, lines or URLs concerned",
        p if p >= REFERENCES_MAX => "enough distinct files, symbols, lines or URLs to act on",
        _ => "a few: more exact files, symbols or line numbers would help",
    };
    let constraints = match parts.constraints {
        0 => "none: say what must hold (must, without, keep, should return, so that tests pass)",
        p if p >= CONSTRAINTS_MAX => "three or more kinds of constraint or acceptance criterion",
        10 => "one kind of constraint or acceptance criterion",
        _ => "two kinds of constraint or acceptance criterion",
    };
    let evidence = match parts.errors_or_examples {
        0 => "none: paste the error, a stack trace, a code block or an input -> output example",
        p if p >= EVIDENCE_MAX => "error text, code or examples to work from",
        _ => "some: a quoted value or example; the exact error or expected output would add more",
    };
    let vague = match parts.vague_phrasing_penalty {
        0 => "none",
        p if p >= VAGUE_MAX => {
            "much vague or hedging phrasing (such as \"fix it\", \"something\", \"maybe\")"
        }
        _ => "some vague or hedging phrasing (such as \"fix it\", \"something\", \"maybe\")",
    };
    let unfocused = match parts.unfocused_length_penalty {
        0 => "none",
        _ => "long for what it pins down: fewer words or more concrete ones",
    };
    let mut out = format!("clarity {}/100\n", parts.score());
    for (name, points, max, reason) in [
        ("specific goal", parts.specific_goal, GOAL_MAX, goal),
        (
            "concrete references",
            parts.concrete_references,
            REFERENCES_MAX,
            references,
        ),
        ("constraints", parts.constraints, CONSTRAINTS_MAX, constraints),
        (
            "errors or examples",
            parts.errors_or_examples,
            EVIDENCE_MAX,
            evidence,
        ),
    ] {
        out.push_str(&format!("  {name:<20} {points:>3}/{max:<3} {reason}\n"));
    }
    for (name, points, max, reason) in [
        ("vague phrasing", parts.vague_phrasing_penalty, VAGUE_MAX, vague),
        (
            "unfocused length",
            parts.unfocused_length_penalty,
            UNFOCUSED_MAX,
            unfocused,
        ),
    ] {
        out.push_str(&format!(
            "  {name:<20} {:>3}/{max:<3} {reason}\n",
            format!("-{points}")
        ));
    }
    out
}

fn in_sorted(list: &[&str], word: &str) -> bool {
    list.binary_search(&word).is_ok()
}

// ---------------------------------------------------------------------------------------------
// Analysis

/// Cap on the distinct references remembered (counts above it gain nothing).
const MAX_DISTINCT: usize = 4096;

const CODE_BLOCK: u8 = 1;
const ERROR_TEXT: u8 = 2;
const QUOTE: u8 = 4;
const IO_EXAMPLE: u8 = 8;

/// The placeholder word of an inline code span.
const CODE: &str = "`";

#[derive(Default)]
struct Analysis {
    words: Vec<Word>,
    strong: HashSet<u64>,
    weak: HashSet<u64>,
    evidence: u8,
    asks: bool,
    anchored: bool,
    sentence_asks: bool,
    sentence_concrete: bool,
    clause_start: bool,
    in_quote: bool,
    quote_len: usize,
}

struct Word {
    text: String,
    clause_start: bool,
}

impl Word {
    fn is(&self, s: &str) -> bool {
        self.text == s
    }
}

impl Analysis {
    fn of(prompt: &str) -> Analysis {
        let mut a = Analysis {
            clause_start: true,
            ..Analysis::default()
        };
        let prose = a.set_fences_apart(prompt);
        a.read_prose(&prose);
        a
    }

    /// Removes fenced blocks and pasted output from the prose (each line becomes a line break),
    /// noting them as evidence and looking for error text in them.
    fn set_fences_apart(&mut self, prompt: &str) -> String {
        let mut prose = String::with_capacity(prompt.len());
        let mut fence: Option<&str> = None;
        let mut prev_pasted: Option<&str> = None;
        for line in prompt.split('\n') {
            if fence.is_none() && is_pasted_output(line, prev_pasted) {
                self.evidence |= CODE_BLOCK;
                if line.split_whitespace().any(is_error_token) {
                    self.evidence |= ERROR_TEXT;
                }
                prose.push('\n');
                prev_pasted = Some(line);
                continue;
            }
            prev_pasted = None;
            let trimmed = line.trim_start();
            let marker = if trimmed.starts_with("```") {
                Some("```")
            } else if trimmed.starts_with("~~~") {
                Some("~~~")
            } else {
                None
            };
            match (fence, marker) {
                (None, Some(m)) => {
                    self.evidence |= CODE_BLOCK;
                    // ```text``` on one line is a block of its own; otherwise the fence stays open.
                    let one_line = trimmed[m.len()..]
                        .trim_start_matches(m.as_bytes()[0] as char)
                        .contains(m);
                    if one_line {
                        if trimmed.split_whitespace().any(is_error_token) {
                            self.evidence |= ERROR_TEXT;
                        }
                    } else {
                        fence = Some(m);
                    }
                    prose.push('\n');
                }
                (Some(open), Some(m)) if open == m => {
                    fence = None;
                    prose.push('\n');
                }
                (Some(_), _) => {
                    if line.split_whitespace().any(is_error_token) {
                        self.evidence |= ERROR_TEXT;
                    }
                    prose.push('\n');
                }
                (None, None) => {
                    prose.push_str(line);
                    prose.push('\n');
                }
            }
        }
        prose
    }

    fn read_prose(&mut self, prose: &str) {
        let spans = inline_code_spans(prose);
        let mut next_span = spans.iter().peekable();
        let mut start: Option<usize> = None;
        let mut skip_until = 0;
        for (i, c) in prose.char_indices() {
            if i < skip_until {
                continue;
            }
            if let Some(&&(open, content_start, content_end, close_end)) = next_span.peek() {
                if i == open {
                    if let Some(s) = start.take() {
                        self.token(&prose[s..i]);
                    }
                    self.code_span(&prose[content_start..content_end]);
                    skip_until = close_end;
                    next_span.next();
                    continue;
                }
            }
            if c.is_whitespace() {
                if let Some(s) = start.take() {
                    self.token(&prose[s..i]);
                }
                if c == '\n' {
                    self.end_sentence();
                    self.in_quote = false;
                }
                continue;
            }
            if start.is_none() {
                start = Some(i);
            }
        }
        if let Some(s) = start {
            self.token(&prose[s..]);
        }
        self.end_sentence();
    }

    fn end_sentence(&mut self) {
        if self.sentence_asks && self.sentence_concrete {
            self.anchored = true;
        }
        self.sentence_asks = false;
        self.sentence_concrete = false;
        self.clause_start = true;
    }

    fn code_span(&mut self, content: &str) {
        let content = content.trim();
        if content.is_empty() {
            return;
        }
        insert(&mut self.strong, content);
        self.sentence_concrete = true;
        if is_error_token(content) || content.split_whitespace().next().is_some_and(is_error_token) {
            self.evidence |= ERROR_TEXT;
        }
        self.words.push(Word {
            text: CODE.to_string(),
            clause_start: self.clause_start,
        });
        self.clause_start = false;
    }

    fn token(&mut self, raw: &str) {
        // quotes
        for c in raw.chars() {
            match c {
                '"' | '“' | '”' => {
                    if self.in_quote && self.quote_len > 0 {
                        self.evidence |= QUOTE;
                        self.sentence_concrete = true;
                    }
                    self.in_quote = !self.in_quote || c == '“';
                    self.quote_len = 0;
                }
                _ if self.in_quote => self.quote_len += 1,
                _ => {}
            }
        }
        let unwrapped = raw.trim_end_matches([',', '.', ';', ':', ')', '!', '?']);
        if unwrapped.len() >= 3 && unwrapped.starts_with('\'') && unwrapped.ends_with('\'') {
            self.evidence |= QUOTE;
            self.sentence_concrete = true;
        }
        if is_error_token(raw) {
            self.evidence |= ERROR_TEXT;
        }
        if matches!(raw, "->" | "=>" | "→") {
            self.evidence |= IO_EXAMPLE;
        }
        // references
        let mut file = false;
        files::for_each_file_ref(raw, |mention| {
            file = true;
            insert(&mut self.strong, mention);
        });
        if file {
            self.sentence_concrete = true;
        } else {
            let core = trim_token(raw);
            match reference_kind(core) {
                Some(Strength::Strong) => {
                    insert(&mut self.strong, core);
                    self.sentence_concrete = true;
                }
                Some(Strength::Weak) => insert(&mut self.weak, core),
                None => {}
            }
        }
        // words
        let mut first = true;
        for word in raw.split(|c: char| !(c.is_alphanumeric() || c == '\'' || c == '’')) {
            let word = word.trim_matches(['\'', '’']);
            if word.is_empty() {
                continue;
            }
            let text = word.to_lowercase().replace('’', "'");
            if in_sorted(ACTION_VERBS, &text) {
                self.sentence_asks = true;
                self.asks = true;
            }
            self.words.push(Word {
                text,
                clause_start: first && self.clause_start,
            });
            first = false;
        }
        if raw.contains('?') {
            self.sentence_asks = true;
            self.asks = true;
        }
        let last = raw
            .trim_end_matches(['"', '\'', ')', ']', '”', '’', '*'])
            .chars()
            .next_back();
        self.clause_start =
            matches!(last, Some(',' | ':' | ';' | '.' | '!' | '?')) || matches!(raw, "-" | "—");
        if matches!(last, Some('.' | '!' | '?')) {
            self.end_sentence();
        }
    }

    fn parts(&self) -> ClarityParts {
        let phrases = self.phrases();
        let strong = self.strong.len() + phrases.line_refs.len();
        let weak = self.weak.len();
        let evidence = self.evidence | if phrases.example { IO_EXAMPLE } else { 0 };
        let evidence_kinds = evidence.count_ones() as usize;
        let constraint_kinds = phrases.constraint_kinds.count_ones() as usize;

        let specific_goal: u8 = (if self.asks { 10 } else { 0 }) + (if self.anchored { 15 } else { 0 });
        let concrete_references = (10 * strong + 5 * weak).min(usize::from(REFERENCES_MAX));
        // Criteria need something to hold to: a reference, a quoted string or an example.
        let anchored_prose = strong + weak > 0 || evidence & (QUOTE | IO_EXAMPLE) != 0;
        let constraints = if anchored_prose {
            (10 * constraint_kinds).min(usize::from(CONSTRAINTS_MAX))
        } else {
            0
        };
        let mut evidence_points = 0;
        for (flag, points) in [(CODE_BLOCK, 12), (ERROR_TEXT, 12), (QUOTE, 8), (IO_EXAMPLE, 8)] {
            if evidence & flag != 0 {
                evidence_points += points;
            }
        }
        let errors_or_examples = evidence_points.min(usize::from(EVIDENCE_MAX));
        let vague = phrases.vague.min(usize::from(VAGUE_MAX));

        let words = self.words.len();
        let items = strong + weak + constraint_kinds + evidence_kinds;
        let unfocused = if words > 30 && items * 12 < words {
            // 20 × (1 − 12·C/W), rounded
            (20 * (words - 12 * items) + words / 2) / words
        } else {
            0
        };
        let to_u8 = |n: usize| u8::try_from(n).unwrap_or(u8::MAX);
        ClarityParts {
            specific_goal: specific_goal.min(GOAL_MAX),
            concrete_references: to_u8(concrete_references),
            constraints: to_u8(constraints),
            errors_or_examples: to_u8(errors_or_examples),
            vague_phrasing_penalty: to_u8(vague),
            unfocused_length_penalty: to_u8(unfocused.min(usize::from(UNFOCUSED_MAX))),
        }
    }

    /// Constraint kinds, vague phrasing and the word-level examples and line references.
    fn phrases(&self) -> Phrases {
        let w = &self.words;
        let mut p = Phrases::default();
        let at = |i: usize, s: &str| w.get(i).is_some_and(|x| x.is(s));
        let number_at = |i: usize| {
            w.get(i)
                .is_some_and(|x| x.text.starts_with(|c: char| c.is_ascii_digit()))
        };
        let code_at = |i: usize| at(i, CODE);
        let prev = |i: usize| {
            if i == 0 {
                None
            } else {
                w.get(i - 1).map(|x| x.text.as_str())
            }
        };
        for (i, word) in w.iter().enumerate() {
            let t = word.text.as_str();
            // constraints
            match t {
                "must" | "mustn't" | "shall" => p.constraint(MUST),
                "without" => p.constraint(WITHOUT),
                "keep" | "keeping" | "preserve" | "preserving" | "retain" | "unchanged" | "intact"
                | "identical" | "idempotent" | "compatible" => p.constraint(KEEP),
                "instead" => p.constraint(INSTEAD),
                "rather" if at(i + 1, "than") => p.constraint(INSTEAD),
                "only" | "exactly" | "ignore" => p.constraint(ONLY),
                "nothing" if at(i + 1, "else") => p.constraint(ONLY),
                "don't" | "never" | "no" | "dont"
                    if opens_clause(word, prev(i)) && (t != "no" || w.get(i + 1).is_some()) =>
                {
                    p.constraint(PROHIBITION)
                }
                "do" if at(i + 1, "not") && opens_clause(word, prev(i)) => p.constraint(PROHIBITION),
                "avoid" => p.constraint(PROHIBITION),
                "should"
                    if !prev(i).is_some_and(|x| {
                        matches!(
                            x,
                            "i" | "we" | "you" | "they" | "there" | "what" | "which" | "who"
                        )
                    }) =>
                {
                    p.constraint(SHOULD)
                }
                "so" if at(i + 1, "that") || code_at(i + 1) => p.constraint(SO_THAT),
                "such" if at(i + 1, "that") => p.constraint(SO_THAT),
                "pass" | "passes" | "green" | "succeed" | "succeeds" => {
                    let from = i.saturating_sub(6);
                    if w[from..i].iter().any(|x| {
                        matches!(
                            x.text.as_str(),
                            "test"
                                | "tests"
                                | "suite"
                                | "ci"
                                | "lint"
                                | "check"
                                | "checks"
                                | "build"
                                | "mypy"
                                | "clippy"
                                | "tsc"
                                | "still"
                                | "must"
                                | CODE
                        )
                    }) {
                        p.constraint(PASS);
                    }
                }
                "assert" | "asserts" | "asserting" | "ensure" | "ensures" | "verify" => p.constraint(ASSERT),
                "make" if at(i + 1, "sure") => p.constraint(ASSERT),
                "most" | "least" | "than" | "max" | "maximum" | "min" | "minimum" | "cap" | "under"
                | "over" | "within" | "below" | "above" | "limit" | "to" | "up"
                    if number_at(i + 1) =>
                {
                    p.constraint(BOUND)
                }
                "default" | "defaults" | "defaulting" | "fallback" => p.constraint(DEFAULT),
                "fall" if at(i + 1, "back") => p.constraint(DEFAULT),
                "order" if !(prev(i) == Some("in") && at(i + 1, "to")) => p.constraint(ORDER),
                "sorted" | "ascending" | "descending" => p.constraint(ORDER),
                "exit" | "exits" if (i + 1..=i + 3).any(number_at) => p.constraint(EXIT),
                "return" | "returns" | "returning" | "respond" | "responds"
                    if number_at(i + 1) || code_at(i + 1) =>
                {
                    p.constraint(RESULT)
                }
                _ => {}
            }
            // examples and line references
            match t {
                "expected"
                    if w[i + 1..w.len().min(i + 13)]
                        .iter()
                        .any(|x| matches!(x.text.as_str(), "got" | "but" | "actual")) =>
                {
                    p.example = true;
                }
                "e" if at(i + 1, "g") && (i + 2..=i + 4).any(|j| code_at(j) || number_at(j)) => {
                    p.example = true
                }
                "for" if at(i + 1, "example") && (i + 2..=i + 4).any(|j| code_at(j) || number_at(j)) => {
                    p.example = true;
                }
                "such" if at(i + 1, "as") && (i + 2..=i + 4).any(|j| code_at(j) || number_at(j)) => {
                    p.example = true;
                }
                "line" | "lines" if number_at(i + 1) => insert(&mut p.line_refs, &w[i + 1].text),
                _ => {}
            }
            // vague phrasing
            p.vague += vague_points(w, i);
        }
        p
    }
}

/// What the word-level pass found.
#[derive(Default)]
struct Phrases {
    constraint_kinds: u16,
    vague: usize,
    example: bool,
    /// Distinct line numbers named as `line N`.
    line_refs: HashSet<u64>,
}

impl Phrases {
    fn constraint(&mut self, kind: u16) {
        self.constraint_kinds |= kind;
    }
}

const MUST: u16 = 1;
const WITHOUT: u16 = 1 << 1;
const KEEP: u16 = 1 << 2;
const INSTEAD: u16 = 1 << 3;
const ONLY: u16 = 1 << 4;
const PROHIBITION: u16 = 1 << 5;
const SHOULD: u16 = 1 << 6;
const SO_THAT: u16 = 1 << 7;
const PASS: u16 = 1 << 8;
const ASSERT: u16 = 1 << 9;
const BOUND: u16 = 1 << 10;
const DEFAULT: u16 = 1 << 11;
const ORDER: u16 = 1 << 12;
const EXIT: u16 = 1 << 13;
const RESULT: u16 = 1 << 14;

fn opens_clause(word: &Word, prev: Option<&str>) -> bool {
    word.clause_start
        || matches!(
            prev,
            None | Some("and" | "but" | "please" | "just" | "also" | "then")
        )
}

const VAGUE: usize = 8;
const HEDGE: usize = 4;

/// Points of vague phrasing starting at word `i` (see the module documentation).
fn vague_points(w: &[Word], i: usize) -> usize {
    let at = |j: usize, s: &str| w.get(j).is_some_and(|x| x.is(s));
    let t = w[i].text.as_str();
    let prev = if i == 0 { "" } else { w[i - 1].text.as_str() };
    match t {
        "something" | "somehow" | "stuff" | "whatever" | "etc" | "whatnot" | "thingy" => VAGUE,
        "and" if at(i + 1, "so") && at(i + 2, "on") => VAGUE,
        "you" if at(i + 1, "know") => VAGUE,
        "work" | "works" | "working" => {
            let negated = |x: &str| {
                matches!(
                    x,
                    "not" | "doesn't" | "don't" | "didn't" | "isn't" | "won't" | "stopped" | "never"
                )
            };
            let before = if i >= 2 { w[i - 2].text.as_str() } else { "" };
            if negated(prev) || (negated(before) && matches!(prev, "really" | "quite" | "even" | "actually"))
            {
                VAGUE
            } else {
                0
            }
        }
        "fix" | "improve" | "clean" | "optimize" | "refactor" | "update" | "tidy" | "sort" | "handle"
        | "explain" | "check" | "redo" | "debug" | "solve"
            if w.get(i + 1).is_some_and(|x| in_sorted(VAGUE_OBJECTS, &x.text)) =>
        {
            VAGUE + if t == "improve" { HEDGE } else { 0 }
        }
        "make" => {
            let window = &w[i + 1..w.len().min(i + 5)];
            if window.iter().any(|x| x.is(CODE)) {
                return 0;
            }
            let quality = window.iter().any(|x| in_sorted(QUALITY_WORDS, &x.text));
            let vague_object = window.first().is_some_and(|x| in_sorted(VAGUE_OBJECTS, &x.text));
            match (quality, vague_object) {
                (true, true) => VAGUE,
                (true, false) => HEDGE,
                _ => 0,
            }
        }
        "improve" => HEDGE,
        "maybe" | "perhaps" | "probably" | "possibly" | "kinda" | "sorta" | "basically" | "honestly"
        | "really" | "pretty" | "totally" | "literally" | "somewhat" | "overall" | "somewhere" | "thing"
        | "things" | "some" | "bunch" | "issue" | "issues" | "problem" | "problems" | "properly"
        | "broken" | "weird" | "strange" | "wonky" | "janky" | "mess" | "messy" => HEDGE,
        "i" if w.get(i + 1).is_some_and(|x| {
            matches!(
                x.text.as_str(),
                "think" | "guess" | "feel" | "suppose" | "believe" | "mean"
            )
        }) =>
        {
            HEDGE
        }
        "not" if at(i + 1, "sure") => HEDGE,
        "no" if at(i + 1, "idea") => HEDGE,
        "kind" | "sort" if at(i + 1, "of") => HEDGE,
        "a" if at(i + 1, "bit") || at(i + 1, "little") || at(i + 1, "lot") => HEDGE,
        "in" if at(i + 1, "general") => HEDGE,
        "wrong"
            if matches!(
                prev,
                "is" | "are" | "looks" | "seems" | "went" | "goes" | "go" | "something"
            ) || prev.ends_with("'s") =>
        {
            HEDGE
        }
        "look" if at(i + 1, "into") || at(i + 1, "at") => HEDGE,
        "take" | "have" if at(i + 1, "a") && at(i + 2, "look") => HEDGE,
        "figure" if at(i + 1, "out") => HEDGE,
        "go" if at(i + 1, "through") => HEDGE,
        "any" if at(i + 1, "ideas") => HEDGE,
        "or" if at(i + 1, "so") => HEDGE,
        "would"
            if at(i + 1, "be")
                && w.get(i + 2).is_some_and(|x| {
                    matches!(x.text.as_str(), "nice" | "great" | "good" | "handy" | "cool")
                }) =>
        {
            HEDGE
        }
        _ => 0,
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Strength {
    Strong,
    Weak,
}

fn insert(set: &mut HashSet<u64>, text: &str) {
    if set.len() < MAX_DISTINCT {
        let mut hasher = DefaultHasher::new();
        text.hash(&mut hasher);
        set.insert(hasher.finish());
    }
}

fn trim_token(raw: &str) -> &str {
    raw.trim_start_matches(['(', '[', '{', '"', '\'', '“', '‘', '*'])
        .trim_end_matches([
            ')', ']', '}', '"', '\'', '”', '’', '*', '.', ',', ';', ':', '!', '?',
        ])
}

/// Strong or weak reference (see the module documentation), on a token without its wrapping
/// punctuation.
fn reference_kind(t: &str) -> Option<Strength> {
    let mut chars = t.chars();
    let first = chars.next()?;
    let second = chars.next();
    if t.contains("://") || t.starts_with("www.") || t.contains("::") {
        return Some(Strength::Strong);
    }
    if is_error_code(t) {
        return Some(Strength::Strong);
    }
    match (first, second) {
        ('-', Some('-')) if t[2..].starts_with(|c: char| c.is_ascii_alphabetic()) => {
            return Some(Strength::Strong)
        }
        ('#', Some(c)) if c.is_ascii_alphanumeric() || c == '[' => return Some(Strength::Strong),
        ('.', Some(c)) if c.is_ascii_alphabetic() && t[1..].chars().all(is_ident_char) => {
            return Some(Strength::Strong)
        }
        ('/', Some(c)) if c.is_alphanumeric() => return Some(Strength::Strong),
        ('$' | '@', Some(c)) if c.is_alphanumeric() || c == '_' || c == '{' => return Some(Strength::Strong),
        ('L', Some(c)) if c.is_ascii_digit() && t[1..].bytes().all(|b| b.is_ascii_digit()) => {
            return Some(Strength::Strong)
        }
        _ => {}
    }
    let ident_end = t.find(|c: char| !is_ident_char(c) && c != '.').unwrap_or(t.len());
    if ident_end > 0 && ident_end < t.len() && matches!(t[ident_end..].chars().next(), Some('(' | '<' | '['))
    {
        let head = &t[..ident_end];
        if head.chars().any(char::is_alphabetic) {
            return Some(Strength::Strong); // call, generic or index
        }
    }
    if !t.chars().all(|c| is_ident_char(c) || c == '.') {
        return t.chars().any(|c| c.is_ascii_digit()).then_some(Strength::Weak);
    }
    let has_letter = t.chars().any(char::is_alphabetic);
    // snake_case / SCREAMING_CASE
    let bytes = t.as_bytes();
    if has_letter
        && bytes
            .windows(3)
            .any(|x| x[1] == b'_' && x[0].is_ascii_alphanumeric() && x[2].is_ascii_alphanumeric())
    {
        return Some(Strength::Strong);
    }
    // member access a.b (each part starts with a letter or `_`; not `e.g`)
    if t.contains('.') {
        let parts: Vec<&str> = t.split('.').collect();
        let identifiers = parts
            .iter()
            .all(|p| p.starts_with(|c: char| c.is_alphabetic() || c == '_'));
        let abbreviation = parts.iter().all(|p| p.chars().count() == 1);
        if parts.len() >= 2 && identifiers && !abbreviation {
            return Some(Strength::Strong);
        }
    }
    if t.chars().any(|c| c.is_ascii_digit()) {
        return Some(Strength::Weak);
    }
    // camelCase and PascalCase
    let humps = t
        .as_bytes()
        .windows(2)
        .any(|x| x[0].is_ascii_lowercase() && x[1].is_ascii_uppercase());
    if humps && t.chars().all(char::is_alphanumeric) {
        return Some(if first.is_lowercase() {
            Strength::Strong
        } else {
            Strength::Weak
        });
    }
    None
}

fn is_ident_char(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

/// `E0502`, `TS2345`, `G112`: 1-4 capitals then 2-5 digits.
fn is_error_code(t: &str) -> bool {
    let letters = t.bytes().take_while(u8::is_ascii_uppercase).count();
    let digits = t.len() - letters;
    (1..=4).contains(&letters)
        && (2..=5).contains(&digits)
        && t.bytes().skip(letters).all(|b| b.is_ascii_digit())
}

/// Whether a line outside a fenced block is output pasted from a terminal, a log or a stack
/// trace (see the module docs); `prev` is the line before it when that one was pasted too.
fn is_pasted_output(line: &str, prev: Option<&str>) -> bool {
    let t = line.trim_start();
    let Some(first) = t.split_whitespace().next() else {
        return false;
    };
    let indent = line.len() - t.len();
    if let Some(prev) = prev {
        // A frame or message under a pasted line: indented, a lone token (a Go frame), `...`,
        // or anything after a pasted line that ends with a colon (a panic's message).
        if indent >= 2 || t.split_whitespace().nth(1).is_none() || prev.trim_end().ends_with(':') {
            return true;
        }
    }
    if is_error_token(first) || matches!(first, "FAIL" | "FAILED" | "ERROR" | "●") {
        return true;
    }
    const STARTS: [&str; 17] = [
        "Traceback (",
        "File \"",
        "-->",
        "|",
        "= ",
        "^",
        "~~",
        "at ",
        "thread '",
        "goroutine ",
        "stack backtrace",
        "note:",
        "help:",
        "warning:",
        "Caused by:",
        "created by ",
        "Found ",
    ];
    if let Some(p) = STARTS.iter().find(|p| t.starts_with(**p)) {
        return match *p {
            // A JavaScript or Java frame names a place: `at f (file.js:1:2)`, `at a.B.c(B.java:8)`.
            "at " => t.contains('(') && t.contains(':'),
            "Found " => t["Found ".len()..].starts_with(|c: char| c.is_ascii_digit()),
            _ => true,
        };
    }
    let bytes = t.as_bytes();
    let digits = bytes.iter().take_while(|b| b.is_ascii_digit()).count();
    if digits > 0 {
        // A numbered frame (`0: main`), a source gutter (`45 |`, `14   let x`).
        let rest = &t[digits..];
        if rest.starts_with(':') || rest.trim_start().starts_with('|') || rest.starts_with("  ") {
            return true;
        }
    }
    // A build step (`#12 4.3 …`), a rule (`=====`, `_____`, `-----`), pytest's `E   ` and `>   `.
    if first.starts_with('#') && first[1..].starts_with(|c: char| c.is_ascii_digit())
        || (first.len() >= 4 && first.bytes().all(|b| matches!(b, b'=' | b'_' | b'-')))
        || (matches!(first, "E" | ">") && t[1..].starts_with("  "))
    {
        return true;
    }
    // A compiler or linter location first: `src/a.ts:14:22 - error …`, `app/users.py:31: error:`.
    first.split_once(':').is_some_and(|(path, rest)| {
        path.contains('.') && !path.contains("://") && rest.starts_with(|c: char| c.is_ascii_digit())
    })
}

/// Error text: `KeyError:`, `error[E0502]:`, `error:`, `panic:`, `FAIL:`, `TS2345:`, `Traceback`,
/// `panicked`.
fn is_error_token(raw: &str) -> bool {
    let core = raw.trim_matches(['`', '"', '\'', '(', ')', '*']);
    if core == "Traceback" || core == "panicked" || core.starts_with("error[") {
        return true;
    }
    let Some(name) = core.strip_suffix(':') else {
        return false;
    };
    name.ends_with("Error")
        || name.ends_with("Exception")
        || name.eq_ignore_ascii_case("error")
        || matches!(name, "panic" | "FAIL" | "FAILED" | "fatal" | "FATAL")
        || is_error_code(name)
}

/// Inline code spans of `prose`: `(open, content_start, content_end, close_end)` byte offsets. A
/// span opens with a run of backticks and closes with a run of the same length on the same line;
/// an unclosed run is plain text. Linear.
fn inline_code_spans(prose: &str) -> Vec<(usize, usize, usize, usize)> {
    let bytes = prose.as_bytes();
    let mut spans = Vec::new();
    let mut open: Option<(usize, usize)> = None; // (start, run length)
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'`' => {
                let run = bytes[i..].iter().take_while(|&&b| b == b'`').count();
                match open {
                    Some((start, len)) if len == run => {
                        spans.push((start, start + len, i, i + run));
                        open = None;
                    }
                    Some(_) => {}
                    None => open = Some((i, run)),
                }
                i += run;
            }
            b'\n' => {
                open = None;
                i += 1;
            }
            _ => i += 1,
        }
    }
    spans
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn word_lists_are_sorted_for_binary_search() {
        for list in [FOLLOW_UP_WORDS, ACTION_VERBS, QUALITY_WORDS, VAGUE_OBJECTS] {
            assert!(list.windows(2).all(|w| w[0] < w[1]), "{list:?}");
        }
    }

    // One test per rule of the rubric (module docs): it fires, it does not fire, and repeating
    // its keyword gains nothing more. Every expected number is the rule's own weight.

    fn parts(prompt: &str) -> ClarityParts {
        match assess(prompt) {
            PromptAssessment::Scored { parts, .. } => parts,
            PromptAssessment::FollowUp => panic!("{prompt:?} taken for a follow-up"),
        }
    }

    /// A concrete anchor so that constraints count (see the constraint rule).
    const AT: &str = "In src/app.rs";

    #[test]
    fn rule_follow_ups_are_short_and_made_of_follow_up_words() {
        assert_eq!(assess("yes, go ahead"), PromptAssessment::FollowUp);
        assert_eq!(assess("👍"), PromptAssessment::FollowUp);
        assert_ne!(assess("yes but use tabs"), PromptAssessment::FollowUp);
        // Nine follow-up words are too many to be a follow-up: it is scored.
        assert_ne!(assess(&"ok ".repeat(9)), PromptAssessment::FollowUp);
    }

    #[test]
    fn rule_goal_asks_then_names_its_target() {
        assert_eq!(parts("Rename the module.").specific_goal, 10);
        assert_eq!(parts("Why is the build slow?").specific_goal, 10);
        assert_eq!(parts("Rename `foo` to `bar`.").specific_goal, 25);
        assert_eq!(parts("The module is old.").specific_goal, 0);
        // Asking again and again is still one ask.
        assert_eq!(
            parts("Rename, rename, rename, fix, add, remove the module.").specific_goal,
            10
        );
        // Asking in one sentence and naming in another does not anchor the goal.
        assert_eq!(parts("Rename the module. It is `foo`.").specific_goal, 10);
    }

    #[test]
    fn rule_strong_references_count_ten_each_once_capped_at_thirty() {
        assert_eq!(parts("Look at `parse()`.").concrete_references, 10);
        assert_eq!(parts("Look at src/lib.rs and user_id.").concrete_references, 20);
        assert_eq!(
            parts("Look at --verbose, E0502, #12, L42.").concrete_references,
            30
        );
        assert_eq!(parts("Look at the parser.").concrete_references, 0);
        assert_eq!(
            parts("Look at `parse()`, `parse()`, `parse()` and `parse()`.").concrete_references,
            10
        );
    }

    #[test]
    fn rule_weak_references_count_five_each_once() {
        assert_eq!(parts("Set the timeout to 30s.").concrete_references, 5);
        assert_eq!(parts("Move UserService to 1.2.3.").concrete_references, 10);
        assert_eq!(parts("Set the timeout lower.").concrete_references, 0);
        assert_eq!(parts("Set 30s, 30s, 30s and 30s.").concrete_references, 5);
    }

    #[test]
    fn rule_each_constraint_kind_counts_ten_once() {
        for (kind, text) in [
            ("must", "it must stay fast"),
            ("without", "without a new crate"),
            ("keep", "keep the API unchanged"),
            ("instead", "use a map instead"),
            ("only", "change only the parser"),
            ("prohibition", "don't touch the tests"),
            ("should", "the call should retry"),
            ("so that", "so that the call retries"),
            ("tests pass", "the tests still pass"),
            ("assert", "make sure the call retries"),
            ("bound", "retry at most 3 times"),
            ("default", "default the port"),
            ("order", "keep them sorted"),
            ("exit status", "exit with 2 on failure"),
            ("result", "return 404 when missing"),
        ] {
            let once = parts(&format!("{AT}, {text}."));
            assert!(once.constraints >= 10, "{kind}: {once:?}");
            let twice = parts(&format!("{AT}, {text}; {text}; {text}."));
            assert_eq!(twice.constraints, once.constraints, "{kind} repeated");
        }
        assert_eq!(parts(&format!("{AT}, rename the parser.")).constraints, 0);
        // Kinds add up to the cap.
        assert_eq!(
            parts(&format!(
                "{AT}, it must stay fast without a new crate; keep the API unchanged."
            ))
            .constraints,
            25
        );
    }

    #[test]
    fn rule_constraints_need_something_concrete_to_hold_to() {
        // Stuffed with criteria words but naming nothing: no criteria.
        let stuffed = "You must test it, verify it, ensure the tests pass and make sure it must pass.";
        assert_eq!(parts(stuffed).constraints, 0);
        assert_eq!(parts(&format!("{stuffed} {AT}.")).constraints, 25);
        assert_eq!(
            parts("Retry it, at most 3 times.").constraints,
            10,
            "a number anchors"
        );
        assert_eq!(
            parts("Show \"Saved\" only once.").constraints,
            10,
            "a quote anchors"
        );
    }

    #[test]
    fn rule_evidence_blocks_errors_quotes_and_examples() {
        assert_eq!(parts("Fix:\n```\nlet x = 1;\n```").errors_or_examples, 12);
        assert_eq!(
            parts("It fails with KeyError: 'port'.").errors_or_examples,
            20,
            "error text and a quote"
        );
        assert_eq!(parts("It says \"denied\".").errors_or_examples, 8);
        assert_eq!(parts("Map 1 -> 2.").errors_or_examples, 8);
        assert_eq!(parts("Map the values.").errors_or_examples, 0);
        assert_eq!(parts("It says \"a\", \"b\", \"c\", \"d\".").errors_or_examples, 8);
    }

    #[test]
    fn rule_pasted_output_is_evidence_not_prose() {
        let trace = "Traceback (most recent call last):\n  File \"/srv/app/run.py\", line 3, in <module>\n    \
                     main()\n  File \"/srv/app/settings.py\", line 41, in load\n    url = os.environ[\"DB_URL\"]\n\
                     KeyError: 'DB_URL'";
        let p = parts(&format!("fix this\n\n{trace}"));
        // The trace is a block with error text (20); its paths and lines are not the person's
        // references; the person's own words are a vague "fix this".
        assert_eq!(p.errors_or_examples, 20);
        assert_eq!(p.concrete_references, 0);
        assert_eq!(p.vague_phrasing_penalty, 8);
        assert_eq!(p.specific_goal, 10);
        // Prose that merely starts like output is still prose.
        assert_eq!(
            parts("app/models.py: rename `User.name`.").concrete_references,
            20
        );
        for line in [
            "error[E0502]: cannot borrow",
            "  --> src/cache.rs:48:13",
            "45 |         if let Some(v) = map.get(&k) {",
            "    at f (webpack:///./src/a.js:24:31)",
            "src/routes/users.ts:14:22 - error TS2345: bad",
            "#12 4.317 ERROR: failed",
            "=========== FAILURES ===========",
            "goroutine 7 [running]:",
        ] {
            assert!(is_pasted_output(line, None), "{line}");
        }
        for line in [
            "Fix the parser.",
            "at least 3 retries",
            "E.g. use a map",
            "app/models.py: fix it",
        ] {
            assert!(!is_pasted_output(line, None), "{line}");
        }
    }

    #[test]
    fn rule_vague_words_cost_eight_each_capped_at_forty() {
        assert_eq!(parts("Add stuff to the parser.").vague_phrasing_penalty, 8);
        assert_eq!(parts("The parser doesn't work.").vague_phrasing_penalty, 8);
        assert_eq!(
            parts("The parser doesn't actually work.").vague_phrasing_penalty,
            8
        );
        assert_eq!(parts("Fix it.").vague_phrasing_penalty, 8);
        assert_eq!(parts("Make it better.").vague_phrasing_penalty, 8);
        assert_eq!(parts("Make the page nicer.").vague_phrasing_penalty, 4);
        assert_eq!(parts("Add a retry to the parser.").vague_phrasing_penalty, 0);
        assert_eq!(parts(&"stuff ".repeat(20)).vague_phrasing_penalty, 40, "capped");
    }

    #[test]
    fn rule_hedges_cost_four_each() {
        assert_eq!(parts("Maybe add a retry.").vague_phrasing_penalty, 4);
        assert_eq!(parts("I think we add a retry.").vague_phrasing_penalty, 4);
        assert_eq!(
            parts("Improve it.").vague_phrasing_penalty,
            12,
            "improve and a vague object"
        );
        assert_eq!(parts("Add a retry.").vague_phrasing_penalty, 0);
    }

    #[test]
    fn rule_unfocused_length_is_penalised_and_repetition_earns_nothing() {
        let precise = "Rename `parse()` to `parse_header()` in src/parser.rs, keep the tests passing.";
        assert_eq!(parts(precise).unfocused_length_penalty, 0);
        let filler = " and the team would like this sorted out before the next release goes out";
        let long = format!("{precise}{}", filler.repeat(5));
        assert!(parts(&long).unfocused_length_penalty > 0);
        let score = |p: &str| parts(p).score();
        assert!(score(&[precise; 5].join(" ")) <= score(precise));
    }
}
