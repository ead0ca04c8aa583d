import Foundation
import Target

/// Which modules a process maps, with their build-ids, and whether its
/// dynamic loader has finished start-up, read from /proc without stopping or
/// attaching to the process. `watch` uses it to pass over the processes a
/// payload is not for before it spends a worker on them, and to wait until a
/// new process's libraries are mapped and relocated. It only ever narrows: a
/// process it lets through is still verified byte for byte.
public final class ModuleProbe {
    public struct Mapped: Sendable, Equatable {
        /// "" for the main executable, else the soname (file name if none).
        public var name: String
        public var buildID: [UInt8]?
        /// The file mapped, as /proc shows it: path and inode.
        public var path: String
        public var inode: UInt64
    }

    public struct Snapshot: Sendable {
        public var modules: [Mapped]
        public var startup: Startup
    }

    /// Where a process is in its start-up, as far as /proc shows it.
    public enum Startup: Equatable, Sendable {
        /// Statically linked, or the loader has protected the executable's
        /// RELRO region: every library it needs is mapped and relocated.
        case done
        /// The executable's RELRO region is still writable: the loader is
        /// still mapping or relocating.
        case loading
        /// A dynamically linked executable without RELRO: /proc cannot tell.
        case unknown
    }

    /// What one file on disk says, independent of where it is mapped.
    struct FileInfo {
        var name: String
        var buildID: [UInt8]?
        var dynamic: Bool
        /// The RELRO range, link-time, rounded inward to pages as the loader
        /// protects it; nil when there is none.
        var relro: (start: UInt64, end: UInt64)?
        /// The lowest PT_LOAD address, page-aligned: maps to offset 0.
        var base: UInt64
    }

    struct Key: Hashable {
        var path: String
        var inode: UInt64
        var size: UInt64
    }

    private var cache: [Key: FileInfo] = [:]
    /// Bounded, so a host that runs ever-new binaries cannot grow it forever.
    private let cacheLimit = 4096
    static let relroType: UInt32 = 0x6474_e552
    static let page: UInt64 = 4096

    public init() {}

    /// The modules `pid` maps now; nil when it is gone, has no executable
    /// mapping (a kernel thread) or cannot be read.
    public func snapshot(of pid: Int32) -> Snapshot? {
        guard let maps = try? MemoryMap.read(pid: pid), !maps.isEmpty else { return nil }
        let exe = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(pid)/exe")) ?? ""
        var out: [Mapped] = []
        var startup: Startup?
        var seen = Set<String>()
        for m in maps where m.inode != 0 && m.offset == 0 && m.path.hasPrefix("/") && !seen.contains(m.path) {
            seen.insert(m.path)
            let parts = maps.filter { $0.path == m.path && $0.inode == m.inode }
            guard parts.contains(where: \.isExecutable) else { continue }
            let isMain = m.path == exe || m.path == exe.replacingOccurrences(of: " (deleted)", with: "")
            let end = parts.map(\.end).max() ?? m.end
            guard let info = describe(pid: pid, mapping: m, size: end &- m.start) else {
                // Unreadable main executable: nothing can be said of it.
                if isMain { return nil }
                continue
            }
            if isMain { startup = Self.startup(info, bias: m.start &- info.base, maps: maps) }
            out.append(Mapped(name: isMain ? "" : info.name, buildID: info.buildID, path: m.path, inode: m.inode))
        }
        guard let startup else { return nil }
        return Snapshot(modules: out, startup: startup)
    }

    static func startup(_ main: FileInfo, bias: UInt64, maps: [MapEntry]) -> Startup {
        guard main.dynamic else { return .done }
        guard let relro = main.relro else { return .unknown }
        let (lo, lowOverflow) = relro.start.addingReportingOverflow(bias)
        let (hi, highOverflow) = relro.end.addingReportingOverflow(bias)
        guard !lowOverflow, !highOverflow else { return .unknown }
        let covering = maps.filter { $0.start < hi && $0.end > lo }
        guard !covering.isEmpty else { return .unknown }
        return covering.allSatisfy({ !$0.permissions.contains("w") }) ? .done : .loading
    }

    /// The soname and build-id of one mapped file, read through map_files
    /// (the very file mapped, not whatever is at its path now).
    private func describe(pid: Int32, mapping: MapEntry, size: UInt64) -> FileInfo? {
        let key = Key(path: mapping.path, inode: mapping.inode, size: size)
        if let m = cache[key] { return m }
        let file = "/proc/\(pid)/map_files/\(String(mapping.start, radix: 16))-\(String(mapping.end, radix: 16))"
        guard let elf = ELFSummary.read(path: file) else { return nil }
        var relro: (UInt64, UInt64)?
        if let r = elf.relro {
            // glibc protects whole pages: the start rounded down, the end
            // rounded down (the last partial page stays writable).
            let start = r.start & ~(Self.page - 1), last = r.end & ~(Self.page - 1)
            if last > start { relro = (start, last) }
        }
        let info = FileInfo(
            name: elf.soname ?? String(mapping.path.split(separator: "/").last ?? ""), buildID: elf.buildID,
            dynamic: elf.dynamic, relro: relro, base: elf.lowestLoad & ~(Self.page - 1))
        if cache.count >= cacheLimit { cache.removeAll() }
        cache[key] = info
        return info
    }

    /// How a payload stands to a process, from its mapped modules alone.
    public enum Match: Equatable, Sendable {
        /// The module is mapped and its build-id is the payload's (or the
        /// payload names none): a candidate, still to be verified.
        case candidate
        case notMapped
        case otherBuild(Mapped)
    }

    public static func match(_ p: StoredPayload, in modules: [Mapped]) -> Match {
        guard let m = modules.first(where: { $0.name == p.module }) else { return .notMapped }
        guard let want = p.buildID else { return .candidate }
        return m.buildID == want ? .candidate : .otherBuild(m)
    }
}
