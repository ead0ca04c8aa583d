import ELF

/// The function-by-function comparison of an original and a fixed object.
public struct UnitComparison: Sendable {
    public enum Status: String, Sendable, Codable { case unchanged, changed, new, removed }

    public struct Entry: Sendable {
        public var name: String
        public var status: Status
        /// The first offset at which the two functions differ, and what differs there.
        public var firstDifference: String?
    }

    public let before: ObjectUnit
    public let after: ObjectUnit
    public private(set) var entries: [Entry] = []
    public private(set) var newVariables: [String] = []
    public private(set) var refusals: [Refusal] = []

    public init(before: ObjectUnit, after: ObjectUnit) throws(DiffError) {
        self.before = before
        self.after = after
        if let bf = before.sourceFile, let af = after.sourceFile, bf != af {
            throw .differentSources(before: before.path, beforeFile: bf, after: after.path, afterFile: af)
        }
        let fb = Fingerprinter(unit: before), fa = Fingerprinter(unit: after)
        for name in Set(before.functions.keys).union(after.functions.keys).sorted() {
            switch (before.functions[name], after.functions[name]) {
            case let (b?, a?):
                let pb = try fb.fingerprint(section: b.section.index)
                let pa = try fa.fingerprint(section: a.section.index)
                let diff = pb == pa ? nil : Self.firstDifference(pb, pa)
                entries.append(Entry(name: name, status: diff == nil ? .unchanged : .changed, firstDifference: diff))
            case (nil, _?): entries.append(Entry(name: name, status: .new))
            case (_?, nil): entries.append(Entry(name: name, status: .removed))
            case (nil, nil): break
            }
        }
        try compareVariables()
    }

    public func status(of name: String) -> Status? { entries.first { $0.name == name }?.status }

    /// Variables are shared with the running program: a new one is allocated
    /// by the payload, but an existing one keeps the value it has in the
    /// process, so a fix that changes its initial value or size cannot be
    /// carried (read-only tables private to the unit travel with the code
    /// that uses them, which compares changed).
    private mutating func compareVariables() throws(DiffError) {
        for (name, a) in after.variables.sorted(by: { $0.key < $1.key }) {
            guard let b = before.variables[name] else { newVariables.append(name); continue }
            guard let sb = before.section(b.sectionIndex), let sa = after.section(a.sectionIndex) else { continue }
            let fb = try Fingerprinter(unit: before).fingerprint(section: sb.index)
            let fa = try Fingerprinter(unit: after).fingerprint(section: sa.index)
            // A read-only static without relocations binds to the program's
            // object (its address is compared); a table of pointers travels.
            if !sb.isWritable, b.binding == Symbol.bindLocal, !fb.references.isEmpty { continue }
            guard b.size != a.size || fb != fa else { continue }
            let what = b.size != a.size ? "its size changes from \(b.size) to \(a.size) bytes"
                : "its initial value changes"
            let kind = sb.isWritable ? "variable" : "read-only object"
            refusals.append(Refusal(subject: "\(kind) \(name)", reason: "\(what); the running program keeps the "
                + "old \(kind) and its address, so a live patch cannot change it (give the fix a new one, or restart)"))
        }
    }

    static func firstDifference(_ a: Fingerprint, _ b: Fingerprint) -> String {
        if let i = (0..<min(a.masked.count, b.masked.count)).first(where: { a.masked[$0] != b.masked[$0] }) {
            return "byte at +0x\(String(i, radix: 16)) (0x\(hex(a.masked[i])) -> 0x\(hex(b.masked[i])))"
        }
        for (x, y) in zip(a.references, b.references) where x != y {
            return "reference at +0x\(String(x.offset, radix: 16)): \(x.target) -> \(y.target)"
        }
        if a.size != b.size { return "size \(a.size) -> \(b.size) bytes" }
        return "references: \(a.references.count) -> \(b.references.count)"
    }

    private static func hex(_ b: UInt8) -> String { b < 16 ? "0" + String(b, radix: 16) : String(b, radix: 16) }
}
