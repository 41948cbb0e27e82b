//! Counts file references in a prompt.
//!
//! This comment is the single source of truth for what counts as a file reference.
//!
//! # Tokens
//!
//! The prompt is cut into tokens at whitespace, backticks and the characters `( ) , ; = | < > "`.
//! Each token is examined on its own and is **one mention at most**, however many rules below it
//! satisfies (`@src/a.rs:42` is one mention). Every mention counts: a file named twice is two
//! mentions (`a.rs and a.rs` counts 2), because the signal is how often the person points at files,
//! not how many files a session touched. Mentions inside fenced code blocks count like any other
//! (a pasted `--> src/store.rs:88:9` points at a file as well as a typed one does).
//!
//! Before a token is judged:
//!
//! * a token that ends right before a `(` is a call (`console.log(x)`, `@app.route("/")`) and is
//!   never a file, unless what follows is a `(line,column)` location (`src/a.ts(12,5)`);
//! * a token containing `://` is a URL, or part of one, and is never a file (its path included);
//! * wrapping punctuation is dropped: leading `[ ' “ ‘ «`, trailing `] ' . : ! ? ” ’ »`, a
//!   possessive `'s`, and `*` on both ends (Markdown emphasis: `**a.rs**`);
//! * a location suffix is dropped: `:42`, `:42:7`, `:10-20`, `#L42`, `#L10-L20`, and anything after
//!   a `::` (`tests/test_x.py::test_y`, `Config::load`);
//! * a leading `@` marks a Claude Code mention and is dropped.
//!
//! A token that still contains `* { } $ % ? # & :` (globs, templates, queries, routes with
//! parameters; a drive letter `C:` excepted) or any character other than a letter, a digit or
//! `_ - . / ~ + @ [ ]` is not a file. Glob patterns (`*.rs`, `src/**/*.ts`) name no single file.
//!
//! # What counts
//!
//! A *file name* is either a known extension-less name (`Makefile`, `Dockerfile`, `Justfile`,
//! `LICENSE`, `README`, `CODEOWNERS`, `.gitignore`, `.env`, `.nvmrc`... see [`KNOWN_NAMES`]),
//! optionally followed by `.suffix` (`Dockerfile.dev`, `.env.local`), or `stem.ext` where `ext`
//! (any case) is in [`KNOWN_EXTENSIONS`] and `stem` has a letter or digit (`.rs` alone is not a file).
//!
//! A token counts when it is:
//!
//! 1. a file name (`Cargo.toml`, `README.md`, `index.tsx`, `__init__.py`, `.eslintrc.json`), with
//!    these exceptions, which read as code or names rather than files: library names ending in
//!    `.js` (`Node.js`, `Next.js`, `Vue.js`, see [`JS_LIBRARIES`]); a member of a well-known object
//!    whose name is also an extension (`console.log`, `process.env`, `mutex.lock`, `res.json`,
//!    `self.db`, see [`RECEIVERS`] and [`AMBIGUOUS_EXTENSIONS`]); the domains `docs.rs` and `bun.sh`;
//! 2. a Windows path with a drive letter (`C:\Users\me\a.txt`, `D:/data`);
//! 3. a path with `/`, when
//!    * it starts with `./`, `../` or `~/` (`./foo/bar`, `~/.zshrc`);
//!    * or it is absolute (`/etc/hosts`) and either ends in a file name or starts at a well-known
//!      root (`/etc`, `/usr`, `/var`, `/home`, `/tmp`, `/opt`, `/Users`...; see [`ROOTS`]) with a
//!      further segment. Other absolute-looking tokens (`/api/users`, `/healthz`, `/compact`) are
//!      routes or commands, not files;
//!    * or it is relative and ends in a file name (`src/main.rs`, `docker/Dockerfile`), or has at
//!      least three segments (`crates/x/src`), or ends with `/` after a name of two characters or
//!      more (`src/`, `tests/unit/`; not `w/`), or it is a plain `a/b` in backticks without an `@`
//!      (`` `src/lib` ``; not `` `actions/cache@v4` ``). A plain `a/b` outside backticks (`and/or`,
//!      `TCP/IP`, `client/server`) is not counted, nor an `@a/b` (an npm scope such as
//!      `@types/node`), nor a relative path whose segments are all digits (`12/03/2024`) or all
//!      capitals (`GET/POST/PUT`), nor one whose first segment is a domain (a dot and a last label
//!      of two or more letters: `github.com/a/b`, `example.com/x.html`).
//!
//! Never counted: URLs and their paths, bare domains (`example.com`, `crates.io`: not extensions),
//! version numbers (`1.2.3`, `v0.4`), decimals (`3.14`), abbreviations (`e.g.`, `i.e.`, `a.m.`), and
//! identifiers in backticks that are not file names (`` `config` `` could be anything).

