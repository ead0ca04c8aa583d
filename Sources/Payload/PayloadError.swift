/// Why a payload file could not be read. Every case is bad input (exit 2).
public enum PayloadError: Error, CustomStringConvertible, Equatable, Sendable {
    case unreadable(path: String, reason: String)
    /// The payload could not be written (build, sign): the output path.
    case unwritable(path: String, reason: String)
    case badMagic
    case unsupportedVersion(found: UInt16, supported: UInt16)
    case truncated(field: String, offset: Int, needed: Int, available: Int)
    case tooLarge(field: String, limit: Int, found: UInt64)
    case invalid(field: String, reason: String)
    case trailingBytes(offset: Int, count: Int)
    case notCanonical

    public var description: String {
        switch self {
        case let .unreadable(path, reason):
            return "cannot read payload \(path): \(reason)"
        case let .unwritable(path, reason):
            return "cannot write payload \(path): \(reason); check the directory exists and is writable"
        case .badMagic:
            return
                "not an xsplice payload: the file does not start with \"XSPLICE\\0\"; pass a file made by `xsplice " +
                    "build`"
        case let .unsupportedVersion(found, supported):
            return
                "payload format version \(found) is not supported (this xsplice reads version \(supported)); rebuild " +
                    "the payload with this xsplice"
        case let .truncated(field, offset, needed, available):
            return
                "payload truncated: \(field) at offset \(offset) needs \(needed) bytes, only \(available) remain; " +
                    "the file is incomplete, copy it again"
        case let .tooLarge(field, limit, found):
            return "payload field \(field) is \(found), above the limit of \(limit); the file is corrupt or hostile"
        case let .invalid(field, reason):
            return "payload field \(field) is invalid: \(reason)"
        case let .trailingBytes(offset, count):
            return "payload has \(count) unexpected bytes after its end at offset \(offset); the file is corrupt"
        case .notCanonical:
            return "payload body is not in canonical form (re-encoding it gives different bytes); the file was altered"
        }
    }
}
