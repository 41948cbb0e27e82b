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

// ---------------------------------------------------------------------------------------------
// Lexer: one pass over the bytes, a stack of frames for `( … )`, `$( … )` and backticks.
// ---------------------------------------------------------------------------------------------

fn parse_script(src: &[u8], depth: u8, runs: &mut CommandRuns) {
    if depth > MAX_DEPTH || src.is_empty() {
        return;
    }
    let mut p = Parser {
        src,
        pos: 0,
        depth,
        frames: Vec::new(),
        heredocs: Vec::new(),
        next_cmd: 0,
        runs,
        aborted: false,
        pipeline_start_before_end: 0,
    };
    p.run();
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Closer {
    Top,
    Paren,
    Backtick,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Redirect {
    None,
    Target,
    HereDoc { strip_tabs: bool },
    HereString,
}

struct Frame {
    closer: Closer,
    /// Arrays, arithmetic and globs: structure is tracked, nothing is classified.
    discard: bool,
    in_dq: bool,
    /// Text of the current simple command's words; the word being read is its tail.
    buf: Vec<u8>,
    words: Vec<(usize, usize)>,
    word_start: Option<usize>,
    redirect: Redirect,
    herestring: Option<(usize, usize)>,
    cmd_id: u32,
    /// The id of the first command of the pipeline this command belongs to.
    pipeline_start: u32,
}

impl Frame {
    fn new(closer: Closer, discard: bool, cmd_id: u32) -> Self {
        Frame {
            closer,
            discard,
            in_dq: false,
            buf: Vec::new(),
            words: Vec::new(),
            word_start: None,
            redirect: Redirect::None,
            herestring: None,
            cmd_id,
            pipeline_start: cmd_id,
        }
    }

    fn start_word(&mut self) {
        if self.word_start.is_none() {
            self.word_start = Some(self.buf.len());
        }
    }

    fn reset(&mut self) {
        self.words.clear();
        self.buf.clear();
        self.word_start = None;
        self.redirect = Redirect::None;
        self.herestring = None;
    }
}

struct Heredoc {
    delim: Vec<u8>,
    strip_tabs: bool,
    cmd_id: u32,
    script: bool,
}

struct Parser<'s, 'r> {
    src: &'s [u8],
    pos: usize,
    depth: u8,
    frames: Vec<Frame>,
    heredocs: Vec<Heredoc>,
    next_cmd: u32,
    runs: &'r mut CommandRuns,
    aborted: bool,
    /// The pipeline start of the command `end_command` last ended.
    pipeline_start_before_end: u32,
}

impl Parser<'_, '_> {
    fn run(&mut self) {
        self.frames.push(Frame::new(Closer::Top, false, 0));
        while self.pos < self.src.len() && !self.aborted {
            self.step();
        }
        while !self.frames.is_empty() {
            self.end_command();
            self.frames.pop();
        }
    }

    fn top(&mut self) -> Option<&mut Frame> {
        self.frames.last_mut()
    }

    fn push_byte(&mut self, b: u8) {
        if let Some(f) = self.top() {
            f.start_word();
            f.buf.push(b);
        }
    }

    fn push_slice(&mut self, s: &[u8]) {
        if let Some(f) = self.top() {
            f.start_word();
            f.buf.extend_from_slice(s);
        }
    }

    fn start_word(&mut self) {
        if let Some(f) = self.top() {
            f.start_word();
        }
    }

    fn push_frame(&mut self, closer: Closer, discard: bool) {
        if self.frames.len() >= MAX_FRAMES {
            self.aborted = true;
            return;
        }
        let parent_discard = self.frames.last().is_some_and(|f| f.discard);
        self.next_cmd = self.next_cmd.wrapping_add(1);
        self.frames
            .push(Frame::new(closer, discard || parent_discard, self.next_cmd));
    }

    fn pop_frame(&mut self) {
        if self.frames.len() > 1 {
            self.frames.pop();
        }
    }

    fn step(&mut self) {
        let src = self.src;
        let pos = self.pos;
        let Some(&c) = src.get(pos) else {
            self.pos = src.len();
            return;
        };
        let next = src.get(pos + 1).copied();
        let Some(f) = self.frames.last() else {
            self.pos = src.len();
            return;
        };
        let (in_dq, in_word, closer) = (f.in_dq, f.word_start.is_some(), f.closer);
        if in_dq {
            match c {
                b'"' => {
                    if let Some(f) = self.top() {
                        f.in_dq = false;
                    }
                    self.pos += 1;
                }
                b'\\' => match next {
                    Some(b'\n') => self.pos += 2,
                    Some(n @ (b'$' | b'`' | b'"' | b'\\')) => {
                        self.push_byte(n);
                        self.pos += 2;
                    }
                    _ => {
                        self.push_byte(b'\\');
                        self.pos += 1;
                    }
                },
                b'$' => self.dollar(next, true),
                b'`' => {
                    self.pos += 1;
                    self.push_frame(Closer::Backtick, false);
                }
                _ => {
                    self.push_byte(c);
                    self.pos += 1;
                }
            }
            return;
        }
        match c {
            b' ' | b'\t' | b'\r' => {
                self.end_word();
                self.pos += 1;
            }
            b'\n' => {
                self.end_command();
                self.pos += 1;
                self.read_heredocs();
            }
            b'#' if !in_word => {
                self.pos = memchr(b'\n', &src[pos..]).map_or(src.len(), |i| pos + i);
            }
            b'\'' => {
                self.start_word();
                let body = &src[pos + 1..];
                match memchr(b'\'', body) {
                    Some(i) => {
                        self.push_slice(&body[..i]);
                        self.pos = pos + 2 + i;
                    }
                    None => {
                        self.push_slice(body);
                        self.pos = src.len();
                    }
                }
            }
            b'"' => {
                if let Some(f) = self.top() {
                    f.start_word();
                    f.in_dq = true;
                }
                self.pos += 1;
            }
            b'\\' => match next {
                Some(b'\n') => self.pos += 2,
                Some(n) => {
                    self.push_byte(n);
                    self.pos += 2;
                }
                None => self.pos += 1,
            },
            b'$' => self.dollar(next, false),
            b'`' => {
                self.pos += 1;
                if closer == Closer::Backtick {
                    self.end_command();
                    self.pop_frame();
                } else {
                    self.start_word();
                    self.push_frame(Closer::Backtick, false);
                }
            }
            b'(' => self.open_paren(next, in_word),
            b')' => {
                self.end_command();
                if closer == Closer::Paren {
                    self.pop_frame();
                }
                self.pos += 1;
            }
            b';' => {
                self.end_command();
                self.pos += 1;
                while matches!(src.get(self.pos), Some(b';' | b'&')) {
                    self.pos += 1;
                }
            }
            b'&' => match next {
                Some(b'>') => {
                    self.end_word();
                    self.pos += 2;
                    if src.get(self.pos) == Some(&b'>') {
                        self.pos += 1;
                    }
                    self.set_redirect(Redirect::Target);
                }
                Some(b'&') => {
                    self.end_command();
                    self.pos += 2;
                }
                _ => {
                    self.end_command();
                    self.pos += 1;
                }
            },
            b'|' => {
                let pipe = next != Some(b'|');
                self.end_command();
                if pipe {
                    // `cat <<EOF | bash`: the next command reads what this one writes.
                    if let Some(f) = self.frames.last_mut() {
                        f.pipeline_start = self.pipeline_start_before_end;
                    }
                }
                self.pos += if matches!(next, Some(b'|' | b'&')) { 2 } else { 1 };
            }
            b'<' | b'>' => self.redirect(c, next),
            _ => {
                self.push_byte(c);
                self.pos += 1;
            }
        }
    }

    /// At a `$`: command substitution, parameter expansion, ANSI-C or locale quoting, or a literal.
    fn dollar(&mut self, next: Option<u8>, in_dq: bool) {
        let src = self.src;
        let pos = self.pos;
        self.start_word();
        match next {
            Some(b'(') => {
                let arithmetic = src.get(pos + 2) == Some(&b'(');
                self.pos += 2;
                self.push_frame(Closer::Paren, arithmetic);
            }
            Some(b'{') => {
                let mut depth = 0usize;
                let mut end = src.len();
                for (i, &b) in src.iter().enumerate().skip(pos + 1) {
                    if b == b'{' {
                        depth += 1;
                    } else if b == b'}' {
                        depth -= 1;
                        if depth == 0 {
                            end = i + 1;
                            break;
                        }
                    }
                }
                self.push_slice(&src[pos..end]);
                self.pos = end;
            }
            Some(b'\'') if !in_dq => {
                let mut i = pos + 2;
                while let Some(&b) = src.get(i) {
                    match b {
                        b'\\' => {
                            if let Some(&n) = src.get(i + 1) {
                                self.push_byte(n);
                            }
                            i += 2;
                        }
                        b'\'' => {
                            i += 1;
                            break;
                        }
                        _ => {
                            self.push_byte(b);
                            i += 1;
                        }
                    }
                }
                self.pos = i.min(src.len());
            }
            Some(b'"') if !in_dq => self.pos += 1,
            _ => {
                self.push_byte(b'$');
                self.pos += 1;
            }
        }
    }

    fn open_paren(&mut self, next: Option<u8>, in_word: bool) {
        let Some(f) = self.frames.last_mut() else { return };
        if in_word {
            let assignment = f.buf.last() == Some(&b'=');
            if next == Some(b')') && !assignment {
                // `name() { …; }`: a function definition; its body counts where it is written.
                f.reset();
                self.pos += 2;
                return;
            }
            // `a=( … )`, `@( … )`: data, not commands.
            self.pos += 1;
            self.push_frame(Closer::Paren, true);
        } else if next == Some(b')') {
            f.reset();
            self.pos += 2;
        } else {
            self.end_command();
            self.pos += 1;
            self.push_frame(Closer::Paren, false);
        }
    }

    fn redirect(&mut self, c: u8, next: Option<u8>) {
        if let Some(f) = self.frames.last_mut() {
            // `2>&1`: a file descriptor number, not a word.
            if let Some(s) = f.word_start {
                if f.buf.len() > s && f.buf[s..].iter().all(u8::is_ascii_digit) {
                    f.buf.truncate(s);
                    f.word_start = None;
                }
            }
        }
        self.end_word();
        let n2 = self.src.get(self.pos + 2).copied();
        match (c, next) {
            (_, Some(b'(')) => {
                self.start_word();
                self.pos += 2;
                self.push_frame(Closer::Paren, false);
            }
            (b'<', Some(b'<')) => match n2 {
                Some(b'<') => {
                    self.pos += 3;
                    self.set_redirect(Redirect::HereString);
                }
                Some(b'-') => {
                    self.pos += 3;
                    self.set_redirect(Redirect::HereDoc { strip_tabs: true });
                }
                _ => {
                    self.pos += 2;
                    self.set_redirect(Redirect::HereDoc { strip_tabs: false });
                }
            },
            (b'<', Some(b'&' | b'>')) | (b'>', Some(b'>' | b'|' | b'&')) => {
                self.pos += 2;
                self.set_redirect(Redirect::Target);
            }
            _ => {
                self.pos += 1;
                self.set_redirect(Redirect::Target);
            }
        }
    }

    fn set_redirect(&mut self, r: Redirect) {
        if let Some(f) = self.top() {
            f.redirect = r;
        }
    }

    fn end_word(&mut self) {
        let Parser { frames, heredocs, .. } = self;
        let Some(f) = frames.last_mut() else { return };
        let Some(start) = f.word_start.take() else { return };
        let end = f.buf.len();
        match std::mem::replace(&mut f.redirect, Redirect::None) {
            Redirect::None => {
                if f.words.len() < MAX_WORDS {
                    f.words.push((start, end));
                } else {
                    f.buf.truncate(start);
                }
            }
            Redirect::Target => f.buf.truncate(start),
            Redirect::HereDoc { strip_tabs } => {
                if heredocs.len() < MAX_HEREDOCS {
                    let delim = f.buf.get(start..).unwrap_or_default().to_vec();
                    heredocs.push(Heredoc {
                        delim,
                        strip_tabs,
                        cmd_id: f.cmd_id,
                        script: false,
                    });
                }
                f.buf.truncate(start);
            }
            Redirect::HereString => f.herestring = Some((start, end)),
        }
    }

    fn end_command(&mut self) {
        self.end_word();
        self.next_cmd = self.next_cmd.wrapping_add(1);
        let Parser {
            frames,
            heredocs,
            runs,
            depth,
            next_cmd,
            pipeline_start_before_end,
            ..
        } = self;
        let Some(f) = frames.last_mut() else { return };
        if !f.discard && !f.words.is_empty() {
            let out = classify_argv(
                Args {
                    buf: &f.buf,
                    w: &f.words,
                },
                *depth,
                runs,
            );
            runs.add(out.set);
            if out.stdin_script {
                let (first, last) = (f.pipeline_start, f.cmd_id);
                for h in heredocs.iter_mut().filter(|h| (first..=last).contains(&h.cmd_id)) {
                    h.script = true;
                }
                if let Some(body) = f.herestring.and_then(|(s, e)| f.buf.get(s..e)) {
                    parse_script(body, *depth + 1, runs);
                }
            }
        }
        f.reset();
        *pipeline_start_before_end = f.pipeline_start;
        f.cmd_id = *next_cmd;
        f.pipeline_start = *next_cmd;
    }

    /// After a newline: the bodies of the pending heredocs follow, each up to its delimiter line.
    fn read_heredocs(&mut self) {
        if self.heredocs.is_empty() {
            return;
        }
        let src = self.src;
        let pending = std::mem::take(&mut self.heredocs);
        for h in &pending {
            let body_start = self.pos;
            let mut body_end = src.len();
            while self.pos < src.len() {
                let line_start = self.pos;
                let eol = memchr(b'\n', &src[line_start..]).map_or(src.len(), |i| line_start + i);
                let mut line = &src[line_start..eol];
                if h.strip_tabs {
                    while let [b'\t', rest @ ..] = line {
                        line = rest;
                    }
                }
                if let [rest @ .., b'\r'] = line {
                    line = rest;
                }
                self.pos = (eol + 1).min(src.len());
                if line == h.delim.as_slice() {
                    body_end = line_start;
                    break;
                }
            }
            if h.script {
                if let Some(body) = src.get(body_start..body_end) {
                    parse_script(body, self.depth + 1, self.runs);
                }
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Words of one simple command.
// ---------------------------------------------------------------------------------------------

#[derive(Clone, Copy)]
struct Args<'a> {
    buf: &'a [u8],
    w: &'a [(usize, usize)],
}

impl<'a> Args<'a> {
    fn len(self) -> usize {
        self.w.len()
    }

    fn is_empty(self) -> bool {
        self.w.is_empty()
    }

    /// The `i`th word, or the empty word past the end.
    fn get(self, i: usize) -> &'a [u8] {
        match self.w.get(i) {
            Some(&(s, e)) => self.buf.get(s..e).unwrap_or_default(),
            None => b"",
        }
    }

    fn first(self) -> Option<&'a [u8]> {
        (!self.is_empty()).then(|| self.get(0))
    }

    fn skip(self, n: usize) -> Self {
        Args {
            buf: self.buf,
            w: self.w.get(n..).unwrap_or_default(),
        }
    }

    fn take(self, n: usize) -> Self {
        Args {
            buf: self.buf,
            w: self.w.get(..n).unwrap_or(self.w),
        }
    }

    fn iter(self) -> impl Iterator<Item = &'a [u8]> {
        self.w
            .iter()
            .map(move |&(s, e)| self.buf.get(s..e).unwrap_or_default())
    }

    /// The words before a `--`.
    fn options(self) -> impl Iterator<Item = &'a [u8]> {
        self.iter().take_while(|w| *w != b"--")
    }

    fn index_of(self, word: &[u8]) -> Option<usize> {
        self.iter().position(|w| w == word)
    }

    fn join(self) -> Vec<u8> {
        let mut s = Vec::new();
        for (i, w) in self.iter().enumerate() {
            if i > 0 {
                s.push(b' ');
            }
            s.extend_from_slice(w);
        }
        s
    }
}

type Opts = &'static [&'static str];

