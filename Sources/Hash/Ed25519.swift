import COpenSSL

/// Ed25519 signatures through OpenSSL's EVP interface (pure Ed25519, no
/// pre-hash: the message is passed whole, with a NULL digest).
public enum Ed25519 {
    public static let publicKeyBytes = 32
    public static let privateKeyBytes = 32
    public static let signatureBytes = 64

    /// A public key, kept as its 32 raw bytes so it is a plain value; the
    /// OpenSSL object is rebuilt for each verification.
    public struct PublicKey: Sendable, Hashable, CustomStringConvertible {
        public let raw: [UInt8]

        public init(raw: [UInt8]) throws(SignatureError) {
            guard raw.count == Ed25519.publicKeyBytes else {
                throw .wrongLength(what: "public key", expected: Ed25519.publicKeyBytes, found: raw.count)
            }
            self.raw = raw
        }

        /// Reads a PEM `PUBLIC KEY` (SubjectPublicKeyInfo), as `keygen` writes.
        public init(pem: [UInt8]) throws(SignatureError) {
            let key: OpaquePointer? = try OpenSSL.readFromMemory(pem) { bio in
                PEM_read_bio_PUBKEY(bio, nil, nil, nil)
            }
            guard let key else {
                throw .malformedPEM(expected: "public key (-----BEGIN PUBLIC KEY-----)", detail: OpenSSL.drainErrors())
            }
            defer { EVP_PKEY_free(key) }
            self.raw = try Ed25519.rawPublicKey(of: key)
        }

        /// The key ID: SHA-256 of the raw public key. Signature records name
        /// their key by it.
        public var id: Digest {
            // SHA-256 over 32 bytes in memory cannot fail short of a broken
            // library; the zero digest then matches no real key.
            (try? SHA256.hash(raw)) ?? Digest.zero
        }

        public var description: String { "ed25519:\(id.shortHex)" }

        public func pem() throws(SignatureError) -> [UInt8] {
            let key = try makeKey()
            defer { EVP_PKEY_free(key) }
            return try OpenSSL.writeToMemory("PEM_write_bio_PUBKEY") { PEM_write_bio_PUBKEY($0, key) }
        }

        /// True when `signature` is this key's signature of `message`. False
        /// for any other signature, including one of the wrong length.
        public func isValidSignature(_ signature: [UInt8], for message: [UInt8]) throws(SignatureError) -> Bool {
            guard signature.count == Ed25519.signatureBytes else { return false }
            let key = try makeKey()
            defer { EVP_PKEY_free(key) }
            guard let ctx = EVP_MD_CTX_new() else { throw OpenSSL.failure("EVP_MD_CTX_new") }
            defer { EVP_MD_CTX_free(ctx) }
            guard EVP_DigestVerifyInit(ctx, nil, nil, nil, key) == 1 else {
                throw OpenSSL.failure("EVP_DigestVerifyInit")
            }
            let rc = signature.withUnsafeBufferPointer { sig in
                message.withUnsafeBufferPointer { msg in
                    EVP_DigestVerify(ctx, sig.baseAddress, sig.count, msg.baseAddress, msg.count)
                }
            }
            // 0 is a wrong signature; a negative value is also "not valid"
            // (e.g. a malformed point), so nothing but 1 is accepted.
            _ = OpenSSL.drainErrors()
            return rc == 1
        }

