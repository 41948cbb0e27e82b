//! `prompt1 tokens`: token usage and estimated cost, read straight from Claude Code's transcripts.
//!
//! Totals people can trust: each API response is counted once, keyed by (message id, request id),
//! at its largest usage (the client writes one line per content block with the same usage, and
//! older clients wrote a growing partial count first); running totals the client also writes
//! (`cost-state` lines, usage echoed in tool results) are ignored, except for what a compaction
//! spent without writing an assistant line; malformed or truncated lines are skipped and counted.
//! Sub-agent files count toward their session (the 2.0.x `agent-<id>.jsonl` files beside the main
//! ones too); a forked session's copy of its parent's history counts only in the parent. 1-hour
//! cache writes are priced at the 1-hour rate.
//!
//! Sessions are independent, so they are read in parallel on every core, each by the same reader
//! and accumulator as the hook path (`transcripts::feed_file_from`, `SessionAccumulator`) in its
//! tokens-only mode, which skips lines without usage before parsing them. Memory is bounded by the
//! distinct responses of the sessions being read at once, never by file or line size.

use crate::pricing::Pricing;
use crate::timefmt;
use crate::transcripts::{feed_file_from, feed_main_file_from};
use anyhow::Result;
use prompt1_signals::summary::{FileRole, SessionAccumulator, TokenRow};
use prompt1_wire::ModelId;
use serde::Serialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

/// One session's transcript files.
#[derive(Debug, Clone)]
pub struct SessionFiles {
    /// The client's session id (the main file's name).
    pub session_id: String,
    /// The main transcript, if present.
    pub main: Option<PathBuf>,
    /// Sub-agent transcripts.
    pub subagents: Vec<PathBuf>,
    /// Total bytes of all the files.
    pub bytes: u64,
}

/// Finds every session under `roots`. A root may be a Claude config folder (holding `projects/`),
/// a `projects/` folder (a folder per project), one project's folder, or any flat folder of
/// transcripts (`<session id>.jsonl`, with sub-agent files in `<session id>/subagents/`). A 2.0.x
/// sub-agent file beside the main transcripts (`agent-<id>.jsonl`) is one of the sub-agent files of
/// the session its lines name.
pub fn discover(roots: &[PathBuf]) -> Vec<SessionFiles> {
    let mut sessions: BTreeMap<String, SessionFiles> = BTreeMap::new();
    for root in roots {
        let projects = if root.join("projects").is_dir() {
            root.join("projects")
        } else {
            root.clone()
        };
        // The folder itself may hold transcripts (a project's folder, a flat folder)...
        scan_project(&projects, &mut sessions);
        // ...and so may each folder in it (the projects of a `projects/` folder). In a project's
        // folder these are the sessions' own folders, which hold no transcript at their top.
        let Ok(entries) = std::fs::read_dir(&projects) else {
            continue;
        };
        for entry in entries.flatten() {
            if entry.file_type().is_ok_and(|t| t.is_dir()) {
                scan_project(&entry.path(), &mut sessions);
            }
        }
    }
    sessions.into_values().collect()
}

/// Adds the sessions of one folder of transcripts: `<id>.jsonl` and `<id>/subagents/*.jsonl`.
fn scan_project(dir: &Path, sessions: &mut BTreeMap<String, SessionFiles>) {
    let Ok(files) = std::fs::read_dir(dir) else {
        return;
    };
    for f in files.flatten() {
        let path = f.path();
        let Some(stem) = path.file_stem().map(|s| s.to_string_lossy().into_owned()) else {
            continue;
        };
        if crate::transcripts::is_top_level_agent_file(&path) {
            // A 2.0.x sub-agent's file: it belongs to the session its lines name.
            let Some(session) = crate::transcripts::agent_file_session(&path) else {
                continue;
            };
            let size = f.metadata().map(|m| m.len()).unwrap_or(0);
            let entry = sessions
                .entry(session.clone())
                .or_insert_with(|| SessionFiles::new(&session));
            if !entry.subagents.contains(&path) {
                entry.subagents.push(path);
                entry.bytes += size;
            }
        } else if path.extension().is_some_and(|e| e == "jsonl") {
            let size = f.metadata().map(|m| m.len()).unwrap_or(0);
            let entry = sessions
                .entry(stem.clone())
                .or_insert_with(|| SessionFiles::new(&stem));
            if entry.main.is_none() {
                entry.main = Some(path);
                entry.bytes += size;
            }
        } else if f.file_type().is_ok_and(|t| t.is_dir()) {
            let Ok(subs) = std::fs::read_dir(path.join("subagents")) else {
                continue;
            };
            for sub in subs.flatten() {
                let sp = sub.path();
                if sp.extension().is_some_and(|e| e == "jsonl") {
                    let size = sub.metadata().map(|m| m.len()).unwrap_or(0);
                    let entry = sessions
                        .entry(stem.clone())
                        .or_insert_with(|| SessionFiles::new(&stem));
                    if !entry.subagents.contains(&sp) {
                        entry.subagents.push(sp);
                        entry.bytes += size;
                    }
                }
            }
        }
    }
}

