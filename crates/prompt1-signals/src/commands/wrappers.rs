//! One simple command: prefixes and wrappers are stripped (`env`, `sudo`, `timeout`, `xargs`,
//! `docker compose run`, `kubectl exec`, shells given `-c`, `git bisect run` …) until a runner is
//! left, which the runner table classifies.

use super::*;

#[derive(Default)]
pub(super) struct Out {
    pub(super) set: u8,
    /// The command is a shell reading its script from standard input (a heredoc is a script).
    pub(super) stdin_script: bool,
}

pub(super) enum Step<'a> {
    Done(u8),
    Run(Args<'a>),
    Unknown,
}

pub(super) use Step::{Done, Run};

pub(super) fn classify_argv(mut a: Args<'_>, depth: u8, runs: &mut CommandRuns) -> Out {
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
pub(super) fn script_file(w0: &[u8], rest: Args, depth: u8, runs: &mut CommandRuns) -> u8 {
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
pub(super) fn expansion_name<'b>(w: &[u8], buf: &'b mut [u8; 32]) -> Option<&'b [u8]> {
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

pub(super) fn parse_joined(a: Args, depth: u8, runs: &mut CommandRuns) {
    if !a.is_empty() {
        parse_script(&a.join(), depth + 1, runs);
    }
}

/// `--help`, `--version`, `-h`, or a lone `-V`: not a run.
pub(super) fn is_info(a: Args) -> bool {
    (a.len() == 1 && matches!(a.get(0), b"-V" | b"-version"))
        || a.options()
            .any(|w| w == b"--help" || w == b"--version" || w == b"-h")
}

/// Tools for which a lone `-v` prints the version (for pytest, mypy, black … it means verbose).
pub(super) const VERSION_V: Opts = &[
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

pub(super) fn dispatch<'a>(
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
pub(super) fn run_or_task(a: Args, depth: u8, runs: &mut CommandRuns) -> u8 {
    let Some(first) = a.first() else { return 0 };
    let set = classify_argv(a, depth + 1, runs).set;
    if set != 0 {
        set
    } else {
        task_class(first, Ctx::Script)
    }
}

pub(super) fn shell<'a>(rest: Args<'a>, depth: u8, runs: &mut CommandRuns, stdin: &mut bool) -> Step<'a> {
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

pub(super) fn git<'a>(rest: Args<'a>, depth: u8, runs: &mut CommandRuns) -> Step<'a> {
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

pub(super) const DOCKER_RUN_OPTS: Opts = &[
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

pub(super) fn docker(rest: Args<'_>) -> Step<'_> {
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

pub(super) fn compose(rest: Args<'_>) -> Step<'_> {
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

#[cfg(test)]
mod tests {
    use super::super::tests::check;

    #[test]
    fn prefixes_and_wrappers_are_stripped() {
        check(&[
            ("sudo -E cargo test", [1, 0, 0]),
            ("timeout 60 pytest", [1, 0, 0]),
            ("env -i PATH=/bin cargo build", [0, 0, 1]),
            ("nohup npm test &", [1, 0, 0]),
            ("time -p make", [0, 0, 1]),
            ("docker compose run --rm web pytest", [1, 0, 0]),
            ("docker run --rm -v $PWD:/src rust:1 cargo test", [1, 0, 0]),
            ("docker compose build", [0, 0, 1]),
            ("kubectl exec -it pod -- npm test", [1, 0, 0]),
            ("ssh host 'cd app && make test'", [1, 0, 0]),
            ("watch -n 5 cargo check", [0, 0, 1]),
            ("git bisect run cargo test", [1, 0, 0]),
            ("command -v cargo", [0, 0, 0]),
            ("find . -name '*.rs' -exec rustfmt --check {} +", [0, 1, 0]),
            ("nix develop -c cargo test", [1, 0, 0]),
            ("xargs -n1 pytest", [1, 0, 0]),
            ("eval 'cargo test'", [1, 0, 0]),
        ]);
    }
}
