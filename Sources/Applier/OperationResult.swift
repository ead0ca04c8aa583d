/// What apply, revert and replace report; JSON field names are a contract.
public struct OperationResult: Codable, Sendable {
    public struct Function: Codable, Sendable {
        public var function: String
        public var address: String
        public var before: String
        public var after: String
    }
    public var action: String
    public var outcome: String
    public var payload: String
    public var id: String
    public var replaced: String?
    public var functions: [Function]
    /// From the first thread stopped to the last one resumed, in the window
    /// that wrote; 0 when nothing was stopped.
    public var pause_us: UInt64
    /// The pause split into stop, check, work and resume.
    public var phases_us: [String: UInt64]?
    public var attempts: Int
    public var threads: Int
    public var region: String?
    /// What became of the new code's unwind information, when it has some.
    public var unwind: String? = nil

    public var text: String {
        var s = "\(action) \(payload) (\(id.prefix(12))): \(outcome)"
        if let replaced { s += ", replacing \(replaced)" }
        s += "\n"
        for f in functions { s += "  \(f.function)  \(f.address)  \(f.before) -> \(f.after)\n" }
        if let unwind { s += "unwind: \(unwind)\n" }
        if pause_us > 0 || attempts > 0 {
            s += "pause: \(pause_us) us (\(threads) thread\(threads == 1 ? "" : "s") stopped, attempt \(attempts))\n"
        }
        return s
    }
}
