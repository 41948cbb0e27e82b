//! The data boundary of prompt1.
//!
//! Everything that leaves a developer's machine is a [`SessionSummary`]: counts, sums, booleans,
//! closed enums and one keyed random id. There is deliberately no free text anywhere in this crate's
//! types — no `String`, no `serde_json::Value`, no byte buffers — so a prompt, a path, a command line
//! or a secret has no field it could travel in. Every struct denies unknown fields, every enum is
//! closed (an unknown value is an error, never a catch-all), and [`SessionSummary::validate`] bounds
//! every count, so the server can refuse anything that does not fit instead of storing it.
//!
//! Schema versions: this is schema [`SCHEMA_V1`]. A later schema adds a new struct next to this one;
//! the server keeps accepting every version it has known (see DESIGN.md, "The wire").

use serde::{Deserialize, Serialize};
use std::fmt;

pub mod upload;

/// Version 1 of the session summary (frozen: change only by adding a new version).
pub const SCHEMA_V1: u16 = 1;

/// The newest schema this build of the crate writes.
pub const CURRENT_SCHEMA: u16 = SCHEMA_V1;

/// Upper bound for any per-session event count (prompts, tool calls, runs, edits...).
///
/// A real session never comes near it; anything above is a corrupt or hostile summary.
pub const MAX_COUNT: u32 = 1_000_000;

/// Upper bound for any per-session, per-model token count (10^12).
pub const MAX_TOKENS: u64 = 1_000_000_000_000;

/// Upper bound for a session's active time: 31 days, in seconds.
pub const MAX_ACTIVE_SECONDS: u32 = 31 * 24 * 3600;

/// Highest clarity score a single prompt can get.
pub const MAX_CLARITY: u32 = 100;

/// Earliest accepted `started_minute`: 2024-01-01T00:00Z, in minutes since the Unix epoch.
pub const MIN_STARTED_MINUTE: i64 = 28_401_120;

/// Latest accepted `started_minute`: 2100-01-01T00:00Z, in minutes since the Unix epoch.
pub const MAX_STARTED_MINUTE: i64 = 68_374_080;

/// Most token rows one summary may carry (one per known model plus `other`).
pub const MAX_TOKEN_ROWS: usize = 32;

/// One Claude Code session, reduced on the developer's machine to what coaching needs.
///
/// Each field is a count, a sum, a boolean, a closed enum or the keyed session id. The definitions
/// of the signals live in `prompt1-signals` (one doc comment each); this type only carries them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SessionSummary {
    /// Version of this type; [`SCHEMA_V1`] for this struct.
    pub schema: u16,
    /// Keyed hash of the client's session id (HMAC with a per-install secret), so the summary cannot
    /// be matched to the client's own logs or transcript file names.
    pub session_key: SessionKey,
    /// Grows by one with each new upload of the same session; the server keeps the highest.
    pub revision: u32,
    /// The session is over: a `SessionEnd` was seen, or it was idle past the finalization time.
    #[serde(rename = "final")]
    pub is_final: bool,
    /// How it ended, as the client reported it; [`EndReason::Open`] while it is not final.
    pub end_reason: EndReason,
    /// Start of the session in whole UTC minutes since the Unix epoch: the finest time that leaves
    /// the machine.
    pub started_minute: i64,
    /// Active duration in seconds: the sum of the gaps between consecutive transcript lines, gaps
    /// over 30 minutes not counted.
    pub active_s: u32,
    /// False for sessions run by scripts or SDKs (`claude -p`), which are kept but not scored.
    pub interactive: bool,
    /// Prompts the person wrote, follow-ups included.
    pub prompts: u32,
    /// Short follow-ups ("yes", "go on"): counted, not scored for clarity.
    pub follow_ups: u32,
    /// Sum of the clarity scores (0-100 each) of the scored prompts.
    pub clarity_sum: u32,
    /// How many prompts were scored; mean clarity = `clarity_sum / clarity_scored`.
    pub clarity_scored: u32,
    /// File mentions across all prompts (`@path`, path-like tokens, file names in backticks).
    pub file_refs: u32,
    /// Prompts with at least one file mention.
    pub prompts_with_file_refs: u32,
    /// Tool calls by category (main session and sub-agents).
    pub tools: ToolCounts,
    /// Tool calls whose result was an error (denials not included).
    pub tool_failures: u32,
    /// Sub-agents started.
    pub subagents: u32,
    /// Context compactions (manual or automatic).
    pub compactions: u32,
    /// Shell sub-commands that run tests.
    pub test_runs: u32,
    /// Shell sub-commands that run a linter, formatter check or type checker.
    pub lint_runs: u32,
    /// Shell sub-commands that build.
    pub build_runs: u32,
    /// Edit batches: the file edits between two prompts of the person.
    pub edit_batches: u32,
    /// Edit batches followed by a test run before the next prompt.
    pub verified_batches: u32,
    /// Decisions on edit tool calls, split by who decided.
    pub edits: EditDecisions,
    /// Prompts of the person, by the permission mode in force when each was sent.
    pub permission_modes: PermissionModeCounts,
    /// A project-level CLAUDE.md (or equivalent project instructions) was loaded.
    pub claude_md_project: bool,
    /// A user-level CLAUDE.md was loaded.
    pub claude_md_user: bool,
    /// Token usage per model, each API response counted once.
    pub tokens: Vec<ModelTokens>,
    /// prompt1's own version that produced this summary.
    pub client_version: ClientVersion,
}

