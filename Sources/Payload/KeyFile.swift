import Foundation
import Hash
#if canImport(Glibc)
import Glibc
#endif

/// Why a key file could not be read or written. Always bad input (exit 2),
/// and always names the file.
public enum KeyFileError: Error, CustomStringConvertible, Equatable, Sendable {
    case unreadable(path: String, reason: String)
    case malformed(path: String, SignatureError)
    case exists(path: String)
    case cannotWrite(path: String, reason: String)

    public var description: String {
        switch self {
        case let .unreadable(path, reason): return "cannot read key file \(path): \(reason)"
        case let .malformed(path, e): return "key file \(path): \(e)"
        case let .exists(path):
            return
                "\(path) already exists; keygen never overwrites a key, choose another --out prefix or remove the file"
        case let .cannotWrite(path, reason): return "cannot write \(path): \(reason)"
        }
    }
}

/// Reading and writing PEM key files.
public enum KeyFile {
    /// PEM keys are a few hundred bytes; anything much larger is not one.
    static let maxSize = 64 << 10

    public static func loadPublic(path: String) throws(KeyFileError) -> Ed25519.PublicKey {
        let bytes = try read(path)
        if String(decoding: bytes.prefix(64), as: UTF8.self).contains("PRIVATE KEY") {
            throw .unreadable(
                path: path,
                reason: "this is a private key; pass the public .pub file (never copy a .key to a target host)")
        }
        do { return try Ed25519.PublicKey(pem: bytes) } catch { throw .malformed(path: path, error) }
    }

    public static func loadPrivate(path: String) throws(KeyFileError) -> Ed25519.PrivateKey {
        let bytes = try read(path)
        do { return try Ed25519.PrivateKey(pem: bytes) } catch { throw .malformed(path: path, error) }
    }

    /// Writes PREFIX.key (mode 0600) and PREFIX.pub (0644); refuses if
    /// either exists. Returns the two paths.
    public static func writePair(_ key: Ed25519.PrivateKey, prefix: String) throws -> (key: String, pub: String) {
        let keyPath = prefix + ".key", pubPath = prefix + ".pub"
        for p in [keyPath, pubPath] where entryExists(p) {
            throw KeyFileError.exists(path: p)
        }
        let privatePEM = try key.pem()
        let publicPEM = try key.publicKey.pem()
        try create(keyPath, privatePEM, mode: 0o600)
        do { try create(pubPath, publicPEM, mode: 0o644) } catch {
            unlink(keyPath)
            throw error
        }
        return (keyPath, pubPath)
    }

    static func read(_ path: String) throws(KeyFileError) -> [UInt8] {
        let attrs: [FileAttributeKey: Any]
        do { attrs = try FileManager.default.attributesOfItem(atPath: path) } catch {
            throw .unreadable(path: path, reason: "no such file or not accessible")
        }
        if attrs[.type] as? FileAttributeType == .typeDirectory {
            throw .unreadable(path: path, reason: "it is a directory")
        }
        if let size = attrs[.size] as? NSNumber, size.intValue > maxSize {
            throw .unreadable(
                path: path,
                reason: "\(size.intValue) bytes, more than a PEM key can be (\(maxSize)); pass a .pub or .key file")
        }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw .unreadable(path: path, reason: "read failed (permissions?)")
        }
        return [UInt8](data)
    }

    /// O_EXCL so that an existing file (or a symlink planted in its place)
    /// is never followed or overwritten; fchmod because umask may narrow or
    /// the file system may ignore the mode given to open.
    private static func create(_ path: String, _ bytes: [UInt8], mode: mode_t) throws(KeyFileError) {
        let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode)
        guard fd >= 0 else {
            let err = errno
            if err == EEXIST { throw .exists(path: path) }
            throw .cannotWrite(path: path, reason: String(cString: strerror(err)))
        }
        var failure: String?
        if fchmod(fd, mode) != 0 { failure = "chmod: \(String(cString: strerror(errno)))" }
        var done = 0
        while failure == nil, done < bytes.count {
            let n = bytes[done...].withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                failure = String(cString: strerror(errno))
            } else {
                done += n
            }
        }
        if failure == nil, fsync(fd) != 0 { failure = "fsync: \(String(cString: strerror(errno)))" }
        close(fd)
        if let failure {
            unlink(path)
            throw .cannotWrite(path: path, reason: failure)
        }
    }

    /// True for any directory entry, a dangling symlink included.
    private static func entryExists(_ path: String) -> Bool {
        var st = stat()
        return lstat(path, &st) == 0
    }
}
