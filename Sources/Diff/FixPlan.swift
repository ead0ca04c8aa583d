import ELF

/// What a fix changes in the running binary, decided from the comparison of
/// each original/fixed object pair and the proof of each original against
/// the binary: the functions to replace (with their reasons), the new code
/// and variables that travel, and what cannot be carried.
public struct FixPlan: Sendable {
    public struct Pair: Sendable {
        public var before: ObjectUnit
        public var after: ObjectUnit
        public init(before: ObjectUnit, after: ObjectUnit) {
            self.before = before
            self.after = after
        }
    }

    public struct Replacement: Sendable {
        /// The function's name in the objects.
        public var name: String
        /// The binary's function it was proved to be.
        public var binarySymbol: Symbol
        public var reasons: [String]
        public var oldSize: UInt64
        public var newSize: UInt64
        /// Index into `pairs`.
        public var pair: Int
    }

    public struct Note: Sendable {
        public var name: String
        public var size: UInt64
        public var pair: Int
        public var detail: String
    }

    public let pairs: [Pair]
    public private(set) var comparisons: [UnitComparison] = []
    public private(set) var replacements: [Replacement] = []
    public private(set) var newFunctions: [Note] = []
    public private(set) var removedFunctions: [Note] = []
    /// Changed functions the binary has no copy of: inlined into their callers everywhere.
    public private(set) var inlined: [Note] = []
    /// Unchanged callers of replaced functions, proved too (they reach the new code through the old entry).
    public private(set) var provedCallers: [Note] = []
    public private(set) var newVariables: [Note] = []
    public private(set) var refusals: [Refusal] = []

    public init(binary: BinaryImage, pairs: [Pair]) throws(DiffError) {
        self.pairs = pairs
        for (k, p) in pairs.enumerated() {
            let c = try UnitComparison(before: p.before, after: p.after)
            comparisons.append(c)
            try plan(c, pair: k, binary: binary)
        }
    }

    private mutating func plan(_ c: UnitComparison, pair k: Int, binary: BinaryImage) throws(DiffError) {
        let proof = OriginalProof(unit: c.before, binary: binary)
        let refs = try References(unit: c.before)
        var replaced: [String: Replacement] = [:]
        var absent: Set<String> = []

        func add(_ name: String, reason: String) throws(DiffError) {
            if replaced[name] != nil { replaced[name]?.reasons.append(reason); return }
            guard let f = c.before.functions[name], let g = c.after.functions[name] else { return }
            guard let proven = try proof.prove(f) else { absent.insert(name); return }
            replaced[name] = Replacement(name: name, binarySymbol: proven.symbol, reasons: [reason],
                                         oldSize: f.size, newSize: g.size, pair: k)
        }

        for e in c.entries where e.status == .changed {
            // A cold part is entered by jumps from its parent, never called:
            // the parent is replaced and brings its new cold part along.
            if e.name.hasSuffix(".cold") {
                let parent = String(e.name.dropLast(5))
                try add(parent, reason: "its cold part \(e.name) changed (\(e.firstDifference ?? "")")
                continue
            }
            let why = CloneName.isClone(e.name)
                ? "clone of \(CloneName.origin(e.name)) changed (\(e.firstDifference ?? ""))"
                : "body changed (\(e.firstDifference ?? ""))"
            try add(e.name, reason: why)
        }
        annotateInlining(c, replaced: &replaced, binary: binary, pair: k)
        // The original object has it, the binary does not: fine only if
        // nothing the binary runs calls it. Proving its callers settles it
        // (a caller that calls it cannot be the binary's: another build, LTO).
        if let name = absent.sorted().first, BuildFlags.isLTO(binary.file) {
            throw .proofFailed(ProofFailure(function: name, object: c.before.path, binary: binary.path, address: nil,
                offset: nil, what: "the binary has no function \(name)",
                hint: BuildFlags.hint(object: c.before.file, objectPath: c.before.path, binary: [binary.file])))
        }
        for name in absent.sorted() {
            for caller in refs.callers(of: name) {
                guard let f = c.before.functions[caller] else { continue }
                _ = try proof.prove(f)
            }
            inlined.append(Note(name: name, size: c.before.functions[name]?.size ?? 0, pair: k,
                                detail: "changed, but neither it nor any caller of it is in the binary "
                                    + "(removed by the linker); nothing running calls it"))
        }
        // Callers that stay: they must be the binary's too, or the new code
        // would be reached from code this proof never saw.
        for r in replaced.values.sorted(by: { $0.name < $1.name }) {
            for caller in refs.callers(of: r.name) where replaced[caller] == nil && c.status(of: caller) == .unchanged {
                guard let f = c.before.functions[caller], try proof.prove(f) != nil else { continue }
                provedCallers.append(Note(name: caller, size: f.size, pair: k, detail: "calls \(r.name)"))
            }
        }
        // A clone whose callers changed (its parameters did) is safe only
        // when every caller that the binary runs is replaced as well.
        for e in c.entries where CloneName.isClone(e.name) && (e.status == .changed || e.status == .removed) {
            for caller in refs.callers(of: e.name) where c.status(of: caller) == .changed && replaced[caller] == nil
                && !absent.contains(caller) {
                refusals.append(Refusal(subject: "clone \(e.name)", reason: "its caller \(caller) changed but "
                    + "cannot be replaced with it, and the clone's parameters may have changed"))
            }
        }
        for e in c.entries where e.status == .new {
            let size = c.after.functions[e.name]?.size ?? 0
            newFunctions.append(Note(name: e.name, size: size, pair: k, detail: "travels with the payload"))
        }
        for e in c.entries where e.status == .removed {
            removedFunctions.append(Note(name: e.name, size: c.before.functions[e.name]?.size ?? 0, pair: k,
                                         detail: "no longer called by the new code; stays in the program"))
        }
        for v in c.newVariables {
            newVariables.append(Note(name: v, size: c.after.variables[v]?.size ?? 0, pair: k,
                                     detail: "allocated by the payload"))
        }
        refusals += c.refusals
        replacements += replaced.values.sorted { $0.binarySymbol.value < $1.binarySymbol.value }
    }
}

