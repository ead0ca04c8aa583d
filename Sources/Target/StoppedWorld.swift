import CShims
import Glibc

/// Every thread of a process held in a ptrace stop. Threads are attached
/// with PTRACE_SEIZE and stopped with PTRACE_INTERRUPT, and threads born
/// while stopping are caught through PTRACE_O_TRACECLONE. `resume()` must
/// run on every path; it is idempotent. A class because it owns the stops.
public final class StoppedWorld: ThreadStop {
    public let pid: Int32
    /// Stopped threads, in the order they stopped.
    public internal(set) var threads: [Int32] = []
    /// Signals that arrived while stopping; re-delivered on resume.
    var pendingSignals: [Int32: Int32] = [:]
    /// The siginfo of each held signal, as PTRACE_GETSIGINFO gave it.
    var heldInfo: [Int32: [UInt8]] = [:]
    /// Threads resumed since their held signal stopped them: PTRACE_DETACH
    /// can no longer deliver it, so `resume()` queues it again first.
    var movedOn: Set<Int32> = []
    var attached: Set<Int32> = []
    /// Where each thread's stop is timed, summed over the operation.
    let ledger: StopLedger?
    public private(set) var firstStopMicros: UInt64 = 0
    public private(set) var resumedMicros: UInt64 = 0
    private var resumed = false
    /// When stopping began, for the time a timeout reports.
    private let beganMicros = Clock.nowMicros()
    private var waitedSeconds: Double { Double(Clock.nowMicros() &- beganMicros) / 1e6 }

    /// The pause the target saw, from first stop to last resume.
    public var pauseMicros: UInt64 { resumedMicros >= firstStopMicros ? resumedMicros - firstStopMicros : 0 }

    /// Stops every thread of `pid`, or only `onlyThread` when given (for
    /// remote syscalls, which need one thread while the others run).
    public init(pid: Int32, timeoutSeconds: Double, onlyThread: Int32? = nil, ledger: StopLedger? = nil) throws {
        self.pid = pid
        self.ledger = ledger
        let deadline = Clock.nowMicros() + UInt64(max(0.05, timeoutSeconds) * 1_000_000)
        do {
            try stopAll(deadline: deadline, only: onlyThread)
        } catch {
            resume()
            throw error
        }
    }

    /// Takes over threads that a `ReturnWatch` already holds stopped, then
    /// stops the rest as `init(pid:timeoutSeconds:)` does. The pause counts
    /// from here: the held threads' wait is reported separately.
    init(pid: Int32, adopting h: Handover, timeoutSeconds: Double) throws {
        self.pid = pid
        ledger = h.ledger
        attached = h.attached
        pendingSignals = h.pendingSignals
        heldInfo = h.heldInfo
        movedOn = h.movedOn
        threads = h.stopped
        firstStopMicros = Clock.nowMicros()
        let deadline = firstStopMicros + UInt64(max(0.05, timeoutSeconds) * 1_000_000)
        do {
            try stopAll(deadline: deadline, only: nil)
        } catch {
            resume()
            throw error
        }
    }

    /// What a stopped world hands to whoever keeps tracing its threads.
    struct Handover {
        var attached: Set<Int32>
        var stopped: [Int32]
        var pendingSignals: [Int32: Int32]
        var heldInfo: [Int32: [UInt8]] = [:]
        var ledger: StopLedger?
        /// Threads that have run since their held signal stopped them: no
        /// longer in that signal-delivery-stop, so the signal cannot be
        /// injected by a restart or detach and must be queued again.
        var movedOn: Set<Int32> = []
    }

    /// Gives up ownership of the stops without letting any thread go: the
    /// caller now holds every attachment and must detach them itself.
    func handOver() -> Handover {
        let h = Handover(attached: attached, stopped: threads, pendingSignals: pendingSignals, heldInfo: heldInfo,
                         ledger: ledger, movedOn: movedOn)
        resumed = true
        resumedMicros = Clock.nowMicros()
        attached = []
        pendingSignals = [:]
        heldInfo = [:]
        return h
    }

    deinit { resume() }

    private func stopAll(deadline: UInt64, only: Int32?) throws {
        var waiting: Set<Int32> = []
        var rounds = 0
        while true {
            rounds += 1
            let tids = try only.map { [$0] } ?? Threads.list(pid: pid)
            var fresh = false
            for tid in tids where !attached.contains(tid) {
                let asked = Clock.nowMicros()
                if firstStopMicros == 0 { firstStopMicros = asked }
                // One thread alone is stopped to run remote calls, whose
                // syscall stops TRACESYSGOOD tells from a real SIGTRAP.
                if xs_seize(tid, only == nil ? UInt(XS_PTRACE_O_TRACECLONE) : 1 /* PTRACE_O_TRACESYSGOOD */) != 0 {
                    let e = errno
                    if e == ESRCH { continue }  // the thread exited meanwhile
                    if e == EPERM {
                        let t = Threads.tracer(of: tid)
                        if t != 0 && t != getpid() { throw TargetError.alreadyTraced(pid: pid, tracer: t) }
                        // Auto-attached through TRACECLONE before we saw it in /proc.
                        if t == getpid() {
                            ledger?.stopped(tid, at: asked)
                            attached.insert(tid); waiting.insert(tid); fresh = true; continue
                        }
                        // The kernel also says EPERM for a thread that is exiting.
                        if Threads.isExiting(pid: pid, tid: tid) { continue }
                        throw TargetError.permission(pid: pid, what: "trace")
                    }
                    throw TargetError.ptrace(op: "SEIZE", tid: tid, errno: e)
                }
                ledger?.stopped(tid, at: asked)
                attached.insert(tid)
                waiting.insert(tid)
                fresh = true
                if xs_interrupt(tid) != 0 && errno != ESRCH {
                    throw TargetError.ptrace(op: "INTERRUPT", tid: tid, errno: errno)
                }
            }
            try waitForStops(&waiting, deadline: deadline)
            if !fresh || only != nil { break }
            guard rounds < 1000 else {
                throw TargetError.timeout(what: "threads to stop being created", seconds: waitedSeconds)
            }
        }
        guard !threads.isEmpty else { throw TargetError.exited(pid: pid, detail: "no thread could be stopped") }
    }

