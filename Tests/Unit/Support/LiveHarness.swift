import TestSupport
import Foundation
import Testing
import Target

/// Shared steps of live tests: run a corpus program, drive the CLI against
/// it, and read back what the program prints and what its memory holds.
struct LiveHarness {
    let manifest: Manifest
    let process: LiveProcess

    init(_ program: String, args: [String] = ["60"]) throws {
        try Corpus.ensureBuilt()
        manifest = try Manifest(program)
        process = try LiveProcess(manifest.binaryPath, args: args)
        try process.waitUntilRunning()
    }

    var pid: String { String(process.pid) }

    func payload(_ variant: String) throws -> String { try Corpus.payload(manifest, variant) }

    @discardableResult
    func xs(_ args: String...) throws -> Shell.Result { try Shell.xsplice(args) }

    func apply(_ variant: String, timeout: String = "5") throws -> Shell.Result {
        try Shell.xsplice(["apply", "--pid", pid, "--timeout", timeout, try payload(variant)])
    }

    func revert(_ variant: String) throws -> Shell.Result {
        try Shell.xsplice(["revert", "--pid", pid, "\(manifest.program)-\(variant)"])
    }

    /// The tokens the program should print, starting from the original and
    /// overriding with each active variant in order.
    func expected(_ active: [String]) -> [String: String] {
        var t = manifest.originalTokens
        for v in active { for (k, x) in manifest.variants[v]?.tokens ?? [:] { t[k] = x } }
        return t
    }

    /// Waits for the program to print exactly `expected(active)`.
    func expectOutput(_ active: [String], _ note: Comment? = nil, sourceLocation: SourceLocation = #_sourceLocation) {
        let want = expected(active)
        let got = process.waitForTokens(want)
        #expect(got == want, note ?? "active \(active)", sourceLocation: sourceLocation)
    }

    /// The live bytes of every patchable function, to compare before/after.
    func codeSnapshot() throws -> [String: [UInt8]] {
        let t = try ProcessTarget(pid: process.pid)
        let m = try t.module(named: manifest.module == "main" ? "" : manifest.module)
        var out: [String: [UInt8]] = [:]
        for (name, _) in manifest.functions {
            // "a.c:helper" names a static by its source file.
            let parts = name.split(separator: ":", maxSplits: 1).map(String.init)
            let (file, symbol) = parts.count == 2 ? (parts[0], parts[1]) : ("", name)
            guard let s = m.symbol(named: symbol, file: file) else { throw TestFailure("no symbol \(name)") }
            out[name] = try t.read(m.liveAddress(s.value), count: Int(s.size))
        }
        return out
    }

    /// The registry as `list --json` reports it.
    func listJSON() throws -> String { try Shell.xsplice(["list", "--pid", pid, "--json"]).stdout }
}
