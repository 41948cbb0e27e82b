//! The command classifier against the labelled real-world lines of `fixtures/commands.txt`, a table
//! of wrapper and splitting cases, and hostile input.

use prompt1_signals::commands::{classify_command_line, CommandClass, CommandRuns};
use std::time::{Duration, Instant};

struct Labelled {
    line_no: usize,
    expected: CommandRuns,
    command: String,
}

fn fixture() -> Vec<Labelled> {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/commands.txt");
    let text = std::fs::read_to_string(path).expect("fixture readable");
    let mut out = Vec::new();
    for (i, raw) in text.lines().enumerate() {
        let line = raw.trim_end();
        if line.trim().is_empty() || line.starts_with('#') {
            continue;
        }
        let mut rest = line;
        let mut counts = [0u32; 3];
        for c in &mut counts {
            let t = rest.trim_start();
            let end = t.find(char::is_whitespace).unwrap_or(t.len());
            *c = t[..end]
                .parse()
                .unwrap_or_else(|_| panic!("line {}: bad count in {line:?}", i + 1));
            rest = &t[end..];
        }
        let command = rest.trim_start().replace('⏎', "\n");
        assert!(!command.is_empty(), "line {}: no command", i + 1);
        out.push(Labelled {
            line_no: i + 1,
            expected: CommandRuns {
                test: counts[0],
                lint: counts[1],
                build: counts[2],
            },
            command,
        });
    }
    out
}

fn runs(t: u32, l: u32, b: u32) -> CommandRuns {
    CommandRuns {
        test: t,
        lint: l,
        build: b,
    }
}

fn show(r: CommandRuns) -> String {
    format!("{} {} {}", r.test, r.lint, r.build)
}

