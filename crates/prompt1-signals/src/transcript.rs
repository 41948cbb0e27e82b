//! One line of a Claude Code transcript, parsed into just the fields prompt1 reads.
//!
//! A transcript line can be megabytes (a tool result carrying a whole file, a Write carrying its
//! content). The types here name only the small fields the signals need; serde skips everything
//! else without allocating, and strings are borrowed from the line whenever they contain no escape.
//! Nothing parsed here outlives the line: the caller turns it into counts at once.

use serde::de::{self, Deserializer, IgnoredAny, SeqAccess, Visitor};
use serde::Deserialize;
use std::borrow::Cow;
use std::collections::BTreeMap;
use std::fmt;

/// The fields of one transcript line that any signal needs.
#[derive(Debug, Default, Deserialize)]
pub struct Line<'a> {
    /// `user`, `assistant`, `system`, `attachment`, `permission-mode`, `cost-state`...
    #[serde(rename = "type", borrow, default)]
    pub kind: Option<Cow<'a, str>>,
    /// RFC 3339 time the client wrote the line.
    #[serde(borrow, default)]
    pub timestamp: Option<Cow<'a, str>>,
    /// The API message (user or assistant).
    #[serde(borrow, default)]
    pub message: Option<Message<'a>>,
    /// The API request id of an assistant line.
    #[serde(rename = "requestId", borrow, default)]
    pub request_id: Option<Cow<'a, str>>,
    /// Permission mode on user prompt lines and `permission-mode` lines.
    #[serde(rename = "permissionMode", borrow, default)]
    pub permission_mode: Option<Cow<'a, str>>,
    /// The permission decision recorded with a tool result.
    #[serde(rename = "permissionDecision", borrow, default)]
    pub permission_decision: Option<PermissionDecision<'a>>,
    /// Why a tool call was denied (`user-rejected`, `permission-rule`, ...).
    #[serde(rename = "toolDenialKind", borrow, default)]
    pub tool_denial_kind: Option<Cow<'a, str>>,
    /// Set when the person refused a call at its permission prompt, before it ran.
    #[serde(rename = "toolDenialBeforeRun", default)]
    pub tool_denial_before_run: Option<bool>,
    /// Who started the turn (`{"kind": "human"}` for a person).
    #[serde(borrow, default)]
    pub origin: Option<Origin<'a>>,
    /// `typed` for a prompt typed in the terminal, `sdk` for `claude -p`.
    #[serde(rename = "promptSource", borrow, default)]
    pub prompt_source: Option<Cow<'a, str>>,
    /// `harness` on lines the client wrote itself (interruptions); `local` on typed prompts.
    #[serde(rename = "rowSource", borrow, default)]
    pub row_source: Option<Cow<'a, str>>,
    /// Meta lines (caveats, expanded commands) are not the person's words.
    #[serde(rename = "isMeta", default)]
    pub is_meta: Option<bool>,
    /// The summary a compaction writes as a user message.
    #[serde(rename = "isCompactSummary", default)]
    pub is_compact_summary: Option<bool>,
    /// Only visible in the transcript UI, never sent to the model.
    #[serde(rename = "isVisibleInTranscriptOnly", default)]
    pub is_visible_in_transcript_only: Option<bool>,
    /// `cli` for the interactive client, `sdk-cli` and others for scripted runs.
    #[serde(borrow, default)]
    pub entrypoint: Option<Cow<'a, str>>,
    /// Subtype of `system` lines (`compact_boundary`, ...).
    #[serde(borrow, default)]
    pub subtype: Option<Cow<'a, str>>,
    /// Attachment lines (`instructions` lists the CLAUDE.md files loaded).
    #[serde(borrow, default)]
    pub attachment: Option<Attachment<'a>>,
    /// Set on the lines of a sub-agent's conversation; clients before 2.0 wrote them inline in
    /// the main transcript.
    #[serde(rename = "isSidechain", default)]
    pub is_sidechain: Option<bool>,
    /// Written by the terminal UI on the prompts a person types (clients from 2.0 on, before
    /// `entrypoint` existed); only its presence is read.
    #[serde(rename = "thinkingMetadata", default)]
    pub thinking_metadata: Option<IgnoredAny>,
    /// The session a line belongs to.
    #[serde(rename = "sessionId", borrow, default)]
    pub session_id: Option<Cow<'a, str>>,
    /// The session that made an assistant line's API request: another session's id on the lines a
    /// forked session (`--fork-session`) copied from its parent.
    #[serde(rename = "requestSessionId", borrow, default)]
    pub request_session_id: Option<Cow<'a, str>>,
    /// The payload of a `progress` line (`agent_progress` carries a sub-agent's message).
    #[serde(borrow, default, deserialize_with = "lenient_progress")]
    pub data: Option<Box<Progress<'a>>>,
    /// The client's running totals per model on a `cost-state` line.
    #[serde(rename = "modelUsage", borrow, default)]
    pub model_usage: Option<BTreeMap<Cow<'a, str>, ModelUsage>>,
}

