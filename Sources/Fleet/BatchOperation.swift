/// What a batch does to each selected process.
public enum BatchOperation: Sendable, Equatable {
    case apply(payloadPath: String, dryRun: Bool)
    /// The payload's name or ID prefix, as `revert --pid` takes it.
    case revert(key: String, dryRun: Bool)
    case verify(payloadPath: String)

    /// Whether it only checks and reports what it would change.
    public var isDryRun: Bool {
        switch self {
        case let .apply(_, dry), let .revert(_, dry): return dry
        case .verify: return false
        }
    }

    public var name: String {
        switch self {
        case .apply: return "apply"
        case .revert: return "revert"
        case .verify: return "verify"
        }
    }

    /// The arguments of `xsplice fleet-worker` that perform it on one PID.
    func workerArguments(pid: Int32, timeout: Double, waitReturn: Bool) -> [String] {
        var a = ["fleet-worker", "--pid", String(pid), "--timeout", String(timeout)]
        if waitReturn { a.append("--wait-return") }
        switch self {
        case let .apply(p, dry): a += ["--op", "apply"] + (dry ? ["--dry-run"] : []) + [p]
        case let .revert(k, dry): a += ["--op", "revert"] + (dry ? ["--dry-run"] : []) + [k]
        case let .verify(p): a += ["--op", "verify", p]
        }
        return a
    }
}