/// Tool calls by category. Never a tool's name: MCP servers and commands can name private things.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ToolCounts {
    /// Write, Edit, MultiEdit, NotebookEdit.
    pub edit: u32,
    /// Read, NotebookRead.
    pub read: u32,
    /// Grep, Glob, LS, ToolSearch.
    pub search: u32,
    /// Bash and other shell tools.
    pub shell: u32,
    /// WebFetch, WebSearch.
    pub web: u32,
    /// Agent / Task (sub-agents).
    pub agent: u32,
    /// Any `mcp__server__tool` call.
    pub mcp: u32,
    /// Everything else (todo lists, plan mode, skills...).
    pub other: u32,
}

/// Who decided on each edit tool call. Only the first two measure the developer's own judgement.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EditDecisions {
    /// The person approved the edit at a permission prompt.
    pub user_accepted: u32,
    /// The person rejected the edit at a permission prompt.
    pub user_rejected: u32,
    /// Allowed without asking: by the permission mode, a rule or a hook.
    pub auto_allowed: u32,
    /// Denied without asking: by the permission mode, a rule or a hook.
    pub auto_denied: u32,
}

/// Prompts per permission mode (the client's closed set, plus `other` for anything new).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PermissionModeCounts {
    /// `default`: ask before edits and commands.
    pub default: u32,
    /// `acceptEdits`: file edits allowed without asking.
    pub accept_edits: u32,
    /// `plan`: read-only planning.
    pub plan: u32,
    /// `dontAsk`: deny whatever would need asking.
    pub dont_ask: u32,
    /// `auto`: a classifier decides.
    pub auto: u32,
    /// `bypassPermissions`: nothing is asked.
    pub bypass_permissions: u32,
    /// A mode this version of prompt1 does not know.
    pub other: u32,
}

/// A permission mode, as the client names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum PermissionMode {
    /// `default`
    Default,
    /// `acceptEdits`
    AcceptEdits,
    /// `plan`
    Plan,
    /// `dontAsk`
    DontAsk,
    /// `auto`
    Auto,
    /// `bypassPermissions`
    BypassPermissions,
    /// Anything else.
    Other,
}

impl PermissionMode {
    /// Maps the client's spelling to the closed set (`manual` is the client's alias of `default`).
    pub fn from_client(name: &str) -> Self {
        match name {
            "default" | "manual" => Self::Default,
            "acceptEdits" => Self::AcceptEdits,
            "plan" => Self::Plan,
            "dontAsk" => Self::DontAsk,
            "auto" => Self::Auto,
            "bypassPermissions" => Self::BypassPermissions,
            _ => Self::Other,
        }
    }
}

impl PermissionModeCounts {
    /// Adds one prompt in `mode`.
    pub fn add(&mut self, mode: PermissionMode) {
        let slot = match mode {
            PermissionMode::Default => &mut self.default,
            PermissionMode::AcceptEdits => &mut self.accept_edits,
            PermissionMode::Plan => &mut self.plan,
            PermissionMode::DontAsk => &mut self.dont_ask,
            PermissionMode::Auto => &mut self.auto,
            PermissionMode::BypassPermissions => &mut self.bypass_permissions,
            PermissionMode::Other => &mut self.other,
        };
        *slot = slot.saturating_add(1);
    }

