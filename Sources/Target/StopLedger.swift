/// How long each thread of a target was held by xsplice, summed over every
/// stop of one operation: the stop of every thread, the one-thread stops of
/// remote system calls and remote function calls, and the stops of a wait
/// for returns. `pause_us` measures only the window that writes; a thread
/// that also lent itself to map code or to register unwind information was
/// held longer, and this is where that shows.
///
/// A stop counts from just before xsplice asks for it (PTRACE_SEIZE or
/// PTRACE_INTERRUPT, or the moment a new thread is seen born stopped) until
/// just after the thread is let go (PTRACE_DETACH, PTRACE_CONT or
/// PTRACE_SYSCALL): an over-estimate by the cost of a system call, never an
/// under-estimate. Time a borrowed thread spends running xsplice's remote
/// call counts as stopped: it runs none of its own code then. A class: the
/// stops of one operation share it.
public final class StopLedger: @unchecked Sendable {
    /// Threads stopped now, and since when (monotonic microseconds).
    private var open: [Int32: UInt64] = [:]
    /// Closed stops, summed per thread.
    private var total: [Int32: UInt64] = [:]
    private var stops: [Int32: Int] = [:]

    public init() {}

    /// Forgets everything: a new operation starts.
    public func reset() {
        open = [:]
        total = [:]
        stops = [:]
    }

    /// The thread is (about to be) stopped; a thread already stopped keeps its start.
    public func stopped(_ tid: Int32, at micros: UInt64 = Clock.nowMicros()) {
        guard open[tid] == nil else { return }
        open[tid] = micros
        stops[tid, default: 0] += 1
    }

    /// The thread runs its own code again.
    public func resumed(_ tid: Int32, at micros: UInt64 = Clock.nowMicros()) {
        guard let since = open.removeValue(forKey: tid) else { return }
        total[tid, default: 0] &+= micros >= since ? micros - since : 0
    }

    /// The longest total stop of any one thread, a stop still open counting until now.
    public var longest: (tid: Int32, micros: UInt64, stops: Int)? {
        let now = Clock.nowMicros()
        var sums = total
        for (tid, since) in open { sums[tid, default: 0] &+= now >= since ? now - since : 0 }
        guard let top = sums.max(by: { $0.value < $1.value || ($0.value == $1.value && $0.key > $1.key) }) else {
            return nil
        }
        return (top.key, top.value, stops[top.key] ?? 0)
    }

    public var longestMicros: UInt64 { longest?.micros ?? 0 }
}
