/// Code or read-only data that travels in the payload and is loaded into
/// the target near the module it patches.
public struct LoadSection: Sendable, Equatable {
    /// `unwindFrames` is the new code's `.eh_frame` (CIEs and FDEs, ending in
    /// a zero word), which `apply` registers with the target's unwinder.
    public enum Kind: UInt8, Sendable {
        /// `writableData` holds variables the new code defines and the module
        /// lacks (`.data`, `.bss`): mapped read-write, never executable.
        case code = 1, readOnlyData = 2, unwindFrames = 3, writableData = 4

        /// How `inspect` names it.
        public var label: String {
            switch self {
            case .code: return "code"
            case .readOnlyData: return "rodata"
            case .unwindFrames: return "unwind"
            case .writableData: return "data"
            }
        }
    }

    public var name: String
    public var kind: Kind
    /// A power of two, at most a page.
    public var alignment: UInt32
    public var bytes: [UInt8]
    public var relocations: [PayloadRelocation]
    /// For writable data: its global variables by name and offset, which a
    /// payload stacked on this one may refer to (`RelocationTarget.payloadVariable`).
    public var variables: [Variable] = []

    public struct Variable: Sendable, Equatable {
        public var name: String
        public var offset: UInt64
        public init(name: String, offset: UInt64) { self.name = name; self.offset = offset }
    }

    public init(name: String, kind: Kind, alignment: UInt32, bytes: [UInt8], relocations: [PayloadRelocation],
                variables: [Variable] = []) {
        self.name = name
        self.kind = kind
        self.alignment = alignment
        self.bytes = bytes
        self.relocations = relocations
        self.variables = variables
    }
}

/// A relocation recorded by symbol, resolved against the live target when
/// the payload is applied, so new code shares the running program's state.
public struct PayloadRelocation: Sendable, Equatable {
    public var offset: UInt64
    public var type: RelocationType
    public var addend: Int64
    public var target: RelocationTarget

    public init(offset: UInt64, type: RelocationType, addend: Int64, target: RelocationTarget) {
        self.offset = offset
        self.type = type
        self.addend = addend
        self.target = target
    }
}

public enum RelocationTarget: Sendable, Hashable, CustomStringConvertible {
    /// Another section of this payload: new code or data that travels.
    case section(UInt32)
    /// A symbol bound at apply time, as the target's dynamic linker binds it
    /// for the patched module. With a `file`, the patched module's static of
    /// that name (kept for hand-made payloads; `build` emits `internal`).
    case symbol(name: String, file: String)
    /// A definition inside the patched module, bound at build time: its
    /// link-time address there (checked against the binary at build time,
    /// and against the live module's symbol of that name at apply time).
    case `internal`(name: String, file: String, address: UInt64)
    /// A new variable that another payload (by name) added: bound at apply
    /// time to where that payload, applied in the target, keeps it.
    case payloadVariable(payload: String, name: String)

    public var description: String {
        switch self {
        case let .section(i): return "section#\(i)"
        case let .symbol(name, file): return file.isEmpty ? name : "\(file):\(name)"
        case let .internal(name, file, address):
            return (file.isEmpty ? name : "\(file):\(name)") + "@0x" + String(address, radix: 16)
        case let .payloadVariable(payload, name): return "\(payload):\(name) (payload variable)"
        }
    }
}

/// The x86-64 relocation types a payload may carry, with their ELF numbers.
public enum RelocationType: UInt32, Sendable, CaseIterable, CustomStringConvertible {
    case abs64 = 1
    case pc32 = 2
    case gotpcrel = 9
    case abs32 = 10
    case abs32s = 11
    case plt32 = 4
    case gotpcrelx = 41
    case rexGotpcrelx = 42
    /// Initial-exec TLS: a GOT slot holding the variable's offset from the thread pointer.
    case gottpoff = 22
    /// Local-exec TLS: the variable's offset from the thread pointer itself.
    case tpoff32 = 23

    /// Whether it asks for a thread-local variable's offset, not an address.
    public var isTLS: Bool { self == .gottpoff || self == .tpoff32 }

    /// Bytes the relocation writes.
    public var width: Int { self == .abs64 ? 8 : 4 }

    public var description: String {
        switch self {
        case .abs64: return "R_X86_64_64"
        case .pc32: return "R_X86_64_PC32"
        case .gotpcrel: return "R_X86_64_GOTPCREL"
        case .abs32: return "R_X86_64_32"
        case .abs32s: return "R_X86_64_32S"
        case .plt32: return "R_X86_64_PLT32"
        case .gotpcrelx: return "R_X86_64_GOTPCRELX"
        case .rexGotpcrelx: return "R_X86_64_REX_GOTPCRELX"
        case .gottpoff: return "R_X86_64_GOTTPOFF"
        case .tpoff32: return "R_X86_64_TPOFF32"
        }
    }
}
