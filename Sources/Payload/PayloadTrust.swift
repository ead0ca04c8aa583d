import Hash

/// Why a payload was refused for its signatures (exit 1, target unchanged),
/// or found malformed (exit 2).
public enum TrustError: Error, CustomStringConvertible, Equatable, Sendable {
    case unsigned(payload: String, id: Digest)
    case untrusted(payload: String, id: Digest, keys: [Digest])
    case badSignature(payload: String, id: Digest, key: Digest)
    case cannotVerify(payload: String, key: Digest, reason: String)
    case malformed(PayloadError)

    /// A refusal (exit 1); only `malformed` is bad input (exit 2).
    public var isRefusal: Bool {
        if case .malformed = self { return false }
        return true
    }

    public var description: String {
        switch self {
        case let .unsigned(p, id):
            return
                "refused: payload \(p) (\(id.shortHex)) is unsigned, and a signature by a trusted key (--trust or " +
                    "the trust directory) is required; sign it with `xsplice sign --key KEY.key`"
        case let .untrusted(p, id, keys):
            let list = keys.map(\.shortHex).joined(separator: ", ")
            return
                "refused: payload \(p) (\(id.shortHex)) is signed by an untrusted key \(list); expected a signature " +
                    "by a key given with --trust or in the trust directory"
        case let .badSignature(p, id, key):
            return
                "refused: the signature of key \(key.shortHex) on payload \(p) (\(id.shortHex)) does not verify " +
                    "(payload altered?); get an intact copy from its signer"
        case let .cannotVerify(p, key, reason):
            return "refused: the signature of key \(key.shortHex) on payload \(p) could not be checked: \(reason)"
        case let .malformed(e):
            return e.description
        }
    }
}

public enum PayloadTrust {
    /// Passes when some signature record names a trusted key and verifies
    /// with it over the domain-separated body; otherwise says why not.
    public static func check(_ file: PayloadFile, trusted: [Ed25519.PublicKey]) throws(TrustError) {
        let signatures: [PayloadSignature]
        do { signatures = try file.signatures() } catch { throw .malformed(error) }
        let name = file.payload.name
        guard !signatures.isEmpty else { throw .unsigned(payload: name, id: file.id) }
        let byID = Dictionary(trusted.map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
        let message = PayloadSignature.message(body: file.body)
        var failure: TrustError?
        for s in signatures {
            guard let key = byID[s.keyID] else { continue }
            do {
                if try key.isValidSignature(s.signature, for: message) { return }
                failure = .badSignature(payload: name, id: file.id, key: s.keyID)
            } catch {
                failure = .cannotVerify(payload: name, key: s.keyID, reason: error.description)
            }
        }
        throw failure ?? .untrusted(payload: name, id: file.id, keys: signatures.map(\.keyID))
    }
}
