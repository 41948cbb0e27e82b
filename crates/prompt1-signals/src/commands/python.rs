//! Python: `uv`, `python [-m]`, `tox` and `nox`.

use super::*;

pub(super) const UV_OPTS: Opts = &[
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

pub(super) fn uv<'a>(rest: Args<'a>, depth: u8, runs: &mut CommandRuns) -> Step<'a> {
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

pub(super) fn python<'a>(rest: Args<'a>, depth: u8, runs: &mut CommandRuns) -> Step<'a> {
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
pub(super) fn python_module<'a>(module: &[u8], a: Args<'a>, depth: u8, runs: &mut CommandRuns) -> Step<'a> {
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

pub(super) fn tox(a: Args) -> u8 {
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

pub(super) fn nox(a: Args) -> u8 {
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

#[cfg(test)]
mod tests {
    use super::super::tests::check;

    #[test]
    fn python_runners_uv_tox_and_nox() {
        check(&[
            ("uv run pytest -x", [1, 0, 0]),
            ("uv run ruff check .", [0, 1, 0]),
            ("uv build", [0, 0, 1]),
            ("uvx mypy src", [0, 1, 0]),
            ("python -m pytest", [1, 0, 0]),
            ("python3 -m build", [0, 0, 1]),
            ("python manage.py test", [1, 0, 0]),
            ("python setup.py sdist", [0, 0, 1]),
            ("python -c 'import pytest'", [0, 0, 0]),
            ("tox -e py311,lint", [1, 1, 0]),
            ("nox -s tests", [1, 0, 0]),
            ("pytest --collect-only", [0, 0, 0]),
            ("python test_parser.py", [1, 0, 0]),
            ("ruff format --check .", [0, 1, 0]),
            ("black .", [0, 0, 0]),
            ("poetry run pytest", [1, 0, 0]),
        ]);
    }
}
