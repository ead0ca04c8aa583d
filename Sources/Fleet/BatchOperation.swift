/// What a batch does to each selected process.
public enum BatchOperation: Sendable, Equatable {
    case apply(payloadPath: String, dryRun: Bool)
    /// The payload's name or ID prefix, as `revert --pid` takes it.
    case revert(key: String)
    case verify(payloadPath: String)

    public var name: String {
        switch self {
        case .apply: return "apply"
        case .revert: return "revert"
        case .verify: return "verify"
        }
    }

    /// The arguments of `xsplice fleet-worker --stream`, which performs it on
    /// each PID it reads from its standard input.
    func workerArguments(timeout: Double, waitReturn: Bool, payloadID: String?) -> [String] {
        var a = ["fleet-worker", "--stream", "--timeout", String(timeout)]
        if waitReturn { a.append("--wait-return") }
        if let payloadID { a += ["--payload-id", payloadID] }
        switch self {
        case let .apply(p, dry): a += ["--op", "apply"] + (dry ? ["--dry-run"] : []) + [p]
        case let .revert(k): a += ["--op", "revert", k]
        case let .verify(p): a += ["--op", "verify", p]
        }
        return a
    }
}
