//! PHP (`composer`), .NET (`dotnet`) and Apple (`xcodebuild`) tools.

use super::*;

pub(super) fn composer(rest: Args<'_>) -> Step<'_> {
    let opts: Opts = &["-d", "--working-dir"];
    let i = first_positional(rest, opts);
    let s = rest.get(i);
    let after = rest.skip(i + 1);
    match s {
        b"" => Done(0),
        b"test" => Done(TEST),
        b"run-script" | b"run" => Done(task_class(after.get(first_positional(after, opts)), Ctx::Script)),
        b"exec" => Run(after.skip(first_positional(after, opts))),
        b"install"
        | b"i"
        | b"update"
        | b"u"
        | b"upgrade"
        | b"require"
        | b"r"
        | b"remove"
        | b"rm"
        | b"dump-autoload"
        | b"dumpautoload"
        | b"dump"
        | b"show"
        | b"info"
        | b"outdated"
        | b"validate"
        | b"diagnose"
        | b"create-project"
        | b"init"
        | b"config"
        | b"global"
        | b"search"
        | b"depends"
        | b"why"
        | b"why-not"
        | b"licenses"
        | b"status"
        | b"self-update"
        | b"selfupdate"
        | b"audit"
        | b"bump"
        | b"clear-cache"
        | b"clearcache"
        | b"archive"
        | b"browse"
        | b"fund"
        | b"prohibits"
        | b"reinstall"
        | b"suggests"
        | b"check-platform-reqs"
        | b"about"
        | b"list"
        | b"help" => Done(0),
        _ => Done(task_class(s, Ctx::Script)),
    }
}

pub(super) fn dotnet(mut rest: Args<'_>) -> Step<'_> {
    loop {
        let i = first_positional(rest, &["-d"]);
        let after = rest.skip(i + 1);
        return match rest.get(i) {
            b"test" | b"vstest" => Done(TEST),
            b"build" | b"publish" | b"pack" | b"msbuild" => Done(BUILD),
            b"format" => Done(if has_flag(after, &["--verify-no-changes"]) {
                LINT
            } else {
                0
            }),
            b"watch" => {
                let j = first_positional(after, &["--project"]);
                if j >= after.len() {
                    return Done(0);
                }
                rest = after.skip(j);
                continue;
            }
            b"tool" if after.first() == Some(b"run") => Run(after.skip(1)),
            b"" | b"run" | b"restore" | b"new" | b"add" | b"remove" | b"list" | b"sln" | b"nuget"
            | b"clean" | b"ef" | b"workload" | b"tool" | b"help" | b"sdk" | b"dev-certs"
            | b"user-secrets" => Done(0),
            s if s.ends_with(b".dll") => Done(0),
            _ => Run(rest.skip(i)),
        };
    }
}

pub(super) fn xcodebuild(a: Args) -> u8 {
    const FLAGS: Opts = &[
        "-quiet",
        "-verbose",
        "-json",
        "-alltargets",
        "-allowProvisioningUpdates",
        "-allowProvisioningDeviceRegistration",
        "-parallelizeTargets",
        "-hideShellScriptEnvironment",
        "-skipUnavailableActions",
        "-skipPackagePluginValidation",
        "-skipMacroValidation",
        "-disableAutomaticPackageResolution",
        "-onlyUsePackageVersionsFromResolvedFile",
        "-skipPackageUpdates",
        "-usePackageSupportBuiltinSCM",
    ];
    if has_flag(
        a,
        &[
            "-list",
            "-showBuildSettings",
            "-showsdks",
            "-showdestinations",
            "-version",
            "-usage",
            "-help",
        ],
    ) {
        return 0;
    }
    let mut set = 0;
    let mut any = false;
    let mut i = 0;
    while i < a.len() {
        let w = a.get(i);
        i += 1;
        if is_opt(w) {
            if !one_of(w, FLAGS) {
                i += 1;
            }
            continue;
        }
        if is_assignment(w) {
            continue;
        }
        let class = match w {
            b"test" | b"test-without-building" => TEST,
            b"build" | b"build-for-testing" | b"archive" | b"install" | b"docbuild" => BUILD,
            b"analyze" => LINT,
            _ => 0,
        };
        any |= class != 0 || w == b"clean";
        set |= class;
    }
    if any {
        set
    } else {
        BUILD
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests::check;

    #[test]
    fn php_dotnet_and_apple_tools() {
        check(&[
            ("composer test", [1, 0, 0]),
            ("composer install", [0, 0, 0]),
            ("php artisan test", [1, 0, 0]),
            ("vendor/bin/phpunit", [1, 0, 0]),
            ("dotnet test", [1, 0, 0]),
            ("dotnet build", [0, 0, 1]),
            ("dotnet format --verify-no-changes", [0, 1, 0]),
            ("dotnet run", [0, 0, 0]),
            ("xcodebuild test -scheme App", [1, 0, 0]),
            ("xcodebuild -scheme App build", [0, 0, 1]),
            ("xcodebuild analyze", [0, 1, 0]),
        ]);
    }
}