#[test]
fn every_labelled_line_is_classified_as_labelled() {
    let lines = fixture();
    assert!(
        lines.len() >= 150,
        "the fixture needs at least 150 labelled lines, has {}",
        lines.len()
    );
    let mut failures = Vec::new();
    for l in &lines {
        let got = classify_command_line(&l.command);
        if got != l.expected {
            failures.push(format!(
                "  line {:>3}: expected {}  got {}  {}",
                l.line_no,
                show(l.expected),
                show(got),
                l.command.replace('\n', "⏎")
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} labelled lines misclassified:\n{}",
        failures.len(),
        lines.len(),
        failures.join("\n")
    );
}

#[test]
fn fixture_covers_every_class_and_non_runs() {
    let lines = fixture();
    let with = |f: fn(&CommandRuns) -> bool| lines.iter().filter(|l| f(&l.expected)).count();
    assert!(with(|r| r.test > 0) >= 40);
    assert!(with(|r| r.lint > 0) >= 40);
    assert!(with(|r| r.build > 0) >= 40);
    assert!(with(|r| r.is_empty()) >= 40);
}

/// Wrappers, prefixes and shell structure, case by case.
#[test]
fn wrappers_and_splitting_table() {
    let cases: &[(&str, CommandRuns)] = &[
        // Splitting on every operator.
        (
            "cargo test && cargo clippy || cargo build; pytest | tee x & eslint .",
            runs(2, 2, 1),
        ),
        ("cargo test\ncargo test", runs(2, 0, 0)),
        ("cargo test;cargo test", runs(2, 0, 0)),
        ("cargo test&&cargo build", runs(1, 0, 1)),
        ("cargo test|cat", runs(1, 0, 0)),
        ("cargo test &", runs(1, 0, 0)),
        ("cargo test ;; ;", runs(1, 0, 0)),
        // Subshells and substitutions.
        ("(cargo test)", runs(1, 0, 0)),
        ("((cargo test))", runs(1, 0, 0)),
        ("x=$(cargo test)", runs(1, 0, 0)),
        ("echo \"$(cargo test)\"", runs(1, 0, 0)),
        ("echo `cargo test`", runs(1, 0, 0)),
        ("echo $(echo $(cargo test))", runs(1, 0, 0)),
        ("diff <(cargo test 2>&1) expected.txt", runs(1, 0, 0)),
        ("echo $((1 + 2))", runs(0, 0, 0)),
        ("arr=(cargo test)", runs(0, 0, 0)),
        ("{ cargo test; }", runs(1, 0, 0)),
        // Shell strings.
        ("bash -c 'cargo test'", runs(1, 0, 0)),
        ("bash -lc \"cargo test && cargo build\"", runs(1, 0, 1)),
        ("sh -ec 'cargo clippy'", runs(0, 1, 0)),
        ("bash -o pipefail -c 'cargo test | tail'", runs(1, 0, 0)),
        ("bash -c \"sh -c 'cargo test'\"", runs(1, 0, 0)),
        ("eval cargo test", runs(1, 0, 0)),
        ("eval 'cargo test; cargo build'", runs(1, 0, 1)),
        ("bash <<< 'cargo test'", runs(1, 0, 0)),
        ("cat <<< 'cargo test'", runs(0, 0, 0)),
        ("bash -s <<'EOF'\ncargo test\nEOF", runs(1, 0, 0)),
        ("ssh host <<'EOF'\ncargo test\nEOF\ncargo build", runs(1, 0, 1)),
        ("cat <<-EOF\n\tcargo test\n\tEOF\ncargo build", runs(0, 0, 1)),
        (
            "cat <<A <<B\ncargo test\nA\ncargo test\nB\ncargo build",
            runs(0, 0, 1),
        ),
        // Quoting.
        ("echo 'cargo test && cargo build'", runs(0, 0, 0)),
        ("echo \"cargo test; cargo build\"", runs(0, 0, 0)),
        ("echo cargo\\ test \\; cargo build", runs(0, 0, 0)),
        ("echo $'cargo test\\'; cargo build'", runs(0, 0, 0)),
        ("'cargo' test", runs(1, 0, 0)),
        ("\"cargo\" \"test\"", runs(1, 0, 0)),
        ("c''argo te\"\"st", runs(1, 0, 0)),
        ("echo ${x:-cargo test}; cargo test", runs(1, 0, 0)),
        ("cargo test # && cargo build", runs(1, 0, 0)),
        ("cargo test x#y", runs(1, 0, 0)),
        // Redirections.
        ("cargo test > out.txt 2>&1 < /dev/null", runs(1, 0, 0)),
        ("2>/dev/null cargo test", runs(1, 0, 0)),
        ("cargo build >& log", runs(0, 0, 1)),
        ("cargo build &>> log", runs(0, 0, 1)),
        // Prefixes.
        ("A=1 B=\"x y\" cargo test", runs(1, 0, 0)),
        ("env cargo test", runs(1, 0, 0)),
        ("env -u HOME A=1 cargo test", runs(1, 0, 0)),
        ("env -S 'cargo test'", runs(1, 0, 0)),
        (
            "sudo -E -u root env A=1 nice -n 5 timeout -k 5 60 cargo test",
            runs(1, 0, 0),
        ),
        ("time -p cargo build", runs(0, 0, 1)),
        ("nohup cargo build &", runs(0, 0, 1)),
        ("command cargo test", runs(1, 0, 0)),
        ("command -v cargo", runs(0, 0, 0)),
        ("exec cargo test", runs(1, 0, 0)),
        ("stdbuf -oL cargo test", runs(1, 0, 0)),
        ("stdbuf -o L cargo test", runs(1, 0, 0)),
        ("xargs -0 -n 1 -P4 cargo test", runs(1, 0, 0)),
        ("xargs", runs(0, 0, 0)),
        ("watch cargo test", runs(1, 0, 0)),
        ("watch -x cargo test", runs(1, 0, 0)),
        ("if cargo test; then cargo build; fi", runs(1, 0, 1)),
        ("until cargo test; do :; done", runs(1, 0, 0)),
        ("! cargo test", runs(1, 0, 0)),
        ("for t in test build; do echo $t; done", runs(0, 0, 0)),
        (
            "case $x in test) cargo test;; build) cargo build;; esac",
            runs(1, 0, 1),
        ),
        ("function t { cargo test; }", runs(1, 0, 0)),
        ("function t() { cargo test; }; t; t", runs(1, 0, 0)),
        // Runners behind wrappers.
        ("npx --yes jest", runs(1, 0, 0)),
        ("npx -p typescript tsc --noEmit", runs(0, 1, 0)),
        ("npx -c 'eslint . && jest'", runs(1, 1, 0)),
        ("pnpm exec eslint .", runs(0, 1, 0)),
        ("pnpm dlx vitest run", runs(1, 0, 0)),
        ("yarn dlx -p typescript tsc", runs(0, 0, 1)),
        ("bunx --bun vitest", runs(1, 0, 0)),
        ("bun x eslint .", runs(0, 1, 0)),
        ("uv run -m pytest", runs(1, 0, 0)),
        ("uv tool run ruff check", runs(0, 1, 0)),
        ("uvx --from 'ruff==0.5' ruff format --check", runs(0, 1, 0)),
        ("poetry -C api run pytest", runs(1, 0, 0)),
        ("pdm run lint", runs(0, 1, 0)),
        ("hatch -e test run pytest", runs(1, 0, 0)),
        ("python3.12 -m mypy .", runs(0, 1, 0)),
        ("python -mpytest", runs(1, 0, 0)),
        ("python -W error -m pytest", runs(1, 0, 0)),
        ("python -m pip list", runs(0, 0, 0)),
        ("python -m build --version", runs(0, 0, 0)),
        ("bundle exec rake spec", runs(1, 0, 0)),
        ("dotnet tool run dotnet-format", runs(0, 0, 0)),
        ("dotnet watch test", runs(1, 0, 0)),
        ("./node_modules/.bin/tsc --noEmit", runs(0, 1, 0)),
        ("node node_modules/.bin/jest", runs(1, 0, 0)),
        ("node_modules/.bin/eslint.cmd src", runs(0, 1, 0)),
        ("C:/tools/pytest.exe -q", runs(1, 0, 0)),
        (
            "docker compose -f ci.yml run --rm -e CI=1 app npm test",
            runs(1, 0, 0),
        ),
        ("docker exec -u root -w /app web cargo test", runs(1, 0, 0)),
        ("podman build .", runs(0, 0, 1)),
        ("docker buildx build --platform linux/amd64 .", runs(0, 0, 1)),
        ("kubectl -n ci exec pod -c app -- npm test", runs(1, 0, 0)),
        ("ssh -p 22 -i key host cargo test", runs(1, 0, 0)),
        ("ssh host", runs(0, 0, 0)),
        (
            "find . -name '*.py' -exec black --check {} \\; -exec ruff check {} +",
            runs(0, 2, 0),
        ),
        ("fd -e rs -x rustfmt --check", runs(0, 1, 0)),
        ("git -C repo bisect run make test", runs(1, 0, 0)),
        ("git rebase -i --exec 'cargo test' main", runs(1, 0, 0)),
        ("cargo watch -x test -x clippy", runs(1, 1, 0)),
        ("cargo watch", runs(0, 0, 1)),
        ("cargo hack --each-feature check", runs(0, 0, 1)),
        ("nix develop -c cargo test", runs(1, 0, 0)),
        ("nix-shell --run 'make test'", runs(1, 0, 0)),
        ("conda run -n py311 pytest", runs(1, 0, 0)),
        ("xvfb-run -a npm test", runs(1, 0, 0)),
        ("dotenv -e .env.test -- jest", runs(1, 0, 0)),
        ("cross-env NODE_ENV=test jest", runs(1, 0, 0)),
        ("direnv exec . cargo test", runs(1, 0, 0)),
        ("mise exec node@20 -- npm test", runs(1, 0, 0)),
        ("nvm exec 20 npm test", runs(1, 0, 0)),
        ("script -q -c 'cargo test' /dev/null", runs(1, 0, 0)),
        ("nodemon --exec 'npm test'", runs(1, 0, 0)),
        ("concurrently -n lint,test 'npm:lint' 'vitest run'", runs(1, 1, 0)),
        ("npm-run-all --parallel lint 'test -- --watch'", runs(1, 1, 0)),
        ("c8 mocha", runs(1, 0, 0)),
        ("nyc report", runs(0, 0, 0)),
        // Script and target names.
        ("npm run test:watch", runs(1, 0, 0)),
        ("npm run typeCheck", runs(0, 1, 0)),
        ("npm run check-types", runs(0, 1, 0)),
        ("npm run storybook", runs(0, 0, 0)),
        ("npm run build-storybook", runs(0, 0, 1)),
        ("npm run pretest", runs(0, 0, 0)),
        ("yarn workspaces foreach -A run build", runs(0, 0, 1)),
        ("make check", runs(1, 0, 0)),
        ("make all", runs(0, 0, 1)),
        ("make CC=clang", runs(0, 0, 1)),
        ("make -j 8", runs(0, 0, 1)),
        ("make -f Makefile.ci lint", runs(0, 1, 0)),
        ("make install", runs(0, 0, 0)),
        ("make --dry-run", runs(0, 0, 0)),
        ("just check", runs(0, 1, 0)),
        ("just --set mode ci test", runs(1, 0, 0)),
        ("ninja -C build test", runs(1, 0, 0)),
        ("ninja -t clean", runs(0, 0, 0)),
        ("cmake --build build --target test", runs(1, 0, 0)),
        ("cmake --build build --target install", runs(0, 0, 1)),
        ("./gradlew spotlessApply", runs(0, 0, 0)),
        ("./gradlew check", runs(1, 0, 0)),
        ("./gradlew lintDebug", runs(0, 1, 0)),
        ("./gradlew ktlintFormat", runs(0, 0, 0)),
        ("tox", runs(1, 0, 0)),
        ("tox -e docs", runs(0, 0, 0)),
        ("tox -e type", runs(0, 1, 0)),
        ("tox run -e pre-commit", runs(0, 1, 0)),
        ("nox -s lint tests", runs(1, 1, 0)),
        ("nx run web:build:production", runs(0, 0, 1)),
        ("nx affected:lint", runs(0, 1, 0)),
        ("nx run-many --targets=lint,test", runs(1, 1, 0)),
        // Scripts by file name.
        ("./ci/build.sh", runs(0, 0, 1)),
        ("bash scripts/test-e2e.sh", runs(1, 0, 0)),
        ("sh ./lint", runs(0, 1, 0)),
        ("python tests/parser_test.py", runs(1, 0, 0)),
        ("python scripts/deploy.py", runs(0, 0, 0)),
        ("./target/debug/deps/parser-1a2b3c", runs(0, 0, 0)),
        ("bash", runs(0, 0, 0)),
        // Info invocations.
        ("pytest --version", runs(0, 0, 0)),
        ("eslint --help", runs(0, 0, 0)),
        ("make -h", runs(0, 0, 0)),
        ("npm test -- --help", runs(1, 0, 0)),
    ];
    let mut failures = Vec::new();
    for (cmd, expected) in cases {
        let got = classify_command_line(cmd);
        if got != *expected {
            failures.push(format!(
                "  expected {}  got {}  {}",
                show(*expected),
                show(got),
                cmd.replace('\n', "⏎")
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} cases misclassified:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn count_reads_each_class() {
    let r = classify_command_line("cargo test && cargo clippy && cargo build && cargo test");
    assert_eq!(r.count(CommandClass::Test), 2);
    assert_eq!(r.count(CommandClass::Lint), 1);
    assert_eq!(r.count(CommandClass::Build), 1);
    assert!(!r.is_empty());
    assert!(classify_command_line("ls").is_empty());
}

fn hostile_inputs(size: usize) -> Vec<(&'static str, String)> {
    let rep = |unit: &str| unit.repeat(size / unit.len().max(1) + 1);
    vec![
        ("one long word", "a".repeat(size)),
        ("many words", rep("cargo ")),
        ("many tests", rep("cargo test;")),
        ("many pipes", rep("|")),
        ("many ampersands", rep("&")),
        ("unbalanced single quote", format!("cargo test '{}", rep("x "))),
        ("unbalanced double quote", format!("cargo test \"{}", rep("x "))),
        ("unbalanced ansi quote", format!("echo $'{}", rep("\\"))),
        ("quotes alternating", rep("'\"")),
        ("backslashes", rep("\\")),
        ("open parens", rep("(")),
        ("close parens", rep(")")),
        (
            "nested substitutions",
            format!("{}cargo test{}", rep("$("), rep(")")),
        ),
        ("nested quoted substitutions", rep("\"$(")),
        ("backticks", rep("`")),
        ("brace expansions", rep("${")),
        ("arithmetic", rep("$((")),
        ("process substitutions", rep("<(")),
        ("heredoc operators", rep("<<")),
        (
            "heredocs never closed",
            format!("{}\n{}", rep("cat <<E "), rep("x\n")),
        ),
        (
            "heredoc to shell",
            format!("bash <<E\n{}E\n", rep("cargo test\n")),
        ),
        ("redirections", rep(">")),
        ("fd redirections", rep("2>&1 ")),
        ("comments", rep("# cargo test\n")),
        ("line continuations", rep("\\\n")),
        ("newlines", rep("\n")),
        ("carriage returns", rep("\r\n")),
        (
            "nested bash -c",
            format!("{}cargo test{}", rep("bash -c \""), rep("\"")),
        ),
        ("nested single-quoted bash -c", rep("bash -c 'bash -c ")),
        ("eval chains", rep("eval eval ")),
        ("sudo chains", rep("sudo ")),
        ("wrapper chains", rep("timeout 1 nice env A=1 xargs npx ")),
        ("package manager fallbacks", rep("yarn pnpm ")),
        ("hatch run chains", rep("hatch run ")),
        ("find -exec", rep("find . -exec ")),
        ("cargo watch", rep("cargo watch -x ")),
        ("ssh chains", rep("ssh h ")),
        ("assignments", rep("A=1 ")),
        ("function definitions", rep("f() { ")),
        ("keywords", rep("if then do ! { ")),
        (
            "control characters",
            (0u8..32).map(char::from).cycle().take(size).collect(),
        ),
        ("NUL bytes", rep("cargo\0test\0")),
        ("replacement characters", rep("\u{FFFD}")),
        ("combining marks after backslash", rep("\\\u{301}")),
        ("bidi overrides", rep("\u{202E}cargo test\u{202C};")),
        ("zero-width joiners", rep("c\u{200D}argo\u{200B} test;")),
        ("non-BMP characters", rep("\u{1F600}$(")),
        ("latin-1 lookalikes", rep("\u{C0}\u{80}\u{FF}")),
        ("make targets", format!("make {}", rep("test "))),
        ("npm scripts", rep("npm run test:a:b:c:")),
        ("camel case task", format!("./gradlew {}", rep("aB"))),
        (
            "mixed",
            rep("a=$(b \"c `d` e\" 'f' <<G) | h && (i; j) & k $((1)) ${l} \\\n"),
        ),
    ]
}

/// Never panics on hostile input, and time grows linearly with its size.
#[test]
fn hostile_input_is_safe_and_linear() {
    const SMALL: usize = 1 << 17;
    const LARGE: usize = 1 << 20;
    let time = |s: &str| {
        let mut best = Duration::MAX;
        for _ in 0..3 {
            let start = Instant::now();
            std::hint::black_box(classify_command_line(std::hint::black_box(s)));
            best = best.min(start.elapsed());
        }
        best
    };
    let small = hostile_inputs(SMALL);
    let large = hostile_inputs(LARGE);
    let mut slow = Vec::new();
    for ((name, s), (_, l)) in small.iter().zip(&large) {
        let (ts, tl) = (time(s), time(l));
        // Eight times the input: a linear scan takes about eight times as long, a quadratic one 64 times.
        // The bound leaves room for a noisy shared machine.
        let bound = (ts * 24).max(Duration::from_millis(200));
        if tl > bound {
            slow.push(format!(
                "  {name}: {} bytes {ts:?}, {} bytes {tl:?}",
                s.len(),
                l.len()
            ));
        }
        assert!(
            tl < Duration::from_secs(5),
            "{name}: {tl:?} for {} bytes",
            l.len()
        );
    }
    assert!(slow.is_empty(), "not linear:\n{}", slow.join("\n"));
}

/// Every prefix of every labelled line (cut at any char boundary) is handled without panicking.
#[test]
fn truncated_lines_do_not_panic() {
    for l in fixture() {
        let s = &l.command;
        for (i, _) in s.char_indices() {
            std::hint::black_box(classify_command_line(&s[..i]));
            std::hint::black_box(classify_command_line(&s[i..]));
        }
    }
}
