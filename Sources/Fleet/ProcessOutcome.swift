/// What a batch operation did to one process; JSON field names are a contract
/// (one JSON line per process under `--json`).
public struct ProcessOutcome: Codable, Sendable {
    /// "applied", "reverted", "verified", "unchanged" (the state already
    /// held), "would-apply" or "would-revert" (a dry run that found the
    /// change possible; nothing written), "skipped" (never written: not
    /// ours), "refused" (the target is unchanged) or "inconsistent" (must
    /// never happen).
    public var result: String
    public var pid: Int32
    public var exe: String
    /// The payload's state in the process before and after: "virgin",
    /// "applied", "foreign", "absent" (module not mapped) or "-".
    public var before: String
    public var after: String
    public var pause_us: UInt64
    /// Why it was skipped or refused, as xsplice would say it for one PID.
    public var reason: String?

    public init(result: String, pid: Int32, exe: String, before: String, after: String,
                pause_us: UInt64 = 0, reason: String? = nil) {
        self.result = result
        self.pid = pid
        self.exe = exe
        self.before = before
        self.after = after
        self.pause_us = pause_us
        self.reason = reason
    }

    public var text: String {
        var s = "\(pid) \(exe): \(result) \(before) -> \(after)"
        if pause_us > 0 { s += " pause \(pause_us) us" }
        if let reason { s += " (\(reason))" }
        return s
    }
}