/// The payload of a `progress` line.
#[derive(Debug, Default, Deserialize)]
pub struct Progress<'a> {
    /// `agent_progress`, `hook_progress`, `bash_progress`, ...
    #[serde(rename = "type", borrow, default)]
    pub kind: Option<Cow<'a, str>>,
    /// For `agent_progress`: a copy of one line of the sub-agent's conversation.
    #[serde(borrow, default)]
    pub message: Option<Line<'a>>,
}

/// Reads a `data` value that may be anything: an object is read as [`Progress`], anything else
/// as absent (only `progress` lines are known to carry one; no other shape may fail the line).
fn lenient_progress<'de: 'a, 'a, D: Deserializer<'de>>(d: D) -> Result<Option<Box<Progress<'a>>>, D::Error> {
    struct V<'a>(std::marker::PhantomData<&'a ()>);
    impl<'de: 'a, 'a> Visitor<'de> for V<'a> {
        type Value = Option<Box<Progress<'a>>>;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("a progress payload")
        }
        fn visit_map<M: de::MapAccess<'de>>(self, map: M) -> Result<Self::Value, M::Error> {
            Progress::deserialize(de::value::MapAccessDeserializer::new(map)).map(|p| Some(Box::new(p)))
        }
        fn visit_seq<S: SeqAccess<'de>>(self, mut seq: S) -> Result<Self::Value, S::Error> {
            while seq.next_element::<IgnoredAny>()?.is_some() {}
            Ok(None)
        }
        fn visit_str<E: de::Error>(self, _: &str) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_bool<E: de::Error>(self, _: bool) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_i64<E: de::Error>(self, _: i64) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_u64<E: de::Error>(self, _: u64) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_f64<E: de::Error>(self, _: f64) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }
    }
    d.deserialize_any(V(std::marker::PhantomData))
}

/// One model's running totals on a `cost-state` line (missing fields are zero).
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq, Deserialize)]
pub struct ModelUsage {
    /// Uncached input tokens.
    #[serde(rename = "inputTokens", default, deserialize_with = "lenient_u64")]
    pub input_tokens: u64,
    /// Output tokens.
    #[serde(rename = "outputTokens", default, deserialize_with = "lenient_u64")]
    pub output_tokens: u64,
    /// Tokens written to the cache (both lifetimes).
    #[serde(
        rename = "cacheCreationInputTokens",
        default,
        deserialize_with = "lenient_u64"
    )]
    pub cache_creation_input_tokens: u64,
    /// Tokens written to the 1-hour cache.
    #[serde(
        rename = "cacheCreationEphemeral1hInputTokens",
        default,
        deserialize_with = "lenient_u64"
    )]
    pub cache_creation_1h_input_tokens: u64,
    /// Tokens read from the cache.
    #[serde(rename = "cacheReadInputTokens", default, deserialize_with = "lenient_u64")]
    pub cache_read_input_tokens: u64,
}

/// `origin` of a user line.
#[derive(Debug, Default, Deserialize)]
pub struct Origin<'a> {
    /// `human`, `hook`, `task-notification`...
    #[serde(borrow, default)]
    pub kind: Option<Cow<'a, str>>,
}

