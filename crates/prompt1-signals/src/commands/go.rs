//! Go: the `go` tool's subcommands.

use super::*;

pub(super) fn go(a: Args) -> u8 {
    let (s, after) = sub(a, &["-C"]);
    match s {
        b"test" => {
            if has_flag(after, &["-c"]) {
                BUILD
            } else if has_flag(after, &["-list"]) {
                0
            } else {
                TEST
            }
        }
        b"vet" => LINT,
        b"build" => BUILD,
        b"install" => {
            if positionals(after, &[]).any(|p| p.contains(&b'@')) {
                0
            } else {
                BUILD
            }
        }
        _ => 0,
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests::check;

    #[test]
    fn go_tool_subcommands() {
        check(&[
            ("go test ./...", [1, 0, 0]),
            ("go test -c", [0, 0, 1]),
            ("go vet ./...", [0, 1, 0]),
            ("go build ./cmd/x", [0, 0, 1]),
            ("go install ./cmd/x", [0, 0, 1]),
            ("go install golang.org/x/tools/gopls@latest", [0, 0, 0]),
            ("golangci-lint run", [0, 1, 0]),
            ("gofmt -l .", [0, 1, 0]),
            ("go run main.go", [0, 0, 0]),
            ("gotestsum", [1, 0, 0]),
        ]);
    }
}
