/// Why `build --patch --compile-commands` could not produce the before and
/// after objects. All are bad input (exit 2) except a patch that does not
/// apply or a unit that does not compile, which are refusals of this fix
/// (exit 1); nothing is built in either case.
public enum FixSourceError: Error, CustomStringConvertible, Equatable, Sendable {
    case unreadable(path: String, why: String)
    case malformedDatabase(path: String, why: String)
    case unsafeCommand(file: String, command: String, why: String)
    case noChangedFile(patch: String)
    case noCompileCommand(file: String, database: String)
    case noPatchTool
    case patchFailed(tool: String, output: String)
    case compileFailed(command: String, stderr: String)
    case toolFailed(what: String, why: String)

    public var exitCode: Int32 {
        switch self {
        case .patchFailed, .compileFailed: return 1
        default: return 2
        }
    }

    public var description: String {
        switch self {
        case let .unreadable(p, why):
            return "cannot read \(p): \(why)"
        case let .malformedDatabase(p, why):
            return "\(p) is not a usable compile_commands.json: \(why); regenerate it with CMake "
                + "(-DCMAKE_EXPORT_COMPILE_COMMANDS=ON), Meson or Bear"
        case let .unsafeCommand(f, c, why):
            return "the compile command of \(f) cannot be run without a shell (\(why)): \(c); give its "
                + "`arguments` as a list, or build the objects yourself and use --before/--after"
        case let .noChangedFile(p):
            return "\(p) changes no file: expected a unified diff (--- a/FILE, +++ b/FILE) applying with -p1"
        case let .noCompileCommand(f, db):
            return "the patch changes \(f), which no entry of \(db) compiles or includes (by the "
                + "preprocessor's dependencies): it is not part of the build recorded there; if it is, regenerate "
                + "\(db), or compile the units that use it before and after the fix and pass --before/--after"
        case .noPatchTool:
            return "neither `patch` nor `git` is installed to apply the diff; install one of them "
                + "(apt-get install patch)"
        case let .patchFailed(tool, out):
            return "the patch does not apply to the source tree (\(tool)); it must be a -p1 diff against the "
                + "running revision:\n\(out)"
        case let .compileFailed(c, err):
            return "compiling failed: \(c)\n\(err)"
        case let .toolFailed(what, why):
            return "\(what) failed: \(why)"
        }
    }
}