/// Extensions that make `stem.ext` a file name (compared in lower case).
#[rustfmt::skip]
pub const KNOWN_EXTENSIONS: &[&str] = &[
    "rs", "go", "mod", "sum", "c", "h", "cc", "cpp", "cxx", "hpp", "hh", "hxx", "ino", "java", "kt", "kts",
    "scala", "sc", "groovy", "gradle", "clj", "cljs", "cljc", "edn", "cs", "csx", "fs", "fsx", "vb",
    "csproj", "fsproj", "vcxproj", "sln", "swift", "mm", "zig", "nim", "dart", "py", "pyi", "pyx", "ipynb",
    "rb", "erb", "rake", "gemspec", "php", "pl", "pm", "lua", "sh", "bash", "zsh", "fish", "ps1", "psm1",
    "bat", "cmd", "tcl", "awk", "sed", "jl", "ex", "exs", "erl", "hrl", "hs", "lhs", "elm", "ml", "mli",
    "fsi", "sol", "coffee", "vim", "el", "ts", "tsx", "mts", "cts", "js", "jsx", "mjs", "cjs", "vue",
    "svelte", "astro", "html", "htm", "css", "scss", "sass", "less", "styl", "ejs", "hbs", "pug", "liquid",
    "mustache", "njk", "wasm", "wat", "json", "jsonc", "json5", "jsonl", "ndjson", "toml", "yaml", "yml",
    "xml", "ini", "cfg", "conf", "env", "properties", "plist", "lock", "lockb", "csv", "tsv", "parquet",
    "avro", "avsc", "proto", "thrift", "graphql", "gql", "prisma", "sql", "sqlite", "sqlite3", "db", "tf",
    "tfvars", "hcl", "nix", "cmake", "mk", "dockerfile", "containerfile", "tmpl", "tpl", "j2", "jinja",
    "jinja2", "http", "snap", "pem", "crt", "xcconfig", "pbxproj", "storyboard", "xib", "md", "markdown",
    "mdx", "txt", "rst", "adoc", "tex", "bib", "pdf", "log", "patch", "diff", "svg", "png", "jpg", "jpeg",
    "gif", "webp", "ico", "bmp", "avif", "mp3", "mp4", "wav", "mov", "webm", "woff", "woff2", "ttf", "otf",
    "xlsx", "xls", "docx", "zip", "gz", "tgz", "tar", "bz2", "xz", "zst", "jar", "war", "whl", "deb", "rpm",
    "dmg", "exe", "dll", "dylib", "bin",
];

