import Foundation
import TestSupport
import Testing

/// Thread-local variables from new code, live: the program's own (a
/// file-static reached local-exec, a global reached initial-exec) and a
/// library's static TLS (initial-exec through a GOT slot), each read in two
/// threads whose values differ. A wrong offset reads another variable or
/// another thread's block, and the printed sums show it.
@Suite(.serialized) struct TLSLiveTests {
    let dir = Paths.tempDir("tls")

    @Test func newCodeReadsEveryThreadsOwnVariables() throws {
        try Corpus.ensureBuilt()
        let b = "\(Paths.corpusBuild)/tls"
        let out = "\(dir)/step.xsp"
        let built = try Shell.xsplice(["build", "--binary", "\(b)/tls", "--object", "\(b)/fixStep.o",
                                       "--function", "tls_step", "--name", "tls-step", "-o", out])
        #expect(built.status == 0, "\(built.stderr)")
        let shown = try Shell.xsplice(["inspect", out])
        #expect(shown.stdout.contains("R_X86_64_TPOFF32"), "\(shown.stdout)")
        #expect(shown.stdout.contains("R_X86_64_GOTTPOFF"), "\(shown.stdout)")
        let p = try LiveProcess("\(b)/tls", args: ["60"])
        defer { p.stop() }
        try p.waitUntilRunning()
        #expect(p.waitForTokens(["main": "6", "worker": "15"]) == ["main": "6", "worker": "15"])
        let a = try Shell.xsplice(["apply", "--pid", "\(p.pid)", out])
        #expect(a.status == 0, "\(a.stderr)")
        let want = ["main": "123", "worker": "456"]
        #expect(p.waitForTokens(want, timeout: 10) == want, "\(p.output.suffix(300))")
        let r = try Shell.xsplice(["revert", "--pid", "\(p.pid)", "tls-step"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(p.waitForTokens(["main": "6", "worker": "15"], timeout: 10) == ["main": "6", "worker": "15"])
        #expect(p.isAlive)
    }

    /// General dynamic (__tls_get_addr) has no offset to bind to: refused at
    /// build time, naming the variable, the function and the fix.
    @Test func generalDynamicIsRefusedAtBuild() throws {
        try Corpus.ensureBuilt()
        let src = "\(dir)/gd.c"
        try """
        #include "\(Paths.corpus)/tls/tls.h"
        int tls_step(void) { return t_shared + lib_tls; }
        """.write(toFile: src, atomically: true, encoding: .utf8)
        let obj = "\(dir)/gd.o"
        let cc = try Shell.run("/usr/bin/gcc", ["-O2", "-fPIC", "-ffunction-sections", "-c", src, "-o", obj])
        #expect(cc.status == 0, "\(cc.stderr)")
        let r = try Shell.xsplice(["build", "--binary", "\(Paths.corpusBuild)/tls/tls", "--object", obj,
                                   "--function", "tls_step", "-o", "\(dir)/gd.xsp"])
        #expect(r.status == 2, "\(r.stderr)")
        for w in ["t_shared", "tls_step", "general-dynamic", "-ftls-model=initial-exec"] {
            #expect(r.stderr.contains(w), "\(w) not in \(r.stderr)")
        }
        #expect(!FileManager.default.fileExists(atPath: "\(dir)/gd.xsp"))
    }
}
