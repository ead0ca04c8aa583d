import ELF

extension SectionLayout {
    /// Relocations of the general- and local-dynamic TLS models (and TLS
    /// descriptors), by ELF number: they ask for a module ID and a
    /// per-module offset at run time, which a live patch cannot honour.
    static let dynamicTLSModels: [UInt32: String] = [
        16: "general-dynamic", 17: "general-dynamic", 19: "general-dynamic", 20: "local-dynamic",
        21: "local-dynamic", 32: "local-dynamic", 34: "TLS-descriptor", 35: "TLS-descriptor", 36: "TLS-descriptor",
    ]

    static func refuseDynamicTLS(_ r: Relocation, table: [Symbol], user: String) throws {
        guard let model = dynamicTLSModels[r.type] else { return }
        let name = Int(r.symbolIndex) < table.count ? table[Int(r.symbolIndex)].name : "#\(r.symbolIndex)"
        throw BuildError.dynamicTLS(symbol: name.isEmpty ? "(a section's TLS)" : name, user: user, model: model)
    }
}