        private func makeKey() throws(SignatureError) -> OpaquePointer {
            guard let key = EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, nil, raw, raw.count) else {
                throw OpenSSL.failure("EVP_PKEY_new_raw_public_key")
            }
            return key
        }
    }

    /// A private key. A class because it owns the OpenSSL key object (the
    /// secret stays inside OpenSSL), freed exactly once.
    public final class PrivateKey {
        private let key: OpaquePointer
        public let publicKey: PublicKey

        /// Takes ownership of `key`: it is freed here if this fails (deinit
        /// does not run for an object that never finished initializing).
        private init(owning key: OpaquePointer) throws(SignatureError) {
            do {
                self.publicKey = try PublicKey(raw: Ed25519.rawPublicKey(of: key))
            } catch {
                EVP_PKEY_free(key)
                throw error
            }
            self.key = key
        }

        deinit { EVP_PKEY_free(key) }

        /// A fresh key from OpenSSL's random generator.
        public static func generate() throws(SignatureError) -> PrivateKey {
            guard let ctx = EVP_PKEY_CTX_new_id(EVP_PKEY_ED25519, nil) else {
                throw OpenSSL.failure("EVP_PKEY_CTX_new_id")
            }
            defer { EVP_PKEY_CTX_free(ctx) }
            guard EVP_PKEY_keygen_init(ctx) == 1 else { throw OpenSSL.failure("EVP_PKEY_keygen_init") }
            var out: OpaquePointer?
            guard EVP_PKEY_keygen(ctx, &out) == 1, let key = out else { throw OpenSSL.failure("EVP_PKEY_keygen") }
            return try PrivateKey(owning: key)
        }

        /// A key from its 32-byte seed (RFC 8032 "secret key").
        public convenience init(raw: [UInt8]) throws(SignatureError) {
            guard raw.count == Ed25519.privateKeyBytes else {
                throw .wrongLength(what: "private key", expected: Ed25519.privateKeyBytes, found: raw.count)
            }
            guard let key = EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, nil, raw, raw.count) else {
                throw OpenSSL.failure("EVP_PKEY_new_raw_private_key")
            }
            try self.init(owning: key)
        }

        /// Reads an unencrypted PEM `PRIVATE KEY` (PKCS#8), as `keygen` writes.
        public convenience init(pem: [UInt8]) throws(SignatureError) {
            // A passphrase callback that gives none, so OpenSSL never prompts
            // on the terminal for an encrypted key.
            let noPassphrase:
                @convention(c) (UnsafeMutablePointer<CChar>?, Int32, Int32, UnsafeMutableRawPointer?) -> Int32 = {
                    _, _, _, _ in -1
                }
            let key: OpaquePointer? = try OpenSSL.readFromMemory(pem) { bio in
                PEM_read_bio_PrivateKey(bio, nil, noPassphrase, nil)
            }
            guard let key else {
                let detail = OpenSSL.drainErrors()
                if String(decoding: pem.prefix(64), as: UTF8.self).contains("ENCRYPTED") { throw .encryptedKey }
                throw .malformedPEM(expected: "private key (-----BEGIN PRIVATE KEY-----)", detail: detail)
            }
            // init(owning:) refuses (and frees) a key of another type.
            try self.init(owning: key)
        }

        /// The key as unencrypted PKCS#8 PEM. Whoever writes it to disk must
        /// make the file private (mode 0600).
        public func pem() throws(SignatureError) -> [UInt8] {
            try OpenSSL.writeToMemory("PEM_write_bio_PrivateKey") {
                PEM_write_bio_PrivateKey($0, key, nil, nil, 0, nil, nil)
            }
        }

        /// The 64-byte Ed25519 signature of `message`.
        public func sign(_ message: [UInt8]) throws(SignatureError) -> [UInt8] {
            guard let ctx = EVP_MD_CTX_new() else { throw OpenSSL.failure("EVP_MD_CTX_new") }
            defer { EVP_MD_CTX_free(ctx) }
            guard EVP_DigestSignInit(ctx, nil, nil, nil, key) == 1 else { throw OpenSSL.failure("EVP_DigestSignInit") }
            var sig = [UInt8](repeating: 0, count: Ed25519.signatureBytes)
            var len = sig.count
            let rc = message.withUnsafeBufferPointer { msg in
                EVP_DigestSign(ctx, &sig, &len, msg.baseAddress, msg.count)
            }
            guard rc == 1 else { throw OpenSSL.failure("EVP_DigestSign") }
            guard len == Ed25519.signatureBytes else {
                throw .wrongLength(what: "signature", expected: Ed25519.signatureBytes, found: len)
            }
            return sig
        }
    }

    static func rawPublicKey(of key: OpaquePointer) throws(SignatureError) -> [UInt8] {
        guard EVP_PKEY_get_id(key) == EVP_PKEY_ED25519 else { throw .notEd25519(found: typeName(of: key)) }
        var raw = [UInt8](repeating: 0, count: publicKeyBytes)
        var len = raw.count
        guard EVP_PKEY_get_raw_public_key(key, &raw, &len) == 1 else {
            throw OpenSSL.failure("EVP_PKEY_get_raw_public_key")
        }
        guard len == publicKeyBytes else {
            throw .wrongLength(what: "public key", expected: publicKeyBytes, found: len)
        }
        return raw
    }

    static func typeName(of key: OpaquePointer) -> String {
        guard let name = EVP_PKEY_get0_type_name(key) else { return "id \(EVP_PKEY_get_id(key))" }
        return String(cString: name)
    }
}
