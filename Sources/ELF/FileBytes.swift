import Glibc

/// A whole file read straight into an array with read(2). Loading a module
/// of a live process (a 2 MB libc, on every live command) through Foundation
/// cost a `Data` and then a second copy into `[UInt8]`; this is one copy.
public enum FileBytes {
    public struct Failure: Error, CustomStringConvertible, Equatable {
        public let path: String
        /// The errno of the call that failed; 0 for a file over the limit.
        public let code: Int32

        public init(path: String, code: Int32) {
            self.path = path
            self.code = code
        }

        public var description: String {
            code == 0 ? "\(path): larger than the limit" : "\(path): \(String(cString: strerror(code)))"
        }
    }

    /// Every byte of the file at `path`, refusing one larger than `limit`
    /// (the size comes from outside).
    public static func read(_ path: String, limit: Int = 1 << 32) throws(Failure) -> [UInt8] {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw Failure(path: path, code: errno) }
        defer { close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0 else { throw Failure(path: path, code: errno) }
        guard st.st_size >= 0, st.st_size <= limit else { throw Failure(path: path, code: 0) }
        // A size the file no longer has (it grew, or a /proc file reports 0):
        // read to end of file, growing the buffer, within the limit.
        var bytes = [UInt8](repeating: 0, count: Int(st.st_size) + 1)
        var used = 0
        while true {
            if used == bytes.count {
                guard used <= limit else { throw Failure(path: path, code: 0) }
                bytes.append(contentsOf: repeatElement(0, count: max(bytes.count, 4096)))
            }
            let n = bytes.withUnsafeMutableBytes { b in
                Glibc.read(fd, b.baseAddress.map { $0 + used }, b.count - used)
            }
            if n < 0 {
                if errno == EINTR { continue }
                throw Failure(path: path, code: errno)
            }
            if n == 0 { break }
            used += n
        }
        guard used <= limit else { throw Failure(path: path, code: 0) }
        bytes.removeSubrange(used...)
        return bytes
    }
}