/// Extension-less file names (exact case), also counted with a `.suffix` (`Dockerfile.dev`).
#[rustfmt::skip]
pub const KNOWN_NAMES: &[&str] = &[
    "Makefile", "makefile", "GNUmakefile", "Dockerfile", "Containerfile", "Justfile", "justfile",
    "Rakefile", "Gemfile", "Procfile", "Vagrantfile", "Jenkinsfile", "Brewfile", "Podfile", "Caddyfile",
    "Tiltfile", "Earthfile", "Pipfile", "LICENSE", "LICENCE", "COPYING", "README", "CHANGELOG",
    "CONTRIBUTING", "CODEOWNERS", "AUTHORS", "NOTICE", "OWNERS", ".gitignore", ".gitattributes",
    ".gitmodules", ".gitkeep", ".dockerignore", ".env", ".envrc", ".editorconfig", ".prettierrc",
    ".prettierignore", ".eslintrc", ".eslintignore", ".npmrc", ".npmignore", ".nvmrc", ".yarnrc",
    ".node-version", ".python-version", ".ruby-version", ".tool-versions", ".babelrc", ".bashrc",
    ".bash_profile", ".zshrc", ".zprofile", ".profile", ".vimrc", ".htaccess", ".mailmap", ".clang-format",
    ".clang-tidy", ".pylintrc", ".flake8", ".coveragerc", ".stylelintrc",
];

/// `X.js` names that are libraries, not files (compared in lower case).
#[rustfmt::skip]
pub const JS_LIBRARIES: &[&str] = &[
    "node", "next", "nuxt", "vue", "react", "express", "nest", "three", "d3", "chart", "ember", "angular",
    "backbone", "alpine", "solid", "preact", "p5", "pixi", "babylon", "knockout", "moment", "socket",
    "deno", "bun", "leaflet", "anime", "video", "highlight", "require", "handlebars", "mathjax",
];

/// Extensions that are also common member names in code (`console.log`, `process.env`).
#[rustfmt::skip]
pub const AMBIGUOUS_EXTENSIONS: &[&str] = &[
    "log", "env", "lock", "json", "db", "sum", "mod", "html", "css", "sql", "snap", "http", "bin",
];

/// Object names that make `name.ext` a member access when `ext` is ambiguous (lower case; compared
/// with the last dotted part of the stem, so `self.logger.log` is code too).
#[rustfmt::skip]
pub const RECEIVERS: &[&str] = &[
    "console", "logger", "logging", "log", "math", "np", "numpy", "torch", "tf", "process", "os", "sys",
    "self", "this", "window", "document", "import", "meta", "std", "ctx", "req", "res", "request",
    "response", "resp", "mutex", "mu", "rwlock", "inner", "g", "cls", "super", "el", "element", "obj",
    "json", "df",
];

/// Roots that make an absolute path a file path even without a file name at its end.
#[rustfmt::skip]
pub const ROOTS: &[&str] = &[
    "etc", "usr", "var", "home", "tmp", "opt", "Users", "mnt", "srv", "root", "bin", "sbin", "lib",
    "Library", "Applications", "Volumes", "private", "proc", "sys", "dev", "workspace", "workspaces",
];

/// Domains that look like file names.
#[rustfmt::skip]
const DOMAINS: &[&str] = &[
    "docs.rs", "bun.sh",
];

/// Number of file mentions in `prompt` (see the module documentation for the rules).
pub fn count_file_refs(prompt: &str) -> u32 {
    let mut n = 0u32;
    for_each_file_ref(prompt, |_| n = n.saturating_add(1));
    n
}

/// Calls `found` with each file mention of `prompt` (the normalized token: wrapping punctuation,
/// location suffix and `@` removed), in order. Linear in the length of `prompt`.
pub(crate) fn for_each_file_ref(prompt: &str, mut found: impl FnMut(&str)) {
    for_each_token(prompt, |token, backticked, is_call| {
        if is_call {
            return;
        }
        if let Some(name) = file_ref(token, backticked) {
            found(name);
        }
    });
}

