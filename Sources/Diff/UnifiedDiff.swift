/// The files a unified diff changes, as paths relative to the tree it
/// applies to with `patch -p1` (the first component, `a/` or `b/`, dropped).
public enum UnifiedDiff {
    public static func changedFiles(_ text: String) -> [String] {
        var files: [String] = []
        var minus: String?
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            if line.hasPrefix("--- ") {
                minus = path(line.dropFirst(4))
            } else if line.hasPrefix("+++ "), let plus = path(line.dropFirst(4)) {
                // A deleted file names /dev/null after +++: the file is the --- one.
                let name = plus == "/dev/null" ? minus : plus
                if let name, name != "/dev/null", let rel = stripFirst(name), !files.contains(rel) {
                    files.append(rel)
                }
                minus = nil
            }
        }
        return files
    }

    private static func path(_ field: Substring) -> String? {
        let p = field.split(separator: "\t", maxSplits: 1).first.map(String.init) ?? ""
        return p.isEmpty ? nil : p
    }

    private static func stripFirst(_ p: String) -> String? {
        guard let slash = p.firstIndex(of: "/") else { return nil }
        let rest = String(p[p.index(after: slash)...])
        return rest.isEmpty || rest.split(separator: "/").contains("..") ? nil : rest
    }
}