/// A tool call's permission decision.
#[derive(Debug, Default, Deserialize)]
pub struct PermissionDecision<'a> {
    /// `accept` or `reject`.
    #[serde(borrow, default)]
    pub decision: Option<Cow<'a, str>>,
    /// `user_temporary`, `user_permanent`, `user_reject`, `config`, `hook`, `classifier`...
    #[serde(borrow, default)]
    pub source: Option<Cow<'a, str>>,
    /// `rule` when a settings rule decided (even under a `user_*` source).
    #[serde(rename = "reasonType", borrow, default)]
    pub reason_type: Option<Cow<'a, str>>,
}

/// An attachment line's payload; only its type and the instruction files' types are read.
#[derive(Debug, Default, Deserialize)]
pub struct Attachment<'a> {
    /// `instructions`, `environment`, ...
    #[serde(rename = "type", borrow, default)]
    pub kind: Option<Cow<'a, str>>,
    /// For `instructions`: one entry per file loaded (its path and contents are skipped).
    #[serde(borrow, default)]
    pub files: Option<Vec<InstructionFile<'a>>>,
}

/// One instruction file: only its memory type (`Project`, `User`, `Local`, `Managed`).
#[derive(Debug, Default, Deserialize)]
pub struct InstructionFile<'a> {
    /// The memory type.
    #[serde(rename = "type", borrow, default)]
    pub kind: Option<Cow<'a, str>>,
}

/// An API message.
#[derive(Debug, Default, Deserialize)]
pub struct Message<'a> {
    /// `msg_...` for assistant messages.
    #[serde(borrow, default)]
    pub id: Option<Cow<'a, str>>,
    /// The model that answered.
    #[serde(borrow, default)]
    pub model: Option<Cow<'a, str>>,
    /// Token usage of an assistant message.
    #[serde(default)]
    pub usage: Option<Usage>,
    /// The content: a plain string or a list of blocks.
    #[serde(borrow, default)]
    pub content: Option<Content<'a>>,
}

/// Token usage as the API reports it (missing fields are zero).
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq, Deserialize)]
pub struct Usage {
    /// Uncached input tokens.
    #[serde(default, deserialize_with = "lenient_u64")]
    pub input_tokens: u64,
    /// Output tokens.
    #[serde(default, deserialize_with = "lenient_u64")]
    pub output_tokens: u64,
    /// Tokens written to the cache.
    #[serde(default, deserialize_with = "lenient_u64")]
    pub cache_creation_input_tokens: u64,
    /// Tokens read from the cache.
    #[serde(default, deserialize_with = "lenient_u64")]
    pub cache_read_input_tokens: u64,
    /// How the cache writes split between the 5-minute and the 1-hour cache (newer clients).
    #[serde(default)]
    pub cache_creation: Option<CacheCreation>,
}

/// The split of a response's cache writes by cache lifetime.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq, Deserialize)]
pub struct CacheCreation {
    /// Tokens written to the 1-hour cache (priced higher than the 5-minute one).
    #[serde(default, deserialize_with = "lenient_u64")]
    pub ephemeral_1h_input_tokens: u64,
}

impl Usage {
    /// Of the cache writes, those to the 1-hour cache (never more than all cache writes).
    pub fn cache_creation_1h(&self) -> u64 {
        self.cache_creation
            .map_or(0, |c| c.ephemeral_1h_input_tokens)
            .min(self.cache_creation_input_tokens)
    }

    /// Sum of the four counts, used to pick the largest of repeated usages.
    pub fn total(&self) -> u64 {
        self.input_tokens
            .saturating_add(self.output_tokens)
            .saturating_add(self.cache_creation_input_tokens)
            .saturating_add(self.cache_read_input_tokens)
    }
}

