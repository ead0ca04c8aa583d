import COpenSSL

/// Small helpers around OpenSSL's error queue and memory BIOs.
enum OpenSSL {
    /// Drains OpenSSL's thread-local error queue into one line, so that a
    /// later call does not report a stale error.
    static func drainErrors() -> String {
        var parts: [String] = []
        while true {
            let code = ERR_get_error()
            if code == 0 { break }
            var buf = [CChar](repeating: 0, count: 256)
            ERR_error_string_n(code, &buf, buf.count)
            let text = buf.withUnsafeBufferPointer { p in
                String(decoding: p.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            }
            if parts.count < 4 { parts.append(text) }
        }
        return parts.isEmpty ? "no detail from OpenSSL" : parts.joined(separator: "; ")
    }

    static func failure(_ operation: String) -> SignatureError {
        .openSSL(operation: operation, detail: drainErrors())
    }

    /// Runs `write` against a fresh memory BIO and returns what it wrote.
    static func writeToMemory(_ operation: String, _ write: (OpaquePointer) -> Int32) throws(SignatureError) -> [UInt8]
    {
        guard let bio = BIO_new(BIO_s_mem()) else { throw failure("BIO_new") }
        defer { BIO_free(bio) }
        guard write(bio) == 1 else { throw failure(operation) }
        var out: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        while true {
            let n = BIO_read(bio, &chunk, Int32(chunk.count))
            if n <= 0 { break }
            out += chunk[0..<Int(n)]
        }
        return out
    }

    /// Gives `read` a read-only memory BIO over `bytes`.
    static func readFromMemory<T>(_ bytes: [UInt8], _ read: (OpaquePointer) -> T?) throws(SignatureError) -> T? {
        guard bytes.count < Int(Int32.max) else {
            throw .malformedPEM(expected: "key", detail: "\(bytes.count) bytes, far more than any PEM key")
        }
        let result: T?? = bytes.withUnsafeBytes { raw -> T?? in
            guard let bio = BIO_new_mem_buf(raw.baseAddress, Int32(raw.count)) else { return .none }
            defer { BIO_free(bio) }
            return .some(read(bio))
        }
        guard let inner = result else { throw failure("BIO_new_mem_buf") }
        return inner
    }
}
