import CShims
import Glibc

/// How xsplice waits for a traced thread to reach a stop: a stop usually
/// lands within microseconds, so it first yields, then sleeps for growing
/// spans. Spinning for long would take the very CPU the thread needs to get
/// there (a batch runs one worker per core, each waiting on a target), and a
/// long sleep would add its length to every remote system call.
struct Backoff {
    private var rounds = 0
    /// The longest single sleep, in microseconds.
    var ceiling: UInt64 = 100

    /// Sleeps of a few microseconds are only that short with a small timer
    /// slack (the default lets the kernel end them 50 us late).
    private static let slack: Void = { _ = xs_set_timer_slack(1000) }()

    mutating func pause() {
        rounds += 1
        if rounds <= 3 {
            sched_yield()
            return
        }
        Self.slack
        Clock.sleep(micros: min(ceiling, UInt64(1) << UInt64(min(rounds - 3, 10))))
    }

    mutating func reset() { rounds = 0 }
}
