//! Transcript -> session summary: the one function both the hook path and the backfill use.
//!
//! [`SessionAccumulator`] is fed the lines of a session's transcript files one at a time and can be
//! saved between feeds (it is `Serialize`), so `prompt1 collect` reads each file from a saved offset
//! and still ends with exactly the summary that feeding every line at once gives. It keeps counts,
//! flags and 64-bit hashes of API ids (to count each response and each tool call once), never text.
//!
//! # Definitions (the single source of truth for each signal)
//!
//! * **Prompt**: a `user` text line of the main conversation (not a sub-agent's, not `isSidechain`)
//!   whose text the person wrote: not a tool result, not a meta line, not a compaction summary, not
//!   a line the client wrote itself (interruptions), not a slash command or its output
//!   (`<command-name>`, `<local-command-…>`), not a `<bash-…>` or `<task-notification>` line, not
//!   hook feedback. That is what every client version writes (1.0.x on). Newer clients also mark a
//!   prompt with a `promptSource` (`typed` in the terminal, `sdk` for `claude -p`): once a session
//!   has such a line, text lines without one are not prompts. Each prompt is assessed by
//!   [`crate::clarity::assess`] (follow-ups counted apart) and [`crate::files::count_file_refs`],
//!   then dropped.
//! * **Permission mode** of a prompt: the `permissionMode` recorded on the prompt line, else the
//!   latest `permission-mode` line before it.
//! * **Tool calls** are counted once per `tool_use` id, by category ([`ToolCategory`]), in the main
//!   transcript and in sub-agent transcripts. **Sub-agents**: `Agent`/`Task` calls.
//! * **Test / lint / build runs**: each sub-command of a shell tool call, classified by
//!   [`crate::commands::classify_command_line`], counted when the call's result arrives and it was
//!   not denied (a denied command did not run; a failing one did).
//! * **Tool failures**: tool results marked as errors that are not permission denials.
//! * **Edit batch**: the edits applied between two prompts of the main transcript; **verified** when
//!   a test run follows its last edit before the next prompt (or the end of the transcript).
//! * **Edit decisions**: each edit tool result, by who decided (see `edit_decider`): the person's
//!   `accept` is *user accepted*, their "No" at the prompt *user rejected*; an `accept` by the mode,
//!   a rule, a hook or a classifier is *auto allowed*, any such `reject` *auto denied*. An edit that
//!   failed before any permission check (no decision recorded) is a tool failure, not a decision.
//! * **CLAUDE.md**: an `instructions` attachment listing a `Project` or `Local` file (project level)
//!   or a `User` file (user level).
//! * **Compactions**: `system` lines of subtype `compact_boundary`.
//! * **Start minute / active duration**: from the timestamps of the main transcript's conversation
//!   lines (user, assistant, system; not the client's bookkeeping or attachments); gaps over
//!   [`IDLE_GAP_MS`] do not count towards the active duration, nor does a gap across two client
//!   processes (`claude --continue`, `--resume`): the client writes a `cost-state` line when a
//!   process ends, and the gap from the last line before it to the next line is not work.
//! * **Interactive**: the `entrypoint` of the first prompt (else of the first conversation line) is
//!   `cli` (the terminal UI); `claude -p` and SDKs write other entry points. Clients that wrote no
//!   entry point (before 2.1.x) count as interactive when the main transcript holds what only the
//!   terminal UI writes: `file-history-snapshot` checkpoints, `thinkingMetadata` on a prompt, or a
//!   typed slash command.
//! * **Tokens**: each assistant response, keyed by (message id, request id), counted once with its
//!   largest usage, per model family ([`prompt1_wire::ModelId`]), main and sub-agent files alike;
//!   `isSidechain` lines of the main file (sub-agents of clients before 2.0) and sub-agent replies
//!   the main file copies in `agent_progress` lines count too, once with the same reply in the
//!   sub-agent's own file. Cache writes keep their 1-hour part apart (priced higher; local only,
//!   the wire has one cache-write count). Compactions the client ran without writing an assistant
//!   line (2.1.300+) count from its own running totals: see `compaction_usage`. Lines of the
//!   `<synthetic>` model (client-side errors) carry no usage and are skipped.
//! * **Forked sessions** (`claude --resume ID --fork-session`): the new session's file starts with
//!   a copy of the parent's lines, message ids included. The per-session summary leaves that copy
//!   out ([`FileRole::Inherited`]): prompts, tools, tokens and time of the shared history belong to
//!   the parent's summary alone, so every total built from summaries (server, `report`, `import`,
//!   `tokens`) counts them once. If the parent's file is gone, the shared history is not counted.

use crate::clarity::{self, PromptAssessment};
use crate::commands::{classify_command_line, CommandRuns};
use crate::files::count_file_refs;
use crate::transcript::{parse_timestamp_ms, with_parsed_line, Block, Content, Line, LineError, Usage};
use prompt1_wire::{
    ClientVersion, EditDecisions, EndReason, ModelId, ModelTokens, PermissionMode, PermissionModeCounts,
    SessionKey, SessionSummary, ToolCounts, SCHEMA_V1,
};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap, HashSet};

/// Gaps between consecutive lines longer than this (30 minutes) are not active time.
pub const IDLE_GAP_MS: i64 = 30 * 60 * 1000;

/// Which file of a session a line comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileRole {
    /// `<session>.jsonl`: the conversation with the person.
    Main,
    /// `<session>/subagents/agent-*.jsonl` (or, from 2.0.x clients, `agent-<id>.jsonl` beside the
    /// main file): a sub-agent's own conversation. Lines of the main file marked `isSidechain`
    /// (how clients before 2.0 wrote sub-agents, inline) are read as this role too.
    Subagent,
    /// The start of a forked session's main file (`claude --resume ID --fork-session`): the
    /// parent's lines, copied with their message ids. They set the context the new part starts in
    /// (permission mode, CLAUDE.md) and count nothing: the parent's summary counts them. See
    /// [`is_inherited_line`].
    Inherited,
}

