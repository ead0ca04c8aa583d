import Foundation
import Testing
@testable import ELF

/// Hostile and damaged inputs: each must produce a typed ELFError, never a trap.
@Suite("ELF reader on malformed input")
struct ELFMalformedTests {
    // MARK: helpers

    static func load(_ path: String) throws -> [UInt8] {
        try [UInt8](Data(contentsOf: URL(fileURLWithPath: path)))
    }

    static func put<T: FixedWidthInteger>(_ value: T, at offset: Int, in bytes: inout [UInt8]) {
        for i in 0..<(T.bitWidth / 8) {
            bytes[offset + i] = UInt8(truncatingIfNeeded: value >> (8 * i))
        }
    }

    static func read64(_ bytes: [UInt8], _ offset: Int) -> UInt64 {
        (0..<8).reduce(0) { $0 | UInt64(bytes[offset + $1]) << (8 * UInt64($1)) }
    }

    /// Parses `bytes` and returns the ELFError it threw, recording an issue
    /// if it threw something else or succeeded.
    static func error(parsing bytes: [UInt8], sourceLocation: SourceLocation = #_sourceLocation) -> ELFError? {
        do {
            _ = try ELFFile(bytes: bytes)
            Issue.record("expected an ELFError, but parsing succeeded", sourceLocation: sourceLocation)
        } catch let e as ELFError {
            return e
        } catch {
            Issue.record("expected an ELFError, got \(error)", sourceLocation: sourceLocation)
        }
        return nil
    }

    /// Calls every query on a file that parsed, so damage that slips past
    /// init is still exercised. Only ELFError may come out.
    static func exercise(_ file: ELFFile) {
        _ = file.buildID
        _ = file.soname
        _ = file.loadBias
        for section in file.sections {
            _ = try? file.sectionData(section)
            _ = file.symbolTable(for: section)
            _ = file.relocationSections(applyingTo: section.index)
            do { _ = try file.relocations(in: section) } catch is ELFError {} catch {
                Issue.record("non-ELFError \(error)")
            }
        }
        for symbol in file.symbols.prefix(64) + file.dynamicSymbols.prefix(64) {
            let count = Int(clamping: min(symbol.size, 4096))
            do { _ = try file.bytes(atVirtualAddress: symbol.value, count: count) } catch is ELFError {} catch {
                Issue.record("non-ELFError \(error)")
            }
        }
        for segment in file.segments {
            _ = try? file.fileOffset(forVirtualAddress: segment.virtualAddress, count: segment.memorySize)
        }
    }

    // MARK: identity

    @Test func identityErrors() throws {
        let f = try ELFFixtures.get()
        let good = try Self.load(f.pie)
        #expect(Self.error(parsing: []) == .tooSmall(needed: 64, found: 0))
        #expect(Self.error(parsing: [0x7f, 0x45, 0x4c]) == .tooSmall(needed: 64, found: 3))
        #expect(Self.error(parsing: Array(good.prefix(10))) == .tooSmall(needed: 64, found: 10))
        #expect(Self.error(parsing: Array(good.prefix(63))) == .tooSmall(needed: 64, found: 63))
        #expect(
            Self.error(parsing: Array("#!/bin/sh\necho hello, this is not ELF at all, just a script...\n".utf8))
                == .badMagic)

