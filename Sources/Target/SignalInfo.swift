import CShims

/// A traced thread's siginfo, as the kernel keeps it for the signal that
/// stopped the thread in its signal-delivery-stop: read to hold the signal,
/// written back so that the signal goes in as it came, not as a bare SI_USER.
enum SignalInfo {
    static let size = 128

    /// PTRACE_GETSIGINFO; nil when the thread is in no signal-delivery-stop.
    static func read(_ tid: Int32) -> [UInt8]? {
        var i = [UInt8](repeating: 0, count: size)
        let r = i.withUnsafeMutableBytes {
            xs_ptrace(0x4202 /* PTRACE_GETSIGINFO */, tid, 0, UInt(bitPattern: $0.baseAddress))
        }
        return r == 0 ? i : nil
    }

    /// PTRACE_SETSIGINFO, before the signal is injected by a restart or detach.
    static func write(_ info: [UInt8], to tid: Int32) {
        var i = info
        _ = i.withUnsafeMutableBytes {
            xs_ptrace(0x4203 /* PTRACE_SETSIGINFO */, tid, 0, UInt(bitPattern: $0.baseAddress))
        }
    }
}