/// What a tool call is, for counting.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum ToolCategory {
    /// Write, Edit, MultiEdit, NotebookEdit.
    Edit,
    /// Read, NotebookRead.
    Read,
    /// Grep, Glob, LS, ToolSearch.
    Search,
    /// Bash, BashOutput, KillShell, PowerShell.
    Shell,
    /// WebFetch, WebSearch.
    Web,
    /// Agent, Task.
    Agent,
    /// `mcp__*`.
    Mcp,
    /// Anything else.
    Other,
}

impl ToolCategory {
    /// Category of a tool by its name (the name itself is never kept).
    pub fn of(tool_name: &str) -> Self {
        match tool_name {
            "Write" | "Edit" | "MultiEdit" | "NotebookEdit" => Self::Edit,
            "Read" | "NotebookRead" => Self::Read,
            "Grep" | "Glob" | "LS" | "ToolSearch" => Self::Search,
            "Bash" | "BashOutput" | "KillShell" | "KillBash" | "PowerShell" | "Monitor" => Self::Shell,
            "WebFetch" | "WebSearch" => Self::Web,
            "Agent" | "Task" => Self::Agent,
            name if name.starts_with("mcp__") => Self::Mcp,
            _ => Self::Other,
        }
    }
}

/// A tool call waiting for its result.
#[derive(Debug, Clone, Copy, Serialize, Deserialize)]
struct PendingCall {
    category: ToolCategory,
    test: u32,
    lint: u32,
    build: u32,
}

/// One deduplicated API response's usage.
#[derive(Debug, Clone, Copy, Serialize, Deserialize)]
struct UsageRecord {
    model: ModelId,
    /// UTC day (days since 1970-01-01) of the line that carried this, the largest, usage.
    #[serde(default)]
    day: i32,
    input: u64,
    output: u64,
    cache_creation: u64,
    /// Of `cache_creation`, the writes to the 1-hour cache.
    #[serde(default)]
    cache_creation_1h: u64,
    cache_read: u64,
}

impl UsageRecord {
    fn total(&self) -> u64 {
        self.input
            .saturating_add(self.output)
            .saturating_add(self.cache_creation)
            .saturating_add(self.cache_read)
    }
}

/// The edit batch since the last prompt.
#[derive(Debug, Clone, Copy, Default, Serialize, Deserialize)]
struct OpenBatch {
    /// At least one edit was applied since the last prompt.
    has_edits: bool,
    /// A test run followed the latest edit.
    verified: bool,
}

/// The client's own running totals (`cost-state` lines), all models added.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
struct CostTotals {
    input: u64,
    output: u64,
    cache_creation: u64,
    cache_creation_1h: u64,
    cache_read: u64,
}

impl CostTotals {
    fn total(&self) -> u64 {
        self.input
            .saturating_add(self.output)
            .saturating_add(self.cache_creation)
            .saturating_add(self.cache_read)
    }
}

/// Running state of one session's signals; feed it lines, ask it for a summary at any point.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct SessionAccumulator {
    first_ms: Option<i64>,
    last_ms: Option<i64>,
    active_ms: u64,
    interactive: Option<bool>,
    prompts: u32,
    follow_ups: u32,
    clarity_sum: u32,
    clarity_scored: u32,
    file_refs: u32,
    prompts_with_file_refs: u32,
    current_mode: Option<PermissionMode>,
    permission_modes: PermissionModeCounts,
    tools: ToolCounts,
    tool_failures: u32,
    subagents: u32,
    compactions: u32,
    test_runs: u32,
    lint_runs: u32,
    build_runs: u32,
    edit_batches: u32,
    verified_batches: u32,
    batch: OpenBatch,
    edits: EditDecisions,
    claude_md_project: bool,
    claude_md_user: bool,
    /// Hashes of tool_use ids already counted.
    seen_calls: HashSet<u64>,
    /// Hashes of tool_use ids whose result has been seen.
    answered_calls: HashSet<u64>,
    pending: HashMap<u64, PendingCall>,
    /// (message id, request id) hash -> largest usage seen.
    usage: HashMap<u64, UsageRecord>,
    /// Lines that could not be parsed (truncated or corrupt), counted and skipped.
    malformed_lines: u64,
    /// A user line of this session carried `promptSource`: from then on, only such lines are prompts.
    saw_prompt_source: bool,
    /// `entrypoint == "cli"` of the first main conversation line that names an entry point.
    first_entrypoint_cli: Option<bool>,
    /// The main transcript holds what only the terminal UI writes (see `interactive`).
    terminal_ui_traces: bool,
    /// A `cost-state` line (the client writes its totals when a process exits) came after the
    /// latest timed line: the next gap spans two processes and is not active time.
    process_boundary: bool,
    /// The largest `cost-state` totals seen.
    cost_totals: Option<CostTotals>,
    /// Model of the latest response in the main transcript.
    last_main_model: Option<ModelId>,
    /// Model and UTC day of the latest compaction.
    compaction_model: Option<ModelId>,
    compaction_day: i32,
    /// Only token usage is wanted (`prompt1 tokens`): lines without usage are not even parsed.
    #[serde(skip)]
    tokens_only: bool,
}

impl TokenRow {
    /// A row with every count zero.
    pub const ZERO: TokenRow = TokenRow {
        day: 0,
        model: ModelId::Other,
        input: 0,
        output: 0,
        cache_creation: 0,
        cache_creation_1h: 0,
        cache_read: 0,
    };
}

/// Token usage of one model on one UTC day, within one session.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TokenRow {
    /// Days since 1970-01-01 (UTC) of the line carrying each response's largest usage.
    pub day: i32,
    /// The model family.
    pub model: ModelId,
    /// Uncached input tokens.
    pub input: u64,
    /// Output tokens.
    pub output: u64,
    /// Tokens written to the cache (both cache lifetimes).
    pub cache_creation: u64,
    /// Of `cache_creation`, the writes to the 1-hour cache, which cost more than 5-minute ones.
    /// Local only: the wire carries all cache writes as one count.
    pub cache_creation_1h: u64,
    /// Tokens read from the cache.
    pub cache_read: u64,
}

