import Foundation

/// Real ELF files compiled with gcc at test time, plus helpers that ask
/// binutils (readelf) for the same facts, so tests compare against an
/// independent reader rather than against our own parser.
///
/// Compiled once per test process into a unique temp directory: Swift
/// Testing runs tests in parallel, and a `static let` is initialised
/// exactly once, thread-safely.
struct ELFFixtures: Sendable {
    let directory: String
    let pie: String
    let nonPIE: String
    let sharedObject: String
    let object: String

    static let source = """
    #include <stdio.h>

    int global_counter = 42;
    int zeroed_buffer[4096];

    /* static + noinline so a LOCAL FUNC symbol survives -O2 */
    static int __attribute__((noinline)) helper(int x) {
        return x * 3 + global_counter + zeroed_buffer[x & 7];
    }

    int __attribute__((noinline)) myfunc(int x) {
        global_counter++;
        return helper(x) + printf("%d\\n", x);
    }

    int main(int argc, char **argv) {
        (void)argv;
        return myfunc(argc) & 1;
    }
    """

    static let built: Result<ELFFixtures, any Error> = Result { try build() }

    /// The fixtures, or a test failure explaining why they could not be built.
    static func get() throws -> ELFFixtures { try built.get() }

    static func tempPrefix() -> String { "elf-fixtures-\(getpid())-" }

    private static func build() throws -> ELFFixtures {
        let dir = FileManager.default.temporaryDirectory
            .appendingPathComponent("\(tempPrefix())\(UUID().uuidString)").path
        // Remove this process's fixtures when the test run exits.
        atexit {
            let tmp = FileManager.default.temporaryDirectory
            let names = (try? FileManager.default.contentsOfDirectory(atPath: tmp.path)) ?? []
            for name in names where name.hasPrefix(ELFFixtures.tempPrefix()) {
                try? FileManager.default.removeItem(at: tmp.appendingPathComponent(name))
            }
        }
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let src = dir + "/fixture.c"
        try source.write(toFile: src, atomically: true, encoding: .utf8)
        let f = ELFFixtures(directory: dir, pie: dir + "/pie", nonPIE: dir + "/nopie",
                            sharedObject: dir + "/libfix.so", object: dir + "/fixture.o")
        // cd into dir and compile "fixture.c" by relative name so STT_FILE is "fixture.c".
        let common = ["-O2", "-g0", "-Wl,--build-id"]
        try Tool.run("gcc", ["-fPIE", "-pie"] + common + ["fixture.c", "-o", f.pie], in: dir)
        try Tool.run("gcc", ["-fno-pie", "-no-pie"] + common + ["fixture.c", "-o", f.nonPIE], in: dir)
        try Tool.run("gcc", ["-fPIC", "-shared", "-Wl,-soname,libfix.so.1"] + common
                     + ["fixture.c", "-o", f.sharedObject], in: dir)
        try Tool.run("gcc", ["-ffunction-sections", "-O2", "-g0", "-c", "fixture.c", "-o", f.object], in: dir)
        return f
    }
}

struct ToolError: Error, CustomStringConvertible {
    let description: String
}

/// Runs external tools (gcc, readelf) and returns their standard output.
enum Tool {
    @discardableResult
    static func run(_ tool: String, _ arguments: [String], in directory: String? = nil) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [tool] + arguments
        if let directory { process.currentDirectoryURL = URL(fileURLWithPath: directory) }
        // stderr goes to a file so a chatty tool can't fill a pipe and deadlock us.
        let errPath = FileManager.default.temporaryDirectory
            .appendingPathComponent("elf-tool-\(UUID().uuidString).err").path
        _ = FileManager.default.createFile(atPath: errPath, contents: nil)
        defer { try? FileManager.default.removeItem(atPath: errPath) }
        let errHandle = try FileHandle(forWritingTo: URL(fileURLWithPath: errPath))
        let out = Pipe()
        process.standardOutput = out
        process.standardError = errHandle
        try process.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        try errHandle.close()
        guard process.terminationStatus == 0 else {
            let err = (try? String(contentsOfFile: errPath, encoding: .utf8)) ?? ""
            throw ToolError(
                description: "\(tool) \(arguments.joined(separator: " ")) failed (\(process.terminationStatus)): \(err)"
            )
        }
        return String(decoding: data, as: UTF8.self)
    }
}

