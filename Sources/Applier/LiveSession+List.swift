import Foundation
import Hash
import OldCodeCheck
import Payload

/// What `list` shows for each applied payload; JSON field names are a contract.
public struct ListEntry: Codable, Sendable {
    public struct Function: Codable, Sendable {
        public var function: String
        public var address: String
        public var replacement: String
        /// Whether live memory still holds this payload's jump (or a
        /// payload stacked on it); live memory wins over the registry.
        public var live: String
    }
    public var name: String
    public var id: String
    public var applied_at: String
    public var region: String
    public var functions: [Function]
}

extension LiveSession {
    /// An interrupted operation waiting for `recover`, if any.
    public func pendingOperation() throws -> String? {
        guard let j = try registry().journal else { return nil }
        return "\(j.operation) (\(j.committed ? "to be finished" : "to be abandoned") by the next command or `xsplice recover`)"
    }

    public func list() throws -> [ListEntry] {
        let reg = try registry()
        let fmt = ISO8601DateFormatter()
        return try reg.records.map { r in
            ListEntry(name: r.name, id: r.id.hex,
                      applied_at: fmt.string(from: Date(timeIntervalSince1970: Double(r.appliedAtMicros) / 1_000_000)),
                      region: hex(r.regionAddress), functions: try r.functions.map { fn in
                          let live = try target.read(fn.site.patchAddress, count: Trampoline.jumpSize)
                          let jumpTo = PatchSite(oldBytes: [], entry: fn.site.patchAddress).jumpTarget(in: live)
                          let stack = reg.stack(atEntry: fn.site.entryAddress)
                          let state: String
                          if jumpTo == fn.site.replacementAddress { state = "active" }
                          else if let top = stack.last, top.payloadID != r.id, jumpTo == top.replacementAddress {
                              state = "beneath \(reg.payloadName(top.payloadID) ?? top.payloadID.shortHex)"
                          } else { state = "MISMATCH (live memory differs)" }
                          return .init(function: fn.displayName, address: hex(fn.site.entryAddress),
                                       replacement: hex(fn.site.replacementAddress), live: state)
                      })
        }
    }
}
