import ELF
import Foundation
import Hash
import Target
import Testing
import TestSupport
@testable import Fleet

/// The parts of `watch` that decide without a live process: the ledger that
/// keeps a payload from being tried twice on one process image, the light
/// ELF reader against the full parser, and the start-up test.
@Suite struct WatchUnitTests {
    @Test func theLedgerTriesAPayloadOncePerProcessImage() throws {
        var ledger = WatchLedger()
        let p = try Digest(bytes: [UInt8](repeating: 7, count: 32))
        let exe: [UInt64] = [1, 2]
        let image = ledger.image(of: 100, startTime: 5, executable: exe)
        #expect(!ledger.isDone(100, image, p))
        ledger.markDone(100, image, p)
        #expect(ledger.isDone(100, ledger.image(of: 100, startTime: 5, executable: exe), p))
        // A new process on the same PID (another start time) is new.
        let reused = ledger.image(of: 100, startTime: 6, executable: exe)
        #expect(!ledger.isDone(100, reused, p))
        ledger.markDone(100, reused, p)
        // An exec keeps PID and start time but loads a new image: seen as
        // an event, or as another executable file.
        ledger.execed(100)
        #expect(!ledger.isDone(100, ledger.image(of: 100, startTime: 6, executable: exe), p))
        // An outcome for an image that was replaced meanwhile is dropped.
        ledger.markDone(100, reused, p)
        #expect(!ledger.isDone(100, ledger.image(of: 100, startTime: 6, executable: exe), p))
        let current = ledger.image(of: 100, startTime: 6, executable: exe)
        ledger.markDone(100, current, p)
        #expect(!ledger.isDone(100, ledger.image(of: 100, startTime: 6, executable: [1, 3]), p))
        ledger.keepOnly([])
        #expect(ledger.count == 0)
    }

    @Test func theLightReaderAgreesWithTheELFParser() throws {
        try Corpus.ensureBuilt()
        let files = [Paths.corpusBuild + "/counter/counter", Paths.corpusBuild + "/libuser/libgreet.so.1",
                     Paths.corpusBuild + "/nopie/nopie", "/usr/lib/x86_64-linux-gnu/libc.so.6"]
        for f in files {
            let full = try ELFFile(bytes: [UInt8](try Data(contentsOf: URL(fileURLWithPath: f))))
            let light = try #require(ELFSummary.read(path: f), "\(f)")
            #expect(light.buildID == full.buildID && light.buildID != nil, "\(f)")
            #expect(light.soname == full.soname, "\(f)")
            #expect(light.dynamic == full.segments.contains { $0.type == ProgramHeader.interp }, "\(f)")
        }
        let junk = Paths.tempDir("elfsummary") + "/junk"
        try Data(repeating: 0x7f, count: 100).write(to: URL(fileURLWithPath: junk))
        #expect(ELFSummary.read(path: junk) == nil)
    }

    /// The probe reads whatever any process on the host maps: damaged
    /// headers must give an answer or nil, never a trap.
    @Test func theLightReaderSurvivesDamagedFiles() throws {
        try Corpus.ensureBuilt()
        let original = [UInt8](try Data(contentsOf: URL(fileURLWithPath: Paths.corpusBuild + "/libuser/libgreet.so.1")))
        let path = Paths.tempDir("elfsummary-damaged") + "/f"
        var rng = SystemRandomNumberGenerator()
        for round in 0..<300 {
            var bytes = original
            if round % 3 == 0 {
                bytes = Array(bytes.prefix(Int.random(in: 0..<min(bytes.count, 8192), using: &rng)))
            } else {
                // Damage the headers, program headers, notes and dynamic
                // section, where the reader looks.
                for _ in 0..<Int.random(in: 1...16, using: &rng) {
                    let at = Int.random(in: 0..<min(bytes.count, 16384), using: &rng)
                    bytes[at] = UInt8.random(in: 0...255, using: &rng)
                }
            }
            try Data(bytes).write(to: URL(fileURLWithPath: path))
            _ = ELFSummary.read(path: path)
        }
    }

    @Test func startUpIsOverOnlyOnceTheExecutablesRELROIsReadOnly() {
        let main = ModuleProbe.FileInfo(name: "", buildID: nil, dynamic: true, relro: (0x3000, 0x4000), base: 0)
        func maps(_ perms: String) -> [MapEntry] {
            [MapEntry(start: 0x5000_0000, end: 0x5000_3000, permissions: "r-xp", offset: 0, inode: 1, path: "/p"),
             MapEntry(start: 0x5000_3000, end: 0x5000_4000, permissions: perms, offset: 0x3000, inode: 1, path: "/p")]
        }
        #expect(ModuleProbe.startup(main, bias: 0x5000_0000, maps: maps("rw-p")) == .loading)
        #expect(ModuleProbe.startup(main, bias: 0x5000_0000, maps: maps("r--p")) == .done)
        var noRelro = main
        noRelro.relro = nil
        #expect(ModuleProbe.startup(noRelro, bias: 0x5000_0000, maps: maps("rw-p")) == .unknown)
        var isStatic = main
        isStatic.dynamic = false
        #expect(ModuleProbe.startup(isStatic, bias: 0x5000_0000, maps: maps("rw-p")) == .done)
    }
}
