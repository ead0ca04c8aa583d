import CShims
import Glibc

/// Runs system calls inside the target, on a thread that is already stopped.
/// It borrows three bytes at a code address no thread executes again (the
/// program's entry point), and puts back the bytes and every register.
public struct RemoteSyscaller: SyscallPort {
    public let world: StoppedWorld
    public let memory: any WritableMemory
    public let scratch: UInt64
    public let thread: Int32

    static let code: [UInt8] = [0x0f, 0x05, 0xcc]  // syscall; int3

    public init(world: StoppedWorld, memory: any WritableMemory, scratch: UInt64) throws {
        guard let t = world.threads.first else { throw TargetError.exited(pid: world.pid, detail: "no stopped thread") }
        self.world = world
        self.memory = memory
        self.scratch = scratch
        self.thread = t
    }

    public func call(_ name: String, _ number: Int, _ args: [UInt64], timeoutSeconds: Double = 2) throws -> Int64 {
        let saved = try world.registers(thread)
        let savedBytes = try memory.read(scratch, count: Self.code.count)
        var regs = saved
        regs.rax = UInt64(number)
        let a = args + [UInt64](repeating: 0, count: max(0, 6 - args.count))
        regs.rdi = a[0]; regs.rsi = a[1]; regs.rdx = a[2]
        regs.r10 = a[3]; regs.r8 = a[4]; regs.r9 = a[5]
        regs.rip = scratch
        // -1 tells the kernel this is not a system call to restart, so an
        // interrupted sleep in the thread does not rewind our rip.
        regs.orig_rax = UInt64.max
        try memory.write(scratch, bytes: Self.code)
        var result: Int64 = 0
        var failure: Error?
        do {
            try world.setRegisters(thread, regs)
            try world.runUntilTrap(thread, deadline: Clock.nowMicros() + UInt64(timeoutSeconds * 1_000_000))
            result = Int64(bitPattern: try world.registers(thread).rax)
        } catch { failure = error }
        // Restore even after a failure: the thread must find its world as it left it.
        try memory.write(scratch, bytes: savedBytes)
        try world.setRegisters(thread, saved)
        if let failure { throw failure }
        if result < 0 && result > -4096 { throw TargetError.remoteSyscall(name: name, result: result) }
        return result
    }

    // x86-64 system call numbers (arch/x86/entry/syscalls/syscall_64.tbl).
    public func mmap(address: UInt64, length: UInt64, prot: Int32, flags: Int32, fd: Int64, offset: UInt64) throws -> UInt64 {
        UInt64(bitPattern: try call("mmap", 9, [address, length, UInt64(prot), UInt64(flags), UInt64(bitPattern: fd), offset]))
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
}
