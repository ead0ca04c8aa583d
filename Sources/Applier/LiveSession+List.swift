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
        return
            "\(j.operation) (\(j.committed ? "to be finished" : "to be abandoned") by the next command or `xsplice " +
                "recover`)"
    }

    public func list() throws -> [ListEntry] {
        let reg = try registry()
        let fmt = ISO8601DateFormatter()
        return reg.records.map { r in
            ListEntry(name: r.name, id: r.id.hex,
                      applied_at: fmt.string(from: Date(timeIntervalSince1970: Double(r.appliedAtMicros) / 1_000_000)),
                      region: hex(r.regionAddress), functions: r.functions.map { fn in
                          let state: String
                          switch (try? standing(of: r, at: fn, in: reg))
                              ?? .foreign(.unreadable("the function cannot be read")) {
                          case .intact: state = "active"
                          case let .covered(by: top): state = "beneath \(reg.payloadName(top) ?? top.shortHex)"
                          case .notRecorded: state = "MISMATCH (not recorded at its own entry)"
                          case let .foreign(why): state = "MISMATCH (live memory differs: \(why))"
                          }
                          return .init(function: fn.displayName, address: hex(fn.site.entryAddress),
                                       replacement: hex(fn.site.replacementAddress), live: state)
                      })
        }
    }
}