/// Whether one token (a maximal run of non-separator characters) is a file reference; returns the
/// normalized mention.
pub(crate) fn file_ref(token: &str, backticked: bool) -> Option<&str> {
    if token.contains("://") {
        return None;
    }
    let token = strip_location(trim_wrapping(token));
    let (token, mention) = match token.strip_prefix('@') {
        Some(rest) => (rest, true),
        None => (token, false),
    };
    if token.is_empty() || !token.chars().all(allowed_char) {
        return None;
    }
    if is_drive_path(token) {
        return (token.len() > 3).then_some(token);
    }
    if token.contains('\\') || token.contains(':') {
        return None;
    }
    let counts = if token.contains('/') {
        path_counts(token, backticked, mention)
    } else {
        is_file_name(token)
    };
    counts.then_some(token)
}

/// Separators between tokens (besides whitespace and backticks).
fn is_separator(c: char) -> bool {
    c.is_whitespace() || matches!(c, '`' | '(' | ')' | ',' | ';' | '=' | '|' | '<' | '>' | '"')
}

/// Walks the tokens of `text`: `(token, inside an inline code span, followed by a call's "(")`.
/// Inline spans are delimited by runs of one or two backticks and end at a newline; a run of three
/// or more opens or closes a fenced block, whose content is not "in backticks".
pub(crate) fn for_each_token(text: &str, mut visit: impl FnMut(&str, bool, bool)) {
    let bytes = text.as_bytes();
    let mut inline = false;
    let mut start: Option<usize> = None;
    let mut skip_until = 0;
    for (i, c) in text.char_indices() {
        if i < skip_until {
            continue;
        }
        if !is_separator(c) {
            if start.is_none() {
                start = Some(i);
            }
            continue;
        }
        if let Some(s) = start.take() {
            let is_call = c == '(' && !is_location_paren(&bytes[i..]);
            visit(&text[s..i], inline, is_call);
        }
        match c {
            '`' => {
                let run = bytes[i..].iter().take_while(|&&b| b == b'`').count();
                inline = run < 3 && !inline;
                skip_until = i + run;
            }
            '\n' => inline = false,
            _ => {}
        }
    }
    if let Some(s) = start {
        visit(&text[s..], inline, false);
    }
}

/// `(12,5)` or `(12)` right after a file name: a compiler's location, not a call.
fn is_location_paren(rest: &[u8]) -> bool {
    // rest starts with '('; look at a bounded prefix only.
    let mut digits = 0;
    for &b in rest.iter().skip(1).take(16) {
        match b {
            b'0'..=b'9' => digits += 1,
            b',' | b' ' if digits > 0 => {}
            b')' => return digits > 0,
            _ => return false,
        }
    }
    false
}

fn trim_wrapping(token: &str) -> &str {
    let mut t = token.trim_start_matches(['[', '\'', '“', '‘', '«']);
    loop {
        let before = t.len();
        t = t.trim_end_matches([']', '\'', '.', ':', '!', '?', '”', '’', '»']);
        for possessive in ["'s", "’s"] {
            if let Some(stripped) = t.strip_suffix(possessive) {
                t = stripped;
            }
        }
        // Markdown emphasis (`**src/a.rs**`), not a glob (`*.rs`, `**/x`).
        if t.starts_with('*') && t.ends_with('*') {
            t = t.trim_matches('*');
        }
        if t.len() == before {
            return t;
        }
    }
}

/// Drops `:42`, `:42:7`, `:10-20`, `#L42`, `#L10-L20` and anything after `::`.
fn strip_location(token: &str) -> &str {
    let mut t = token;
    if let Some(i) = t.find("::") {
        t = &t[..i];
    }
    if let Some(i) = t.find("#L") {
        if t[i + 2..].starts_with(|c: char| c.is_ascii_digit()) {
            t = &t[..i];
        }
    }
    if let Some(i) = t.find(':') {
        let rest = &t[i + 1..];
        if rest.starts_with(|c: char| c.is_ascii_digit())
            && rest.chars().all(|c| c.is_ascii_digit() || c == ':' || c == '-')
        {
            t = &t[..i];
        }
    }
    trim_wrapping(t)
}

