import ArgumentParser
import OldCodeCheck
import Payload
import Target
import Applier

struct VerifyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Compare payloads' expected old code with a process or an image: virgin, applied(P) or foreign."
    )

    @Option(name: .long, help: "A running process.") var pid: Int32?
    @Option(name: .long, help: "An ELF file on disk.") var image: String?
    @Argument(help: "Payload files.") var payloads: [String]
    @Flag(name: .long, help: "Print JSON.") var json = false
    @OptionGroup var trustOptions: TrustOptions
    @OptionGroup var batch: BatchOptions

    func validate() throws {
        guard [pid != nil, image != nil, batch.isBatch].filter({ $0 }).count == 1 else {
            throw ValidationError("give exactly one of --pid PID, --image FILE, --all, --pids, --exe or --cgroup")
        }
        guard !batch.isBatch || payloads.count == 1 else { throw ValidationError("a batch verifies one payload") }
        guard !payloads.isEmpty else { throw ValidationError("give at least one payload") }
    }

    func run() throws {
        let files = try payloads.map { try PayloadFile.load(path: $0) }
        try trustOptions.check(files)
        if batch.isBatch { try batch.run(.verify(payloadPath: payloads[0]), json: json, payloadID: files[0].id.hex) }
        let reports: [PayloadReport]
        if let image {
            let verifier = Verifier(target: try ImageTarget(path: image))
            for f in files { try verifier.checkModules(f) }
            reports = files.map { verifier.verify($0) }
        } else if let pid {
            do { reports = try LiveSession(pid: pid).verify(files) } catch { throw Exit.fromLive(error) }
        } else {
            reports = []
        }
        if json {
            try Console.json(VerifyOutput(payloads: reports.map(ReportRendering.json),
                                          verdict: reports.contains { $0.verdict == .conflict } ? "conflict" : "ok"))
        } else {
            Console.out(ReportRendering.text(reports))
        }
        if reports.contains(where: { $0.verdict == .conflict }) { throw Exit(code: Exit.refused, message: nil) }
    }
}

struct VerifyOutput: Encodable {
    var payloads: [ReportRendering.JSONPayload]
    var verdict: String
}