fn is_opt(w: &[u8]) -> bool {
    w.len() > 1 && w[0] == b'-'
}

fn one_of(w: &[u8], list: Opts) -> bool {
    list.iter().any(|o| o.as_bytes() == w)
}

fn one_of_ic(w: &[u8], list: Opts) -> bool {
    list.iter().any(|o| o.as_bytes().eq_ignore_ascii_case(w))
}

fn flag_matches(w: &[u8], flag: &str) -> bool {
    let f = flag.as_bytes();
    w == f || (f.starts_with(b"--") && w.len() > f.len() && w.starts_with(f) && w[f.len()] == b'=')
}

/// Whether one of `flags` is given before any `--` (`--flag` also as `--flag=value`).
fn has_flag(a: Args, flags: Opts) -> bool {
    a.options().any(|w| flags.iter().any(|f| flag_matches(w, f)))
}

/// Whether one of `flags` is given anywhere, also after `--`.
fn has_word(a: Args, flags: Opts) -> bool {
    a.iter().any(|w| flags.iter().any(|f| flag_matches(w, f)))
}

/// Index of the first positional word: skips options, the values of `with_value`, and a `--`.
fn first_positional(a: Args, with_value: Opts) -> usize {
    let mut i = 0;
    while i < a.len() {
        let w = a.get(i);
        if w == b"--" {
            return i + 1;
        }
        if !is_opt(w) {
            return i;
        }
        i += if one_of(w, with_value) { 2 } else { 1 };
    }
    a.len()
}

/// The first positional word (empty if none) and the words after it.
fn sub(a: Args<'_>, with_value: Opts) -> (&[u8], Args<'_>) {
    let i = first_positional(a, with_value);
    (a.get(i), a.skip(i + 1))
}

struct Positionals<'a> {
    a: Args<'a>,
    i: usize,
    with_value: Opts,
}

impl<'a> Iterator for Positionals<'a> {
    type Item = &'a [u8];

    fn next(&mut self) -> Option<&'a [u8]> {
        while self.i < self.a.len() {
            let w = self.a.get(self.i);
            self.i += 1;
            if w == b"--" {
                self.i = self.a.len();
                return None;
            }
            if is_opt(w) {
                if one_of(w, self.with_value) {
                    self.i += 1;
                }
                continue;
            }
            return Some(w);
        }
        None
    }
}

/// The positional words before a `--`.
fn positionals(a: Args<'_>, with_value: Opts) -> Positionals<'_> {
    Positionals { a, i: 0, with_value }
}

/// The value of an option: `-o V`, `--opt V`, `--opt=V`, and with `attached`, `-oV`.
fn opt_value<'a>(a: Args<'a>, names: Opts, attached: bool) -> Option<&'a [u8]> {
    for i in 0..a.len() {
        let w = a.get(i);
        if w == b"--" {
            break;
        }
        for n in names {
            let n = n.as_bytes();
            if w == n {
                return (i + 1 < a.len()).then(|| a.get(i + 1));
            }
            if n.starts_with(b"--") && w.len() > n.len() && w.starts_with(n) && w[n.len()] == b'=' {
                return Some(&w[n.len() + 1..]);
            }
            if attached && n.len() == 2 && w.len() > 2 && w.starts_with(n) {
                return Some(&w[2..]);
            }
        }
    }
    None
}

/// Every value of a multi-valued option (`-t a b`, `--target=a,b`), passed to `f`.
fn opt_values<'a>(a: Args<'a>, names: Opts, mut f: impl FnMut(&'a [u8])) {
    let mut i = 0;
    while i < a.len() {
        let w = a.get(i);
        i += 1;
        if w == b"--" {
            break;
        }
        for n in names {
            let n = n.as_bytes();
            if w == n {
                while i < a.len() && !is_opt(a.get(i)) {
                    f(a.get(i));
                    i += 1;
                }
            } else if n.starts_with(b"--") && w.len() > n.len() && w.starts_with(n) && w[n.len()] == b'=' {
                f(&w[n.len() + 1..]);
            }
        }
    }
}

fn is_assignment(w: &[u8]) -> bool {
    let Some((&first, rest)) = w.split_first() else {
        return false;
    };
    if !(first.is_ascii_alphabetic() || first == b'_') {
        return false;
    }
    let mut i = 0;
    while i < rest.len() && (rest[i].is_ascii_alphanumeric() || rest[i] == b'_') {
        i += 1;
    }
    if rest.get(i) == Some(&b'[') {
        match memchr(b']', &rest[i..]) {
            Some(j) => i += j + 1,
            None => return false,
        }
    }
    if rest.get(i) == Some(&b'+') {
        i += 1;
    }
    rest.get(i) == Some(&b'=')
}

fn basename(w: &[u8]) -> &[u8] {
    match memrchr(b'/', w) {
        Some(i) => &w[i + 1..],
        None => w,
    }
}

/// The command name a word invokes: no directory, no Windows suffix, no package scope or version.
fn command_name(w: &[u8]) -> &[u8] {
    let mut n = basename(w);
    for ext in [".exe", ".cmd", ".bat"] {
        if n.len() > ext.len() && n[n.len() - ext.len()..].eq_ignore_ascii_case(ext.as_bytes()) {
            n = &n[..n.len() - ext.len()];
            break;
        }
    }
    if let Some(i) = n
        .iter()
        .skip(1)
        .position(|&b| matches!(b, b'@' | b'=' | b'[' | b'<' | b'>'))
    {
        n = &n[..=i];
    }
    match n {
        b"py" | b"pypy" | b"pypy3" => return b"python",
        b"py.test" => return b"pytest",
        b"gmake" | b"bmake" | b"mingw32-make" => return b"make",
        b"nodejs" => return b"node",
        b"mvnw" | b"mvnd" => return b"mvn",
        b"gradlew" => return b"gradle",
        b"bazelisk" => return b"bazel",
        b"podman" | b"nerdctl" => return b"docker",
        b"podman-compose" => return b"docker-compose",
        b"cross" => return b"cargo",
        b"go-task" => return b"task",
        b"oc" => return b"kubectl",
        _ => {}
    }
    // Versioned interpreters and compilers: `python3.12`, `gcc-13`, `clang++-17`.
    let mut end = n.len();
    while end > 0 && (n[end - 1].is_ascii_digit() || n[end - 1] == b'.') {
        end -= 1;
    }
    if end < n.len() {
        let mut base = &n[..end];
        if let [rest @ .., b'-'] = base {
            base = rest;
        }
        if one_of(
            base,
            &[
                "python",
                "php",
                "ruby",
                "perl",
                "node",
                "gcc",
                "g++",
                "clang",
                "clang++",
                "clang-tidy",
                "clang-format",
                "pip",
                "pytest",
                "cc",
                "c++",
            ],
        ) {
            return base;
        }
    }
    n
}

const SCRIPT_EXTS: Opts = &[
    ".sh", ".bash", ".zsh", ".py", ".js", ".mjs", ".cjs", ".ts", ".mts", ".cts", ".rb", ".php", ".pl", ".ps1",
];

/// A script invoked by path or by file name rather than looked up as a command.
fn is_script_path(w: &[u8]) -> bool {
    w.contains(&b'/')
        || SCRIPT_EXTS
            .iter()
            .any(|e| w.len() > e.len() && w.ends_with(e.as_bytes()))
}

/// A file name without its directory and last extension.
fn file_stem(w: &[u8]) -> &[u8] {
    let b = basename(w);
    match memrchr(b'.', b) {
        Some(i) if i > 0 => &b[..i],
        _ => b,
    }
}

// ---------------------------------------------------------------------------------------------
// Script, target and task names.
// ---------------------------------------------------------------------------------------------

