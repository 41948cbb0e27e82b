//! File-reference counting on a labelled list (the rules are in `prompt1_signals::files`).

use prompt1_signals::files::count_file_refs;

/// (prompt, expected count, what it checks)
const LABELLED: &[(&str, u32, &str)] = &[
    // @ mentions
    ("Look at @src/main.rs and fix the panic", 1, "@path"),
    ("Compare @README.md with @CONTRIBUTING.md", 2, "two @ files"),
    (
        "Read @src/components/ first",
        1,
        "@ directory with trailing slash",
    ),
    ("Follow the style of @CLAUDE.md.", 1, "@ file at sentence end"),
    (
        "npm install @types/node @tanstack/react-query",
        0,
        "npm scopes are not files",
    ),
    (
        "Use @pytest.fixture and @dataclass here",
        0,
        "decorators are not files",
    ),
    ("ping @alice about it", 0, "@user"),
    ("Same bug as @src/a.rs:42", 1, "@ with a line"),
    // paths
    ("Fix the off-by-one in src/main.rs", 1, "relative path"),
    (
        "Run ./scripts/deploy.sh then ./foo/bar",
        2,
        "./ paths, with and without extension",
    ),
    (
        "See crates/x/src/lib.rs:42 and crates/x/src/lib.rs:57:3",
        2,
        "each mention counts, location dropped",
    ),
    ("Edit ../shared/config.toml", 1, "../ path"),
    ("Check ~/.zshrc and ~/.config/nvim", 2, "~/ paths"),
    (
        "Add it to /etc/hosts and /usr/local/bin",
        2,
        "absolute paths under known roots",
    ),
    (
        "Call /api/users and /healthz, then /compact",
        0,
        "routes and slash commands are not files",
    ),
    (
        "Put fixtures under tests/fixtures/ and src/",
        2,
        "directories with a trailing slash",
    ),
    (
        "The crates/prompt1/src folder",
        1,
        "three segments without extension",
    ),
    ("Use TCP/IP and/or client/server, w/ care", 0, "prose slashes"),
    ("Released on 12/03/2024, 1/2 done", 0, "dates and ratios"),
    ("Handle GET/POST/PUT and CI/CD/QA", 0, "lists of capitals"),
    ("Move it to `src/lib`", 1, "a/b in backticks"),
    ("Bump `actions/cache@v4`", 0, "action ref in backticks"),
    (
        "Files live in docker/Dockerfile and deploy/nginx.conf",
        2,
        "one slash ending in a file name",
    ),
    ("Open C:\\Users\\me\\app.config and D:/data", 2, "drive paths"),
    ("Check app/[id]/page.tsx", 1, "brackets in a segment"),
    // file names
    ("Update Cargo.toml and README.md", 2, "known extensions"),
    ("Rename index.tsx to App.jsx", 2, "tsx and jsx"),
    (
        "The bug is in `utils.py`, not in `__init__.py`",
        2,
        "file names in backticks",
    ),
    (
        "Add a Makefile target and a Dockerfile.dev",
        2,
        "known names, with a suffix",
    ),
    ("Copy .env.example to .env and edit .gitignore", 3, "dotfiles"),
    ("Check package.json's scripts", 1, "possessive"),
    ("**main.go** is where it starts", 1, "markdown bold"),
    ("In a.rs and a.rs again", 2, "a file named twice is two mentions"),
    ("tsc says src/a.ts(12,5): error TS2345", 1, "tsc location"),
    ("pytest tests/test_api.py::test_timeout -x", 1, "pytest node id"),
    ("The link is src/grep.rs#L10-L20", 1, "GitHub line anchor"),
    (
        "```\n  --> src/store.rs:88:9\n```",
        1,
        "mention inside a fenced block",
    ),
    ("Set --config=settings.yaml", 1, "flag value"),
    ("edit \"app/models.py\", line 42", 1, "quoted path"),
    // not files
    (
        "See https://github.com/org/repo/blob/main/src/lib.rs",
        0,
        "URL path",
    ),
    ("Docs at example.com and crates.io and docs.rs", 0, "domains"),
    (
        "Push to github.com/org/repo and gcr.io/distroless/cc",
        0,
        "scheme-less URLs",
    ),
    (
        "Upgrade to 1.2.3, then v0.4 and Python 3.12; pi is 3.14",
        0,
        "versions and decimals",
    ),
    (
        "Use a map, e.g. a HashMap, i.e. keyed, at 10 a.m.",
        0,
        "abbreviations",
    ),
    (
        "Remove console.log and process.env.FOO and mutex.lock calls",
        0,
        "member names that look like extensions",
    ),
    ("We use Node.js, Next.js and Vue.js", 0, "library names"),
    ("console.log(x) then app.route(\"/\")", 0, "calls"),
    ("Replace *.rs and src/**/*.ts globs", 0, "globs"),
    ("Go to /api/jobs/:id/events and ?limit=0", 0, "route parameters"),
    ("The `.rs` files and the .ts ones", 0, "bare extensions"),
    ("Fix the parser so it handles empty input", 0, "no file at all"),
    ("Use `config` and `Store::compact`", 0, "identifiers in backticks"),
    (
        "Bump Node to 20 in .nvmrc and package.json",
        2,
        "dotfile and json",
    ),
    ("Mail me at dev@example.com", 0, "email address"),
    ("", 0, "empty"),
];

#[test]
fn labelled_file_reference_counts() {
    assert!(LABELLED.len() >= 40, "at least 40 labelled prompts");
    let mut wrong = Vec::new();
    for (prompt, expected, what) in LABELLED {
        let got = count_file_refs(prompt);
        if got != *expected {
            wrong.push(format!("{what}: {prompt:?} -> {got}, expected {expected}"));
        }
    }
    assert!(
        wrong.is_empty(),
        "{} of {} wrong:\n{}",
        wrong.len(),
        LABELLED.len(),
        wrong.join("\n")
    );
}

#[test]
fn hostile_input_is_linear_and_does_not_panic() {
    let mb = 1 << 20;
    let inputs = [
        "a".repeat(mb),
        "/".repeat(mb),
        ".".repeat(mb),
        "`".repeat(mb),
        "(".repeat(mb),
        "'s".repeat(mb / 2),
        "a.rs ".repeat(mb / 5),
        "a/".repeat(mb / 2),
        "é".repeat(mb / 2),
        "\u{0}\u{1}\u{7f}\u{202e}\u{feff}".repeat(mb / 16),
        "src/a.rs:".repeat(mb / 9),
        "@".repeat(mb),
        ":1".repeat(mb / 2),
        "#L1".repeat(mb / 3),
    ];
    let started = std::time::Instant::now();
    for input in &inputs {
        let _ = count_file_refs(input);
    }
    assert_eq!(count_file_refs(&"a.rs ".repeat(1000)), 1000);
    // generous bound for an unoptimized build on a busy machine; quadratic behaviour would take minutes
    assert!(started.elapsed().as_secs() < 20, "took {:?}", started.elapsed());
}