        var bytes = good; bytes[1] = 0x46
        #expect(Self.error(parsing: bytes) == .badMagic)
        bytes = good; bytes[4] = 1  // ELFCLASS32
        #expect(Self.error(parsing: bytes) == .notELF64)
        bytes = good; bytes[5] = 2  // ELFDATA2MSB
        #expect(Self.error(parsing: bytes) == .notLittleEndian)
        bytes = good; bytes[6] = 0  // EI_VERSION
        #expect(Self.error(parsing: bytes) == .unsupportedVersion)
        bytes = good; Self.put(UInt32(2), at: 20, in: &bytes)  // e_version
        #expect(Self.error(parsing: bytes) == .unsupportedVersion)
        bytes = good; Self.put(UInt16(3), at: 18, in: &bytes)  // EM_386
        #expect(Self.error(parsing: bytes) == .unsupportedMachine(3))
        bytes = good; Self.put(UInt16(183), at: 18, in: &bytes)  // EM_AARCH64
        #expect(Self.error(parsing: bytes) == .unsupportedMachine(183))
        bytes = good; Self.put(UInt16(52), at: 52, in: &bytes)  // e_ehsize of ELF32
        #expect(Self.error(parsing: bytes) == .badEntrySize(what: "ELF header (e_ehsize)", expected: 64, found: 52))
        // Unknown e_type is reported, not rejected.
        bytes = good; Self.put(UInt16(0xfe00), at: 16, in: &bytes)
        #expect(try ELFFile(bytes: bytes).fileType == .other(0xfe00))
    }

    // MARK: header tables

    @Test func headerTableCorruption() throws {
        let f = try ELFFixtures.get()
        let good = try Self.load(f.pie)
        let file = try ELFFile(bytes: good)
        let n = good.count
        let shnum = UInt64(file.sections.count)
        let shoff = Self.read64(good, 40)
        let phoff = Self.read64(good, 32)
        let huge: UInt64 = 0xffff_ffff_ffff_ff00

        var bytes = good; Self.put(huge, at: 40, in: &bytes)
        #expect(
            Self.error(parsing: bytes)
                == .outOfBounds(what: "section header table", offset: huge, size: shnum * 64, fileSize: n))
        bytes = good; Self.put(UInt64(n), at: 40, in: &bytes)
        #expect(
            Self.error(parsing: bytes)
                == .outOfBounds(what: "section header table", offset: UInt64(n), size: shnum * 64, fileSize: n))
        bytes = good; Self.put(huge, at: 32, in: &bytes)
        #expect(
            Self.error(parsing: bytes)
                == .outOfBounds(
                    what: "program header table", offset: huge, size: UInt64(file.segments.count) * 56, fileSize: n))
        bytes = good; Self.put(UInt16(0xfeff), at: 60, in: &bytes)  // e_shnum
        #expect(
            Self.error(parsing: bytes)
                == .outOfBounds(what: "section header table", offset: shoff, size: 0xfeff * 64, fileSize: n))
        bytes = good; Self.put(UInt16(0xfffe), at: 56, in: &bytes)  // e_phnum
        #expect(
            Self.error(parsing: bytes)
                == .outOfBounds(what: "program header table", offset: phoff, size: 0xfffe * 56, fileSize: n))
        bytes = good; Self.put(UInt16(0xffff), at: 56, in: &bytes)  // PN_XNUM
        #expect(Self.error(parsing: bytes) == .extendedNumbering(what: "program header count (e_phnum)"))
        bytes = good; Self.put(UInt16(0), at: 60, in: &bytes)  // e_shnum 0 with e_shoff set
        #expect(Self.error(parsing: bytes) == .extendedNumbering(what: "section header count (e_shnum)"))
        bytes = good; Self.put(UInt16(0xffff), at: 62, in: &bytes)  // SHN_XINDEX
        #expect(Self.error(parsing: bytes) == .extendedNumbering(what: "section name table index (e_shstrndx)"))
        bytes = good; Self.put(UInt16(shnum + 5), at: 62, in: &bytes)
        #expect(
            Self.error(parsing: bytes)
                == .badSectionIndex(
                    what: "section name table (e_shstrndx)", index: UInt32(shnum + 5), sectionCount: Int(shnum)))
        bytes = good; Self.put(UInt16(1), at: 62, in: &bytes)  // .interp is PROGBITS
        #expect(
            Self.error(parsing: bytes)
                == .badSectionType(what: "section name table (e_shstrndx)", index: 1, expected: 3, found: 1))
        bytes = good; Self.put(UInt16(32), at: 54, in: &bytes)
        #expect(
            Self.error(parsing: bytes)
                == .badEntrySize(what: "program header table (e_phentsize)", expected: 56, found: 32))
        bytes = good; Self.put(UInt16(40), at: 58, in: &bytes)
        #expect(
            Self.error(parsing: bytes)
                == .badEntrySize(what: "section header table (e_shentsize)", expected: 64, found: 40))

        // A stripped-of-sections file (e_shoff = e_shnum = 0) still reads, via segments.
        bytes = good
        Self.put(UInt64(0), at: 40, in: &bytes)
        Self.put(UInt16(0), at: 60, in: &bytes)
        Self.put(UInt16(0), at: 62, in: &bytes)
        let sectionless = try ELFFile(bytes: bytes)
        #expect(sectionless.sections.isEmpty && sectionless.symbols.isEmpty)
        #expect(sectionless.buildID == file.buildID && sectionless.buildID != nil)
        let so = try Self.load(f.sharedObject)
        bytes = so
        Self.put(UInt64(0), at: 40, in: &bytes)
        Self.put(UInt16(0), at: 60, in: &bytes)
        Self.put(UInt16(0), at: 62, in: &bytes)
        #expect(try ELFFile(bytes: bytes).soname == "libfix.so.1")  // via PT_DYNAMIC + DT_STRTAB
    }

    @Test func segmentCorruption() throws {
        let f = try ELFFixtures.get()
        let good = try Self.load(f.nonPIE)
        let file = try ELFFile(bytes: good)
        let phoff = Int(Self.read64(good, 32))
        let i = try #require(file.segments.firstIndex { $0.type == ProgramHeader.load && $0.fileSize > 0 })
        let base = phoff + i * 56
        var bytes = good; Self.put(UInt64.max, at: base + 8, in: &bytes)  // p_offset
        #expect(Self.error(parsing: bytes) == .outOfBounds(what: "contents of program header \(i) (type 1)",
                    offset: UInt64.max, size: file.segments[i].fileSize, fileSize: good.count))
        bytes = good; Self.put(UInt64.max - 1, at: base + 32, in: &bytes)  // p_filesz
        #expect(Self.error(parsing: bytes) == .outOfBounds(what: "contents of program header \(i) (type 1)",
                    offset: file.segments[i].offset, size: UInt64.max - 1, fileSize: good.count))
        // A PT_LOAD whose memory range wraps past 2^64, or with filesz > memsz, is refused.
        bytes = good; Self.put(UInt64.max - 0x10, at: base + 16, in: &bytes)  // p_vaddr
        guard case .badSegment(index: i, _)? = Self.error(parsing: bytes) else {
            Issue.record("expected badSegment"); return
        }
        bytes = good; Self.put(file.segments[i].fileSize + 1, at: base + 40, in: &bytes)  // p_memsz
        _ = try ELFFile(bytes: bytes)  // memsz > filesz is normal (.bss)
        bytes = good; Self.put(file.segments[i].fileSize - 1, at: base + 40, in: &bytes)
        guard case .badSegment(index: i, _)? = Self.error(parsing: bytes) else {
            Issue.record("expected badSegment"); return
        }
        // Ranges that wrap past 2^64 are never mapped.
        #expect(throws: ELFError.addressNotMapped(UInt64.max - 8)) {
            try file.bytes(atVirtualAddress: UInt64.max - 8, count: 0x100)
        }
    }

    // MARK: section contents and names

    @Test func sectionCorruption() throws {
        let f = try ELFFixtures.get()
        let good = try Self.load(f.object)
        let file = try ELFFile(bytes: good)
        let shoff = Int(Self.read64(good, 40))
        let text = try #require(file.section(named: ".text.myfunc"))
        let base = shoff + text.index * 64
        let n = good.count

        var bytes = good; Self.put(UInt64.max - 3, at: base + 24, in: &bytes)  // sh_offset
        #expect(
            Self.error(parsing: bytes)
                == .outOfBounds(
                    what: "contents of section \(text.index)", offset: UInt64.max - 3, size: text.size, fileSize: n))
        bytes = good; Self.put(UInt64(1) << 62, at: base + 32, in: &bytes)  // sh_size
        #expect(
            Self.error(parsing: bytes)
                == .outOfBounds(
                    what: "contents of section \(text.index)", offset: text.offset, size: 1 << 62, fileSize: n))
        bytes = good; Self.put(UInt32.max, at: base, in: &bytes)  // sh_name
        let shstrtab = file.sections[Int(good[62]) | Int(good[63]) << 8]
        #expect(
            Self.error(parsing: bytes)
                == .badStringIndex(
                    what: "name of section \(text.index) (sh_name)", index: UInt32.max, tableSize: shstrtab.size))
        // A string table without its final NUL: the last name runs off the table.
        bytes = good; bytes[Int(shstrtab.offset + shstrtab.size) - 1] = 0x41
        guard case .badStringIndex? = Self.error(parsing: bytes) else {
            Issue.record("expected badStringIndex"); return
        }
        // Invalid UTF-8 in a name.
        bytes = good; bytes[Int(shstrtab.offset) + 1] = 0xff
        guard case .badString? = Self.error(parsing: bytes) else { Issue.record("expected badString"); return }
        // .bss (NOBITS) may have any offset/size: it occupies no file bytes.
        let bss = try #require(file.section(named: ".bss"))
        bytes = good
        Self.put(UInt64.max, at: shoff + bss.index * 64 + 24, in: &bytes)
        Self.put(UInt64.max, at: shoff + bss.index * 64 + 32, in: &bytes)
        let parsed = try ELFFile(bytes: bytes)
        #expect(try parsed.sectionData(parsed.sections[bss.index]).isEmpty)
        // sectionData re-checks a caller-made Section.
        let fake = Section(index: 99, name: "fake", type: Section.progbits, flags: 0, address: 0,
                           offset: UInt64.max, size: 2, link: 0, info: 0, alignment: 1, entrySize: 0)
        #expect(
            throws: ELFError.outOfBounds(
                what: "contents of section 'fake' (99)", offset: UInt64.max, size: 2, fileSize: n)
        ) {
            try file.sectionData(fake)
        }
    }

    @Test func symbolTableCorruption() throws {
        let f = try ELFFixtures.get()
        let good = try Self.load(f.object)
        let file = try ELFFile(bytes: good)
        let shoff = Int(Self.read64(good, 40))
        let symtab = try #require(file.section(named: ".symtab"))
        let strtab = file.sections[Int(symtab.link)]
        let header = shoff + symtab.index * 64
        let what = "symbol table '.symtab' (section \(symtab.index))"
        let k = try #require(file.symbols.firstIndex { $0.name == "myfunc" })
        let entry = Int(symtab.offset) + k * 24

        var bytes = good; Self.put(UInt32.max, at: entry, in: &bytes)  // st_name
        #expect(
            Self.error(parsing: bytes)
                == .badStringIndex(
                    what: "name of symbol \(k) of \(what) (st_name)", index: UInt32.max, tableSize: strtab.size))
        bytes = good; Self.put(UInt32(strtab.size), at: entry, in: &bytes)  // one past the end
        #expect(
            Self.error(parsing: bytes)
                == .badStringIndex(
                    what: "name of symbol \(k) of \(what) (st_name)", index: UInt32(strtab.size), tableSize: strtab.size
                ))
        bytes = good; Self.put(UInt16(0xffff), at: entry + 6, in: &bytes)  // st_shndx SHN_XINDEX
        #expect(
            Self.error(parsing: bytes) == .extendedNumbering(what: "section index (st_shndx) of symbol \(k) of \(what)")
        )
        bytes = good; Self.put(UInt16(0xfe00), at: entry + 6, in: &bytes)
        #expect(
            Self.error(parsing: bytes)
                == .badSectionIndex(
                    what: "st_shndx of symbol \(k) of \(what)", index: 0xfe00, sectionCount: file.sections.count))
        bytes = good; Self.put(UInt64(0), at: header + 56, in: &bytes)  // sh_entsize
        #expect(Self.error(parsing: bytes) == .badEntrySize(what: what, expected: 24, found: 0))
        bytes = good; Self.put(symtab.size - 1, at: header + 32, in: &bytes)  // sh_size not a multiple
        #expect(Self.error(parsing: bytes) == .badTableSize(what: what, size: symtab.size - 1, entrySize: 24))
        bytes = good; Self.put(UInt32(0xffff), at: header + 40, in: &bytes)  // sh_link
        #expect(
            Self.error(parsing: bytes)
                == .badSectionIndex(
                    what: "string table link (sh_link) of \(what)", index: 0xffff, sectionCount: file.sections.count))
        bytes = good; Self.put(UInt32(symtab.index), at: header + 40, in: &bytes)  // links to itself
        #expect(
            Self.error(parsing: bytes)
                == .badSectionType(
                    what: "string table link (sh_link) of \(what)", index: symtab.index, expected: 3, found: 2))
        // Huge sh_size: must fail on bounds before any allocation from the count.
        bytes = good; Self.put(UInt64(24) << 56, at: header + 32, in: &bytes)
        #expect(
            Self.error(parsing: bytes)
                == .outOfBounds(
                    what: "contents of section \(symtab.index)", offset: symtab.offset, size: 24 << 56,
                    fileSize: good.count))
    }

    @Test func relocationCorruption() throws {
        let f = try ELFFixtures.get()
        let good = try Self.load(f.object)
        let file = try ELFFile(bytes: good)
        let shoff = Int(Self.read64(good, 40))
        let rela = try #require(file.section(named: ".rela.text.myfunc"))
        let what = "relocation section '.rela.text.myfunc' (section \(rela.index))"

        var bytes = good; Self.put(UInt32(9999), at: Int(rela.offset) + 8 + 4, in: &bytes)  // r_info symbol
        var broken = try ELFFile(bytes: bytes)
        #expect(
            throws: ELFError.badSymbolIndex(
                what: "relocation 0 of \(what)", index: 9999, symbolCount: file.symbols.count)
        ) {
            try broken.relocations(in: broken.sections[rela.index])
        }
        bytes = good; Self.put(UInt64(16), at: shoff + rela.index * 64 + 56, in: &bytes)  // sh_entsize
        broken = try ELFFile(bytes: bytes)
        #expect(throws: ELFError.badEntrySize(what: what, expected: 24, found: 16)) {
            try broken.relocations(in: broken.sections[rela.index])
        }
        bytes = good; Self.put(UInt32(rela.index), at: shoff + rela.index * 64 + 40,
                               in: &bytes)  // sh_link to non-symtab
        broken = try ELFFile(bytes: bytes)
        #expect(
            throws: ELFError.badSectionIndex(
                what: "symbol table link (sh_link) of \(what)", index: UInt32(rela.index),
                sectionCount: file.sections.count)
        ) {
            try broken.relocations(in: broken.sections[rela.index])
        }
        #expect(broken.symbolTable(for: broken.sections[rela.index]).isEmpty)
    }

    // MARK: no traps, anywhere

    /// Every truncation point in the first 4 KiB and every 997th after:
    /// the section header table sits at the end of gcc's output, so every
    /// strict prefix must be rejected with an ELFError.
    @Test(arguments: ["pie", "nopie", "libfix.so", "fixture.o"])
    func truncation(name: String) throws {
        let f = try ELFFixtures.get()
        let good = try Self.load(f.directory + "/" + name)
        var cuts = Array(0..<min(4096, good.count))
        cuts += stride(from: 4096, to: good.count, by: 997)
        for cut in cuts {
            guard Self.error(parsing: Array(good.prefix(cut))) != nil else {
                Issue.record("truncation at \(cut) of \(name) was not rejected")
                return
            }
        }
        #expect(try ELFFile(bytes: good).sections.count > 0)
    }

    /// Deterministic random byte damage in the headers, the header tables
    /// and the symbol tables. Parsing may succeed or throw ELFError; every
    /// query on a file that parsed must also behave.
    @Test(arguments: ["pie", "libfix.so", "fixture.o"])
    func randomCorruption(name: String) throws {
        let f = try ELFFixtures.get()
        let good = try Self.load(f.directory + "/" + name)
        let file = try ELFFile(bytes: good)
        var regions: [Range<Int>] = [0..<64]
        let shoff = Int(Self.read64(good, 40))
        regions.append(shoff..<good.count)
        let phoff = Int(Self.read64(good, 32))
        if !file.segments.isEmpty { regions.append(phoff..<phoff + file.segments.count * 56) }
        for s in file.sections
        where [Section.symtab, Section.dynsym, Section.rela, Section.note, Section.dynamic].contains(s.type) {
            regions.append(Int(s.offset)..<Int(s.offset + s.size))
        }
        var rng = SplitMix(seed: 0x5eed_e1f)
        var parsed = 0
        for _ in 0..<3000 {
            var bytes = good
            let region = regions[Int(rng.next() % UInt64(regions.count))]
            for _ in 0..<(1 + rng.next() % 4) {
                let at = region.lowerBound + Int(rng.next() % UInt64(region.count))
                // Mostly 0xff/0x00 runs (extreme values), sometimes random bytes.
                let width = Int(1 + rng.next() % 8)
                let fill: UInt8 = [0xff, 0x00, UInt8(truncatingIfNeeded: rng.next())][Int(rng.next() % 3)]
                for j in at..<min(at + width, bytes.count) { bytes[j] = fill }
            }
            do {
                let damaged = try ELFFile(bytes: bytes)
                parsed += 1
                Self.exercise(damaged)
            } catch is ELFError {
            } catch {
                Issue.record("non-ELFError: \(error)")
            }
        }
        #expect(parsed > 0)  // some damage is harmless (e.g. a symbol's value)
    }
}

/// Small deterministic PRNG so corruption runs are reproducible.
struct SplitMix {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9e37_79b9_7f4a_7c15
        var z = state
        z = (z ^ (z >> 30)) &* 0xbf58_476d_1ce4_e5b9
        z = (z ^ (z >> 27)) &* 0x94d0_49bb_1331_11eb
        return z ^ (z >> 31)
    }
}
