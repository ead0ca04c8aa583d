/// Why a key or signature operation failed. Each case names what was
/// expected, what was found, and what to do about it.
public enum SignatureError: Error, CustomStringConvertible, Equatable, Sendable {
    /// A raw key or signature of the wrong size.
    case wrongLength(what: String, expected: Int, found: Int)
    /// PEM text that OpenSSL could not parse as the expected kind of key.
    case malformedPEM(expected: String, detail: String)
    /// A well-formed key of another algorithm (RSA, EC, ...).
    case notEd25519(found: String)
    /// A private key protected by a passphrase; xsplice reads only plain keys.
    case encryptedKey
    /// OpenSSL itself failed (out of memory, a broken library).
    case openSSL(operation: String, detail: String)

    public var description: String {
        switch self {
        case let .wrongLength(what, expected, found):
            return
                "an Ed25519 \(what) has \(expected) bytes, found \(found); the data is truncated or not an Ed25519 " +
                    "\(what)"
        case let .malformedPEM(expected, detail):
            return
                "expected a PEM \(expected), found something OpenSSL cannot read (\(detail)); pass a file written by " +
                    "`xsplice keygen`"
        case let .notEd25519(found):
            return
                "expected an Ed25519 key, found a key of type \(found); xsplice signs only with Ed25519, make one " +
                    "with `xsplice keygen`"
        case .encryptedKey:
            return
                "expected an unencrypted PEM private key, found one protected by a passphrase; decrypt it with " +
                    "`openssl pkey` or make a new one with `xsplice keygen`"
        case let .openSSL(operation, detail):
            return "OpenSSL failed in \(operation): \(detail)"
        }
    }
}
