//! prompt1's coach: a proficiency score and coaching tips from session summaries.
//!
//! Pure code, shared by the client (`prompt1 report`, no server needed) and the server (the
//! developer's page and the team overview), so both show the same numbers by construction. It does
//! no I/O and reads no clock: callers pass the window's days in. Its input is a [`Tally`] of
//! additive counters, which the client sums from its local summaries and the server rebuilds from
//! daily rollups with SQL sums.
//!
//! - [`tally`]: the counters, one summary per session ([`latest_revisions`]) and day windows.
//! - [`score`]: [`proficiency`], six documented, weighted components.
//! - [`org`]: the organization's distribution that coaching compares with.
//! - [`coaching`](mod@coaching): at most three prioritised tips.
//! - [`claude_md`]: the effect of adding a project CLAUDE.md on the developer's own habits.
//!
//! Every output type serializes with serde and refuses unknown fields; with the `openapi` feature
//! each also derives `utoipa::ToSchema`.

pub mod claude_md;
pub mod coaching;
pub mod evidence;
pub mod org;
pub mod score;
pub mod tally;

pub use claude_md::{ClaudeMdEffect, EffectSide};
pub use coaching::{coaching, Rule, Tip};
pub use evidence::{Evidence, Figure, Metric, Source};
pub use org::{OrgDistribution, Quartiles};
pub use score::{proficiency, Component, ComponentKind, Proficiency, Shortfall};
pub use tally::{latest_revisions, tally_window, DayWindow, Tally};
