import Foundation

/// The only place the CLI writes to the terminal.
enum Console {
    static func out(_ s: String) {
        FileHandle.standardOutput.write(Data((s.hasSuffix("\n") ? s : s + "\n").utf8))
    }
    static func err(_ s: String) {
        FileHandle.standardError.write(Data((s.hasSuffix("\n") ? s : s + "\n").utf8))
    }
    static func errRaw(_ s: String) { FileHandle.standardError.write(Data(s.utf8)) }
    /// One compact JSON object per line (JSON Lines), for batches.
    static func jsonLine<T: Encodable>(_ v: T) {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        out((try? e.encode(v)).map { String(decoding: $0, as: UTF8.self) } ?? "{\"error\":\"unencodable\"}")
    }
    /// A JSON line on standard error: where a service's log goes.
    static func errJSONLine<T: Encodable>(_ v: T) {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        err((try? e.encode(v)).map { String(decoding: $0, as: UTF8.self) } ?? "{\"error\":\"unencodable\"}")
    }
    static func json<T: Encodable>(_ v: T) throws {
        let e = JSONEncoder()
        e.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        out(String(decoding: try e.encode(v), as: UTF8.self))
    }
}