    fn all(&self) -> [u32; 7] {
        [
            self.default,
            self.accept_edits,
            self.plan,
            self.dont_ask,
            self.auto,
            self.bypass_permissions,
            self.other,
        ]
    }
}

impl ToolCounts {
    /// Total tool calls across all categories.
    pub fn total(&self) -> u32 {
        self.all().iter().fold(0u32, |a, b| a.saturating_add(*b))
    }

    fn all(&self) -> [u32; 8] {
        [
            self.edit,
            self.read,
            self.search,
            self.shell,
            self.web,
            self.agent,
            self.mcp,
            self.other,
        ]
    }
}

/// Why a session ended, from the client's `SessionEnd` hook (`reason`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EndReason {
    /// Not ended yet.
    Open,
    /// `/clear`.
    Clear,
    /// `/logout`.
    Logout,
    /// The person exited at the prompt.
    PromptInputExit,
    /// The client left bypass-permissions mode.
    BypassPermissionsDisabled,
    /// The session was resumed elsewhere.
    Resume,
    /// No `SessionEnd` arrived; prompt1 finalized the session after its idle time.
    IdleTimeout,
    /// Any other reason the client gives (including `other`).
    Other,
}

impl EndReason {
    /// Maps the client's `reason` string to the closed set.
    pub fn from_client(reason: &str) -> Self {
        match reason {
            "clear" => Self::Clear,
            "logout" => Self::Logout,
            "prompt_input_exit" => Self::PromptInputExit,
            "bypass_permissions_disabled" => Self::BypassPermissionsDisabled,
            "resume" => Self::Resume,
            _ => Self::Other,
        }
    }

    /// The reason's name as serialized (`prompt_input_exit`, `idle_timeout`, ...).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Open => "open",
            Self::Clear => "clear",
            Self::Logout => "logout",
            Self::PromptInputExit => "prompt_input_exit",
            Self::BypassPermissionsDisabled => "bypass_permissions_disabled",
            Self::Resume => "resume",
            Self::IdleTimeout => "idle_timeout",
            Self::Other => "other",
        }
    }

    /// The reason named `name` as serialized, if there is one.
    pub fn from_name(name: &str) -> Option<Self> {
        [
            Self::Open,
            Self::Clear,
            Self::Logout,
            Self::PromptInputExit,
            Self::BypassPermissionsDisabled,
            Self::Resume,
            Self::IdleTimeout,
            Self::Other,
        ]
        .into_iter()
        .find(|r| r.as_str() == name)
    }
}

/// Tokens one model used in one session. Each API response is counted once, at its largest usage.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ModelTokens {
    /// The model family, from a closed list shipped with the pricing table.
    pub model: ModelId,
    /// Uncached input tokens.
    pub input: u64,
    /// Output tokens (thinking included).
    pub output: u64,
    /// Tokens written to the prompt cache.
    pub cache_creation: u64,
    /// Tokens read from the prompt cache.
    pub cache_read: u64,
}

/// A model family. A closed list: a free pattern would let a gateway alias such as
/// `claude-acme-merger` (a project name) leave the machine.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum ModelId {
    /// Claude Opus 5.5
    #[serde(rename = "claude-opus-5-5")]
    Opus5_5,
    /// Claude Opus 4.6
    #[serde(rename = "claude-opus-4-6")]
    Opus4_6,
    /// Claude Sonnet 4.6
    #[serde(rename = "claude-sonnet-4-6")]
    Sonnet4_6,
    /// Claude Opus 4.5
    #[serde(rename = "claude-opus-4-5")]
    Opus4_5,
    /// Claude Sonnet 4.5
    #[serde(rename = "claude-sonnet-4-5")]
    Sonnet4_5,
    /// Claude Haiku 4.5
    #[serde(rename = "claude-haiku-4-5")]
    Haiku4_5,
    /// Claude Opus 4.1
    #[serde(rename = "claude-opus-4-1")]
    Opus4_1,
    /// Claude Opus 4
    #[serde(rename = "claude-opus-4")]
    Opus4,
    /// Claude Sonnet 4
    #[serde(rename = "claude-sonnet-4")]
    Sonnet4,
    /// Claude 3.7 Sonnet
    #[serde(rename = "claude-3-7-sonnet")]
    Sonnet3_7,
    /// Claude 3.5 Sonnet
    #[serde(rename = "claude-3-5-sonnet")]
    Sonnet3_5,
    /// Claude 3.5 Haiku
    #[serde(rename = "claude-3-5-haiku")]
    Haiku3_5,
    /// Claude 3 Opus
    #[serde(rename = "claude-3-opus")]
    Opus3,
    /// Claude 3 Haiku
    #[serde(rename = "claude-3-haiku")]
    Haiku3,
    /// Any model not on this list.
    #[serde(rename = "other")]
    Other,
}

