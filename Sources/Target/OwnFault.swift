import Glibc

/// A synchronous fault the thread's own instruction raised (SIGSEGV,
/// SIGBUS, SIGILL, SIGFPE, SIGTRAP with a kernel si_code > 0). Unlike a
/// signal sent from outside, it must never be held and sent again: the
/// instruction raises it anew when it re-runs, so a copy would make the
/// handler run twice for one fault.
enum OwnFault {
    static func matches(_ sig: Int32, info: [UInt8]?) -> Bool {
        guard [SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGTRAP].contains(sig), let i = info, i.count >= 12 else {
            return false
        }
        let code = Int32(bitPattern: UInt32(i[8]) | UInt32(i[9]) << 8 | UInt32(i[10]) << 16 | UInt32(i[11]) << 24)
        return code > 0
    }
}