impl SessionFiles {
    fn new(session_id: &str) -> Self {
        Self {
            session_id: session_id.to_owned(),
            main: None,
            subagents: Vec::new(),
            bytes: 0,
        }
    }

    /// The session's files with their roles.
    pub fn files(&self) -> impl Iterator<Item = (&Path, FileRole)> {
        self.main
            .iter()
            .map(|p| (p.as_path(), FileRole::Main))
            .chain(self.subagents.iter().map(|p| (p.as_path(), FileRole::Subagent)))
    }
}

/// Runs `work` over `items` on every core, biggest first; `done` is told each finished item's size.
pub fn parallel_map<T: Sync, R: Send>(
    items: &[T],
    size: impl Fn(&T) -> u64 + Sync,
    work: impl Fn(&T) -> R + Sync,
    done: impl Fn(u64) + Sync,
) -> Vec<R> {
    let mut order: Vec<usize> = (0..items.len()).collect();
    order.sort_by_key(|i| std::cmp::Reverse(size(&items[*i])));
    let next = AtomicUsize::new(0);
    let results: Mutex<Vec<Option<R>>> = Mutex::new((0..items.len()).map(|_| None).collect());
    let threads = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .min(items.len().max(1));
    std::thread::scope(|scope| {
        for _ in 0..threads {
            scope.spawn(|| loop {
                let k = next.fetch_add(1, Ordering::Relaxed);
                let Some(&i) = order.get(k) else { break };
                let r = work(&items[i]);
                done(size(&items[i]));
                if let Ok(mut all) = results.lock() {
                    all[i] = Some(r);
                }
            });
        }
    });
    results
        .into_inner()
        .unwrap_or_default()
        .into_iter()
        .flatten()
        .collect()
}

/// Token rows of one session, and the lines skipped.
pub fn session_tokens(files: &SessionFiles) -> (Vec<TokenRow>, u64) {
    let mut acc = SessionAccumulator::tokens_only();
    for (path, role) in files.files() {
        let _ = match role {
            FileRole::Main => feed_main_file_from(&mut acc, path, 0, &files.session_id),
            role => feed_file_from(&mut acc, path, 0, role),
        };
    }
    (acc.token_rows(), acc.malformed_lines())
}

/// How to group the report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum GroupBy {
    /// One row per UTC day, with per-model breakdowns.
    Day,
    /// One row per model.
    Model,
    /// One row per session.
    Session,
}

/// Token counts and their estimated cost.
#[derive(Debug, Clone, Copy, Default, Serialize, PartialEq)]
pub struct Counts {
    /// Uncached input tokens.
    pub input_tokens: u64,
    /// Output tokens.
    pub output_tokens: u64,
    /// Tokens written to the prompt cache.
    pub cache_creation_input_tokens: u64,
    /// Tokens read from the prompt cache.
    pub cache_read_input_tokens: u64,
    /// Estimated cost in US dollars (list prices from the pricing table; an estimate).
    pub cost_usd: f64,
}

impl Counts {
    fn add_row(&mut self, r: &TokenRow, pricing: &Pricing) {
        self.input_tokens += r.input;
        self.output_tokens += r.output;
        self.cache_creation_input_tokens += r.cache_creation;
        self.cache_read_input_tokens += r.cache_read;
        self.cost_usd += pricing.cost_of(r);
    }

    /// All four token counts added.
    pub fn total_tokens(&self) -> u64 {
        self.input_tokens
            + self.output_tokens
            + self.cache_creation_input_tokens
            + self.cache_read_input_tokens
    }
}

/// One row of the report.
#[derive(Debug, Clone, Serialize)]
pub struct ReportRow {
    /// The row's key: a date (`YYYY-MM-DD`), a model family or a session id.
    pub key: String,
    /// The counts.
    #[serde(flatten)]
    pub counts: Counts,
    /// Per-model breakdown (day and session views).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub models: Vec<ModelRow>,
}

/// A per-model breakdown.
#[derive(Debug, Clone, Serialize)]
pub struct ModelRow {
    /// The model family.
    pub model: &'static str,
    /// The counts.
    #[serde(flatten)]
    pub counts: Counts,
}

/// The whole report (`--json` prints it).
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    /// Sums over every row.
    pub totals: Counts,
    /// Rows in key order.
    pub rows: Vec<ReportRow>,
    /// Malformed or truncated lines skipped.
    pub skipped_lines: u64,
    /// Costs are estimates from list prices, not a bill.
    pub cost_is_estimate: bool,
}

