import Target

/// Deterministic crash points for testing crash safety. When the
/// environment variable XSPLICE_FAULT names a point, xsplice kills itself
/// with SIGKILL on reaching it, exactly as an operator's `kill -9` would.
///
/// Points, in the order an operation reaches them:
/// `mapping` (the code region recorded in the journal, not yet mapped),
/// `mapped` (the code region recorded in the journal and mapped, nothing
/// written into it), `loaded` (code written, before the stop window),
/// `journaled` (inside the window, the writes recorded, none made),
/// `wrote-one` (the first entry written), `wrote-all` (every entry written,
/// registry not yet updated), `committed` (registry updated, threads still
/// stopped), `resumed` (threads running, old code not yet freed).
///
/// XSPLICE_FAULT_TARGET names a point at which the *target* is killed
/// instead, to test a target that dies in the middle of an operation.
///
/// Both exist only in builds made for tests: the debug configuration, which
/// `swift build` and `swift test` use, defines XSPLICE_FAULTS (Package.swift).
/// A release build compiles `point` to nothing, so the production binary
/// reads neither variable and holds neither name.
public enum FaultInjection {
    public static let points = [
        "mapping", "mapped", "loaded", "journaled", "wrote-one", "wrote-all", "committed", "resumed",
    ]

    /// Whether this build honours the variables.
    public static var compiledIn: Bool { FaultPoint.compiledIn }

    @inline(__always)
    static func point(_ name: String, target: Int32) { FaultPoint.reach(name, target: target) }
}
