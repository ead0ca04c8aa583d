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

    /// Process IDs, other than `pid`, whose memory is `pid`'s memory, and
    /// every process ID seen, so that a later look needs to compare only
    /// processes created since (`sharers(of:since:)`).
    ///
    /// Every thread group is listed in /proc; a task sharing the memory is
    /// its own group's leader or a thread of a group whose leader shares it
    /// too, so comparing leaders finds them all (a group whose leader has
    /// exited and been reaped of its memory is the one documented gap).
    /// kcmp waits for a task that is in execve, so this full pass belongs
    /// before the stop, not in the pause.
    public static func census(of pid: Int32) throws(Failure) -> AddressSpaceCensus {
        guard let all = listed() else { throw .procUnreadable }
        // In a batch, only the processes that could share it (see `HostCensus`).
        let others = HostCensus.current()?.candidates(for: pid, among: all) ?? all
        return AddressSpaceCensus(known: Set(all), sharers: try compare(pid, with: others))
    }

    /// Sharers among the processes that were not in `census`: inside the
    /// stop, a task created since the census by a now stopped thread, or
    /// reparented meanwhile, is a new /proc entry.
    public static func sharers(of pid: Int32, since census: AddressSpaceCensus) throws(Failure) -> [Int32] {
        guard let all = listed() else { throw .procUnreadable }
        return try compare(pid, with: all.filter { !census.known.contains($0) })
    }

    /// Every process ID in /proc; in a batch, through `HostCensus`, which
    /// lists /proc again only once a task has been created since.
    private static func listed() -> [Int32]? {
        if let host = HostCensus.current() { return host.processes() }
        return Threads.numericEntries(of: "/proc")
    }

    private static func compare(_ pid: Int32, with others: [Int32]) throws(Failure) -> [Int32] {
        guard others.contains(where: { $0 != pid }) else { return [] }
        // kcmp compares memory descriptors, and every task without one (a
        // kernel thread, a zombie, a leader that called pthread_exit)
        // compares equal to every other: compare from a live thread of the
        // group, and never count a task with no memory as a sharer.
        let reference = liveThread(of: pid) ?? pid
        var out: [Int32] = []
        var size: String?
        for other in others where other != pid {
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
                if size == nil { size = mappedPages(reference) }
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

/// Who shared a process's memory at one moment, and which processes existed.
public struct AddressSpaceCensus: Sendable, Equatable {
    public let known: Set<Int32>
    public let sharers: [Int32]

    public init(known: Set<Int32>, sharers: [Int32]) {
        self.known = known
        self.sharers = sharers
    }

    /// For a target that cannot share its memory (a simulated one).
    public static let alone = AddressSpaceCensus(known: [], sharers: [])
}
