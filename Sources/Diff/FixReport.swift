/// The report a reviewer signs off: every function the payload replaces
/// with its reasons and sizes, what travels new, and what was refused.
public struct FixReport: Sendable, Codable {
    public struct Function: Sendable, Codable {
        public var name: String
        public var address: String
        public var file: String?
        public var reasons: [String]
        public var oldSize: UInt64
        public var newSize: UInt64
        public var object: String
    }
    public struct Item: Sendable, Codable {
        public var name: String
        public var size: UInt64
        public var detail: String
        public var object: String
    }
    public struct Comparison: Sendable, Codable {
        public var before: String
        public var after: String
        public var functions: [Row]
    }
    public struct Row: Sendable, Codable {
        public var name: String
        public var status: String
        public var difference: String?
    }

    public var changed: [Function]
    public var inlined: [Item]
    public var newFunctions: [Item]
    public var removedFunctions: [Item]
    public var newVariables: [Item]
    public var provedCallers: [Item]
    public var refused: [Refusal]
    public var comparison: [Comparison]

    public init(_ plan: FixPlan) {
        let obj = { (k: Int) in plan.pairs[k].after.path }
        changed = plan.replacements.map {
            Function(name: $0.binarySymbol.name, address: "0x" + String($0.binarySymbol.value, radix: 16),
                     file: $0.binarySymbol.file, reasons: $0.reasons, oldSize: $0.oldSize, newSize: $0.newSize,
                     object: obj($0.pair))
        }
        let items = { (l: [FixPlan.Note]) in
            l.map { Item(name: $0.name, size: $0.size, detail: $0.detail, object: obj($0.pair)) }
        }
        inlined = items(plan.inlined)
        newFunctions = items(plan.newFunctions)
        removedFunctions = items(plan.removedFunctions)
        newVariables = items(plan.newVariables)
        provedCallers = items(plan.provedCallers)
        refused = plan.refusals
        comparison = plan.comparisons.map { c in
            Comparison(before: c.before.path, after: c.after.path, functions: c.entries.map {
                Row(name: $0.name, status: $0.status.rawValue, difference: $0.firstDifference)
            })
        }
    }

    /// Lines for people; `explain` adds the whole comparison.
    public func lines(explain: Bool) -> [String] {
        var out: [String] = []
        if explain {
            for c in comparison {
                out.append("comparison of \(c.before) and \(c.after):")
                for r in c.functions {
                    out.append("  \(r.status.padding(toLength: 9, withPad: " ", startingAt: 0)) \(r.name)"
                        + (r.difference.map { "  first difference: \($0)" } ?? ""))
                }
            }
        }
        for f in changed {
            let file = f.file.map { "\($0):" } ?? ""
            out.append("replace \(file)\(f.name) @\(f.address) (\(f.oldSize) -> \(f.newSize) bytes): "
                + f.reasons.joined(separator: "; "))
        }
        for i in inlined { out.append("inlined \(i.name): \(i.detail)") }
        for i in newFunctions { out.append("new function \(i.name) (\(i.size) bytes): \(i.detail)") }
        for i in newVariables { out.append("new variable \(i.name) (\(i.size) bytes): \(i.detail)") }
        for i in removedFunctions { out.append("removed function \(i.name): \(i.detail)") }
        if explain {
            for i in provedCallers { out.append("proved unchanged caller \(i.name): \(i.detail)") }
        }
        for r in refused { out.append("refused \(r.subject): \(r.reason)") }
        return out
    }
}
