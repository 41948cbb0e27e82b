//! Build systems that take targets: `make`, `cmake --build`, `zig build`.

use super::*;

pub(super) fn make(a: Args) -> u8 {
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
pub(super) fn artifact_targets<'a>(targets: impl Iterator<Item = &'a [u8]>) -> u8 {
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

pub(super) fn cmake(a: Args) -> u8 {
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

pub(super) fn zig(a: Args) -> u8 {
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

#[cfg(test)]
mod tests {
    use super::super::tests::check;

    #[test]
    fn make_cmake_ninja_and_zig_targets() {
        check(&[
            ("make", [0, 0, 1]),
            ("make test", [1, 0, 0]),
            ("make lint test", [1, 1, 0]),
            ("make -n test", [0, 0, 0]),
            ("make all", [0, 0, 1]),
            ("make check", [1, 0, 0]),
            ("make clean", [0, 0, 0]),
            ("make -C sub test", [1, 0, 0]),
            ("cmake --build build", [0, 0, 1]),
            ("cmake --build build --target check", [1, 0, 0]),
            ("ninja", [0, 0, 1]),
            ("ninja clean", [0, 0, 0]),
            ("zig build test", [1, 0, 0]),
            ("zig build", [0, 0, 1]),
            ("zig fmt --check .", [0, 1, 0]),
        ]);
    }
}
