import Foundation
import Glibc

/// Thread IDs of a process, from /proc/PID/task.
enum Threads {
    /// opendir/readdir rather than FileManager: this runs while the threads
    /// are being stopped, where every microsecond is part of the pause.
    static func list(pid: Int32) throws -> [Int32] {
        guard let ids = numericEntries(of: "/proc/\(pid)/task") else { throw TargetError.noSuchProcess(pid) }
        return ids
    }

    /// The names of a directory that are decimal numbers (task or process
    /// IDs), or nil if the directory cannot be opened.
    static func numericEntries(of path: String) -> [Int32]? {
        guard let dir = opendir(path) else { return nil }
        defer { closedir(dir) }
        var out: [Int32] = []
        out.reserveCapacity(16)
        while let entry = readdir(dir) {
            let id = withUnsafeBytes(of: entry.pointee.d_name) { raw -> Int32? in
                var v: Int32 = 0
                var any = false
                for b in raw {
                    guard b != 0 else { break }
                    guard b >= 0x30, b <= 0x39 else { return nil }
                    let (m, o1) = v.multipliedReportingOverflow(by: 10)
                    let (a, o2) = m.addingReportingOverflow(Int32(b - 0x30))
                    guard !o1, !o2 else { return nil }
                    v = a
                    any = true
                }
                return any ? v : nil
            }
            if let id { out.append(id) }
        }
        return out
    }

    /// The tracer of a thread, 0 if none (from /proc/TID/status).
    static func tracer(of tid: Int32) -> Int32 {
        guard let text = try? ProcFile.text("/proc/\(tid)/status") else { return 0 }
        return ProcFile.field("TracerPid", in: text).flatMap { Int32($0) } ?? 0
    }

    /// Whether a thread is on its way out: gone, a zombie, or still refusing
    /// to be traced after a short wait (the kernel refuses PTRACE_SEIZE on
    /// an exiting thread with the same EPERM as on a forbidden one).
    static func isExiting(pid: Int32, tid: Int32) -> Bool {
        for _ in 0..<50 {
            guard let text = try? ProcFile.text("/proc/\(pid)/task/\(tid)/stat") else { return true }
            if let close = text.lastIndex(of: ")") {
                let state = text[text.index(after: close)...].trimmingCharacters(in: .whitespaces).first
                if state == "Z" || state == "X" { return true }
            }
            usleep(200)
        }
        return false
    }

    /// Whether a thread is a zombie (or gone): it has exited, possibly a
    /// main thread that called pthread_exit while others run on.
    static func isZombie(pid: Int32, tid: Int32) -> Bool {
        guard let text = try? ProcFile.text("/proc/\(pid)/task/\(tid)/stat"),
              let close = text.lastIndex(of: ")") else { return true }
        let state = text[text.index(after: close)...].trimmingCharacters(in: .whitespaces).first
        return state == "Z" || state == "X"
    }
}
