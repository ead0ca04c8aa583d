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
    /// Where the function returns to: a mapped address that is not
    /// executable, so the return faults there and the fault is the sign the
    /// call is done. No byte of the target's code is borrowed.
    public var returnAddress: UInt64

    public init(name: String, address: UInt64, arguments: [UInt64], returnAddress: UInt64, timeoutSeconds: Double,
                eligible: @escaping (BorrowedThread) throws -> String?,
                abandonable: @escaping (BorrowedThread) -> Bool) {
        self.name = name
        self.address = address
        self.arguments = arguments
        self.returnAddress = returnAddress
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
    public func callFunction(_ call: RemoteFunctionCall) throws -> UInt64 {
        guard call.arguments.count <= 6 else {
            throw RemoteCallError.badArguments(function: call.name, count: call.arguments.count)
        }
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
                return try run(call, on: tid, in: world, saved: regs, deadline: deadline)
            }
            guard Clock.nowMicros() < deadline else {
                throw RemoteCallError.noThread(function: call.name,
                                               reasons: reasons.keys.sorted().compactMap { reasons[$0] })
            }
            Clock.sleep(micros: 20_000)
        }
    }

    private func run(_ call: RemoteFunctionCall, on tid: Int32, in world: StoppedWorld, saved: user_regs_struct,
                     deadline: UInt64) throws -> UInt64 {
        var regs = saved
        // Below the red zone, 16-byte aligned at the call as the ABI wants.
        let frame = ((saved.rsp &- 512) & ~0xf) &- 8
        try write(frame, bytes: (0..<8).map { UInt8(truncatingIfNeeded: call.returnAddress >> (8 * UInt64($0))) })
        let a = call.arguments + [UInt64](repeating: 0, count: 6 - call.arguments.count)
        regs.rdi = a[0]; regs.rsi = a[1]; regs.rdx = a[2]; regs.rcx = a[3]; regs.r8 = a[4]; regs.r9 = a[5]
        regs.rax = 0
        regs.rsp = frame
        regs.rip = call.address
        // Not a system call to restart: the kernel must not rewind our rip.
        regs.orig_rax = UInt64.max
        let mask = try world.signalMask(tid)
        var restore = true
        defer {
            if restore {
                try? world.setRegisters(tid, saved)
                try? world.setSignalMask(tid, mask)
                try? world.park(tid, deadline: Clock.nowMicros() + 2_000_000)
            }
        }
        try world.setSignalMask(tid, ~0)
        try world.setRegisters(tid, regs)
        let limit = Double(deadline &- min(deadline, Clock.nowMicros())) / 1e6
        let until = max(deadline, Clock.nowMicros() + 500_000)
        switch try world.runCall(tid, returnsTo: call.returnAddress, deadline: until) {
        case let .returned(value):
            return value
        case let .faulted(sig, at):
            throw RemoteCallError.faulted(function: call.name, signal: sig, at: at)
        case let .stopped(r):
            if call.abandonable(BorrowedThread(tid: tid, r)) {
                throw RemoteCallError.overran(function: call.name, seconds: limit, undone: true)
            }
            // Holding something: let it finish if it will.
            let more = Clock.nowMicros() + 10_000_000
            switch try world.runCall(tid, returnsTo: call.returnAddress, deadline: more) {
            case let .returned(value): return value
            case let .faulted(sig, at): throw RemoteCallError.faulted(function: call.name, signal: sig, at: at)
            case .stopped:
                restore = false
                throw RemoteCallError.overran(function: call.name, seconds: limit + 10, undone: false)
            }
        }
    }
}

extension StoppedWorld {
    enum CallStop {
        case returned(UInt64)
        case faulted(Int32, at: UInt64)
        /// Interrupted at the deadline, with its registers then.
        case stopped(user_regs_struct)
    }

    /// Runs a thread set up for a call, its signals blocked, until its
    /// return faults at `returnsTo`, it faults elsewhere, or the deadline
    /// passes (then it is interrupted and stopped). A signal that stops it
    /// anyway is held, with its siginfo, for `resume()`; a fault is not.
    func runCall(_ tid: Int32, returnsTo: UInt64, deadline: UInt64) throws -> CallStop {
        movedOn.insert(tid)
        guard xs_cont(tid, 0) == 0 else { throw TargetError.ptrace(op: "CONT", tid: tid, errno: errno) }
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
            if event == 0 && sig == SIGSEGV && regs.rip == returnsTo { return .returned(regs.rax) }
            if event == 0 && [SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGTRAP].contains(sig) {
                return .faulted(sig, at: regs.rip)
            }
            if interrupted && (event == XS_PTRACE_EVENT_STOP || (event == 0 && sig == SIGSTOP)) {
                return .stopped(regs)
            }
            if event == 0 && sig != SIGSTOP && pendingSignals[tid] == nil { hold(sig, of: tid) }
            guard xs_cont(tid, 0) == 0 else { throw TargetError.ptrace(op: "CONT", tid: tid, errno: errno) }
        }
    }
}

extension ProcessControl {
    /// A target that cannot run code (a simulated one) refuses every call.
    public func callFunction(_ call: RemoteFunctionCall) throws -> UInt64 {
        throw RemoteCallError.noThread(function: call.name, reasons: ["this target cannot run remote function calls"])
    }
}
