import Applier
import Foundation
import OldCodeCheck
import Payload
import TestSupport
import Testing

/// Failures are typed cases that tests can compare, each with its exit code,
/// and the words an operator reads are the right ones.
@Suite struct TypedErrorTests {
    @Test func functionSpecsThatNameNothingAreTypedCases() {
        #expect(throws: BuildError.unreadableFunctionSpec("a.c:")) { try FunctionSpec(parsing: "a.c:") }
        #expect(throws: BuildError.unreadableAddress("f@0xzz")) { try FunctionSpec(parsing: "f@0xzz") }
    }

    @Test func refusalsExitOneAndBadInputExitsTwo() {
        let rejection = ApplierError.Rejection(function: "compute_a", found: "foreign", reason: .tailHashDiffers,
                                               accepted: ["virgin"])
        let refusals: [ApplierError] = [
            .notAccepted(payload: "fixC", functions: [rejection], when: .beforeLoading),
            .pendingOperation("apply fixA"), .operationInProgress(pid: 7, operation: "revert fixA"),
            .journalTakenOver(operation: "apply fixA"), .journalForeign(function: "compute_a", address: 0x1000),
            .registryWriteUnproven(function: "compute_a", address: 0x1000, reason: "no such function"),
            .foreign(function: "compute_a", payload: "fixA", reason: .noJump),
        ]
        for e in refusals {
            #expect(e.exitCode == 1, "\(e)")
            #expect(e.description.hasPrefix("refused:"), "\(e)")
        }
        #expect(ApplierError.notApplied("x", applied: []).exitCode == 2)
        #expect(ApplierError.inconsistent("x").exitCode == 3)
        // Equatable: the reason is part of the case, not free text.
        #expect(ApplierError.foreign(function: "f", payload: "p", reason: .tailHashDiffers)
                != ApplierError.foreign(function: "f", payload: "p", reason: .tailUnproven))
    }

    @Test func busyTimeoutReportsTheTimeSpent() {
        let e = ApplierError.busy(thread: 12, function: "compute_a", how: "executing", seconds: 0.4321)
        #expect(e.description.contains("after 0.43 s"), "\(e)")
    }

    @Test func aPayloadThatCannotBeWrittenIsSaidSo() throws {
        try Corpus.ensureBuilt()
        let m = try Manifest("counter")
        let r = try Shell.xsplice(["build", "--binary", m.binaryPath, "--object", "\(m.dir)/fixA.o",
                                   "-o", "/nonexistent-dir/fixA.xsp"])
        #expect(r.status == 2, "\(r.stderr)")
        #expect(r.stderr.contains("cannot write payload /nonexistent-dir/fixA.xsp"), "\(r.stderr)")
        #expect(!r.stderr.contains("cannot read"), "\(r.stderr)")
    }
}
