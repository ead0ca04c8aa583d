import CShims
import Glibc

/// Running one instruction of a stopped thread (a remote system call) and
/// keeping it, between calls, in a stop that is safe to be left in.
extension StoppedWorld {
    /// The signal mask of a stopped thread (PTRACE_GETSIGMASK).
    public func signalMask(_ tid: Int32) throws -> UInt64 {
        var mask: UInt64 = 0
        let r = withUnsafeMutablePointer(to: &mask) { xs_ptrace(0x420a, tid, 8, UInt(bitPattern: $0)) }
        guard r == 0 else { throw TargetError.ptrace(op: "GETSIGMASK", tid: tid, errno: errno) }
        return mask
    }

    public func setSignalMask(_ tid: Int32, _ mask: UInt64) throws {
        var m = mask
        let r = withUnsafeMutablePointer(to: &m) { xs_ptrace(0x420b, tid, 8, UInt(bitPattern: $0)) }
        guard r == 0 else { throw TargetError.ptrace(op: "SETSIGMASK", tid: tid, errno: errno) }
    }

    /// Runs the `syscall` instruction at a stopped thread's rip under
    /// PTRACE_SYSCALL and returns at its syscall-exit-stop. Syscall stops,
    /// unlike a single-step trap, carry no signal that a dying tracer would
    /// hand to the thread. Its signals are blocked meanwhile; one that
    /// cannot be (SIGSTOP, a fault) is held with its siginfo for `resume()`.
    /// `stop` is told of the entry stop (true) and the exit stop (false).
    /// `fromEntry`: the thread already waits at the entry stop.
    func runSyscall(_ tid: Int32, deadline: UInt64, fromEntry: Bool = false, stop: (Bool) -> Void = { _ in }) throws {
        let began = Clock.nowMicros()
        movedOn.insert(tid)
        var entered = fromEntry
        while true {
            guard xs_ptrace(24 /* PTRACE_SYSCALL */, tid, 0, 0) == 0 else {
                throw TargetError.ptrace(op: "SYSCALL", tid: tid, errno: errno)
            }
            let status = try waitStop(
                tid, deadline: deadline, began: began, what: "a remote system call in thread \(tid)")
            let sig = xs_wstopsig(status)
            if xs_ptrace_event(status) == 0 && sig == SIGTRAP | 0x80 {
                stop(!entered)
                if entered { return }
                entered = true
            } else if xs_ptrace_event(status) == 0 && sig != SIGTRAP && pendingSignals[tid] == nil {
                hold(sig, of: tid)
            }
        }
    }

    /// Moves a thread from its syscall-exit-stop into a PTRACE_EVENT_STOP.
    /// The interrupt is asked for first (`interrupt`), before the thread's
    /// own registers go back, so that from then on a dying xsplice leaves a
    /// thread that takes the signal path out of the kernel, where an
    /// interrupted system call of its own is restarted. No instruction of
    /// the thread runs before the stop.
    func interrupt(_ tid: Int32) throws {
        guard xs_interrupt(tid) == 0 else { throw TargetError.ptrace(op: "INTERRUPT", tid: tid, errno: errno) }
    }

    func park(_ tid: Int32, deadline: UInt64) throws {
        let began = Clock.nowMicros()
        guard xs_cont(tid, 0) == 0 else { throw TargetError.ptrace(op: "CONT", tid: tid, errno: errno) }
        while true {
            let status = try waitStop(
                tid, deadline: deadline, began: began, what: "thread \(tid) to stop after a remote call")
            if xs_ptrace_event(status) == XS_PTRACE_EVENT_STOP { return }
            let sig = xs_wstopsig(status)
            if xs_ptrace_event(status) == 0 && sig & 0x7f != SIGTRAP && pendingSignals[tid] == nil {
                hold(sig, of: tid)
            }
            guard xs_cont(tid, 0) == 0 else { throw TargetError.ptrace(op: "CONT", tid: tid, errno: errno) }
        }
    }

    private func waitStop(_ tid: Int32, deadline: UInt64, began: UInt64, what: String) throws -> Int32 {
        var backoff = Backoff()
        while true {
            var status: Int32 = 0
            let r = xs_waitpid_all(tid, &status, 1)
            if r == 0 || (r < 0 && errno == EINTR) {
                let now = Clock.nowMicros()
                guard now < deadline else {
                    _ = xs_interrupt(tid)
                    throw TargetError.timeout(what: what, seconds: Double(now &- began) / 1e6)
                }
                backoff.pause()
                continue
            }
            guard r == tid else { throw TargetError.ptrace(op: "waitpid", tid: tid, errno: errno) }
            if xs_wifexited(status) != 0 || xs_wifsignaled(status) != 0 {
                attached.remove(tid)
                ledger?.resumed(tid)
                threads.removeAll { $0 == tid }
                throw TargetError.exited(pid: pid, detail: "thread \(tid) ended during a remote system call")
            }
            return status
        }
    }

    /// Keeps a signal that stopped a thread, with its siginfo, so `resume()`
    /// delivers exactly it (PTRACE_SETSIGINFO, then PTRACE_DETACH with it).
    func hold(_ sig: Int32, of tid: Int32) {
        pendingSignals[tid] = sig
        movedOn.remove(tid)
        heldInfo[tid] = SignalInfo.read(tid)
    }

    /// A held signal of a thread that has been resumed since: PTRACE_DETACH
    /// delivers a signal only from a signal-delivery-stop, so queue it to
    /// the thread again and let it stop there. Returns the signal to detach
    /// with (the one it stopped for, whose siginfo is then ours to set).
    func requeue(_ sig: Int32, tid: Int32) -> Int32 {
        guard xs_tgkill(pid, tid, sig) == 0, xs_cont(tid, 0) == 0 else { return 0 }
        let deadline = Clock.nowMicros() + 1_000_000
        while let status = try? waitStop(tid, deadline: deadline, began: Clock.nowMicros(), what: "a re-queued signal")
        {
            let s = xs_wstopsig(status)
            if xs_ptrace_event(status) == 0 && s != SIGSTOP && s != SIGTRAP {
                // Another signal first: deliver that one with its own siginfo;
                // ours stays queued (with the siginfo tgkill gave it).
                if s != sig { heldInfo[tid] = nil }
                return s
            }
            guard xs_cont(tid, 0) == 0 else { return 0 }
        }
        return 0
    }
}
