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
            return parse(bytes: try ProcFile.bytes("/proc/\(pid)/maps"))
        } catch .open(_, let e) where e == ENOENT || e == ESRCH {
            throw TargetError.noSuchProcess(pid)
        } catch {
            throw TargetError.mapsUnreadable(pid: pid, reason: "\(error)")
        }
    }

    public static func parse(_ text: String) -> [MapEntry] { parse(bytes: Array(text.utf8)) }

    /// Byte-level: the map is read inside every stop, and a process with
    /// thousands of mappings made String splitting the larger part of the check.
    public static func parse(bytes: [UInt8]) -> [MapEntry] {
        var out: [MapEntry] = []
        var start = 0
        while start < bytes.count {
            var end = start
            while end < bytes.count && bytes[end] != 0x0a { end += 1 }
            if let e = line(bytes[start..<end]) { out.append(e) }
            start = end + 1
        }
        return out
    }

    /// One line: `start-end perms offset dev inode [path]`, or nil.
    static func line(_ l: ArraySlice<UInt8>) -> MapEntry? {
        var i = l.startIndex
        func field() -> ArraySlice<UInt8>? {
            while i < l.endIndex && l[i] == 0x20 { i += 1 }
            let s = i
            while i < l.endIndex && l[i] != 0x20 { i += 1 }
            return s < i ? l[s..<i] : nil
        }
        guard let range = field(), let perms = field(), let off = field(), field() != nil, let inode = field(),
              let dash = range.firstIndex(of: 0x2d),
              let s = number(range[range.startIndex..<dash], radix: 16),
              let e = number(range[(dash + 1)...], radix: 16),
              let offset = number(off, radix: 16), let ino = number(inode, radix: 10) else { return nil }
        var p = i
        while p < l.endIndex && (l[p] == 0x20 || l[p] == 0x09) { p += 1 }
        var q = l.endIndex
        while q > p && (l[q - 1] == 0x20 || l[q - 1] == 0x09) { q -= 1 }
        return MapEntry(start: s, end: e, permissions: String(decoding: perms, as: UTF8.self), offset: offset,
                        inode: ino, path: String(decoding: l[p..<q], as: UTF8.self))
    }

    /// An unsigned number in `radix` (10 or 16), nil on any other byte or overflow.
    static func number(_ digits: ArraySlice<UInt8>, radix: UInt64) -> UInt64? {
        guard !digits.isEmpty else { return nil }
        var v: UInt64 = 0
        for b in digits {
            let d: UInt64
            switch b {
            case 0x30...0x39: d = UInt64(b - 0x30)
            case 0x61...0x66 where radix == 16: d = UInt64(b - 0x61 + 10)
            case 0x41...0x46 where radix == 16: d = UInt64(b - 0x41 + 10)
            default: return nil
            }
            let (m, o1) = v.multipliedReportingOverflow(by: radix)
            let (a, o2) = m.addingReportingOverflow(d)
            guard !o1, !o2 else { return nil }
            v = a
        }
        return v
    }

    /// Free gaps between mappings, for placing code near a module.
    public static func gaps(
        _ maps: [MapEntry], floor: UInt64 = 0x10000, ceiling: UInt64 = 0x7fff_ffff_f000
    ) -> [Range<UInt64>] {
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
