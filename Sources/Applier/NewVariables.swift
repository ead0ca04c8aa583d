import Payload

/// Variables a payload adds (its writable data) live in its own region for
/// as long as it is applied. The registry record of the payload that owns
/// them keeps their addresses by name, and the record of a payload that
/// uses them names the owner, so the owner cannot be taken out under it.
enum NewVariables {
    /// Where each named variable of `p` lies once `p` is loaded at `region`.
    static func addresses(_ p: Payload, region: UInt64) -> [String: UInt64]? {
        let layout = CodeLayout(p)
        var out: [String: UInt64] = [:]
        for (i, s) in p.sections.enumerated() where s.kind == .writableData {
            for v in s.variables {
                out[v.name] = region &+ UInt64(layout.sectionOffsets[i]) &+ v.offset
            }
        }
        return out.isEmpty ? nil : out
    }

    /// The payloads whose variables `p` refers to, by name.
    static func owners(_ p: Payload) -> [String]? {
        var seen = Set<String>()
        for s in p.sections {
            for r in s.relocations {
                if case let .payloadVariable(owner, _) = r.target { seen.insert(owner) }
            }
        }
        return seen.isEmpty ? nil : seen.sorted()
    }

    /// What the Linker may bind to: every applied payload's variables.
    static func applied(in registry: Registry) -> [String: [String: UInt64]] {
        var out: [String: [String: UInt64]] = [:]
        for r in registry.records {
            if let v = r.variables { out[r.name] = v }
        }
        return out
    }

    /// Refuses to take `record` out while another applied payload uses its variables.
    static func checkUnused(_ record: Registry.Record, in registry: Registry) throws(ApplierError) {
        guard record.variables != nil else { return }
        let users = registry.records.filter { $0.id != record.id && ($0.usesVariablesOf ?? []).contains(record.name) }
        if let user = users.first {
            throw .variablesInUse(payload: record.name, by: user.name)
        }
    }
}
