//! Script, target and task names (`npm run test:unit`, `make lint`, Gradle tasks): split into words,
//! the first word in a class decides.

use super::*;

#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum Ctx {
    /// npm scripts, just recipes, turbo and nx tasks …
    Script,
    /// make and ninja targets: `check` tests, `all` builds.
    Make,
    /// Gradle tasks: `check` tests, `*Format`/`*Apply` rewrite.
    Gradle,
    /// tox environments and nox sessions: test unless named otherwise.
    Tox,
    /// Script file names: only unambiguous words.
    File,
}

pub(super) const TEST_WORDS: Opts = &[
    "test",
    "tests",
    "testing",
    "spec",
    "specs",
    "e2e",
    "unit",
    "unittest",
    "unittests",
    "integration",
    "coverage",
    "cov",
    "jest",
    "vitest",
    "mocha",
    "pytest",
    "cypress",
    "cy",
    "playwright",
    "karma",
    "rspec",
    "phpunit",
    "pest",
    "ctest",
];
pub(super) const LINT_WORDS: Opts = &[
    "lint",
    "lints",
    "linter",
    "linters",
    "linting",
    "typecheck",
    "typechecks",
    "check",
    "checks",
    "vet",
    "analyse",
    "analyze",
    "analysis",
    "cs",
    "stan",
    "eslint",
    "stylelint",
    "tslint",
    "oxlint",
    "clippy",
    "mypy",
    "pyright",
    "ruff",
    "flake8",
    "pylint",
    "staticcheck",
    "phpstan",
    "psalm",
    "phpcs",
    "credo",
    "dialyzer",
    "rubocop",
    "ktlint",
    "detekt",
    "checkstyle",
    "pmd",
    "spotbugs",
    "shellcheck",
    "hadolint",
];
pub(super) const BUILD_WORDS: Opts = &["build", "builds", "compile", "bundle", "dist", "assemble", "jar"];
pub(super) const FILE_TEST_WORDS: Opts = &["test", "tests", "spec", "specs", "e2e", "runtests"];
pub(super) const FILE_LINT_WORDS: Opts = &["lint", "linter", "linting", "typecheck"];
pub(super) const FILE_BUILD_WORDS: Opts = &["build", "compile"];
pub(super) const TOX_LINT_WORDS: Opts = &[
    "type",
    "types",
    "typing",
    "style",
    "pep8",
    "codestyle",
    "quality",
    "static",
    "pre",
    "precommit",
    "format",
    "fmt",
];

/// Calls `f` with each word of a name (split on non-alphanumerics and camelCase) until it returns false.
pub(super) fn for_each_name_word<'a>(name: &'a [u8], mut f: impl FnMut(&'a [u8]) -> bool) {
    let mut start = None;
    for i in 0..=name.len() {
        let b = name.get(i).copied();
        let alnum = b.is_some_and(|b| b.is_ascii_alphanumeric());
        let camel = i > 0 && b.is_some_and(|b| b.is_ascii_uppercase()) && name[i - 1].is_ascii_lowercase();
        if let Some(s) = start {
            if !alnum || camel {
                if !f(&name[s..i]) {
                    return;
                }
                start = None;
            }
        }
        if alnum && start.is_none() {
            start = Some(i);
        }
    }
}

pub(super) fn word_class(w: &[u8], ctx: Ctx) -> u8 {
    let (t, l, b) = match ctx {
        Ctx::File => (FILE_TEST_WORDS, FILE_LINT_WORDS, FILE_BUILD_WORDS),
        _ => (TEST_WORDS, LINT_WORDS, BUILD_WORDS),
    };
    if one_of_ic(w, t) {
        TEST
    } else if one_of_ic(w, l) || (ctx == Ctx::Tox && one_of_ic(w, TOX_LINT_WORDS)) {
        LINT
    } else if one_of_ic(w, b) {
        BUILD
    } else {
        0
    }
}

/// The class of a script, target, task or environment name (see the module doc).
pub(super) fn task_class(name: &[u8], ctx: Ctx) -> u8 {
    if name.is_empty() {
        return 0;
    }
    if matches!(ctx, Ctx::Make | Ctx::Gradle) && name.eq_ignore_ascii_case(b"check") {
        return TEST;
    }
    if ctx == Ctx::Make && name.eq_ignore_ascii_case(b"all") {
        return BUILD;
    }
    let mut found = 0;
    let mut docs = false;
    let mut last: &[u8] = b"";
    let mut seen = 0;
    for_each_name_word(name, |w| {
        // Only a name's first words are looked up; real names have a handful.
        if found == 0 && !docs && seen < MAX_NAME_WORDS {
            found = word_class(w, ctx);
            docs = ctx == Ctx::Tox && one_of_ic(w, &["docs", "doc"]);
        }
        seen += 1;
        last = w;
        true
    });
    if ctx == Ctx::Gradle && one_of_ic(last, &["format", "apply", "fix"]) {
        return 0;
    }
    if ctx == Ctx::Tox && found == 0 && !docs {
        return TEST;
    }
    found
}

/// Union over a comma-separated list of names.
pub(super) fn task_list_class(list: &[u8], ctx: Ctx) -> u8 {
    list.split(|&b| b == b',')
        .fold(0, |acc, n| acc | task_class(n, ctx))
}

/// Union over the positional words (`VAR=value` skipped).
pub(super) fn tasks_class(a: Args, with_value: Opts, ctx: Ctx) -> u8 {
    positionals(a, with_value)
        .filter(|w| !is_assignment(w))
        .fold(0, |acc, t| acc | task_class(t, ctx))
}

// ---------------------------------------------------------------------------------------------
// Classification of one simple command.
// ---------------------------------------------------------------------------------------------

#[cfg(test)]
mod tests {
    use super::super::tests::check;

    #[test]
    fn script_target_and_task_names_by_their_first_classed_word() {
        check(&[
            ("npm run test:unit", [1, 0, 0]),
            ("npm run lint:fix", [0, 1, 0]),
            ("npm run typecheck", [0, 1, 0]),
            ("npm run type-check", [0, 1, 0]),
            ("npm run build:prod", [0, 0, 1]),
            ("npm run dev", [0, 0, 0]),
            ("npm run format", [0, 0, 0]),
            ("npm run format -- --check", [0, 1, 0]),
            ("yarn e2e", [1, 0, 0]),
            ("./gradlew ktlintCheck detekt", [0, 1, 0]),
            ("./gradlew spotlessApply", [0, 0, 0]),
            ("tox -e docs", [0, 0, 0]),
            ("tox -e lint", [0, 1, 0]),
            ("npm run testUnit", [1, 0, 0]),
        ]);
    }
}
