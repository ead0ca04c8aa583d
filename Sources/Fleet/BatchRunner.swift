import Foundation
import Glibc

/// Runs one operation over many processes. Each process is its own
/// transaction, run in one of `workers` worker processes (`xsplice
/// fleet-worker --stream`, see `WorkerPool`) that serve one process at a
/// time: a worker that fails, traps or is killed takes no other process with
/// it, and no state but immutable, identity-keyed data outlives a transaction.
/// `workers == 0` runs them one after another inside this process (for
/// measuring what the separate processes cost).
public struct BatchRunner {
    public var operation: BatchOperation
    public var workers: Int
    public var timeout: Double
    public var waitReturn: Bool
    /// The xsplice binary a worker runs.
    public var binary: String
    /// The ID of the payload the command checked (and trusted): a worker
    /// whose file no longer has it refuses every process.
    public var payloadID: String?

    public init(operation: BatchOperation, workers: Int, timeout: Double, waitReturn: Bool, binary: String,
                payloadID: String? = nil) {
        self.payloadID = payloadID
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
            let job = Result { try BatchJob(operation, expectedID: payloadID) }
            for p in pids {
                let o: ProcessOutcome
                switch job {
                case let .success(j): o = ProcessWorker.run(j, pid: p, timeout: timeout, waitReturn: waitReturn)
                case let .failure(e): o = WorkerPool.refused(p, "refused: \(e); the target is unchanged")
                }
                summary.count(o)
                each(o)
            }
        } else if let dir = Self.scratchDirectory() {
            defer { try? FileManager.default.removeItem(atPath: dir) }
            let pool = WorkerPool(binary: binary, arguments: operation.workerArguments(
                timeout: timeout, waitReturn: waitReturn, payloadID: payloadID), size: workers, scratch: dir)
            pool.run(pids) { o in summary.count(o); each(o) }
        } else {
            for p in pids {
                let o = WorkerPool.refused(p, "could not create a scratch directory in \(NSTemporaryDirectory()); "
                                              + "the target is unchanged")
                summary.count(o)
                each(o)
            }
        }
        summary.wall_ms = UInt64(max(0, Date().timeIntervalSince(start) * 1000))
        return summary
    }

    private static func scratchDirectory() -> String? {
        var template = Array((NSTemporaryDirectory() + "/xsplice-batch.XXXXXX").utf8CString)
        return template.withUnsafeMutableBufferPointer { b in
            guard let base = b.baseAddress, let p = mkdtemp(base) else { return nil }
            return String(cString: p)
        }
    }
}
