import CShims
import Glibc

/// A function of the target to run on one of its own threads, borrowed
/// while every other thread keeps running: a lock that another thread holds
/// is then released in due course instead of deadlocking the call.
public struct RemoteFunctionCall {
    public var name: String
    public var address: UInt64
    /// At most six integer arguments (the registers of the SysV ABI).
    public var arguments: [UInt64]
    /// Nil when the thread may run the call; else why not. Only a thread
    /// that provably holds none of the locks the function takes may be lent.
    public var eligible: (BorrowedThread) throws -> String?
    /// Whether a call that overran its time may be undone, given where the
    /// thread stands: true only where the function provably holds nothing.
    public var abandonable: (BorrowedThread) -> Bool
    /// How long to look for an eligible thread, and how long the call may take.
    public var timeoutSeconds: Double

    public init(name: String, address: UInt64, arguments: [UInt64], timeoutSeconds: Double,
                eligible: @escaping (BorrowedThread) throws -> String?,
                abandonable: @escaping (BorrowedThread) -> Bool) {
        self.name = name
        self.address = address
        self.arguments = arguments
        self.timeoutSeconds = timeoutSeconds
        self.eligible = eligible
        self.abandonable = abandonable
    }
}

/// A stopped thread as a remote call sees it.
public struct BorrowedThread: Sendable {
    public let tid: Int32
    public let instruction: UInt64
    public let stack: UInt64
    /// The system call the thread was stopped in, nil when it was stopped in user code.
    public let syscall: Int?

    init(tid: Int32, _ r: user_regs_struct) {
        self.tid = tid
        instruction = r.rip
        stack = r.rsp
        let nr = Int64(bitPattern: r.orig_rax)
        syscall = nr >= 0 ? Int(nr) : nil
    }
}

public enum RemoteCallError: Error, CustomStringConvertible {
    case noThread(function: String, reasons: [String])
    case faulted(function: String, signal: Int32, at: UInt64)
    case overran(function: String, seconds: Double, undone: Bool)
    case badArguments(function: String, count: Int)

    public var description: String {
        switch self {
        case let .noThread(f, reasons):
            return "no thread of the target could run \(f) safely "
                + "(\(reasons.prefix(6).joined(separator: "; "))); nothing was done, retry when a thread is "
                + "idle in a blocking system call"
        case let .faulted(f, sig, at):
            return "\(f) faulted in the target (signal \(sig) at 0x\(String(at, radix: 16))); the thread was "
                + "put back as it was and the signal dropped"
        case let .overran(f, s, undone):
            return undone
                ? "\(f) did not return within \(s) s (waiting for a lock); the thread was put back as it was"
                : "\(f) did not return within \(s) s and could not be undone safely; the target may be inconsistent"
        case let .badArguments(f, n):
            return "\(f) was called with \(n) arguments; a remote call passes at most 6"
        }
    }
}

extension ProcessTarget {
    /// Borrows one eligible thread, runs the function on it with its signals
    /// blocked (they stay pending and arrive after), and puts back every
    /// register and the signal mask; the thread is then parked in a stop it
    /// can leave safely if xsplice dies.
    ///
    /// The function returns into the target's signal restorer, through a
    /// `SigreturnFrame` holding the thread's own state: the restorer's
    /// rt_sigreturn stops at syscall entry, which tells xsplice the call is
    /// done (the function's return value is lost to the restorer's `mov`,
    /// so only functions whose result is not needed are called), and a
    /// thread that xsplice leaves at any instant goes back where it was.
    public func callFunction(_ call: RemoteFunctionCall) throws {
        guard call.arguments.count <= 6 else {
            throw RemoteCallError.badArguments(function: call.name, count: call.arguments.count)
        }
        let path = try ReturnPath.find(pid: pid, view: view, memory: self)
        let deadline = Clock.nowMicros() + UInt64(max(0.1, call.timeoutSeconds) * 1_000_000)
        var reasons: [Int32: String] = [:]
        while true {
            for tid in try Threads.list(pid: pid) {
                guard let world = try? StoppedWorld(pid: pid, timeoutSeconds: 1, onlyThread: tid,
                                                       ledger: stopLedger),
                      world.threads.contains(tid) else { continue }
                defer { world.resume() }
                let regs = try world.registers(tid)
                if let why = try call.eligible(BorrowedThread(tid: tid, regs)) {
                    reasons[tid] = "thread \(tid): \(why)"
                    continue
                }
                try ReturnPath.checkShadowStack(pid: pid, tid: tid)
                let skip = try Self.harmlessCall(SeccompPolicy(pid: pid, tid: tid), path: path)
                return try run(call, on: tid, in: world, saved: regs, path: path, skip: skip, deadline: deadline)
            }
            guard Clock.nowMicros() < deadline else {
                throw RemoteCallError.noThread(function: call.name,
                                               reasons: reasons.keys.sorted().compactMap { reasons[$0] })
            }
            Clock.sleep(micros: 20_000)
        }
    }