/// Facts parsed from readelf's output.
enum Readelf {
    struct SectionRow: Equatable {
        let index: Int; let name: String; let address: UInt64; let offset: UInt64; let size: UInt64
    }
    struct SegmentRow: Equatable {
        let type: String; let offset: UInt64; let virtualAddress: UInt64; let fileSize: UInt64; let memorySize: UInt64
    }
    struct SymbolRow: Equatable {
        let index: Int; let value: UInt64; let size: UInt64; let type: String; let binding: String;
        let sectionIndex: String; let name: String
    }
    struct RelocationRow: Equatable { let offset: UInt64; let info: UInt64; let symbolName: String }

    static func hex(_ s: Substring) -> UInt64? {
        UInt64(s.hasPrefix("0x") ? s.dropFirst(2) : s, radix: 16)
    }

    static func tokens(_ line: Substring) -> [Substring] {
        line.split(whereSeparator: { $0 == " " || $0 == "\t" })
    }

    static func sections(_ path: String) throws -> [SectionRow] {
        try Tool.run("readelf", ["-SW", path]).split(separator: "\n").compactMap { line in
            guard let open = line.firstIndex(of: "["), let close = line.firstIndex(of: "]"),
                  let index = Int(line[line.index(after: open)..<close].trimmingCharacters(in: .whitespaces)),
                  index > 0 else { return nil }
            let t = tokens(line[line.index(after: close)...])
            guard t.count >= 5, let a = hex(t[2]), let o = hex(t[3]), let s = hex(t[4]) else { return nil }
            return SectionRow(index: index, name: String(t[0]), address: a, offset: o, size: s)
        }
    }

    static func segments(_ path: String) throws -> [SegmentRow] {
        try Tool.run("readelf", ["-lW", path]).split(separator: "\n").compactMap { line in
            let t = tokens(line)
            // Flags can be split ("R E"), so take fixed columns from the left.
            guard t.count >= 8, let o = hex(t[1]), t[1].hasPrefix("0x"), let v = hex(t[2]),
                  let fs = hex(t[4]), let ms = hex(t[5]) else { return nil }
            return SegmentRow(type: String(t[0]), offset: o, virtualAddress: v, fileSize: fs, memorySize: ms)
        }
    }

    /// Rows of the symbol table `table` (".symtab" or ".dynsym").
    static func symbols(_ path: String, table: String) throws -> [SymbolRow] {
        var rows: [SymbolRow] = []
        var inTable = false
        for line in try Tool.run("readelf", ["-sW", path]).split(separator: "\n") {
            if line.hasPrefix("Symbol table") { inTable = line.contains("'\(table)'"); continue }
            guard inTable else { continue }
            let t = tokens(line)
            guard t.count >= 7, t[0].hasSuffix(":"), let index = Int(t[0].dropLast()),
                  let value = hex(t[1]) else { continue }
            let size: UInt64? = t[2].hasPrefix("0x") ? hex(t[2]) : UInt64(t[2])
            guard let size else { continue }
            let name = t.count > 7 ? t[7...].joined(separator: " ") : ""
            rows.append(SymbolRow(index: index, value: value, size: size, type: String(t[3]),
                                  binding: String(t[4]), sectionIndex: String(t[6]), name: name))
        }
        return rows
    }

    static func relocations(_ path: String, section: String) throws -> [RelocationRow] {
        var rows: [RelocationRow] = []
        var inSection = false
        for line in try Tool.run("readelf", ["-rW", path]).split(separator: "\n") {
            if line.hasPrefix("Relocation section") { inSection = line.contains("'\(section)'"); continue }
            guard inSection else { continue }
            let t = tokens(line)
            guard t.count >= 3, let o = hex(t[0]), let i = hex(t[1]), t[2].hasPrefix("R_") else { continue }
            rows.append(RelocationRow(offset: o, info: i, symbolName: t.count >= 5 ? String(t[4]) : ""))
        }
        return rows
    }

    static func buildID(_ path: String) throws -> [UInt8]? {
        for line in try Tool.run("readelf", ["-nW", path]).split(separator: "\n") {
            guard let marker = line.range(of: "Build ID:") else { continue }
            let hexText = line[marker.upperBound...].trimmingCharacters(in: .whitespaces)
            var out: [UInt8] = []
            var i = hexText.startIndex
            while i < hexText.endIndex {
                let j = hexText.index(i, offsetBy: 2, limitedBy: hexText.endIndex) ?? hexText.endIndex
                guard let b = UInt8(hexText[i..<j], radix: 16) else { return nil }
                out.append(b)
                i = j
            }
            return out
        }
        return nil
    }

    static func soname(_ path: String) throws -> String? {
        for line in try Tool.run("readelf", ["-dW", path]).split(separator: "\n") where line.contains("(SONAME)") {
            guard let open = line.lastIndex(of: "["), let close = line.lastIndex(of: "]") else { return nil }
            return String(line[line.index(after: open)..<close])
        }
        return nil
    }
}
