import ELF
import Foundation
import Glibc
import Target
import Testing
import TestSupport

/// Parsed module files are shared between the targets one xsplice examines,
/// keyed by the identity of the mapped file: a file rewritten in place, even
/// to the same size, must be read again, never served from the cache.
@Suite(.serialized) struct MappedFileCacheTests {
    @Test func aLibraryRewrittenInPlaceIsReadAgain() throws {
        let dir = Paths.tempDir("mapped-cache")
        let build = Paths.corpusBuild + "/libuser"
        for f in ["libuser", "libgreet.so.1"] {
            try? FileManager.default.removeItem(atPath: dir + "/" + f)
            try FileManager.default.copyItem(atPath: build + "/" + f, toPath: dir + "/" + f)
        }
        let lib = dir + "/libgreet.so.1"
        var bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: lib)))
        let original = try #require(try ELFFile(bytes: bytes).buildID)
        // Old enough that the cache takes it (see MappedFileCache).
        Thread.sleep(forTimeInterval: 3.2)

        let first = try LiveProcess(dir + "/libuser")
        try first.waitUntilRunning()
        let seen = try ProcessTarget(pid: first.pid).module(named: "libgreet.so.1")
        #expect(seen.buildID == original)
        let again = try ProcessTarget(pid: first.pid).module(named: "libgreet.so.1")
        #expect(again.buildID == original)
        first.stop()

        // Same inode, same size, one byte of the build-id changed.
        let at = try #require(Self.find(original, in: bytes))
        bytes[at + original.count - 1] ^= 0xff
        let fd = open(lib, O_WRONLY)
        try #require(fd >= 0)
        let n = bytes.withUnsafeBytes { pwrite(fd, $0.baseAddress, $0.count, 0) }
        close(fd)
        try #require(n == bytes.count)
        let changed = try #require(try ELFFile(bytes: bytes).buildID)
        #expect(changed != original)

        let second = try LiveProcess(dir + "/libuser")
        defer { second.stop() }
        try second.waitUntilRunning()
        let now = try ProcessTarget(pid: second.pid).module(named: "libgreet.so.1")
        #expect(now.buildID == changed, "a rewritten library was served from the cache")
    }

    static func find(_ needle: [UInt8], in hay: [UInt8]) -> Int? {
        guard needle.count <= hay.count else { return nil }
        for i in 0...(hay.count - needle.count) where hay[i] == needle[0] {
            if Array(hay[i..<(i + needle.count)]) == needle { return i }
        }
        return nil
    }
}
