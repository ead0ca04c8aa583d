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
    /// The longest time any one thread was held over the whole operation,
    /// summed over every stop that held it (the window, and the one-thread
    /// stops of remote calls that map code, create the registry or register
    /// unwind information, and of a wait for returns): at least `pause_us`.
    public var max_thread_stop_us: UInt64 = 0
    /// How many separate stops that thread went through.
    public var max_thread_stops: Int = 0
    /// The pause split into stop, check, work and resume.
    public var phases_us: [String: UInt64]?
    public var attempts: Int
    public var threads: Int
    public var region: String?
    /// What became of the new code's unwind information, when it has some.
    public var unwind: String? = nil
    /// `apply --dry-run`: what each reference of the new code binds to.
    public var bindings: [Bound]?
    /// `apply --dry-run`: threads inside a changed function right now.
    public var warnings: [Warning]?
    /// Set when `--wait-return` let busy threads run out of the code first.
    public var waited: WaitSummary?

    public struct Warning: Codable, Sendable {
        /// Nil for a finding that belongs to no single thread.
        public var thread: Int32?
        public var function: String?
        public var message: String
    }

    public struct Bound: Codable, Sendable {
        public var reference: String
        /// "module" (bound at build time), "dynamic" or "ifunc".
        public var kind: String
        public var module: String
        public var definition: String
        public var address: String
        public var reason: String
    }

    public var text: String {
        var s = "\(action) \(payload) (\(id.prefix(12))): \(outcome)"
        if let replaced { s += ", replacing \(replaced)" }
        s += "\n"
        for f in functions { s += "  \(f.function)  \(f.address)  \(f.before) -> \(f.after)\n" }
        if let unwind { s += "unwind: \(unwind)\n" }
        if let bindings, !bindings.isEmpty {
            s += "bindings:\n"
            for b in bindings {
                let def = b.definition == b.reference ? "" : "\(b.definition) "
                s += "  \(b.reference) -> \(b.module) \(def)\(b.address) (\(b.reason))\n"
            }
        }
        for w in warnings ?? [] { s += "warning: \(w.message)\n" }
        if let waited { s += waited.text + "\n" }
        if pause_us > 0 || attempts > 0 {
            s += "pause: \(pause_us) us (\(threads) thread\(threads == 1 ? "" : "s") stopped, attempt \(attempts))\n"
        }
        if max_thread_stop_us > 0 {
            s += "longest stop of one thread: \(max_thread_stop_us) us over the whole operation "
                + "(\(max_thread_stops) stop\(max_thread_stops == 1 ? "" : "s"))\n"
        }
        return s
    }
}
