import ArgumentParser
import Fleet
import Foundation

/// The selectors that turn apply, revert and verify into a batch over many
/// processes, each its own transaction.
struct BatchOptions: ParsableArguments {
    @Flag(name: .long, help: "Every process on the host (those that do not map the payload's module are skipped).")
    var all = false
    @Option(name: .long, help: "Comma-separated PIDs.") var pids: String?
    @Option(name: .long, help: "Processes running this executable.") var exe: String?
    @Option(name: .long, help: "Processes in this cgroup v2 (e.g. system.slice/NAME.service).") var cgroup: String?
    @Option(name: .long, help: "Worker processes at a time (0: one after another inside this process).")
    var workers: Int = max(1, ProcessInfo.processInfo.activeProcessorCount)

    var isBatch: Bool { all || pids != nil || exe != nil || cgroup != nil }

    func validate() throws {
        let n = [all, pids != nil, exe != nil, cgroup != nil].filter { $0 }.count
        guard n <= 1 else { throw ValidationError("give at most one of --all, --pids, --exe, --cgroup") }
        guard workers >= 0, workers <= 256 else { throw ValidationError("--workers must be between 0 and 256") }
        if let pids { _ = try parsedPIDs(pids) }
    }

    func parsedPIDs(_ s: String) throws -> [Int32] {
        try s.split(separator: ",").map {
            guard let p = Int32($0.trimmingCharacters(in: .whitespaces)), p > 0 else {
                throw ValidationError("--pids: \"\($0)\" is not a PID; give a comma-separated list such as 12,34")
            }
            return p
        }
    }

    func selection() throws -> Selection {
        if let pids { return .pids(try parsedPIDs(pids)) }
        if let exe { return .executable(exe) }
        if let cgroup { return .cgroup(cgroup) }
        return .all
    }

    /// Runs the batch, prints a line per process and the summary, and exits
    /// with the summary's code.
    func run(_ op: BatchOperation, json: Bool, timeout: Double = 5, waitReturn: Bool = false,
             payloadID: String? = nil) throws -> Never {
        let pids: [Int32]
        do { pids = try selection().pids() } catch { throw Exit(code: Exit.badInput, message: "\(error)") }
        let binary = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe"))
            ?? CommandLine.arguments[0]
        let runner = BatchRunner(operation: op, workers: workers, timeout: timeout, waitReturn: waitReturn,
                                 binary: binary, payloadID: payloadID)
        let progress = isatty(2) == 1 && !json ? Progress(total: pids.count) : nil
        let summary = runner.run(pids) { o in
            progress?.clear()
            if json { Console.jsonLine(o) } else { Console.out(o.text) }
            progress?.step()
        }
        progress?.clear()
        if json { Console.jsonLine(summary) } else { Console.out(summary.text) }
        Foundation.exit(summary.exit)
    }
}

/// A one-line progress bar on standard error, only on a terminal.
final class Progress {
    let total: Int
    var done = 0
    init(total: Int) { self.total = total }

    func step() {
        done += 1
        let width = 30
        let filled = total == 0 ? width : done * width / total
        Console.errRaw("\r[" + String(repeating: "#", count: filled) + String(repeating: " ", count: width - filled)
                       + "] \(done)/\(total)")
    }

    func clear() { if done > 0 { Console.errRaw("\r\u{1b}[K") } }
}
