import Foundation

/// `build --patch fix.diff --compile-commands DB`: the before and after
/// objects of every unit the diff changes. "Before" is compiled in the real
/// tree as recorded; "after" in a patched scratch copy of the tree, with the
/// copy's path mapped back (-ffile-prefix-map) so that __FILE__ and the
/// debug information name the same files in both objects.
public struct FixSources {
    public struct Pair: Sendable { public var source: String; public var before: String; public var after: String }

    public let root: String
    public let patch: String
    public let database: CompileDatabase
    public let scratch: String

    /// The flags every before/after object needs for the comparison.
    public static let splitFlags = ["-ffunction-sections", "-fdata-sections", "-fno-lto"]

    public init(root: String, patch: String, database: CompileDatabase, scratch: String) {
        self.root = CompileDatabase.resolve(root, in: FileManager.default.currentDirectoryPath)
        self.patch = patch
        self.database = database
        self.scratch = scratch
    }

    var tree: String { scratch + "/tree" }

    public func build() throws(FixSourceError) -> [Pair] {
        let text: String
        do { text = try String(contentsOfFile: patch, encoding: .utf8) } catch {
            throw .unreadable(path: patch, why: "\(error.localizedDescription)")
        }
        let files = UnifiedDiff.changedFiles(text)
        guard !files.isEmpty else { throw .noChangedFile(patch: patch) }
        var units: [(String, CompileDatabase.Entry)] = []
        var dependencies: [[String]?] = Array(repeating: nil, count: database.entries.count)
        for rel in files {
            let abs = CompileDatabase.resolve(rel, in: root)
            var matches = database.entries.filter { $0.file == abs }
            if matches.isEmpty {
                // A header: every unit whose preprocessed dependencies name it.
                for (k, entry) in database.entries.enumerated() {
                    if dependencies[k] == nil { dependencies[k] = try self.dependencies(of: entry) }
                    if dependencies[k]?.contains(abs) == true { matches.append(entry) }
                }
            }
            guard !matches.isEmpty else { throw .noCompileCommand(file: abs, database: database.path) }
            for m in matches where !units.contains(where: { $0.1 == m }) { units.append((m.file, m)) }
        }
        try makeTree()
        var pairs: [Pair] = []
        for (k, (file, entry)) in units.enumerated() {
            let before = "\(scratch)/before/\(k).o", after = "\(scratch)/after/\(k).o"
            try compile(arguments(entry, output: before, mapped: false), in: entry.directory)
            try compile(arguments(entry, output: after, mapped: true), in: map(entry.directory))
            pairs.append(Pair(source: file, before: before, after: after))
        }
        return pairs
    }

    private func makeTree() throws(FixSourceError) {
        for dir in [tree, scratch + "/before", scratch + "/after"] {
            do { try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true) } catch {
                throw .toolFailed(what: "creating \(dir)", why: "\(error.localizedDescription)")
            }
        }
        let copy = Tool.run(["cp", "-a", root + "/.", tree], in: scratch)
        guard copy.status == 0 else { throw .toolFailed(what: "copying \(root)", why: copy.stderr) }
        let patchPath = CompileDatabase.resolve(patch, in: FileManager.default.currentDirectoryPath)
        let run: [String]
        if Tool.find("patch") != nil {
            run = ["patch", "-p1", "--batch", "--forward", "--no-backup-if-mismatch", "-i", patchPath]
        } else if Tool.find("git") != nil {
            run = ["git", "apply", "-p1", patchPath]
        } else {
            throw .noPatchTool
        }
        let result = Tool.run(run, in: tree)
        guard result.status == 0 else {
            throw .patchFailed(tool: run.joined(separator: " "), output: result.stdout + result.stderr)
        }
    }

    /// The recorded command with its outputs redirected into the scratch
    /// directory: no -o, no dependency files, -c kept, the split flags added.
    func arguments(_ entry: CompileDatabase.Entry, output: String, mapped: Bool) -> [String] {
        var out: [String] = []
        var args = entry.arguments[...]
        var hasC = false
        while let a = args.popFirst() {
            if ["-o", "-MF", "-MT", "-MQ"].contains(a) { _ = args.popFirst(); continue }
            if ["-MD", "-MMD", "-MP"].contains(a) || a.hasPrefix("-o") && a.count > 2 { continue }
            if a == "-c" { hasC = true }
            if mapped && CompileDatabase.resolve(a, in: entry.directory) == entry.file {
                out.append(map(entry.file))
            } else {
                out.append(mapped ? map(a) : a)
            }
        }
        if !hasC { out.append("-c") }
        if mapped { out.append("-ffile-prefix-map=\(tree)=\(root)") }
        return out + Self.splitFlags + ["-o", output]
    }

    /// The files the unit reads, from the preprocessor (`-M`), as absolute paths.
    func dependencies(of entry: CompileDatabase.Entry) throws(FixSourceError) -> [String] {
        var args = arguments(entry, output: "", mapped: false).dropLast(2).filter { $0 != "-c" }
        args.append("-M")
        let r = Tool.run(Array(args), in: entry.directory)
        guard r.status == 0 else {
            throw .compileFailed(command: "(cd \(entry.directory) && \(args.joined(separator: " ")))", stderr: r.stderr)
        }
        // Make syntax: "target: dep dep \\\n dep", a space in a name escaped.
        let words = r.stdout.replacingOccurrences(of: "\\\n", with: " ")
            .replacingOccurrences(of: "\\ ", with: "\u{0}")
            .split(whereSeparator: { $0 == " " || $0 == "\n" || $0 == "\t" })
        return words.dropFirst().map {
            CompileDatabase.resolve($0.replacingOccurrences(of: "\u{0}", with: " "), in: entry.directory)
        }
    }

    /// A path into the real tree, alone or after an option (-I/src/inc),
    /// becomes the same path in the patched copy.
    func map(_ arg: String) -> String {
        guard let r = arg.range(of: root) else { return arg }
        let after = arg[r.upperBound...]
        guard after.isEmpty || after.hasPrefix("/") else { return arg }
        guard r.lowerBound == arg.startIndex || arg.hasPrefix("-") else { return arg }
        return arg.replacingCharacters(in: r, with: tree)
    }

    private func compile(_ args: [String], in dir: String) throws(FixSourceError) {
        let r = Tool.run(args, in: dir)
        guard r.status == 0 else {
            throw .compileFailed(command: "(cd \(dir) && \(args.joined(separator: " ")))", stderr: r.stderr)
        }
    }
}
