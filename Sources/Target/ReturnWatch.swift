import CShims
import Glibc

/// Lets a stopped process run until chosen threads come back through their
/// return stubs, then stops it all again.
///
/// A stub (see `ReturnStub`) is code a hijacked return address leads to: it
/// makes one harmless system call (getpid) and then jumps to the real return
/// address. Watched threads run under PTRACE_SYSCALL, so that system call
/// stops them: that is the moment the thread has left the busy code. The
/// thread is then held there, its registers set as if it had just returned
/// normally (the stub's own work skipped), until every watched thread is
/// back or the deadline passes. Every other thread runs freely (still
/// attached, so that the process can be stopped again at once); signals are
/// delivered as they come, never dropped.
///
/// Nothing of this needs xsplice to stay alive: if it dies, the kernel
/// detaches every thread and a stub is only a slow way back to the caller.
public final class ReturnWatch {
    /// One return stub: where it is and where it really returns to.
    public struct Stub: Sendable, Equatable {
        public let address: UInt64
        public let returnTo: UInt64
        public init(address: UInt64, returnTo: UInt64) {
            self.address = address
            self.returnTo = returnTo
        }
    }

    /// The stub's shape, shared with the code that writes it: three saved
    /// registers on the stack, and the instruction after its `syscall`.
    public static let stubSyscallEnd: UInt64 = 11
    public static let stubSavedBytes: UInt64 = 24
    public static let stubNotifySyscall: UInt64 = 39  // getpid

    private let pid: Int32
    private var attached: Set<Int32>
    private var pending: [Int32: Int32]
    /// The siginfo of each held signal, so that it is delivered as it came.
    private var info: [Int32: [UInt8]]
    /// Threads not running: arrived ones, and ones held from earlier rounds.
    private var stopped: Set<Int32>
    /// Threads with a held signal that have run since it stopped them (see
    /// `StoppedWorld.Handover.movedOn`): the signal must be queued again.
    private var movedOn: Set<Int32>
    private var running: Set<Int32> = []
    private var fresh: Set<Int32> = []
    private let watched: Set<Int32>
    /// Times each thread's stops: a thread let run is no longer held.
    private let ledger: StopLedger?
    private let stubs: [Stub]
    public private(set) var arrived: Set<Int32> = []
    /// Set when the process was stopped by a job-control signal meanwhile.
    public private(set) var interruptedBy: String?

    // ptrace requests and options not exported by CShims (linux/ptrace.h).
    private static let requestSyscall: Int32 = 24
    private static let requestSetOptions: Int32 = 0x4200
    private static let optionTraceSysGood: UInt = 1

    /// Takes over `world` (which must not be used afterwards). `held` stay
    /// stopped; `watched` run under PTRACE_SYSCALL; everyone else runs.
    public init(world: StoppedWorld, watched: Set<Int32>, held: Set<Int32>, stubs: [Stub]) {
        let h = world.handOver()
        pid = world.pid
        attached = h.attached
        pending = h.pendingSignals
        info = h.heldInfo
        ledger = h.ledger
        stopped = Set(h.stopped)
        movedOn = h.movedOn
        self.watched = watched
        self.stubs = stubs
        arrived = held
    }

    /// Runs until every watched thread is back or `deadline` (monotonic
    /// microseconds) passes; returns the process stopped again, every held
    /// and arrived thread included.
    public func run(deadline: UInt64, stopTimeoutSeconds: Double) throws -> StoppedWorld {
        do {
            try start()
            try watch(deadline: deadline)
            try stopRunning(deadline: Clock.nowMicros() + UInt64(max(5, stopTimeoutSeconds) * 1_000_000))
        } catch {
            releaseAll()
            throw error
        }
        return try StoppedWorld(pid: pid, adopting: .init(attached: attached, stopped: Array(stopped),
                                                          pendingSignals: pending, heldInfo: info, ledger: ledger,
                                                          movedOn: movedOn),
                                timeoutSeconds: stopTimeoutSeconds)
    }