    /// What the restorer's rt_sigreturn is turned into when xsplice, alive,
    /// restores the thread itself: no call (-1) or a harmless one, whichever
    /// the thread's seccomp filters let through (they judge the changed call).
    static func harmlessCall(_ policy: SeccompPolicy, path: ReturnPath) throws -> UInt64 {
        let none = UInt64.max, getpid: UInt64 = 39
        let candidates: [(UInt64, String)] = [(none, "a skipped system call"), (getpid, "getpid")]
        var first: Error?
        for (nr, name) in candidates {
            do {
                try policy.check([.init(name: name, number: UInt32(truncatingIfNeeded: nr), args: [0, 0, 0, 0, 0, 0])],
                                 ip: path.sigreturnStop)
                return nr
            } catch { first = first ?? error }
        }
        throw first ?? TargetError.noReturnPath(pid: policy.pid, reason: "no harmless system call is allowed")
    }

    private func run(_ call: RemoteFunctionCall, on tid: Int32, in world: StoppedWorld, saved: user_regs_struct,
                     path: ReturnPath, skip: UInt64, deadline: UInt64) throws {
        let mask = try world.signalMask(tid)
        let frame = try SigreturnFrame.lay(pid: pid, tid: tid, regs: saved, mask: mask, restorer: path.restorer,
                                           into: self)
        FaultPoint.reach("call-frame", target: pid)
        var regs = saved
        let a = call.arguments + [UInt64](repeating: 0, count: 6 - call.arguments.count)
        regs.rdi = a[0]; regs.rsi = a[1]; regs.rdx = a[2]; regs.rcx = a[3]; regs.r8 = a[4]; regs.r9 = a[5]
        regs.rax = 0
        // The frame's return slot is the function's return address, 16-byte
        // aligned after it as the ABI wants at a call.
        regs.rsp = frame.address
        regs.rip = call.address
        // Not a system call to restart: the kernel must not rewind our rip.
        regs.orig_rax = UInt64.max
        var restore = false
        defer {
            if restore {
                // The mask first: until the registers go back, the frame
                // restores it should xsplice die in between.
                _ = xs_interrupt(tid)
                try? world.setSignalMask(tid, mask)
                try? world.setRegisters(tid, saved)
                try? world.park(tid, deadline: Clock.nowMicros() + 2_000_000)
            }
        }
        try world.setRegisters(tid, regs)
        restore = true
        FaultPoint.reach("call-set", target: pid)
        try world.setSignalMask(tid, ~0)
        let limit = Double(deadline &- min(deadline, Clock.nowMicros())) / 1e6
        let until = max(deadline, Clock.nowMicros() + 500_000)
        let ending = CallEnding(path: path, frame: frame.address, skip: skip)
        switch try world.runCall(tid, ending: ending, deadline: until) {
        case .returned:
            return
        case let .faulted(sig, at):
            throw RemoteCallError.faulted(function: call.name, signal: sig, at: at)
        case let .stopped(r):
            if call.abandonable(BorrowedThread(tid: tid, r)) {
                throw RemoteCallError.overran(function: call.name, seconds: limit, undone: true)
            }
            // Holding something: let it finish if it will.
            let more = Clock.nowMicros() + 10_000_000
            switch try world.runCall(tid, ending: ending, deadline: more) {
            case .returned: return
            case let .faulted(sig, at): throw RemoteCallError.faulted(function: call.name, signal: sig, at: at)
            case .stopped:
                // Left running: it returns through the frame when it is done.
                restore = false
                throw RemoteCallError.overran(function: call.name, seconds: limit + 10, undone: false)
            }
        }
    }
}

