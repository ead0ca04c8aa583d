import CShims
import Glibc

/// The kernel's process-events connector: an exec or exit of any process on
/// the host arrives as a datagram on this socket.
final class ProcessEvents {
    enum Event: Equatable {
        case exec(Int32)
        case exit(Int32)
        /// A new process (not a thread) made by fork or clone.
        case fork(Int32)
        /// The socket overflowed and events were dropped: sweep /proc.
        case lost
    }

    let fd: Int32

    init() throws(WatchError) {
        let fd = xs_proc_events_open()
        guard fd >= 0 else { throw .connectorUnavailable(errno: errno) }
        self.fd = fd
    }

    deinit { close(fd) }

    /// Every event waiting now (the socket does not block).
    func drain() -> [Event] {
        var out: [Event] = []
        var buffer = [xs_proc_event](repeating: xs_proc_event(), count: 64)
        // Bounded: a host that execs without pause must not starve the rest
        // of the loop (what is left waits for the next turn).
        for _ in 0..<256 {
            let n = buffer.withUnsafeMutableBufferPointer { xs_proc_events_read(fd, $0.baseAddress, Int32($0.count)) }
            if n < 0 {
                if errno == ENOBUFS { out.append(.lost); continue }
                break
            }
            for e in buffer.prefix(Int(n)) {
                // Exec and exit events name the thread and its process; only
                // a whole process's exit matters (an exec makes the thread
                // the leader, so its tgid is the process).
                if e.kind == UInt32(XS_PROC_EXEC) { out.append(.exec(e.tgid)) }
                else if e.kind == UInt32(XS_PROC_EXIT), e.pid == e.tgid { out.append(.exit(e.tgid)) }
                else if e.kind == UInt32(XS_PROC_FORK), e.pid == e.tgid { out.append(.fork(e.tgid)) }
            }
        }
        return out
    }
}
