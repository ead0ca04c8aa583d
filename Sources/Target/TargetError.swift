import Foundation
import Glibc

/// Failures talking to a target. Whether the CLI calls them bad input or a
/// refusal is decided where the operation knows the target is unchanged.
public enum TargetError: Error, CustomStringConvertible, Equatable, Sendable {
    case noSuchProcess(Int32)
    case permission(pid: Int32, what: String)
    /// /proc/PID/map_files needs CAP_SYS_ADMIN, even for the process's owner.
    case mapFilesDenied(pid: Int32)
    case alreadyTraced(pid: Int32, tracer: Int32)
    case io(what: String, address: UInt64, count: Int, reason: String)
    case moduleNotLoaded(String, loaded: [String])
    case mapsUnreadable(pid: Int32, reason: String)
    case ptrace(op: String, tid: Int32, errno: Int32)
    case timeout(what: String, seconds: Double)
    case exited(pid: Int32, detail: String)
    case remoteSyscall(name: String, result: Int64)
    case binaryReplaced(path: String)
    case notMapped(UInt64)
    /// A remote call could not be given a way back that survives xsplice's death.
    case noReturnPath(pid: Int32, reason: String)
    /// The thread's seccomp state would deny (or punish) a call xsplice needs.
    case seccomp(pid: Int32, tid: Int32, call: String, outcome: String)

    public var description: String {
        switch self {
        case let .noSuchProcess(pid):
            return "no process with PID \(pid); check the PID (it may have exited)"
        case let .permission(pid, what):
            return
                "not permitted to \(what) process \(pid); run as root or as the process owner, and check " +
                    "/proc/sys/kernel/yama/ptrace_scope"
        case let .mapFilesDenied(pid):
            return "not permitted to read the files process \(pid) maps: /proc/\(pid)/map_files needs CAP_SYS_ADMIN, "
                + "even for the process's owner; run xsplice as root (or with CAP_SYS_ADMIN and CAP_SYS_PTRACE)"
        case let .alreadyTraced(pid, tracer):
            return "process \(pid) is already traced by PID \(tracer) (a debugger?); detach it first"
        case let .io(what, address, count, reason):
            return "cannot \(what) \(count) bytes at 0x\(String(address, radix: 16)): \(reason)"
        case let .moduleNotLoaded(name, loaded):
            return "\(name) is not loaded in the target; loaded modules: \(loaded.prefix(12).joined(separator: ", "))"
        case let .mapsUnreadable(pid, reason):
            return "cannot read the memory map of process \(pid): \(reason)"
        case let .ptrace(op, tid, err):
            return "ptrace \(op) on thread \(tid) failed: \(String(cString: strerror(err)))"
        case let .timeout(what, seconds):
            return "timed out after " + String(format: "%.2f", seconds) + " s waiting for \(what)"
        case let .exited(pid, detail):
            return "process \(pid) exited while xsplice was working: \(detail)"
        case let .remoteSyscall(name, result):
            return
                "remote \(name) in the target failed: " +
                    "\(result < 0 && result > -4096 ? String(cString: strerror(Int32(-result))) : "returned \(result)")"
        case let .binaryReplaced(path):
            return
                "the file mapped as \(path) differs from the one the process runs (replaced on disk?); xsplice reads " +
                    "the mapped file through /proc/PID/map_files and could not"
        case let .notMapped(a):
            return "address 0x\(String(a, radix: 16)) is not mapped in the target"
        case let .noReturnPath(pid, reason):
            return "xsplice makes a remote call in process \(pid) only with a way back for the borrowed thread "
                + "that works even if xsplice is killed meanwhile, and here it has none: \(reason); nothing was "
                + "done (xsplice writes no code of its own to make one)"
        case let .seccomp(pid, tid, call, outcome):
            return
                "the seccomp filter of process \(pid) (thread \(tid)) would \(outcome) on \(call), which xsplice needs "
                + "in the target (to map new code or its registry); no remote call was made"
        }
    }
}

