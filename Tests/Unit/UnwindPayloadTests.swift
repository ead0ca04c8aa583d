import ELF
import Foundation
import TestSupport
import Testing
@testable import Payload

/// What `build` puts in a payload's unwind section, and what the decoder
/// accepts there.
@Suite struct UnwindPayloadTests {
    func payload(_ program: String, _ object: String, _ function: String) throws -> Payload {
        try Corpus.ensureBuilt()
        let b = "\(Paths.corpusBuild)/\(program)"
        let bin = try ELFFile(bytes: [UInt8](try Data(contentsOf: URL(fileURLWithPath: "\(b)/\(program)"))))
        let obj = try ELFFile(bytes: [UInt8](try Data(contentsOf: URL(fileURLWithPath: "\(b)/\(object).o"))))
        let builder = PayloadBuilder(binary: bin, binaryName: program, object: obj, objectName: object)
        return try builder.build(.init(name: "t", functions: [FunctionSpec(name: function)])).payload
    }

    /// Every FDE starts in code that travels (the replacement or its cold
    /// part), bound to the loaded new code, never to the old function; its
    /// LSDA and personality word travel too.
    @Test func framesDescribeTheNewCodeOnly() throws {
        let p = try payload("exc", "fixRelay", "_Z5relayi")
        let unwind = p.sections.enumerated().filter { $0.element.kind == .unwindFrames }
        #expect(unwind.count == 1)
        guard let (_, eh) = unwind.first else { return }
        let records = try EhFrameRecords(eh.bytes)
        let fdes = records.records.filter { $0.cie != nil }
        let codeNames = Set(p.sections.filter { $0.kind == .code }.map(\.name))
        #expect(codeNames == [".text._Z5relayi", ".text.unlikely._Z5relayi"])
        #expect(fdes.count == 2)
        for fde in fdes {
            let start = eh.relocations.first { $0.offset == UInt64(fde.offset + 8) }
            guard case let .section(i)? = start?.target else {
                Issue.record("FDE at \(fde.offset) does not start in a payload section: \(String(describing: start))")
                continue
            }
            #expect(p.sections[Int(i)].kind == .code)
        }
        let named = Set(eh.relocations.compactMap { r -> String? in
            if case let .section(i) = r.target { return p.sections[Int(i)].name }
            return nil
        })
        #expect(named.contains(".gcc_except_table._Z5relayi"))
        #expect(named.contains(".data.rel.local.DW.ref.__gxx_personality_v0"))
        #expect(eh.namesPersonality)
        #expect(Array(eh.bytes.suffix(4)) == [0, 0, 0, 0])
        // The personality word itself binds to the library's routine at apply time.
        let ref = p.sections.first { $0.name == ".data.rel.local.DW.ref.__gxx_personality_v0" }
        #expect(ref?.kind == .readOnlyData)
        #expect(ref?.relocations.first?.target == .symbol(name: "__gxx_personality_v0", file: ""))
    }

    @Test func cCodeHasFramesWithoutPersonality() throws {
        let p = try payload("btrace", "fixWhere", "where")
        let eh = p.sections.first { $0.kind == .unwindFrames }
        #expect(eh != nil)
        #expect(eh?.namesPersonality == false)
    }

    /// Broken framing would send the target's unwinder off the end of the
    /// section: the decoder refuses it.
    @Test func malformedFramesAreRefused() throws {
        var p = try payload("exc", "fixThrow", "_Z7throweri")
        guard let i = p.sections.firstIndex(where: { $0.kind == .unwindFrames }) else {
            Issue.record("no unwind section")
            return
        }
        let good = p.sections[i]
        var cases: [(String, LoadSection)] = []
        var noTerminator = good
        noTerminator.bytes.removeLast(4)
        noTerminator.relocations = noTerminator.relocations.filter { $0.offset + 4 <= UInt64(noTerminator.bytes.count) }
        cases.append(("no terminator", noTerminator))
        var longRecord = good
        longRecord.bytes[0] = 0xf0
        cases.append(("a record longer than the section", longRecord))
        var badCIE = good
        let fde = try EhFrameRecords(good.bytes).records.first { $0.cie != nil }
        if let f = fde { badCIE.bytes[f.offset + 4] &+= 3 }
        cases.append(("an FDE naming no CIE", badCIE))
        var overFraming = good
        overFraming.relocations.append(PayloadRelocation(offset: 0, type: .pc32, addend: 0, target: .section(0)))
        overFraming.relocations.sort { $0.offset < $1.offset }
        cases.append(("a relocation over a length", overFraming))
        for (what, s) in cases {
            p.sections[i] = s
            #expect(throws: PayloadError.self, "\(what)") { try PayloadValidator.validate(p) }
        }
        p.sections[i] = good
        p.sections.append(good)
        #expect(throws: PayloadError.self, "two unwind sections") { try PayloadValidator.validate(p) }
    }
}