/// Reads a count that may be absent, `null` or a non-negative integer; anything else is zero.
fn lenient_u64<'de, D: Deserializer<'de>>(d: D) -> Result<u64, D::Error> {
    struct V;
    impl Visitor<'_> for V {
        type Value = u64;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("a token count")
        }
        fn visit_u64<E: de::Error>(self, v: u64) -> Result<u64, E> {
            Ok(v)
        }
        fn visit_i64<E: de::Error>(self, v: i64) -> Result<u64, E> {
            Ok(u64::try_from(v).unwrap_or(0))
        }
        fn visit_f64<E: de::Error>(self, v: f64) -> Result<u64, E> {
            Ok(if v.is_finite() && v >= 0.0 { v as u64 } else { 0 })
        }
        fn visit_unit<E: de::Error>(self) -> Result<u64, E> {
            Ok(0)
        }
        fn visit_none<E: de::Error>(self) -> Result<u64, E> {
            Ok(0)
        }
    }
    d.deserialize_any(V)
}

/// Message content: the text of a plain prompt, or blocks.
#[derive(Debug)]
pub enum Content<'a> {
    /// A plain string (how a typed prompt is usually written).
    Text(Cow<'a, str>),
    /// A list of blocks.
    Blocks(Vec<Block<'a>>),
}

/// One content block; only the fields prompt1 reads.
#[derive(Debug, Default, Deserialize)]
pub struct Block<'a> {
    /// `text`, `tool_use`, `tool_result`, `thinking`, `image`...
    #[serde(rename = "type", borrow, default)]
    pub kind: Option<Cow<'a, str>>,
    /// The text of a `text` block.
    #[serde(borrow, default)]
    pub text: Option<Cow<'a, str>>,
    /// The id of a `tool_use` block.
    #[serde(borrow, default)]
    pub id: Option<Cow<'a, str>>,
    /// The tool name of a `tool_use` block.
    #[serde(borrow, default)]
    pub name: Option<Cow<'a, str>>,
    /// The input of a `tool_use` block; only a shell command is read.
    #[serde(borrow, default)]
    pub input: Option<ToolInput<'a>>,
    /// The call a `tool_result` block answers.
    #[serde(borrow, default)]
    pub tool_use_id: Option<Cow<'a, str>>,
    /// Whether a `tool_result` is an error.
    #[serde(default)]
    pub is_error: Option<bool>,
}

/// A tool's input; only `command` (shell tools) is read, every other field is skipped.
#[derive(Debug, Default)]
pub struct ToolInput<'a> {
    /// The command line of a shell tool call.
    pub command: Option<Cow<'a, str>>,
}

impl<'de: 'a, 'a> Deserialize<'de> for ToolInput<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V<'a>(std::marker::PhantomData<&'a ()>);
        impl<'de: 'a, 'a> Visitor<'de> for V<'a> {
            type Value = ToolInput<'a>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a tool input")
            }
            fn visit_map<M: de::MapAccess<'de>>(self, mut map: M) -> Result<ToolInput<'a>, M::Error> {
                let mut out = ToolInput::default();
                while let Some(key) = map.next_key::<Cow<'de, str>>()? {
                    if key == "command" && out.command.is_none() {
                        out.command = map.next_value::<Option<CowStr<'a>>>()?.map(|c| c.0);
                    } else {
                        map.next_value::<IgnoredAny>()?;
                    }
                }
                Ok(out)
            }
            fn visit_seq<S: SeqAccess<'de>>(self, mut seq: S) -> Result<ToolInput<'a>, S::Error> {
                while seq.next_element::<IgnoredAny>()?.is_some() {}
                Ok(ToolInput::default())
            }
            fn visit_str<E: de::Error>(self, _: &str) -> Result<ToolInput<'a>, E> {
                Ok(ToolInput::default())
            }
            fn visit_unit<E: de::Error>(self) -> Result<ToolInput<'a>, E> {
                Ok(ToolInput::default())
            }
        }
        d.deserialize_any(V(std::marker::PhantomData))
    }
}

/// A borrowed-when-possible string that tolerates a non-string value (read as absent).
struct CowStr<'a>(Cow<'a, str>);

impl<'de: 'a, 'a> Deserialize<'de> for CowStr<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Cow::<'a, str>::deserialize(d).map(CowStr)
    }
}