    /// Waits until every thread in `waiting` reports a stop, adopting
    /// threads created meanwhile.
    private func waitForStops(_ waiting: inout Set<Int32>, deadline: UInt64) throws {
        var backoff = Backoff()
        while !waiting.isEmpty {
            var progressed = false
            // Per-thread waits: waitpid(-1) would also reap the caller's own
            // children, which a test harness may be.
            for tid in waiting {
                var status: Int32 = 0
                let r = xs_waitpid_all(tid, &status, 1)
                if r == tid {
                    progressed = true
                    try record(tid: tid, status: status, waiting: &waiting)
                } else if r < 0 && errno == ECHILD {
                    // Gone before it could stop.
                    progressed = true
                    waiting.remove(tid)
                    attached.remove(tid)
                    ledger?.resumed(tid)
                }
            }
            if progressed { backoff.reset(); continue }
            guard Clock.nowMicros() < deadline else {
                throw TargetError.timeout(what: "threads \(waiting.sorted()) of \(pid) to stop", seconds: waitedSeconds)
            }
            backoff.pause()
        }
    }

    private func record(tid: Int32, status: Int32, waiting: inout Set<Int32>) throws {
        if xs_wifexited(status) != 0 || xs_wifsignaled(status) != 0 {
            waiting.remove(tid)
            attached.remove(tid)
            ledger?.resumed(tid)
            threads.removeAll { $0 == tid }
            if tid == pid && xs_wifsignaled(status) != 0 {
                throw TargetError.exited(pid: pid, detail: "killed by signal \(xs_wtermsig(status))")
            }
            return
        }
        guard xs_wifstopped(status) != 0 else { return }
        let event = xs_ptrace_event(status)
        if event == XS_PTRACE_EVENT_CLONE {
            var child: UInt = 0
            if xs_geteventmsg(tid, &child) == 0, child != 0, !attached.contains(Int32(child)) {
                // Born stopped: held from now.
                ledger?.stopped(Int32(child))
                attached.insert(Int32(child))
                waiting.insert(Int32(child))
            }
        } else if event == 0 {
            let sig = xs_wstopsig(status)
            // A signal stopped the thread before our interrupt did; hold it
            // and deliver it when we let go. A SIGSTOP too: attached with
            // PTRACE_SEIZE and stopped with PTRACE_INTERRUPT, a thread never
            // stops for a SIGSTOP of xsplice's, so this one is an operator's.
            hold(sig, of: tid)
        }
        if waiting.remove(tid) != nil || !threads.contains(tid) {
            if !threads.contains(tid) { threads.append(tid) }
            if !attached.contains(tid) { attached.insert(tid) }
        }
    }

    /// Registers of a stopped thread.
    public func registers(_ tid: Int32) throws -> user_regs_struct {
        var r = user_regs_struct()
        guard xs_getregs(tid, &r) == 0 else { throw TargetError.ptrace(op: "GETREGS", tid: tid, errno: errno) }
        return r
    }

    public func pointers(_ tid: Int32) throws -> ThreadPointers {
        let r = try registers(tid)
        return ThreadPointers(instruction: r.rip, stack: r.rsp, threadPointer: r.fs_base)
    }

    public func setRegisters(_ tid: Int32, _ r: user_regs_struct) throws {
        var copy = r
        guard xs_setregs(tid, &copy) == 0 else { throw TargetError.ptrace(op: "SETREGS", tid: tid, errno: errno) }
    }

    /// Lets every thread go, re-delivering held signals. Safe to call twice.
    public func resume() {
        guard !resumed else { return }
        resumed = true
        for tid in attached {
            var sig = pendingSignals[tid] ?? 0
            if sig != 0 && movedOn.contains(tid) {
                // An own fault is raised again when the instruction re-runs.
                sig = OwnFault.matches(sig, info: heldInfo[tid]) ? 0 : requeue(sig, tid: tid)
            }
            // Give the kernel the signal's own siginfo back, or it would
            // deliver a bare SI_USER signal instead.
            if sig != 0, let info = heldInfo[tid] { SignalInfo.write(info, to: tid) }
            _ = xs_detach(tid, sig)
        }
        resumedMicros = Clock.nowMicros()
        // One instant for all: the thread stopped first is then held
        // exactly `pauseMicros` by this stop, never a hair less.
        for tid in attached { ledger?.resumed(tid, at: resumedMicros) }
        if firstStopMicros == 0 { firstStopMicros = resumedMicros }
    }
}
