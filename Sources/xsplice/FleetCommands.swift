import ArgumentParser
import Fleet
import Foundation

/// One process of a batch; run by `BatchRunner`, not by operators.
struct FleetWorkerCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fleet-worker", abstract: "One process of a batch (internal).", shouldDisplay: false)
    @Option(name: .long) var pid: Int32
    @Option(name: .long) var op: String
    @Option(name: .long) var timeout: Double = 5
    @Flag(name: .customLong("wait-return")) var waitReturn = false
    @Flag(name: .customLong("dry-run")) var dryRun = false
    @Argument var subject: String

    func run() throws {
        let operation: BatchOperation
        switch op {
        case "apply": operation = .apply(payloadPath: subject, dryRun: dryRun)
        case "revert": operation = .revert(key: subject, dryRun: dryRun)
        case "verify": operation = .verify(payloadPath: subject)
        default: throw ValidationError("--op must be apply, revert or verify")
        }
        Console.jsonLine(ProcessWorker.run(operation, pid: pid, timeout: timeout, waitReturn: waitReturn))
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
