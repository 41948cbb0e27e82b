//! Classifies shell command lines into test, lint and build runs.
//!
//! This doc is the single source of truth for what counts; `tests/fixtures/commands.txt` holds the
//! labelled real-world lines that pin it down.
//!
//! # What is counted
//!
//! [`classify_command_line`] returns how many *sub-commands* of one shell command line run tests,
//! run a linter (or a formatter in check mode, or a type checker) and build. Each simple command
//! counts at most once per class: `make lint test` is one lint and one test run, `./gradlew
//! ktlintCheck detekt` one lint run. Nothing but the three counts leaves the function.
//!
//! # Shell structure
//!
//! * Every simple command counts: the line is split on `&&`, `||`, `;`, `|`, `|&`, `&` and newlines.
//! * Commands inside subshells `( … )`, command substitutions `$( … )` and `` ` … ` ``, process
//!   substitutions `<( … )`, and brace groups `{ …; }` count.
//! * The strings given to `bash|sh|zsh|dash|ksh|fish -c`, `eval`, `ssh HOST …`, `watch …`,
//!   `env -S`, `su|script|vagrant ssh -c`, `nix-shell --run`, `nodemon --exec`, `git rebase --exec`,
//!   `cargo watch -x|-s`, `npx -c`, `concurrently`, `watchexec`, `tmux new-session|new-window|
//!   split-window|run-shell` and `tmux send-keys … Enter` are parsed as command lines too (nesting
//!   is followed eight levels deep). `bash -n FILE` only checks syntax.
//! * Quoting is respected: operators inside quotes do not split, and quoted text is an argument, so
//!   `echo "cargo test"`, `grep -r test .` and `git commit -m "fix tests"` are not runs. Arguments
//!   that are text (`echo`, `printf`, `python -c`, `node -e`) are never looked into.
//! * Heredoc bodies are data, not commands, unless the heredoc feeds a shell that reads its script
//!   from standard input (`bash <<EOF`, `ssh host <<EOF`, `sh -s <<EOF`, `cat <<EOF | bash`); the
//!   same holds for here strings (`bash <<< "…"`). Comments (`# …`), redirections and their targets (`2>&1`,
//!   `> log`, `&> log`) are dropped; `\` + newline joins lines.
//! * Shell keywords (`if then else elif fi while until do done ! { } function NAME`) are skipped;
//!   `for`, `case`, `select`, `[[ … ]]`, `[ … ]` and `test` are not runs. `f() { cargo test; }`
//!   counts the body once where it is defined; calls of `f` do not count.
//! * Array assignments `a=( … )`, arithmetic `$(( … ))` and extended globs are not commands.
//!
//! # Prefixes and wrappers (stripped, the wrapped command is classified)
//!
//! Leading `VAR=value` assignments; `env [-i] [-u X] [VAR=x]`, `sudo|doas [opts]`, `time [-p]`,
//! `timeout [opts] DURATION`, `nice [-n N]`, `ionice`, `nohup`, `setsid`, `command` (but
//! `command -v|-V` is a lookup), `exec`, `builtin`, `stdbuf`, `unbuffer`, `xargs [opts]`,
//! `taskset`, `xvfb-run`, `dbus-run-session`, `caffeinate`, `chronic`, `cross-env`, `dotenv`,
//! `dotenvx|op|infisical|doppler run --`, `direnv exec DIR`, `nvm exec [VERSION]`, `asdf exec`,
//! `mise|rtx exec|x`, `nix develop|shell -c`, `conda|mamba|micromamba run`, `xcrun`, `c8`, `nyc`,
//! `coverage run`, `entr`, `flock FILE`, `find … -exec|-execdir|-ok CMD ;|+`, `fd -x|-X`,
//! `git bisect run`, `kubectl|oc exec … [--]`, `docker|podman run|exec`, `docker compose run|exec`
//! (`docker run IMAGE` without a command runs the image's tool when it is one of the runners below,
//! `hadolint/hadolint`), `screen [-dmS NAME]`.
//! `watch` (and `watchexec`, `entr`, `cargo watch`): a watcher re-runs its command, and that command
//! counts once, like `vitest` in watch mode.
//!
//! Package runners run their argument as a command: `npx`, `pnpx`, `npm exec|x`, `pnpm exec|dlx`,
//! `yarn dlx|exec`, `bunx`, `bun x`, `uvx`, `uv run`, `uv tool run`, `poetry run`, `pipenv run`,
//! `pdm run`, `hatch run`, `rye run`, `pixi run|exec`, `devbox run`, `bundle exec`, `dotnet tool
//! run`, `python[3] -m MODULE` (`python -m build` builds). Package specs lose their scope and
//! version (`@biomejs/biome@1` → `biome`); commands lose their directory (`./node_modules/.bin/jest`,
//! `.venv/bin/pytest`, `/usr/bin/python3`, `./gradlew`, `vendor/bin/phpunit`) and a Windows
//! `.exe|.cmd|.bat` suffix; versioned interpreters are the interpreter (`python3.12`, `gcc-13`). A
//! command word that is one variable expansion names its default or, lower-cased, its variable
//! (`${PYTHON:-python3}` → `python3`, `"$CARGO"` → `cargo`).
//! `hatch|pdm|pipenv|rye|pixi|devbox run X` fall back to the script-name table when `X` is not a
//! known command.
//!
//! Interpreters run a script: `bash|sh FILE`, `source|. FILE`, `node|tsx|ts-node FILE`,
//! `python FILE`, `ruby FILE`, `php FILE`, `perl FILE`, `deno run FILE`, `bun run FILE`. A script
//! that is a known runner is that runner (`php artisan test`, `python manage.py test`,
//! `python setup.py build_ext`, `node node_modules/jest/bin/jest.js`); any other script invoked by
//! path or by file name (`./build.sh`, `python test_parser.py`) is classified by the words of its
//! file name (split on `-`, `_`, `.` and camelCase): `test|tests|spec|specs|e2e|runtests` → test,
//! `lint|linter|linting|typecheck` → lint, `build|compile` → build. A script file (one with an
//! extension) whose name says nothing is classified by a first argument that is exactly one of
//! those words (`./x.py test`, `python make.py build`). Else nothing.
//!
//! # Script, target and task names
//!
//! `npm run X`, `npm test|t`, `pnpm [run] X`, `yarn [run|workspace W] X`, `bun run X`, `deno task X`,
//! `composer X`, `node --run X`, `lerna run X`, `rushx X`, `run-s|run-p|npm-run-all X…`,
//! `concurrently npm:X`, `turbo [run] X…`, `nx X` / `nx run P:X` / `nx run-many|affected -t X…`,
//! `make|just|task|ninja|gulp|grunt|invoke|mage|rake|mix|cargo make|cargo xtask X…`, Gradle tasks,
//! `tox -e X`, `nox -s X` and `hatch run X` name a script, target or task. A name is split into
//! words (on `:`, `-`, `_`, `.`, `/`, `#` and camelCase) and the first word in a class decides:
//!
//! | class | words |
//! |---|---|
//! | test | `test tests testing spec specs e2e unit unittest integration coverage cov` and test runner names (`jest vitest mocha pytest cypress cy playwright karma rspec phpunit pest ctest`) |
//! | lint | `lint lints linter linting typecheck check checks vet analyse analyze analysis cs stan` and linter names (`eslint stylelint tslint oxlint clippy mypy pyright ruff flake8 pylint staticcheck phpstan psalm phpcs credo dialyzer rubocop ktlint detekt checkstyle pmd spotbugs shellcheck hadolint`) |
//! | build | `build builds compile bundle dist assemble jar` |
//!
//! So `test:unit`, `e2e`, `lint:fix`, `typecheck`, `type-check`, `format:check`, `check`,
//! `build:prod` classify, and `dev`, `start`, `format`, `fix` do not. A package-manager script name
//! in no class is tried as a command (`yarn tsc --noEmit`, `pnpm vitest`), and a formatter script
//! given `--check` lints (`npm run format -- --check`). Exceptions: for
//! `make` (and `ninja`, `cmake --target`) and Gradle the target `check` is a test run (the
//! Automake and Gradle convention) and, for `make`, `all` builds; bare `make` builds, bare `ninja`
//! and `cmake --build` build and their other targets (except `clean`) build; bare `just`, `task`,
//! `rake` run an unknown default and do not count; `make -n` is a dry run. Gradle tasks ending in
//! `Format`/`Apply`/`Fix` rewrite files and do not count. Tox and nox environments default to a
//! test run; `docs` is nothing; `type`, `typing`, `style`, `pep8`, `pre-commit` … lint.
//!
//! # Runner table
//!
//! | runner | test | lint | build |
//! |---|---|---|---|
//! | cargo (`cross`) | `test`, `t`, `nextest run`, `miri test`, `llvm-cov`, `tarpaulin`, `insta test` | `clippy`, `fmt --check`, `deny check`, `udeps`, `machete`, `semver-checks` | `build`, `b`, `check`, `c`, `rustc`, `zigbuild`, `test --no-run`, `bench --no-run`, `install --path` |
//! | rust | | `rustfmt --check` | `rustc` |
//! | python | `pytest` (not `--collect-only`), `py.test`, `unittest`, `tox`, `nox`, `nose2`, `behave`, `ward`, `manage.py test`, `django-admin test`, `setup.py test`, `hatch test`, `rye test` | `ruff check`, `ruff format --check/--diff`, `flake8`, `pylint`, `mypy`, `dmypy`, `pyright`, `basedpyright`, `pytype`, `bandit`, `codespell`, `black --check/--diff`, `isort --check[-only]/--diff`, `pre-commit [run]`, `hatch fmt --check`, `rye lint` | `python -m build`, `setup.py build*/bdist*/sdist`, `uv build`, `poetry build`, `hatch build`, `pdm build`, `maturin build/develop`, `pyinstaller` |
//! | js | `jest`, `vitest` (not `bench`/`list`), `mocha`, `ava`, `tap`, `jasmine`, `karma start`, `playwright test`, `cypress run`, `wdio`, `testcafe`, `node --test`, `bun test`, `deno test`, `ng test/e2e`, `react-scripts test` | `eslint` (also `--fix`), `oxlint`, `stylelint`, `prettier --check/-c/--list-different`, `biome check/lint/ci` and `biome format` without `--write`, `tsc --noEmit`, `vue-tsc`, `svelte-check`, `next lint`, `ng lint`, `astro check`, `nuxi typecheck`, `deno lint/check/fmt --check`, `dprint check` | `tsc` (without `--noEmit`), `webpack`, `vite build`, `next build`, `nuxt build/generate`, `ng build`, `rollup`, `esbuild`, `tsup`, `swc`, `babel`, `parcel build`, `bun build`, `deno compile`, `react-scripts build`, `astro build`, `storybook build` |
//! | go | `go test` (`-c` builds), `gotestsum`, `ginkgo` | `go vet`, `golangci-lint [run]`, `staticcheck`, `revive`, `gosec`, `govulncheck`, `gofmt/goimports -l/-d` | `go build`, `go install` (not `pkg@version`) |
//! | jvm | `mvn test/integration-test/verify`, `gradle test/check/*Test`, `sbt test*`, `lein test` | `mvn *:check` (spotless, checkstyle …), gradle `lint*`/`*Check`/`detekt`, `sbt scalafmtCheck*`, `ktlint`, `detekt` | `mvn compile/package/install/deploy`, `gradle build/assemble*/compile*/jar`, `sbt compile/package/assembly`, `javac`, `kotlinc` |
//! | .NET, Apple | `dotnet test`, `swift test`, `xcodebuild test` | `dotnet format --verify-no-changes`, `swiftlint`, `swiftformat --lint`, `xcodebuild analyze` | `dotnet build/publish/pack`, `swift build`, `xcodebuild [build/archive/build-for-testing]` |
//! | C, C++, others | `ctest`, `meson test`, `bazel test/coverage`, `zig build test`, `zig test`, `mix test`, `rspec`, `rake test`, `rails test`, `phpunit`, `pest`, `artisan test`, `composer test`, `stack/cabal test`, `dune test`, `flutter/dart test`, `bats`, `prove` | `clang-tidy`, `cppcheck`, `clang-format --dry-run`, `shellcheck`, `shfmt -d/-l`, `hadolint`, `yamllint`, `actionlint`, `terraform fmt -check/validate`, `tflint`, `helm lint`, `rubocop`, `phpstan`, `psalm`, `phpcs`, `mix credo/dialyzer/format --check-formatted`, `hlint`, `flutter/dart analyze`, `zig fmt --check` | `make`, `cmake --build`, `meson compile`, `ninja`, `bazel build`, `gcc/g++/clang/cc`, `zig build`, `mix compile`, `stack/cabal build`, `dune build`, `flutter build`, `docker build`, `docker buildx build`, `docker compose build`, `nix build` |
//!
//! A runner given `--help`, `--version` or `-h` (before any `--`), or only `-V`, is not a run;
//! neither is a lone `-v` for tools where it prints the version (JavaScript tools, C compilers,
//! `terraform` …; for `pytest`, `mypy` … it means verbose). Everything else (`cargo run`,
//! `npm install`, `git`, `ls`, `cat test.log` …) is not a run.
//!
//! # Guarantees
//!
//! The function is pure, never panics and runs in time linear in the line: one pass over the
//! bytes, at most [`MAX_WORDS`] words kept per simple command, nesting followed [`MAX_DEPTH`]
//! levels deep for re-parsed strings and [`MAX_FRAMES`] levels of parentheses, after which the rest
//! of the line is not examined.

