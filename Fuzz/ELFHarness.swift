// libFuzzer harness for the ELF reader (Sources/ELF).
//
// Contract under test (ELFFile.swift, ELFMalformedTests.swift): any byte
// string either parses or throws an ELFError, and every query on a file that
// parsed returns a value or throws an ELFError -- never a trap, never an
// out-of-bounds read (ASan). A non-ELFError, or a violated invariant below,
// is reported as a crash too.
//
// Built by scripts/fuzz with -sanitize=fuzzer,address; see Fuzz/README.md.

@testable import ELF

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    let file: ELFFile
    do {
        file = try ELFFile(bytes: bytes)
    } catch let error as ELFError {
        // What an operator would read; formatting hostile values must not trap.
        _ = error.description
        return 0
    } catch {
        fatalError("ELFFile(bytes:) threw a non-ELFError: \(error)")
    }
    exercise(file)
    return 0
}

/// Only ELFError may come out of a throwing query.
@inline(__always)
func expectELFError<T>(_ what: String, _ body: () throws -> T) -> T? {
    do { return try body() } catch let error as ELFError { _ = error.description; return nil } catch {
        fatalError("\(what) threw a non-ELFError: \(error)")
    }
}

/// Every public query, with the invariants the doc comments promise.
func exercise(_ file: ELFFile) {
    _ = file.fileType
    _ = file.isPositionIndependent
    _ = file.loadBias
    _ = file.buildID
    _ = file.soname

    for section in file.sections {
        precondition(file.section(named: section.name) != nil, "section(named:) lost '\(section.name)'")
        // init bounds-checked every section with file contents.
        let data = expectELFError("sectionData") { try file.sectionData(section) }
        if section.hasFileContents {
            precondition(data != nil, "sectionData failed on a section init accepted (\(section.index))")
            precondition(UInt64(data!.count) == section.size, "sectionData size mismatch")
        }
        let symbols = file.symbolTable(for: section)
        _ = file.relocationSections(applyingTo: section.index)
        if let relocations = expectELFError("relocations(in:)", { try file.relocations(in: section) }) {
            // Promised: symbol indices are valid for symbolTable(for:).
            for r in relocations where section.link != 0 {
                precondition(Int(r.symbolIndex) < symbols.count, "relocation symbol index escapes its table")
                _ = symbols[Int(r.symbolIndex)]
            }
        }
    }

    for symbol in file.symbols.prefix(256) + file.dynamicSymbols.prefix(256) {
        let count = Int(clamping: min(symbol.size, 1 << 16))
        if let b = expectELFError("bytes(atVirtualAddress:)", {
            try file.bytes(atVirtualAddress: symbol.value, count: count)
        }) {
            precondition(b.count == count, "bytes(atVirtualAddress:) returned the wrong count")
        }
        _ = expectELFError("bytes(count: -1)") { try file.bytes(atVirtualAddress: symbol.value, count: -1) }
    }

    for segment in file.segments {
        for (address, count) in [
            (segment.virtualAddress, segment.memorySize),
            (segment.virtualAddress, segment.fileSize),
            (segment.virtualAddress &+ segment.fileSize, 1),
            (segment.virtualAddress &- 1, 2),
            (segment.virtualAddress, UInt64.max),
        ] {
            if let offset = expectELFError("fileOffset", { try file.fileOffset(forVirtualAddress: address, count: count) }) {
                // A non-empty range must lie in the file. (An empty range in a
                // p_filesz == 0 PT_LOAD can come back with any p_offset: see
                // Fuzz/README.md, finding 1. Callers range-check it again.)
                let (end, overflow) = UInt64(offset).addingReportingOverflow(count)
                precondition(count == 0 || (offset >= 0 && !overflow && end <= UInt64(file.bytes.count)),
                             "fileOffset returned a range outside the file")
            }
        }
        let count = Int(clamping: min(segment.fileSize, 1 << 16))
        if let b = expectELFError("bytes(segment)", { try file.bytes(atVirtualAddress: segment.virtualAddress, count: count) }) {
            precondition(b.count == count, "bytes(atVirtualAddress:) returned the wrong count")
        }
    }
    _ = expectELFError("fileOffset(entry)") { try file.fileOffset(forVirtualAddress: file.entry, count: 16) }
    _ = expectELFError("fileOffset(max)") { try file.fileOffset(forVirtualAddress: UInt64.max, count: 1) }
}
