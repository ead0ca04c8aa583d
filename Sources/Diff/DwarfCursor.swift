/// A bounds-checked reader over DWARF bytes; every read past the end
/// returns nil, so malformed debug information ends the walk instead of trapping.
struct DwarfCursor {
    let bytes: [UInt8]
    var at: Int
    let end: Int

    init(_ bytes: [UInt8], from: Int = 0, end: Int? = nil) {
        self.bytes = bytes
        at = from
        self.end = min(end ?? bytes.count, bytes.count)
    }

    var atEnd: Bool { at >= end }

    mutating func u(_ n: Int) -> UInt64? {
        guard n >= 0, at <= end - n else { return nil }
        var v: UInt64 = 0
        for i in 0..<n { v |= UInt64(bytes[at + i]) << (8 * UInt64(i)) }
        at += n
        return v
    }

    mutating func uleb() -> UInt64? {
        var v: UInt64 = 0, shift: UInt64 = 0
        while at < end {
            let b = bytes[at]
            at += 1
            if shift < 64 { v |= UInt64(b & 0x7f) << shift }
            shift += 7
            if b & 0x80 == 0 { return v }
        }
        return nil
    }

    mutating func sleb() -> Int64? {
        var v: Int64 = 0, shift: Int64 = 0, b: UInt8 = 0
        repeat {
            guard at < end else { return nil }
            b = bytes[at]
            at += 1
            if shift < 64 { v |= Int64(b & 0x7f) << shift }
            shift += 7
        } while b & 0x80 != 0
        if shift < 64, b & 0x40 != 0 { v |= -(Int64(1) << shift) }
        return v
    }

    mutating func skip(_ n: UInt64) -> Bool {
        guard n <= UInt64(end - at) else { return false }
        at += Int(n)
        return true
    }

    mutating func cString() -> String? {
        guard let z = bytes[at..<end].firstIndex(of: 0) else { return nil }
        defer { at = z + 1 }
        return String(decoding: bytes[at..<z], as: UTF8.self)
    }
}
