import ELF
import Foundation
import Glibc
import Testing

/// `FileBytes.read`, which loads the modules of a live process: every byte,
/// also of files whose size stat does not tell, and a refusal over the limit.
struct FileBytesTests {
    @Test func readsWhatFoundationReads() throws {
        let path = "/proc/self/exe"
        let bytes = try FileBytes.read(path)
        let foundation = try #require(FileManager.default.contents(atPath: path))
        #expect(bytes.count > 4096 && bytes == [UInt8](foundation))
    }

    @Test func readsAProcFileThatReportsNoSize() throws {
        // /proc/self/maps has st_size 0 but many lines.
        let text = String(decoding: try FileBytes.read("/proc/self/maps"), as: UTF8.self)
        #expect(text.split(separator: "\n").count > 5 && text.hasSuffix("\n"), "\(text.prefix(200))")
    }

    @Test func refusesOverTheLimitAndNamesTheSystemError() throws {
        #expect(throws: FileBytes.Failure(path: "/proc/self/exe", code: 0)) {
            try FileBytes.read("/proc/self/exe", limit: 1000)
        }
        // A /proc file that reports no size is still held to the limit.
        #expect(throws: FileBytes.Failure(path: "/proc/self/maps", code: 0)) {
            try FileBytes.read("/proc/self/maps", limit: 64)
        }
        let missing = "/nonexistent/xsplice-filebytes"
        #expect(throws: FileBytes.Failure(path: missing, code: ENOENT)) { try FileBytes.read(missing) }
        #expect(FileBytes.Failure(path: missing, code: ENOENT).description.contains("No such file"))
    }
}
