//! The organization's distribution of habits, which coaching compares a developer with.
//!
//! Why quartiles of per-developer rates, not one pooled rate: a pooled rate is dominated by the
//! heaviest users; "the organization's median developer" is what a person can compare themself
//! with. Only members with enough data for a score take part (a newcomer's three prompts would
//! drag every median), and a metric's figures are only used for comparison when at least
//! [`MIN_ORG_MEMBERS`] members have evidence for it. The caller decides who the members are (the
//! server passes everyone in the organization, the developer included).

use crate::evidence::Metric;
use crate::score::{Shortfall, MIN_USER_DECIDED_EDITS};
use crate::tally::Tally;
use serde::{Deserialize, Serialize};

/// Fewest members with evidence for a metric before the organization's figures are compared with:
/// fewer would be a comparison with one or two named colleagues.
pub const MIN_ORG_MEMBERS: u64 = 3;

/// The habits coaching compares, in this order.
pub const COMPARED: [Metric; 9] = [
    Metric::VerifiedShare,
    Metric::MeanClarity,
    Metric::FileRefShare,
    Metric::RejectedShare,
    Metric::BypassShare,
    Metric::ClaudeMdProjectShare,
    Metric::CacheReuse,
    Metric::FreshTokensPerPrompt,
    Metric::CompactionsPerSession,
];

/// A compared habit's value for one developer's tally, when it has evidence for it. The rejected
/// share also needs [`MIN_USER_DECIDED_EDITS`] decisions, as in the judgement component.
pub fn habit(metric: Metric, t: &Tally) -> Option<f64> {
    match metric {
        Metric::RejectedShare if t.user_decided_edits() < MIN_USER_DECIDED_EDITS => None,
        _ => metric.of(t),
    }
}

/// One habit across the organization's members.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct Quartiles {
    /// The habit.
    pub metric: Metric,
    /// Members with evidence for it.
    pub members: u64,
    /// First quartile.
    pub p25: f64,
    /// Median.
    pub median: f64,
    /// Third quartile.
    pub p75: f64,
}

/// Per-habit quartiles over an organization's members.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct OrgDistribution {
    /// Members with enough data for a score (the only ones counted).
    pub members: u64,
    /// One entry per compared habit that at least one member has evidence for, in [`COMPARED`] order.
    pub habits: Vec<Quartiles>,
}

/// The `p` quantile (0-1) of sorted `values` by linear interpolation between closest ranks: position
/// `h = (n - 1) * p`, value `x[floor(h)] + (h - floor(h)) * (x[floor(h) + 1] - x[floor(h)])`.
fn quantile(sorted: &[f64], p: f64) -> f64 {
    let h = (sorted.len() - 1) as f64 * p;
    let lo = h.floor() as usize;
    let hi = (lo + 1).min(sorted.len() - 1);
    sorted[lo] + (h - lo as f64) * (sorted[hi] - sorted[lo])
}

impl OrgDistribution {
    /// The distribution over `members`' tallies (one tally per developer, same window). The result
    /// does not depend on the members' order.
    pub fn from_members(members: &[Tally]) -> Self {
        let scored: Vec<&Tally> = members.iter().filter(|t| Shortfall::of(t).is_none()).collect();
        let habits = COMPARED
            .iter()
            .filter_map(|metric| {
                let mut values: Vec<f64> = scored.iter().filter_map(|t| habit(*metric, t)).collect();
                if values.is_empty() {
                    return None;
                }
                values.sort_by(f64::total_cmp);
                Some(Quartiles {
                    metric: *metric,
                    members: values.len() as u64,
                    p25: quantile(&values, 0.25),
                    median: quantile(&values, 0.5),
                    p75: quantile(&values, 0.75),
                })
            })
            .collect();
        Self {
            members: scored.len() as u64,
            habits,
        }
    }

    /// The habit's quartiles, when at least [`MIN_ORG_MEMBERS`] members have evidence for it.
    pub fn quartiles(&self, metric: Metric) -> Option<&Quartiles> {
        self.habits
            .iter()
            .find(|q| q.metric == metric && q.members >= MIN_ORG_MEMBERS)
    }

    /// The habit's median, when it can be compared with (see [`OrgDistribution::quartiles`]).
    pub fn median(&self, metric: Metric) -> Option<f64> {
        self.quartiles(metric).map(|q| q.median)
    }
}
