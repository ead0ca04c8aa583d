import CShims
import Glibc

/// Where a remote system call can run without writing a byte: a `syscall`
/// instruction (0f 05) the target already owns, at an address known to be
/// an instruction boundary.
enum SyscallSite {
    static let instruction: [UInt8] = [0x0f, 0x05]
    /// glibc's syscall(3): `syscall; cmp $-4095,%rax`.
    static let libcSequence: [UInt8] = [0x0f, 0x05, 0x48, 0x3d, 0x01, 0xf0, 0xff, 0xff]

    /// A thread stopped inside a system call sits just past the instruction
    /// that made it (the kernel's orig_rax says it is in one); otherwise the
    /// instruction inside libc's syscall(3), found by its exact sequence.
    static func find(
        _ regs: user_regs_struct, memory: any Memory, modules: () throws -> [LoadedModule]
    ) throws -> UInt64 {
        if Int64(bitPattern: regs.orig_rax) >= 0, regs.rip >= 2,
           (try? memory.read(regs.rip - 2, count: 2)) == instruction {
            return regs.rip - 2
        }
        for m in try modules() where m.soname.hasPrefix("libc.so") {
            guard let s = m.exportedSymbol(named: "syscall"), s.size >= UInt64(libcSequence.count), s.size <= 256 else {
                continue
            }
            let start = m.liveAddress(s.value)
            let body = try memory.read(start, count: Int(s.size))
            for i in 0...(body.count - libcSequence.count)
            where Array(body[i..<(i + libcSequence.count)]) == libcSequence {
                return start + UInt64(i)
            }
        }
        throw TargetError.noSyscallSite
    }
}
