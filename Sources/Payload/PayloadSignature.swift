import Hash

/// A signature record in the trailer (tag 1): the signer's key ID (SHA-256
/// of its raw public key) and its Ed25519 signature of `message(body:)`.
public struct PayloadSignature: Sendable, Equatable {
    public static let tag: UInt8 = 1
    public static let recordSize = Digest.byteCount + Ed25519.signatureBytes
    /// Domain separation: a payload signature can never be mistaken for a
    /// signature of anything else made with the same key.
    public static let domain: [UInt8] = Array("xsplice-payload-v1".utf8) + [0]

    public let keyID: Digest
    public let signature: [UInt8]

    public static func message(body: [UInt8]) -> [UInt8] { domain + body }

    /// Parses a tag-1 record; `index` is its position in the trailer, for
    /// the error message.
    public init(record: TrailerRecord, index: Int) throws(PayloadError) {
        guard record.tag == PayloadSignature.tag, record.bytes.count == PayloadSignature.recordSize,
              let id = Digest(exactly: Array(record.bytes[0..<Digest.byteCount])) else {
            throw .invalid(field: "trailer[\(index)] (signature record)",
                reason:
                    "expected \(PayloadSignature.recordSize) bytes (32-byte key ID, 64-byte Ed25519 signature), " +
                        "found \(record.bytes.count); the signature is corrupt, sign the payload again"
            )
        }
        keyID = id
        signature = Array(record.bytes[Digest.byteCount...])
    }

    init(keyID: Digest, signature: [UInt8]) {
        self.keyID = keyID
        self.signature = signature
    }

    public var record: TrailerRecord { TrailerRecord(tag: PayloadSignature.tag, bytes: keyID.bytes + signature) }

    /// Checks every signature record of a trailer: the right size, and no
    /// key twice (so "which key signed" always has one answer).
    static func validate(_ trailer: [TrailerRecord]) throws(PayloadError) {
        var seen = Set<Digest>()
        for (i, r) in trailer.enumerated() where r.tag == tag {
            let s = try PayloadSignature(record: r, index: i)
            guard seen.insert(s.keyID).inserted else {
                throw .invalid(field: "trailer[\(i)] (signature record)",
                    reason:
                        "a second signature by key \(s.keyID.shortHex); a payload carries at most one signature per key"
                )
            }
        }
    }
}

extension PayloadFile {
    /// The signature records of the trailer, in order.
    public func signatures() throws(PayloadError) -> [PayloadSignature] {
        var out: [PayloadSignature] = []
        for (i, r) in trailer.enumerated() where r.tag == PayloadSignature.tag {
            out.append(try PayloadSignature(record: r, index: i))
        }
        return out
    }

    /// This file with `key`'s signature added, replacing an earlier
    /// signature by the same key. The body, and so the ID, is unchanged.
    public func signed(with key: Ed25519.PrivateKey) throws -> PayloadFile {
        let keyID = key.publicKey.id
        let sig = PayloadSignature(keyID: keyID, signature: try key.sign(PayloadSignature.message(body: body)))
        // Refuse to carry a malformed signature record along.
        try PayloadSignature.validate(trailer)
        var records = trailer
        if let i = records.firstIndex(where: {
            $0.tag == PayloadSignature.tag && Array($0.bytes.prefix(Digest.byteCount)) == keyID.bytes
        }) {
            records[i] = sig.record
        } else {
            guard records.count < PayloadLimits.maxTrailerRecords else {
                throw PayloadError.tooLarge(
                    field: "trailer records", limit: PayloadLimits.maxTrailerRecords, found: UInt64(records.count + 1))
            }
            records.append(sig.record)
        }
        return PayloadFile(payload: payload, body: body, id: id, trailer: records)
    }
}
