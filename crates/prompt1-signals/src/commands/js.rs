//! JavaScript and TypeScript: package managers (`npm`, `pnpm`, `yarn`, `bun`, `deno`), package
//! runners (`npx`), `node`/`tsx` scripts and monorepo task runners (`turbo`, `nx`, `concurrently`).

use super::*;

pub(super) fn npx<'a>(rest: Args<'a>, depth: u8, runs: &mut CommandRuns) -> Step<'a> {
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
pub(super) fn pm_script(a: Args, depth: u8, runs: &mut CommandRuns) -> u8 {
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

pub(super) const NPM_OPTS: Opts = &[
    "--prefix",
    "-w",
    "--workspace",
    "--loglevel",
    "--registry",
    "--userconfig",
    "--cache",
    "--script-shell",
];

pub(super) fn npm<'a>(rest: Args<'a>, depth: u8, runs: &mut CommandRuns) -> Step<'a> {
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

pub(super) const PNPM_OPTS: Opts = &[
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
pub(super) const PNPM_BUILTINS: Opts = &[
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

pub(super) fn pnpm<'a>(rest: Args<'a>, depth: u8, runs: &mut CommandRuns) -> Step<'a> {
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

pub(super) const YARN_OPTS: Opts = &[
    "--cwd",
    "--mutex",
    "--network-timeout",
    "--modules-folder",
    "--cache-folder",
    "--registry",
];
pub(super) const YARN_BUILTINS: Opts = &[
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

pub(super) fn yarn<'a>(mut rest: Args<'a>, depth: u8, runs: &mut CommandRuns) -> Step<'a> {
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

pub(super) fn bun<'a>(rest: Args<'a>, depth: u8, runs: &mut CommandRuns) -> Step<'a> {
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

pub(super) fn deno<'a>(rest: Args<'a>, depth: u8, runs: &mut CommandRuns) -> Step<'a> {
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

pub(super) fn node(rest: Args<'_>, tsx: bool) -> Step<'_> {
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

pub(super) fn turbo(a: Args) -> u8 {
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

pub(super) fn nx(a: Args) -> u8 {
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

pub(super) fn concurrently(a: Args, depth: u8, runs: &mut CommandRuns) -> u8 {
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

#[cfg(test)]
mod tests {
    use super::super::tests::check;

    #[test]
    fn javascript_runners_package_managers_and_task_runners() {
        check(&[
            ("npx jest --watch", [1, 0, 0]),
            ("npx @biomejs/biome@1 check .", [0, 1, 0]),
            ("npx prettier --write .", [0, 0, 0]),
            ("npx prettier --check .", [0, 1, 0]),
            ("npx tsc --noEmit", [0, 1, 0]),
            ("npx tsc", [0, 0, 1]),
            ("pnpm vitest run", [1, 0, 0]),
            ("pnpm install", [0, 0, 0]),
            ("yarn workspace web build", [0, 0, 1]),
            ("bun test", [1, 0, 0]),
            ("bunx eslint .", [0, 1, 0]),
            ("deno task test", [1, 0, 0]),
            ("deno lint", [0, 1, 0]),
            ("node --test", [1, 0, 0]),
            ("node node_modules/jest/bin/jest.js", [1, 0, 0]),
            ("turbo run lint test build", [1, 1, 1]),
            ("nx run-many -t test", [1, 0, 0]),
            ("concurrently \"npm:lint\" \"npm:test\"", [1, 1, 0]),
            ("npm install", [0, 0, 0]),
            ("npm t", [1, 0, 0]),
            ("eslint --version", [0, 0, 0]),
            ("vitest bench", [0, 0, 0]),
            ("node -e 'test()'", [0, 0, 0]),
        ]);
    }
}