#[derive(Clone, Copy, PartialEq, Eq)]
enum Ctx {
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

const TEST_WORDS: Opts = &[
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
const LINT_WORDS: Opts = &[
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
const BUILD_WORDS: Opts = &["build", "builds", "compile", "bundle", "dist", "assemble", "jar"];
const FILE_TEST_WORDS: Opts = &["test", "tests", "spec", "specs", "e2e", "runtests"];
const FILE_LINT_WORDS: Opts = &["lint", "linter", "linting", "typecheck"];
const FILE_BUILD_WORDS: Opts = &["build", "compile"];
const TOX_LINT_WORDS: Opts = &[
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
fn for_each_name_word<'a>(name: &'a [u8], mut f: impl FnMut(&'a [u8]) -> bool) {
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

fn word_class(w: &[u8], ctx: Ctx) -> u8 {
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
fn task_class(name: &[u8], ctx: Ctx) -> u8 {
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
fn task_list_class(list: &[u8], ctx: Ctx) -> u8 {
    list.split(|&b| b == b',')
        .fold(0, |acc, n| acc | task_class(n, ctx))
}

/// Union over the positional words (`VAR=value` skipped).
fn tasks_class(a: Args, with_value: Opts, ctx: Ctx) -> u8 {
    positionals(a, with_value)
        .filter(|w| !is_assignment(w))
        .fold(0, |acc, t| acc | task_class(t, ctx))
}

// ---------------------------------------------------------------------------------------------
// Classification of one simple command.
// ---------------------------------------------------------------------------------------------

#[derive(Default)]
struct Out {
    set: u8,
    /// The command is a shell reading its script from standard input (a heredoc is a script).
    stdin_script: bool,
}

enum Step<'a> {
    Done(u8),
    Run(Args<'a>),
    Unknown,
}

use Step::{Done, Run};

fn classify_argv(mut a: Args<'_>, depth: u8, runs: &mut CommandRuns) -> Out {
    let mut out = Out::default();
    if depth > MAX_DEPTH {
        return out;
    }
    // Every `Run` is a strict suffix of `a`, so the loop ends.
    while let Some(w0) = a.first() {
        let rest = a.skip(1);
        if is_assignment(w0) {
            a = rest;
            continue;
        }
        match w0 {
            b"if" | b"then" | b"else" | b"elif" | b"fi" | b"do" | b"done" | b"while" | b"until" | b"!"
            | b"{" | b"}" | b"esac" => {
                a = rest;
                continue;
            }
            b"function" => {
                a = rest.skip(1);
                continue;
            }
            b"for" | b"case" | b"select" | b"[[" | b"[" | b"test" | b"in" => return out,
            _ => {}
        }
        let mut lowered = [0u8; 32];
        let name = expansion_name(w0, &mut lowered).unwrap_or_else(|| command_name(w0));
        match dispatch(name, rest, depth, runs, &mut out.stdin_script) {
            Done(set) => {
                out.set = set;
                return out;
            }
            Run(next) => a = next,
            Step::Unknown => {
                if is_script_path(w0) {
                    out.set = script_file(w0, rest, depth, runs);
                }
                return out;
            }
        }
    }
    out
}

/// A script run by path or file name: a runner installed as a script (`node_modules/jest/bin/jest.js`),
/// else the words of its name, else, for a script file, a first argument that is exactly a class
/// word (`./x.py test`, `python make.py build`).
fn script_file(w0: &[u8], rest: Args, depth: u8, runs: &mut CommandRuns) -> u8 {
    let stem = file_stem(w0);
    if let Some(set) = runner(stem, rest, depth, runs) {
        return if is_info(rest) { 0 } else { set };
    }
    let set = task_class(stem, Ctx::File);
    if set != 0 || stem.len() == basename(w0).len() {
        return set;
    }
    match positionals(rest, &[]).next() {
        Some(arg) if arg.iter().all(u8::is_ascii_alphabetic) => task_class(arg, Ctx::File),
        _ => 0,
    }
}

/// A command word that is one variable expansion: `${PYTHON:-python3}` names its default,
/// `$PYTHON` / `"${CARGO}"` the variable's name in lower case (`python`, `cargo`).
fn expansion_name<'b>(w: &[u8], buf: &'b mut [u8; 32]) -> Option<&'b [u8]> {
    let inner = w.strip_prefix(b"$")?;
    let inner = match inner.strip_prefix(b"{") {
        Some(braced) => braced.strip_suffix(b"}")?,
        None => inner,
    };
    let (var, default) = match inner.windows(2).position(|p| p == b":-" || p == b":=") {
        Some(i) => (&inner[..i], Some(&inner[i + 2..])),
        None => (inner, None),
    };
    if var.is_empty() || !var.iter().all(|b| b.is_ascii_alphanumeric() || *b == b'_') {
        return None;
    }
    let name = match default {
        Some(d) if !d.is_empty() && !d.contains(&b'$') => command_name(d),
        _ => var,
    };
    let out = buf.get_mut(..name.len())?;
    for (o, b) in out.iter_mut().zip(name) {
        *o = b.to_ascii_lowercase();
    }
    Some(out)
}

fn parse_joined(a: Args, depth: u8, runs: &mut CommandRuns) {
    if !a.is_empty() {
        parse_script(&a.join(), depth + 1, runs);
    }
}

/// `--help`, `--version`, `-h`, or a lone `-V`: not a run.
fn is_info(a: Args) -> bool {
    (a.len() == 1 && matches!(a.get(0), b"-V" | b"-version"))
        || a.options()
            .any(|w| w == b"--help" || w == b"--version" || w == b"-h")
}

/// Tools for which a lone `-v` prints the version (for pytest, mypy, black … it means verbose).
const VERSION_V: Opts = &[
    "eslint",
    "prettier",
    "jest",
    "vitest",
    "webpack",
    "rollup",
    "esbuild",
    "vite",
    "next",
    "tsup",
    "stylelint",
    "biome",
    "oxlint",
    "playwright",
    "cypress",
    "ng",
    "nx",
    "turbo",
    "lerna",
    "gcc",
    "g++",
    "cc",
    "c++",
    "clang",
    "clang++",
    "emcc",
    "deno",
    "bun",
    "swiftlint",
    "golangci-lint",
    "terraform",
    "helm",
    "hadolint",
    "shellcheck",
];

fn dispatch<'a>(
    name: &[u8],
    rest: Args<'a>,
    depth: u8,
    runs: &mut CommandRuns,
    stdin: &mut bool,
) -> Step<'a> {
    match name {
        // --- prefixes
        b"sudo" | b"doas" => Run(rest.skip(first_positional(
            rest,
            &[
                "-u",
                "-g",
                "-C",
                "-D",
                "-h",
                "-p",
                "-r",
                "-t",
                "-U",
                "-T",
                "--user",
                "--group",
                "--chdir",
                "--prompt",
                "--role",
                "--type",
                "--close-from",
                "--host",
                "--other-user",
                "--command-timeout",
            ],
        ))),
        b"env" => {
            let i = first_positional(rest, &["-u", "--unset", "-C", "--chdir", "-S", "--split-string"]);
            if let Some(s) = opt_value(rest.take(i), &["-S", "--split-string"], false) {
                parse_script(s, depth + 1, runs);
                return Done(0);
            }
            Run(rest.skip(i))
        }
        b"time" => Run(rest.skip(first_positional(rest, &["-f", "--format", "-o", "--output"]))),
        b"timeout" => Run(rest.skip(first_positional(rest, &["-s", "--signal", "-k", "--kill-after"]) + 1)),
        b"nice" => Run(rest.skip(first_positional(rest, &["-n", "--adjustment"]))),
        b"ionice" => Run(rest.skip(first_positional(rest, &["-c", "-n", "--class", "--classdata"]))),
        b"caffeinate" => Run(rest.skip(first_positional(rest, &["-t", "-w"]))),
        b"nohup" | b"setsid" | b"unbuffer" | b"catchsegv" | b"chronic" | b"builtin" | b"cross-env"
        | b"dbus-run-session" | b"entr" => Run(rest.skip(first_positional(rest, &[]))),
        b"command" => {
            let i = first_positional(rest, &[]);
            if has_flag(rest.take(i), &["-v", "-V"]) {
                Done(0)
            } else {
                Run(rest.skip(i))
            }
        }
        b"exec" => Run(rest.skip(first_positional(rest, &["-a"]))),
        b"stdbuf" => Run(rest.skip(first_positional(rest, &["-i", "-o", "-e"]))),
        b"xargs" => Run(rest.skip(first_positional(
            rest,
            &[
                "-n",
                "-I",
                "-L",
                "-P",
                "-s",
                "-d",
                "-E",
                "-a",
                "--max-args",
                "--max-lines",
                "--max-procs",
                "--max-chars",
                "--delimiter",
                "--arg-file",
                "--eof",
                "--process-slot-var",
            ],
        ))),
        b"taskset" => Run(rest.skip(first_positional(rest, &[]) + 1)),
        b"flock" => {
            let opts: Opts = &[
                "-w",
                "--wait",
                "--timeout",
                "-E",
                "--conflict-exit-code",
                "-c",
                "--command",
            ];
            let i = first_positional(rest, opts);
            // `flock FILE -c CMD` or `flock FILE CMD…`
            let after = rest.skip(i + 1);
            if let Some(s) = opt_value(
                after.take(1 + usize::from(after.len() > 1)),
                &["-c", "--command"],
                false,
            ) {
                parse_script(s, depth + 1, runs);
                return Done(0);
            }
            Run(after.skip(first_positional(after, opts)))
        }
        b"xvfb-run" => Run(rest.skip(first_positional(
            rest,
            &[
                "-n",
                "--server-num",
                "-s",
                "--server-args",
                "-f",
                "--auth-file",
                "-e",
                "--error-file",
                "-p",
                "-w",
                "--wait",
            ],
        ))),
        b"script" | b"su" | b"runuser" | b"vagrant" => {
            if let Some(s) = opt_value(rest, &["-c", "--command"], false) {
                parse_script(s, depth + 1, runs);
            } else if name == b"runuser" {
                if let Some(i) = rest.index_of(b"--") {
                    return Run(rest.skip(i + 1));
                }
            }
            Done(0)
        }
        b"watch" => {
            let i = first_positional(rest, &["-n", "--interval", "-q", "--equexit"]);
            if has_flag(rest.take(i), &["-x", "--exec"]) {
                Run(rest.skip(i))
            } else {
                parse_joined(rest.skip(i), depth, runs);
                Done(0)
            }
        }
        b"watchexec" => {
            let i = first_positional(
                rest,
                &[
                    "-e",
                    "--exts",
                    "-w",
                    "--watch",
                    "-i",
                    "--ignore",
                    "-f",
                    "--filter",
                    "-d",
                    "--debounce",
                    "--delay-run",
                    "-E",
                    "--env",
                    "--shell",
                    "--signal",
                    "--stop-signal",
                    "--stop-timeout",
                    "--project-origin",
                    "--workdir",
                    "--on-busy-update",
                    "-o",
                    "--emit-events-to",
                    "--filter-file",
                    "--ignore-file",
                    "--poll",
                ],
            );
            parse_joined(rest.skip(i), depth, runs);
            Done(0)
        }
        b"nodemon" => {
            if let Some(s) = opt_value(rest, &["-x", "--exec"], false) {
                parse_script(s, depth + 1, runs);
            }
            Done(0)
        }
        b"eval" => {
            parse_joined(rest, depth, runs);
            Done(0)
        }
        b"screen" => {
            // `screen -dmS NAME CMD…`: a cluster ending in a letter that takes a value consumes the next word.
            let mut i = 0;
            while i < rest.len() && is_opt(rest.get(i)) {
                let w = rest.get(i);
                i += 1;
                if w != b"--"
                    && matches!(
                        w.last(),
                        Some(b'S' | b'c' | b'p' | b't' | b'e' | b'h' | b'X' | b's' | b'T')
                    )
                {
                    i += 1;
                }
            }
            Run(rest.skip(i))
        }
        b"tmux" => {
            let (s, after) = sub(rest, &["-L", "-S", "-f", "-c", "-T"]);
            const OPTS: Opts = &[
                "-s", "-n", "-t", "-c", "-x", "-y", "-F", "-e", "-l", "-w", "-P", "-f", "-b",
            ];
            match s {
                b"new-session" | b"new" | b"new-window" | b"neww" | b"split-window" | b"splitw"
                | b"respawn-pane" | b"respawnp" | b"run-shell" | b"run" => {
                    let i = first_positional(after, OPTS);
                    parse_joined(after.skip(i), depth, runs);
                }
                b"send-keys" | b"send" => {
                    let keys = after.skip(first_positional(after, OPTS));
                    if keys.iter().any(|k| one_of(k, &["Enter", "C-m", "KPEnter"])) {
                        for k in keys.iter().filter(|k| !one_of(k, &["Enter", "C-m", "KPEnter"])) {
                            parse_script(k, depth + 1, runs);
                        }
                    }
                }
                _ => {}
            }
            Done(0)
        }
        b"ssh" => {
            let i = first_positional(
                rest,
                &[
                    "-b", "-c", "-D", "-E", "-e", "-F", "-I", "-i", "-J", "-L", "-l", "-m", "-O", "-o", "-p",
                    "-Q", "-R", "-S", "-W", "-w", "-B",
                ],
            );
            let cmd = rest.skip(i + 1);
            if i < rest.len() && cmd.is_empty() {
                *stdin = true;
            }
            parse_joined(cmd, depth, runs);
            Done(0)
        }
        b"bash" | b"sh" | b"zsh" | b"dash" | b"ksh" | b"mksh" | b"ash" | b"fish" => {
            shell(rest, depth, runs, stdin)
        }
        b"source" | b"." => Run(rest),
        b"git" => git(rest, depth, runs),
        b"find" => {
            // Each `-exec … ;` is a command of its own.
            let mut i = 0;
            while i < rest.len() {
                if one_of(rest.get(i), &["-exec", "-execdir", "-ok", "-okdir"]) {
                    let cmd = rest.skip(i + 1);
                    let end = cmd
                        .iter()
                        .position(|w| w == b";" || w == b"+")
                        .unwrap_or(cmd.len());
                    let set = classify_argv(cmd.take(end), depth + 1, runs).set;
                    runs.add(set);
                    i += end + 1;
                }
                i += 1;
            }
            Done(0)
        }
        b"fd" | b"fdfind" => match rest
            .iter()
            .position(|w| one_of(w, &["-x", "--exec", "-X", "--exec-batch"]))
        {
            Some(i) => Run(rest.skip(i + 1)),
            None => Done(0),
        },
        b"docker" => docker(rest),
        b"docker-compose" => compose(rest),
        b"kubectl" => {
            let (s, after) = sub(
                rest,
                &[
                    "-n",
                    "--namespace",
                    "--context",
                    "--kubeconfig",
                    "-s",
                    "--server",
                    "--cluster",
                    "--user",
                ],
            );
            if s != b"exec" {
                return Done(0);
            }
            if let Some(i) = after.index_of(b"--") {
                return Run(after.skip(i + 1));
            }
            Run(after.skip(
                first_positional(
                    after,
                    &[
                        "-c",
                        "--container",
                        "-n",
                        "--namespace",
                        "--context",
                        "-f",
                        "--filename",
                        "--pod-running-timeout",
                    ],
                ) + 1,
            ))
        }
        b"nix" => {
            let (s, after) = sub(rest, &[]);
            match s {
                b"build" => Done(BUILD),
                b"develop" | b"shell" => match after.iter().position(|w| w == b"-c" || w == b"--command") {
                    Some(i) => Run(after.skip(i + 1)),
                    None => Done(0),
                },
                _ => Done(0),
            }
        }
        b"nix-shell" => {
            if let Some(s) = opt_value(rest, &["--run", "--command"], false) {
                parse_script(s, depth + 1, runs);
            }
            Done(0)
        }
        b"direnv" => match rest.first() {
            Some(b"exec") => Run(rest.skip(2)),
            _ => Done(0),
        },
        b"nvm" => match rest.first() {
            Some(b"exec") => {
                let v = rest.get(1);
                let version = v.first().is_some_and(|b| b.is_ascii_digit())
                    || (v.first() == Some(&b'v') && v.get(1).is_some_and(|b| b.is_ascii_digit()))
                    || v.starts_with(b"lts")
                    || one_of(v, &["node", "default", "system", "stable", "iojs"]);
                Run(rest.skip(if version { 2 } else { 1 }))
            }
            _ => Done(0),
        },
        b"asdf" => match rest.first() {
            Some(b"exec") => Run(rest.skip(1)),
            _ => Done(0),
        },
        b"mise" | b"rtx" => {
            let (s, after) = sub(rest, &["-C", "--cd", "-E", "--env"]);
            match s {
                b"exec" | b"x" => match after.index_of(b"--") {
                    Some(i) => Run(after.skip(i + 1)),
                    None => Run(after.skip(
                        after
                            .iter()
                            .take_while(|w| w.contains(&b'@') || is_opt(w))
                            .count(),
                    )),
                },
                b"run" | b"r" => Done(tasks_class(after, &[], Ctx::Script)),
                _ => Done(0),
            }
        }
        b"dotenv" => Run(rest.skip(first_positional(rest, &["-e", "-v", "-c", "-p"]))),
        b"dotenvx" | b"op" | b"infisical" | b"doppler" => {
            if rest.first() != Some(b"run") {
                return Done(0);
            }
            if let Some(s) = opt_value(rest, &["--command"], false) {
                parse_script(s, depth + 1, runs);
                return Done(0);
            }
            match rest.index_of(b"--") {
                Some(i) => Run(rest.skip(i + 1)),
                None => Done(0),
            }
        }
        b"conda" | b"mamba" | b"micromamba" => {
            let (s, after) = sub(rest, &[]);
            if s == b"run" {
                Run(after.skip(first_positional(
                    after,
                    &["-n", "--name", "-p", "--prefix", "--cwd"],
                )))
            } else {
                Done(0)
            }
        }
        b"xcrun" => Run(rest.skip(first_positional(rest, &["--sdk", "--toolchain"]))),
        b"coverage" => {
            let (s, after) = sub(rest, &["--rcfile"]);
            if s == b"run" {
                python(after, depth, runs)
            } else {
                Done(0)
            }
        }
        b"c8" | b"nyc" => {
            let i = first_positional(
                rest,
                &[
                    "-r",
                    "--reporter",
                    "--include",
                    "--exclude",
                    "-x",
                    "-n",
                    "--temp-dir",
                    "--report-dir",
                    "-o",
                    "--reports-dir",
                    "--src",
                    "--cwd",
                ],
            );
            if i >= rest.len() || one_of(rest.get(i), &["report", "check-coverage", "merge", "instrument"]) {
                Done(0)
            } else {
                Run(rest.skip(i))
            }
        }
        // --- package runners and managers
        b"npx" | b"pnpx" => npx(rest, depth, runs),
        b"bunx" => Run(rest.skip(first_positional(rest, &["-p", "--package"]))),
        b"uvx" => Run(rest.skip(first_positional(rest, UV_OPTS))),
        b"npm" => npm(rest, depth, runs),
        b"pnpm" => pnpm(rest, depth, runs),
        b"yarn" => yarn(rest, depth, runs),
        b"bun" => bun(rest, depth, runs),
        b"deno" => deno(rest, depth, runs),
        b"composer" => composer(rest),
        b"uv" => uv(rest, depth, runs),
        b"poetry" => {
            let (s, after) = sub(rest, &["-C", "--directory", "-P", "--project"]);
            match s {
                b"run" => Run(after.skip(first_positional(after, &[]))),
                b"build" => Done(BUILD),
                _ => Done(0),
            }
        }
        b"pipenv" | b"pdm" | b"rye" | b"devbox" | b"pixi" => {
            let (s, after) = sub(rest, &["-p", "--project", "-c", "--config", "--manifest-path"]);
            match s {
                b"run" | b"r" => Done(run_or_task(
                    after.skip(first_positional(
                        after,
                        &["-e", "--environment", "-c", "--config"],
                    )),
                    depth,
                    runs,
                )),
                b"exec" | b"x" if name == b"pixi" => {
                    Run(after.skip(first_positional(after, &["-s", "--spec"])))
                }
                b"test" if name == b"rye" => Done(TEST),
                b"lint" | b"check" if name == b"rye" => Done(LINT),
                b"fmt" | b"format" if name == b"rye" => {
                    Done(if has_flag(after, &["--check"]) { LINT } else { 0 })
                }
                b"build" if name != b"pipenv" => Done(BUILD),
                _ => Done(0),
            }
        }
        b"hatch" => {
            let (s, after) = sub(
                rest,
                &["-e", "--env", "-p", "--project", "--data-dir", "--cache-dir"],
            );
            match s {
                b"run" => Done(run_or_task(after.skip(first_positional(after, &[])), depth, runs)),
                b"test" => Done(TEST),
                b"fmt" => Done(if has_flag(after, &["--check"]) { LINT } else { 0 }),
                b"build" => Done(BUILD),
                _ => Done(0),
            }
        }
        b"poe" => Done(
            positionals(rest, &[])
                .next()
                .map_or(0, |t| task_class(t, Ctx::Script)),
        ),
        b"bundle" | b"bundler" => match rest.first() {
            Some(b"exec" | b"ex") => {
                let after = rest.skip(1);
                Run(after.skip(first_positional(after, &["--gemfile"])))
            }
            _ => Done(0),
        },
        b"dotnet" => dotnet(rest),
        // --- interpreters
        b"python" => python(rest, depth, runs),
        b"node" | b"tsx" | b"ts-node" | b"ts-node-esm" | b"vite-node" | b"esno" | b"esr" | b"babel-node"
        | b"jiti" => node(rest, name == b"tsx"),
        b"ruby" | b"perl" | b"php" => {
            let mut i = 0;
            while i < rest.len() {
                let w = rest.get(i);
                if w == b"--" {
                    i += 1;
                    break;
                }
                if !is_opt(w) {
                    break;
                }
                let php = name == b"php";
                match w {
                    // Code given inline is text, not a command.
                    b"-r" if php => return Done(0),
                    b"-e" | b"-E" if !php => return Done(0),
                    // `php -l FILE` checks syntax.
                    b"-l" if php => return Done(LINT),
                    b"-d" | b"-c" | b"-z" if php => i += 2,
                    b"-I" | b"-r" | b"-C" | b"-x" | b"-M" | b"-m" if !php => i += 2,
                    _ => i += 1,
                }
            }
            if i >= rest.len() {
                return Done(0);
            }
            Run(rest.skip(i))
        }
        _ => match runner(name, rest, depth, runs) {
            Some(_) if is_info(rest) && name != b"javac" => Done(0),
            Some(_) if rest.len() == 1 && rest.get(0) == b"-v" && one_of(name, VERSION_V) => Done(0),
            Some(set) => Done(set),
            None => Step::Unknown,
        },
    }
}

/// `hatch|pdm|pipenv|rye|pixi|devbox run X`: a command, else a named script.
fn run_or_task(a: Args, depth: u8, runs: &mut CommandRuns) -> u8 {
    let Some(first) = a.first() else { return 0 };
    let set = classify_argv(a, depth + 1, runs).set;
    if set != 0 {
        set
    } else {
        task_class(first, Ctx::Script)
    }
}

fn shell<'a>(rest: Args<'a>, depth: u8, runs: &mut CommandRuns, stdin: &mut bool) -> Step<'a> {
    let mut i = 0;
    let mut command = false;
    let mut read_stdin = false;
    while i < rest.len() {
        let w = rest.get(i);
        if w == b"--" || w == b"-" {
            i += 1;
            break;
        }
        if w.len() < 2 || !(w[0] == b'-' || w[0] == b'+') {
            break;
        }
        if w.starts_with(b"--") {
            if one_of(w, &["--rcfile", "--init-file"]) {
                i += 1;
            }
            command |= w == b"--command";
        } else {
            let letters = &w[1..];
            command |= w[0] == b'-' && letters.contains(&b'c');
            read_stdin |= letters.contains(&b's');
            if w[0] == b'-' && letters.contains(&b'n') {
                // `bash -n FILE` only checks syntax.
                return Done(0);
            }
            if letters.contains(&b'o') || letters.contains(&b'O') {
                i += 1;
            }
        }
        i += 1;
        if command {
            break;
        }
    }
    if command {
        if i < rest.len() {
            parse_script(rest.get(i), depth + 1, runs);
        }
        return Done(0);
    }
    if read_stdin || i >= rest.len() {
        *stdin = true;
        return Done(0);
    }
    Run(rest.skip(i))
}

fn git<'a>(rest: Args<'a>, depth: u8, runs: &mut CommandRuns) -> Step<'a> {
    let (s, after) = sub(rest, &["-C", "-c", "--git-dir", "--work-tree", "--namespace"]);
    match s {
        b"bisect" if after.first() == Some(b"run") => Run(after.skip(1)),
        b"rebase" => {
            let mut i = 0;
            while i < after.len() {
                if one_of(after.get(i), &["-x", "--exec"]) && i + 1 < after.len() {
                    parse_script(after.get(i + 1), depth + 1, runs);
                    i += 1;
                } else if let Some(v) = after.get(i).strip_prefix(b"--exec=") {
                    parse_script(v, depth + 1, runs);
                }
                i += 1;
            }
            Done(0)
        }
        _ => Done(0),
    }
}

