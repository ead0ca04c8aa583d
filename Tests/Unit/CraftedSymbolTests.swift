import ELF
import Foundation
import TestSupport
import Testing

/// `xsplice build` on a binary whose symbol table lies about a function's
/// size: refused as bad input (exit 2), never a trap. The review found
/// `build` dying with "Not enough bits to represent the passed value" when
/// st_size did not fit an Int, past a containment check whose sum wrapped.
@Suite struct CraftedSymbolTests {
    let dir = Paths.tempDir("crafted")

    /// Sizes that wrap value + size around to a small address, that do not
    /// fit an Int, and that merely overrun every segment.
    @Test(arguments: ["wrap", "huge", "overrun"])
    func craftedSymbolSizeIsRefusedWithoutTrapping(kind: String) throws {
        try Corpus.ensureBuilt()
        let m = try Manifest("counter")
        var bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: m.binaryPath)))
        let elf = try ELFFile(bytes: bytes)
        let sym = try #require(elf.symbols.first { $0.name == "compute_a" })
        let size: UInt64
        switch kind {
        case "wrap": size = 0 &- sym.value &+ 0x10
        case "huge": size = 1 << 63
        default: size = 1 << 24
        }
        // Elf64_Sym: name, info, other, shndx (8 bytes), st_value, st_size.
        let symtab = try #require(elf.sections.first { $0.name == ".symtab" })
        let at = Int(symtab.offset) + sym.index * 24 + 16
        #expect(Array(bytes[at..<(at + 8)]) == le(sym.size))
        bytes.replaceSubrange(at..<(at + 8), with: le(size))
        let crafted = "\(dir)/counter.\(kind)"
        try Data(bytes).write(to: URL(fileURLWithPath: crafted))

        let r = try Shell.xsplice(["build", "--binary", crafted, "--object", "\(m.dir)/fixA.o",
                                   "--function", "compute_a", "-o", "\(dir)/out.xsp"])
        #expect(!r.killedBySignal && r.status == 2, "exit \(r.status) signal \(r.killedBySignal): \(r.stderr)")
        #expect(r.stderr.contains("compute_a"), "\(r.stderr)")
    }

    func le(_ v: UInt64) -> [UInt8] { (0..<8).map { UInt8(truncatingIfNeeded: v >> (8 * UInt64($0))) } }
}
