/// What `--wait-return` waited for before the write; JSON names are a contract.
public struct WaitSummary: Codable, Sendable, Equatable {
    /// Threads that ran until they returned out of the code.
    public var threads: Int
    /// The functions they left.
    public var functions: [String]
    /// Time spent waiting, the process running meanwhile.
    public var wait_us: UInt64

    public var text: String {
        "waited for \(threads) thread\(threads == 1 ? "" : "s") to leave \(functions.joined(separator: ", "))"
            + " (\(wait_us / 1000) ms)"
    }
}

extension ReturnWaiter {
    /// Nil when no thread had to be waited for.
    var summary: WaitSummary? {
        waited.isEmpty ? nil : WaitSummary(threads: waited.count, functions: left, wait_us: waitedMicros)
    }
}