/// What the summary needs beyond the transcript.
#[derive(Debug, Clone, Copy)]
pub struct SummaryInputs {
    /// The keyed session id.
    pub session_key: SessionKey,
    /// The revision this summary will carry.
    pub revision: u32,
    /// How the session ended ([`EndReason::Open`] while it has not).
    pub end_reason: EndReason,
    /// prompt1's version.
    pub client_version: ClientVersion,
}

/// 64-bit FNV-1a over the parts, with a separator, so ids can be compared without being kept.
/// Stable across builds and Rust versions (the state is saved to disk).
pub fn id_hash(parts: &[&str]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for part in parts {
        for b in part.bytes().chain(std::iter::once(0xff)) {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
    }
    h
}

impl SessionAccumulator {
    /// A fresh accumulator.
    pub fn new() -> Self {
        Self::default()
    }

    /// An accumulator that only counts token usage: every other line is skipped unparsed, which
    /// makes reading large histories several times faster.
    pub fn tokens_only() -> Self {
        Self {
            tokens_only: true,
            ..Self::default()
        }
    }

    /// Token usage per (UTC day, model), each response counted once at its largest usage.
    pub fn token_rows(&self) -> Vec<TokenRow> {
        let mut rows: BTreeMap<(i32, ModelId), TokenRow> = BTreeMap::new();
        for r in self.usage.values() {
            let row = rows.entry((r.day, r.model)).or_insert(TokenRow {
                day: r.day,
                model: r.model,
                ..TokenRow::ZERO
            });
            row.input = row.input.saturating_add(r.input);
            row.output = row.output.saturating_add(r.output);
            row.cache_creation = row.cache_creation.saturating_add(r.cache_creation);
            row.cache_creation_1h = row.cache_creation_1h.saturating_add(r.cache_creation_1h);
            row.cache_read = row.cache_read.saturating_add(r.cache_read);
        }
        if let Some(extra) = self.compaction_usage() {
            let model = self.compaction_model.unwrap_or(ModelId::Other);
            let row = rows.entry((self.compaction_day, model)).or_insert(TokenRow {
                day: self.compaction_day,
                model,
                ..TokenRow::ZERO
            });
            row.input = row.input.saturating_add(extra.input);
            row.output = row.output.saturating_add(extra.output);
            row.cache_creation = row.cache_creation.saturating_add(extra.cache_creation);
            row.cache_creation_1h = row.cache_creation_1h.saturating_add(extra.cache_creation_1h);
            row.cache_read = row.cache_read.saturating_add(extra.cache_read);
        }
        rows.into_values().collect()
    }

    /// Tokens the client spent on compactions without writing them on any assistant line: what its
    /// own running totals (the largest `cost-state`) hold beyond every response counted, when the
    /// session was compacted. Clients that write the compaction as a sub-agent file
    /// (`agent-acompact-*`, 2.1.x) leave nothing here, as its responses are counted already.
    fn compaction_usage(&self) -> Option<CostTotals> {
        if self.compactions == 0 {
            return None;
        }
        let totals = self.cost_totals?;
        let mut counted = CostTotals::default();
        for r in self.usage.values() {
            counted.input = counted.input.saturating_add(r.input);
            counted.output = counted.output.saturating_add(r.output);
            counted.cache_creation = counted.cache_creation.saturating_add(r.cache_creation);
            counted.cache_creation_1h = counted.cache_creation_1h.saturating_add(r.cache_creation_1h);
            counted.cache_read = counted.cache_read.saturating_add(r.cache_read);
        }
        let extra = CostTotals {
            input: totals.input.saturating_sub(counted.input),
            output: totals.output.saturating_sub(counted.output),
            cache_creation: totals.cache_creation.saturating_sub(counted.cache_creation),
            cache_creation_1h: totals.cache_creation_1h.saturating_sub(counted.cache_creation_1h),
            cache_read: totals.cache_read.saturating_sub(counted.cache_read),
        };
        let extra = CostTotals {
            cache_creation_1h: extra.cache_creation_1h.min(extra.cache_creation),
            ..extra
        };
        (extra.total() > 0).then_some(extra)
    }

    /// Lines skipped because they could not be parsed.
    pub fn malformed_lines(&self) -> u64 {
        self.malformed_lines
    }

    /// Milliseconds since the epoch of the latest line seen, if any.
    pub fn last_activity_ms(&self) -> Option<i64> {
        self.last_ms
    }

    /// Feeds one transcript line (without its newline). Malformed lines are counted and skipped.
    pub fn feed_line(&mut self, bytes: &[u8], role: FileRole) -> Result<(), LineError> {
        match with_parsed_line(bytes, |line| self.feed(line, role)) {
            Ok(_) => Ok(()),
            Err(e) => {
                self.malformed_lines += 1;
                Err(e)
            }
        }
    }

    /// Feeds one line read through `reader` (which yields exactly the line's bytes), for lines too
    /// long to buffer. Malformed lines are counted and skipped.
    pub fn feed_line_reader<R: std::io::Read>(&mut self, reader: R, role: FileRole) -> Result<(), LineError> {
        match crate::transcript::parse_line_from_reader(reader) {
            Ok(line) => {
                self.feed(&line, role);
                Ok(())
            }
            Err(e) => {
                self.malformed_lines += 1;
                Err(e)
            }
        }
    }

    /// Feeds every complete line of `data`; returns how many bytes were consumed (up to and
    /// including the last newline), so a partly written last line is left for the next read.
    pub fn feed_chunk(&mut self, data: &[u8], role: FileRole) -> usize {
        let mut start = 0;
        let usage_finder = memchr::memmem::Finder::new(b"\"usage\"");
        let compaction_finder = memchr::memmem::Finder::new(COMPACT_BOUNDARY);
        for nl in memchr::memchr_iter(b'\n', data) {
            let line = &data[start..nl];
            let worth_parsing = if line.starts_with(COST_STATE) {
                // The client's running totals: a process boundary, and the tokens of compactions.
                true
            } else if self.tokens_only {
                usage_finder.find(line).is_some()
                    || compaction_finder.find(&line[..line.len().min(1024)]).is_some()
            } else {
                if role == FileRole::Main && line.starts_with(FILE_HISTORY_SNAPSHOT) {
                    self.terminal_ui_traces = true;
                }
                !skippable(line)
            };
            if worth_parsing {
                let _ = self.feed_line(line, role);
            } else if !looks_like_whole_object(line) {
                // Not parsed, but a line that does not even open and close an object is truncated.
                self.malformed_lines += 1;
            }
            start = nl + 1;
        }
        start
    }

    /// Feeds one parsed line.
    pub fn feed(&mut self, line: &Line<'_>, role: FileRole) {
        let kind = line.kind.as_deref().unwrap_or("");
        let role = if role == FileRole::Main && line.is_sidechain == Some(true) {
            FileRole::Subagent
        } else {
            role
        };
        if kind == "cost-state" {
            if role == FileRole::Main {
                self.note_cost_state(line);
            }
            return;
        }
        let compaction =
            role == FileRole::Main && kind == "system" && line.subtype.as_deref() == Some("compact_boundary");
        if compaction {
            self.note_compaction(line);
        }
        if role == FileRole::Inherited {
            if !self.tokens_only {
                self.feed_inherited(line, kind);
            }
            return;
        }
        if self.tokens_only {
            match kind {
                "assistant" => self.feed_assistant(line, role),
                "progress" => self.feed_progress(line),
                _ => {}
            }
            return;
        }
        // Conversation lines only: the client's bookkeeping lines (API request logs, file
        // snapshots, running totals, attachments) are written beside them and add no activity.
        if role == FileRole::Main && matches!(kind, "user" | "assistant" | "system") {
            if let Some(ms) = line.timestamp.as_deref().and_then(parse_timestamp_ms) {
                self.note_time(ms);
            }
        }
        match kind {
            "assistant" => self.feed_assistant(line, role),
            "user" => self.feed_user(line, role),
            "permission-mode" if role == FileRole::Main => {
                if let Some(mode) = line.permission_mode.as_deref() {
                    self.current_mode = Some(PermissionMode::from_client(mode));
                }
            }
            "attachment" => self.feed_attachment(line),
            "progress" => self.feed_progress(line),
            // Read here too for lines too long to buffer; `feed_chunk` notes them unparsed.
            "file-history-snapshot" if role == FileRole::Main => self.terminal_ui_traces = true,
            _ => {}
        }
        if role == FileRole::Main && matches!(kind, "user" | "assistant" | "system") {
            if self.first_entrypoint_cli.is_none() {
                self.first_entrypoint_cli = line.entrypoint.as_deref().map(|e| e == "cli");
            }
            if kind == "user" && line.thinking_metadata.is_some() {
                self.terminal_ui_traces = true;
            }
        }
    }

    /// A line a forked session copied from its parent: only the context it sets.
    fn feed_inherited(&mut self, line: &Line<'_>, kind: &str) {
        match kind {
            "permission-mode" => {
                if let Some(mode) = line.permission_mode.as_deref() {
                    self.current_mode = Some(PermissionMode::from_client(mode));
                }
            }
            "user" => {
                if let Some(mode) = line.permission_mode.as_deref() {
                    self.current_mode = Some(PermissionMode::from_client(mode));
                }
                if line.prompt_source.is_some() {
                    self.saw_prompt_source = true;
                }
            }
            "attachment" => self.feed_attachment(line),
            _ => {}
        }
    }

    fn note_compaction(&mut self, line: &Line<'_>) {
        self.compactions = self.compactions.saturating_add(1);
        self.compaction_model = self.last_main_model;
        self.compaction_day = line
            .timestamp
            .as_deref()
            .and_then(parse_timestamp_ms)
            .map_or(self.compaction_day, |ms| {
                i32::try_from(ms.div_euclid(86_400_000)).unwrap_or(0)
            });
    }

    fn note_cost_state(&mut self, line: &Line<'_>) {
        self.process_boundary = true;
        let Some(models) = &line.model_usage else { return };
        let mut totals = CostTotals::default();
        for m in models.values() {
            totals.input = totals.input.saturating_add(m.input_tokens);
            totals.output = totals.output.saturating_add(m.output_tokens);
            totals.cache_creation = totals
                .cache_creation
                .saturating_add(m.cache_creation_input_tokens);
            totals.cache_creation_1h = totals
                .cache_creation_1h
                .saturating_add(m.cache_creation_1h_input_tokens);
            totals.cache_read = totals.cache_read.saturating_add(m.cache_read_input_tokens);
        }
        // The totals only grow (a resumed process starts from the saved ones): keep the largest.
        if self.cost_totals.is_none_or(|t| t.total() <= totals.total()) {
            self.cost_totals = Some(totals);
        }
    }

    /// A `progress` line: a sub-agent's reply copied into the main transcript (`agent_progress`)
    /// counts its usage, once with the same reply in the sub-agent's own file (same ids).
    fn feed_progress(&mut self, line: &Line<'_>) {
        let Some(data) = &line.data else { return };
        if data.kind.as_deref() != Some("agent_progress") {
            return;
        }
        if let Some(inner) = &data.message {
            if inner.kind.as_deref() == Some("assistant") {
                self.note_assistant_usage(inner, line.timestamp.as_deref());
            }
        }
    }

    fn note_time(&mut self, ms: i64) {
        match self.last_ms {
            None => {
                self.first_ms = Some(ms);
                self.last_ms = Some(ms);
                self.process_boundary = false;
            }
            Some(last) => {
                let gap = ms - last;
                if gap > 0 {
                    if gap <= IDLE_GAP_MS && !self.process_boundary {
                        self.active_ms = self.active_ms.saturating_add(gap as u64);
                    }
                    self.process_boundary = false;
                    self.last_ms = Some(ms);
                }
                if self.first_ms.is_some_and(|first| ms < first) {
                    self.first_ms = Some(ms);
                }
            }
        }
    }

    fn feed_attachment(&mut self, line: &Line<'_>) {
        let Some(att) = &line.attachment else { return };
        if att.kind.as_deref() != Some("instructions") {
            return;
        }
        for file in att.files.iter().flatten() {
            match file.kind.as_deref() {
                Some("Project") | Some("Local") => self.claude_md_project = true,
                Some("User") => self.claude_md_user = true,
                _ => {}
            }
        }
    }

    /// Counts the usage of an assistant line (a response's largest usage, once per ids); returns
    /// its model. `fallback_time` dates a line that has no time of its own.
    fn note_assistant_usage(&mut self, line: &Line<'_>, fallback_time: Option<&str>) -> Option<ModelId> {
        let msg = line.message.as_ref()?;
        let (Some(usage), Some(id)) = (&msg.usage, msg.id.as_deref()) else {
            return None;
        };
        let model_name = msg.model.as_deref().unwrap_or("");
        if model_name == "<synthetic>" {
            return None;
        }
        let day = line
            .timestamp
            .as_deref()
            .or(fallback_time)
            .and_then(parse_timestamp_ms)
            .map_or(0, |ms| i32::try_from(ms.div_euclid(86_400_000)).unwrap_or(0));
        self.note_usage(
            id,
            line.request_id.as_deref().unwrap_or(""),
            model_name,
            day,
            usage,
        );
        Some(ModelId::from_api_name(model_name))
    }

    fn feed_assistant(&mut self, line: &Line<'_>, role: FileRole) {
        let Some(msg) = &line.message else { return };
        let model = self.note_assistant_usage(line, None);
        if role == FileRole::Main && model.is_some() {
            self.last_main_model = model;
        }
        if self.tokens_only {
            return;
        }
        let Some(Content::Blocks(blocks)) = &msg.content else {
            return;
        };
        for block in blocks {
            if block.kind.as_deref() == Some("tool_use") {
                self.note_tool_use(block, role);
            }
        }
    }

    fn note_usage(&mut self, message_id: &str, request_id: &str, model_name: &str, day: i32, usage: &Usage) {
        let record = UsageRecord {
            model: ModelId::from_api_name(model_name),
            day,
            input: usage.input_tokens,
            output: usage.output_tokens,
            cache_creation: usage.cache_creation_input_tokens,
            cache_creation_1h: usage.cache_creation_1h(),
            cache_read: usage.cache_read_input_tokens,
        };
        let key = id_hash(&[message_id, request_id]);
        match self.usage.get_mut(&key) {
            Some(existing) if existing.total() >= record.total() => {}
            Some(existing) => *existing = record,
            None => {
                self.usage.insert(key, record);
            }
        }
    }

    fn note_tool_use(&mut self, block: &Block<'_>, _role: FileRole) {
        let (Some(id), Some(name)) = (block.id.as_deref(), block.name.as_deref()) else {
            return;
        };
        let key = id_hash(&[id]);
        if !self.seen_calls.insert(key) {
            return;
        }
        let category = ToolCategory::of(name);
        let slot = match category {
            ToolCategory::Edit => &mut self.tools.edit,
            ToolCategory::Read => &mut self.tools.read,
            ToolCategory::Search => &mut self.tools.search,
            ToolCategory::Shell => &mut self.tools.shell,
            ToolCategory::Web => &mut self.tools.web,
            ToolCategory::Agent => &mut self.tools.agent,
            ToolCategory::Mcp => &mut self.tools.mcp,
            ToolCategory::Other => &mut self.tools.other,
        };
        *slot = slot.saturating_add(1);
        if category == ToolCategory::Agent {
            self.subagents = self.subagents.saturating_add(1);
        }
        let runs = match (category, block.input.as_ref().and_then(|i| i.command.as_deref())) {
            (ToolCategory::Shell, Some(command)) => classify_command_line(command),
            _ => CommandRuns::default(),
        };
        if !self.answered_calls.contains(&key) {
            self.pending.insert(
                key,
                PendingCall {
                    category,
                    test: runs.test,
                    lint: runs.lint,
                    build: runs.build,
                },
            );
        }
    }

    fn feed_user(&mut self, line: &Line<'_>, role: FileRole) {
        let Some(msg) = &line.message else { return };
        match &msg.content {
            Some(Content::Text(text)) if role == FileRole::Main => self.maybe_prompt(line, text),
            Some(Content::Blocks(blocks)) => {
                let mut has_result = false;
                for block in blocks {
                    if block.kind.as_deref() == Some("tool_result") {
                        has_result = true;
                        self.note_tool_result(line, block, role);
                    }
                }
                if !has_result && role == FileRole::Main {
                    // A prompt written as text blocks (images beside text, pasted content).
                    let mut text = String::new();
                    for block in blocks {
                        if block.kind.as_deref() == Some("text") {
                            if let Some(t) = &block.text {
                                if !text.is_empty() {
                                    text.push('\n');
                                }
                                text.push_str(t);
                            }
                        }
                    }
                    if !text.is_empty() {
                        self.maybe_prompt(line, &text);
                    }
                }
            }
            Some(Content::Text(_)) | None => {}
        }
    }

    fn maybe_prompt(&mut self, line: &Line<'_>, text: &str) {
        if line.prompt_source.is_some() {
            self.saw_prompt_source = true;
        }
        let head = text.trim_start();
        let slash_command = (head.starts_with("<command-name>") || head.starts_with("<command-message>"))
            && head.contains("<command-name>/");
        if slash_command && line.is_meta != Some(true) {
            // A slash command: typed at the terminal (older clients name no entry point).
            self.terminal_ui_traces = true;
        }
        if !is_person_prompt(line, text, self.saw_prompt_source) {
            return;
        }
        self.close_batch();
        self.prompts = self.prompts.saturating_add(1);
        if self.interactive.is_none() {
            self.interactive = line.entrypoint.as_deref().map(|e| e == "cli");
        }
        let mode = line
            .permission_mode
            .as_deref()
            .map(PermissionMode::from_client)
            .or(self.current_mode)
            .unwrap_or(PermissionMode::Default);
        self.current_mode = Some(mode);
        self.permission_modes.add(mode);
        match clarity::assess(text) {
            PromptAssessment::FollowUp => self.follow_ups = self.follow_ups.saturating_add(1),
            PromptAssessment::Scored { score, .. } => {
                self.clarity_scored = self.clarity_scored.saturating_add(1);
                self.clarity_sum = self.clarity_sum.saturating_add(u32::from(score.min(100)));
            }
        }
        let refs = count_file_refs(text);
        if refs > 0 {
            self.file_refs = self.file_refs.saturating_add(refs);
            self.prompts_with_file_refs = self.prompts_with_file_refs.saturating_add(1);
        }
    }

    fn close_batch(&mut self) {
        if self.batch.has_edits {
            self.edit_batches = self.edit_batches.saturating_add(1);
            if self.batch.verified {
                self.verified_batches = self.verified_batches.saturating_add(1);
            }
        }
        self.batch = OpenBatch::default();
    }

    fn note_tool_result(&mut self, line: &Line<'_>, block: &Block<'_>, role: FileRole) {
        let Some(id) = block.tool_use_id.as_deref() else {
            return;
        };
        let key = id_hash(&[id]);
        if !self.answered_calls.insert(key) {
            return;
        }
        let Some(call) = self.pending.remove(&key) else {
            return;
        };
        let outcome = ResultOutcome::of(line, block);
        if outcome == ResultOutcome::Failed {
            self.tool_failures = self.tool_failures.saturating_add(1);
        }
        if call.category == ToolCategory::Edit {
            match (outcome, edit_decider(line)) {
                (ResultOutcome::Denied, Decider::Person) => self.edits.user_rejected += 1,
                (ResultOutcome::Denied, Decider::Automatic) => self.edits.auto_denied += 1,
                (ResultOutcome::Ran, Decider::Person) => self.edits.user_accepted += 1,
                (ResultOutcome::Ran, Decider::Automatic) => self.edits.auto_allowed += 1,
                (ResultOutcome::Failed, Decider::Person) => self.edits.user_accepted += 1,
                (ResultOutcome::Failed, Decider::Automatic) => {
                    if line.permission_decision.is_some() {
                        self.edits.auto_allowed += 1;
                    }
                }
            }
            if outcome == ResultOutcome::Ran && role == FileRole::Main {
                self.batch.has_edits = true;
                self.batch.verified = false;
            }
        }
        if outcome != ResultOutcome::Denied {
            self.test_runs = self.test_runs.saturating_add(call.test);
            self.lint_runs = self.lint_runs.saturating_add(call.lint);
            self.build_runs = self.build_runs.saturating_add(call.build);
            if call.test > 0 && role == FileRole::Main && self.batch.has_edits {
                self.batch.verified = true;
            }
        }
    }

    /// The session summary as of the lines fed so far.
    pub fn summary(&self, inputs: SummaryInputs) -> SessionSummary {
        let mut batches = self.edit_batches;
        let mut verified = self.verified_batches;
        if self.batch.has_edits {
            batches = batches.saturating_add(1);
            if self.batch.verified {
                verified = verified.saturating_add(1);
            }
        }
        let mut per_model: BTreeMap<ModelId, ModelTokens> = BTreeMap::new();
        for r in self.token_rows() {
            let row = per_model.entry(r.model).or_insert(ModelTokens {
                model: r.model,
                input: 0,
                output: 0,
                cache_creation: 0,
                cache_read: 0,
            });
            row.input = row.input.saturating_add(r.input);
            row.output = row.output.saturating_add(r.output);
            row.cache_creation = row.cache_creation.saturating_add(r.cache_creation);
            row.cache_read = row.cache_read.saturating_add(r.cache_read);
        }
        let started_minute = self.first_ms.map_or(0, |ms| ms.div_euclid(60_000));
        SessionSummary {
            schema: SCHEMA_V1,
            session_key: inputs.session_key,
            revision: inputs.revision,
            is_final: inputs.end_reason != EndReason::Open,
            end_reason: inputs.end_reason,
            started_minute,
            active_s: u32::try_from(self.active_ms / 1000).unwrap_or(u32::MAX),
            interactive: self
                .interactive
                .or(self.first_entrypoint_cli)
                .unwrap_or(self.terminal_ui_traces),
            prompts: self.prompts,
            follow_ups: self.follow_ups,
            clarity_sum: self.clarity_sum,
            clarity_scored: self.clarity_scored,
            file_refs: self.file_refs,
            prompts_with_file_refs: self.prompts_with_file_refs,
            tools: self.tools,
            tool_failures: self.tool_failures,
            subagents: self.subagents,
            compactions: self.compactions,
            test_runs: self.test_runs,
            lint_runs: self.lint_runs,
            build_runs: self.build_runs,
            edit_batches: batches,
            verified_batches: verified,
            edits: self.edits,
            permission_modes: self.permission_modes,
            claude_md_project: self.claude_md_project,
            claude_md_user: self.claude_md_user,
            tokens: per_model.into_values().collect(),
            client_version: inputs.client_version,
        }
    }
}

/// The key a forked session's copied assistant lines carry, naming the session that made the request.
pub const REQUEST_SESSION_KEY: &[u8] = b"\"requestSessionId\":\"";

/// Whether one main-transcript line was copied from another session by a fork: it names a session
/// other than `session_id` as the maker of its API request. The start of a forked session's file,
/// up to its last such line, is its parent's history ([`FileRole::Inherited`]); the client copies
/// it there, ahead of anything the new session writes.
pub fn is_inherited_line(bytes: &[u8], session_id: &str) -> bool {
    memchr::memmem::find(bytes, REQUEST_SESSION_KEY).is_some()
        && crate::transcript::parse_line(bytes).is_ok_and(|line| {
            line.and_then(|l| l.request_session_id.map(|r| r != session_id))
                .unwrap_or(false)
        })
}

/// How a `cost-state` line starts (the client writes its type first).
const COST_STATE: &[u8] = b"{\"type\":\"cost-state\"";
/// How a `file-history-snapshot` line starts: the terminal UI's checkpoints.
const FILE_HISTORY_SNAPSHOT: &[u8] = b"{\"type\":\"file-history-snapshot\"";
/// The subtype of a compaction's `system` line, as written.
const COMPACT_BOUNDARY: &[u8] = b"\"subtype\":\"compact_boundary\"";

/// Line types that carry no signal: skipped unparsed when the line starts with its type.
const IGNORED_TYPES: [&[u8]; 13] = [
    b"api-request",
    b"api-request-blob",
    b"api-request-shape",
    b"file-history-snapshot",
    b"file-history-delta",
    b"cost-state",
    b"last-prompt",
    b"tools-used",
    b"atis-latch",
    b"queue-operation",
    b"summary",
    b"mode",
    b"custom-title",
];

/// Whether a line can be passed over without parsing, because parsing it would change nothing
/// (see [`SessionAccumulator::feed`]): a bookkeeping line that starts with its ignored type, or an
/// attachment other than the CLAUDE.md `instructions` (attachments are large: skill listings,
/// tool lists, the system prompt). Only a cheap look at the line's start; when in doubt, parse.
fn skippable(line: &[u8]) -> bool {
    const TYPE_FIRST: &[u8] = b"{\"type\":\"";
    if let Some(rest) = line.strip_prefix(TYPE_FIRST) {
        let end = memchr::memchr(b'"', rest).unwrap_or(0);
        return IGNORED_TYPES.contains(&&rest[..end]);
    }
    const ATTACHMENT: &[u8] = b"\"attachment\":{\"type\":\"";
    // Built once: this runs on every line.
    static FINDERS: std::sync::LazyLock<[memchr::memmem::Finder<'static>; 2]> =
        std::sync::LazyLock::new(|| {
            [
                memchr::memmem::Finder::new(ATTACHMENT),
                memchr::memmem::Finder::new(b"\"message\":"),
            ]
        });
    let [attachment, message] = &*FINDERS;
    let head = &line[..line.len().min(512)];
    match attachment.find(head) {
        // The top-level attachment key comes before any message; a key of that name nested in a
        // message (a tool's input) comes after `"message":`.
        Some(at) if message.find(&head[..at]).is_none() => {
            !head[at + ATTACHMENT.len()..].starts_with(b"instructions\"")
        }
        _ => false,
    }
}

/// Whether a line (not parsed) at least starts with `{` and ends with `}`; blank lines pass.
fn looks_like_whole_object(line: &[u8]) -> bool {
    let first = line.iter().position(|b| !b.is_ascii_whitespace());
    let last = line.iter().rposition(|b| !b.is_ascii_whitespace());
    match (first, last) {
        (Some(f), Some(l)) => line[f] == b'{' && line[l] == b'}',
        _ => true,
    }
}

/// How a tool call ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ResultOutcome {
    /// It ran (whatever its own exit status, unless marked as an error).
    Ran,
    /// It ran, or was attempted, and its result is an error.
    Failed,
    /// Permission was refused: it never ran.
    Denied,
}

impl ResultOutcome {
    fn of(line: &Line<'_>, block: &Block<'_>) -> Self {
        let rejected = line
            .permission_decision
            .as_ref()
            .and_then(|d| d.decision.as_deref())
            == Some("reject");
        if rejected || line.tool_denial_kind.is_some() {
            Self::Denied
        } else if block.is_error == Some(true) {
            Self::Failed
        } else {
            Self::Ran
        }
    }
}

/// Who made a permission decision.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Decider {
    Person,
    Automatic,
}