impl ModelId {
    /// Every model id, `Other` last.
    pub const ALL: [ModelId; 15] = [
        Self::Opus5_5,
        Self::Opus4_6,
        Self::Sonnet4_6,
        Self::Opus4_5,
        Self::Sonnet4_5,
        Self::Haiku4_5,
        Self::Opus4_1,
        Self::Opus4,
        Self::Sonnet4,
        Self::Sonnet3_7,
        Self::Sonnet3_5,
        Self::Haiku3_5,
        Self::Opus3,
        Self::Haiku3,
        Self::Other,
    ];

    /// The family's canonical name (as serialized).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Opus5_5 => "claude-opus-5-5",
            Self::Opus4_6 => "claude-opus-4-6",
            Self::Sonnet4_6 => "claude-sonnet-4-6",
            Self::Opus4_5 => "claude-opus-4-5",
            Self::Sonnet4_5 => "claude-sonnet-4-5",
            Self::Haiku4_5 => "claude-haiku-4-5",
            Self::Opus4_1 => "claude-opus-4-1",
            Self::Opus4 => "claude-opus-4",
            Self::Sonnet4 => "claude-sonnet-4",
            Self::Sonnet3_7 => "claude-3-7-sonnet",
            Self::Sonnet3_5 => "claude-3-5-sonnet",
            Self::Haiku3_5 => "claude-3-5-haiku",
            Self::Opus3 => "claude-3-opus",
            Self::Haiku3 => "claude-3-haiku",
            Self::Other => "other",
        }
    }

    /// Maps the model name the API answered with (`claude-sonnet-4-5-20250929`, a Bedrock or Vertex
    /// spelling such as `us.anthropic.claude-sonnet-4-5-20250929-v1:0` or `claude-sonnet-4-5@20250929`)
    /// to its family. The name must be exactly a family, optionally followed by a `-YYYYMMDD` date,
    /// `@date` or `-vN:M` suffix; anything else is [`ModelId::Other`].
    pub fn from_api_name(name: &str) -> Self {
        let name = name
            .rsplit_once("anthropic.")
            .map_or(name, |(_, rest)| rest)
            .split('@')
            .next()
            .unwrap_or(name);
        let name = match name.rfind("-v") {
            Some(i) if name[i + 2..].chars().all(|c| c.is_ascii_digit() || c == ':') => &name[..i],
            _ => name,
        };
        let base = match name.rsplit_once('-') {
            Some((head, date)) if date.len() == 8 && date.bytes().all(|b| b.is_ascii_digit()) => head,
            _ => name,
        };
        let base = base.strip_suffix("-latest").unwrap_or(base);
        Self::ALL
            .into_iter()
            .find(|m| *m != Self::Other && m.as_str() == base)
            .unwrap_or(Self::Other)
    }
}

/// prompt1's own version: three numbers, no pre-release text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClientVersion {
    /// Major version.
    pub major: u16,
    /// Minor version.
    pub minor: u16,
    /// Patch version.
    pub patch: u16,
}

/// A 128-bit keyed session id, written as 32 lowercase hex digits.
///
/// It is derived on the client as HMAC-SHA-256(per-install secret, client session id), truncated:
/// stable across revisions of one session, unlinkable to the client's own ids.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct SessionKey(pub [u8; 16]);