    private func start() throws {
        let options = UInt(XS_PTRACE_O_TRACECLONE) | Self.optionTraceSysGood
        for tid in stopped.sorted() where !arrived.contains(tid) {
            if watched.contains(tid), xs_ptrace(Self.requestSetOptions, tid, 0, options) != 0 {
                throw TargetError.ptrace(op: "SETOPTIONS", tid: tid, errno: errno)
            }
            var sig = pending.removeValue(forKey: tid) ?? 0
            if sig != 0 && movedOn.contains(tid) {
                requeue(tid, sig)
                sig = 0
            }
            movedOn.remove(tid)
            restoreInfo(tid, sig)
            info[tid] = nil
            try proceed(tid, signal: sig)
        }
    }

    /// Queues a held signal to its thread again, for a thread no longer in
    /// the signal-delivery-stop it came with (a restart or detach would then
    /// drop it): with its own siginfo where the kernel lets another process
    /// queue one (a negative si_code: sigqueue, timers, asynchronous I/O),
    /// else as tgkill sends it. It is then pending in the thread, and taken
    /// when the thread runs, as it would have been.
    private func requeue(_ tid: Int32, _ sig: Int32) {
        if OwnFault.matches(sig, info: info[tid]) { return }
        if var i = info[tid], i.count >= SignalInfo.size,
           i.withUnsafeMutableBytes({ xs_rt_tgsigqueueinfo(pid, tid, sig, $0.baseAddress) }) == 0 {
            return
        }
        _ = xs_tgkill(pid, tid, sig)
    }

    /// Lets a stopped thread go on in its mode (watched or free).
    private func proceed(_ tid: Int32, signal: Int32) throws {
        let r = watched.contains(tid)
            ? xs_ptrace(Self.requestSyscall, tid, 0, UInt(signal))
            : Int(xs_cont(tid, signal))
        if r != 0 {
            if errno == ESRCH { forget(tid); return }
            throw TargetError.ptrace(op: watched.contains(tid) ? "SYSCALL" : "CONT", tid: tid, errno: errno)
        }
        ledger?.resumed(tid)
        stopped.remove(tid)
        running.insert(tid)
    }

    /// Before a held signal goes in: its own siginfo, so that it is not
    /// delivered as a bare SI_USER signal.
    private func restoreInfo(_ tid: Int32, _ sig: Int32) {
        guard sig != 0, let i = info[tid] else { return }
        SignalInfo.write(i, to: tid)
    }

    private func forget(_ tid: Int32) {
        info[tid] = nil
        ledger?.resumed(tid)
        attached.remove(tid)
        running.remove(tid)
        stopped.remove(tid)
        pending.removeValue(forKey: tid)
        movedOn.remove(tid)
    }

    private var waitingFor: Set<Int32> { watched.subtracting(arrived).intersection(attached) }

    private func watch(deadline: UInt64) throws {
        var idle = 0
        while !waitingFor.isEmpty, interruptedBy == nil, Clock.nowMicros() < deadline {
            if try poll(stopping: false) { idle = 0; continue }
            // A returning thread is caught within a fraction of a
            // millisecond; the sleep keeps the watch off the CPU.
            idle += 1
            Clock.sleep(micros: idle < 20 ? 50 : 500)
        }
    }

