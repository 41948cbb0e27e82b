//! Words of one simple command and the small helpers every runner uses to read them: flags,
//! options with values, positionals, command names without their directory or version.

use super::*;

#[derive(Clone, Copy)]
pub(super) struct Args<'a> {
    pub(super) buf: &'a [u8],
    pub(super) w: &'a [(usize, usize)],
}

impl<'a> Args<'a> {
    pub(super) fn len(self) -> usize {
        self.w.len()
    }

    pub(super) fn is_empty(self) -> bool {
        self.w.is_empty()
    }

    /// The `i`th word, or the empty word past the end.
    pub(super) fn get(self, i: usize) -> &'a [u8] {
        match self.w.get(i) {
            Some(&(s, e)) => self.buf.get(s..e).unwrap_or_default(),
            None => b"",
        }
    }

    pub(super) fn first(self) -> Option<&'a [u8]> {
        (!self.is_empty()).then(|| self.get(0))
    }

    pub(super) fn skip(self, n: usize) -> Self {
        Args {
            buf: self.buf,
            w: self.w.get(n..).unwrap_or_default(),
        }
    }

    pub(super) fn take(self, n: usize) -> Self {
        Args {
            buf: self.buf,
            w: self.w.get(..n).unwrap_or(self.w),
        }
    }

    pub(super) fn iter(self) -> impl Iterator<Item = &'a [u8]> {
        self.w
            .iter()
            .map(move |&(s, e)| self.buf.get(s..e).unwrap_or_default())
    }

    /// The words before a `--`.
    pub(super) fn options(self) -> impl Iterator<Item = &'a [u8]> {
        self.iter().take_while(|w| *w != b"--")
    }

    pub(super) fn index_of(self, word: &[u8]) -> Option<usize> {
        self.iter().position(|w| w == word)
    }

    pub(super) fn join(self) -> Vec<u8> {
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

pub(super) type Opts = &'static [&'static str];

pub(super) fn is_opt(w: &[u8]) -> bool {
    w.len() > 1 && w[0] == b'-'
}

pub(super) fn one_of(w: &[u8], list: Opts) -> bool {
    list.iter().any(|o| o.as_bytes() == w)
}

pub(super) fn one_of_ic(w: &[u8], list: Opts) -> bool {
    list.iter().any(|o| o.as_bytes().eq_ignore_ascii_case(w))
}

pub(super) fn flag_matches(w: &[u8], flag: &str) -> bool {
    let f = flag.as_bytes();
    w == f || (f.starts_with(b"--") && w.len() > f.len() && w.starts_with(f) && w[f.len()] == b'=')
}

/// Whether one of `flags` is given before any `--` (`--flag` also as `--flag=value`).
pub(super) fn has_flag(a: Args, flags: Opts) -> bool {
    a.options().any(|w| flags.iter().any(|f| flag_matches(w, f)))
}

/// Whether one of `flags` is given anywhere, also after `--`.
pub(super) fn has_word(a: Args, flags: Opts) -> bool {
    a.iter().any(|w| flags.iter().any(|f| flag_matches(w, f)))
}

/// Index of the first positional word: skips options, the values of `with_value`, and a `--`.
pub(super) fn first_positional(a: Args, with_value: Opts) -> usize {
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
pub(super) fn sub(a: Args<'_>, with_value: Opts) -> (&[u8], Args<'_>) {
    let i = first_positional(a, with_value);
    (a.get(i), a.skip(i + 1))
}

pub(super) struct Positionals<'a> {
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
pub(super) fn positionals(a: Args<'_>, with_value: Opts) -> Positionals<'_> {
    Positionals { a, i: 0, with_value }
}

/// The value of an option: `-o V`, `--opt V`, `--opt=V`, and with `attached`, `-oV`.
pub(super) fn opt_value<'a>(a: Args<'a>, names: Opts, attached: bool) -> Option<&'a [u8]> {
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
pub(super) fn opt_values<'a>(a: Args<'a>, names: Opts, mut f: impl FnMut(&'a [u8])) {
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

pub(super) fn is_assignment(w: &[u8]) -> bool {
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

pub(super) fn basename(w: &[u8]) -> &[u8] {
    match memrchr(b'/', w) {
        Some(i) => &w[i + 1..],
        None => w,
    }
}

/// The command name a word invokes: no directory, no Windows suffix, no package scope or version.
pub(super) fn command_name(w: &[u8]) -> &[u8] {
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

pub(super) const SCRIPT_EXTS: Opts = &[
    ".sh", ".bash", ".zsh", ".py", ".js", ".mjs", ".cjs", ".ts", ".mts", ".cts", ".rb", ".php", ".pl", ".ps1",
];

/// A script invoked by path or by file name rather than looked up as a command.
pub(super) fn is_script_path(w: &[u8]) -> bool {
    w.contains(&b'/')
        || SCRIPT_EXTS
            .iter()
            .any(|e| w.len() > e.len() && w.ends_with(e.as_bytes()))
}

/// A file name without its directory and last extension.
pub(super) fn file_stem(w: &[u8]) -> &[u8] {
    let b = basename(w);
    match memrchr(b'.', b) {
        Some(i) if i > 0 => &b[..i],
        _ => b,
    }
}

// ---------------------------------------------------------------------------------------------
// Script, target and task names.
// ---------------------------------------------------------------------------------------------

#[cfg(test)]
mod tests {
    use super::super::tests::check;

    #[test]
    fn command_words_lose_directories_versions_and_assignments() {
        check(&[
            ("./node_modules/.bin/jest", [1, 0, 0]),
            (".venv/bin/pytest -q", [1, 0, 0]),
            ("/usr/bin/python3 -m pytest", [1, 0, 0]),
            ("jest.cmd", [1, 0, 0]),
            ("python3.12 -m pytest", [1, 0, 0]),
            ("\"$CARGO\" test", [1, 0, 0]),
            ("${PYTHON:-python3} -m pytest", [1, 0, 0]),
            ("FOO=1 BAR=2 cargo test", [1, 0, 0]),
            ("cargo test --help", [0, 0, 0]),
            ("cargo -V", [0, 0, 0]),
        ]);
    }
}
