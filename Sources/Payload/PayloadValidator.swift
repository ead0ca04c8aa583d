import Hash

/// Semantic checks on a decoded payload: everything the applier relies on
/// without re-checking. A payload that passes cannot make the applier index
/// out of bounds or write outside the code it loads.
public enum PayloadValidator {
    public static func validate(_ p: Payload) throws(PayloadError) {
        try checkName(p.name, field: "payload name")
        guard !p.functions.isEmpty else {
            throw .invalid(field: "functions", reason: "a payload must replace at least one function")
        }
        for (i, s) in p.sections.enumerated() {
            func f() -> String { "section[\(i)]" }
            try checkName(s.name, field: "\(f()).name")
            guard s.alignment >= 1, s.alignment <= PayloadLimits.maxAlignment, s.alignment & (s.alignment - 1) == 0
            else {
                throw .invalid(
                    field: "\(f()).alignment",
                    reason: "must be a power of two up to \(PayloadLimits.maxAlignment), found \(s.alignment)")
            }
            for (j, r) in s.relocations.enumerated() {
                func rf() -> String { "\(f()).relocation[\(j)]" }
                let (end, overflow) = r.offset.addingReportingOverflow(UInt64(r.type.width))
                guard !overflow, end <= UInt64(s.bytes.count) else {
                    throw .invalid(
                        field: "\(rf()).offset",
                        reason: "\(r.type) at offset \(r.offset) writes outside the \(s.bytes.count)-byte section")
                }
                switch r.target {
                case let .section(t):
                    guard Int(t) < p.sections.count else {
                        throw .invalid(
                            field: "\(rf()).target",
                            reason: "section #\(t) does not exist (payload has \(p.sections.count))")
                    }
                case let .symbol(name, file), let .internal(name, file, _):
                    try checkName(name, field: "\(rf()).symbol")
                    if !file.isEmpty { try checkName(file, field: "\(rf()).symbol file") }
                case let .payloadVariable(owner, name):
                    try checkName(owner, field: "\(rf()).payload")
                    try checkName(name, field: "\(rf()).variable")
                    guard owner != p.name else {
                        throw .invalid(field: "\(rf()).payload",
                                       reason: "a payload cannot name its own variables this way")
                    }
                }
            }
            for (j, v) in s.variables.enumerated() {
                try checkName(v.name, field: "\(f()).variable[\(j)]")
                guard s.kind == .writableData, v.offset < UInt64(s.bytes.count) else {
                    throw .invalid(field: "\(f()).variable[\(j)]",
                                   reason: "\(v.name) at offset \(v.offset) is not inside the \(s.bytes.count)-byte "
                                       + "writable data section")
                }
            }
        }
        try checkUnwind(p)
        var seen = Set<String>()
        for (i, fn) in p.functions.enumerated() {
            func f() -> String { "function[\(i)]" }
            try checkName(fn.symbol, field: "\(f()).symbol")
            if !fn.module.isEmpty { try checkName(fn.module, field: "\(f()).module") }
            if !fn.file.isEmpty { try checkName(fn.file, field: "\(f()).file") }
            guard seen.insert("\(fn.module)\u{0}\(fn.file)\u{0}\(fn.symbol)").inserted else {
                throw .invalid(field: "\(f()).symbol", reason: "\(fn.displayName) appears twice in one payload")
            }
            guard fn.oldBytes.count >= Trampoline.minimumSize(of: fn.oldBytes) else {
                throw .invalid(field: "\(f()).old bytes", reason: "\(fn.displayName) is \(fn.oldBytes.count) bytes; "
                    + "the jump xsplice writes needs \(Trampoline.minimumSize(of: fn.oldBytes))")
            }
            let actual: Digest
            do { actual = try SHA256.hash(fn.oldBytes) } catch {
                throw .invalid(field: "\(f()).old sha256", reason: "\(error)")
            }
            guard actual == fn.oldHash else {
                throw .invalid(
                    field: "\(f()).old sha256",
                    reason: "recorded \(fn.oldHash.shortHex) but the old bytes hash to \(actual.shortHex)")
            }
            guard !fn.accepts.isEmpty else {
                throw .invalid(
                    field: "\(f()).pre-states", reason: "no accepted pre-state; the function could never be patched")
            }
            guard zip(fn.accepts, fn.accepts.dropFirst()).allSatisfy({ $0 < $1 }) else {
                throw .invalid(field: "\(f()).pre-states", reason: "must be sorted and without repeats")
            }
            guard Int(fn.replacementSection) < p.sections.count,
                  p.sections[Int(fn.replacementSection)].kind == .code else {
                throw .invalid(
                    field: "\(f()).replacement section",
                    reason: "section #\(fn.replacementSection) is not a code section of this payload")
            }
            guard !p.sections[Int(fn.replacementSection)].bytes.isEmpty else {
                throw .invalid(field: "\(f()).replacement section", reason: "the replacement code is empty")
            }
        }
    }

    /// Names reach terminals and JSON; control characters could forge output.
    static func checkName(_ s: String, field: @autoclosure () -> String) throws(PayloadError) {
        guard !s.isEmpty else { throw .invalid(field: field(), reason: "empty") }
        for u in s.unicodeScalars where u.value < 0x20 || u.value == 0x7f {
            throw .invalid(
                field: field(), reason: "contains control character U+\(String(u.value, radix: 16, uppercase: true))")
        }
    }
}

/// Facts about the jump written at a patched function's entry.
public enum Trampoline {
    /// `jmp rel32` is five bytes.
    public static let jumpSize = 5

    /// The one size rule for build, decoding and apply: the jump goes after
    /// an `endbr64` (indirect calls must still land on one), so a function
    /// that starts with it needs four bytes more.
    public static func minimumSize<C: Collection>(of oldBytes: C) -> Int where C.Element == UInt8 {
        (Endbr.starts(oldBytes) ? Endbr.size : 0) + jumpSize
    }
}