impl<'de: 'a, 'a> Deserialize<'de> for Content<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V<'a>(std::marker::PhantomData<&'a ()>);
        impl<'de: 'a, 'a> Visitor<'de> for V<'a> {
            type Value = Content<'a>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a string or a list of content blocks")
            }
            fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Content<'a>, E> {
                Ok(Content::Text(Cow::Borrowed(v)))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Content<'a>, E> {
                Ok(Content::Text(Cow::Owned(v.to_owned())))
            }
            fn visit_string<E: de::Error>(self, v: String) -> Result<Content<'a>, E> {
                Ok(Content::Text(Cow::Owned(v)))
            }
            fn visit_seq<S: SeqAccess<'de>>(self, mut seq: S) -> Result<Content<'a>, S::Error> {
                let mut blocks = Vec::new();
                while let Some(b) = seq.next_element::<Block<'a>>()? {
                    blocks.push(b);
                }
                Ok(Content::Blocks(blocks))
            }
            fn visit_unit<E: de::Error>(self) -> Result<Content<'a>, E> {
                Ok(Content::Blocks(Vec::new()))
            }
        }
        d.deserialize_any(V(std::marker::PhantomData))
    }
}

/// Why a line could not be read. Deliberately carries no text: a parser's message quotes its input.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum LineError {
    /// Not valid JSON, or not an object of the expected shape (a truncated write, a corrupt file).
    #[error("malformed transcript line")]
    Malformed,
}

/// Parses one line (without its newline). Blank lines are `Ok(None)`.
pub fn parse_line(bytes: &[u8]) -> Result<Option<Line<'_>>, LineError> {
    let trimmed = trim_ascii(bytes);
    if trimmed.is_empty() {
        return Ok(None);
    }
    serde_json::from_slice::<Line<'_>>(trimmed)
        .map(Some)
        .map_err(|_| LineError::Malformed)
}

/// The key of the client's own copy of a tool's output, kept for its UI, as written on tool result
/// lines: `,"toolUseResult":` (compact, after another key).
const UI_COPY_KEY: &[u8] = b",\"toolUseResult\":";

