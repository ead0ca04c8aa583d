/// The x86-64 Linux signal frame (`struct rt_sigframe`), as far as the
/// consistency check needs it: a thread running a handler, on an alternate
/// stack or not, can return through the context the kernel saved there.
///
/// Layout (arch/x86/include/asm/sigframe.h, uapi sigcontext.h): the frame
/// starts with `pretcode` (the restorer the handler returns to), followed by
/// `struct ucontext`: uc_flags, uc_link, uc_stack (24 bytes), then
/// `struct sigcontext` at +40 with r8…r15, rdi, rsi, rbp, rbx, rdx, rax, rcx,
/// rsp (+120), rip (+128), eflags, and the selector word (+144) holding cs,
/// gs, fs and ss. The kernel always writes cs = 0x33 (64-bit user code) and
/// gs = fs = 0, and ss = 0x2b on kernels that save it (Linux 4.6 and later):
/// that word is the frame's signature.
enum SignalFrame {
    /// From the ucontext to the fields used.
    static let rspOffset = 40 + 120
    static let ripOffset = 40 + 128
    static let selectorOffset = 40 + 144
    /// The selector word with ss saved, and without (older kernels).
    static let selectorWithSS: UInt64 = 0x002b_0000_0000_0033
    static let selectorWithoutSS: UInt64 = 0x33

    static func isSelectorWord(_ v: UInt64) -> Bool { v == selectorWithSS || v == selectorWithoutSS }

    /// A frame found on a stack: where it starts (its pretcode word) and the
    /// interrupted context's stack and instruction pointers.
    struct Found {
        let frame: UInt64
        let pretcode: UInt64
        let rsp: UInt64
        let rip: UInt64
    }

    /// Reads a candidate frame whose selector word is at byte `offset` of
    /// `raw` (which starts at address `base`); nil when the frame would begin
    /// before `raw` does.
    static func candidate(selectorAt offset: Int, in raw: UnsafeRawBufferPointer, base: UInt64) -> Found? {
        let uc = offset - selectorOffset
        let start = uc - 8
        guard start >= 0 else { return nil }
        return Found(frame: base &+ UInt64(start),
                     pretcode: raw.loadUnaligned(fromByteOffset: start, as: UInt64.self),
                     rsp: raw.loadUnaligned(fromByteOffset: uc + rspOffset, as: UInt64.self),
                     rip: raw.loadUnaligned(fromByteOffset: uc + ripOffset, as: UInt64.self))
    }
}
