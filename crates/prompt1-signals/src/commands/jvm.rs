//! JVM build tools: Maven and sbt (Gradle tasks are read as names).

use super::*;

pub(super) fn maven(a: Args) -> u8 {
    const OPTS: Opts = &[
        "-pl",
        "--projects",
        "-f",
        "--file",
        "-P",
        "--activate-profiles",
        "-T",
        "--threads",
        "-s",
        "--settings",
        "-gs",
        "--global-settings",
        "-rf",
        "--resume-from",
        "-l",
        "--log-file",
        "-t",
        "--toolchains",
        "-b",
        "--builder",
        "-D",
        "--define",
    ];
    positionals(a, OPTS).fold(0, |acc, goal| {
        acc | match memrchr(b':', goal) {
            Some(i) => {
                let (plugin, g) = (&goal[..i], &goal[i + 1..]);
                if one_of(g, &["test", "integration-test"]) {
                    TEST
                } else if one_of(g, &["compile", "testCompile"]) {
                    BUILD
                } else if one_of(g, &["check", "validate", "verify", "cpd-check", "lint"])
                    && !plugin.ends_with(b"dependency")
                    && !plugin.ends_with(b"versions")
                {
                    LINT
                } else {
                    0
                }
            }
            None => match goal {
                b"test" | b"integration-test" | b"verify" => TEST,
                b"compile" | b"test-compile" | b"package" | b"install" | b"deploy" => BUILD,
                _ => 0,
            },
        }
    })
}

pub(super) fn sbt(a: Args) -> u8 {
    let mut set = 0;
    for arg in a.iter().filter(|w| !is_opt(w)) {
        for cmd in arg.split(|&b| b == b';') {
            let word = cmd
                .split(|&b| b == b' ')
                .find(|w| !w.is_empty())
                .unwrap_or_default();
            let word = word.strip_prefix(b"~").unwrap_or(word);
            let word = word.strip_prefix(b"+").unwrap_or(word);
            let task = match memrchr(b'/', word).or_else(|| memrchr(b':', word)) {
                Some(i) => &word[i + 1..],
                None => word,
            };
            let lower = |p: &[u8]| task.len() >= p.len() && task[..p.len()].eq_ignore_ascii_case(p);
            set |= if lower(b"test") || task.eq_ignore_ascii_case(b"it") {
                TEST
            } else if lower(b"scalafmtcheck")
                || lower(b"scalafmtsbtcheck")
                || one_of_ic(task, &["scalastyle", "wartremover"])
            {
                LINT
            } else if one_of_ic(
                task,
                &["compile", "package", "assembly", "stage", "dist", "packageBin"],
            ) {
                BUILD
            } else {
                0
            };
        }
    }
    set
}

#[cfg(test)]
mod tests {
    use super::super::tests::check;

    #[test]
    fn maven_sbt_and_gradle() {
        check(&[
            ("mvn test", [1, 0, 0]),
            ("mvn verify", [1, 0, 0]),
            ("mvn package", [0, 0, 1]),
            ("mvn spotless:check", [0, 1, 0]),
            ("./mvnw -q clean install", [0, 0, 1]),
            ("sbt test", [1, 0, 0]),
            ("sbt compile", [0, 0, 1]),
            ("sbt scalafmtCheckAll", [0, 1, 0]),
            ("./gradlew test", [1, 0, 0]),
            ("./gradlew build", [0, 0, 1]),
            ("gradle check", [1, 0, 0]),
        ]);
    }
}
