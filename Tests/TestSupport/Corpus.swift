import Foundation

/// A corpus program's manifest (corpus/README.md describes the format).
public struct Manifest {
    public struct Variant {
        public let name: String
        public let functions: [String]
        public let tokens: [String: String]
        public let onTopOf: String?
        public let alsoVirgin: Bool
    }
    public let program: String
    public var binary = ""
    public var module = ""
    public var threads = 1
    public var functions: [(name: String, token: String)] = []
    public var variants: [String: Variant] = [:]
    public var variantOrder: [String] = []
    public var wrongBuild: String?

    public var dir: String { Paths.corpusBuild + "/" + program }
    public var binaryPath: String { dir + "/" + binary }
    /// The file the payload's old bytes come from: the library for a library patch.
    public var patchedFile: String {
        module == "main" ? binaryPath : dir + "/" + module
    }

    public init(_ program: String) throws {
        self.program = program
        let text = try String(contentsOfFile: Paths.corpus + "/\(program)/manifest", encoding: .utf8)
        for raw in text.split(separator: "\n") {
            let line = raw.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
            let f = line.split(separator: " ").map(String.init)
            guard let key = f.first else { continue }
            switch key {
            case "binary": binary = f[1]
            case "module": module = f[1]
            case "threads": threads = Int(f[1]) ?? 1
            case "func": functions.append((f[1], f[2]))
            case "wrongbuild": wrongBuild = f[1]
            case "variant":
                let fns = f[2].split(separator: ",").map(String.init)
                let toks = f[3].split(separator: ",").map(String.init)
                let extra = f.dropFirst(4)
                let on = extra.first { $0.hasPrefix("ontop=") }.map { String($0.dropFirst(6)) }
                variants[f[1]] = Variant(
                    name: f[1], functions: fns, tokens: Dictionary(uniqueKeysWithValues: zip(fns, toks)),
                    onTopOf: on, alsoVirgin: extra.contains("alsovirgin"))
                variantOrder.append(f[1])
            default: continue
            }
        }
    }

    public var originalTokens: [String: String] {
        Dictionary(uniqueKeysWithValues: functions.map { ($0.name, $0.token) })
    }
}

/// Builds the corpus once per test process and payloads on demand.
public enum Corpus {
    private static let lock = NSLock()
    nonisolated(unsafe) private static var built = false
    nonisolated(unsafe) private static var payloads: [String: String] = [:]
    public static let payloadDir = Paths.tempDir("payloads")

    public static func ensureBuilt() throws {
        lock.lock()
        defer { lock.unlock() }
        if built { return }
        let r = try Shell.run("/usr/bin/make", ["-s", "-C", Paths.corpus, "-j2"])
        guard r.status == 0 else { throw TestFailure("make -C corpus failed: \(r.stderr)") }
        built = true
    }

    /// Builds (once) the payload for a variant with `xsplice build`, stacking
    /// on its declared base.
    public static func payload(_ m: Manifest, _ variant: String) throws -> String {
        try ensureBuilt()
        let key = "\(m.program)/\(variant)"
        lock.lock()
        if let p = payloads[key] { lock.unlock(); return p }
        lock.unlock()
        guard let v = m.variants[variant] else { throw TestFailure("no variant \(variant) in \(m.program)") }
        var args = [
            "build", "--binary", m.patchedFile, "--object", "\(m.dir)/\(variant).o", "--name",
            "\(m.program)-\(variant)",
        ]
        for f in v.functions { args += ["--function", f] }
        if let base = v.onTopOf { args += ["--on-top-of", try payload(m, base)] }
        if v.alsoVirgin { args.append("--also-virgin") }
        let out = "\(payloadDir)/\(m.program)-\(variant).xsp"
        args += ["-o", out]
        let r = try Shell.xsplice(args)
        guard r.status == 0 else { throw TestFailure("xsplice build \(key) failed (\(r.status)): \(r.stderr)") }
        lock.lock()
        payloads[key] = out
        lock.unlock()
        return out
    }
}

public struct TestFailure: Error, CustomStringConvertible {
    public let description: String
    public init(_ s: String) { description = s }
}