impl SessionKey {
    /// The key as 32 lowercase hex digits.
    pub fn to_hex(&self) -> HexKey {
        let mut out = [0u8; 32];
        for (i, b) in self.0.iter().enumerate() {
            out[2 * i] = HEX[(b >> 4) as usize];
            out[2 * i + 1] = HEX[(b & 15) as usize];
        }
        HexKey(out)
    }

    /// Parses exactly 32 hex digits (either case); anything else is refused.
    pub fn from_hex(text: &str) -> Result<Self, WireError> {
        let bytes = text.as_bytes();
        if bytes.len() != 32 {
            return Err(WireError::SessionKey);
        }
        let mut out = [0u8; 16];
        for (i, pair) in bytes.chunks_exact(2).enumerate() {
            let hi = hex_value(pair[0]).ok_or(WireError::SessionKey)?;
            let lo = hex_value(pair[1]).ok_or(WireError::SessionKey)?;
            out[i] = (hi << 4) | lo;
        }
        Ok(Self(out))
    }
}

const HEX: &[u8; 16] = b"0123456789abcdef";

fn hex_value(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

/// The 32 hex digits of a [`SessionKey`], without allocating.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct HexKey([u8; 32]);

impl HexKey {
    /// The digits as text.
    pub fn as_str(&self) -> &str {
        // Only ASCII hex digits are ever written into the array.
        std::str::from_utf8(&self.0).unwrap_or("")
    }
}

impl fmt::Display for HexKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Display for SessionKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.to_hex().as_str())
    }
}

impl fmt::Debug for SessionKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SessionKey({})", self.to_hex())
    }
}

impl Serialize for SessionKey {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.to_hex().as_str())
    }
}

impl<'de> Deserialize<'de> for SessionKey {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct KeyVisitor;
        impl serde::de::Visitor<'_> for KeyVisitor {
            type Value = SessionKey;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("32 hex digits")
            }
            // The text is parsed into 16 bytes at once and never kept: only hex digits pass.
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<SessionKey, E> {
                SessionKey::from_hex(v).map_err(|_| E::custom("session_key must be 32 hex digits"))
            }
        }
        deserializer.deserialize_str(KeyVisitor)
    }
}

/// Why a summary was refused. Messages name the field, never echo a value.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WireError {
    /// The session key is not 32 hex digits.
    #[error("session_key must be 32 hex digits")]
    SessionKey,
    /// The schema number is not one this build knows.
    #[error("unsupported schema {found}; the highest supported is {supported}")]
    UnsupportedSchema {
        /// What the summary said.
        found: u16,
        /// The highest this side knows.
        supported: u16,
    },
    /// A field is outside its allowed range or inconsistent with another.
    #[error("field `{field}` is out of range: {rule}")]
    OutOfRange {
        /// The field's name.
        field: &'static str,
        /// The rule it broke.
        rule: &'static str,
    },
}

fn check(ok: bool, field: &'static str, rule: &'static str) -> Result<(), WireError> {
    if ok {
        Ok(())
    } else {
        Err(WireError::OutOfRange { field, rule })
    }
}

