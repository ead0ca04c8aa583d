import Hash
import Payload

/// A payload held in the store: the decoded file and what `watch` matches a
/// process against (the module it patches and that module's build-id).
public struct StoredPayload: Sendable {
    public let path: String
    public let file: PayloadFile

    public var id: Digest { file.id }
    public var name: String { file.payload.name }
    /// "" for the main executable, else the library's soname.
    public var module: String { file.payload.modules.first ?? "" }
    /// The build-id the payload was built against; nil when it names none,
    /// and then only the byte-for-byte check of the old code decides.
    public var buildID: [UInt8]? {
        file.payload.functions.first { $0.module == module && !$0.buildID.isEmpty }?.buildID
    }
    /// The payloads this one stacks on: it accepts a function only as
    /// `applied(Q)` for these Q (besides `virgin`, if it accepts that too).
    public var stacksOn: Set<Digest> {
        var ids = Set<Digest>()
        for f in file.payload.functions {
            for case let .applied(q) in f.accepts { ids.insert(q) }
        }
        return ids
    }

    /// The file name the store keeps it under: its ID, so that the name
    /// alone says which payload a file must hold.
    public static func fileName(for id: Digest) -> String { id.hex + ".xsp" }

    public var moduleText: String { module.isEmpty ? "main executable" : module }
}

/// What `store list` shows for one payload; JSON field names are a contract.
public struct StoreListing: Codable, Sendable {
    public var id: String
    public var name: String
    public var module: String
    public var build_id: String?
    public var functions: Int
    public var signed: Bool
    public var path: String

    public init(_ s: StoredPayload) {
        id = s.id.hex
        name = s.name
        module = s.module
        build_id = s.buildID.map { Hex.encode($0) }
        functions = s.file.payload.functions.count
        signed = ((try? s.file.signatures()) ?? []).isEmpty == false
        path = s.path
    }

    public var text: String {
        let mod = module.isEmpty ? "(main)" : module
        return "\(id.prefix(12)) \(name) \(mod) build-id \(build_id ?? "none") \(functions) function(s)"
            + (signed ? " signed" : "")
    }
}