const DOCKER_RUN_OPTS: Opts = &[
    "-v",
    "--volume",
    "-w",
    "--workdir",
    "-e",
    "--env",
    "--env-file",
    "--name",
    "-p",
    "--publish",
    "--network",
    "--net",
    "-u",
    "--user",
    "--entrypoint",
    "-l",
    "--label",
    "--mount",
    "--platform",
    "--memory",
    "-m",
    "--cpus",
    "--add-host",
    "--hostname",
    "-h",
    "--device",
    "--gpus",
    "--ipc",
    "--pid",
    "--shm-size",
    "--tmpfs",
    "--ulimit",
    "--cap-add",
    "--cap-drop",
    "--security-opt",
    "--restart",
    "--log-driver",
    "--log-opt",
    "--dns",
    "--cidfile",
    "--pull",
    "--runtime",
    "--stop-signal",
    "--volumes-from",
    "--link",
    "--expose",
    "--label-file",
    "--userns",
    "--uts",
    "--group-add",
    "-a",
    "--attach",
    "--detach-keys",
    "--isolation",
    "--index",
    "--memory-swap",
    "--cpuset-cpus",
];

fn docker(rest: Args<'_>) -> Step<'_> {
    let (s, after) = sub(
        rest,
        &["-H", "--host", "--context", "-c", "--config", "-l", "--log-level"],
    );
    match s {
        b"build" => Done(BUILD),
        b"buildx" | b"builder" | b"image" => {
            let (s2, _) = sub(after, &[]);
            Done(if one_of(s2, &["build", "b", "bake"]) {
                BUILD
            } else {
                0
            })
        }
        b"compose" => compose(after),
        b"run" | b"exec" => {
            let i = first_positional(after, DOCKER_RUN_OPTS);
            let argv = after.skip(i + 1);
            if s == b"run" && argv.is_empty() && i < after.len() {
                // No command: the image's entrypoint, when the image is a known tool (`hadolint/hadolint`).
                let image = command_name(after.get(i));
                let image = image.split(|&b| b == b':').next().unwrap_or_default();
                return Done(runner(image, argv, 0, &mut CommandRuns::default()).unwrap_or(0));
            }
            Run(argv)
        }
        b"container" => {
            let (s2, after2) = sub(after, &[]);
            if one_of(s2, &["run", "exec"]) {
                Run(after2.skip(first_positional(after2, DOCKER_RUN_OPTS) + 1))
            } else {
                Done(0)
            }
        }
        _ => Done(0),
    }
}

fn compose(rest: Args<'_>) -> Step<'_> {
    let (s, after) = sub(
        rest,
        &[
            "-f",
            "--file",
            "-p",
            "--project-name",
            "--profile",
            "--env-file",
            "--project-directory",
            "--ansi",
            "--progress",
            "--parallel",
        ],
    );
    match s {
        b"build" => Done(BUILD),
        b"run" | b"exec" => Run(after.skip(first_positional(after, DOCKER_RUN_OPTS) + 1)),
        _ => Done(0),
    }
}

fn npx<'a>(rest: Args<'a>, depth: u8, runs: &mut CommandRuns) -> Step<'a> {
    const OPTS: Opts = &[
        "-p",
        "--package",
        "-w",
        "--workspace",
        "--node-options",
        "--userconfig",
        "--cache",
        "-c",
        "--call",
    ];
    let i = first_positional(rest, OPTS);
    if let Some(s) = opt_value(rest.take(i), &["-c", "--call"], false) {
        parse_script(s, depth + 1, runs);
        return Done(0);
    }
    Run(rest.skip(i))
}

