import Foundation

/// Thread IDs of a process, from /proc/PID/task.
enum Threads {
    static func list(pid: Int32) throws -> [Int32] {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/task") else {
            throw TargetError.noSuchProcess(pid)
        }
        return names.compactMap { Int32($0) }.sorted()
    }

    /// The tracer of a thread, 0 if none (from /proc/TID/status).
    static func tracer(of tid: Int32) -> Int32 {
        guard let d = FileManager.default.contents(atPath: "/proc/\(tid)/status") else { return 0 }
        for line in String(decoding: d, as: UTF8.self).split(separator: "\n") where line.hasPrefix("TracerPid:") {
            return Int32(line.dropFirst("TracerPid:".count).trimmingCharacters(in: .whitespaces)) ?? 0
        }
        return 0
    }
}
