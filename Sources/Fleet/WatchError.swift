import Glibc

/// Why `watch` could not start.
public enum WatchError: Error, CustomStringConvertible, Sendable {
    case connectorUnavailable(errno: Int32)
    case setup(String, errno: Int32)
    case store(StoreError)

    public var description: String {
        switch self {
        case let .connectorUnavailable(e):
            return "the kernel's process-events connector is unavailable (\(String(cString: strerror(e)))): it "
                + "needs root (CAP_NET_ADMIN) in the host's network namespace and a kernel with "
                + "CONFIG_PROC_EVENTS. Run as root outside a network namespace, or give --poll SECONDS to scan "
                + "/proc at that interval instead (processes that start and finish between two scans are missed)"
        case let .setup(what, e):
            return "cannot \(what) (\(String(cString: strerror(e)))); nothing was started"
        case let .store(e):
            return e.description
        }
    }
}
