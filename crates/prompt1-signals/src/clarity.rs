//! The prompt clarity rubric.

use serde::Serialize;

/// The rubric's parts for one prompt.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct ClarityParts {
    /// Points for a specific goal.
    pub specific_goal: u8,
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

/// Scores one prompt.
pub fn assess(prompt: &str) -> PromptAssessment {
    let _ = prompt;
    PromptAssessment::Scored { score: 0, parts: ClarityParts::default() }
}
