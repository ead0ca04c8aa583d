import Diff
import ELF
import Foundation
import Payload

/// `build --before ORIG.o --after FIXED.o`: the plan comes from Diff, the
/// payload from PayloadBuilder (one object per pair, then merged).
extension BuildCommand {
    func runFromFix(before: [String], after: [String]) throws {
        guard before.count == after.count else {
            throw Exit(code: Exit.badInput, message: "give --before and --after in pairs (\(before.count) --before, "
                + "\(after.count) --after)")
        }
        let stripped = try ELFFile(path: binary)
        let plan: FixPlan
        let image: BinaryImage
        do {
            image = try BinaryImage(path: binary, file: stripped, debug: try debugFile(for: stripped))
            let pairs = try zip(before, after).map { b, a in
                FixPlan.Pair(before: try ObjectUnit(path: b, file: try ELFFile(path: b)),
                             after: try ObjectUnit(path: a, file: try ELFFile(path: a)))
            }
            plan = try FixPlan(binary: image, pairs: pairs)
        } catch let e as DiffError {
            throw Exit(code: e.exitCode, message: e.description)
        }
        let report = FixReport(plan)
        guard plan.refusals.isEmpty else {
            if json { try Console.json(report) } else { report.lines(explain: explain).forEach(Console.out) }
            throw Exit(code: Exit.refused, message: DiffError.refused(plan.refusals).description)
        }
        guard !plan.replacements.isEmpty else {
            if json { try Console.json(report) } else { report.lines(explain: explain).forEach(Console.out) }
            throw Exit(code: Exit.refused, message: "no function of the binary changes: "
                + (plan.inlined.isEmpty && plan.newFunctions.isEmpty ? "the fix changes no code"
                    : "nothing that runs would reach the new code"))
        }
        // The payload records addresses, checked at apply time by build-id
        // and old bytes: the symbols may come from the debug file.
        let bin = stripped.withSymbols(image.symbols)
        let bases = try onTopOf.map { try PayloadFile.load(path: $0) }
        let payloadName = name ?? defaultName
        var parts: [Payload] = []
        for (k, pair) in plan.pairs.enumerated() {
            let specs = plan.replacements.filter { $0.pair == k }.map {
                FunctionSpec(name: $0.binarySymbol.name, address: $0.binarySymbol.value)
            }
            guard !specs.isEmpty else { continue }
            let builder = PayloadBuilder(binary: bin, binaryName: binary, object: pair.after.file,
                                         objectName: pair.after.path)
            let part = try builder.build(.init(name: payloadName, functions: specs, onTopOf: bases,
                                               alsoVirgin: alsoVirgin))
            parts.append(part.payload)
        }
        let file = try PayloadFile(payload: Payload.merging(parts, name: payloadName))
        try file.write(to: output)
        if json {
            try Console.json(BuiltFromFix(payload: PayloadDescription(file), report: report))
        } else {
            report.lines(explain: explain).forEach(Console.out)
            Console.out("built \(output): payload \(file.payload.name) \(file.id.hex), "
                + "\(file.payload.functions.count) function(s): "
                + file.payload.functions.map(\.displayName).joined(separator: ", "))
        }
    }
}

extension BuildCommand {
    /// --patch with --compile-commands: compile each changed unit before and
    /// after the fix in a scratch directory, then the same as --before/--after.
    func runFromPatch(_ patch: String, database: String) throws {
        let scratch = FileManager.default.temporaryDirectory
            .appendingPathComponent("xsplice-fix-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        let pairs: [FixSources.Pair]
        do {
            let db = try CompileDatabase(path: database)
            pairs = try FixSources(root: sourceRoot ?? FileManager.default.currentDirectoryPath, patch: patch,
                                   database: db, scratch: scratch).build()
        } catch {
            throw Exit(code: error.exitCode, message: error.description)
        }
        if !json { pairs.forEach { Console.out("compiled \($0.source) before and after the fix") } }
        try runFromFix(before: pairs.map(\.before), after: pairs.map(\.after))
    }

    /// --symbols, else for a stripped binary the debug file where
    /// distributions put it; nil when the binary has its own symbols.
    func debugFile(for file: ELFFile) throws -> (path: String, file: ELFFile)? {
        if let symbols { return (symbols, try ELFFile(path: symbols)) }
        guard file.symbols.isEmpty else { return nil }
        for path in DebugFile.candidates(for: binary, file: file) {
            if let f = try? ELFFile(path: path), f.buildID == file.buildID { return (path, f) }
        }
        return nil
    }
}

/// `build --json` with --before/--after: the payload and the report.
struct BuiltFromFix: Encodable {
    var payload: PayloadDescription
    var report: FixReport
}
