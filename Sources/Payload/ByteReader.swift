/// Bounds-checked little-endian reader. Every read names the field it is
/// reading so that a truncated or hostile file gets a precise error; the
/// names are autoclosures, built only when there is an error to report.
struct ByteReader {
    let bytes: [UInt8]
    private(set) var offset: Int
    let end: Int

    init(_ bytes: [UInt8], offset: Int = 0, end: Int? = nil) {
        self.bytes = bytes
        self.offset = offset
        self.end = min(end ?? bytes.count, bytes.count)
    }

    var remaining: Int { end - offset }

    mutating func take(_ n: Int, _ field: @autoclosure () -> String) throws(PayloadError) -> ArraySlice<UInt8> {
        guard n >= 0, n <= remaining else {
            throw .truncated(field: field(), offset: offset, needed: n, available: remaining)
        }
        let s = bytes[offset..<(offset + n)]
        offset += n
        return s
    }

    mutating func u8(_ f: @autoclosure () -> String) throws(PayloadError) -> UInt8 { try take(1, f()).first ?? 0 }
    mutating func u16(_ f: @autoclosure () -> String) throws(PayloadError) -> UInt16 {
        UInt16(truncatingIfNeeded: try int(2, f()))
    }
    mutating func u32(_ f: @autoclosure () -> String) throws(PayloadError) -> UInt32 {
        UInt32(truncatingIfNeeded: try int(4, f()))
    }
    mutating func u64(_ f: @autoclosure () -> String) throws(PayloadError) -> UInt64 { try int(8, f()) }
    mutating func i64(_ f: @autoclosure () -> String) throws(PayloadError) -> Int64 {
        Int64(bitPattern: try int(8, f()))
    }

    /// A u32 count, checked against a limit and against what could still
    /// fit in the file (each element needs at least `minElement` bytes).
    mutating func count(_ f: @autoclosure () -> String, limit: Int, minElement: Int) throws(PayloadError) -> Int {
        let n = Int(try u32(f()))
        guard n <= limit else { throw .tooLarge(field: f(), limit: limit, found: UInt64(n)) }
        guard n * minElement <= remaining else {
            throw .truncated(field: f(), offset: offset, needed: n * minElement, available: remaining)
        }
        return n
    }

    mutating func blob(_ f: @autoclosure () -> String, limit: Int) throws(PayloadError) -> [UInt8] {
        let n = try count(f(), limit: limit, minElement: 1)
        return Array(try take(n, f()))
    }

    mutating func string(
        _ f: @autoclosure () -> String, limit: Int = PayloadLimits.maxString
    ) throws(PayloadError) -> String {
        let raw = try blob(f(), limit: limit)
        guard let s = String(validating: raw, as: UTF8.self) else {
            throw .invalid(field: f(), reason: "not valid UTF-8")
        }
        return s
    }

    private mutating func int(_ n: Int, _ f: @autoclosure () -> String) throws(PayloadError) -> UInt64 {
        let s = try take(n, f())
        var v: UInt64 = 0
        for (i, b) in s.enumerated() { v |= UInt64(b) << (8 * UInt64(i)) }
        return v
    }
}
