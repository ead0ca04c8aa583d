import Foundation
import Glibc

/// Runs one operation over many processes. Each process is its own
/// transaction in its own worker process (`xsplice fleet-worker`), at most
/// `workers` at a time: a worker that fails, traps or is killed takes no
/// other process with it, and no state is shared between transactions.
/// `workers == 0` runs them one after another inside this process (for
/// measuring what the separate processes cost).
public struct BatchRunner {
    public var operation: BatchOperation
    public var workers: Int
    public var timeout: Double
    public var waitReturn: Bool
    /// The xsplice binary a worker runs.
    public var binary: String

    public init(operation: BatchOperation, workers: Int, timeout: Double, waitReturn: Bool, binary: String) {
        self.operation = operation
        self.workers = workers
        self.timeout = timeout
        self.waitReturn = waitReturn
        self.binary = binary
    }

    /// Calls `each` with every process's outcome as it finishes (in finishing
    /// order), and returns the summary.
    public func run(_ pids: [Int32], each: (ProcessOutcome) -> Void) -> BatchSummary {
        let start = Date()
        var summary = BatchSummary(operation: operation.name, workers: workers)
        summary.dry_run = operation.isDryRun
        if workers == 0 {
            for p in pids {
                let o = ProcessWorker.run(operation, pid: p, timeout: timeout, waitReturn: waitReturn)
                summary.count(o)
                each(o)
            }
        } else {
            runInWorkers(pids) { o in summary.count(o); each(o) }
        }
        summary.wall_ms = UInt64(max(0, Date().timeIntervalSince(start) * 1000))
        return summary
    }

    private struct Running {
        var worker: pid_t
        var target: Int32
        var output: String
    }

    private func runInWorkers(_ pids: [Int32], _ report: (ProcessOutcome) -> Void) {
        guard let dir = Self.scratchDirectory() else {
            for p in pids {
                report(ProcessOutcome(result: "refused", pid: p, exe: Selection.executable(of: p) ?? "?",
                                      before: "-", after: "-",
                                      reason: "could not create a scratch directory in \(NSTemporaryDirectory()); "
                                          + "the target is unchanged"))
            }
            return
        }
        defer { try? FileManager.default.removeItem(atPath: dir) }
        var queue = pids[...]
        var running: [Running] = []
        while !queue.isEmpty || !running.isEmpty {
            while running.count < workers, let target = queue.popFirst() {
                let out = "\(dir)/\(target)"
                if let w = spawn(target, output: out) {
                    running.append(Running(worker: w, target: target, output: out))
                } else {
                    report(ProcessOutcome(result: "refused", pid: target, exe: Selection.executable(of: target) ?? "?",
                                          before: "-", after: "-",
                                          reason: "could not start a worker (\(String(cString: strerror(errno))));"
                                              + " the target is unchanged"))
                }
            }
            var finished = false
            for (i, r) in running.enumerated().reversed() {
                var status: Int32 = 0
                guard waitpid(r.worker, &status, WNOHANG) == r.worker else { continue }
                running.remove(at: i)
                report(Self.outcome(of: r, status: status))
                finished = true
            }
            if !finished, !running.isEmpty { usleep(300) }
        }
    }

    private func spawn(_ target: Int32, output: String) -> pid_t? {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, output, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        posix_spawn_file_actions_addopen(&actions, 2, output + ".err", O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        let args = [binary] + operation.workerArguments(pid: target, timeout: timeout, waitReturn: waitReturn)
        let argv = args.map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var child: pid_t = 0
        let rc = posix_spawn(&child, binary, &actions, nil, argv, environ)
        guard rc == 0 else { errno = rc; return nil }
        return child
    }

    /// A worker's one JSON line; a worker that ended without one is a
    /// refusal of its process, with what it printed.
    private static func outcome(of r: Running, status: Int32) -> ProcessOutcome {
        let data = FileManager.default.contents(atPath: r.output) ?? Data()
        if let o = try? JSONDecoder().decode(ProcessOutcome.self, from: data) { return o }
        let err = (try? String(contentsOfFile: r.output + ".err", encoding: .utf8)) ?? ""
        let how = (status & 0x7f) == 0 ? "exit \((status >> 8) & 0xff)" : "signal \(status & 0x7f)"
        // A worker that died without reporting may have died mid-write; say so
        // rather than claim the target is unchanged.
        return ProcessOutcome(result: "inconsistent", pid: r.target, exe: Selection.executable(of: r.target) ?? "?",
                              before: "-", after: "-",
                              reason: "the worker ended (\(how)) without a result: \(err.prefix(300)); "
                                  + "run `xsplice verify --pid \(r.target)` and `xsplice recover --pid \(r.target)`")
    }

    private static func scratchDirectory() -> String? {
        var template = Array((NSTemporaryDirectory() + "/xsplice-batch.XXXXXX").utf8CString)
        return template.withUnsafeMutableBufferPointer { b in
            guard let base = b.baseAddress, let p = mkdtemp(base) else { return nil }
            return String(cString: p)
        }
    }
}
