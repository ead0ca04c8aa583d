import Target

/// The code a hijacked return address leads to. It saves the registers a
/// system call clobbers, makes one harmless system call (getpid: the
/// moment `ReturnWatch` catches, under PTRACE_SYSCALL), restores them and
/// jumps to the real return address. Without a tracer it is just a slower
/// return, so a killed xsplice leaves every thread able to go on.
enum ReturnStub {
    /// Bytes per stub in the stub page.
    static let size = 32

    static func code(returnTo: UInt64) -> [UInt8] {
        var c: [UInt8] = [
            0x50,                                   // push rax
            0x51,                                   // push rcx
            0x41, 0x53,                             // push r11
            0xb8, UInt8(ReturnWatch.stubNotifySyscall), 0, 0, 0,  // mov eax, getpid
            0x0f, 0x05,                             // syscall
            0x41, 0x5b,                             // pop r11
            0x59,                                   // pop rcx
            0x58,                                   // pop rax
            0xff, 0x25, 0, 0, 0, 0,                 // jmp [rip + 0]
        ]
        withUnsafeBytes(of: returnTo.littleEndian) { c += $0 }
        c += [UInt8](repeating: 0xcc, count: size - c.count)
        return c
    }
}
