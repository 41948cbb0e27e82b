//! The upload exchange: a batch of session summaries going up, and one result per summary coming back.
//!
//! Added next to the frozen v1 summary under the same rules as the rest of the crate (numbers, booleans,
//! closed enums, validated ids; no free text), so the acknowledgement can never carry a server-side
//! message quoting uploaded data back into a client log. Results are positional: `results[i]` answers
//! `sessions[i]`, and echoes its key and revision when the server could read them, so the client can
//! check that it deletes exactly the outbox item the server stored.

use crate::{SessionKey, SessionSummary};
use serde::{Deserialize, Serialize};

/// Most summaries one upload may carry; the server answers a larger batch with 413.
pub const MAX_BATCH: usize = 50;

/// What `prompt1 sync` sends: up to [`MAX_BATCH`] summaries.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UploadBatch {
    /// The summaries, each at its latest revision.
    pub sessions: Vec<SessionSummary>,
}

/// The server's answer to an [`UploadBatch`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UploadAck {
    /// The highest summary schema this server accepts; a newer client downgrades (or keeps) what it
    /// cannot send yet instead of losing it.
    pub max_schema: u16,
    /// One result per uploaded summary, in the same order.
    pub results: Vec<UploadResult>,
}

/// What happened to one summary of a batch.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UploadResult {
    /// Stored, already stored, or refused.
    pub status: UploadStatus,
    /// The summary's key, when the server could read it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub session_key: Option<SessionKey>,
    /// The summary's revision, when the server could read it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub revision: Option<u32>,
    /// Why it was refused (only with [`UploadStatus::Rejected`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<RejectReason>,
}

/// The fate of one summary. Both `Stored` and `AlreadyStored` mean the client may delete its copy.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum UploadStatus {
    /// This revision is now the stored one; rollups moved by its difference to the previous one.
    Stored,
    /// The server already had this revision or a newer one; nothing changed.
    AlreadyStored,
    /// Refused for good: retrying the same bytes will be refused again (the client quarantines it).
    Rejected,
}

/// Why a summary was refused: a code, never a message that could quote the data.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RejectReason {
    /// Not a summary: bad JSON shape, unknown field, value outside an enum.
    Malformed,
    /// A count out of range or fields that contradict each other ([`SessionSummary::validate`]).
    OutOfRange,
    /// A schema newer than the server's `max_schema` (or one it never knew).
    UnsupportedSchema,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ack_round_trips_and_refuses_unknown_fields() {
        let ack = UploadAck {
            max_schema: 1,
            results: vec![
                UploadResult {
                    status: UploadStatus::Stored,
                    session_key: Some(SessionKey([1; 16])),
                    revision: Some(3),
                    reason: None,
                },
                UploadResult {
                    status: UploadStatus::Rejected,
                    session_key: None,
                    revision: None,
                    reason: Some(RejectReason::Malformed),
                },
            ],
        };
        let text = serde_json::to_string(&ack).unwrap();
        assert_eq!(serde_json::from_str::<UploadAck>(&text).unwrap(), ack);
        assert!(serde_json::from_str::<UploadAck>(r#"{"max_schema":1,"results":[],"note":"x"}"#).is_err());
        assert!(serde_json::from_str::<UploadResult>(r#"{"status":"lost"}"#).is_err());
    }
}
