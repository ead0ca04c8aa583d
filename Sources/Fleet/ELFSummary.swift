import Glibc

/// The little `watch` needs of a mapped ELF file (build-id, soname, whether
/// it has an interpreter, its RELRO and lowest load address), read with a
/// few bounded `pread`s: the probe meets every binary on the host, and
/// reading and parsing whole files (symbol tables included) would make the
/// first look at a large program take seconds.
struct ELFSummary: Equatable {
    var buildID: [UInt8]?
    var soname: String?
    var dynamic: Bool
    /// PT_GNU_RELRO, link-time: start and end.
    var relro: (start: UInt64, end: UInt64)?
    /// The lowest PT_LOAD address.
    var lowestLoad: UInt64

    static func == (a: ELFSummary, b: ELFSummary) -> Bool {
        a.buildID == b.buildID && a.soname == b.soname && a.dynamic == b.dynamic
            && a.relro?.start == b.relro?.start && a.relro?.end == b.relro?.end && a.lowestLoad == b.lowestLoad
    }

    struct Segment {
        var type: UInt32
        var offset: UInt64
        var address: UInt64
        var fileSize: UInt64
        var memorySize: UInt64
    }

    static let maxSegments = 256
    static let maxArea = 1 << 16

    /// nil for anything that is not a readable little-endian ELF64 file.
    static func read(path: String) -> ELFSummary? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        guard let h = bytes(fd, 0, 64), h.count == 64, h[0] == 0x7f, h[1] == 0x45, h[2] == 0x4c, h[3] == 0x46,
              h[4] == 2, h[5] == 1
        else { return nil }
        let phoff = le(h, 0x20, 8), entsize = le(h, 0x36, 2), count = le(h, 0x38, 2)
        guard entsize >= 56, count > 0, count <= UInt64(maxSegments),
              let table = bytes(fd, phoff, Int(entsize * count)), table.count == Int(entsize * count)
        else { return nil }
        let segments = (0..<Int(count)).map { i -> Segment in
            let b = i * Int(entsize)
            return Segment(type: UInt32(le(table, b, 4)), offset: le(table, b + 8, 8), address: le(table, b + 16, 8),
                           fileSize: le(table, b + 32, 8), memorySize: le(table, b + 40, 8))
        }
        let loads = segments.filter { $0.type == 1 }
        guard let low = loads.map(\.address).min() else { return nil }
        var s = ELFSummary(buildID: nil, soname: nil, dynamic: segments.contains { $0.type == 3 }, relro: nil,
                           lowestLoad: low)
        if let r = segments.first(where: { $0.type == 0x6474_e552 }) {
            let (end, overflow) = r.address.addingReportingOverflow(r.memorySize)
            if !overflow { s.relro = (r.address, end) }
        }
        for n in segments where n.type == 4 && s.buildID == nil {
            if let area = bytes(fd, n.offset, Int(min(n.fileSize, UInt64(maxArea)))) { s.buildID = buildID(in: area) }
        }
        if let d = segments.first(where: { $0.type == 2 }),
           let area = bytes(fd, d.offset, Int(min(d.fileSize, UInt64(maxArea)))) {
            s.soname = soname(fd, dynamic: area, loads: loads)
        }
        return s
    }

    /// The NT_GNU_BUILD_ID descriptor owned by "GNU" (notes are 4-aligned).
    static func buildID(in area: [UInt8]) -> [UInt8]? {
        var at = 0
        while at + 12 <= area.count {
            let nameSize = Int(le(area, at, 4)), descSize = Int(le(area, at + 4, 4)), type = le(area, at + 8, 4)
            let name = at + 12, desc = name + (nameSize + 3) & ~3
            guard nameSize <= maxArea, descSize <= maxArea, desc + descSize <= area.count else { return nil }
            if type == 3, nameSize == 4, Array(area[name..<name + 4]) == [0x47, 0x4e, 0x55, 0] {
                return Array(area[desc..<desc + descSize])
            }
            at = desc + (descSize + 3) & ~3
        }
        return nil
    }

    /// DT_SONAME, looked up in DT_STRTAB through the load segment holding it.
    static func soname(_ fd: Int32, dynamic: [UInt8], loads: [Segment]) -> String? {
        var strtab: UInt64?, name: UInt64?
        var at = 0
        while at + 16 <= dynamic.count {
            let tag = le(dynamic, at, 8), value = le(dynamic, at + 8, 8)
            if tag == 0 { break }
            if tag == 5 { strtab = value }
            if tag == 14 { name = value }
            at += 16
        }
        guard let strtab, let name,
              let seg = loads.first(where: { strtab >= $0.address && strtab - $0.address < $0.fileSize })
        else { return nil }
        let (inFile, o1) = (strtab - seg.address).addingReportingOverflow(seg.offset)
        let (offset, o2) = inFile.addingReportingOverflow(name)
        guard !o1, !o2, let b = bytes(fd, offset, 256), let end = b.firstIndex(of: 0) else { return nil }
        return String(decoding: b[..<end], as: UTF8.self)
    }

    static func bytes(_ fd: Int32, _ offset: UInt64, _ count: Int) -> [UInt8]? {
        guard count >= 0, count <= maxArea * 2, offset <= UInt64(Int64.max) else { return nil }
        var b = [UInt8](repeating: 0, count: count)
        let n = b.withUnsafeMutableBytes { pread(fd, $0.baseAddress, count, off_t(offset)) }
        guard n >= 0 else { return nil }
        return Array(b.prefix(n))
    }

    static func le(_ b: [UInt8], _ at: Int, _ width: Int) -> UInt64 {
        guard at >= 0, at + width <= b.count else { return 0 }
        var v: UInt64 = 0
        for i in (0..<width).reversed() { v = v << 8 | UInt64(b[at + i]) }
        return v
    }
}