/// Builds the report from each session's rows, keeping days in `[since, until]` (days since epoch).
pub fn build_report(
    sessions: &[(String, Vec<TokenRow>)],
    by: GroupBy,
    since: Option<i32>,
    until: Option<i32>,
    pricing: &Pricing,
    skipped_lines: u64,
) -> Report {
    let in_range = |d: i32| since.is_none_or(|s| d >= s) && until.is_none_or(|u| d <= u);
    let mut groups: BTreeMap<String, (Counts, BTreeMap<ModelId, Counts>)> = BTreeMap::new();
    let mut totals = Counts::default();
    for (session_id, rows) in sessions {
        for r in rows.iter().filter(|r| in_range(r.day)) {
            let key = match by {
                GroupBy::Day => day_string(r.day),
                GroupBy::Model => r.model.as_str().to_owned(),
                GroupBy::Session => session_id.clone(),
            };
            let g = groups.entry(key).or_default();
            g.0.add_row(r, pricing);
            g.1.entry(r.model).or_default().add_row(r, pricing);
            totals.add_row(r, pricing);
        }
    }
    let rows = groups
        .into_iter()
        .map(|(key, (counts, models))| ReportRow {
            key,
            counts,
            models: if by == GroupBy::Model {
                Vec::new()
            } else {
                models
                    .into_iter()
                    .map(|(m, counts)| ModelRow {
                        model: m.as_str(),
                        counts,
                    })
                    .collect()
            },
        })
        .collect();
    Report {
        totals,
        rows,
        skipped_lines,
        cost_is_estimate: true,
    }
}

/// `YYYY-MM-DD` of a day number.
pub fn day_string(day: i32) -> String {
    let (y, m, d) = timefmt::civil_from_days(i64::from(day));
    format!("{y:04}-{m:02}-{d:02}")
}

/// Parses `YYYY-MM-DD` (or `YYYYMMDD`) into a day number.
pub fn parse_day(text: &str) -> Result<i32, String> {
    let digits: String = text.chars().filter(char::is_ascii_digit).collect();
    if digits.len() != 8 || !(text.len() == 8 || text.len() == 10) {
        return Err(format!("`{text}` is not a date like 2026-01-31"));
    }
    let num = |r: std::ops::Range<usize>| digits[r].parse::<i64>().unwrap_or(0);
    let (y, m, d) = (num(0..4), num(4..6), num(6..8));
    if !(1..=12).contains(&m) || !(1..=31).contains(&d) {
        return Err(format!("`{text}` is not a valid date"));
    }
    let day = prompt1_signals::transcript::days_from_civil(y, m, d);
    // A day past the month's end (2026-02-30) would roll over into the next month.
    if timefmt::civil_from_days(day) != (y, m, d) {
        let days_in_month = (28..=31)
            .rev()
            .find(|&n| timefmt::civil_from_days(prompt1_signals::transcript::days_from_civil(y, m, n)).2 == n)
            .unwrap_or(28);
        return Err(format!(
            "`{text}` is not a valid date: {y:04}-{m:02} has {days_in_month} days"
        ));
    }
    i32::try_from(day).map_err(|_| "date out of range".into())
}

/// Prints the report as a table.
pub fn print_table(report: &Report, by: GroupBy, out: &mut impl std::io::Write) -> std::io::Result<()> {
    let head = match by {
        GroupBy::Day => "date",
        GroupBy::Model => "model",
        GroupBy::Session => "session",
    };
    let width = report
        .rows
        .iter()
        .map(|r| r.key.len())
        .max()
        .unwrap_or(0)
        .max(head.len())
        .max(5);
    writeln!(
        out,
        "{head:<width$}  {:>14}  {:>14}  {:>16}  {:>16}  {:>16}  {:>12}",
        "input", "output", "cache write", "cache read", "total", "est. cost"
    )?;
    let line = |out: &mut dyn std::io::Write, key: &str, c: &Counts| {
        writeln!(
            out,
            "{key:<width$}  {:>14}  {:>14}  {:>16}  {:>16}  {:>16}  {:>12}",
            group(c.input_tokens),
            group(c.output_tokens),
            group(c.cache_creation_input_tokens),
            group(c.cache_read_input_tokens),
            group(c.total_tokens()),
            format!("${:.2}", c.cost_usd)
        )
    };
    for r in &report.rows {
        line(out, &r.key, &r.counts)?;
        if by == GroupBy::Day && r.models.len() > 1 {
            for m in &r.models {
                line(out, &format!("  {}", m.model), &m.counts)?;
            }
        }
    }
    line(out, "total", &report.totals)?;
    writeln!(
        out,
        "costs are estimates from list prices (see `--pricing`); skipped lines: {}",
        report.skipped_lines
    )?;
    Ok(())
}

fn group(n: u64) -> String {
    let s = n.to_string();
    let mut out = String::with_capacity(s.len() + s.len() / 3);
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_parse_and_print() {
        assert_eq!(day_string(parse_day("2025-10-03").unwrap()), "2025-10-03");
        assert_eq!(parse_day("20251003"), parse_day("2025-10-03"));
        assert!(parse_day("2025-13-03").is_err());
        assert!(parse_day("yesterday").is_err());
        assert_eq!(
            parse_day("2026-02-30"),
            Err("`2026-02-30` is not a valid date: 2026-02 has 28 days".to_owned())
        );
        assert!(parse_day("2026-04-31").is_err());
        assert!(parse_day("2024-02-29").is_ok());
        assert!(parse_day("2026-12-31").is_ok());
        assert_eq!(group(1234567), "1,234,567");
    }
}
