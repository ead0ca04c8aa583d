import Foundation
import Glibc
import Target

/// One xsplice at a time per process. The lock is an flock(2) on a file
/// named after the target's PID and start time (so a recycled PID is a
/// different process), held for a whole operation. The kernel drops it when
/// its holder dies, however it dies: holding it is the proof that whoever
/// wrote a pending journal is gone. A class because it owns the descriptor.
public final class OperatorLock {
    public let path: String
    private var fd: Int32

    /// Where lock files live: $XSPLICE_LOCK_DIR, else /run/xsplice (sticky
    /// and world-writable like /tmp, so users can lock their own processes).
    public static var directory: String {
        if let d = getenv("XSPLICE_LOCK_DIR") { return String(cString: d) }
        return "/run/xsplice"
    }

    /// Waits up to `timeoutSeconds` for the lock of process `pid`.
    public init(pid: Int32, timeoutSeconds: Double, directory dir: String = OperatorLock.directory) throws {
        let start = try ProcessIdentity.startTime(pid: pid)
        if mkdir(dir, 0o1777) == 0 { chmod(dir, 0o1777) }
        path = "\(dir)/\(pid)-\(start).lock"
        let began = Clock.nowMicros()
        let deadline = began + UInt64(max(0, timeoutSeconds) * 1_000_000)
        var pause: UInt32 = 1_000
        while true {
            let f = open(path, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0o644)
            guard f >= 0 else { throw OperatorLockError.unusable(path: path, reason: String(cString: strerror(errno))) }
            if flock(f, LOCK_EX | LOCK_NB) == 0 {
                // A holder unlinks the file before it lets go: a lock on an
                // unlinked file excludes no one, so take it again by name.
                var mine = stat(), named = stat()
                if fstat(f, &mine) == 0, stat(path, &named) == 0, mine.st_ino == named.st_ino,
                    mine.st_dev == named.st_dev
                {
                    fd = f
                    let me = Array("\(getpid())\n".utf8)
                    _ = ftruncate(f, 0)
                    _ = me.withUnsafeBytes { pwrite(f, $0.baseAddress, me.count, 0) }
                    return
                }
                close(f)
                continue
            }
            let holder = Self.holder(f)
            close(f)
            let now = Clock.nowMicros()
            guard now < deadline else {
                throw OperatorLockError.held(pid: pid, holder: holder, waitedSeconds: Double(now - began) / 1e6)
            }
            usleep(pause)
            pause = min(pause * 2, 20_000)
        }
    }

    deinit { release() }

    /// Lets the next operator in; also done on deinit.
    public func release() {
        guard fd >= 0 else { return }
        unlink(path)
        close(fd)
        fd = -1
    }

    private static func holder(_ f: Int32) -> Int32? {
        var buf = [UInt8](repeating: 0, count: 16)
        let n = buf.withUnsafeMutableBytes { pread(f, $0.baseAddress, 15, 0) }
        guard n > 0 else { return nil }
        return Int32(String(decoding: buf[0..<n], as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines))
    }
}

public enum OperatorLockError: Error, CustomStringConvertible, Sendable {
    case held(pid: Int32, holder: Int32?, waitedSeconds: Double)
    case unusable(path: String, reason: String)

    public var description: String {
        switch self {
        case let .held(pid, holder, waited):
            let who = holder.map { "pid \($0)" } ?? "pid unknown"
            return "refused: another xsplice is operating on PID \(pid) (\(who)); waited "
                + String(format: "%.1f", waited) + " s. Retry when it is done, or raise --timeout; nothing was written"
        case let .unusable(path, reason):
            return "refused: cannot open the operator lock \(path) (\(reason)); set XSPLICE_LOCK_DIR to a writable "
                + "directory shared by every operator; nothing was written"
        }
    }
}

/// What tells one process from a later one that reuses its PID.
public enum ProcessIdentity {
    /// Field 22 of /proc/PID/stat: the start time in clock ticks since boot.
    public static func startTime(pid: Int32) throws -> UInt64 {
        guard let text = try? ProcFile.text("/proc/\(pid)/stat") else { throw TargetError.noSuchProcess(pid) }
        guard let close = text.lastIndex(of: ")") else { throw TargetError.noSuchProcess(pid) }
        // After ")" come fields 3 (state) onwards; the start time is field 22.
        let fields = text[text.index(after: close)...].split(separator: " ")
        guard fields.count > 19, let t = UInt64(fields[19]) else { throw TargetError.noSuchProcess(pid) }
        return t
    }
}
