import Foundation
import Hash

/// The host's signing policy: every `*.pub` in the trust directory is a
/// trusted key, and if there is at least one, every payload that is
/// verified, applied or replaced must carry a valid signature by one of them.
public struct TrustPolicy: Sendable {
    public static let defaultDirectory = "/etc/xsplice/trust.d"
    /// Overrides the directory (tests, staging hosts).
    public static let environmentVariable = "XSPLICE_TRUST_DIR"

    public let directory: String
    public let keys: [(path: String, key: Ed25519.PublicKey)]

    public var isEnforced: Bool { !keys.isEmpty }

    public static func directory(environment: [String: String] = ProcessInfo.processInfo.environment) -> String {
        if let d = environment[environmentVariable], !d.isEmpty { return d }
        return defaultDirectory
    }

    /// Loads the policy. A missing directory means no policy; a directory
    /// that cannot be listed, or any `.pub` in it that cannot be read as an
    /// Ed25519 public key, is an error naming it, never silently skipped
    /// (that would quietly weaken the policy).
    public static func load(
        environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws(KeyFileError) -> TrustPolicy {
        let dir = directory(environment: environment)
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: dir, isDirectory: &isDir) else {
            return TrustPolicy(directory: dir, keys: [])
        }
        guard isDir.boolValue else {
            throw .unreadable(
                path: dir, reason: "the trust directory is not a directory; make it one holding *.pub files")
        }
        let names: [String]
        do { names = try FileManager.default.contentsOfDirectory(atPath: dir) } catch {
            throw .unreadable(path: dir, reason: "cannot list the trust directory (permissions?)")
        }
        // Like the shell's *.pub: hidden files are not keys.
        var keys: [(path: String, key: Ed25519.PublicKey)] = []
        for name in names.sorted() where name.hasSuffix(".pub") && !name.hasPrefix(".") {
            let path = (dir as NSString).appendingPathComponent(name)
            keys.append((path, try KeyFile.loadPublic(path: path)))
        }
        return TrustPolicy(directory: dir, keys: keys)
    }
}