impl SessionSummary {
    /// Checks every range and every relation between fields. The server calls it on each upload;
    /// the client calls it before queueing one, so a bug never ships a summary the server refuses.
    pub fn validate(&self) -> Result<(), WireError> {
        if self.schema != SCHEMA_V1 {
            return Err(WireError::UnsupportedSchema {
                found: self.schema,
                supported: CURRENT_SCHEMA,
            });
        }
        let counts: [(&'static str, u32); 18] = [
            ("revision", self.revision),
            ("prompts", self.prompts),
            ("follow_ups", self.follow_ups),
            ("clarity_scored", self.clarity_scored),
            ("file_refs", self.file_refs),
            ("prompts_with_file_refs", self.prompts_with_file_refs),
            ("tool_failures", self.tool_failures),
            ("subagents", self.subagents),
            ("compactions", self.compactions),
            ("test_runs", self.test_runs),
            ("lint_runs", self.lint_runs),
            ("build_runs", self.build_runs),
            ("edit_batches", self.edit_batches),
            ("verified_batches", self.verified_batches),
            ("edits.user_accepted", self.edits.user_accepted),
            ("edits.user_rejected", self.edits.user_rejected),
            ("edits.auto_allowed", self.edits.auto_allowed),
            ("edits.auto_denied", self.edits.auto_denied),
        ];
        for (field, value) in counts {
            check(value <= MAX_COUNT, field, "at most 1000000")?;
        }
        for value in self.tools.all() {
            check(value <= MAX_COUNT, "tools", "each at most 1000000")?;
        }
        for value in self.permission_modes.all() {
            check(value <= MAX_COUNT, "permission_modes", "each at most 1000000")?;
        }
        check(self.revision >= 1, "revision", "at least 1")?;
        check(
            (MIN_STARTED_MINUTE..=MAX_STARTED_MINUTE).contains(&self.started_minute),
            "started_minute",
            "between 2024-01-01 and 2100-01-01",
        )?;
        check(self.active_s <= MAX_ACTIVE_SECONDS, "active_s", "at most 31 days")?;
        check(self.follow_ups <= self.prompts, "follow_ups", "at most prompts")?;
        check(
            self.clarity_scored.saturating_add(self.follow_ups) <= self.prompts,
            "clarity_scored",
            "clarity_scored + follow_ups at most prompts",
        )?;
        check(
            u64::from(self.clarity_sum) <= u64::from(self.clarity_scored) * u64::from(MAX_CLARITY),
            "clarity_sum",
            "at most 100 x clarity_scored",
        )?;
        check(
            self.prompts_with_file_refs <= self.prompts,
            "prompts_with_file_refs",
            "at most prompts",
        )?;
        check(
            self.prompts_with_file_refs <= self.file_refs,
            "prompts_with_file_refs",
            "at most file_refs",
        )?;
        check(
            self.permission_modes
                .all()
                .iter()
                .map(|v| u64::from(*v))
                .sum::<u64>()
                <= u64::from(self.prompts),
            "permission_modes",
            "sum at most prompts",
        )?;
        check(
            self.verified_batches <= self.edit_batches,
            "verified_batches",
            "at most edit_batches",
        )?;
        check(
            self.is_final == (self.end_reason != EndReason::Open),
            "end_reason",
            "open exactly when not final",
        )?;
        check(self.tokens.len() <= MAX_TOKEN_ROWS, "tokens", "at most 32 rows")?;
        for (i, row) in self.tokens.iter().enumerate() {
            for value in [row.input, row.output, row.cache_creation, row.cache_read] {
                check(value <= MAX_TOKENS, "tokens", "each count at most 10^12")?;
            }
            check(
                self.tokens[..i].iter().all(|earlier| earlier.model != row.model),
                "tokens",
                "one row per model",
            )?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    pub(crate) fn sample() -> SessionSummary {
        SessionSummary {
            schema: SCHEMA_V1,
            session_key: SessionKey([7; 16]),
            revision: 1,
            is_final: true,
            end_reason: EndReason::Other,
            started_minute: 29_500_000,
            active_s: 120,
            interactive: true,
            prompts: 3,
            follow_ups: 1,
            clarity_sum: 120,
            clarity_scored: 2,
            file_refs: 2,
            prompts_with_file_refs: 1,
            tools: ToolCounts {
                edit: 2,
                shell: 1,
                ..ToolCounts::default()
            },
            tool_failures: 0,
            subagents: 0,
            compactions: 0,
            test_runs: 1,
            lint_runs: 0,
            build_runs: 0,
            edit_batches: 1,
            verified_batches: 1,
            edits: EditDecisions {
                user_accepted: 1,
                user_rejected: 1,
                ..EditDecisions::default()
            },
            permission_modes: PermissionModeCounts {
                default: 3,
                ..PermissionModeCounts::default()
            },
            claude_md_project: true,
            claude_md_user: false,
            tokens: vec![ModelTokens {
                model: ModelId::Sonnet4_5,
                input: 10,
                output: 20,
                cache_creation: 30,
                cache_read: 40,
            }],
            client_version: ClientVersion {
                major: 0,
                minor: 1,
                patch: 0,
            },
        }
    }

    #[test]
    fn round_trips_through_json() {
        let s = sample();
        let text = serde_json::to_string(&s).unwrap();
        assert!(text.contains("\"session_key\":\"07070707070707070707070707070707\""));
        assert!(text.contains("\"final\":true"));
        let back: SessionSummary = serde_json::from_str(&text).unwrap();
        assert_eq!(back, s);
        assert_eq!(back.validate(), Ok(()));
    }

    #[test]
    fn rejects_unknown_fields_at_every_level() {
        let mut v: serde_json::Value = serde_json::to_value(sample()).unwrap();
        v["prompt_text"] = "leak".into();
        assert!(serde_json::from_value::<SessionSummary>(v).is_err());
        let mut v: serde_json::Value = serde_json::to_value(sample()).unwrap();
        v["tools"]["Bash"] = 1.into();
        assert!(serde_json::from_value::<SessionSummary>(v).is_err());
        let mut v: serde_json::Value = serde_json::to_value(sample()).unwrap();
        v["tokens"][0]["model"] = "claude-acme-merger".into();
        assert!(serde_json::from_value::<SessionSummary>(v).is_err());
        let mut v: serde_json::Value = serde_json::to_value(sample()).unwrap();
        v["end_reason"] = "because".into();
        assert!(serde_json::from_value::<SessionSummary>(v).is_err());
        let mut v: serde_json::Value = serde_json::to_value(sample()).unwrap();
        v["session_key"] = "not hex at all, but 32 chars!!!!".into();
        assert!(serde_json::from_value::<SessionSummary>(v).is_err());
        let mut v: serde_json::Value = serde_json::to_value(sample()).unwrap();
        v["prompts"] = (-1).into();
        assert!(serde_json::from_value::<SessionSummary>(v).is_err());
    }

    #[test]
    fn validate_refuses_out_of_range_and_inconsistent_values() {
        type Mutation = fn(&mut SessionSummary);
        let cases: Vec<(Mutation, &str)> = vec![
            (|s| s.prompts = MAX_COUNT + 1, "prompts"),
            (|s| s.follow_ups = 4, "follow_ups"),
            (|s| s.clarity_sum = 201, "clarity_sum"),
            (|s| s.verified_batches = 2, "verified_batches"),
            (|s| s.started_minute = 0, "started_minute"),
            (|s| s.revision = 0, "revision"),
            (|s| s.is_final = false, "end_reason"),
            (|s| s.permission_modes.plan = 1, "permission_modes"),
            (|s| s.tools.mcp = MAX_COUNT + 1, "tools"),
            (|s| s.tokens[0].output = MAX_TOKENS + 1, "tokens"),
            (|s| s.tokens.push(s.tokens[0]), "tokens"),
            (|s| s.prompts_with_file_refs = 3, "prompts_with_file_refs"),
        ];
        for (mutate, field) in cases {
            let mut s = sample();
            mutate(&mut s);
            match s.validate() {
                Err(WireError::OutOfRange { field: f, .. }) => assert_eq!(f, field),
                other => panic!("{field}: expected out of range, got {other:?}"),
            }
        }
        let mut s = sample();
        s.schema = 2;
        assert_eq!(
            s.validate(),
            Err(WireError::UnsupportedSchema {
                found: 2,
                supported: 1
            })
        );
    }

    #[test]
    fn model_names_map_to_closed_families() {
        for (name, want) in [
            ("claude-sonnet-4-5-20250929", ModelId::Sonnet4_5),
            ("claude-opus-4-5-20251101", ModelId::Opus4_5),
            ("claude-3-5-haiku-20241022", ModelId::Haiku3_5),
            ("claude-opus-5-5", ModelId::Opus5_5),
            ("us.anthropic.claude-sonnet-4-5-20250929-v1:0", ModelId::Sonnet4_5),
            ("claude-sonnet-4-5@20250929", ModelId::Sonnet4_5),
            ("claude-3-7-sonnet-latest", ModelId::Sonnet3_7),
            ("claude-acme-merger", ModelId::Other),
            ("claude-sonnet-4-5-my-secret-project", ModelId::Other),
            ("<synthetic>", ModelId::Other),
            ("", ModelId::Other),
        ] {
            assert_eq!(ModelId::from_api_name(name), want, "{name}");
        }
    }

    #[test]
    fn session_key_hex_round_trip_and_refusals() {
        let k = SessionKey([0xab; 16]);
        assert_eq!(SessionKey::from_hex(k.to_hex().as_str()), Ok(k));
        assert!(SessionKey::from_hex("abc").is_err());
        assert!(SessionKey::from_hex(&"g".repeat(32)).is_err());
    }
}
