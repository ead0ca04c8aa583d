/// A pure model of what xsplice should do: for each function, the stack of
/// payloads applied on it; for each payload, the pre-states it accepts.
/// Payloads and functions are plain names here; nothing touches memory.
struct PatchModel: Equatable {
    struct PayloadSpec: Equatable {
        let name: String
        /// Function key -> accepted pre-states ("virgin" or a payload name).
        let accepts: [String: Set<String>]
        var functions: [String] { accepts.keys.sorted() }
    }

    enum Verdict: String { case applicable, applied, conflict }

    let payloads: [PayloadSpec]
    private(set) var stacks: [String: [String]] = [:]
    private(set) var applied: [String] = []

    init(payloads: [PayloadSpec]) { self.payloads = payloads }

    func spec(_ name: String) -> PayloadSpec? { payloads.first { $0.name == name } }

    /// "virgin" or the name of the payload on top.
    func state(_ function: String) -> String { stacks[function]?.last ?? "virgin" }

    func verdict(_ p: PayloadSpec) -> Verdict {
        if p.functions.allSatisfy({ state($0) == p.name }) { return .applied }
        if applied.contains(p.name), p.functions.allSatisfy({ stacks[$0]?.contains(p.name) ?? false }) { return .applied }
        if p.functions.allSatisfy({ p.accepts[$0]?.contains(state($0)) ?? false }) { return .applicable }
        return .conflict
    }

    /// Exit code of `verify`.
    func verify(_ p: PayloadSpec) -> Int32 { verdict(p) == .conflict ? 1 : 0 }

    mutating func apply(_ p: PayloadSpec) -> Int32 {
        if applied.contains(p.name) { return 0 }
        guard verdict(p) == .applicable else { return 1 }
        for f in p.functions { stacks[f, default: []].append(p.name) }
        applied.append(p.name)
        return 0
    }

    mutating func revert(_ p: PayloadSpec) -> Int32 {
        guard applied.contains(p.name) else { return 2 }
        guard p.functions.allSatisfy({ state($0) == p.name }) else { return 1 }
        for f in p.functions { stacks[f]?.removeLast() }
        applied.removeAll { $0 == p.name }
        return 0
    }

    mutating func replace(_ old: PayloadSpec, _ new: PayloadSpec) -> Int32 {
        guard applied.contains(old.name) else { return 2 }
        guard old.name != new.name else { return 2 }
        guard old.functions.allSatisfy({ state($0) == old.name }) else { return 1 }
        var after = self
        for f in old.functions { after.stacks[f]?.removeLast() }
        after.applied.removeAll { $0 == old.name }
        guard new.functions.allSatisfy({ new.accepts[$0]?.contains(after.state($0)) ?? false }) else { return 1 }
        for f in new.functions { after.stacks[f, default: []].append(new.name) }
        after.applied.append(new.name)
        self = after
        return 0
    }

    /// An order in which everything applied can be reverted: always a
    /// payload that is on top of all its functions.
    func revertOrder() -> [String] {
        var m = self
        var out: [String] = []
        while let next = m.applied.reversed().first(where: { n in m.spec(n).map { s in s.functions.allSatisfy { m.state($0) == n } } ?? false }) {
            if let s = m.spec(next) { _ = m.revert(s) }
            out.append(next)
        }
        return out
    }
}

/// One step of a generated sequence. Codes are plain integers so that the
/// property library shrinks them; `decode` maps them onto operations.
enum Operation: CustomStringConvertible {
    case verify(Int), apply(Int), revert(Int), replace(Int, Int)

    static func decode(_ code: Int, payloads n: Int) -> Operation {
        let a = (code / 4) % n, b = (code / (4 * n)) % n
        switch code % 4 {
        case 0: return .verify(a)
        case 1: return .apply(a)
        case 2: return .revert(a)
        default: return .replace(a, b)
        }
    }

    static func codeRange(payloads n: Int) -> ClosedRange<Int> { 0...(4 * n * n - 1) }

    var description: String {
        switch self {
        case let .verify(a): return "verify(\(a))"
        case let .apply(a): return "apply(\(a))"
        case let .revert(a): return "revert(\(a))"
        case let .replace(a, b): return "replace(\(a)->\(b))"
        }
    }
}
