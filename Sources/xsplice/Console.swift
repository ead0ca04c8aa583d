import Foundation
import Glibc

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
    /// A log line of a long-running service on standard error, JSON when
    /// asked. Written with write(2), errors ignored: a service must not die
    /// because whoever read its log went away (SIGPIPE is ignored by it).
    static func serviceLog<T: Encodable>(_ v: T, text: String, json: Bool) {
        var line = text
        if json {
            let e = JSONEncoder()
            e.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
            line = (try? e.encode(v)).map { String(decoding: $0, as: UTF8.self) } ?? "{\"error\":\"unencodable\"}"
        }
        let bytes = Array((line + "\n").utf8)
        var done = 0
        while done < bytes.count {
            let n = bytes[done...].withUnsafeBytes { Glibc.write(2, $0.baseAddress, $0.count) }
            if n <= 0 { return }
            done += n
        }
    }
    static func json<T: Encodable>(_ v: T) throws {
        let e = JSONEncoder()
        e.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        out(String(decoding: try e.encode(v), as: UTF8.self))
    }
}
