import ArgumentParser
import Fleet
import Foundation

/// Processes of a batch; run by `BatchRunner`, not by operators. With
/// `--stream` it reads one PID per line from standard input and answers each
/// with one JSON line, until end of file.
struct FleetWorkerCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fleet-worker", abstract: "Processes of a batch (internal).", shouldDisplay: false)
    @Option(name: .long) var pid: Int32?
    @Flag(name: .long) var stream = false
    @Option(name: .long) var op: String
    @Option(name: .long) var timeout: Double = 5
    @Option(name: .customLong("payload-id")) var payloadID: String?
    @Flag(name: .customLong("wait-return")) var waitReturn = false
    @Flag(name: .customLong("dry-run")) var dryRun = false
    @Argument var subject: String

    func validate() throws {
        guard (pid != nil) != stream else { throw ValidationError("give either --pid PID or --stream") }
    }

    func run() throws {
        let operation: BatchOperation
        switch op {
        case "apply": operation = .apply(payloadPath: subject, dryRun: dryRun)
        case "revert": operation = .revert(key: subject, dryRun: dryRun)
        case "verify": operation = .verify(payloadPath: subject)
        default: throw ValidationError("--op must be apply, revert or verify")
        }
        // Decoded once for every process this worker serves.
        let job = Result { try BatchJob(operation, expectedID: payloadID) }
        func one(_ target: Int32) -> ProcessOutcome {
            switch job {
            case let .success(j): return ProcessWorker.run(j, pid: target, timeout: timeout, waitReturn: waitReturn)
            case let .failure(e):
                return ProcessOutcome(result: "refused", pid: target, exe: Selection.executable(of: target) ?? "?",
                                      before: "-", after: "-", reason: "refused: \(e); the target is unchanged")
            }
        }
        if let pid {
            Console.jsonLine(one(pid))
            return
        }
        while let line = readLine() {
            let target = Int32(line.trimmingCharacters(in: .whitespaces)) ?? 0
            guard target > 0 else {
                Console.jsonLine(ProcessOutcome(result: "refused", pid: target, exe: "?", before: "-", after: "-",
                                                reason: "\"\(line.prefix(40))\" is not a PID"))
                continue
            }
            Console.jsonLine(one(target))
        }
    }
}

struct StatusCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Every process on the host that carries an xsplice registry, with its payloads, "
            + "from the processes alone.")
    @Flag(name: .long, help: "Print JSON.") var json = false

    func run() throws {
        let all = HostStatus.scan()
        if json { try Console.json(all) } else { Console.out(HostStatus.text(all)) }
    }
}
