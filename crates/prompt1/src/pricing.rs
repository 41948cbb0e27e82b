//! List prices per model family, for cost *estimates*.
//!
//! Shipped with the binary and overridable by a JSON file (`--pricing FILE`):
//! `{"claude-sonnet-4-5": {"input": 3.0, "output": 15.0, "cache_creation": 3.75, "cache_read": 0.3}}`,
//! in US dollars per million tokens. Cache writes are priced at the 5-minute rate, except those the
//! transcript records as 1-hour cache writes (`usage.cache_creation.ephemeral_1h_input_tokens`),
//! priced at the 1-hour rate (`cache_creation_1h`, by default twice the input price). A model
//! without a price costs 0 and is flagged; nothing here is a bill.

use anyhow::{Context, Result};
use prompt1_signals::summary::TokenRow;
use prompt1_wire::ModelId;
use serde::Deserialize;
use std::collections::HashMap;
use std::path::Path;

/// Prices of one model, US dollars per million tokens.
#[derive(Debug, Clone, Copy, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Price {
    /// Uncached input.
    pub input: f64,
    /// Output.
    pub output: f64,
    /// Cache writes (5-minute cache).
    pub cache_creation: f64,
    /// Cache reads.
    pub cache_read: f64,
    /// Cache writes to the 1-hour cache; twice the input price when not given.
    #[serde(default)]
    pub cache_creation_1h: Option<f64>,
}

impl Price {
    /// The price of a 1-hour cache write.
    pub fn cache_write_1h(&self) -> f64 {
        self.cache_creation_1h.unwrap_or(self.input * 2.0)
    }
}

const fn price(input: f64, output: f64) -> Price {
    Price {
        input,
        output,
        cache_creation: input * 1.25,
        cache_read: input * 0.1,
        cache_creation_1h: None,
    }
}

/// The built-in table.
pub fn builtin(model: ModelId) -> Option<Price> {
    Some(match model {
        ModelId::Opus5_5 | ModelId::Opus4_6 | ModelId::Opus4_5 => price(5.0, 25.0),
        ModelId::Sonnet4_6
        | ModelId::Sonnet4_5
        | ModelId::Sonnet4
        | ModelId::Sonnet3_7
        | ModelId::Sonnet3_5 => price(3.0, 15.0),
        ModelId::Haiku4_5 => price(1.0, 5.0),
        ModelId::Opus4_1 | ModelId::Opus4 | ModelId::Opus3 => price(15.0, 75.0),
        ModelId::Haiku3_5 => price(0.8, 4.0),
        ModelId::Haiku3 => price(0.25, 1.25),
        ModelId::Other => return None,
    })
}

/// The pricing in force: the built-in table with a file's entries on top.
#[derive(Debug, Clone, Default)]
pub struct Pricing {
    overrides: HashMap<ModelId, Price>,
}

impl Pricing {
    /// Loads overrides from a JSON file keyed by model family name.
    pub fn from_file(path: &Path) -> Result<Self> {
        let text = std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
        let raw: HashMap<ModelId, Price> = serde_json::from_slice(&text).with_context(|| {
            format!(
                "{} is not a pricing table (model family -> prices)",
                path.display()
            )
        })?;
        Ok(Self { overrides: raw })
    }

    /// The price of `model`, if known.
    pub fn get(&self, model: ModelId) -> Option<Price> {
        self.overrides.get(&model).copied().or_else(|| builtin(model))
    }

    /// Estimated cost in dollars of a row: its 1-hour cache writes at the 1-hour rate, the other
    /// cache writes at the 5-minute rate.
    pub fn cost_of(&self, row: &TokenRow) -> f64 {
        let Some(p) = self.get(row.model) else { return 0.0 };
        let writes_1h = row.cache_creation_1h.min(row.cache_creation);
        (row.input as f64 * p.input
            + row.output as f64 * p.output
            + (row.cache_creation - writes_1h) as f64 * p.cache_creation
            + writes_1h as f64 * p.cache_write_1h()
            + row.cache_read as f64 * p.cache_read)
            / 1e6
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    impl Pricing {
        /// Estimated cost in dollars, every cache write at the 5-minute rate.
        fn cost(&self, model: ModelId, input: u64, output: u64, cache_creation: u64, cache_read: u64) -> f64 {
            self.cost_of(&TokenRow {
                model,
                input,
                output,
                cache_creation,
                cache_read,
                ..TokenRow::ZERO
            })
        }
    }

    #[test]
    fn builtin_and_override() {
        let p = Pricing::default();
        let c = p.cost(ModelId::Sonnet4_5, 1_000_000, 1_000_000, 1_000_000, 1_000_000);
        assert!((c - (3.0 + 15.0 + 3.75 + 0.3)).abs() < 1e-9);
        assert_eq!(p.cost(ModelId::Other, 5, 5, 5, 5), 0.0);
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("p.json");
        std::fs::write(
            &f,
            r#"{"other": {"input": 1, "output": 2, "cache_creation": 0, "cache_read": 0}}"#,
        )
        .unwrap();
        let p = Pricing::from_file(&f).unwrap();
        assert!((p.cost(ModelId::Other, 1_000_000, 1_000_000, 0, 0) - 3.0).abs() < 1e-9);
        std::fs::write(&f, r#"{"claude-acme": {"input": 1}}"#).unwrap();
        assert!(Pricing::from_file(&f).is_err());
        std::fs::write(
            &f,
            r#"{"other": {"input": 1, "output": 2, "cache_creation": 0, "cache_read": 0, "cache_creation_1h": 7, "extra": 1}}"#,
        )
        .unwrap();
        assert!(Pricing::from_file(&f).is_err());
    }

    #[test]
    fn one_hour_cache_writes_cost_twice_the_input_price() {
        // Opus 4.6: $5 input, $6.25 per 5-minute write, $10 per 1-hour write (per million).
        let row = TokenRow {
            model: ModelId::Opus4_6,
            cache_creation: 3_000_000,
            cache_creation_1h: 2_000_000,
            ..TokenRow::ZERO
        };
        let c = Pricing::default().cost_of(&row);
        assert!((c - (6.25 + 20.0)).abs() < 1e-9, "{c}");
        // A 1-hour count larger than all writes (a corrupt line) is capped at all writes.
        let odd = TokenRow {
            cache_creation_1h: 9_000_000,
            ..row
        };
        assert!((Pricing::default().cost_of(&odd) - 30.0).abs() < 1e-9);
    }
}
