import CShims
import Foundation
import Glibc

/// One comparison of every process's memory with every other, kept for all
/// the targets a batch worker examines: each target's census (see
/// `SharedAddressSpace.census`) compared it with every process on the host,
/// which made a batch's cost grow with the square of the number of
/// processes.
///
/// The processes are sorted by their memory descriptor (kcmp(KCMP_VM)
/// orders them), so that processes sharing one fall into one class. A task
/// comes to share a memory only by being created into it, so a process
/// alive since the sort that was not in a target's class cannot share the
/// target's memory now; and a pidfd held for each process says whether it
/// is still the one sorted (its PID not reused since). A target's census
/// then compares, afresh, only its own class (a member may have left it
/// through execve), the processes that are new, and any the sort could not
/// place. The result is exactly what a full census would find.
public final class HostCensus: @unchecked Sendable {
    /// Set by a batch worker; nil (every census a full pass) otherwise.
    public static func enableShared() {
        lock.lock()
        defer { lock.unlock() }
        if shared == nil { shared = HostCensus() }
    }

    static func current() -> HostCensus? {
        lock.lock()
        defer { lock.unlock() }
        return shared
    }

    private static let lock = NSLock()
    nonisolated(unsafe) private static var shared: HostCensus?

    private let lock = NSLock()
    /// Sorted processes: their class and the pidfd that proves identity.
    private var classOf: [Int32: Int] = [:]
    private var pidfd: [Int32: Int32] = [:]
    private var members: [Int: [Int32]] = [:]
    private var sorted = false
    /// The last listing of /proc, and the count of tasks the kernel had
    /// created (forks and clones since boot) just before it was taken.
    private var listing: [Int32]?
    private var listingForks: UInt64?

    /// The process IDs in /proc. While the kernel's count of tasks created
    /// has not moved since the last listing, no task has been created, so
    /// every process alive now was in that listing (some may have ended
    /// since): it is returned again instead of listing /proc, which costs a
    /// microsecond per process on the host and was most of a batch's time.
    func processes() -> [Int32]? {
        lock.lock()
        defer { lock.unlock() }
        let forks = Self.tasksCreated()
        if let forks, let listing, forks == listingForks { return listing }
        guard let all = Threads.numericEntries(of: "/proc") else { return nil }
        listing = all
        listingForks = forks
        return all
    }

    /// The `processes` line of /proc/stat: every fork and clone since boot,
    /// a counter that only grows. Nil when it cannot be read.
    static func tasksCreated() -> UInt64? {
        guard let text = try? ProcFile.text("/proc/stat") else { return nil }
        for line in text.split(separator: "\n") where line.hasPrefix("processes ") {
            return UInt64(line.dropFirst("processes ".count).trimmingCharacters(in: .whitespaces))
        }
        return nil
    }

    deinit { for fd in pidfd.values { close(fd) } }

    /// The processes, among `all` (the current /proc listing), that must be
    /// compared with `pid` for a census: nil when `pid` itself is not one
    /// this census can vouch for (then a full pass is needed).
    func candidates(for pid: Int32, among all: [Int32]) -> [Int32]? {
        lock.lock()
        defer { lock.unlock() }
        if !sorted {
            sort(all)
            sorted = true
        }
        forgetExited()
        guard let mine = classOf[pid] else { return nil }
        var out = (members[mine] ?? []).filter { $0 != pid && classOf[$0] == mine }
        out += all.filter { classOf[$0] == nil && $0 != pid }
        return out
    }

    /// Half the descriptors this process may open, after raising its soft
    /// limit to the hard one (at most 65,536).
    static func descriptorBudget() -> Int {
        var lim = rlimit()
        guard getrlimit(Int32(RLIMIT_NOFILE.rawValue), &lim) == 0 else { return 0 }
        let want = min(lim.rlim_max, 65_536)
        if lim.rlim_cur < want {
            var raised = lim
            raised.rlim_cur = want
            if setrlimit(Int32(RLIMIT_NOFILE.rawValue), &raised) == 0 { lim = raised }
        }
        return max(0, Int(min(lim.rlim_cur, 65_536)) / 2 - 64)
    }

    /// Drops every process whose pidfd says it has exited: its PID may
    /// now name a new process, which is then compared as new.
    private func forgetExited() {
        let pids = Array(pidfd.keys)
        var fds = pids.map { pollfd(fd: pidfd[$0] ?? -1, events: Int16(POLLIN), revents: 0) }
        guard poll(&fds, nfds_t(fds.count), 0) > 0 else { return }
        for (p, f) in zip(pids, fds) where f.revents != 0 {
            if let fd = pidfd.removeValue(forKey: p) { close(fd) }
            classOf[p] = nil
        }
    }

    private func sort(_ all: [Int32]) {
        var placed: [Int32] = []
        // A pidfd per process, but never more than half the descriptors this
        // process may open: the rest are for its own work. Processes without
        // one are simply compared afresh.
        var budget = Self.descriptorBudget()
        for p in all where budget > 0 {
            // A process with no memory (a kernel thread, a zombie) compares
            // equal to every other such: it is left to be compared afresh.
            guard SharedAddressSpace.hasMemory(p) else { continue }
            let fd = xs_pidfd_open(p)
            guard fd >= 0 else { continue }
            // Still the process listed, and it still has its memory.
            guard SharedAddressSpace.hasMemory(p) else { close(fd); continue }
            pidfd[p] = fd
            placed.append(p)
            budget -= 1
        }
        // A comparison that fails (a process exited meanwhile) leaves the
        // order unreliable: sort again without the processes involved; they
        // are compared afresh for every census.
        var failed = Set<Int32>()
        for _ in 0..<3 {
            var now = Set<Int32>()
            placed.sort { a, b in
                let r = xs_kcmp_vm(a, b)
                if r < 0 || r > 2 { now.insert(a); now.insert(b); return a < b }
                return r == 1
            }
            guard !now.isEmpty else { break }
            failed.formUnion(now)
            placed.removeAll { now.contains($0) }
            if failed.count > 64 { placed = []; break }
        }
        var cls = -1
        var previous: Int32?
        for p in placed {
            if let q = previous {
                let r = xs_kcmp_vm(q, p)
                if r < 0 { failed.insert(p); continue }
                if r != 0 { cls += 1 }
            } else {
                cls += 1
            }
            classOf[p] = cls
            members[cls, default: []].append(p)
            previous = p
        }
        for p in failed {
            classOf[p] = nil
            if let fd = pidfd.removeValue(forKey: p) { close(fd) }
        }
        for p in placed where classOf[p] == nil {
            if let fd = pidfd.removeValue(forKey: p) { close(fd) }
        }
    }
}
