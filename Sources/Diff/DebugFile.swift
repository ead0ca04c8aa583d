import ELF

/// Finds the separate debug file of a stripped binary where distributions
/// install it: by build-id under /usr/lib/debug/.build-id, or by the name
/// in `.gnu_debuglink` next to the binary, in its .debug directory, or
/// under /usr/lib/debug.
public enum DebugFile {
    public static func candidates(for binaryPath: String, file: ELFFile, root: String = "/usr/lib/debug") -> [String] {
        var out: [String] = []
        if let id = file.buildID, id.count > 1 {
            let hex = id.map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }
            out.append("\(root)/.build-id/\(hex[0])/\(hex.dropFirst().joined()).debug")
        }
        if let link = file.debugLink, !link.contains("/") {
            let dir = binaryPath.lastIndex(of: "/").map { String(binaryPath[..<$0]) } ?? "."
            out += ["\(dir)/\(link)", "\(dir)/.debug/\(link)", "\(root)\(dir.hasPrefix("/") ? dir : "/" + dir)/\(link)"]
        }
        return out
    }
}