extension FixPlan {
    /// Names what GCC inlined into each replaced function (from DWARF), and
    /// reports a function with no copy in the binary whose every inlined
    /// copy is in a changed function: "F was inlined into A, B; patching A, B".
    fileprivate mutating func annotateInlining(_ c: UnitComparison, replaced: inout [String: Replacement],
                                               binary: BinaryImage, pair k: Int) {
        var into = InlineRecords(unit: c.after).inlined
        for (f, callees) in InlineRecords(unit: c.before).inlined { into[f, default: []].formUnion(callees) }
        var inliners: [String: [String]] = [:]
        for (f, callees) in into { for g in callees { inliners[g, default: []].append(f) } }
        for name in replaced.keys.sorted() {
            guard let callees = into[name], !callees.isEmpty else { continue }
            replaced[name]?.reasons.append("inlines " + callees.sorted().joined(separator: ", "))
        }
        for (g, fs) in inliners.sorted(by: { $0.key < $1.key }) {
            let hosts = fs.sorted()
            guard binary.functions(named: g).isEmpty, c.before.functions[g] == nil, !hosts.isEmpty,
                  hosts.allSatisfy({ c.status(of: $0) == .changed || c.status(of: $0) == .new }),
                  hosts.contains(where: { replaced[$0] != nil }) else { continue }
            let patched = hosts.filter { replaced[$0] != nil }.joined(separator: ", ")
            inlined.append(Note(name: g, size: 0, pair: k, detail: "\(g) was inlined into "
                + "\(hosts.joined(separator: ", ")) and has no copy in the binary; patching \(patched)"))
        }
    }
}

/// Who refers to whom among an object's functions.
struct References {
    private var callersOf: [String: Set<String>] = [:]

    init(unit: ObjectUnit) throws(DiffError) {
        for (name, f) in unit.functions {
            for r in try unit.relocations(of: f.section.index) {
                let s = try unit.symbol(r.symbolIndex)
                guard s.isDefined, let sec = unit.section(s.sectionIndex), sec.isExecutable,
                      let g = unit.file.symbols.first(where: {
                          $0.sectionIndex == s.sectionIndex && $0.type == Symbol.typeFunc
                      }),
                      g.name != name else { continue }
                callersOf[g.name, default: []].insert(name)
            }
        }
    }

    func callers(of name: String) -> [String] { (callersOf[name] ?? []).sorted() }
}
