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
    /// A function a second thread is in (its instruction pointer, or a
    /// return address on its stack): no operation may change it.
    private(set) var busy: String?
    /// Functions whose bytes were damaged behind xsplice's back: foreign.
    private(set) var tampered: Set<String> = []

    mutating func park(in function: String) { busy = function }
    mutating func tamper(_ function: String) { tampered.insert(function) }
    /// The thread leaves and the damage is repaired.
    mutating func settle() {
        busy = nil
        tampered = []
    }

    func touchesBusy(_ p: PayloadSpec) -> Bool { busy.map { p.functions.contains($0) } ?? false }

    init(payloads: [PayloadSpec]) { self.payloads = payloads }

    func spec(_ name: String) -> PayloadSpec? { payloads.first { $0.name == name } }

    /// "virgin", the name of the payload on top, or "foreign" once tampered.
    func state(_ function: String) -> String {
        tampered.contains(function) ? "foreign" : (stacks[function]?.last ?? "virgin")
    }

    func verdict(_ p: PayloadSpec) -> Verdict {
        if p.functions.allSatisfy({ state($0) == p.name }) { return .applied }
        if applied.contains(p.name),
           p.functions.allSatisfy({ !tampered.contains($0) && (stacks[$0]?.contains(p.name) ?? false) }) {
            return .applied
        }
        if p.functions.allSatisfy({ p.accepts[$0]?.contains(state($0)) ?? false }) { return .applicable }
        return .conflict
    }

    /// Exit code of `verify`.
    func verify(_ p: PayloadSpec) -> Int32 { verdict(p) == .conflict ? 1 : 0 }

    mutating func apply(_ p: PayloadSpec) -> Int32 {
        if applied.contains(p.name), verdict(p) == .applied { return 0 }
        guard verdict(p) == .applicable, !touchesBusy(p) else { return 1 }
        for f in p.functions { stacks[f, default: []].append(p.name) }
        applied.append(p.name)
        return 0
    }

    mutating func revert(_ p: PayloadSpec) -> Int32 {
        guard applied.contains(p.name) else { return 2 }
        guard p.functions.allSatisfy({ state($0) == p.name }), !touchesBusy(p) else { return 1 }
        for f in p.functions { stacks[f]?.removeLast() }
        applied.removeAll { $0 == p.name }
        return 0
    }

    mutating func replace(_ old: PayloadSpec, _ new: PayloadSpec) -> Int32 {
        guard applied.contains(old.name) else { return 2 }
        guard old.name != new.name else { return 2 }
        guard old.functions.allSatisfy({ state($0) == old.name }), !touchesBusy(old), !touchesBusy(new) else {
            return 1
        }
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
        while let next = m.applied.reversed().first(where: { n in
            m.spec(n).map { s in s.functions.allSatisfy { m.state($0) == n } } ?? false
        }) {
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
    /// A second thread in function #a: executing in it, or (onStack) holding
    /// a return address into it. Only on the simulated process.
    case park(Int, onStack: Bool)
    /// Damage function #a's body after the jump, or the code its jump
    /// reaches. Only on the simulated process.
    case tamperTail(Int), tamperReplacement(Int)
    /// The parked thread leaves and every damaged byte is put back.
    case settle

    /// `extended` adds the threads and tampering that only a simulated
    /// process can take (a live program would run the damaged code).
    static func decode(_ code: Int, payloads n: Int, extended: Bool = false) -> Operation {
        let kinds = extended ? 8 : 4
        let a = (code / kinds) % n, b = (code / (kinds * n)) % n
        switch code % kinds {
        case 0: return .verify(a)
        case 1: return .apply(a)
        case 2: return .revert(a)
        case 3: return .replace(a, b)
        case 4: return .park(a, onStack: b % 2 == 0)
        case 5: return .settle
        case 6: return .tamperTail(a)
        default: return .tamperReplacement(a)
        }
    }

    static func codeRange(payloads n: Int, extended: Bool = false) -> ClosedRange<Int> {
        0...((extended ? 8 : 4) * n * n - 1)
    }

    /// Whether xsplice runs in this step (the others act on the process).
    var isXsplice: Bool {
        switch self {
        case .verify, .apply, .revert, .replace: return true
        case .park, .tamperTail, .tamperReplacement, .settle: return false
        }
    }

    var description: String {
        switch self {
        case let .verify(a): return "verify(\(a))"
        case let .apply(a): return "apply(\(a))"
        case let .revert(a): return "revert(\(a))"
        case let .replace(a, b): return "replace(\(a)->\(b))"
        case let .park(a, onStack): return onStack ? "park(stack->f\(a))" : "park(in f\(a))"
        case let .tamperTail(a): return "tamperTail(f\(a))"
        case let .tamperReplacement(a): return "tamperReplacement(f\(a))"
        case .settle: return "settle"
        }
    }
}
