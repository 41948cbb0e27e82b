//! The price table for "cost by model": data kept on the server, not computed from anything.
//!
//! Why here and as whole cents: the client sends token counts only; what they cost is a business
//! fact that changes by date, so the server owns it and says which table it used
//! ([`PRICES_AS_OF`]). Prices are US cents per million tokens (list prices), so every cost is
//! an exact integer product divided once. A model prompt1 does not know (`other`) has no price:
//! its cost is unknown (null), never guessed.

use prompt1_wire::ModelId;

/// The date of the list prices below.
pub const PRICES_AS_OF: &str = "2026-11-01";

/// List prices of one model, in US cents per million tokens.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Price {
    /// Uncached input.
    pub input: u64,
    /// Output.
    pub output: u64,
    /// Writes to the prompt cache (5-minute cache).
    pub cache_creation: u64,
    /// Reads from the prompt cache.
    pub cache_read: u64,
}

const OPUS_CURRENT: Price = Price {
    input: 500,
    output: 2500,
    cache_creation: 625,
    cache_read: 50,
};
const OPUS_LEGACY: Price = Price {
    input: 1500,
    output: 7500,
    cache_creation: 1875,
    cache_read: 150,
};
const SONNET: Price = Price {
    input: 300,
    output: 1500,
    cache_creation: 375,
    cache_read: 30,
};
const HAIKU_4_5: Price = Price {
    input: 100,
    output: 500,
    cache_creation: 125,
    cache_read: 10,
};
const HAIKU_3_5: Price = Price {
    input: 80,
    output: 400,
    cache_creation: 100,
    cache_read: 8,
};
const HAIKU_3: Price = Price {
    input: 25,
    output: 125,
    cache_creation: 30,
    cache_read: 3,
};

/// The price of a model by its stored name (`ModelId::as_str`), if known.
pub fn price_of(model: &str) -> Option<Price> {
    let id = ModelId::ALL.into_iter().find(|m| m.as_str() == model)?;
    match id {
        ModelId::Opus5_5 | ModelId::Opus4_6 | ModelId::Opus4_5 => Some(OPUS_CURRENT),
        ModelId::Opus4_1 | ModelId::Opus4 | ModelId::Opus3 => Some(OPUS_LEGACY),
        ModelId::Sonnet4_6
        | ModelId::Sonnet4_5
        | ModelId::Sonnet4
        | ModelId::Sonnet3_7
        | ModelId::Sonnet3_5 => Some(SONNET),
        ModelId::Haiku4_5 => Some(HAIKU_4_5),
        ModelId::Haiku3_5 => Some(HAIKU_3_5),
        ModelId::Haiku3 => Some(HAIKU_3),
        ModelId::Other => None,
    }
}

/// The cost in US dollars of the given tokens of `model`, or `None` for an unknown model.
pub fn cost_usd(model: &str, input: u64, output: u64, cache_creation: u64, cache_read: u64) -> Option<f64> {
    let p = price_of(model)?;
    let cents_times_million = u128::from(input) * u128::from(p.input)
        + u128::from(output) * u128::from(p.output)
        + u128::from(cache_creation) * u128::from(p.cache_creation)
        + u128::from(cache_read) * u128::from(p.cache_read);
    Some(cents_times_million as f64 / 100_000_000.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn costs_are_list_prices_per_million_tokens() {
        // 1M input ($3) + 1M output ($15) + 1M cache writes ($3.75) + 1M cache reads ($0.30).
        assert_eq!(
            cost_usd("claude-sonnet-4-5", 1_000_000, 1_000_000, 1_000_000, 1_000_000),
            Some(22.05)
        );
        assert_eq!(cost_usd("claude-opus-4-1", 2_000_000, 0, 0, 0), Some(30.0));
        assert_eq!(cost_usd("other", 1, 1, 1, 1), None);
        assert_eq!(cost_usd("not-a-model", 1, 1, 1, 1), None);
        assert!(ModelId::ALL
            .into_iter()
            .filter(|m| *m != ModelId::Other)
            .all(|m| price_of(m.as_str()).is_some()));
    }
}
