import Foundation
import TestSupport
import Testing

/// Every corpus program, live: each variant applies (on its declared base)
/// and changes exactly the output it declares; each wrong-build payload is
/// refused as foreign; everything reverts to the original bytes.
@Suite(.serialized) struct CorpusLiveTests {
    static let programs = ["counter", "workers", "libuser", "parked", "nopie", "cet", "recurse",
                           "callbacks", "clash", "chain", "strings", "hotloop", "churn"]

    @Test(arguments: programs)
    func everyVariantAppliesAndReverts(program: String) throws {
        let h = try LiveHarness(program)
        defer { h.process.stop() }
        let m = h.manifest
        let original = try h.codeSnapshot()
        // The parked thread never leaves park_here, so fixPark can only be refused.
        for v in m.variantOrder where v != "fixPark" {
            guard let spec = m.variants[v] else { continue }
            var active: [String] = []
            if let base = spec.onTopOf, !spec.alsoVirgin {
                let b = try h.apply(base)
                #expect(b.status == 0, "\(program) base \(base): \(b.stderr)")
                active.append(base)
            }
            let a = try h.apply(v, timeout: "10")
            #expect(a.status == 0, "\(program) \(v): \(a.stderr)")
            active.append(v)
            h.expectOutput(active, "\(program) with \(active)")
            for name in active.reversed() {
                let r = try h.revert(name)
                #expect(r.status == 0, "\(program) revert \(name): \(r.stderr)")
            }
            h.expectOutput([], "\(program) after reverting \(active)")
        }
        #expect(try h.codeSnapshot() == original)
        #expect(h.process.isAlive)
    }

    @Test(arguments: programs)
    func wrongBuildIsAlwaysForeign(program: String) throws {
        try Corpus.ensureBuilt()
        let m = try Manifest(program)
        guard let wrong = m.wrongBuild, let v = m.variantOrder.first(where: { m.variants[$0]?.onTopOf == nil }),
              let spec = m.variants[v] else { throw TestFailure("\(program): no wrong build or base variant") }
        // For a library the wrong build is the library of the wrong build.
        let wrongFile = m.module == "main" ? "\(m.dir)/\(wrong)" : "\(m.dir)/wrongbuild/\(m.module)"
        let out = Paths.tempDir("wrong") + "/\(program).xsp"
        let b = try Shell.xsplice(["build", "--binary", wrongFile, "--object", "\(m.dir)/\(v).o", "-o", out]
                                  + spec.functions.flatMap { ["--function", $0] })
        #expect(b.status == 0, "\(b.stderr)")
        let image = try Shell.xsplice("verify", "--image", m.patchedFile, out)
        #expect(image.status == 1 && image.stdout.contains("foreign"), "\(program): \(image.stdout)")
        let h = try LiveHarness(program)
        defer { h.process.stop() }
        let original = try h.codeSnapshot()
        let a = try h.xs("apply", "--pid", h.pid, out)
        #expect(a.status == 1 && a.stderr.contains("foreign"), "\(program): \(a.stderr)")
        #expect(try h.codeSnapshot() == original)
    }
}
