import Foundation
import Applier
import PropertyBased
import Testing

/// Random sequences of apply, revert, replace and verify on a simulated
/// process, checked step by step against the model.
@Suite struct InMemoryPropertyTests {
    static let programs = ["counter", "chain", "clash", "cet", "nopie", "callbacks"]

    @Test(arguments: programs)
    func sequencesAgreeWithTheModel(program: String) async throws {
        let universe = try Universe.load(program)
        let n = universe.files.count
        await propertyCheck(
            count: PropertyScale.count(300),
            input: Gen.int(in: Operation.codeRange(payloads: n, extended: true)).array(of: 1...14)
        ) { codes in
            recordingErrors {
                let sim = try SimulatedProcess(binary: universe.manifest.patchedFile)
                var runner = SequenceRunner(universe: universe, session: try LiveSession(target: sim))
                runner.disturber = Disturber(universe: universe, sim: sim)
                runner.timeout = 0
                let original = try universe.codeBytes(runner.session)
                let maps = sim.mappingCount
                var problems: [String] = []
                for code in codes { problems += try runner.step(Operation.decode(code, payloads: n, extended: true)) }
                problems += try runner.revertAll()
                if try universe.codeBytes(runner.session) != original {
                    problems.append("reverting everything did not restore the original bytes")
                }
                // Only the registry mapping may remain once everything is reverted.
                if sim.mappingCount > maps + 1 {
                    problems.append("code regions leaked: \(sim.mappingCount - maps - 1)")
                }
                PropertyStats.record(substrate: "memory", program: program, operations: runner.operations,
                                     refusals: runner.refusals, disagreements: problems.count)
                #expect(
                    problems.isEmpty, "\(codes.map { Operation.decode($0, payloads: n, extended: true) }): \(problems)")
            }
        }
    }

    /// Independent payloads reach the same per-function states in any order.
    @Test(arguments: programs)
    func independentPayloadsCommute(program: String) async throws {
        let universe = try Universe.load(program)
        let independent = universe.specs.enumerated().filter {
            $0.element.accepts.values.allSatisfy { $0 == ["virgin"] }
        }.map(\.offset)
        let disjoint = independent.filter { i in
            independent.allSatisfy { j in
                i == j || Set(universe.specs[i].functions).isDisjoint(with: universe.specs[j].functions)
            }
        }
        guard disjoint.count >= 2 else { return }
        var reference: [String: String]?
        await propertyCheck(count: PropertyScale.count(10), input: Gen.shuffled(disjoint)) { order in
            recordingErrors {
                let sim = try SimulatedProcess(binary: universe.manifest.patchedFile)
                let session = try LiveSession(target: sim)
                var model = PatchModel(payloads: universe.specs)
                for i in order {
                    _ = try session.apply(universe.files[i])
                    _ = model.apply(universe.specs[i])
                }
                // Raw memory, not only the verifier's word: an apply that
                // did nothing would leave virgin bytes and fail here.
                let wrong = try ByteOracle(universe: universe).problems(sim, model)
                #expect(wrong.isEmpty, "order \(order): \(wrong)")
                #expect(order.allSatisfy { model.applied.contains(universe.specs[$0].name) })
                let states = try universe.observedStates(session)
                if let r = reference { #expect(states == r, "order \(order)") } else { reference = states }
            }
        }
    }
}
