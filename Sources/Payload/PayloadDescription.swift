import Hash

/// What `inspect` shows; JSON field names are a contract.
public struct PayloadDescription: Codable, Sendable {
    public struct Relocation: Codable, Sendable {
        public var offset: UInt64
        public var type: String
        public var target: String
        public var addend: Int64
    }
    public struct Function: Codable, Sendable {
        public var module: String
        public var build_id: String
        public var symbol: String
        public var file: String
        public var old_address: String
        public var old_size: Int
        public var old_sha256: String
        public var accepts: [String]
        public var replacement_section: String
        public var replacement_size: Int
        public var relocations: [Relocation]
    }
    public struct Section: Codable, Sendable {
        public var name: String
        public var kind: String
        public var size: Int
        public var alignment: UInt32
        public var relocations: Int
    }
    public var name: String
    public var id: String
    public var format_version: Int
    public var modules: [String]
    public var signatures: Int
    /// Key IDs (SHA-256 of the raw public key) of the signature records.
    public var signature_keys: [String]
    public var functions: [Function]
    public var sections: [Section]

    public init(_ file: PayloadFile) {
        let p = file.payload
        name = p.name
        id = file.id.hex
        format_version = Int(PayloadCodec.version)
        modules = p.modules.map { $0.isEmpty ? "(main)" : $0 }
        // A decoded file's signature records are already validated.
        let sigs = (try? file.signatures()) ?? []
        signatures = sigs.count
        signature_keys = sigs.map(\.keyID.hex)
        let describe: (PayloadRelocation) -> Relocation = { r in
            let t: String
            switch r.target {
            case let .section(i): t = Int(i) < p.sections.count ? p.sections[Int(i)].name : "section#\(i)"
            case .symbol: t = r.target.description + " (bound at apply time)"
            case .internal: t = r.target.description + " (in the module)"
            case let .payloadVariable(owner, name):
                t = "\(name) (new variable of payload \(owner), bound at apply time)"
            }
            return Relocation(offset: r.offset, type: r.type.description, target: t, addend: r.addend)
        }
        functions = p.functions.map { f in
            let s = p.sections[Int(f.replacementSection)]
            return Function(module: f.module.isEmpty ? "(main)" : f.module, build_id: Hex.encode(f.buildID),
                            symbol: f.symbol, file: f.file, old_address: "0x" + String(f.oldAddress, radix: 16),
                            old_size: f.oldSize, old_sha256: f.oldHash.hex,
                            accepts: f.accepts.map(\.key),
                            replacement_section: s.name, replacement_size: s.bytes.count,
                            relocations: s.relocations.map(describe))
        }
        sections = p.sections.map {
            Section(name: $0.name, kind: $0.kind.label, size: $0.bytes.count,
                    alignment: $0.alignment, relocations: $0.relocations.count)
        }
    }

    public var text: String {
        var s =
            "payload \(name)\n  id       \(id)\n  format   v\(format_version)\n  modules  " +
                "\(modules.joined(separator: ", "))\n  signed   \(signatures > 0 ? "yes (\(signatures))" : "no")\n"
        for k in signature_keys { s += "    key    \(k)\n" }
        for f in functions {
            s += "  function \(f.file.isEmpty ? "" : f.file + ":")\(f.symbol)  [\(f.module)]\n"
            s += "    old        \(f.old_address), \(f.old_size) bytes, sha256 \(f.old_sha256)\n"
            s +=
                "    accepts    " +
                    f.accepts.map { $0.hasPrefix("applied:") ? "applied(\($0.dropFirst(8).prefix(12)))" : $0 }
                        .joined(separator: ", ") + "\n"
            s +=
                "    new        \(f.replacement_section), \(f.replacement_size) bytes, \(f.relocations.count) " +
                    "relocations\n"
            for r in f.relocations {
                s +=
                    "      +0x\(String(r.offset, radix: 16))  \(r.type)  " +
                        "\(r.target)\(r.addend >= 0 ? "+" : "")\(r.addend)\n"
            }
        }
        let replacements = Set(functions.map(\.replacement_section))
        let extra = sections.filter { !replacements.contains($0.name) }
        if !extra.isEmpty {
            s += "  also loads\n"
            for x in extra { s += "    \(x.name) (\(x.kind), \(x.size) bytes, \(x.relocations) relocations)\n" }
        }
        return s
    }
}
