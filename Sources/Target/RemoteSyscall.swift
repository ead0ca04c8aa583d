import CShims
import Glibc

/// Runs system calls inside the target, on a thread that is already stopped.
/// It writes no code: the thread runs a `syscall; ret` the target owns (see
/// `ReturnPath`) under PTRACE_SYSCALL, with every signal blocked so that
/// none is consumed meanwhile, and gets back every register and its signal
/// mask. Before the first call, the thread's seccomp filters must allow
/// every call xsplice may make (see `SeccompPolicy`).
///
/// If xsplice dies at any instant of a call, the thread still goes back to
/// where it was: its stack pointer sits on a `SigreturnFrame` holding its
/// own state, so the `ret` after the call lands in the target's signal
/// restorer, whose rt_sigreturn restores every register, the FPU state and
/// the signal mask.
public struct RemoteSyscaller: SyscallPort {
    public let world: StoppedWorld
    public let memory: any WritableMemory
    public let thread: Int32
    /// The `syscall; ret` the thread runs, and the restorer it returns through.
    public let path: ReturnPath
    let policy: SeccompPolicy

    public init(world: StoppedWorld, memory: any WritableMemory, thread: Int32? = nil) throws {
        guard let t = thread ?? world.threads.first else {
            throw TargetError.exited(pid: world.pid, detail: "no stopped thread")
        }
        self.world = world
        self.memory = memory
        self.thread = t
        try ReturnPath.checkShadowStack(pid: world.pid, tid: t)
        path = try ReturnPath.find(pid: world.pid, view: t, memory: memory)
        policy = try SeccompPolicy(pid: world.pid, tid: t)
        // Everything an operation may ask for, judged before the first call,
        // and the rt_sigreturn a thread left alone would make.
        try policy.check(Self.repertoire, ip: path.syscallReturn + 2)
        try policy.check([.init(name: "rt_sigreturn", number: 15, args: [0, 0, 0, 0, 0, 0])], ip: path.sigreturnStop)
    }

    /// The calls (with the arguments that matter to a filter) xsplice makes.
    static let repertoire: [SeccompPolicy.Call] = [
        .init(name: "mmap", number: 9, args: [0, 4096, UInt64(PROT_READ | PROT_EXEC),
                                              UInt64(MAP_PRIVATE | MAP_ANONYMOUS | 0x100000), UInt64.max, 0]),
        .init(name: "mmap", number: 9, args: [0, 4096, UInt64(PROT_READ), UInt64(MAP_PRIVATE), 3, 0]),
        .init(name: "munmap", number: 11, args: [0, 4096]),
        .init(name: "memfd_create", number: 319, args: [0, 1]),
        .init(name: "ftruncate", number: 77, args: [3, 4096]),
        .init(name: "close", number: 3, args: [3]),
    ]

    public func call(_ name: String, _ number: Int, _ args: [UInt64], timeoutSeconds: Double = 2) throws -> Int64 {
        let a = args + [UInt64](repeating: 0, count: max(0, 6 - args.count))
        let site = path.syscallReturn
        try policy.check([.init(name: name, number: UInt32(truncatingIfNeeded: number), args: a)], ip: site + 2)
        let pid = world.pid
        let saved = try world.registers(thread)
        let savedMask = try world.signalMask(thread)
        let frame = try SigreturnFrame.lay(pid: pid, tid: thread, regs: saved, mask: savedMask,
                                           restorer: path.restorer, into: memory)
        FaultPoint.reach("syscall-frame", target: pid)
        var regs = saved
        regs.rax = UInt64(number)
        regs.rdi = a[0]; regs.rsi = a[1]; regs.rdx = a[2]
        regs.r10 = a[3]; regs.r8 = a[4]; regs.r9 = a[5]
        regs.rip = site
        regs.rsp = frame.address
        // -1: no system call of the thread's own is in progress, so the
        // kernel does not restart one and rewind our rip on the way out.
        regs.orig_rax = UInt64.max
        var result: Int64 = 0
        var failure: Error?
        var moved = false
        let deadline = Clock.nowMicros() + UInt64(timeoutSeconds * 1_000_000)
        do {
            // Registers first: from here a thread left alone makes the call
            // and returns through the frame, which also restores its mask.
            try world.setRegisters(thread, regs)
            moved = true
            FaultPoint.reach("syscall-set", target: pid)
            // Blocked signals stay queued, siginfo and all, for the thread
            // (or go to another one) instead of stopping this one.
            try world.setSignalMask(thread, ~UInt64(0))
            try world.runSyscall(thread, deadline: deadline) { entry in
                FaultPoint.reach(entry ? "syscall-entry" : "syscall-exit", target: pid)
            }
            result = Int64(bitPattern: try world.registers(thread).rax)
            try world.interrupt(thread)
        } catch { failure = error }
        // Restore even after a failure: the thread must find its world as it
        // left it. The mask first: until the registers go back, the frame
        // still restores it should xsplice die in between.
        if moved {
            try world.setSignalMask(thread, savedMask)
            try world.setRegisters(thread, saved)
        }
        if failure == nil { try world.park(thread, deadline: deadline + 1_000_000) }
        if let failure { throw failure }
        if result < 0 && result > -4096 { throw TargetError.remoteSyscall(name: name, result: result) }
        return result
    }

    // x86-64 system call numbers (arch/x86/entry/syscalls/syscall_64.tbl).
    public func mmap(
        address: UInt64, length: UInt64, prot: Int32, flags: Int32, fd: Int64, offset: UInt64
    ) throws -> UInt64 {
        UInt64(
            bitPattern: try call(
                "mmap", 9, [address, length, UInt64(prot), UInt64(flags), UInt64(bitPattern: fd), offset]))
    }

    public func munmap(address: UInt64, length: UInt64) throws {
        _ = try call("munmap", 11, [address, length])
    }

    public func memfdCreate(nameAt: UInt64, flags: UInt32) throws -> Int64 {
        try call("memfd_create", 319, [nameAt, UInt64(flags)])
    }

    public func ftruncate(fd: Int64, length: UInt64) throws {
        _ = try call("ftruncate", 77, [UInt64(bitPattern: fd), length])
    }

    public func close(fd: Int64) throws {
        _ = try call("close", 3, [UInt64(bitPattern: fd)])
    }

    /// Writable memory the call may use for a short string: below the
    /// frame a call lays out under the thread's red zone, which no code of
    /// the thread uses while it is stopped.
    public func scratch(count: Int) throws -> UInt64 {
        let frame = try SigreturnFrame(pid: world.pid, tid: thread, regs: try world.registers(thread), mask: 0,
                                       xsave: try SigreturnFrame.xsave(of: thread), restorer: path.restorer)
        let need = UInt64(max(0, count) + 64)
        // The frame checked that much room below itself.
        guard need <= SigreturnFrame.scratchRoom, frame.address > need else {
            throw TargetError.notMapped(frame.address)
        }
        return (frame.address - need) & ~UInt64(15)
    }
}
