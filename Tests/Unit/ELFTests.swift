import TestSupport
import Foundation
import Testing
@testable import ELF

/// Facts about real gcc-built files, checked against readelf's view of them.
@Suite("ELF reader on real binaries")
struct ELFTests {
    static let readelfTypes: [UInt8: String] = [
        0: "NOTYPE", 1: "OBJECT", 2: "FUNC", 3: "SECTION", 4: "FILE", 5: "COMMON", 6: "TLS", 10: "IFUNC",
    ]
    static let readelfBindings: [UInt8: String] = [0: "LOCAL", 1: "GLOBAL", 2: "WEAK", 10: "UNIQUE"]

    func allPaths(_ f: ELFFixtures) -> [String] { [f.pie, f.nonPIE, f.sharedObject, f.object] }

    @Test func fileTypesAndMachine() throws {
        let f = try ELFFixtures.get()
        let pie = try ELFFile(path: f.pie)
        let nonPIE = try ELFFile(path: f.nonPIE)
        let so = try ELFFile(path: f.sharedObject)
        let obj = try ELFFile(path: f.object)
        // PIE executables are ET_DYN, so they read as shared objects.
        #expect(pie.fileType == .sharedObject)
        #expect(pie.isPositionIndependent)
        #expect(nonPIE.fileType == .executable)
        #expect(!nonPIE.isPositionIndependent)
        #expect(so.fileType == .sharedObject)
        #expect(obj.fileType == .relocatable)
        for file in [pie, nonPIE, so, obj] { #expect(file.machine == 62) }
        #expect(obj.segments.isEmpty)
    }

    @Test func entryIsStart() throws {
        let f = try ELFFixtures.get()
        for path in [f.pie, f.nonPIE] {
            let file = try ELFFile(path: path)
            let start = try #require(file.symbols.first { $0.name == "_start" })
            #expect(file.entry == start.value, "\(path)")
            #expect(start.type == Symbol.typeFunc)
        }
    }

    @Test func loadBias() throws {
        let f = try ELFFixtures.get()
        #expect(try ELFFile(path: f.nonPIE).loadBias == 0x400000)
        #expect(try ELFFile(path: f.pie).loadBias == 0)
        #expect(try ELFFile(path: f.sharedObject).loadBias == 0)
        #expect(try ELFFile(path: f.object).loadBias == 0)
    }

    @Test func sectionsMatchReadelf() throws {
        let f = try ELFFixtures.get()
        for path in allPaths(f) {
            let file = try ELFFile(path: path)
            let rows = try Readelf.sections(path)
            #expect(rows.count == file.sections.count - 1, "\(path)")
            for row in rows {
                let s = try #require(file.sections.indices.contains(row.index) ? file.sections[row.index] : nil)
                #expect(s.index == row.index)
                #expect(s.name == row.name, "\(path) [\(row.index)]")
                #expect(s.address == row.address, "\(path) \(row.name)")
                #expect(s.offset == row.offset, "\(path) \(row.name)")
                #expect(s.size == row.size, "\(path) \(row.name)")
            }
            let text = try #require(file.section(named: ".text"))
            #expect(text.isExecutable && text.isAlloc && !text.isWritable)
            #expect(file.section(named: ".no.such.section") == nil)
        }
    }

    @Test func segmentsMatchReadelf() throws {
        let f = try ELFFixtures.get()
        for path in [f.pie, f.nonPIE, f.sharedObject] {
            let file = try ELFFile(path: path)
            let rows = try Readelf.segments(path)
            #expect(rows.count == file.segments.count, "\(path)")
            for (row, seg) in zip(rows, file.segments) {
                #expect(seg.offset == row.offset && seg.virtualAddress == row.virtualAddress
                        && seg.fileSize == row.fileSize && seg.memorySize == row.memorySize, "\(path) \(row)")
            }
            let loads = file.segments.filter { $0.type == ProgramHeader.load }
            #expect(loads.count == rows.filter { $0.type == "LOAD" }.count)
            #expect(loads.contains { $0.isExecutable && !$0.isWritable })
            #expect(loads.contains { $0.isWritable && !$0.isExecutable })
            #expect(file.segments.contains { $0.type == ProgramHeader.dynamic })
        }
    }