/// How a borrowed thread's function call ends: at the syscall-entry stop of
/// the restorer's rt_sigreturn, which is then replaced by `skip` with the
/// thread pointed back at the `ret` before the restorer, so that a thread
/// left alone from there still returns through the frame.
struct CallEnding {
    let path: ReturnPath
    let frame: UInt64
    let skip: UInt64
}

extension StoppedWorld {
    enum CallStop {
        case returned
        case faulted(Int32, at: UInt64)
        /// Interrupted at the deadline, with its registers then.
        case stopped(user_regs_struct)
    }

    /// Runs a thread set up for a call, its signals blocked, under
    /// PTRACE_SYSCALL (the function's own system calls pass through) until
    /// it reaches the restorer, it faults, or the deadline passes (then it
    /// is interrupted and stopped). A signal that stops it anyway is held,
    /// with its siginfo, for `resume()`; a fault is not. On `.returned` the
    /// thread waits at a syscall-exit stop.
    func runCall(_ tid: Int32, ending: CallEnding, deadline: UInt64) throws -> CallStop {
        movedOn.insert(tid)
        try step(tid)
        FaultPoint.reach("call-running", target: pid)
        var interrupted = false
        while true {
            var status: Int32 = 0
            let r = xs_waitpid_all(tid, &status, 1)
            if r == 0 || (r < 0 && errno == EINTR) {
                if !interrupted && Clock.nowMicros() >= deadline {
                    interrupted = true
                    _ = xs_interrupt(tid)
                }
                Clock.sleep(micros: 50)
                continue
            }
            guard r == tid else { throw TargetError.ptrace(op: "waitpid", tid: tid, errno: errno) }
            if xs_wifexited(status) != 0 || xs_wifsignaled(status) != 0 {
                throw TargetError.exited(pid: pid, detail: "thread \(tid) ended during a remote function call")
            }
            let sig = xs_wstopsig(status)
            let event = xs_ptrace_event(status)
            let regs = try registers(tid)
            if event == 0 && sig == SIGTRAP | 0x80 {
                if regs.orig_rax == 15 && regs.rip == ending.path.sigreturnStop {
                    FaultPoint.reach("call-returned", target: pid)
                    try finish(tid, regs, ending, deadline: max(deadline, Clock.nowMicros() + 1_000_000))
                    return .returned
                }
                try step(tid)
                continue
            }
            if event == 0 && [SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGTRAP].contains(sig) {
                return .faulted(sig, at: regs.rip)
            }
            if interrupted && event == XS_PTRACE_EVENT_STOP {
                return .stopped(regs)
            }
            // Under PTRACE_SEIZE xsplice never causes a SIGSTOP: one is an operator's, kept like any other.
            if event == 0 && pendingSignals[tid] == nil { hold(sig, of: tid) }
            try step(tid)
        }
    }

    /// From the rt_sigreturn entry stop to its exit stop, with the call
    /// replaced and the thread sent back to the `ret` before the restorer:
    /// one SETREGS moves it from one safe state to the other.
    private func finish(_ tid: Int32, _ at: user_regs_struct, _ e: CallEnding, deadline: UInt64) throws {
        var r = at
        r.orig_rax = e.skip
        r.rip = e.path.syscallReturn + 2
        r.rsp = e.frame
        try setRegisters(tid, r)
        try runSyscall(tid, deadline: deadline, fromEntry: true)
    }

    private func step(_ tid: Int32) throws {
        guard xs_ptrace(24 /* PTRACE_SYSCALL */, tid, 0, 0) == 0 else {
            throw TargetError.ptrace(op: "SYSCALL", tid: tid, errno: errno)
        }
    }
}

extension ProcessControl {
    /// A target that cannot run code (a simulated one) refuses every call.
    public func callFunction(_ call: RemoteFunctionCall) throws {
        throw RemoteCallError.noThread(function: call.name, reasons: ["this target cannot run remote function calls"])
    }
}
