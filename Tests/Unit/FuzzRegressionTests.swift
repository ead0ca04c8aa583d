import Foundation
import Testing
@testable import ELF
@testable import Payload

/// Inputs found by the libFuzzer harnesses in Fuzz/ (see Fuzz/README.md),
/// minimized and kept in Tests/Unit/FuzzCrashes/. A file named `elf-*` is
/// fed to the ELF reader, `payload-*` to the payload decoder. Each must give
/// a typed error or a value whose queries all answer -- never a trap (a trap
/// would take down the whole test process).
@Suite("Fuzz regressions")
struct FuzzRegressionTests {
    static let directory: String = {
        var url = URL(fileURLWithPath: #filePath)
        url.deleteLastPathComponent()
        return url.appendingPathComponent("FuzzCrashes").path
    }()

    static func inputs(prefix: String) -> [String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        return names.filter { $0.hasPrefix(prefix) }.sorted()
    }

    static func load(_ name: String) throws -> [UInt8] {
        try [UInt8](Data(contentsOf: URL(fileURLWithPath: directory + "/" + name)))
    }

    @Test("the saved fuzz inputs are present")
    func inputsPresent() {
        #expect(!Self.inputs(prefix: "elf-").isEmpty)
    }

    /// Parsing throws only ELFError; a file that parses answers every query
    /// with a value or an ELFError.
    @Test("ELF reader: saved fuzz input", arguments: FuzzRegressionTests.inputs(prefix: "elf-"))
    func elfInput(_ name: String) throws {
        let bytes = try Self.load(name)
        let file: ELFFile
        do {
            file = try ELFFile(bytes: bytes)
        } catch is ELFError {
            return
        } catch {
            Issue.record("\(name): non-ELFError \(error)")
            return
        }
        func typed<T>(_ what: String, _ body: () throws -> T) {
            do { _ = try body() } catch is ELFError {} catch {
                Issue.record("\(name): \(what) threw a non-ELFError \(error)")
            }
        }
        _ = file.buildID
        _ = file.soname
        _ = file.loadBias
        for section in file.sections {
            typed("sectionData") { try file.sectionData(section) }
            _ = file.symbolTable(for: section)
            _ = file.relocationSections(applyingTo: section.index)
            typed("relocations(in:)") { try file.relocations(in: section) }
        }
        for symbol in file.symbols + file.dynamicSymbols {
            typed("bytes(atVirtualAddress:)") {
                try file.bytes(atVirtualAddress: symbol.value, count: Int(clamping: min(symbol.size, 4096)))
            }
        }
        for segment in file.segments {
            for count in [0, 1, Int(clamping: min(segment.fileSize, 4096))] {
                typed("bytes(atVirtualAddress:)") {
                    try file.bytes(atVirtualAddress: segment.virtualAddress, count: count)
                }
            }
            typed("fileOffset") {
                try file.fileOffset(forVirtualAddress: segment.virtualAddress, count: segment.memorySize)
            }
        }
    }

    /// Fuzz finding 1: a PT_LOAD with p_filesz 0 and p_offset far past the
    /// end of the file. init only bounds-checks segments with file bytes, and
    /// fileOffset(forVirtualAddress: p_vaddr, count: 0) used to return that
    /// p_offset unchecked; it now refuses any offset past the end of the file,
    /// and the byte access refuses it cleanly rather than slice past the end.
    @Test("ELF reader: empty PT_LOAD with p_offset past the end of the file")
    func emptyLoadSegmentOffsetPastEOF() throws {
        let file = try ELFFile(bytes: try Self.load("elf-empty-load-segment-offset-past-eof"))
        let segment = try #require(file.segments.first { $0.type == ProgramHeader.load && $0.fileSize == 0 })
        #expect(segment.offset > UInt64(file.bytes.count))
        #expect(throws: ELFError.self) { try file.fileOffset(forVirtualAddress: segment.virtualAddress, count: 0) }
        do {
            let bytes = try file.bytes(atVirtualAddress: segment.virtualAddress, count: 0)
            #expect(bytes.isEmpty)
        } catch {
            #expect(error is ELFError)
        }
        #expect(throws: ELFError.self) {
            try file.bytes(atVirtualAddress: segment.virtualAddress, count: 1)
        }
    }

    /// The payload decoder throws PayloadError (typed throws) on every saved
    /// input; none of them is a valid payload.
    @Test("payload decoder: saved fuzz input", arguments: FuzzRegressionTests.inputs(prefix: "payload-"))
    func payloadInput(_ name: String) throws {
        let bytes = try Self.load(name)
        #expect(throws: PayloadError.self) { try PayloadCodec.decode(bytes) }
    }
}