/// Parses one line (without its newline) and hands it to `f`; blank lines give `Ok(None)`. Same
/// result as [`parse_line`], faster on tool result lines:
///
/// Those carry the tool's output twice, once for the model (`message.content`) and once for the
/// client's UI (`toolUseResult`, about a quarter of all transcript bytes), and no signal reads the
/// second. So the `"toolUseResult": value` pair is cut out before parsing: the value is stepped
/// over by its structure alone (strings with their escapes, and nested brackets, found with
/// `memchr`), not parsed, and the rest of the line is parsed as usual. No type here has a field of
/// that name at any depth, so the cut changes nothing that is read. What it gives up: a line whose
/// only flaw lies inside that value (a bad number or escape, a control character) is read instead
/// of counted as malformed; a truncated or unbalanced value still fails, and any line the cut does
/// not fit (no such key, or a value that does not end where its structure says) is parsed whole.
pub fn with_parsed_line<R>(bytes: &[u8], f: impl FnOnce(&Line<'_>) -> R) -> Result<Option<R>, LineError> {
    thread_local! {
        static SCRATCH: std::cell::Cell<Vec<u8>> = const { std::cell::Cell::new(Vec::new()) };
    }
    let trimmed = trim_ascii(bytes);
    if let Some((head, tail)) = cut_ui_copy(trimmed) {
        let mut buf = SCRATCH.take();
        buf.clear();
        buf.extend_from_slice(head);
        buf.extend_from_slice(tail);
        let out = serde_json::from_slice::<Line<'_>>(&buf).ok().map(|line| f(&line));
        // Lines are at most a few megabytes here (longer ones are streamed); keep what was grown.
        SCRATCH.set(buf);
        return out.map(Some).ok_or(LineError::Malformed);
    }
    Ok(parse_line(trimmed)?.map(|line| f(&line)))
}

/// Splits `line` around its `,"toolUseResult": value` pair: the bytes before and after it.
fn cut_ui_copy(line: &[u8]) -> Option<(&[u8], &[u8])> {
    static FINDER: std::sync::LazyLock<memchr::memmem::Finder<'static>> =
        std::sync::LazyLock::new(|| memchr::memmem::Finder::new(UI_COPY_KEY));
    let at = FINDER.find(line)?;
    let end = skip_value(line, at + UI_COPY_KEY.len())?;
    Some((&line[..at], &line[end..]))
}

/// Steps over the JSON value starting at `b[start]` by its structure; returns the index just past
/// it. Strings (escapes honoured), arrays and objects (brackets matched, up to 64 deep) are stepped
/// over whole; anything else must be a scalar (letters, digits, `-`, `+`, `.`).
fn skip_value(b: &[u8], start: usize) -> Option<usize> {
    match *b.get(start)? {
        b'"' => skip_string(b, start + 1),
        b'{' | b'[' => skip_nested(b, start),
        _ => {
            let len = b[start..]
                .iter()
                .take_while(|c| c.is_ascii_alphanumeric() || matches!(c, b'-' | b'+' | b'.'))
                .count();
            (len > 0).then_some(start + len)
        }
    }
}

/// [`skip_value`] for an array or object starting at `b[start]`.
fn skip_nested(b: &[u8], start: usize) -> Option<usize> {
    // One bit per open bracket, the innermost lowest: set for `{`, clear for `[`.
    let (mut open, mut depth, mut i) = (0u64, 0u32, start);
    loop {
        match *b.get(i)? {
            b'"' => {
                i = skip_string(b, i + 1)?;
                continue;
            }
            c @ (b'{' | b'[') => {
                if depth == 64 {
                    return None;
                }
                open = (open << 1) | u64::from(c == b'{');
                depth += 1;
            }
            c @ (b'}' | b']') => {
                if (open & 1 == 1) != (c == b'}') {
                    return None;
                }
                open >>= 1;
                depth -= 1;
                if depth == 0 {
                    return Some(i + 1);
                }
            }
            _ => {}
        }
        i += 1;
    }
}

/// The index just past the closing quote of the string whose contents start at `b[start]`. Only
/// quotes are looked for (escapes such as `\n` are frequent in a tool's output, quotes rare): a
/// quote preceded by an odd number of backslashes is escaped, the first other one closes.
fn skip_string(b: &[u8], start: usize) -> Option<usize> {
    let mut i = start;
    loop {
        let quote = i + memchr::memchr(b'"', b.get(i..)?)?;
        let backslashes = b[start..quote].iter().rev().take_while(|&&c| c == b'\\').count();
        if backslashes % 2 == 0 {
            return Some(quote + 1);
        }
        i = quote + 1;
    }
}

/// Parses one line from a reader that yields exactly that line's bytes, without holding the line
/// in memory: for lines too long to buffer (a tool result carrying a whole file). Skipped values are
/// scanned, not stored; the strings kept are the same few small fields as [`parse_line`]'s.
pub fn parse_line_from_reader<R: std::io::Read>(reader: R) -> Result<Line<'static>, LineError> {
    let mut de = serde_json::Deserializer::from_reader(reader);
    let line = Line::<'static>::deserialize(&mut de).map_err(|_| LineError::Malformed)?;
    de.end().map_err(|_| LineError::Malformed)?;
    Ok(line)
}

fn trim_ascii(mut b: &[u8]) -> &[u8] {
    while let [first, rest @ ..] = b {
        if first.is_ascii_whitespace() {
            b = rest;
        } else {
            break;
        }
    }
    while let [rest @ .., last] = b {
        if last.is_ascii_whitespace() {
            b = rest;
        } else {
            break;
        }
    }
    b
}