/// Who decided a tool call, from what the client recorded on its result line:
///
/// * a decision whose `reasonType` is `rule` came from a settings rule, whatever its `source` says
///   (a deny rule is written as `source: "user_reject"`): automatic;
/// * a decision from a `user_*` source (`user_temporary` for "Yes", `user_permanent` for a saved
///   "always allow") was the person's;
/// * any other source (`config` for the permission mode, `hook`, `classifier`) is automatic — this
///   is also how `claude -p` records a mode's denial, even though its denial kind says
///   `user-rejected`;
/// * no decision at all, but a `user-rejected` denial made before the call ran in the interactive
///   client: the person answered "No" (or Esc) at the prompt.
fn edit_decider(line: &Line<'_>) -> Decider {
    match &line.permission_decision {
        Some(d) if d.reason_type.as_deref() == Some("rule") => Decider::Automatic,
        Some(d) if d.source.as_deref().is_some_and(|s| s.starts_with("user_")) => Decider::Person,
        Some(_) => Decider::Automatic,
        None if line.tool_denial_kind.as_deref() == Some("user-rejected")
            && line.tool_denial_before_run == Some(true)
            && line.entrypoint.as_deref() == Some("cli") =>
        {
            Decider::Person
        }
        None => Decider::Automatic,
    }
}