/// A package-manager script: the name table, else the package binary of that name.
fn pm_script(a: Args, depth: u8, runs: &mut CommandRuns) -> u8 {
    let Some(name) = a.first() else { return 0 };
    let set = task_class(name, Ctx::Script);
    if set != 0 {
        return set;
    }
    // `npm run format -- --check`: the formatter script asked to check.
    let mut formatter = false;
    for_each_name_word(name, |w| {
        formatter |= one_of_ic(w, &["format", "fmt", "prettier"]);
        true
    });
    if formatter
        && has_word(
            a.skip(1),
            &["--check", "-c", "--list-different", "--verify-no-changes"],
        )
    {
        return LINT;
    }
    classify_argv(a, depth + 1, runs).set
}

const NPM_OPTS: Opts = &[
    "--prefix",
    "-w",
    "--workspace",
    "--loglevel",
    "--registry",
    "--userconfig",
    "--cache",
    "--script-shell",
];

fn npm<'a>(rest: Args<'a>, depth: u8, runs: &mut CommandRuns) -> Step<'a> {
    let i = first_positional(rest, NPM_OPTS);
    let after = rest.skip(i + 1);
    match rest.get(i) {
        b"test" | b"t" | b"tst" | b"it" | b"cit" | b"install-test" | b"install-ci-test" => Done(TEST),
        b"run" | b"run-script" | b"rum" | b"urn" => Done(pm_script(
            after.skip(first_positional(after, NPM_OPTS)),
            depth,
            runs,
        )),
        b"exec" | b"x" => npx(after, depth, runs),
        _ => Done(0),
    }
}

const PNPM_OPTS: Opts = &[
    "--filter",
    "-F",
    "--dir",
    "-C",
    "--workspace-dir",
    "--reporter",
    "--loglevel",
    "--resume-from",
    "--test-pattern",
    "--changed-files-ignore-pattern",
    "--filter-prod",
    "--package",
];
const PNPM_BUILTINS: Opts = &[
    "add",
    "i",
    "install",
    "ci",
    "update",
    "up",
    "upgrade",
    "remove",
    "rm",
    "uninstall",
    "un",
    "link",
    "ln",
    "unlink",
    "import",
    "rebuild",
    "rb",
    "prune",
    "fetch",
    "patch",
    "patch-commit",
    "patch-remove",
    "audit",
    "list",
    "ls",
    "ll",
    "la",
    "outdated",
    "why",
    "licenses",
    "publish",
    "pack",
    "store",
    "root",
    "bin",
    "env",
    "setup",
    "init",
    "create",
    "config",
    "c",
    "get",
    "set",
    "dedupe",
    "deploy",
    "doctor",
    "self-update",
    "server",
    "completion",
    "help",
    "approve-builds",
    "ignored-builds",
    "cat-file",
    "cat-index",
    "find-hash",
    "start",
];

fn pnpm<'a>(rest: Args<'a>, depth: u8, runs: &mut CommandRuns) -> Step<'a> {
    let i = first_positional(rest, PNPM_OPTS);
    let s = rest.get(i);
    let after = rest.skip(i + 1);
    match s {
        b"" => Done(0),
        b"test" | b"t" | b"tst" | b"it" | b"install-test" => Done(TEST),
        b"run" | b"run-script" => Done(pm_script(
            after.skip(first_positional(after, PNPM_OPTS)),
            depth,
            runs,
        )),
        b"exec" | b"dlx" => Run(after.skip(first_positional(after, PNPM_OPTS))),
        _ if one_of(s, PNPM_BUILTINS) => Done(0),
        _ => Done(pm_script(rest.skip(i), depth, runs)),
    }
}

const YARN_OPTS: Opts = &[
    "--cwd",
    "--mutex",
    "--network-timeout",
    "--modules-folder",
    "--cache-folder",
    "--registry",
];
const YARN_BUILTINS: Opts = &[
    "add",
    "install",
    "remove",
    "upgrade",
    "up",
    "upgrade-interactive",
    "why",
    "info",
    "init",
    "list",
    "link",
    "unlink",
    "cache",
    "config",
    "global",
    "import",
    "outdated",
    "pack",
    "publish",
    "set",
    "plugin",
    "npm",
    "constraints",
    "dedupe",
    "create",
    "policies",
    "version",
    "versions",
    "login",
    "logout",
    "bin",
    "audit",
    "autoclean",
    "licenses",
    "owner",
    "tag",
    "team",
    "unplug",
    "rebuild",
    "explain",
    "patch",
    "patch-commit",
    "search",
    "stage",
    "help",
    "generate-lock-entry",
    "start",
];

fn yarn<'a>(mut rest: Args<'a>, depth: u8, runs: &mut CommandRuns) -> Step<'a> {
    loop {
        let i = first_positional(rest, YARN_OPTS);
        let s = rest.get(i);
        let after = rest.skip(i + 1);
        return match s {
            b"" => Done(0),
            b"test" => Done(TEST),
            b"run" => Done(pm_script(
                after.skip(first_positional(after, YARN_OPTS)),
                depth,
                runs,
            )),
            b"dlx" | b"exec" => Run(after.skip(first_positional(after, &["-p", "--package"]))),
            b"node" => Run(rest.skip(i)),
            b"workspace" => {
                rest = after.skip(1);
                continue;
            }
            b"workspaces" => {
                let mut a = after;
                if a.first() == Some(b"foreach") {
                    a = a.skip(1);
                }
                let j = first_positional(
                    a,
                    &["--include", "--exclude", "--from", "-j", "--jobs", "--since"],
                );
                if a.get(j) == b"run" {
                    Done(pm_script(a.skip(j + 1), depth, runs))
                } else {
                    Done(pm_script(a.skip(j), depth, runs))
                }
            }
            _ if one_of(s, YARN_BUILTINS) => Done(0),
            _ => Done(pm_script(rest.skip(i), depth, runs)),
        };
    }
}

fn bun<'a>(rest: Args<'a>, depth: u8, runs: &mut CommandRuns) -> Step<'a> {
    let opts: Opts = &[
        "--cwd",
        "--filter",
        "-F",
        "--config",
        "--env-file",
        "--preload",
        "-r",
    ];
    let i = first_positional(rest, opts);
    let s = rest.get(i);
    let after = rest.skip(i + 1);
    match s {
        b"" => Done(0),
        b"test" => Done(TEST),
        b"build" => Done(BUILD),
        b"x" => Run(after.skip(first_positional(after, &["-p", "--package"]))),
        b"exec" => {
            parse_joined(after, depth, runs);
            Done(0)
        }
        b"run" => {
            let a = after.skip(first_positional(after, opts));
            match a.first() {
                Some(f) if is_script_path(f) => Run(a),
                Some(_) => Done(pm_script(a, depth, runs)),
                None => Done(0),
            }
        }
        b"install" | b"i" | b"add" | b"a" | b"remove" | b"rm" | b"update" | b"link" | b"unlink" | b"pm"
        | b"init" | b"create" | b"c" | b"upgrade" | b"outdated" | b"publish" | b"patch" | b"audit"
        | b"info" | b"why" | b"repl" => Done(0),
        _ if is_script_path(s) => Run(rest.skip(i)),
        _ => Done(pm_script(rest.skip(i), depth, runs)),
    }
}

fn deno<'a>(rest: Args<'a>, depth: u8, runs: &mut CommandRuns) -> Step<'a> {
    let (s, after) = sub(rest, &[]);
    match s {
        b"test" => Done(TEST),
        b"lint" | b"check" => Done(LINT),
        b"fmt" => Done(if has_flag(after, &["--check"]) { LINT } else { 0 }),
        b"compile" | b"bundle" => Done(BUILD),
        b"task" => Done(pm_script(
            after.skip(first_positional(
                after,
                &["--cwd", "-c", "--config", "-f", "--filter"],
            )),
            depth,
            runs,
        )),
        b"run" => {
            let a = after.skip(first_positional(
                after,
                &["-c", "--config", "--import-map", "--env-file", "-r"],
            ));
            if a.is_empty() {
                Done(0)
            } else {
                Run(a)
            }
        }
        _ => Done(0),
    }
}

fn composer(rest: Args<'_>) -> Step<'_> {
    let opts: Opts = &["-d", "--working-dir"];
    let i = first_positional(rest, opts);
    let s = rest.get(i);
    let after = rest.skip(i + 1);
    match s {
        b"" => Done(0),
        b"test" => Done(TEST),
        b"run-script" | b"run" => Done(task_class(after.get(first_positional(after, opts)), Ctx::Script)),
        b"exec" => Run(after.skip(first_positional(after, opts))),
        b"install"
        | b"i"
        | b"update"
        | b"u"
        | b"upgrade"
        | b"require"
        | b"r"
        | b"remove"
        | b"rm"
        | b"dump-autoload"
        | b"dumpautoload"
        | b"dump"
        | b"show"
        | b"info"
        | b"outdated"
        | b"validate"
        | b"diagnose"
        | b"create-project"
        | b"init"
        | b"config"
        | b"global"
        | b"search"
        | b"depends"
        | b"why"
        | b"why-not"
        | b"licenses"
        | b"status"
        | b"self-update"
        | b"selfupdate"
        | b"audit"
        | b"bump"
        | b"clear-cache"
        | b"clearcache"
        | b"archive"
        | b"browse"
        | b"fund"
        | b"prohibits"
        | b"reinstall"
        | b"suggests"
        | b"check-platform-reqs"
        | b"about"
        | b"list"
        | b"help" => Done(0),
        _ => Done(task_class(s, Ctx::Script)),
    }
}

const UV_OPTS: Opts = &[
    "--from",
    "--with",
    "-w",
    "--with-editable",
    "--with-requirements",
    "--python",
    "-p",
    "--package",
    "--extra",
    "--group",
    "--only-group",
    "--no-group",
    "--project",
    "--directory",
    "--env-file",
    "--index",
    "--index-url",
    "--extra-index-url",
    "--default-index",
    "--config-file",
    "--cache-dir",
    "--constraints",
    "-c",
];

fn uv<'a>(rest: Args<'a>, depth: u8, runs: &mut CommandRuns) -> Step<'a> {
    let (s, after) = sub(
        rest,
        &["--directory", "--project", "--cache-dir", "--config-file"],
    );
    match s {
        b"run" => {
            let i = first_positional(after, UV_OPTS);
            // `uv run -m pytest`: a module, as with python.
            if let Some(m) = after.take(i).iter().position(|w| w == b"-m" || w == b"--module") {
                return python(after.skip(m), depth, runs);
            }
            Run(after.skip(i))
        }
        b"tool" => {
            let (s2, after2) = sub(after, &[]);
            if s2 == b"run" {
                Run(after2.skip(first_positional(after2, UV_OPTS)))
            } else {
                Done(0)
            }
        }
        b"build" => Done(BUILD),
        b"format" => Done(if has_flag(after, &["--check", "--diff"]) {
            LINT
        } else {
            0
        }),
        _ => Done(0),
    }
}

fn dotnet(mut rest: Args<'_>) -> Step<'_> {
    loop {
        let i = first_positional(rest, &["-d"]);
        let after = rest.skip(i + 1);
        return match rest.get(i) {
            b"test" | b"vstest" => Done(TEST),
            b"build" | b"publish" | b"pack" | b"msbuild" => Done(BUILD),
            b"format" => Done(if has_flag(after, &["--verify-no-changes"]) {
                LINT
            } else {
                0
            }),
            b"watch" => {
                let j = first_positional(after, &["--project"]);
                if j >= after.len() {
                    return Done(0);
                }
                rest = after.skip(j);
                continue;
            }
            b"tool" if after.first() == Some(b"run") => Run(after.skip(1)),
            b"" | b"run" | b"restore" | b"new" | b"add" | b"remove" | b"list" | b"sln" | b"nuget"
            | b"clean" | b"ef" | b"workload" | b"tool" | b"help" | b"sdk" | b"dev-certs"
            | b"user-secrets" => Done(0),
            s if s.ends_with(b".dll") => Done(0),
            _ => Run(rest.skip(i)),
        };
    }
}

fn python<'a>(rest: Args<'a>, depth: u8, runs: &mut CommandRuns) -> Step<'a> {
    let mut i = 0;
    while i < rest.len() {
        let w = rest.get(i);
        if w == b"-m" || w == b"--module" {
            return python_module(rest.get(i + 1), rest.skip(i + 1), depth, runs);
        }
        if w.len() > 2 && w.starts_with(b"-m") {
            return python_module(&w[2..], rest.skip(i), depth, runs);
        }
        if w == b"-" || w.starts_with(b"-c") {
            return Done(0);
        }
        if w == b"--" {
            i += 1;
            break;
        }
        if !is_opt(w) {
            break;
        }
        // python's own `-W`/`-X`, and `coverage run`'s options with values.
        i += if one_of(
            w,
            &[
                "-W",
                "-X",
                "--source",
                "--omit",
                "--include",
                "--rcfile",
                "--data-file",
                "--context",
                "--concurrency",
            ],
        ) {
            2
        } else {
            1
        };
    }
    if i >= rest.len() {
        return Done(0);
    }
    Run(rest.skip(i))
}