use memchr::{memchr, memrchr};

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

impl CommandRuns {
    /// The count for one class.
    pub fn count(&self, class: CommandClass) -> u32 {
        match class {
            CommandClass::Test => self.test,
            CommandClass::Lint => self.lint,
            CommandClass::Build => self.build,
        }
    }

    /// Whether the line ran nothing of interest.
    pub fn is_empty(&self) -> bool {
        self.test == 0 && self.lint == 0 && self.build == 0
    }

    fn add(&mut self, set: u8) {
        if set & TEST != 0 {
            self.test = self.test.saturating_add(1);
        }
        if set & LINT != 0 {
            self.lint = self.lint.saturating_add(1);
        }
        if set & BUILD != 0 {
            self.build = self.build.saturating_add(1);
        }
    }
}

/// Splits a shell command line into its sub-commands and classifies each one.
pub fn classify_command_line(line: &str) -> CommandRuns {
    let mut runs = CommandRuns::default();
    parse_script(line.as_bytes(), 0, &mut runs);
    runs
}

const TEST: u8 = 1;
const LINT: u8 = 2;
const BUILD: u8 = 4;

/// How deep re-parsed strings (`bash -c`, `eval`, heredocs fed to a shell) and wrapper fallbacks nest.
pub const MAX_DEPTH: u8 = 8;
/// How deep parentheses, command substitutions and backticks nest before the scan stops.
pub const MAX_FRAMES: usize = 64;
/// Words kept per simple command; later words are dropped.
pub const MAX_WORDS: usize = 2048;
const MAX_HEREDOCS: usize = 64;
const MAX_NAME_WORDS: usize = 16;