fn allowed_char(c: char) -> bool {
    c.is_alphanumeric()
        || matches!(
            c,
            '_' | '-' | '.' | '/' | '~' | '+' | '@' | '[' | ']' | '\\' | ':'
        )
}

fn is_drive_path(t: &str) -> bool {
    let b = t.as_bytes();
    b.len() >= 3 && b[0].is_ascii_alphabetic() && b[1] == b':' && (b[2] == b'\\' || b[2] == b'/')
}

fn path_counts(token: &str, backticked: bool, mention: bool) -> bool {
    let segments: Vec<&str> = token.split('/').collect();
    let last = segments
        .iter()
        .rev()
        .find(|s| !s.is_empty())
        .copied()
        .unwrap_or("");
    if last.is_empty() {
        return false;
    }
    let ends_in_file = is_file_name(last) || is_known_name(last);
    for prefix in ["./", "../", "~/"] {
        if let Some(rest) = token.strip_prefix(prefix) {
            return !rest.is_empty();
        }
    }
    if let Some(rest) = token.strip_prefix('/') {
        let parts: Vec<&str> = rest.split('/').filter(|s| !s.is_empty()).collect();
        return ends_in_file || (parts.len() >= 2 && ROOTS.contains(&parts[0]));
    }
    let trailing = token.ends_with('/');
    let named: &[&str] = if trailing {
        &segments[..segments.len() - 1]
    } else {
        &segments
    };
    let all = |f: fn(u8) -> bool| named.iter().all(|s| s.bytes().all(f));
    if named.iter().any(|s| s.is_empty()) || all(|b| b.is_ascii_digit()) || all(|b| b.is_ascii_uppercase()) {
        return false;
    }
    if is_domain(named[0]) {
        return false;
    }
    if ends_in_file {
        return true;
    }
    if trailing {
        return named.len() > 1 || named[0].chars().count() >= 2;
    }
    if named.len() >= 3 {
        return true;
    }
    // `a/b`: only in backticks, never as an `@scope/name` nor with a version (`actions/cache@v4`).
    backticked && !mention && !token.contains('@')
}

/// `github.com`, `example.co.uk`: a dot and a last label of two or more letters; not `conf.d`,
/// `.github`, `v1.2`.
fn is_domain(segment: &str) -> bool {
    if segment.starts_with('.') {
        return false;
    }
    match segment.rsplit_once('.') {
        Some((host, tld)) => {
            !host.is_empty() && tld.len() >= 2 && tld.bytes().all(|b| b.is_ascii_alphabetic())
        }
        None => false,
    }
}

fn is_known_name(name: &str) -> bool {
    KNOWN_NAMES.iter().any(|known| match name.strip_prefix(known) {
        Some("") => true,
        Some(rest) => rest
            .strip_prefix('.')
            .is_some_and(|s| !s.is_empty() && s.chars().all(char::is_alphanumeric)),
        None => false,
    })
}

/// `stem.ext` with a known extension, or a known extension-less name; see the module docs.
fn is_file_name(name: &str) -> bool {
    if is_known_name(name) {
        return true;
    }
    let Some((stem, ext)) = name.rsplit_once('.') else {
        return false;
    };
    if !stem.chars().any(char::is_alphanumeric) || ext.is_empty() || ext.len() > 16 {
        return false;
    }
    let ext = ext.to_ascii_lowercase();
    if !KNOWN_EXTENSIONS.contains(&ext.as_str()) {
        return false;
    }
    let lower = name.to_ascii_lowercase();
    if DOMAINS.contains(&lower.as_str()) {
        return false;
    }
    let stem_lower = stem.to_ascii_lowercase();
    if ext == "js" && JS_LIBRARIES.contains(&stem_lower.as_str()) {
        return false;
    }
    if AMBIGUOUS_EXTENSIONS.contains(&ext.as_str()) {
        let receiver = stem_lower.rsplit('.').next().unwrap_or("");
        if RECEIVERS.contains(&receiver) {
            return false;
        }
    }
    true
}
