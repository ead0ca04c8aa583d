/// A SHA-256 digest. Equality runs in constant time, because digests are
/// compared against values an attacker may choose (payload IDs, signatures).
public struct Digest: Sendable, Hashable, CustomStringConvertible, Codable {
    public static let byteCount = 32
    public let bytes: [UInt8]

    public init(bytes: [UInt8]) throws(DigestError) {
        guard bytes.count == Digest.byteCount else {
            throw .wrongLength(expected: Digest.byteCount, found: bytes.count)
        }
        self.bytes = bytes
    }

    /// Builds a digest from bytes known to have the right length (our own hash output).
    init(trusted bytes: [UInt8]) { self.bytes = bytes }

    /// nil unless `bytes` has exactly 32 bytes.
    public init?(exactly bytes: [UInt8]) {
        guard bytes.count == Digest.byteCount else { return nil }
        self.bytes = bytes
    }

    /// All zeros: a placeholder that no real content hashes to.
    public static let zero = Digest(trusted: [UInt8](repeating: 0, count: byteCount))

    public init(hex: String) throws(DigestError) {
        let decoded = try Hex.decode(hex)
        try self.init(bytes: decoded)
    }

    public var hex: String { Hex.encode(bytes) }
    public var shortHex: String { String(hex.prefix(12)) }
    public var description: String { hex }

    public static func == (lhs: Digest, rhs: Digest) -> Bool {
        guard lhs.bytes.count == rhs.bytes.count else { return false }
        var diff: UInt8 = 0
        for i in 0..<lhs.bytes.count { diff |= lhs.bytes[i] ^ rhs.bytes[i] }
        return diff == 0
    }

    public func hash(into hasher: inout Hasher) { hasher.combine(bytes) }

    public init(from decoder: Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        try self.init(hex: text)
    }
    public func encode(to encoder: Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(hex)
    }
}

public enum DigestError: Error, CustomStringConvertible, Equatable, Sendable {
    case wrongLength(expected: Int, found: Int)
    case badHex(String)
    case openSSL(String)

    public var description: String {
        switch self {
        case let .wrongLength(e, f):
            return "a SHA-256 digest has \(e) bytes, found \(f); pass the full 64-hex-digit value"
        case let .badHex(why): return "invalid hex: \(why); use an even number of digits 0-9a-f"
        case let .openSSL(why): return "OpenSSL failed: \(why)"
        }
    }
}