mod args;
mod go;
mod js;
mod jvm;
mod make;
mod names;
mod other;
mod parse;
mod python;
mod runners;
mod rust;
mod wrappers;

use args::*;
use go::*;
use js::*;
use jvm::*;
use make::*;
use names::*;
use other::*;
use parse::*;
use python::*;
use runners::*;
use rust::*;
use wrappers::*;

#[cfg(test)]
mod tests {
    use super::*;

    /// Checks each `(command line, [test, lint, build])`, with every failing line in the message.
    pub(super) fn check(cases: &[(&str, [u32; 3])]) {
        let wrong: Vec<String> = cases
            .iter()
            .filter_map(|(line, [test, lint, build])| {
                let got = classify_command_line(line);
                let want = CommandRuns {
                    test: *test,
                    lint: *lint,
                    build: *build,
                };
                (got != want).then(|| format!("{line:?}: got {got:?}, want {want:?}"))
            })
            .collect();
        assert!(wrong.is_empty(), "{}", wrong.join("\n"));
    }

    #[test]
    fn counts_read_by_class_and_empty_lines_run_nothing() {
        let runs = classify_command_line("cargo test && cargo clippy && cargo build && cargo test");
        assert_eq!(runs.count(CommandClass::Test), 2);
        assert_eq!(runs.count(CommandClass::Lint), 1);
        assert_eq!(runs.count(CommandClass::Build), 1);
        assert!(classify_command_line("").is_empty());
        assert!(classify_command_line("   ;; && |").is_empty());
    }
}
