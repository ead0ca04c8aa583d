import Foundation

/// A compile_commands.json (CMake, Meson, Bear): for each translation
/// unit, the directory it was compiled in, its source file, and its
/// command as words.
public struct CompileDatabase: Sendable {
    public struct Entry: Sendable, Equatable {
        public var directory: String
        /// Absolute and normalised, to match against the paths a diff names.
        public var file: String
        public var arguments: [String]
    }

    public let path: String
    public let entries: [Entry]

    public init(path: String) throws(FixSourceError) {
        self.path = path
        let data: Data
        do { data = try Data(contentsOf: URL(fileURLWithPath: path)) } catch {
            throw .unreadable(path: path, why: "\(error.localizedDescription)")
        }
        guard let list = (try? JSONSerialization.jsonObject(with: data)) as? [[String: Any]] else {
            throw .malformedDatabase(path: path, why: "expected a JSON array of objects")
        }
        var entries: [Entry] = []
        for (k, item) in list.enumerated() {
            guard let dir = item["directory"] as? String, dir.hasPrefix("/"), let file = item["file"] as? String
            else {
                throw .malformedDatabase(path: path, why: "entry \(k) lacks an absolute `directory` or a `file`")
            }
            let words: [String]
            if let args = item["arguments"] as? [String] {
                words = args
            } else if let command = item["command"] as? String {
                switch CommandWords.split(command) {
                case let .success(w): words = w
                case let .failure(r): throw .unsafeCommand(file: file, command: command, why: r.why)
                }
            } else {
                throw .malformedDatabase(path: path, why: "entry \(k) (\(file)) has neither `arguments` nor `command`")
            }
            guard !words.isEmpty else {
                throw .malformedDatabase(path: path, why: "entry \(k) (\(file)) has an empty command")
            }
            entries.append(Entry(directory: Self.normalise(dir), file: Self.resolve(file, in: dir), arguments: words))
        }
        self.entries = entries
    }

    /// `path` against `directory` unless absolute, with `.` and `..` folded.
    public static func resolve(_ path: String, in directory: String) -> String {
        normalise(path.hasPrefix("/") ? path : directory + "/" + path)
    }

    static func normalise(_ path: String) -> String {
        var parts: [Substring] = []
        for part in path.split(separator: "/") {
            switch part {
            case ".": continue
            case "..": if !parts.isEmpty { parts.removeLast() }
            default: parts.append(part)
            }
        }
        return "/" + parts.joined(separator: "/")
    }
}
