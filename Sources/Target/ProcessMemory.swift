import CShims
import Glibc

/// Reads and writes a process's memory through /proc/PID/mem, which, unlike
/// process_vm_writev, can write read-only code pages. A class because it
/// owns the file descriptor.
public final class ProcessMemory: WritableMemory, @unchecked Sendable {
    public let pid: Int32
    private let fd: Int32

    public init(pid: Int32) throws {
        self.pid = pid
        let f = open("/proc/\(pid)/mem", O_RDWR | O_CLOEXEC)
        guard f >= 0 else {
            let e = errno
            if e == ENOENT || e == ESRCH { throw TargetError.noSuchProcess(pid) }
            if e == EACCES || e == EPERM { throw TargetError.permission(pid: pid, what: "open the memory of") }
            throw TargetError.io(
                what: "open /proc/\(pid)/mem for", address: 0, count: 0, reason: String(cString: strerror(e)))
        }
        fd = f
    }

    deinit { close(fd) }

    public func read(_ address: UInt64, count: Int) throws -> [UInt8] {
        guard count > 0 else { return [] }
        guard count <= 1 << 30 else {
            throw TargetError.io(what: "read", address: address, count: count, reason: "too large")
        }
        var buf = [UInt8](repeating: 0, count: count)
        var done = 0
        while done < count {
            let n = buf.withUnsafeMutableBytes { p in
                pread(fd, p.baseAddress! + done, count - done, off_t(Int64(bitPattern: address &+ UInt64(done))))
            }
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else {
                throw TargetError.io(what: "read", address: address, count: count,
                                     reason: n == 0 ? "end of memory" : String(cString: strerror(errno)))
            }
            done += n
        }
        return buf
    }

    /// One process_vm_readv for all ranges; falls back to pread when the
    /// kernel refuses (for example a page it will not read that way).
    public func readMany(_ ranges: [(address: UInt64, count: Int)]) throws -> [[UInt8]] {
        let total = ranges.reduce(0) { $0 + $1.count }
        guard total > 0, total <= 1 << 30, ranges.allSatisfy({ $0.count >= 0 }) else {
            return try ranges.map { try read($0.address, count: $0.count) }
        }
        var buf = [UInt8](repeating: 0, count: total)
        let addrs = ranges.map(\.address)
        let lens = ranges.map { UInt64($0.count) }
        let got = buf.withUnsafeMutableBytes { b in
            xs_vm_read_many(pid, b.baseAddress, addrs, lens, Int32(ranges.count))
        }
        guard got == total else { return try ranges.map { try read($0.address, count: $0.count) } }
        var out: [[UInt8]] = []
        out.reserveCapacity(ranges.count)
        var o = 0
        for r in ranges {
            out.append(Array(buf[o..<(o + r.count)]))
            o += r.count
        }
        return out
    }

    public func write(_ address: UInt64, bytes: [UInt8]) throws {
        var done = 0
        while done < bytes.count {
            let n = bytes.withUnsafeBytes { p in
                pwrite(fd, p.baseAddress! + done, bytes.count - done, off_t(Int64(bitPattern: address &+ UInt64(done))))
            }
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else {
                throw TargetError.io(what: "write", address: address, count: bytes.count,
                                     reason: n == 0 ? "end of memory" : String(cString: strerror(errno)))
            }
            done += n
        }
    }
}