    /// Handles one wait status. While `stopping`, a stop of any kind ends a
    /// thread's run (an interrupt is on its way to each of them).
    private func event(_ tid: Int32, status: Int32, stopping: Bool) throws {
        if xs_wifexited(status) != 0 || xs_wifsignaled(status) != 0 {
            forget(tid)
            if tid == pid, xs_wifsignaled(status) != 0 {
                throw TargetError.exited(pid: pid, detail: "killed by signal \(xs_wtermsig(status)) while waiting")
            }
            return
        }
        guard xs_wifstopped(status) != 0 else { return }
        ledger?.stopped(tid)
        running.remove(tid)
        stopped.insert(tid)
        let ev = xs_ptrace_event(status)
        let sig = xs_wstopsig(status)
        if ev == XS_PTRACE_EVENT_CLONE {
            var child: UInt = 0
            if xs_geteventmsg(tid, &child) == 0, let c = Int32(exactly: child), c > 0, !attached.contains(c) {
                attached.insert(c)
                running.insert(c)
                fresh.insert(c)
            }
            if !stopping { try proceed(tid, signal: 0) }
            return
        }
        if ev == XS_PTRACE_EVENT_STOP {
            if fresh.remove(tid) != nil || stopping {
                if !stopping { try proceed(tid, signal: 0) }
                return
            }
            // A job-control stop of the whole process: stop waiting and let
            // the operation decide (it will retry or refuse).
            if sig == SIGSTOP || sig == SIGTSTP || sig == SIGTTIN || sig == SIGTTOU {
                interruptedBy = "a job-control stop (signal \(sig))"
                return
            }
            try proceed(tid, signal: 0)
            return
        }
        if ev != 0 { if !stopping { try proceed(tid, signal: 0) }; return }
        if sig == (SIGTRAP | 0x80) {
            if try arrive(tid) { return }
            // Any other system call: on with it. While stopping, this is how
            // the interrupt shows under PTRACE_SYSCALL (the system call is
            // cut short and restarts on resume), so the thread stays here.
            if !stopping { try proceed(tid, signal: 0) }
            return
        }
        // A signal for the thread: deliver it now, or keep it for the resume.
        // A fault the thread's own instruction raised is delivered now: held,
        // it would be raised again when the instruction re-ran, and then twice.
        if stopping {
            let got = SignalInfo.read(tid)
            if pending[tid] == nil && !OwnFault.matches(sig, info: got) {
                pending[tid] = sig
                info[tid] = got
                movedOn.insert(tid)
                try cont(tid)
            } else {
                try cont(tid, signal: sig)
            }
        } else {
            try proceed(tid, signal: sig)
        }
    }

    /// Resumes a thread while stopping: a watched one still under
    /// PTRACE_SYSCALL, so that a return through its stub is still caught.
    private func cont(_ tid: Int32, signal: Int32 = 0) throws {
        let syscalls = watched.contains(tid) && !arrived.contains(tid)
        let r = syscalls ? xs_ptrace(Self.requestSyscall, tid, 0, UInt(signal)) : Int(xs_cont(tid, signal))
        if r != 0 {
            if errno == ESRCH { forget(tid); return }
            throw TargetError.ptrace(op: "CONT", tid: tid, errno: errno)
        }
        ledger?.resumed(tid)
        stopped.remove(tid)
        running.insert(tid)
    }

    /// At a system-call entry: if it is a stub's, the thread has left the
    /// busy code. Its registers are set as the real return would have left
    /// them and the system call is cancelled, so the stub is done with.
    private func arrive(_ tid: Int32) throws -> Bool {
        var r = user_regs_struct()
        guard xs_getregs(tid, &r) == 0 else { throw TargetError.ptrace(op: "GETREGS", tid: tid, errno: errno) }
        guard r.orig_rax == Self.stubNotifySyscall,
              let stub = stubs.first(where: { $0.address &+ Self.stubSyscallEnd == r.rip }) else { return false }
        // The stub pushed rax, rcx and r11, in that order.
        var saved = [UInt64](repeating: 0, count: 3)
        let n = saved.withUnsafeMutableBytes { xs_vm_read(pid, $0.baseAddress, 24, UInt(r.rsp)) }
        guard n == 24 else { throw TargetError.ptrace(op: "read the stub's saved registers", tid: tid, errno: errno) }
        r.r11 = saved[0]
        r.rcx = saved[1]
        r.rax = saved[2]
        r.rsp &+= Self.stubSavedBytes
        r.rip = stub.returnTo
        r.orig_rax = UInt64.max
        guard xs_setregs(tid, &r) == 0 else { throw TargetError.ptrace(op: "SETREGS", tid: tid, errno: errno) }
        arrived.insert(tid)
        return true
    }

