import Foundation
import Hash
@testable import Payload
import TestSupport
import Testing

/// Payloads crafted to break things, applied to a live process: each is
/// refused as bad input (exit 2) with a reason, and the target is unchanged.
@Suite(.serialized) struct HostilePayloadTests {
    /// The real counter fixA payload, altered by `change`, written without
    /// validation (as an attacker would).
    func craft(_ name: String, _ change: (inout Payload) throws -> Void) throws -> String {
        try Corpus.ensureBuilt()
        var p = try PayloadFile.load(path: try Corpus.payload(try Manifest("counter"), "fixA")).payload
        try change(&p)
        let path = Paths.tempDir("hostile") + "/\(name).xsp"
        try Data(PayloadFile(payload: p).encoded()).write(to: URL(fileURLWithPath: path))
        return path
    }

    static let cases: [String] = [
        "relocation-outside-code", "oversized-code", "control-characters", "ten-thousand-functions",
        "function-twice", "module-not-loaded", "unresolvable-symbol", "replacement-is-data", "bad-old-hash",
    ]

    func hostile(_ name: String) throws -> String {
        switch name {
        case "relocation-outside-code":
            return try craft(name) { $0.sections[0].relocations[0].offset = UInt64($0.sections[0].bytes.count + 100) }
        case "oversized-code":
            return try craft(name) {
                $0.sections[0].bytes = [UInt8](repeating: 0x90, count: PayloadLimits.maxSectionSize + 1)
            }
        case "control-characters":
            return try craft(name) { $0.functions[0].symbol = "compute_a\u{1b}[31m" }
        case "ten-thousand-functions":
            return try craft(name) { p in
                let f = p.functions[0]
                p.functions = (0..<10_000).map { i in var g = f; g.symbol = "f\(i)"; return g }
            }
        case "function-twice":
            return try craft(name) { $0.functions.append($0.functions[0]) }
        case "module-not-loaded":
            return try craft(name) { $0.functions[0].module = "libnot-loaded.so.7" }
        case "unresolvable-symbol":
            return try craft(name) {
                $0.sections[0].relocations[0].target = .symbol(name: "no_such_symbol_anywhere", file: "")
            }
        case "replacement-is-data":
            return try craft(name) { p in
                p.sections.append(
                    LoadSection(name: ".rodata", kind: .readOnlyData, alignment: 8, bytes: [1, 2, 3], relocations: []))
                p.functions[0].replacementSection = UInt32(p.sections.count - 1)
            }
        default:  // bad-old-hash
            return try craft(name) { $0.functions[0].oldHash = try SHA256.hash([1, 2, 3]) }
        }
    }

    @Test(arguments: cases)
    func refusedAsBadInputWithTheTargetUnchanged(name: String) throws {
        let path = try hostile(name)
        let h = try LiveHarness("counter")
        defer { h.process.stop() }
        let original = try h.codeSnapshot()
        let mapsBefore = try String(contentsOfFile: "/proc/\(h.pid)/maps", encoding: .utf8)
        // Well-formed payloads that do not fit this process can still be inspected.
        let wellFormed = ["module-not-loaded", "unresolvable-symbol"].contains(name)
        var commands = [["apply", "--pid", h.pid, path]]
        if name != "unresolvable-symbol" { commands.append(["verify", "--pid", h.pid, path]) }
        if !wellFormed { commands.append(["inspect", path]) }
        for cmd in commands {
            let r = try Shell.xsplice(cmd)
            #expect(r.status == 2, "\(name) \(cmd[0]): \(r.status) \(r.stdout) \(r.stderr)")
            #expect(r.stderr.hasPrefix("xsplice: ") && r.stderr.split(separator: "\n").count == 1, "\(r.stderr)")
            #expect(!r.stderr.contains("\u{1b}"), "control characters reached the terminal")
        }
        #expect(try h.codeSnapshot() == original)
        #expect(try String(contentsOfFile: "/proc/\(h.pid)/maps", encoding: .utf8) == mapsBefore)
        h.expectOutput([])
    }
}
