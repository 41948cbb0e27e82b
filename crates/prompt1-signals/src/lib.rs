//! Pure signal extraction: everything prompt1 learns about a session is computed here, from the
//! session's transcript, with no I/O of its own.
//!
//! Keeping these functions pure (bytes in, numbers out) is what lets the hook path (`prompt1 collect`)
//! and the backfill (`prompt1 import`) agree by construction, and what makes every signal testable
//! against real transcripts of the real client. Nothing here keeps text: each function reads a
//! prompt, a command or a transcript line and returns counts, scores or closed enums.

pub mod clarity;
pub mod commands;
pub mod files;
pub mod summary;
pub mod transcript;

pub use summary::{SessionAccumulator, SummaryInputs};