/// `python -m MODULE …`; `a` starts at the module name.
fn python_module<'a>(module: &[u8], a: Args<'a>, depth: u8, runs: &mut CommandRuns) -> Step<'a> {
    let args = a.skip(1);
    match module {
        b"build" => Done(if is_info(args) { 0 } else { BUILD }),
        b"unittest" => Done(TEST),
        b"django" => Done(if sub(args, &[]).0 == b"test" { TEST } else { 0 }),
        b"coverage" => {
            let (s, after) = sub(args, &["--rcfile"]);
            if s == b"run" {
                python(after, depth, runs)
            } else {
                Done(0)
            }
        }
        _ if a.first() == Some(module) => Run(a),
        _ => match runner(module, args, depth, runs) {
            Some(set) if !is_info(args) => Done(set),
            _ => Done(0),
        },
    }
}

fn node(rest: Args<'_>, tsx: bool) -> Step<'_> {
    let mut i = 0;
    while i < rest.len() {
        let w = rest.get(i);
        if w.starts_with(b"--test") {
            return Done(TEST);
        }
        if one_of(
            w,
            &[
                "-e",
                "--eval",
                "-p",
                "--print",
                "-i",
                "--interactive",
                "-c",
                "--check",
            ],
        ) {
            return Done(0);
        }
        if w == b"--run" {
            return Done(task_class(rest.get(i + 1), Ctx::Script));
        }
        if w == b"--" {
            i += 1;
            break;
        }
        if tsx && w == b"watch" {
            i += 1;
            continue;
        }
        if !is_opt(w) {
            break;
        }
        i += if one_of(
            w,
            &[
                "-r",
                "--require",
                "--import",
                "--loader",
                "--experimental-loader",
                "-C",
                "--conditions",
                "--input-type",
                "--inspect-port",
                "--title",
                "--watch-path",
                "--env-file",
                "--tsconfig",
            ],
        ) {
            2
        } else {
            1
        };
    }
    if i >= rest.len() {
        return Done(0);
    }
    Run(rest.skip(i))
}

// ---------------------------------------------------------------------------------------------
// Runners.
// ---------------------------------------------------------------------------------------------

/// The classes one known runner's invocation falls in; `None` for a command not in the table.
fn runner(name: &[u8], a: Args, depth: u8, runs: &mut CommandRuns) -> Option<u8> {
    let first = || sub(a, &[]).0;
    let flag = |flags: Opts, class: u8| if has_flag(a, flags) { class } else { 0 };
    Some(match name {
        // Rust
        b"cargo" => cargo(a, depth, runs),
        b"rustfmt" => flag(&["--check"], LINT),
        b"rustc" | b"gcc" | b"g++" | b"cc" | b"c++" | b"clang" | b"clang++" | b"javac" | b"kotlinc"
        | b"scalac" | b"swiftc" | b"ghc" | b"emcc" | b"em++" | b"tcc" | b"nvcc" | b"gfortran" | b"icc"
        | b"icpx" => {
            if a.is_empty() {
                0
            } else {
                BUILD
            }
        }
        // Python
        b"pytest" | b"ward" | b"nose2" | b"nosetests" | b"green" | b"behave" | b"trial" | b"ptw"
        | b"pytest-watch" => {
            if has_flag(a, &["--collect-only", "--co", "--fixtures", "--markers"]) {
                0
            } else {
                TEST
            }
        }
        b"unittest" => TEST,
        b"tox" => tox(a),
        b"nox" => nox(a),
        b"django-admin" | b"manage.py" | b"django" => {
            if first() == b"test" {
                TEST
            } else {
                0
            }
        }
        b"setup.py" => {
            let s = first();
            if s == b"test" {
                TEST
            } else if s.starts_with(b"build") || s.starts_with(b"bdist") || s == b"sdist" {
                BUILD
            } else {
                0
            }
        }
        b"ruff" => match first() {
            b"check" => LINT,
            b"format" => flag(&["--check", "--diff"], LINT),
            b"" | b"rule" | b"config" | b"version" | b"clean" | b"server" | b"linter" | b"analyze"
            | b"help" => 0,
            _ => LINT,
        },
        b"flake8" | b"pylint" | b"pyflakes" | b"pycodestyle" | b"pydocstyle" | b"bandit" | b"vulture"
        | b"pyright" | b"basedpyright" | b"pytype" | b"pyre" | b"codespell" | b"typos" | b"mypy"
        | b"dmypy" | b"pyrefly" | b"ty" => LINT,
        b"isort" => flag(&["--check", "--check-only", "-c", "--diff"], LINT),
        b"black" | b"blue" => flag(&["--check", "--diff"], LINT),
        b"yapf" | b"autopep8" | b"docformatter" => flag(&["--diff", "--check"], LINT),
        b"pre-commit" | b"prek" => match first() {
            b"" | b"run" => LINT,
            _ => 0,
        },
        b"maturin" => match first() {
            b"build" | b"develop" => BUILD,
            _ => 0,
        },
        b"pyinstaller" | b"nuitka" | b"cythonize" => BUILD,
        // JavaScript and TypeScript
        b"jest" => {
            if has_flag(a, &["--listTests", "--showConfig", "--init", "--clearCache"]) {
                0
            } else {
                TEST
            }
        }
        b"vitest" => match first() {
            b"bench" | b"list" | b"init" => 0,
            b"typecheck" => LINT,
            _ => TEST,
        },
        b"mocha" | b"ava" | b"tap" | b"tape" | b"jasmine" | b"uvu" | b"qunit" | b"testcafe" | b"wtr"
        | b"web-test-runner" | b"bats" | b"shellspec" | b"busted" | b"prove" | b"rspec" | b"cucumber"
        | b"cucumber-js" | b"phpunit" | b"pest" | b"paratest" | b"behat" | b"elm-test" | b"jest-ci" => TEST,
        b"gotestsum" => {
            if first() == b"tool" {
                0
            } else {
                TEST
            }
        }
        b"karma" => match first() {
            b"start" | b"run" => TEST,
            _ => 0,
        },
        b"playwright" => match first() {
            b"test" => TEST,
            _ => 0,
        },
        b"cypress" => match first() {
            b"run" => TEST,
            _ => 0,
        },
        b"wdio" => match first() {
            b"config" | b"install" | b"repl" => 0,
            _ => TEST,
        },
        b"detox" => match first() {
            b"test" => TEST,
            b"build" => BUILD,
            _ => 0,
        },
        b"ng" => match first() {
            b"test" | b"t" | b"e2e" | b"e" => TEST,
            b"lint" | b"l" => LINT,
            b"build" | b"b" => BUILD,
            _ => 0,
        },
        b"react-scripts" | b"craco" | b"react-app-rewired" => match first() {
            b"test" => TEST,
            b"build" => BUILD,
            _ => 0,
        },
        b"vue-cli-service" => task_class(first(), Ctx::Script),
        b"ember" => match first() {
            b"test" | b"t" => TEST,
            b"build" | b"b" => BUILD,
            _ => 0,
        },
        b"next" => match first() {
            b"build" => BUILD,
            b"lint" => LINT,
            _ => 0,
        },
        b"nuxt" | b"nuxi" => match first() {
            b"build" | b"generate" => BUILD,
            b"typecheck" => LINT,
            b"test" => TEST,
            _ => 0,
        },
        b"astro" => match first() {
            b"build" => BUILD,
            b"check" => LINT,
            _ => 0,
        },
        b"vite" | b"remix" | b"gatsby" | b"storybook" | b"sb" | b"rsbuild" | b"rspack" | b"ncc"
        | b"parcel" | b"eas" | b"svelte-kit" | b"react-router" => match first() {
            b"build" => BUILD,
            _ => 0,
        },
        b"electron-forge" => match first() {
            b"make" | b"package" => BUILD,
            _ => 0,
        },
        b"webpack" | b"webpack-cli" => match first() {
            b"serve" | b"s" | b"server" | b"info" | b"configtest" | b"init" | b"version" | b"help" => 0,
            _ => BUILD,
        },
        b"rollup" | b"esbuild" | b"tsup" | b"swc" | b"babel" | b"microbundle" | b"unbuild" | b"tsdown"
        | b"electron-builder" | b"pkgroll" | b"build-storybook" => BUILD,
        b"tsc" => {
            if has_flag(
                a,
                &[
                    "--init",
                    "-v",
                    "--showConfig",
                    "--listFilesOnly",
                    "--help",
                    "--all",
                ],
            ) {
                0
            } else if a
                .options()
                .any(|w| w.eq_ignore_ascii_case(b"--noEmit") || w.eq_ignore_ascii_case(b"--noEmit=true"))
            {
                LINT
            } else {
                BUILD
            }
        }
        b"vue-tsc" | b"svelte-check" | b"glint" | b"tsd" | b"flow" | b"eslint" | b"eslint_d" | b"oxlint"
        | b"tslint" | b"standard" | b"xo" | b"stylelint" | b"markdownlint" | b"markdownlint-cli"
        | b"markdownlint-cli2" | b"jshint" | b"lint-staged" | b"commitlint" | b"knip" | b"publint"
        | b"htmlhint" | b"jsonlint" => LINT,
        b"prettier" => flag(&["--check", "-c", "--list-different", "-l"], LINT),
        b"biome" => match first() {
            b"check" | b"lint" | b"ci" => LINT,
            b"format" => {
                if has_flag(a, &["--write", "--fix", "--apply"]) {
                    0
                } else {
                    LINT
                }
            }
            _ => 0,
        },
        b"dprint" => match first() {
            b"check" => LINT,
            _ => 0,
        },
        b"turbo" => turbo(a),
        b"nx" => nx(a),
        b"lerna" => {
            let (s, after) = sub(a, &[]);
            match s {
                b"run" => task_class(
                    sub(after, &["--scope", "--ignore", "--concurrency"]).0,
                    Ctx::Script,
                ),
                b"exec" => match after.index_of(b"--") {
                    Some(i) => classify_argv(after.skip(i + 1), depth + 1, runs).set,
                    None => 0,
                },
                _ => 0,
            }
        }
        b"rush" => match first() {
            b"build" | b"rebuild" => BUILD,
            s => task_class(s, Ctx::Script),
        },
        b"rushx" => task_class(first(), Ctx::Script),
        b"run-s" | b"run-p" | b"npm-run-all" | b"npm-run-all2" => {
            positionals(a, &["--npm-path", "--max-parallel"]).fold(0, |acc, t| {
                acc | task_class(t.split(|&b| b == b' ').next().unwrap_or_default(), Ctx::Script)
            })
        }
        b"concurrently" => concurrently(a, depth, runs),
        b"gulp" | b"grunt" | b"invoke" | b"inv" | b"mage" | b"makers" | b"cargo-make" | b"bb" => {
            tasks_class(a, &["-f", "--gulpfile", "--cwd"], Ctx::Script)
        }
        // Go
        b"go" => go(a),
        b"golangci-lint" => match first() {
            b"" | b"run" => LINT,
            b"fmt" => flag(&["--diff", "-d"], LINT),
            _ => 0,
        },
        b"staticcheck" | b"revive" | b"gosec" | b"govulncheck" | b"errcheck" | b"ineffassign" | b"golint"
        | b"go-critic" | b"gocritic" => LINT,
        b"gofmt" | b"goimports" | b"gofumpt" => {
            if has_flag(a, &["-l", "-d", "--list", "--diff"]) && !has_flag(a, &["-w"]) {
                LINT
            } else {
                0
            }
        }
        b"ginkgo" => match first() {
            b"build" => BUILD,
            b"" | b"run" | b"watch" => TEST,
            s if s.starts_with(b"./") || s.starts_with(b"../") => TEST,
            _ => 0,
        },
        b"richgo" => match first() {
            b"test" => TEST,
            _ => 0,
        },
        // JVM
        b"mvn" => maven(a),
        b"gradle" => tasks_class(
            a,
            &[
                "-x",
                "--exclude-task",
                "-p",
                "--project-dir",
                "-b",
                "--build-file",
                "-c",
                "--settings-file",
                "-I",
                "--init-script",
                "-g",
                "--gradle-user-home",
                "--tests",
                "--console",
                "--warning-mode",
                "--configuration",
                "--max-workers",
                "--priority",
                "--include-build",
                "-M",
                "--dependency-verification",
                "--project-cache-dir",
                "-D",
                "-P",
            ],
            Ctx::Gradle,
        ),
        b"sbt" => sbt(a),
        b"mill" => positionals(a, &["-i", "-j", "--jobs"]).fold(0, |acc, t| {
            acc | task_class(
                t.rsplit(|&b| b == b'.' || b == b'/').next().unwrap_or_default(),
                Ctx::Script,
            )
        }),
        b"ant" => {
            let set = tasks_class(
                a,
                &["-f", "-buildfile", "-file", "-lib", "-logfile", "-l"],
                Ctx::Make,
            );
            if positionals(a, &["-f", "-buildfile", "-file", "-lib", "-logfile", "-l"])
                .next()
                .is_none()
            {
                BUILD
            } else {
                set
            }
        }
        b"lein" => match first() {
            b"test" | b"midje" | b"kaocha" => TEST,
            b"uberjar" | b"jar" | b"compile" | b"javac" => BUILD,
            b"check" | b"eastwood" | b"kibit" | b"bikeshed" | b"cljfmt" => LINT,
            _ => 0,
        },
        b"clojure" | b"clj" => a.options().fold(0, |acc, w| {
            let alias = [b"-X:" as &[u8], b"-M:", b"-T:", b"-A:"]
                .iter()
                .find_map(|p| w.strip_prefix(*p));
            acc | alias.map_or(0, |al| task_class(al, Ctx::Script))
        }),
        b"ktlint" | b"detekt" | b"detekt-cli" | b"checkstyle" | b"spotbugs" => LINT,
        b"pmd" => match first() {
            b"check" | b"" => LINT,
            _ => 0,
        },
        b"scalafmt" => flag(&["--test", "--check", "--list"], LINT),
        b"csharpier" | b"dotnet-csharpier" => {
            if first() == b"check" || has_flag(a, &["--check"]) {
                LINT
            } else {
                0
            }
        }
        // .NET, Apple
        b"swift" => {
            let (s, after) = sub(a, &["--package-path", "-c", "--configuration"]);
            match s {
                b"build" => BUILD,
                b"test" => TEST,
                b"format" if sub(after, &[]).0 == b"lint" => LINT,
                _ => 0,
            }
        }
        b"swiftlint" => match first() {
            b"" | b"lint" | b"analyze" => LINT,
            _ => 0,
        },
        b"swift-format" => match first() {
            b"lint" => LINT,
            _ => 0,
        },
        b"swiftformat" => flag(&["--lint"], LINT),
        b"xcodebuild" => xcodebuild(a),
        // C, C++ and build systems
        b"bazel" | b"blaze" | b"buck" | b"buck2" => match first() {
            b"test" | b"coverage" => TEST,
            b"build" => BUILD,
            _ => 0,
        },
        b"pants" => match first() {
            b"test" => TEST,
            b"lint" | b"check" => LINT,
            b"package" => BUILD,
            _ => 0,
        },
        b"ctest" => {
            if has_flag(a, &["-N", "--show-only"]) {
                0
            } else {
                TEST
            }
        }
        b"cmake" => cmake(a),
        b"meson" | b"muon" => match first() {
            b"test" => TEST,
            b"compile" => BUILD,
            _ => 0,
        },
        b"ninja" | b"samu" => {
            const NINJA: Opts = &["-C", "-f", "-j", "-k", "-l", "-d", "-w"];
            if has_flag(a, &["-t", "-n"]) {
                0
            } else {
                artifact_targets(positionals(a, NINJA))
            }
        }
        b"make" => make(a),
        b"just" => {
            if has_flag(
                a,
                &[
                    "-l",
                    "--list",
                    "--summary",
                    "--show",
                    "-s",
                    "--dump",
                    "--evaluate",
                    "--variables",
                    "-n",
                    "--dry-run",
                    "--choose",
                    "-e",
                    "--edit",
                    "--init",
                    "--fmt",
                    "--groups",
                    "--completions",
                ],
            ) {
                0
            } else {
                let opts: Opts = &[
                    "-f",
                    "--justfile",
                    "-d",
                    "--working-directory",
                    "--shell",
                    "--shell-arg",
                    "--dotenv-filename",
                    "--dotenv-path",
                    "--color",
                    "--command-color",
                    "-c",
                    "--command",
                    "--chooser",
                    "--list-heading",
                    "--list-prefix",
                ];
                // `--set NAME VALUE` takes two words.
                match a.index_of(b"--set") {
                    Some(i) => {
                        tasks_class(a.take(i), opts, Ctx::Script)
                            | tasks_class(a.skip(i + 3), opts, Ctx::Script)
                    }
                    None => tasks_class(a, opts, Ctx::Script),
                }
            }
        }
        b"task" => {
            if has_flag(
                a,
                &[
                    "-l",
                    "--list",
                    "--list-all",
                    "-a",
                    "--summary",
                    "-n",
                    "--dry",
                    "--init",
                    "-i",
                ],
            ) {
                0
            } else {
                tasks_class(
                    a,
                    &[
                        "-d",
                        "--dir",
                        "-t",
                        "--taskfile",
                        "-o",
                        "--output",
                        "--concurrency",
                        "-C",
                        "--interval",
                        "-I",
                    ],
                    Ctx::Script,
                )
            }
        }
        // Ruby, PHP, Elixir, Erlang, Haskell, OCaml, Zig, Dart, others
        b"rake" => tasks_class(
            a,
            &[
                "-f",
                "--rakefile",
                "-C",
                "--directory",
                "-I",
                "--libdir",
                "-r",
                "--require",
                "-j",
            ],
            Ctx::Script,
        ),
        b"rails" => {
            let s = first();
            if matches!(s, b"test" | b"t" | b"spec") || s.starts_with(b"test:") || s.starts_with(b"spec:") {
                TEST
            } else {
                0
            }
        }
        b"rubocop" | b"standardrb" | b"reek" | b"brakeman" | b"erblint" | b"erb_lint" | b"haml-lint"
        | b"slim-lint" => LINT,
        b"srb" => match first() {
            b"tc" | b"typecheck" => LINT,
            _ => 0,
        },
        b"steep" => match first() {
            b"check" => LINT,
            _ => 0,
        },
        b"artisan" => match first() {
            b"test" => TEST,
            _ => 0,
        },
        b"codecept" | b"codeception" => match first() {
            b"run" => TEST,
            _ => 0,
        },
        b"phpstan" | b"psalm" | b"phpcs" | b"phpmd" | b"phan" => LINT,
        b"php-cs-fixer" => match first() {
            b"check" => LINT,
            b"fix" => flag(&["--dry-run"], LINT),
            _ => 0,
        },
        b"rector" => flag(&["--dry-run"], LINT),
        b"mix" => {
            let (s, after) = sub(a, &[]);
            match s {
                b"format" => {
                    if has_flag(after, &["--check-formatted", "--dry-run"]) {
                        LINT
                    } else {
                        0
                    }
                }
                b"release" => BUILD,
                _ => task_class(s, Ctx::Script),
            }
        }
        b"rebar3" => match first() {
            b"eunit" | b"ct" | b"proper" => TEST,
            b"compile" | b"release" | b"escriptize" | b"tar" => BUILD,
            b"dialyzer" | b"xref" | b"lint" => LINT,
            _ => 0,
        },
        b"gleam" => match first() {
            b"test" => TEST,
            b"build" | b"export" => BUILD,
            b"check" => LINT,
            b"format" => flag(&["--check"], LINT),
            _ => 0,
        },
        b"stack" | b"cabal" => match first() {
            b"test" | b"v2-test" | b"new-test" => TEST,
            b"build" | b"v2-build" | b"new-build" => BUILD,
            _ => 0,
        },
        b"hlint" => LINT,
        b"ormolu" | b"fourmolu" => {
            if opt_value(a, &["--mode", "-m"], false) == Some(b"check") {
                LINT
            } else {
                0
            }
        }
        b"dune" => {
            let (s, after) = sub(a, &[]);
            match s {
                b"test" | b"runtest" => TEST,
                b"build" => {
                    let aliases = positionals(after, &["--root", "-j", "--profile"]).fold(0, |acc, t| {
                        acc | match t {
                            b"@runtest" | b"@test" => TEST,
                            b"@fmt" | b"@lint" => LINT,
                            _ => BUILD,
                        }
                    });
                    if aliases == 0 {
                        BUILD
                    } else {
                        aliases
                    }
                }
                _ => 0,
            }
        }
        b"zig" => zig(a),
        b"flutter" => match first() {
            b"test" => TEST,
            b"analyze" => LINT,
            b"build" => BUILD,
            _ => 0,
        },
        b"dart" => match first() {
            b"test" => TEST,
            b"analyze" => LINT,
            b"compile" => BUILD,
            b"format" if has_flag(a, &["--set-exit-if-changed", "--output=none"]) => LINT,
            _ => 0,
        },
        b"elm" => match first() {
            b"make" => BUILD,
            _ => 0,
        },
        b"elm-review" => LINT,
        b"nimble" | b"crystal" => match first() {
            b"test" | b"spec" => TEST,
            b"build" => BUILD,
            _ => 0,
        },
        b"luacheck" | b"selene" => LINT,
        b"stylua" => flag(&["--check"], LINT),
        // Shell, infrastructure, docs
        b"shellcheck"
        | b"hadolint"
        | b"yamllint"
        | b"actionlint"
        | b"tflint"
        | b"kubeval"
        | b"kubeconform"
        | b"kube-linter"
        | b"ansible-lint"
        | b"vale"
        | b"protolint"
        | b"clang-tidy"
        | b"cppcheck"
        | b"cpplint"
        | b"include-what-you-use"
        | b"iwyu"
        | b"editorconfig-checker"
        | b"checkmake"
        | b"cfn-lint"
        | b"deadnix" => LINT,
        b"shfmt" => flag(&["-d", "-l", "--diff", "--list"], LINT),
        b"clang-format" => flag(&["--dry-run", "-n"], LINT),
        b"terraform" | b"tofu" => match sub(a, &[]).0 {
            b"fmt" => flag(&["-check", "--check"], LINT),
            b"validate" => LINT,
            _ => 0,
        },
        b"packer" => match first() {
            b"validate" => LINT,
            b"build" => BUILD,
            b"fmt" => flag(&["-check"], LINT),
            _ => 0,
        },
        b"helm" => match first() {
            b"lint" => LINT,
            _ => 0,
        },
        b"taplo" => match first() {
            b"check" | b"lint" => LINT,
            b"fmt" | b"format" => flag(&["--check"], LINT),
            _ => 0,
        },
        b"buf" => match first() {
            b"lint" | b"breaking" => LINT,
            b"build" => BUILD,
            b"format" => flag(&["-d", "--diff", "--exit-code"], LINT),
            _ => 0,
        },
        b"sqlfluff" => match first() {
            b"lint" => LINT,
            _ => 0,
        },
        b"statix" => match first() {
            b"check" => LINT,
            _ => 0,
        },
        b"nixfmt" | b"alejandra" => flag(&["--check", "-c"], LINT),
        b"nix-build" => BUILD,
        b"buildah" => match first() {
            b"bud" | b"build" => BUILD,
            _ => 0,
        },
        _ => return None,
    })
}

fn cargo(mut a: Args, depth: u8, runs: &mut CommandRuns) -> u8 {
    const OPTS: Opts = &["--color", "--manifest-path", "-Z", "--config", "-C", "--explain"];
    loop {
        // `+nightly` selects a toolchain.
        let mut i = 0;
        while i < a.len() {
            let w = a.get(i);
            if w.starts_with(b"+") || is_opt(w) {
                i += if one_of(w, OPTS) { 2 } else { 1 };
            } else {
                break;
            }
        }
        let after = a.skip(i + 1);
        return match a.get(i) {
            b"test" | b"t" => {
                if has_flag(after, &["--no-run"]) {
                    BUILD
                } else {
                    TEST
                }
            }
            b"nextest" => match sub(after, &[]).0 {
                b"run" | b"r" => TEST,
                b"archive" => BUILD,
                _ => 0,
            },
            b"miri" => match sub(after, &[]).0 {
                b"test" | b"nextest" => TEST,
                _ => 0,
            },
            b"llvm-cov" => match sub(after, &[]).0 {
                b"report" | b"clean" | b"show-env" => 0,
                _ => TEST,
            },
            b"tarpaulin" | b"mutants" => TEST,
            b"insta" => match sub(after, &[]).0 {
                b"test" => TEST,
                _ => 0,
            },
            b"clippy" => LINT,
            b"fmt" if has_word(after, &["--check"]) => LINT,
            b"deny" => match sub(after, &[]).0 {
                b"check" => LINT,
                _ => 0,
            },
            b"udeps" | b"machete" | b"semver-checks" => LINT,
            b"build" | b"b" | b"check" | b"c" | b"rustc" | b"zigbuild" => BUILD,
            b"bench" | b"install" if has_flag(after, &["--no-run", "--path"]) => BUILD,
            b"hack" | b"tauri" | b"leptos" | b"dist" | b"component" | b"xwin" | b"all-features" => {
                a = after;
                continue;
            }
            b"watch" => {
                let mut any = false;
                let mut j = 0;
                while j < after.len() {
                    let w = after.get(j);
                    let value = if one_of(w, &["-x", "--exec", "-s", "--shell"]) {
                        j += 1;
                        Some(after.get(j))
                    } else {
                        None
                    };
                    if let Some(v) = value {
                        any = true;
                        if w == b"-x" || w == b"--exec" {
                            let mut s = b"cargo ".to_vec();
                            s.extend_from_slice(v);
                            parse_script(&s, depth + 1, runs);
                        } else {
                            parse_script(v, depth + 1, runs);
                        }
                    }
                    j += 1;
                }
                if any {
                    0
                } else {
                    BUILD
                }
            }
            b"make" => tasks_class(
                after,
                &["--makefile", "-p", "--profile", "-e", "--env"],
                Ctx::Script,
            ),
            b"xtask" | b"x" => task_class(sub(after, &[]).0, Ctx::Script),
            _ => 0,
        };
    }
}

fn go(a: Args) -> u8 {
    let (s, after) = sub(a, &["-C"]);
    match s {
        b"test" => {
            if has_flag(after, &["-c"]) {
                BUILD
            } else if has_flag(after, &["-list"]) {
                0
            } else {
                TEST
            }
        }
        b"vet" => LINT,
        b"build" => BUILD,
        b"install" => {
            if positionals(after, &[]).any(|p| p.contains(&b'@')) {
                0
            } else {
                BUILD
            }
        }
        _ => 0,
    }
}

fn tox(a: Args) -> u8 {
    let (s, after) = sub(
        a,
        &[
            "-e",
            "--env",
            "-c",
            "--conf",
            "--root",
            "--workdir",
            "-x",
            "--override",
            "-m",
            "-f",
        ],
    );
    if has_flag(
        a,
        &[
            "-l",
            "--listenvs",
            "-a",
            "--listenvs-all",
            "--showconfig",
            "--help-ini",
        ],
    ) || one_of(
        s,
        &[
            "list",
            "l",
            "config",
            "c",
            "devenv",
            "d",
            "quickstart",
            "q",
            "depends",
            "de",
            "legacy",
            "le",
        ],
    ) {
        return 0;
    }
    let opts = if one_of(s, &["run", "r", "run-parallel", "p", "exec", "e"]) {
        after
    } else {
        a
    };
    match opt_value(opts, &["-e", "--env"], true) {
        Some(envs) => task_list_class(envs, Ctx::Tox),
        None => TEST,
    }
}

fn nox(a: Args) -> u8 {
    if has_flag(a, &["-l", "--list", "--list-sessions", "--json"]) {
        return 0;
    }
    let mut set = 0;
    let mut any = false;
    opt_values(a, &["-s", "--session", "--sessions", "-e"], |v| {
        any = true;
        set |= task_list_class(v, Ctx::Tox);
    });
    if any {
        set
    } else {
        TEST
    }
}

fn turbo(a: Args) -> u8 {
    const OPTS: Opts = &[
        "--filter",
        "-F",
        "--concurrency",
        "--cache-dir",
        "--output-logs",
        "--log-order",
        "--env-mode",
        "--scope",
        "--ignore",
        "--since",
        "--log-prefix",
        "--profile",
        "--cache",
        "--ui",
        "--graph",
        "--summarize",
    ];
    let i = first_positional(a, OPTS);
    let s = a.get(i);
    if one_of(
        s,
        &[
            "prune",
            "login",
            "logout",
            "link",
            "unlink",
            "daemon",
            "gen",
            "generate",
            "ls",
            "info",
            "bin",
            "telemetry",
            "query",
            "scan",
            "boundaries",
            "completion",
            "devtools",
            "docs",
        ],
    ) {
        return 0;
    }
    let tasks = if s == b"run" || s == b"watch" {
        a.skip(i + 1)
    } else {
        a.skip(i)
    };
    positionals(tasks, OPTS).fold(0, |acc, t| acc | task_class(t, Ctx::Script))
}

fn nx(a: Args) -> u8 {
    let (s, after) = sub(
        a,
        &[
            "-p",
            "--projects",
            "-c",
            "--configuration",
            "--exclude",
            "--base",
            "--head",
            "--output-style",
        ],
    );
    match s {
        b"run" => {
            let p = sub(after, &["-c", "--configuration"]).0;
            let mut parts = p.split(|&b| b == b':');
            let target = match (parts.next(), parts.next()) {
                (_, Some(t)) => t,
                (Some(t), None) => t,
                _ => b"",
            };
            task_class(target, Ctx::Script)
        }
        b"run-many" | b"affected" => {
            let mut set = 0;
            opt_values(after, &["-t", "--target", "--targets"], |v| {
                set |= task_list_class(v, Ctx::Script)
            });
            set
        }
        _ => match s.strip_prefix(b"affected:") {
            Some(t) => task_class(t, Ctx::Script),
            None => task_class(s, Ctx::Script),
        },
    }
}

fn concurrently(a: Args, depth: u8, runs: &mut CommandRuns) -> u8 {
    const OPTS: Opts = &[
        "-n",
        "--names",
        "-c",
        "--prefix-colors",
        "-p",
        "--prefix",
        "-s",
        "--success",
        "-m",
        "--max-processes",
        "--restart-tries",
        "--restart-after",
        "-l",
        "--prefix-length",
        "-t",
        "--timestamp-format",
        "--names-separator",
        "--default-input-target",
        "--kill-signal",
        "--teardown",
    ];
    let mut set = 0;
    for p in positionals(a, OPTS) {
        let shorthand = [b"npm:" as &[u8], b"yarn:", b"pnpm:", b"bun:"]
            .iter()
            .find_map(|pre| p.strip_prefix(*pre));
        match shorthand {
            Some(script) => {
                set |= task_class(
                    script.split(|&b| b == b' ').next().unwrap_or_default(),
                    Ctx::Script,
                )
            }
            None => parse_script(p, depth + 1, runs),
        }
    }
    set
}

fn maven(a: Args) -> u8 {
    const OPTS: Opts = &[
        "-pl",
        "--projects",
        "-f",
        "--file",
        "-P",
        "--activate-profiles",
        "-T",
        "--threads",
        "-s",
        "--settings",
        "-gs",
        "--global-settings",
        "-rf",
        "--resume-from",
        "-l",
        "--log-file",
        "-t",
        "--toolchains",
        "-b",
        "--builder",
        "-D",
        "--define",
    ];
    positionals(a, OPTS).fold(0, |acc, goal| {
        acc | match memrchr(b':', goal) {
            Some(i) => {
                let (plugin, g) = (&goal[..i], &goal[i + 1..]);
                if one_of(g, &["test", "integration-test"]) {
                    TEST
                } else if one_of(g, &["compile", "testCompile"]) {
                    BUILD
                } else if one_of(g, &["check", "validate", "verify", "cpd-check", "lint"])
                    && !plugin.ends_with(b"dependency")
                    && !plugin.ends_with(b"versions")
                {
                    LINT
                } else {
                    0
                }
            }
            None => match goal {
                b"test" | b"integration-test" | b"verify" => TEST,
                b"compile" | b"test-compile" | b"package" | b"install" | b"deploy" => BUILD,
                _ => 0,
            },
        }
    })
}

fn sbt(a: Args) -> u8 {
    let mut set = 0;
    for arg in a.iter().filter(|w| !is_opt(w)) {
        for cmd in arg.split(|&b| b == b';') {
            let word = cmd
                .split(|&b| b == b' ')
                .find(|w| !w.is_empty())
                .unwrap_or_default();
            let word = word.strip_prefix(b"~").unwrap_or(word);
            let word = word.strip_prefix(b"+").unwrap_or(word);
            let task = match memrchr(b'/', word).or_else(|| memrchr(b':', word)) {
                Some(i) => &word[i + 1..],
                None => word,
            };
            let lower = |p: &[u8]| task.len() >= p.len() && task[..p.len()].eq_ignore_ascii_case(p);
            set |= if lower(b"test") || task.eq_ignore_ascii_case(b"it") {
                TEST
            } else if lower(b"scalafmtcheck")
                || lower(b"scalafmtsbtcheck")
                || one_of_ic(task, &["scalastyle", "wartremover"])
            {
                LINT
            } else if one_of_ic(
                task,
                &["compile", "package", "assembly", "stage", "dist", "packageBin"],
            ) {
                BUILD
            } else {
                0
            };
        }
    }
    set
}

fn xcodebuild(a: Args) -> u8 {
    const FLAGS: Opts = &[
        "-quiet",
        "-verbose",
        "-json",
        "-alltargets",
        "-allowProvisioningUpdates",
        "-allowProvisioningDeviceRegistration",
        "-parallelizeTargets",
        "-hideShellScriptEnvironment",
        "-skipUnavailableActions",
        "-skipPackagePluginValidation",
        "-skipMacroValidation",
        "-disableAutomaticPackageResolution",
        "-onlyUsePackageVersionsFromResolvedFile",
        "-skipPackageUpdates",
        "-usePackageSupportBuiltinSCM",
    ];
    if has_flag(
        a,
        &[
            "-list",
            "-showBuildSettings",
            "-showsdks",
            "-showdestinations",
            "-version",
            "-usage",
            "-help",
        ],
    ) {
        return 0;
    }
    let mut set = 0;
    let mut any = false;
    let mut i = 0;
    while i < a.len() {
        let w = a.get(i);
        i += 1;
        if is_opt(w) {
            if !one_of(w, FLAGS) {
                i += 1;
            }
            continue;
        }
        if is_assignment(w) {
            continue;
        }
        let class = match w {
            b"test" | b"test-without-building" => TEST,
            b"build" | b"build-for-testing" | b"archive" | b"install" | b"docbuild" => BUILD,
            b"analyze" => LINT,
            _ => 0,
        };
        any |= class != 0 || w == b"clean";
        set |= class;
    }
    if any {
        set
    } else {
        BUILD
    }
}

fn make(a: Args) -> u8 {
    const OPTS: Opts = &[
        "-C",
        "-f",
        "--file",
        "--makefile",
        "--directory",
        "-I",
        "--include-dir",
        "-o",
        "--old-file",
        "--assume-old",
        "-W",
        "--what-if",
        "--new-file",
        "--assume-new",
        "--eval",
    ];
    if has_flag(
        a,
        &[
            "-n",
            "--dry-run",
            "--just-print",
            "--recon",
            "-q",
            "--question",
            "-p",
            "--print-data-base",
            "-h",
        ],
    ) {
        return 0;
    }
    let mut set = 0;
    let mut targets = 0;
    let mut i = 0;
    while i < a.len() {
        let w = a.get(i);
        i += 1;
        if is_opt(w) {
            // `-j` and `-l` take an optional number.
            let numeric = one_of(w, &["-j", "--jobs", "-l", "--load-average"])
                && a.get(i).first().is_some_and(u8::is_ascii_digit);
            if numeric || one_of(w, OPTS) {
                i += 1;
            }
            continue;
        }
        if is_assignment(w) {
            continue;
        }
        targets += 1;
        set |= task_class(w, Ctx::Make);
    }
    if targets == 0 {
        BUILD
    } else {
        set
    }
}

/// Targets of ninja and `cmake --build`: named classes, else the artifact is built (`clean` is not).
fn artifact_targets<'a>(targets: impl Iterator<Item = &'a [u8]>) -> u8 {
    let mut any = false;
    let set = targets.fold(0, |acc, t| {
        any = true;
        let c = task_class(t, Ctx::Make);
        acc | if c != 0 || t == b"clean" { c } else { BUILD }
    });
    if any {
        set
    } else {
        BUILD
    }
}

