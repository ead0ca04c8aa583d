import Hash

/// A live patch: named replacement code for a set of functions, each with
/// the exact old bytes it expects to find. The ID is the SHA-256 of the
/// canonical body, so two payloads with the same content share an ID.
public struct Payload: Sendable, Equatable {
    public var name: String
    public var sections: [LoadSection]
    public var functions: [FunctionPatch]

    public init(name: String, sections: [LoadSection], functions: [FunctionPatch]) {
        self.name = name
        self.sections = sections
        self.functions = functions
    }

    /// The SHA-256 of the canonical body; stable across signing.
    public func id() throws -> Digest {
        try SHA256.hash(PayloadCodec.encodeBody(self))
    }

    /// The distinct target modules, "" standing for the main executable.
    public var modules: [String] {
        var seen: [String] = []
        for f in functions where !seen.contains(f.module) { seen.append(f.module) }
        return seen
    }
}

/// One function the payload replaces.
public struct FunctionPatch: Sendable, Equatable {
    /// "" for the main executable, else the soname of the shared library.
    public var module: String
    /// Optional guard: the module's GNU build-id, empty when not recorded.
    public var buildID: [UInt8]
    public var symbol: String
    /// The source file of a local (static) symbol, used to tell apart
    /// statics of the same name; empty for globals.
    public var file: String
    /// The link-time address (st_value) of the function in its module.
    public var oldAddress: UInt64
    public var oldBytes: [UInt8]
    public var oldHash: Digest
    /// Sorted and unique; the states in which `apply` may write.
    public var accepts: [PreState]
    /// Index into `Payload.sections`; the replacement starts at offset 0.
    public var replacementSection: UInt32

    public init(module: String, buildID: [UInt8], symbol: String, file: String, oldAddress: UInt64,
                oldBytes: [UInt8], oldHash: Digest, accepts: [PreState], replacementSection: UInt32) {
        self.module = module
        self.buildID = buildID
        self.symbol = symbol
        self.file = file
        self.oldAddress = oldAddress
        self.oldBytes = oldBytes
        self.oldHash = oldHash
        self.accepts = accepts
        self.replacementSection = replacementSection
    }

    public var oldSize: Int { oldBytes.count }

    /// How operators name this function: `file:symbol` for statics.
    public var displayName: String {
        let base = file.isEmpty ? symbol : "\(file):\(symbol)"
        return module.isEmpty ? base : "\(module)!\(base)"
    }
}

/// A state a payload accepts to find a function in before it writes.
public enum PreState: Sendable, Hashable, Comparable, CustomStringConvertible {
    case virgin
    case applied(Digest)

    public var description: String {
        switch self {
        case .virgin: return "virgin"
        case let .applied(id): return "applied(\(id.shortHex))"
        }
    }

    /// The form JSON output uses: "virgin" or "applied:<full ID>".
    public var key: String {
        switch self {
        case .virgin: return "virgin"
        case let .applied(id): return "applied:\(id.hex)"
        }
    }

    public static func < (a: PreState, b: PreState) -> Bool {
        switch (a, b) {
        case (.virgin, .applied): return true
        case (.applied, .virgin), (.virgin, .virgin): return false
        case let (.applied(x), .applied(y)): return x.bytes.lexicographicallyPrecedes(y.bytes)
        }
    }
}
