import Foundation
import Hash
import Payload

/// Text and JSON forms of verify reports. JSON field names are a contract
/// for fleet tooling: add fields, never rename them.
public enum ReportRendering {
    public static func text(_ reports: [PayloadReport]) -> String {
        var out = ""
        for r in reports {
            out += "payload \(r.name) \(r.id.hex)\n"
            for f in r.functions {
                let addr = f.address.map { "0x" + String($0, radix: 16) } ?? "-"
                var state = f.state.description
                if let n = f.stateName { state = "applied(\(n) \(f.stateIDShort))" }
                let notAccepted = f.stateIsApplied || f.state == .virgin
                let mark = f.accepted || !notAccepted ? "" : "  (not an accepted pre-state)"
                out += "  \(pad(f.function.displayName, 28)) \(pad(addr, 16)) \(state)\(mark)\n"
                if case let .foreign(why) = f.state {
                    out += "      \(why)\n"
                    if let d = why.diff { out += diffText(d, function: f.function) }
                }
            }
            let accepts = r.functions.map { f in
                "\(f.function.symbol)=" + f.function.accepts.map(\.description).joined(separator: "|")
            }
            out += "  accepts: " + accepts.joined(separator: " ") + "\n"
            out += "verdict: \(r.verdict.rawValue)\n"
        }
        return out
    }

    static func diffText(_ d: ByteDiff, function: FunctionPatch) -> String {
        var s = "      first difference at +0x\(String(d.offset, radix: 16))"
            + " (window from +0x\(String(d.windowStart, radix: 16)))\n"
        s += "      expected: \(Hex.encode(d.expected, separator: " "))\n"
        s += "      found:    \(Hex.encode(d.found, separator: " "))\n"
        s += "      expected code:\n"
        for i in d.expectedDisassembly { s += "        \(i)\n" }
        s += "      found code:\n"
        for i in d.foundDisassembly { s += "        \(i)\n" }
        return s
    }

    static func pad(_ s: String, _ n: Int) -> String {
        s.count >= n ? s : s + String(repeating: " ", count: n - s.count)
    }

    // MARK: JSON

    public struct JSONFunction: Codable, Sendable {
        public var module: String
        public var symbol: String
        public var file: String
        public var address: String?
        public var state: String
        public var applied_by: String?
        public var applied_by_name: String?
        public var accepted: Bool
        public var accepts: [String]
        public var reason: String?
        public var diff: JSONDiff?
    }
    public struct JSONDiff: Codable, Sendable {
        public var offset: Int
        public var expected: String
        public var found: String
        public var expected_asm: [String]
        public var found_asm: [String]
    }
    public struct JSONPayload: Codable, Sendable {
        public var name: String
        public var id: String
        public var verdict: String
        public var functions: [JSONFunction]
    }

    public static func json(_ r: PayloadReport) -> JSONPayload {
        JSONPayload(name: r.name, id: r.id.hex, verdict: r.verdict.rawValue, functions: r.functions.map { f in
            var appliedBy: String?
            var reason: String?
            var diff: JSONDiff?
            switch f.state {
            case let .applied(id): appliedBy = id.hex
            case let .foreign(why):
                reason = why.description
                diff = why.diff.map {
                    JSONDiff(offset: $0.offset, expected: Hex.encode($0.expected), found: Hex.encode($0.found),
                             expected_asm: $0.expectedDisassembly.map(\.description),
                             found_asm: $0.foundDisassembly.map(\.description))
                }
            case .virgin: break
            }
            let stateWord: String
            switch f.state {
            case .virgin: stateWord = "virgin"
            case .applied: stateWord = "applied"
            case .foreign: stateWord = "foreign"
            }
            return JSONFunction(module: f.function.module, symbol: f.function.symbol, file: f.function.file,
                                address: f.address.map { "0x" + String($0, radix: 16) }, state: stateWord,
                                applied_by: appliedBy, applied_by_name: f.stateName, accepted: f.accepted,
                                accepts: f.function.accepts.map(\.key), reason: reason, diff: diff)
        })
    }
}

extension FunctionReport {
    var stateIDShort: String {
        if case let .applied(id) = state { return id.shortHex }
        return ""
    }
}
