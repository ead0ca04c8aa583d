import Target

/// Runs `body` with every thread stopped, once no thread uses the code about
/// to change. While some thread does, it lets the process run, backs off and
/// tries again until the deadline, then refuses and names thread and code.
enum StopWindow {
    struct Outcome<T> {
        let value: T
        let pauseMicros: UInt64
        let attempts: Int
        let threads: Int
        /// Where the pause went: stopping, the consistency check, the work
        /// (re-verification and writes) and resuming, in microseconds.
        let phases: [String: UInt64]
    }

    /// With a `waiter` (--wait-return), threads busy in the code are let run
    /// until they return out of it, and the check runs again on the process
    /// stopped at that moment, instead of backing off.
    static func run<T>(target: any ProcessControl, timeoutSeconds: Double, busy: () throws -> [BusyRange],
                       waiter: ReturnWaiter? = nil, _ body: (any ThreadStop) throws -> T) throws -> Outcome<T> {
        let start = Clock.nowMicros()
        let deadline = start + UInt64(max(0, timeoutSeconds) * 1_000_000)
        var backoff: UInt64 = 500
        var attempts = 0
        var stoppedByWait: (any ThreadStop)?
        defer { waiter?.release() }
        try waiter?.prepare()
        while true {
            attempts += 1
            // Outside the pause: comparing every process's memory can wait
            // on one that is in execve.
            let census = Result { try target.addressSpaceCensus() }
            let t0 = Clock.nowMicros()
            let world = try stoppedByWait ?? target.stopAll(timeoutSeconds: max(1, timeoutSeconds))
            stoppedByWait = nil
            let t1 = Clock.nowMicros()
            let found: [BusyThread]
            do {
                // The map is read inside each stop: a thread born during the
                // retries has a stack no earlier read knows.
                found = try ConsistencyCheck.findBusy(world: world, target: target, ranges: try busy(), census: census)
            } catch {
                world.resume()
                throw error
            }
            if let b = found.first {
                if let waiter {
                    do {
                        stoppedByWait = try waiter.wait(world: world, findings: found, busy: try busy(),
                                                        deadline: deadline)
                    } catch {
                        world.resume()
                        throw error
                    }
                    if stoppedByWait != nil { continue }
                    waiter.settle(world, census: census)
                }
                world.resume()
                guard Clock.nowMicros() + backoff < deadline else {
                    // The time actually spent, not the timeout asked for:
                    // with --timeout 0 one attempt still takes a moment.
                    let spent = Double(Clock.nowMicros() &- start) / 1_000_000
                    let why = waiter?.reason.map { "; --wait-return could not wait: \($0)" } ?? ""
                    if b.tid != 0, b.reason.isUse {
                        throw ApplierError.busy(thread: b.tid, function: b.name + why, how: b.how, seconds: spent)
                    }
                    throw ApplierError.notFree(b.sentence + why, seconds: spent)
                }
                Clock.sleep(micros: backoff)
                backoff = min(backoff * 2, 50_000)
                continue
            }
            let t2 = Clock.nowMicros()
            let value: T
            do {
                value = try body(world)
            } catch {
                waiter?.settle(world, census: census)
                world.resume()
                throw error
            }
            waiter?.settle(world, census: census)
            let n = world.threads.count
            let t3 = Clock.nowMicros()
            world.resume()
            let t4 = Clock.nowMicros()
            return Outcome(value: value, pauseMicros: world.pauseMicros, attempts: attempts, threads: n,
                           phases: ["stop": t1 - t0, "check": t2 - t1, "work": t3 - t2, "resume": t4 - t3])
        }
    }
}
