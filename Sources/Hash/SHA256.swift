import COpenSSL

/// Streaming SHA-256 over OpenSSL's EVP interface. A class because it owns
/// an OpenSSL context that must be freed exactly once.
public final class SHA256Hasher {
    private let context: OpaquePointer
    private var finished = false

    public init() throws(DigestError) {
        guard let ctx = EVP_MD_CTX_new() else { throw .openSSL("EVP_MD_CTX_new returned NULL") }
        guard EVP_DigestInit_ex(ctx, EVP_sha256(), nil) == 1 else {
            EVP_MD_CTX_free(ctx)
            throw .openSSL("EVP_DigestInit_ex(sha256) failed")
        }
        context = ctx
    }

    deinit { EVP_MD_CTX_free(context) }

    public func update<C: Collection>(_ data: C) throws(DigestError) where C.Element == UInt8 {
        guard !finished else { throw .openSSL("update after finalize") }
        let ok: Bool = data.withContiguousStorageIfAvailable { buf in
            EVP_DigestUpdate(context, buf.baseAddress, buf.count) == 1
        } ?? Array(data).withUnsafeBufferPointer { buf in
            EVP_DigestUpdate(context, buf.baseAddress, buf.count) == 1
        }
        guard ok else { throw .openSSL("EVP_DigestUpdate failed") }
    }

    public func finalize() throws(DigestError) -> Digest {
        guard !finished else { throw .openSSL("finalize called twice") }
        finished = true
        var out = [UInt8](repeating: 0, count: Digest.byteCount)
        var len: UInt32 = 0
        guard EVP_DigestFinal_ex(context, &out, &len) == 1, len == UInt32(Digest.byteCount) else {
            throw .openSSL("EVP_DigestFinal_ex failed")
        }
        return Digest(trusted: out)
    }
}

public enum SHA256 {
    /// One-shot hash. OpenSSL's SHA-256 cannot fail on valid memory, so a
    /// failure here means the library itself is broken; we still surface it.
    public static func hash<C: Collection>(_ data: C) throws(DigestError) -> Digest where C.Element == UInt8 {
        // EVP_Digest needs no context allocation: payloads hash thousands
        // of small functions, where that allocation dominated.
        var out = [UInt8](repeating: 0, count: Digest.byteCount)
        var len: UInt32 = 0
        let ok: Bool = data.withContiguousStorageIfAvailable { buf in
            EVP_Digest(buf.baseAddress, buf.count, &out, &len, EVP_sha256(), nil) == 1
        } ?? Array(data).withUnsafeBufferPointer { buf in
            EVP_Digest(buf.baseAddress, buf.count, &out, &len, EVP_sha256(), nil) == 1
        }
        guard ok, len == UInt32(Digest.byteCount) else { throw .openSSL("EVP_Digest(sha256) failed") }
        return Digest(trusted: out)
    }
}
