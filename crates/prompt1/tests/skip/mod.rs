//! Skipping a test that lacks a service, visibly, and never under `PROMPT1_REQUIRE_ALL=1`.
//!
//! A test whose service (the real Claude Code client, Chromium, strace, a mountable file system,
//! the shared transcript generator...) is missing calls [`skip`] and returns. With
//! `PROMPT1_REQUIRE_ALL=1` (set by `.ci/run`) that is a failure instead, so a machine that lacks a
//! service cannot pass by skipping. Otherwise the skip is written to the real stderr and, when
//! `PROMPT1_SKIP_LOG` names a file (`scripts/test` sets it), appended there as one line, so that
//! the run ends with a count of what did not run.

#![allow(dead_code)]

use std::io::Write;

/// Whether every skip is a failure (`PROMPT1_REQUIRE_ALL=1`).
pub fn required() -> bool {
    std::env::var("PROMPT1_REQUIRE_ALL").is_ok_and(|v| v == "1")
}

/// Records that the calling test does not run, and why; panics under [`required`].
#[track_caller]
pub fn skip(why: &str) {
    let test = std::thread::current().name().unwrap_or("a test").to_owned();
    if required() {
        panic!("PROMPT1_REQUIRE_ALL=1 but {test} cannot run: {why}");
    }
    let line = format!("SKIPPED: {test}: {why}\n");
    let _ = std::io::stderr().write_all(line.as_bytes());
    if let Some(log) = std::env::var_os("PROMPT1_SKIP_LOG").filter(|v| !v.is_empty()) {
        if let Ok(mut f) = std::fs::OpenOptions::new().create(true).append(true).open(log) {
            let _ = f.write_all(line.as_bytes());
        }
    }
}
