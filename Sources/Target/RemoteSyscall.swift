import CShims
import Glibc

/// Runs system calls inside the target, on a thread that is already stopped.
/// It writes no code: the thread runs a `syscall` instruction the target
/// owns (see `SyscallSite`) under PTRACE_SYSCALL, with every signal blocked so that
/// none is consumed meanwhile, and gets back every register and its signal
/// mask. Before the first call, the thread's seccomp filters must allow
/// every call xsplice may make (see `SeccompPolicy`).
public struct RemoteSyscaller: SyscallPort {
    public let world: StoppedWorld
    public let memory: any WritableMemory
    public let thread: Int32
    /// The `syscall` instruction the thread steps over.
    public let site: UInt64
    let policy: SeccompPolicy

    public init(world: StoppedWorld, memory: any WritableMemory, thread: Int32? = nil,
                modules: () throws -> [LoadedModule]) throws {
        guard let t = thread ?? world.threads.first else {
            throw TargetError.exited(pid: world.pid, detail: "no stopped thread")
        }
        self.world = world
        self.memory = memory
        self.thread = t
        site = try SyscallSite.find(try world.registers(t), memory: memory, modules: modules)
        policy = try SeccompPolicy(pid: world.pid, tid: t)
        // Everything an operation may ask for, judged before the first call.
        try policy.check(Self.repertoire, ip: site + 2)
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
        try policy.check([.init(name: name, number: UInt32(truncatingIfNeeded: number), args: a)], ip: site + 2)
        let saved = try world.registers(thread)
        let savedMask = try world.signalMask(thread)
        var regs = saved
        regs.rax = UInt64(number)
        regs.rdi = a[0]; regs.rsi = a[1]; regs.rdx = a[2]
        regs.r10 = a[3]; regs.r8 = a[4]; regs.r9 = a[5]
        regs.rip = site
        // -1: no system call of the thread's own is in progress, so the
        // kernel does not restart one and rewind our rip on the way out.
        regs.orig_rax = UInt64.max
        var result: Int64 = 0
        var failure: Error?
        let deadline = Clock.nowMicros() + UInt64(timeoutSeconds * 1_000_000)
        do {
            // Blocked signals stay queued, siginfo and all, for the thread
            // (or go to another one) instead of stopping this one.
            try world.setSignalMask(thread, ~UInt64(0))
            try world.setRegisters(thread, regs)
            try world.runSyscall(thread, deadline: deadline)
            result = Int64(bitPattern: try world.registers(thread).rax)
            try world.interrupt(thread)
        } catch { failure = error }
        // Restore even after a failure: the thread must find its world as it left it.
        try world.setRegisters(thread, saved)
        try world.setSignalMask(thread, savedMask)
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
    /// thread's stack pointer and its 128-byte red zone, which no code of
    /// the thread uses while it is stopped.
    public func scratch(count: Int) throws -> UInt64 {
        let sp = try world.registers(thread).rsp
        let need = UInt64(128 + count + 64)
        guard sp > need else { throw TargetError.notMapped(sp) }
        return (sp - need) & ~UInt64(15)
    }
}