    @Test(arguments: [".symtab", ".dynsym"])
    func symbolsMatchReadelf(table: String) throws {
        let f = try ELFFixtures.get()
        for path in allPaths(f) {
            let file = try ELFFile(path: path)
            let symbols = table == ".symtab" ? file.symbols : file.dynamicSymbols
            let rows = try Readelf.symbols(path, table: table)
            #expect(rows.count == symbols.count, "\(path) \(table)")
            for (row, sym) in zip(rows, symbols) {
                #expect(sym.index == row.index)
                #expect(sym.value == row.value && sym.size == row.size, "\(path) \(row)")
                #expect(Self.readelfTypes[sym.type] == row.type, "\(path) \(row)")
                #expect(Self.readelfBindings[sym.binding] == row.binding, "\(path) \(row)")
                #expect(sym.isDefined == (row.sectionIndex != "UND"), "\(path) \(row)")
                if sym.type == Symbol.typeSection && sym.name.isEmpty {
                    // readelf names unnamed section symbols after their section.
                    let section = file.sections[Int(sym.sectionIndex)]
                    #expect(row.name == section.name || row.name.isEmpty)
                } else if table == ".dynsym" {
                    // readelf appends versions from .gnu.version ("printf@GLIBC_2.2.5 (3)").
                    let base = row.name.split(separator: "@", maxSplits: 1).first.map(String.init) ?? ""
                    #expect(sym.name == base, "\(path) \(row)")
                } else {
                    // In a linked .symtab, ld writes versions into the name itself.
                    #expect(sym.name == row.name, "\(path) \(row)")
                }
            }
        }
    }

