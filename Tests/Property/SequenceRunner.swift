import Applier
import Foundation
import OldCodeCheck
import Payload
import Testing

/// Runs one operation on the real applier and on the model, and reports
/// every disagreement. Used by both substrates.
struct SequenceRunner {
    let universe: Universe
    let session: LiveSession
    var model: PatchModel
    /// Checked after each step when given: the program's output (live runs).
    var extraCheck: ((PatchModel) -> String?)?
    /// Threads and damage between commands (simulated runs only).
    var disturber: Disturber?
    /// How long operations retry a busy function: 0 on the simulated
    /// process, whose parked thread never leaves by itself.
    var timeout: Double = 1
    private(set) var log: [String] = []
    private(set) var refusals = 0
    private(set) var operations = 0

    init(universe: Universe, session: LiveSession) {
        self.universe = universe
        self.session = session
        self.model = PatchModel(payloads: universe.specs)
    }

    /// The exit code xsplice's CLI would give for an error.
    static func exitCode(_ error: Error) -> Int32 {
        if let e = error as? ApplierError { return e.exitCode }
        return 2
    }

    func realVerify(_ i: Int) throws -> Int32 {
        try session.verify([universe.files[i]]).first?.verdict == .conflict ? 1 : 0
    }

    /// Runs `op`; returns the problems found (empty when all agree).
    mutating func step(_ op: Operation) throws -> [String] {
        operations += 1
        let n = universe.files.count
        let bytesBefore = try universe.codeBytes(session)
        let registryBefore = try session.registry()
        var real: Int32 = 0
        var expected: Int32 = 0
        var mutating = true
        if !op.isXsplice {
            try disturber?.perform(op, model: &model)
            return try agreement(op)
        }
        do {
            switch op {
            case let .verify(a):
                mutating = false
                real = try realVerify(a % n)
                expected = model.verify(universe.specs[a % n])
            case let .apply(a):
                expected = model.apply(universe.specs[a % n])
                _ = try session.apply(universe.files[a % n], timeoutSeconds: timeout)
            case let .revert(a):
                expected = model.revert(universe.specs[a % n])
                _ = try session.revert(universe.files[a % n].payload.name, timeoutSeconds: timeout)
            case let .replace(a, b):
                expected = model.replace(universe.specs[a % n], universe.specs[b % n])
                _ = try session.replace(universe.files[a % n].payload.name, with: universe.files[b % n],
                                        timeoutSeconds: timeout)
            case .park, .tamperTail, .tamperReplacement, .settle:
                return []
            }
        } catch {
            real = Self.exitCode(error)
            log.append("\(op): \(error)")
        }
        var problems: [String] = []
        if real != expected { problems.append("\(op): xsplice exit \(real), model expects \(expected)") }
        if real == 3 { problems.append("\(op): exit 3, target may be inconsistent") }
        if real != 0 { refusals += 1 }
        if real != 0 || !mutating {
            if try universe.codeBytes(session) != bytesBefore {
                problems.append("\(op): refused or read-only, yet code bytes changed")
            }
            if try session.registry() != registryBefore {
                problems.append("\(op): refused or read-only, yet the registry changed")
            }
        }
        return problems + (try agreement(op))
    }

    /// The states, raw bytes, registry and output all agree with the model.
    func agreement(_ op: Operation) throws -> [String] {
        var problems: [String] = []
        let observed = try universe.observedStates(session)
        for (k, _) in universe.functions {
            let got = observed[k] ?? "?"
            let want = model.state(k)
            if want == "foreign" ? !got.hasPrefix("foreign") : got != want {
                problems.append("\(op): \(k) is \(got), model says \(want)")
            }
        }
        problems += try ByteOracle(universe: universe).problems(session.target, model).map { "\(op): \($0)" }
        let listed = try session.registry().records.map(\.name)
        if listed != model.applied { problems.append("\(op): registry lists \(listed), model \(model.applied)") }
        if let extra = extraCheck?(model) { problems.append("\(op): \(extra)") }
        return problems
    }

    /// Reverts everything in an order the model allows.
    mutating func revertAll() throws -> [String] {
        var problems: [String] = []
        if disturber != nil { problems += try step(.settle) }
        for name in model.revertOrder() {
            guard let i = universe.specs.firstIndex(where: { $0.name == name }) else { continue }
            problems += try step(.revert(i))
        }
        return problems
    }
}

/// How many sequences to run: XSPLICE_PROPERTY_SCALE multiplies the CI
/// default for long campaigns.
enum PropertyScale {
    static var factor: Double {
        Double(ProcessInfo.processInfo.environment["XSPLICE_PROPERTY_SCALE"] ?? "") ?? 1
    }
    static func count(_ base: Int) -> Int { max(1, Int(Double(base) * factor)) }
}

/// Appends one line per sequence to $XSPLICE_PROPERTY_STATS, which
/// scripts/regress sums up after a long campaign.
enum PropertyStats {
    private static let lock = NSLock()

    static func record(substrate: String, program: String, operations: Int, refusals: Int, disagreements: Int) {
        guard let path = ProcessInfo.processInfo.environment["XSPLICE_PROPERTY_STATS"] else { return }
        let line = "\(substrate) \(program) \(operations) \(refusals) \(disagreements)\n"
        lock.lock()
        defer { lock.unlock() }
        if let h = FileHandle(forWritingAtPath: path) {
            h.seekToEndOfFile()
            h.write(Data(line.utf8))
            try? h.close()
        } else {
            FileManager.default.createFile(atPath: path, contents: Data(line.utf8))
        }
    }
}

/// The property library drops errors thrown by a check's body (it wraps the
/// body in `try?`); this records them as test issues instead.
func recordingErrors(sourceLocation: SourceLocation = #_sourceLocation, _ body: () throws -> Void) {
    do { try body() } catch { Issue.record("unexpected error: \(error)", sourceLocation: sourceLocation) }
}
