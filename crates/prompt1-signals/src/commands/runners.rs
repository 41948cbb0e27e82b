//! The runner table: what each known tool's invocation runs (test, lint, build).

use super::*;

/// The classes one known runner's invocation falls in; `None` for a command not in the table.
pub(super) fn runner(name: &[u8], a: Args, depth: u8, runs: &mut CommandRuns) -> Option<u8> {
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

#[cfg(test)]
mod tests {
    use super::super::tests::check;

    #[test]
    fn the_runner_table() {
        check(&[
            ("jest", [1, 0, 0]),
            ("eslint .", [0, 1, 0]),
            ("eslint --fix .", [0, 1, 0]),
            ("webpack", [0, 0, 1]),
            ("ctest", [1, 0, 0]),
            ("shellcheck x.sh", [0, 1, 0]),
            ("terraform validate", [0, 1, 0]),
            ("terraform fmt -check", [0, 1, 0]),
            ("rspec", [1, 0, 0]),
            ("rubocop", [0, 1, 0]),
            ("gcc -o x x.c", [0, 0, 1]),
            ("gcc -v", [0, 0, 0]),
            ("pytest -v", [1, 0, 0]),
            ("docker build .", [0, 0, 1]),
            ("bazel test //...", [1, 0, 0]),
            ("ls", [0, 0, 0]),
            ("cat test.log", [0, 0, 0]),
        ]);
    }
}