    @Test func mainIsAFunctionWithTheRightBytes() throws {
        let f = try ELFFixtures.get()
        for path in [f.pie, f.nonPIE, f.sharedObject] {
            let file = try ELFFile(path: path)
            let main = try #require(file.symbols.first { $0.name == "main" })
            #expect(main.type == Symbol.typeFunc)
            #expect(main.binding == Symbol.bindGlobal)
            #expect(main.size > 0)
            // Independent offset: readelf's section containing main.
            let row = try #require(try Readelf.sections(path).first {
                $0.address <= main.value && main.value + main.size <= $0.address + $0.size
            })
            let offset = Int(row.offset + (main.value - row.address))
            let raw = try [UInt8](Data(contentsOf: URL(fileURLWithPath: path)))
            let expected = Array(raw[offset..<offset + Int(main.size)])
            #expect(try file.bytes(atVirtualAddress: main.value, count: Int(main.size)) == expected, "\(path)")
            #expect(try file.fileOffset(forVirtualAddress: main.value, count: main.size) == offset)
            // The same bytes through the section API.
            let text = file.sections[Int(main.sectionIndex)]
            let data = try file.sectionData(text)
            let start = data.startIndex + Int(main.value - text.address)
            #expect(Array(data[start..<start + Int(main.size)]) == expected)
        }
    }

    @Test func staticAndGlobalSymbols() throws {
        let f = try ELFFixtures.get()
        for path in allPaths(f) {
            let file = try ELFFile(path: path)
            let helper = try #require(file.symbols.first { $0.name == "helper" }, "\(path)")
            #expect(helper.binding == Symbol.bindLocal && helper.type == Symbol.typeFunc)
            #expect(helper.file == "fixture.c", "\(path)")
            let counter = try #require(file.symbols.first { $0.name == "global_counter" })
            #expect(counter.type == Symbol.typeObject && counter.binding == Symbol.bindGlobal)
            #expect(counter.size == 4 && counter.isDefined)
            #expect(counter.file == nil)
            // Linked files name it "printf@GLIBC_2.2.5" in .symtab; the .o just "printf".
            let printf = try #require(file.symbols.first { $0.name == "printf" || $0.name.hasPrefix("printf@") })
            #expect(!printf.isDefined)
        }
        // .dynsym never carries file names; the .so exports myfunc there.
        let so = try ELFFile(path: f.sharedObject)
        #expect(so.dynamicSymbols.contains { $0.name == "myfunc" && $0.isDefined && $0.type == Symbol.typeFunc })
        #expect(so.dynamicSymbols.allSatisfy { $0.file == nil })
        // Linker-generated locals follow an empty STT_FILE: no file.
        let pie = try ELFFile(path: f.pie)
        let dynamic = try #require(pie.symbols.first { $0.name == "_DYNAMIC" })
        #expect(dynamic.file == nil)
        #expect(pie.symbols.first { $0.name == "frame_dummy" }?.file == "crtstuff.c")
    }

    @Test func buildIDMatchesReadelf() throws {
        let f = try ELFFixtures.get()
        for path in [f.pie, f.nonPIE, f.sharedObject] {
            let expected = try #require(try Readelf.buildID(path))
            #expect(expected.count == 20)
            #expect(try ELFFile(path: path).buildID == expected, "\(path)")
        }
        #expect(try ELFFile(path: f.object).buildID == nil)
    }

    @Test func soname() throws {
        let f = try ELFFixtures.get()
        #expect(try Readelf.soname(f.sharedObject) == "libfix.so.1")
        #expect(try ELFFile(path: f.sharedObject).soname == "libfix.so.1")
        #expect(try ELFFile(path: f.pie).soname == nil)
        #expect(try ELFFile(path: f.object).soname == nil)
    }

    @Test func objectRelocationsMatchReadelf() throws {
        let f = try ELFFixtures.get()
        let obj = try ELFFile(path: f.object)
        let text = try #require(obj.section(named: ".text.myfunc"))
        #expect(text.isExecutable)
        let relaSections = obj.relocationSections(applyingTo: text.index)
        #expect(relaSections.map(\.name) == [".rela.text.myfunc"])
        let rela = try #require(relaSections.first)
        let relocations = try obj.relocations(in: rela)
        let rows = try Readelf.relocations(f.object, section: ".rela.text.myfunc")
        #expect(relocations.count == rows.count && !rows.isEmpty)
        let symbols = obj.symbolTable(for: rela)
        #expect(symbols == obj.symbols)
        var names: [String] = []
        for (r, row) in zip(relocations, rows) {
            #expect(r.offset == row.offset)
            #expect(UInt64(r.symbolIndex) << 32 | UInt64(r.type) == row.info)
            let sym = symbols[Int(r.symbolIndex)]
            let name = sym.type == Symbol.typeSection ? obj.sections[Int(sym.sectionIndex)].name : sym.name
            #expect(name == row.symbolName)
            names.append(name)
        }
        #expect(relocations.contains { $0.type == 4 || $0.type == 2 })
        #expect(names.contains("printf"))
        #expect(names.contains("global_counter"))
        #expect(relocations.allSatisfy { $0.addend < 0 })
    }

    @Test func dynamicRelocationsParse() throws {
        let f = try ELFFixtures.get()
        let pie = try ELFFile(path: f.pie)
        let relaDyn = try #require(pie.section(named: ".rela.dyn"))
        let relocations = try pie.relocations(in: relaDyn)
        #expect(relocations.count == Int(relaDyn.size / 24))
        #expect(pie.symbolTable(for: relaDyn) == pie.dynamicSymbols)
        // A non-RELA section is refused with a typed error.
        let text = try #require(pie.section(named: ".text"))
        #expect(throws: ELFError.badSectionType(what: "relocation section '.text' (section \(text.index))",
                                                index: text.index, expected: 4, found: 1)) {
            try pie.relocations(in: text)
        }
    }

    @Test func addressesOutsideFileBackedSegments() throws {
        let f = try ELFFixtures.get()
        let nonPIE = try ELFFile(path: f.nonPIE)
        #expect(throws: ELFError.addressNotMapped(0)) { try nonPIE.fileOffset(forVirtualAddress: 0, count: 1) }
        // .bss has memory but no file bytes.
        let bss = try #require(nonPIE.symbols.first { $0.name == "zeroed_buffer" })
        #expect(throws: ELFError.addressNotMapped(bss.value)) {
            try nonPIE.bytes(atVirtualAddress: bss.value, count: 4)
        }
        #expect(try nonPIE.sectionData(try #require(nonPIE.section(named: ".bss"))).isEmpty)
        let main = try #require(nonPIE.symbols.first { $0.name == "main" })
        #expect(throws: ELFError.invalidCount(-1)) { try nonPIE.bytes(atVirtualAddress: main.value, count: -1) }
        #expect(throws: ELFError.addressNotMapped(UInt64.max)) {
            try nonPIE.fileOffset(forVirtualAddress: UInt64.max, count: UInt64.max)
        }
        #expect(throws: ELFError.addressNotMapped(main.value)) {
            try nonPIE.fileOffset(forVirtualAddress: main.value, count: UInt64.max)
        }
        #expect(try nonPIE.bytes(atVirtualAddress: main.value, count: 0) == [])
    }

    @Test func unreadablePathNamesThePath() {
        let path = "/nonexistent/xsplice-\(UUID().uuidString)"
        #expect {
            try ELFFile(path: path)
        } throws: { error in
            guard case let .unreadable(p, reason) = error as? ELFError else { return false }
            return p == path && !reason.isEmpty && (error as? ELFError)?.description.contains(path) == true
        }
    }

    @Test func directoryIsUnreadable() throws {
        let f = try ELFFixtures.get()
        #expect(throws: ELFError.unreadable(path: f.directory, reason: "it is a directory")) {
            try ELFFile(path: f.directory)
        }
    }

    @Test func descriptionsAreOneLine() {
        let errors: [ELFError] = [
            .unreadable(path: "/x", reason: "gone"), .tooSmall(needed: 64, found: 3), .badMagic, .notELF64,
            .notLittleEndian, .unsupportedMachine(3), .unsupportedVersion,
            .outOfBounds(what: "section header table", offset: 1, size: 2, fileSize: 3),
            .badStringIndex(what: "x", index: 1, tableSize: 1), .badString(what: "x", offset: 1),
            .badSectionIndex(what: "x", index: 9, sectionCount: 3),
            .badSectionType(what: "x", index: 1, expected: 3, found: 1),
            .badEntrySize(what: "x", expected: 24, found: 0), .badTableSize(what: "x", size: 25, entrySize: 24),
            .badSymbolIndex(what: "x", index: 9, symbolCount: 1), .badSegment(index: 2, reason: "x"),
            .extendedNumbering(what: "x"),
            .addressNotMapped(0x1000), .invalidCount(-1), .noSuchSection(".text"),
        ]
        for e in errors {
            #expect(!e.description.isEmpty && !e.description.contains("\n"), "\(e)")
        }
    }
}
