import Applier
import Foundation
import PropertyBased
import TestSupport
import Testing

/// The same random sequences on real running corpus processes: besides the
/// states, bytes and registry, the program's own output must be what the
/// model predicts.
@Suite(.serialized) struct LivePropertyTests {
    @Test(arguments: ["counter", "workers"])
    func liveSequencesAgreeWithTheModelAndTheOutput(program: String) async throws {
        let universe = try Universe.load(program)
        let n = universe.files.count
        let process = try LiveProcess(universe.manifest.binaryPath, args: ["120"])
        defer { process.stop() }
        try process.waitUntilRunning()
        let session = try LiveSession(pid: process.pid)
        let original = try universe.codeBytes(session)

        await propertyCheck(
            count: PropertyScale.count(60), input: Gen.int(in: Operation.codeRange(payloads: n)).array(of: 1...8)
        ) { codes in
            recordingErrors {
                // Each sequence starts from the original program, whatever a
                // failed one before it left behind (the model starts fresh too).
                try revertEverything(session)
                var runner = SequenceRunner(universe: universe, session: session)
                runner.extraCheck = { model in
                    let want = expectedTokens(universe, model)
                    let got = process.waitForTokens(want, timeout: 3)
                    return got == want ? nil : "program prints \(got), model predicts \(want)"
                }
                var problems: [String] = []
                for code in codes { problems += try runner.step(Operation.decode(code, payloads: n)) }
                problems += try runner.revertAll()
                if try universe.codeBytes(session) != original {
                    problems.append("reverting everything did not restore the original bytes")
                }
                if !process.isAlive { problems.append("the process died") }
                PropertyStats.record(substrate: "live", program: program, operations: runner.operations,
                                     refusals: runner.refusals, disagreements: problems.count)
                #expect(problems.isEmpty, "\(codes.map { Operation.decode($0, payloads: n) }): \(problems)")
            }
        }
    }

    /// Reverts whatever the registry lists, top payloads first.
    func revertEverything(_ session: LiveSession) throws {
        var rounds = 0
        while let reg = try? session.registry(), !reg.records.isEmpty, rounds < 50 {
            rounds += 1
            let top = reg.records.last { r in
                r.functions.allSatisfy { reg.stack(atEntry: $0.site.entryAddress).last?.payloadID == r.id }
            }
            guard let top else {
                throw TestFailure("no payload is on top of all its functions: \(reg.records.map(\.name))")
            }
            _ = try session.revert(top.id.hex, timeoutSeconds: 2)
        }
    }

    /// What each function should print given the model's states.
    func expectedTokens(_ u: Universe, _ model: PatchModel) -> [String: String] {
        var out: [String: String] = [:]
        for (name, token) in u.manifest.functions {
            guard
                let (key, _) = u.functions.first(where: {
                    $0.patch.symbol == name || "\($0.patch.file):\($0.patch.symbol)" == name
                })
            else {
                out[name] = token
                continue
            }
            let top = model.state(key)
            out[name] = top == "virgin" ? token : (u.manifest.variants[top]?.tokens[name] ?? "?")
        }
        return out
    }
}
