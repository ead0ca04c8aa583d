import Foundation

/// One line of /proc/PID/maps.
public struct MapEntry: Sendable, Equatable {
    public let start: UInt64
    public let end: UInt64
    public let permissions: String
    public let offset: UInt64
    public let inode: UInt64
    public let path: String

    public init(start: UInt64, end: UInt64, permissions: String, offset: UInt64, inode: UInt64, path: String) {
        self.start = start
        self.end = end
        self.permissions = permissions
        self.offset = offset
        self.inode = inode
        self.path = path
    }

    public var isExecutable: Bool { permissions.contains("x") }
    public var size: UInt64 { end - start }
    public func contains(_ a: UInt64) -> Bool { a >= start && a < end }
}

/// Parses /proc/PID/maps. Lines that do not parse are skipped rather than
/// trusted: the kernel writes this file, but paths may contain anything.
public enum MemoryMap {
    public static func read(pid: Int32) throws -> [MapEntry] {
        // Read to the end: the main thread's [stack] line comes last, and a
        // real program's maps is far longer than one 4 KiB procfs page.
        do {
            return parse(try ProcFile.text("/proc/\(pid)/maps"))
        } catch .open(_, let e) where e == ENOENT || e == ESRCH {
            throw TargetError.noSuchProcess(pid)
        } catch {
            throw TargetError.mapsUnreadable(pid: pid, reason: "\(error)")
        }
    }

    public static func parse(_ text: String) -> [MapEntry] {
        var out: [MapEntry] = []
        for line in text.split(separator: "\n") {
            let fields = line.split(separator: " ", maxSplits: 5, omittingEmptySubsequences: true)
            guard fields.count >= 5 else { continue }
            let range = fields[0].split(separator: "-")
            guard range.count == 2, let s = UInt64(range[0], radix: 16), let e = UInt64(range[1], radix: 16),
                  let off = UInt64(fields[2], radix: 16), let inode = UInt64(fields[4]) else { continue }
            let path = fields.count > 5 ? String(fields[5]).trimmingCharacters(in: .whitespaces) : ""
            out.append(MapEntry(start: s, end: e, permissions: String(fields[1]), offset: off, inode: inode, path: path))
        }
        return out
    }

    /// Free gaps between mappings, for placing code near a module.
    public static func gaps(_ maps: [MapEntry], floor: UInt64 = 0x10000, ceiling: UInt64 = 0x7fff_ffff_f000) -> [Range<UInt64>] {
        let sorted = maps.sorted { $0.start < $1.start }
        var out: [Range<UInt64>] = []
        var cursor = floor
        for m in sorted {
            if m.start > cursor { out.append(cursor..<min(m.start, ceiling)) }
            cursor = max(cursor, m.end)
            if cursor >= ceiling { break }
        }
        if cursor < ceiling { out.append(cursor..<ceiling) }
        return out.filter { !$0.isEmpty }
    }
}