fn cmake(a: Args) -> u8 {
    if !a.options().any(|w| flag_matches(w, "--build")) {
        return 0;
    }
    let mut targets: Vec<&[u8]> = Vec::new();
    opt_values(a, &["--target", "-t"], |v| {
        if targets.len() < MAX_WORDS {
            targets.extend(v.split(|&b| b == b',' || b == b';'));
        }
    });
    artifact_targets(targets.into_iter())
}

fn zig(a: Args) -> u8 {
    let (s, after) = sub(a, &[]);
    match s {
        b"build" => {
            const OPTS: Opts = &[
                "-p",
                "--prefix",
                "--build-file",
                "--cache-dir",
                "--global-cache-dir",
                "--zig-lib-dir",
                "-j",
                "--prefix-lib-dir",
                "--prefix-exe-dir",
                "--prefix-include-dir",
                "--sysroot",
                "--search-prefix",
                "--libc",
                "--build-runner",
                "--seed",
                "--summary",
                "--color",
                "--maxrss",
                "-fsys",
                "--debounce",
            ];
            let mut any = false;
            let set = positionals(after, OPTS).fold(0, |acc, step| {
                any = true;
                acc | match step {
                    b"run" => 0,
                    _ => match task_class(step, Ctx::Script) {
                        0 => BUILD,
                        c => c,
                    },
                }
            });
            if any {
                set
            } else {
                BUILD
            }
        }
        b"test" => TEST,
        b"fmt" if has_flag(after, &["--check"]) => LINT,
        b"build-exe" | b"build-lib" | b"build-obj" | b"cc" | b"c++" => BUILD,
        _ => 0,
    }
}
