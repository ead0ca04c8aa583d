import Foundation

extension ELFFile {
    /// Reads and parses the file at `path`. Read failures become
    /// `ELFError.unreadable` naming the path, so the operator knows which
    /// file of several was the problem.
    public init(path: String) throws {
        var isDirectory: ObjCBool = false
        // Foundation reports a directory as an opaque Cocoa error 256; say it plainly.
        if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue {
            throw ELFError.unreadable(path: path, reason: "it is a directory")
        }
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw ELFError.unreadable(path: path, reason: ELFFile.reason(for: error))
        }
        try self.init(bytes: [UInt8](data))
    }

    /// A one-line reason from Foundation's localized description, which
    /// names the actual cause (no such file, permission denied).
    private static func reason(for error: Error) -> String {
        var text = (error as NSError).localizedDescription.replacingOccurrences(of: "\n", with: " ")
        while text.hasSuffix(".") { text.removeLast() }
        return text
    }
}
