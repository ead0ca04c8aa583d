import Foundation
import Glibc
import Hash
import Payload

/// The directory of payloads that `watch` applies to processes as they start.
/// Each payload is kept as `<ID>.xsp`, checked (format, and signature under
/// the trust policy) on the way in and again whenever the store is read, so
/// a file dropped in by hand gets no less scrutiny than `store add`.
public struct PayloadStore: Sendable {
    public static let defaultDirectory = "/var/lib/xsplice/patches"
    public static let environmentVariable = "XSPLICE_STORE"

    public let directory: String

    public init(directory: String) { self.directory = directory }

    /// `--store` wins, then $XSPLICE_STORE, then the default.
    public static func resolve(
        _ given: String?, environment: [String: String] = ProcessInfo.processInfo.environment
    ) -> PayloadStore {
        if let given, !given.isEmpty { return PayloadStore(directory: given) }
        if let d = environment[environmentVariable], !d.isEmpty { return PayloadStore(directory: d) }
        return PayloadStore(directory: defaultDirectory)
    }

    /// What a read of the store found: the usable payloads, and every file
    /// that was set aside with the reason.
    public struct Contents: Sendable {
        public var payloads: [StoredPayload] = []
        public var rejected: [(file: String, reason: String)] = []
    }

    /// Checks a payload file and copies it in under its ID. Returns the
    /// stored payload and whether it was new (adding a stored one again is
    /// not an error).
    public func add(path: String, trusted: [Ed25519.PublicKey]) throws(StoreError) -> (StoredPayload, Bool) {
        let file: PayloadFile
        do { file = try PayloadFile.load(path: path) } catch {
            throw .badPayload(path, reason: "\(error)")
        }
        try Self.checkTrust(file, path: path, trusted: trusted)
        guard file.payload.modules.count == 1 else {
            throw .badPayload(path, reason: "it patches \(file.payload.modules.count) modules; a stored payload "
                + "must patch exactly one")
        }
        try ensureDirectory()
        let target = directory + "/" + StoredPayload.fileName(for: file.id)
        if FileManager.default.fileExists(atPath: target), let held = try? PayloadFile.load(path: target),
           held.encoded() == file.encoded() {
            return (StoredPayload(path: target, file: file), false)
        }
        // Written under a hidden name and renamed, so that a reader (and the
        // watcher's inotify) only ever sees a complete file.
        let temporary = directory + "/.incoming-\(file.id.hex)-\(getpid())"
        let bytes = file.encoded()
        let fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw .writeFailed(path, reason: String(cString: strerror(errno))) }
        var written = 0
        let ok = bytes.withUnsafeBytes { raw -> Bool in
            guard let base = raw.baseAddress else { return false }
            while written < raw.count {
                let n = write(fd, base + written, raw.count - written)
                if n <= 0 { return false }
                written += n
            }
            return fsync(fd) == 0
        }
        let reason = String(cString: strerror(errno))
        close(fd)
        guard ok, rename(temporary, target) == 0 else {
            unlink(temporary)
            throw .writeFailed(path, reason: reason)
        }
        return (StoredPayload(path: target, file: file), true)
    }

    /// Every payload the store holds that passes the checks, in an order in
    /// which stacked payloads come after the ones they stack on.
    public func read(trusted: [Ed25519.PublicKey]) throws(StoreError) -> Contents {
        var contents = Contents()
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: directory, isDirectory: &isDir) else { return contents }
        guard isDir.boolValue else { throw .unusableDirectory(directory, reason: "not a directory") }
        try checkPermissions()
        let names: [String]
        do { names = try FileManager.default.contentsOfDirectory(atPath: directory) } catch {
            throw .unusableDirectory(directory, reason: "cannot list it")
        }
        for name in names.sorted() where name.hasSuffix(".xsp") && !name.hasPrefix(".") {
            let path = directory + "/" + name
            do {
                let file = try PayloadFile.load(path: path)
                guard name == StoredPayload.fileName(for: file.id) else {
                    throw StoreError.misnamed(path, holds: file.id.hex)
                }
                try Self.checkTrust(file, path: path, trusted: trusted)
                contents.payloads.append(StoredPayload(path: path, file: file))
            } catch let e as StoreError {
                contents.rejected.append((name, e.description))
            } catch {
                contents.rejected.append((name, "\(error)"))
            }
        }
        contents.payloads = Self.stackOrder(contents.payloads)
        return contents
    }

    /// Removes a payload by name or ID prefix (at least 8 hex digits). It is
    /// not reverted from processes that have it: `xsplice revert --all` does that.
    public func remove(_ key: String) throws(StoreError) -> StoredPayload {
        let all = try read(trusted: []).payloads
        let byID = key.count >= 8 ? all.filter { $0.id.hex.hasPrefix(key.lowercased()) } : []
        let matches = byID.isEmpty ? all.filter { $0.name == key } : byID
        guard let only = matches.first else { throw .notStored(key, stored: all.map(\.name)) }
        guard matches.count == 1 else { throw .ambiguous(key, matches: matches.map { $0.id.shortHex }) }
        guard unlink(only.path) == 0 else {
            throw .writeFailed(only.path, reason: String(cString: strerror(errno)))
        }
        return only
    }

    public func ensureDirectory() throws(StoreError) {
        do {
            try FileManager.default.createDirectory(
                atPath: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        } catch {
            throw .unusableDirectory(directory, reason: "cannot create it (\(error.localizedDescription))")
        }
        try checkPermissions()
    }

    private func checkPermissions() throws(StoreError) {
        var st = stat()
        guard stat(directory, &st) == 0 else {
            throw .unusableDirectory(directory, reason: String(cString: strerror(errno)))
        }
        guard st.st_mode & 0o022 == 0 else { throw .insecureDirectory(directory, mode: st.st_mode) }
    }

    static func checkTrust(_ file: PayloadFile, path: String, trusted: [Ed25519.PublicKey]) throws(StoreError) {
        guard !trusted.isEmpty else { return }
        do { try PayloadTrust.check(file, trusted: trusted) } catch {
            if error.isRefusal { throw .untrusted(path, reason: error.description) }
            throw .badPayload(path, reason: error.description)
        }
    }

    /// Payloads that stack on others come after them (by name otherwise),
    /// so that one pass over a new process applies a base and then its fix.
    static func stackOrder(_ payloads: [StoredPayload]) -> [StoredPayload] {
        var left = payloads.sorted { ($0.name, $0.id.hex) < ($1.name, $1.id.hex) }
        var out: [StoredPayload] = []
        var placed = Set<Digest>()
        let present = Set(payloads.map(\.id))
        while !left.isEmpty {
            // A payload is ready when every stored base it names is placed;
            // bases not in the store do not hold it back (it will be refused
            // or apply on its own pre-states).
            let i = left.firstIndex { $0.stacksOn.intersection(present).isSubset(of: placed) } ?? 0
            let next = left.remove(at: i)
            placed.insert(next.id)
            out.append(next)
        }
        return out
    }
}
