import Glibc

/// The kill mechanism behind `XSPLICE_FAULT` (see Applier's `FaultInjection`
/// for the points of an operation), here so that points inside a remote
/// call, which the Target module runs, can be reached too. Only builds for
/// tests define XSPLICE_FAULTS (Package.swift); a release build compiles
/// `reach` to nothing and reads neither variable.
public enum FaultPoint {
    /// Points inside one remote system call, in the order it reaches them:
    /// the return frame written (registers untouched), the registers set,
    /// the syscall-entry stop and the syscall-exit stop.
    public static let syscallPoints = ["syscall-frame", "syscall-set", "syscall-entry", "syscall-exit"]
    /// Points inside one remote function call: the frame written, the
    /// registers set, the function running, and the stop at the restorer's
    /// rt_sigreturn that ends it.
    public static let callPoints = ["call-frame", "call-set", "call-running", "call-returned"]

    #if XSPLICE_FAULTS
    public static let compiledIn = true

    /// getenv, not ProcessInfo: the first use of ProcessInfo's environment
    /// costs tens of microseconds, and some points lie inside the stop window.
    static func armed(_ variable: String) -> String? {
        getenv(variable).map { String(cString: $0) }
    }

    /// Times the armed point has been passed: `XSPLICE_FAULT_SKIP=N` kills
    /// at its (N+1)th reach, so that each remote call of an operation can be walked.
    nonisolated(unsafe) static var passed = 0

    public static func reach(_ name: String, target: Int32) {
        if armed("XSPLICE_FAULT") == name {
            let skip = armed("XSPLICE_FAULT_SKIP").flatMap { Int($0) } ?? 0
            if passed >= skip { kill(getpid(), SIGKILL) }
            passed += 1
        }
        if target > 0, armed("XSPLICE_FAULT_TARGET") == name {
            kill(target, SIGKILL)
            // Give the kernel a moment to finish it before we go on.
            usleep(20_000)
        }
    }
    #else
    public static let compiledIn = false

    @inline(__always)
    public static func reach(_ name: String, target: Int32) {}
    #endif
}
