import Foundation
import PackagePlugin

/// Writes the source commit into the xsplice target on every build, so that
/// `xsplice --version` says which source a binary was built from. A prebuild
/// command runs before each build; it rewrites the file only when the commit
/// changes, so an unchanged tree rebuilds nothing.
@main
struct SourceStamp: BuildToolPlugin {
    func createBuildCommands(context: PluginContext, target: Target) throws -> [Command] {
        let out = context.pluginWorkDirectoryURL.appending(path: "stamp")
        let script = """
            mkdir -p "$2"
            c=$(git -C "$1" rev-parse --short=12 HEAD 2>/dev/null || echo unknown)
            if [ "$c" != unknown ] && [ -n "$(git -C "$1" status --porcelain --untracked-files=no 2>/dev/null)" ]; then
                c="$c+changes"
            fi
            line="let sourceCommit = \\"$c\\""
            [ "$(cat "$2/SourceCommit.swift" 2>/dev/null)" = "$line" ] || printf '%s\\n' "$line" > "$2/SourceCommit.swift"
            """
        return [.prebuildCommand(displayName: "Stamping the source commit",
                                 executable: URL(fileURLWithPath: "/bin/sh"),
                                 arguments: ["-c", script, "stamp", context.package.directoryURL.path, out.path],
                                 outputFilesDirectory: out)]
    }
}
