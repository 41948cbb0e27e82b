//! Rust: `cargo` (and `cross`) subcommands, with their flags and plugins.

use super::*;

pub(super) fn cargo(mut a: Args, depth: u8, runs: &mut CommandRuns) -> u8 {
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

#[cfg(test)]
mod tests {
    use super::super::tests::check;

    #[test]
    fn cargo_subcommands_and_flags() {
        check(&[
            ("cargo test", [1, 0, 0]),
            ("cargo t", [1, 0, 0]),
            ("cargo nextest run", [1, 0, 0]),
            ("cargo clippy --all-targets -- -D warnings", [0, 1, 0]),
            ("cargo fmt --check", [0, 1, 0]),
            ("cargo fmt", [0, 0, 0]),
            ("cargo build --release", [0, 0, 1]),
            ("cargo check", [0, 0, 1]),
            ("cargo test --no-run", [0, 0, 1]),
            ("cargo run", [0, 0, 0]),
            ("cargo +nightly miri test", [1, 0, 0]),
            ("cross test", [1, 0, 0]),
            ("cargo watch -x test", [1, 0, 0]),
            ("cargo --version", [0, 0, 0]),
            ("rustfmt --check src/lib.rs", [0, 1, 0]),
        ]);
    }
}
