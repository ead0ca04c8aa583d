/// Why the payload store refused an operation or a file.
public enum StoreError: Error, CustomStringConvertible, Sendable {
    case unusableDirectory(String, reason: String)
    /// Group- or world-writable: anyone who can write there chooses the
    /// code `watch` puts into every new process.
    case insecureDirectory(String, mode: UInt32)
    case badPayload(String, reason: String)
    /// Refused by the trust policy (exit 1, like `apply`).
    case untrusted(String, reason: String)
    case writeFailed(String, reason: String)
    case notStored(String, stored: [String])
    case ambiguous(String, matches: [String])
    /// A file in the store whose content is not the payload its name says.
    case misnamed(String, holds: String)

    public var isRefusal: Bool {
        if case .untrusted = self { return true }
        return false
    }

    public var description: String {
        switch self {
        case let .unusableDirectory(d, why):
            return "payload store \(d): \(why); give a directory with --store or $\(PayloadStore.environmentVariable)"
        case let .insecureDirectory(d, mode):
            return "payload store \(d) is writable by group or others (mode \(String(mode & 0o7777, radix: 8))); "
                + "run `chmod go-w \(d)`: whoever can write there chooses code for every new process"
        case let .badPayload(p, why):
            return "\(p) is not a valid payload (\(why)); nothing was stored. Rebuild it with `xsplice build`"
        case let .untrusted(p, why):
            return "\(p): \(why); nothing was stored"
        case let .writeFailed(p, why):
            return "could not store \(p) (\(why)); the store is unchanged"
        case let .notStored(key, stored):
            let list = stored.isEmpty ? "the store is empty" : "stored: " + stored.joined(separator: ", ")
            return "no stored payload is named \(key) or has an ID starting with it (\(list)); see `xsplice store list`"
        case let .ambiguous(key, matches):
            return "\(key) names several stored payloads (\(matches.joined(separator: ", "))); give the ID"
        case let .misnamed(f, holds):
            return "\(f) holds payload \(holds), not the one its name says (renamed or altered); "
                + "remove it and `xsplice store add` the payload again"
        }
    }
}
