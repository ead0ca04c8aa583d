import CShims
import Glibc

/// A signal frame as the x86-64 kernel builds one for a handler
/// (`struct rt_sigframe`: the return slot, a `ucontext` and a `siginfo`),
/// holding a borrowed thread's own state, so that rt_sigreturn from it puts
/// the thread back exactly as it was found: every general register, the
/// signal mask, and the FPU/SSE/AVX state through a copy of its XSAVE area.
/// It is written below the thread's red zone before any register changes,
/// and is used only if xsplice dies during the call; a live xsplice
/// restores the thread with PTRACE_SETREGS and PTRACE_SETSIGMASK instead.
///
/// Layout (arch/x86/include/uapi/asm/sigcontext.h, asm/ucontext.h and
/// asm/sigframe.h), offsets from the return slot: uc_flags 8, uc_link 16,
/// uc_stack 24 (ss_sp, ss_flags, ss_size), uc_mcontext 48 (r8..r15, rdi,
/// rsi, rbp, rbx, rdx, rax, rcx, rsp, rip, eflags, cs/gs/fs/ss, err, trapno,
/// oldmask, cr2, fpstate, 8 reserved words: 256 bytes), uc_sigmask 304,
/// siginfo 312, 440 bytes in all.
struct SigreturnFrame {
    static let size = 440
    /// UC_FP_XSTATE | UC_SIGCONTEXT_SS | UC_STRICT_RESTORE_SS, as the kernel sets them.
    static let flags: UInt64 = 0x7
    static let fpMagic1: UInt32 = 0x4650_5853
    static let fpMagic2: UInt32 = 0x4650_5845
    /// Bytes below the frame that `RemoteSyscaller.scratch` may use.
    static let scratchRoom: UInt64 = 256

    /// The return slot: the stack pointer a function is entered with, and
    /// what `ret` pops into the restorer. 8 modulo 16, as after a call.
    let address: UInt64
    /// Where the XSAVE copy goes (64-byte aligned, as XRSTOR needs).
    let fpstate: UInt64
    let bytes: [UInt8]
    let fpBytes: [UInt8]

    /// Lays out the frame under `regs.rsp` minus the red zone, for a thread
    /// whose registers, mask and XSAVE area (PTRACE_GETREGSET) are given.
    init(pid: Int32, tid: Int32, regs: user_regs_struct, mask: UInt64, xsave: [UInt8], restorer: UInt64) throws {
        let fp = try Self.fpImage(xsave, pid: pid)
        let need = UInt64(fp.count + Self.size + 128 + 256)
        guard regs.rsp > need else { throw TargetError.notMapped(regs.rsp) }
        fpstate = (regs.rsp - 128 - UInt64(fp.count)) & ~UInt64(63)
        address = ((fpstate - UInt64(Self.size)) & ~UInt64(15)) - 8
        try Self.checkRoom(pid: pid, tid: tid, low: address &- Self.scratchRoom, high: regs.rsp)
        fpBytes = fp
        let r = Self.resumable(regs)
        var b = [UInt8](repeating: 0, count: Self.size)
        func put(_ v: UInt64, at o: Int, width: Int = 8) {
            for i in 0..<width { b[o + i] = UInt8(truncatingIfNeeded: v >> (8 * UInt64(i))) }
        }
        put(restorer, at: 0)
        put(Self.flags, at: 8)
        // An invalid ss_flags (SS_ONSTACK|SS_DISABLE): the kernel's
        // restore_altstack then leaves the thread's alternate signal stack
        // as it is, which xsplice cannot read from outside to copy here.
        put(3, at: 32, width: 4)
        let gp = [r.r8, r.r9, r.r10, r.r11, r.r12, r.r13, r.r14, r.r15, r.rdi, r.rsi, r.rbp, r.rbx, r.rdx, r.rax,
                  r.rcx, r.rsp, r.rip, r.eflags]
        for (i, v) in gp.enumerated() { put(v, at: 48 + 8 * i) }
        put(r.cs, at: 192, width: 2)
        put(r.ss, at: 198, width: 2)
        put(mask, at: 216)
        put(fpstate, at: 232)
        put(mask, at: 304)
        bytes = b
    }

    /// The frame, the XSAVE copy and the scratch below them must lie in the
    /// writable mapping that holds the stack pointer: a thread on a small
    /// alternate signal stack would otherwise have them written, unseen,
    /// into whatever mapping lies below it.
    static func checkRoom(pid: Int32, tid: Int32, low: UInt64, high: UInt64) throws {
        // The thread's own view: /proc/PID/maps is empty once the main thread has exited.
        let maps = try MemoryMap.read(pid: tid)
        guard low < high, let m = maps.first(where: { $0.contains(high &- 1) }), m.permissions.hasPrefix("rw"),
              m.start <= low else {
            throw TargetError.noReturnPath(pid: pid, reason: "the borrowed thread's stack (pointer 0x"
                + "\(String(high, radix: 16))) has no room for the \(high &- low)-byte frame that would return it "
                + "to where it was if xsplice died, inside the writable mapping that holds it (a small alternate "
                + "signal stack?); retry when the thread is elsewhere")
        }
    }

