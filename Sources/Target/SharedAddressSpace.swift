import CShims
import Glibc

/// Tasks that share a process's memory without being threads of it: the
/// children of `clone(CLONE_VM)` without `CLONE_THREAD`, and a `vfork` child
/// and its parent. ptrace stops a thread group, not an address space, so
/// such a task keeps running (and may sit in code being changed) while the
/// group is stopped; the stop window must know about it.
public enum SharedAddressSpace {
    public enum Failure: Error, Equatable, Sendable, CustomStringConvertible {
        /// /proc could not be listed.
        case procUnreadable
        /// kcmp(2) failed for a task other than because it ended.
        case compareFailed(task: Int32, errno: Int32)

        public var description: String {
            switch self {
            case .procUnreadable: return "/proc could not be listed"
            case let .compareFailed(t, e):
                return "kcmp(KCMP_VM) with task \(t) failed (\(String(cString: strerror(e))))"
            }
        }
    }

    /// Process IDs, other than `pid`, whose memory is `pid`'s memory.
    ///
    /// Every thread group is listed in /proc; a task sharing the memory is
    /// its own group's leader or a thread of a group whose leader shares it
    /// too, so comparing leaders finds them all (a group whose leader has
    /// exited and been reaped of its memory is the one documented gap).
    public static func sharers(of pid: Int32) throws(Failure) -> [Int32] {
        guard let all = Threads.numericEntries(of: "/proc") else { throw .procUnreadable }
        // kcmp compares memory descriptors, and every task without one (a
        // kernel thread, a zombie, a leader that called pthread_exit)
        // compares equal to every other: compare from a live thread of the
        // group, and never count a task with no memory as a sharer.
        let reference = liveThread(of: pid) ?? pid
        var out: [Int32] = []
        var size: String?
        for other in all where other != pid {
            let r = xs_kcmp_vm(reference, other)
            if r == 0 {
                if hasMemory(other) { out.append(other) }
                continue
            }
            if r > 0 { continue }
            let e = errno
            // Gone meanwhile: it shares nothing any more.
            if e == ESRCH { continue }
            // kcmp needs ptrace access to both tasks, which a container's
            // init or another namespace's task may deny. Memory shared with
            // the target has the target's size: a different size clears it.
            if e == EPERM || e == EACCES {
                if size == nil { size = mappedPages(pid) }
                let theirs = mappedPages(other)
                if theirs == nil && access("/proc/\(other)", F_OK) != 0 { continue }
                if let size, let theirs, theirs != size { continue }
            }
            throw .compareFailed(task: other, errno: e)
        }
        return out.sorted()
    }

    /// A thread of `pid` that still has its memory (the leader may be a
    /// zombie while its other threads run).
    static func liveThread(of pid: Int32) -> Int32? {
        if hasMemory(pid) { return pid }
        return Threads.numericEntries(of: "/proc/\(pid)/task")?.first { hasMemory($0) }
    }

    /// Whether a task has an address space: kernel threads and zombies
    /// show a size of 0 pages.
    static func hasMemory(_ task: Int32) -> Bool {
        guard let pages = mappedPages(task) else { return false }
        return pages != "0"
    }

    /// The size of a task's address space in pages (first field of statm),
    /// nil if it cannot be read (the task ended or is hidden).
    static func mappedPages(_ pid: Int32) -> String? {
        guard let text = try? ProcFile.text("/proc/\(pid)/statm") else { return nil }
        return text.split(separator: " ").first.map(String.init)
    }
}
