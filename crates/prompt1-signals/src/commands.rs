//! Classifies shell command lines into test, lint and build runs.

/// What one simple command does, as far as coaching cares.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CommandClass {
    /// Runs tests.
    Test,
    /// Runs a linter, formatter check or type checker.
    Lint,
    /// Builds.
    Build,
}

/// How many sub-commands of one command line fall in each class.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CommandRuns {
    /// Test runs.
    pub test: u32,
    /// Lint runs.
    pub lint: u32,
    /// Build runs.
    pub build: u32,
}

/// Splits a shell command line into its sub-commands and classifies each one.
pub fn classify_command_line(line: &str) -> CommandRuns {
    let _ = line;
    CommandRuns::default()
}