    /// The XSAVE area as rt_sigreturn wants it. PTRACE_GETREGSET gives the
    /// standard (uncompacted) XSAVE image with the user feature mask (XCR0)
    /// in the first word of the software-reserved bytes; a signal frame
    /// has `struct _fpx_sw_bytes` there instead (FP_XSTATE_MAGIC1, the
    /// extended size, the features, the XSAVE size), and FP_XSTATE_MAGIC2
    /// right after the image. Without them rt_sigreturn would restore only
    /// the legacy FP/SSE part and reset the rest (the upper halves of the
    /// ymm registers among it), so an image that does not fit is refused.
    static func fpImage(_ xsave: [UInt8], pid: Int32) throws -> [UInt8] {
        let size = xsave.count
        guard size >= 576, size <= 64 * 1024 else {
            throw TargetError.noReturnPath(pid: pid, reason: "the kernel gave a \(size)-byte XSAVE image of the "
                + "thread, not one that holds at least the legacy area and the XSAVE header (576 bytes)")
        }
        let features = (0..<8).reduce(UInt64(0)) { $0 | UInt64(xsave[464 + $1]) << (8 * UInt64($1)) }
        guard features & 0x3 == 0x3 else {
            throw TargetError.noReturnPath(pid: pid, reason: "the thread's XSAVE image names the features "
                + "0x\(String(features, radix: 16)), without x87 and SSE")
        }
        var image = xsave
        func put(_ v: UInt64, at o: Int, width: Int) {
            for i in 0..<width { image[o + i] = UInt8(truncatingIfNeeded: v >> (8 * UInt64(i))) }
        }
        for o in 464..<512 { image[o] = 0 }
        put(UInt64(fpMagic1), at: 464, width: 4)
        put(UInt64(size + 4), at: 468, width: 4)
        put(features, at: 472, width: 8)
        put(UInt64(size), at: 480, width: 4)
        return image + (0..<4).map { UInt8(truncatingIfNeeded: fpMagic2 >> (8 * UInt32($0))) }
    }

    /// The registers to resume with once rt_sigreturn has cleared orig_rax:
    /// for a thread stopped inside a system call the kernel would restart,
    /// the state the kernel itself gives it when no handler runs (the
    /// `syscall` instruction again, rax its number; arch/x86/kernel/signal.c).
    /// -ERESTART_RESTARTBLOCK is re-issued as the original call too, not as
    /// restart_syscall: rt_sigreturn resets the restart block, so
    /// restart_syscall would fail with EINTR; the original call with its own
    /// arguments waits again (a relative sleep may last longer, never end early).
    static func resumable(_ regs: user_regs_struct) -> user_regs_struct {
        var r = regs
        guard Int64(bitPattern: r.orig_rax) >= 0, r.rip >= 2 else { return r }
        switch Int64(bitPattern: r.rax) {
        case -512, -513, -514, -516:  // ERESTARTSYS, ERESTARTNOINTR, ERESTARTNOHAND, ERESTART_RESTARTBLOCK
            r.rax = r.orig_rax
            r.rip -= 2
        default:
            break
        }
        return r
    }

    /// The thread's XSAVE area (PTRACE_GETREGSET, NT_X86_XSTATE).
    static func xsave(of tid: Int32) throws -> [UInt8] {
        var buf = [UInt8](repeating: 0, count: 32 * 1024)
        let got: Int = try buf.withUnsafeMutableBytes { raw in
            var iov = iovec(iov_base: raw.baseAddress, iov_len: raw.count)
            let r = withUnsafeMutablePointer(to: &iov) {
                xs_ptrace(0x4204 /* PTRACE_GETREGSET */, tid, 0x202 /* NT_X86_XSTATE */, UInt(bitPattern: $0))
            }
            guard r == 0 else { throw TargetError.ptrace(op: "GETREGSET", tid: tid, errno: errno) }
            return iov.iov_len
        }
        return Array(buf.prefix(got))
    }

    /// The frame of a stopped thread's own state (its XSAVE area read here),
    /// written below its red zone before any of its registers change.
    static func lay(pid: Int32, tid: Int32, regs: user_regs_struct, mask: UInt64, restorer: UInt64,
                    into memory: any WritableMemory) throws -> SigreturnFrame {
        let frame = try SigreturnFrame(pid: pid, tid: tid, regs: regs, mask: mask, xsave: try xsave(of: tid),
                                       restorer: restorer)
        try frame.write(to: memory)
        return frame
    }

    /// Writes the XSAVE copy, then the frame: nothing of the thread changes.
    func write(to memory: any WritableMemory) throws {
        try memory.write(fpstate, bytes: fpBytes)
        try memory.write(address, bytes: bytes)
    }
}
