/// The final line of a batch: counts by result, the exit code it implies.
public struct BatchSummary: Codable, Sendable {
    public var summary = true
    public var operation: String
    public var processes = 0
    public var changed = 0
    /// Dry runs: processes a real run would change (nothing was written).
    public var would_change = 0
    public var unchanged = 0
    public var refused = 0
    public var skipped = 0
    /// Skips counted by reason ("module not mapped", "foreign", ...).
    public var skipped_by: [String: Int] = [:]
    public var inconsistent = 0
    public var wall_ms: UInt64 = 0
    /// The longest single pause among the processes written.
    public var max_pause_us: UInt64 = 0
    public var workers: Int
    /// Nothing was written: `--dry-run`.
    public var dry_run = false
    public var exit: Int32 = 0

    public init(operation: String, workers: Int) {
        self.operation = operation
        self.workers = workers
    }

    mutating func count(_ o: ProcessOutcome) {
        processes += 1
        max_pause_us = max(max_pause_us, o.pause_us)
        switch o.result {
        case "applied", "reverted": changed += 1
        case "would-apply", "would-revert": would_change += 1
        case "unchanged", "verified": unchanged += 1
        case "skipped":
            skipped += 1
            skipped_by[o.reason ?? "other", default: 0] += 1
        case "inconsistent": inconsistent += 1
        default: refused += 1
        }
        exit = inconsistent > 0 ? 3 : (refused > 0 ? 1 : 0)
    }

    public var text: String {
        var s = "\(operation): \(processes) processes, \(changed) changed, "
            + (would_change > 0 ? "\(would_change) would change (dry run), " : "")
            + "\(unchanged) unchanged, \(refused) refused, \(skipped) skipped"
        if !skipped_by.isEmpty {
            let parts = skipped_by.sorted { $0.key < $1.key }.map { "\($0.value) \($0.key)" }
            s += " (" + parts.joined(separator: ", ") + ")"
        }
        if inconsistent > 0 { s += ", \(inconsistent) MAY BE INCONSISTENT" }
        s += "; \(wall_ms) ms wall, \(workers) workers, longest pause \(max_pause_us) us"
        return s
    }
}
