import Foundation
import Glibc
import TestSupport

/// Samples a thread's state in /proc/PID/task/TID/stat from a spinning
/// thread of the test and sums the time it was seen in a tracing stop
/// ("t"). Only the stretch between two consecutive "t" samples taken close
/// together counts, so a watcher that was itself descheduled never counts
/// time it did not see: the sum is a lower bound of the time held.
final class StopWatcher: @unchecked Sendable {
    struct Seen: CustomStringConvertible {
        var stoppedMicros: UInt64
        var stretches: Int
        var samples: Int
        var description: String { "\(stoppedMicros) us in \(stretches) stretches, \(samples) samples" }
    }

    /// Two samples further apart than this say nothing about what was between them.
    static let closeMicros: UInt64 = 150
    private let fd: Int32
    private let lock = NSLock()
    private var stopping = false
    private var seen = Seen(stoppedMicros: 0, stretches: 0, samples: 0)
    private var thread: Thread?
    private let done = DispatchSemaphore(value: 0)

    init(pid: Int32, tid: Int32) throws {
        fd = open("/proc/\(pid)/task/\(tid)/stat", O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw TestFailure("cannot open the stat of \(pid)/\(tid)") }
    }

    deinit { close(fd) }

    func start() {
        let t = Thread { [self] in
            run()
            done.signal()
        }
        thread = t
        t.start()
    }

    func finish() -> Seen {
        lock.lock()
        stopping = true
        lock.unlock()
        done.wait()
        lock.lock()
        defer { lock.unlock() }
        return seen
    }

    private func run() {
        var last: (micros: UInt64, stopped: Bool)?
        var local = Seen(stoppedMicros: 0, stretches: 0, samples: 0)
        var buf = [UInt8](repeating: 0, count: 512)
        while true {
            lock.lock()
            let stop = stopping
            lock.unlock()
            if stop { break }
            let n = buf.withUnsafeMutableBytes { pread(fd, $0.baseAddress, $0.count, 0) }
            let now = Self.micros()
            guard n > 0, let close = buf[0..<n].lastIndex(of: UInt8(ascii: ")")), close + 2 < n else { break }
            let stopped = buf[close + 2] == UInt8(ascii: "t")
            local.samples += 1
            if stopped, let l = last, l.stopped, now - l.micros <= Self.closeMicros {
                local.stoppedMicros += now - l.micros
            } else if stopped, last?.stopped != true {
                local.stretches += 1
            }
            last = (now, stopped)
        }
        lock.lock()
        seen = local
        lock.unlock()
    }

    static func micros() -> UInt64 {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return UInt64(ts.tv_sec) * 1_000_000 + UInt64(ts.tv_nsec) / 1000
    }
}