/// Markers of user-role text that the person did not type as a prompt.
const NOT_A_PROMPT_PREFIXES: [&str; 14] = [
    "<command-name>",
    "<command-message>",
    "<command-args>",
    "<local-command-stdout>",
    "<local-command-stderr>",
    "<local-command-caveat>",
    "<bash-input>",
    "<bash-stdout>",
    "[Request interrupted",
    "Stop hook feedback",
    "<bash-stderr>",
    "<task-notification>",
    "<user-prompt-submit-hook>",
    "<user-memory-input>",
];

/// Whether a main-transcript user text line is a prompt the person wrote (see the module docs).
/// Every client version marks what is not: meta lines, compaction summaries, the client's own
/// notes, and the tags around commands, their output and notifications. Newer clients also mark
/// what is, with a prompt source (`typed`, `sdk`): once a session's client has written one, a line
/// without it is not a prompt (`session_marks_prompts`).
fn is_person_prompt(line: &Line<'_>, text: &str, session_marks_prompts: bool) -> bool {
    if line.prompt_source.is_none() && session_marks_prompts {
        return false;
    }
    if line.is_meta == Some(true)
        || line.is_compact_summary == Some(true)
        || line.is_visible_in_transcript_only == Some(true)
        || line.row_source.as_deref() == Some("harness")
    {
        return false;
    }
    if let Some(kind) = line.origin.as_ref().and_then(|o| o.kind.as_deref()) {
        if kind != "human" {
            return false;
        }
    }
    let trimmed = text.trim_start();
    if trimmed.is_empty() || NOT_A_PROMPT_PREFIXES.iter().any(|p| trimmed.starts_with(p)) {
        return false;
    }
    !trimmed.starts_with("<system-reminder>") && !trimmed.starts_with("Caveat: The messages below")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn inputs() -> SummaryInputs {
        SummaryInputs {
            session_key: SessionKey([1; 16]),
            revision: 1,
            end_reason: EndReason::Open,
            client_version: ClientVersion {
                major: 0,
                minor: 1,
                patch: 0,
            },
        }
    }

    fn feed_all(acc: &mut SessionAccumulator, text: &str) {
        for line in text.lines() {
            let _ = acc.feed_line(line.as_bytes(), FileRole::Main);
        }
    }

    #[test]
    fn usage_is_counted_once_per_response_at_its_largest() {
        let mut acc = SessionAccumulator::new();
        feed_all(
            &mut acc,
            r#"{"type":"assistant","requestId":"r1","message":{"id":"m1","model":"claude-sonnet-4-5-20250929","usage":{"input_tokens":3,"output_tokens":1,"cache_creation_input_tokens":10,"cache_read_input_tokens":5}}}
{"type":"assistant","requestId":"r1","message":{"id":"m1","model":"claude-sonnet-4-5-20250929","usage":{"input_tokens":3,"output_tokens":61,"cache_creation_input_tokens":10,"cache_read_input_tokens":5}}}
{"type":"assistant","requestId":"r1","message":{"id":"m1","model":"claude-sonnet-4-5-20250929","usage":{"input_tokens":3,"output_tokens":61,"cache_creation_input_tokens":10,"cache_read_input_tokens":5}}}
{"type":"assistant","requestId":"r2","message":{"id":"m2","model":"<synthetic>","usage":{"input_tokens":0,"output_tokens":0}}}
{"type":"assistant","requestId":"r3","message":{"id":"m3","model":"claude-haiku-4-5-20251001","usage":{"input_tokens":1,"output_tokens":2,"cache_creation_input_tokens":3,"cache_read_input_tokens":4}}}
{"type":"cost-state","modelUsage":{"x":{"inputTokens":999}}}
{"truncated": "#,
        );
        let s = acc.summary(inputs());
        assert_eq!(s.tokens.len(), 2);
        let sonnet = s.tokens.iter().find(|t| t.model == ModelId::Sonnet4_5).unwrap();
        assert_eq!(
            (
                sonnet.input,
                sonnet.output,
                sonnet.cache_creation,
                sonnet.cache_read
            ),
            (3, 61, 10, 5)
        );
        assert_eq!(acc.malformed_lines(), 1);
    }

    #[test]
    fn active_time_skips_long_gaps_and_start_is_the_first_minute() {
        let mut acc = SessionAccumulator::new();
        feed_all(
            &mut acc,
            r#"{"type":"system","timestamp":"2026-11-29T10:00:30.000Z"}
{"type":"system","timestamp":"2026-11-29T10:05:30.000Z"}
{"type":"system","timestamp":"2026-11-29T11:05:30.000Z"}
{"type":"system","timestamp":"2026-11-29T11:06:00.000Z"}"#,
        );
        let s = acc.summary(inputs());
        assert_eq!(s.active_s, 330);
        assert_eq!(
            s.started_minute,
            parse_timestamp_ms("2026-11-29T10:00:00Z").unwrap() / 60_000
        );
    }

    #[test]
    fn lines_passed_over_unparsed_would_change_nothing() {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/real");
        let mut stack = vec![std::path::PathBuf::from(dir)];
        let (mut skipped, mut kept) = (0, 0);
        while let Some(p) = stack.pop() {
            if p.is_dir() {
                stack.extend(std::fs::read_dir(&p).unwrap().flatten().map(|e| e.path()));
                continue;
            }
            if p.extension().is_none_or(|e| e != "jsonl") {
                continue;
            }
            for line in std::fs::read(&p).unwrap().split(|b| *b == b'\n') {
                // Read by `feed_chunk` before it looks at `skippable`.
                if line.starts_with(COST_STATE) || line.starts_with(FILE_HISTORY_SNAPSHOT) {
                    continue;
                }
                if !skippable(line) {
                    kept += 1;
                    continue;
                }
                skipped += 1;
                for role in [FileRole::Main, FileRole::Subagent] {
                    let mut acc = SessionAccumulator::new();
                    acc.feed_line(line, role).unwrap();
                    assert_eq!(acc.summary(inputs()), SessionAccumulator::new().summary(inputs()));
                }
            }
        }
        assert!(skipped > 100 && kept > 100, "{skipped} skipped, {kept} parsed");
        assert!(!skippable(br#"{"parentUuid":"x","message":{"content":[{"type":"tool_use","input":{"attachment":{"type":"file"}}}]}}"#));
        assert!(!skippable(
            br#"{"parentUuid":"x","attachment":{"type":"instructions","files":[]},"type":"attachment"}"#
        ));
        assert!(skippable(br#"{"parentUuid":"x","attachment":{"type":"skill_listing","content":"..."},"type":"attachment"}"#));
        assert!(!skippable(
            br#"{"type":"permission-mode","permissionMode":"plan"}"#
        ));
    }

    #[test]
    fn feeding_in_chunks_equals_feeding_at_once() {
        let text = std::fs::read(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../../shared/claude-harness/samples/transcript-interactive-rejection.jsonl"
        ));
        let Ok(text) = text else { return };
        let mut whole = SessionAccumulator::new();
        assert_eq!(whole.feed_chunk(&text, FileRole::Main), text.len());
        let mut parts = SessionAccumulator::new();
        let mut offset = 0;
        for cut in [10, 1000, 5000, 20_000, text.len()] {
            let cut = cut.min(text.len()).max(offset);
            let used = parts.feed_chunk(&text[offset..cut], FileRole::Main);
            // persist and reload between reads, as `prompt1 collect` does
            parts = serde_json::from_str(&serde_json::to_string(&parts).unwrap()).unwrap();
            offset += used;
        }
        assert_eq!(whole.summary(inputs()), parts.summary(inputs()));
    }
}
