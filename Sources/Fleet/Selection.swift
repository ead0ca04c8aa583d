import Foundation
import Target

/// Which processes a batch considers. Every selector is read from /proc or
/// cgroupfs when the batch starts; a process that ends before its turn is
/// reported as gone, never as patched.
public enum Selection: Sendable, Equatable {
    case all
    case pids([Int32])
    /// Processes whose /proc/PID/exe resolves to this path.
    case executable(String)
    /// Processes in this cgroup (v2) or below, e.g. `system.slice/foo.service`.
    case cgroup(String)

    public func pids(excluding own: Int32 = getpid()) throws -> [Int32] {
        let found: [Int32]
        switch self {
        case .all:
            found = Self.allPIDs().filter { Self.executable(of: $0) != nil }
        case let .pids(list):
            found = list
        case let .executable(path):
            let want = URL(fileURLWithPath: path).resolvingSymlinksInPath().path
            found = Self.allPIDs().filter { Self.executable(of: $0) == want }
        case let .cgroup(path):
            found = try Self.cgroupPIDs(path)
        }
        var seen = Set<Int32>()
        // Never ourselves: a process cannot ptrace itself.
        return found.filter { $0 != own && seen.insert($0).inserted }
    }

    static func allPIDs() -> [Int32] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        return names.compactMap { Int32($0) }.filter { $0 > 0 }.sorted()
    }

    /// The executable a process runs; nil for kernel threads and processes
    /// that are gone.
    public static func executable(of pid: Int32) -> String? {
        guard let p = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(pid)/exe"), !p.isEmpty
        else { return nil }
        return p
    }

    static func cgroupPIDs(_ path: String) throws -> [Int32] {
        let rel = path.hasPrefix("/sys/fs/cgroup") ? String(path.dropFirst("/sys/fs/cgroup".count)) : path
        let root = "/sys/fs/cgroup/" + rel.drop { $0 == "/" }
        guard !rel.split(separator: "/").contains("..") else { throw SelectionError.badCgroup(path, "contains ..") }
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: root, isDirectory: &isDir), isDir.boolValue else {
            throw SelectionError.badCgroup(path, "no such cgroup directory \(root)")
        }
        var pids: [Int32] = []
        let walker = FileManager.default.enumerator(atPath: root)
        var dirs = [root]
        while let d = walker?.nextObject() as? String {
            if d.hasSuffix("cgroup.procs") { continue }
            let full = root + "/" + d
            if FileManager.default.fileExists(atPath: full + "/cgroup.procs") { dirs.append(full) }
        }
        for d in dirs {
            guard let text = try? ProcFile.text(d + "/cgroup.procs") else { continue }
            pids += text.split(separator: "\n").compactMap { Int32($0) }
        }
        return pids.sorted()
    }
}

public enum SelectionError: Error, CustomStringConvertible, Sendable {
    case badCgroup(String, String)

    public var description: String {
        switch self {
        case let .badCgroup(p, why):
            return "--cgroup \(p): \(why); give a cgroup v2 path such as system.slice/NAME.service"
        }
    }
}
