import Foundation

/// Deterministic crash points for testing crash safety. When the
/// environment variable XSPLICE_FAULT names a point, xsplice kills itself
/// with SIGKILL on reaching it, exactly as an operator's `kill -9` would.
///
/// Points, in the order an operation reaches them:
/// `loaded` (code mapped and recorded, before the stop window),
/// `journaled` (inside the window, the writes recorded, none made),
/// `wrote-one` (the first entry written), `wrote-all` (every entry written,
/// registry not yet updated), `committed` (registry updated, threads still
/// stopped), `resumed` (threads running, old code not yet freed).
///
/// XSPLICE_FAULT_TARGET names a point at which the *target* is killed
/// instead, to test a target that dies in the middle of an operation.
public enum FaultInjection {
    public static let points = ["loaded", "journaled", "wrote-one", "wrote-all", "committed", "resumed"]
    static let armed: String? = ProcessInfo.processInfo.environment["XSPLICE_FAULT"]
    static let armedTarget: String? = ProcessInfo.processInfo.environment["XSPLICE_FAULT_TARGET"]

    static func point(_ name: String, target: Int32) {
        if armed == name { kill(getpid(), SIGKILL) }
        if armedTarget == name, target > 0 {
            kill(target, SIGKILL)
            // Give the kernel a moment to finish it before we go on.
            usleep(20_000)
        }
    }
}
