import Glibc

/// Reads files under /proc to their end.
///
/// procfs files report a size of 0 and are produced a page at a time, so a
/// reader that trusts `st_size` or stops after one `read` sees only the first
/// 4,096 bytes (Foundation's `contents(atPath:)` did exactly that for
/// /proc/PID/maps). Every /proc read in xsplice goes through here.
public enum ProcFile {
    /// Upper bound on one file, so a pathological file cannot exhaust memory.
    /// 256 MiB is far above any real maps file (a process with 65,530
    /// mappings, the default `vm.max_map_count`, writes about 8 MiB).
    public static let limit = 256 << 20

    public enum Failure: Error, Equatable, Sendable {
        /// open(2) failed with this errno (ENOENT: no such process or file).
        case open(path: String, errno: Int32)
        /// read(2) failed with this errno part way through.
        case read(path: String, errno: Int32)
        /// The file is larger than `limit`.
        case tooLarge(path: String)
    }

    /// The whole file as bytes, read until read(2) returns 0.
    public static func bytes(_ path: String) throws(Failure) -> [UInt8] {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw .open(path: path, errno: errno) }
        defer { close(fd) }
        var out: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 64 << 10)
        while true {
            let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n == 0 { return out }
            if n < 0 {
                if errno == EINTR { continue }
                throw .read(path: path, errno: errno)
            }
            guard out.count + n <= limit else { throw .tooLarge(path: path) }
            out.append(contentsOf: chunk[0..<n])
        }
    }

    /// The whole file as text (procfs files are ASCII except for paths,
    /// which are decoded leniently: a path is never trusted anyway).
    public static func text(_ path: String) throws(Failure) -> String {
        String(decoding: try bytes(path), as: UTF8.self)
    }

    /// The value of one `Key:` line of a status-style file, trimmed, or nil.
    public static func field(_ key: String, in text: String) -> String? {
        let prefix = key + ":"
        for line in text.split(separator: "\n") where line.hasPrefix(prefix) {
            var v = line.dropFirst(prefix.count)
            while let f = v.first, f == " " || f == "\t" { v = v.dropFirst() }
            while let l = v.last, l == " " || l == "\t" { v = v.dropLast() }
            return String(v)
        }
        return nil
    }
}