/// Parses an RFC 3339 UTC timestamp as the client writes it (`2026-11-29T00:00:52.425Z`, also with
/// an offset or without fraction) into milliseconds since the Unix epoch.
pub fn parse_timestamp_ms(text: &str) -> Option<i64> {
    let b = text.as_bytes();
    if b.len() < 19 || b[4] != b'-' || b[7] != b'-' || (b[10] != b'T' && b[10] != b' ') {
        return None;
    }
    let num = |r: std::ops::Range<usize>| -> Option<i64> {
        let mut v = 0i64;
        for &c in b.get(r)? {
            if !c.is_ascii_digit() {
                return None;
            }
            v = v * 10 + i64::from(c - b'0');
        }
        Some(v)
    };
    let (year, month, day) = (num(0..4)?, num(5..7)?, num(8..10)?);
    let (hour, minute, second) = (num(11..13)?, num(14..16)?, num(17..19)?);
    if !(1..=12).contains(&month) || !(1..=31).contains(&day) || hour > 23 || minute > 59 || second > 60 {
        return None;
    }
    let mut i = 19;
    let mut millis = 0i64;
    if b.get(i) == Some(&b'.') {
        i += 1;
        let mut scale = 100;
        while let Some(c) = b.get(i).filter(|c| c.is_ascii_digit()) {
            millis += i64::from(c - b'0') * scale;
            scale /= 10;
            i += 1;
        }
    }
    let offset_s = match b.get(i) {
        Some(b'Z') | Some(b'z') | None => 0,
        Some(sign @ (b'+' | b'-')) => {
            let h = num(i + 1..i + 3)?;
            let m = num(i + 4..i + 6)?;
            let s = h * 3600 + m * 60;
            if *sign == b'+' {
                s
            } else {
                -s
            }
        }
        Some(_) => return None,
    };
    let days = days_from_civil(year, month, day);
    Some((days * 86_400 + hour * 3600 + minute * 60 + second - offset_s) * 1000 + millis)
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
pub fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_parse_to_epoch_millis() {
        assert_eq!(parse_timestamp_ms("1970-01-01T00:00:00Z"), Some(0));
        assert_eq!(
            parse_timestamp_ms("2026-11-29T00:00:52.425Z"),
            Some(1_795_910_452_425)
        );
        assert_eq!(
            parse_timestamp_ms("2026-11-29T01:00:52.425+01:00"),
            Some(1_795_910_452_425)
        );
        assert_eq!(parse_timestamp_ms("2026-13-29T00:00:52Z"), None);
        assert_eq!(parse_timestamp_ms("yesterday"), None);
        assert_eq!(parse_timestamp_ms("2026-11-29T00:00:5"), None);
    }

    #[test]
    fn reads_only_the_needed_fields_and_skips_the_rest() {
        let line = br#"{"type":"assistant","requestId":"req_1","message":{"id":"msg_1","model":"claude-sonnet-4-5-20250929","content":[{"type":"tool_use","id":"toolu_1","name":"Bash","input":{"command":"cargo test","description":"x","nested":{"a":[1,2,3]}}}],"usage":{"input_tokens":3,"output_tokens":null,"cache_read_input_tokens":7,"extra":{"x":1}}},"big":"\u0041 lots of text"}"#;
        let l = parse_line(line).unwrap().unwrap();
        assert_eq!(l.kind.as_deref(), Some("assistant"));
        let m = l.message.unwrap();
        let u = m.usage.unwrap();
        assert_eq!(
            (u.input_tokens, u.output_tokens, u.cache_read_input_tokens),
            (3, 0, 7)
        );
        match m.content.unwrap() {
            Content::Blocks(b) => {
                assert_eq!(
                    b[0].input.as_ref().unwrap().command.as_deref(),
                    Some("cargo test")
                )
            }
            Content::Text(_) => panic!("blocks expected"),
        }
    }

    #[test]
    fn reader_parse_matches_slice_parse() {
        let text = br#"{"type":"assistant","requestId":"r","message":{"id":"m","model":"x","usage":{"input_tokens":5},"content":[{"type":"text","text":"big \n text"}]}}"#;
        let a = parse_line(text).unwrap().unwrap();
        let b = parse_line_from_reader(&text[..]).unwrap();
        assert_eq!(a.message.unwrap().usage, b.message.unwrap().usage);
        assert!(parse_line_from_reader(&b"{\"type\": "[..]).is_err());
        assert!(parse_line_from_reader(&b"{} {}"[..]).is_err());
    }

    /// What [`with_parsed_line`] reads, printed, or the error.
    fn fast(line: &[u8]) -> Result<Option<String>, LineError> {
        with_parsed_line(line, |l| format!("{l:?}"))
    }

    /// What [`parse_line`] reads from the whole line, printed.
    fn whole(line: &[u8]) -> Result<Option<String>, LineError> {
        parse_line(line).map(|l| l.map(|l| format!("{l:?}")))
    }

    #[test]
    fn cutting_the_ui_copy_reads_the_same_as_parsing_the_whole_line() {
        let result = r#"{"type":"user","message":{"role":"user","content":[{"type":"tool_result","tool_use_id":"t1","is_error":true,"content":"x"}]}"#;
        let values = [
            r#"{"stdout":"a \"quoted\" \\ back\\\\","stderr":"","n":[1,2.5e3,{"k":[true,null]}]}"#,
            r#""Error: \"denied\"\\""#,
            r#"[{"type":"text","text":"}]{[\\\"\\\\"}]"#,
            r#"{"toolUseResult":{"nested":"again"},"x":-1}"#,
            "123",
            "null",
        ];
        for value in values {
            // Last (as the generator writes it) and in the middle (as the client does).
            for line in [
                format!(r#"{result},"timestamp":"2026-11-29T10:00:00Z","toolUseResult":{value}}}"#),
                format!(
                    r#"{result},"toolUseResult":{value},"toolDenialKind":"user-rejected","permissionDecision":{{"decision":"reject","source":"user_reject"}}}}"#
                ),
            ] {
                let line = line.as_bytes();
                assert!(cut_ui_copy(line).is_some(), "{}", String::from_utf8_lossy(line));
                assert!(
                    whole(line).is_ok_and(|l| l.is_some()),
                    "{}",
                    String::from_utf8_lossy(line)
                );
                assert_eq!(fast(line), whole(line), "{}", String::from_utf8_lossy(line));
            }
        }
        // Broken values: truncated, unbalanced, empty, or not a value. Never read as another line.
        for value in [r#"{"a":"b"#, r#"{"a":[1}"#, r#"{"a":"b\"}"#, "", "]", r#""open"#] {
            let line = format!(r#"{result},"toolUseResult":{value}}}"#);
            assert_eq!(fast(line.as_bytes()), Err(LineError::Malformed), "{line}");
            assert_eq!(whole(line.as_bytes()), Err(LineError::Malformed), "{line}");
        }
        // A truncated line (the client was killed mid-write) stays malformed.
        let line = format!(r#"{result},"toolUseResult":{}}}"#, values[0]);
        for cut in [line.len() - 1, line.len() - 20, result.len() + 10] {
            assert_eq!(fast(&line.as_bytes()[..cut]), Err(LineError::Malformed), "{cut}");
        }
        // The key quoted inside a string is text, not a key: nothing is cut.
        let quoted = format!(r#"{result},"cwd":"a,\"toolUseResult\":{{","timestamp":"x"}}"#);
        assert!(cut_ui_copy(quoted.as_bytes()).is_none());
        assert_eq!(fast(quoted.as_bytes()), whole(quoted.as_bytes()));
        assert!(fast(b"  ").unwrap().is_none());
    }

    #[test]
    fn malformed_and_blank_lines() {
        assert!(parse_line(b"   ").unwrap().is_none());
        assert_eq!(
            parse_line(b"{\"type\":\"user\",").unwrap_err(),
            LineError::Malformed
        );
        assert_eq!(parse_line(b"[1,2]").unwrap_err(), LineError::Malformed);
        let l = parse_line(br#"{"type":"user","message":{"content":"plain \"quoted\" text"}}"#)
            .unwrap()
            .unwrap();
        match l.message.unwrap().content.unwrap() {
            Content::Text(t) => assert_eq!(t, "plain \"quoted\" text"),
            Content::Blocks(_) => panic!("text expected"),
        }
    }
}
