import Diff
import ELF
import TestSupport
import Foundation
import Testing

/// The objects are outside input: corrupting their debug information or
/// code must give an error or a plan, never a trap.
@Suite struct FixPlanMalformedTests {
    static let dir = Paths.corpusBuild + "/fixdiff"

    @Test func corruptedObjectsNeverTrap() throws {
        try Corpus.ensureBuilt()
        let binary = try BinaryImage(path: "fixdiff", file: try ELFFile(path: "\(Self.dir)/fixdiff"))
        let before = try ELFFile(path: "\(Self.dir)/orig/inl.o")
        let after = try ELFFile(path: "\(Self.dir)/fixed/inline/inl.o")
        let names: Set<String> = [".debug_info", ".debug_abbrev", ".rela.debug_info", ".text.inl_one", ".symtab"]
        let targets = after.sections.filter { names.contains($0.name) && $0.size > 0 }
        #expect(targets.count == names.count)
        var rng = SystemRandomNumberGenerator()
        var outcomes = (plans: 0, errors: 0)
        for round in 0..<400 {
            var bytes = after.bytes
            let s = targets[round % targets.count]
            for _ in 0..<(1 + round % 4) {
                let at = Int(s.offset) + Int.random(in: 0..<Int(s.size), using: &rng)
                bytes[at] = UInt8.random(in: 0...255, using: &rng)
            }
            do {
                let unit = try ObjectUnit(path: "mutant.o", file: try ELFFile(bytes: bytes))
                let original = try ObjectUnit(path: "inl.o", file: before)
                let plan = try FixPlan(binary: binary, pairs: [.init(before: original, after: unit)])
                _ = FixReport(plan).lines(explain: true)
                outcomes.plans += 1
            } catch {
                outcomes.errors += 1
            }
        }
        #expect(outcomes.plans + outcomes.errors > 300)
    }
}