    /// Interrupts every running thread and waits until each is stopped. A
    /// watched thread caught inside its stub, before the system call, is
    /// let run the few instructions to it, so that no thread is left there.
    private func stopRunning(deadline: UInt64) throws {
        for tid in running {
            ledger?.stopped(tid)
            if xs_interrupt(tid) != 0 && errno != ESRCH {
                throw TargetError.ptrace(op: "INTERRUPT", tid: tid, errno: errno)
            }
        }
        try drain(deadline: deadline)
        for tid in stopped.sorted() where watched.contains(tid) && !arrived.contains(tid) {
            var r = user_regs_struct()
            guard xs_getregs(tid, &r) == 0 else { continue }
            guard stubs.contains(where: { r.rip >= $0.address && r.rip < $0.address &+ Self.stubSyscallEnd }) else {
                continue
            }
            try cont(tid)
            try drain(deadline: deadline)
        }
    }

    /// Takes every wait status that is ready (per thread, not waitpid(-1),
    /// which would also reap the caller's own children); whether any was.
    private func poll(stopping: Bool) throws -> Bool {
        var progressed = false
        for tid in running.sorted() {
            var status: Int32 = 0
            let r = xs_waitpid_all(tid, &status, 1)
            if r == 0 { continue }
            progressed = true
            if r < 0 { if errno == ECHILD { forget(tid) }; continue }
            try event(tid, status: status, stopping: stopping)
        }
        return progressed
    }

    private func drain(deadline: UInt64) throws {
        let start = Clock.nowMicros()
        while !running.isEmpty {
            if try poll(stopping: true) { continue }
            guard Clock.nowMicros() < deadline else {
                throw TargetError.timeout(what: "threads \(running.sorted()) of \(pid) to stop after waiting",
                                          seconds: Double(Clock.nowMicros() &- start) / 1_000_000)
            }
            sched_yield()
        }
    }

    /// A thread caught by a signal on its way to the release stop sits in
    /// that signal's delivery-stop: detaching with it delivers it. A signal
    /// held before is queued again, or it would be lost.
    private func heldOnRelease(_ tid: Int32, status: Int32) {
        let sig = xs_wstopsig(status)
        guard xs_ptrace_event(status) == 0, sig & 0x7f != SIGTRAP else { return }
        if let old = pending[tid], old != 0 { requeue(tid, old) }
        pending[tid] = sig
        info[tid] = SignalInfo.read(tid)
        movedOn.remove(tid)
    }

    /// On a failure: let every thread go. Stopped ones are detached; running
    /// ones are interrupted first (ptrace detaches only stopped threads).
    private func releaseAll() {
        for tid in running {
            ledger?.stopped(tid)
            _ = xs_interrupt(tid)
        }
        let deadline = Clock.nowMicros() + 1_000_000
        while !running.isEmpty, Clock.nowMicros() < deadline {
            for tid in running.sorted() {
                var status: Int32 = 0
                let r = xs_waitpid_all(tid, &status, 1)
                if r == tid || (r < 0 && errno == ECHILD) {
                    running.remove(tid)
                    if r == tid, xs_wifstopped(status) != 0 {
                        stopped.insert(tid)
                        heldOnRelease(tid, status: status)
                    }
                }
            }
            sched_yield()
        }
        for tid in stopped {
            var sig = pending[tid] ?? 0
            if sig != 0 && movedOn.contains(tid) {
                requeue(tid, sig)
                sig = 0
            }
            restoreInfo(tid, sig)
            _ = xs_detach(tid, sig)
            ledger?.resumed(tid)
        }
        attached = []
        stopped = []
    }
}
