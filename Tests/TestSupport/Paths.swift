import Foundation

/// Where the package, the corpus and the built CLI are, for tests.
public enum Paths {
    public static let root: String = {
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { url.deleteLastPathComponent() }
        return url.path
    }()
    public static var corpus: String { root + "/corpus" }
    public static var corpusBuild: String { corpus + "/build" }

    /// The xsplice executable built beside the test bundle (scripts/test
    /// builds it first), or $XSPLICE_BIN.
    public static let xsplice: String = {
        if let env = ProcessInfo.processInfo.environment["XSPLICE_BIN"] { return env }
        let dir = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        for candidate in [dir.appendingPathComponent("xsplice").path, root + "/.build/debug/xsplice"]
        where FileManager.default.isExecutableFile(atPath: candidate) {
            return candidate
        }
        return root + "/.build/debug/xsplice"
    }()

    public static func tempDir(_ tag: String) -> String {
        let d = NSTemporaryDirectory() + "xsplice-test-\(tag)-\(getpid())-\(UUID().uuidString.prefix(8))"
        try? FileManager.default.createDirectory(atPath: d, withIntermediateDirectories: true)
        return d
    }
}
