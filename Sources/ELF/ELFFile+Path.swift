import Foundation

extension ELFFile {
    /// Reads and parses the file at `path`. Read failures become
    /// `ELFError.unreadable` naming the path, so the operator knows which
    /// file of several was the problem.
    public init(path: String) throws {
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw ELFError.unreadable(path: path, reason: ELFFile.reason(for: error))
        }
        try self.init(bytes: [UInt8](data))
    }

    /// A one-line reason: Foundation's localized description, which names
    /// the actual cause (no such file, permission denied, is a directory).
    private static func reason(for error: Error) -> String {
        let text = (error as NSError).localizedDescription
        return text.replacingOccurrences(of: "\n", with: " ")
    }
}
