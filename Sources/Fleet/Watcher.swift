import CShims
import Foundation
import Glibc
import Hash

/// `xsplice watch`: learns of processes as they start (the kernel's
/// process-events connector, or a /proc scan at a fixed interval) and, on
/// start and whenever the store changes, of every running process; applies
/// each stored payload whose module and build-id a process maps, once per
/// process image, through the batch workers. It returns on SIGTERM or SIGINT,
/// never in the middle of a transaction (workers are waited for).
public final class Watcher {
    let config: WatchConfig
    let log: (WatchEvent) -> Void
    var ledger = WatchLedger()
    let probe = ModuleProbe()
    /// The stored payloads in apply order, each with the private copy that
    /// workers read (the copy that was checked, whatever the store holds now).
    var armed: [(stored: StoredPayload, copy: String)] = []
    /// Processes still in start-up (loader not done), to look at again.
    var pending = Set<Int32>()
    /// Forked children, looked at after a short delay: most forks are
    /// followed at once by an exec, which makes them new processes anyway.
    var forked: [Int32: Double] = [:]
    var snapshotDirectory = ""
    var inotifyFD: Int32 = -1
    /// Files already reported as another build of a payload's module.
    var otherBuilds = Set<OtherBuild>()

    struct OtherBuild: Hashable {
        var path: String
        var inode: UInt64
        var payload: Digest
    }

    /// How often processes in start-up are looked at again.
    static let startupPoll = 0.02
    /// How long a forked child is left to exec before it is looked at.
    static let forkDelay = 0.1
    /// A dynamically linked executable without RELRO gives no sign that its
    /// loader is done; it is considered done after this long.
    static let unknownStartupSettle = 1.0

    public init(config: WatchConfig, log: @escaping (WatchEvent) -> Void) {
        self.config = config
        self.log = log
    }

    public func run() throws(WatchError) {
        do { try config.store.ensureDirectory() } catch { throw .store(error) }
        signal(SIGPIPE, SIG_IGN)
        let stopSignals: [Int32] = [SIGTERM, SIGINT, SIGHUP]
        let signalFD = stopSignals.withUnsafeBufferPointer { xs_signal_pipe($0.baseAddress, Int32($0.count)) }
        guard signalFD >= 0 else { throw .setup("install signal handlers", errno: errno) }
        defer { close(signalFD) }
        let events = config.poll == nil ? try ProcessEvents() : nil
        inotifyFD = inotify_init1(Int32(IN_CLOEXEC | IN_NONBLOCK))
        guard inotifyFD >= 0 else { throw .setup("start inotify on the store", errno: errno) }
        defer { close(inotifyFD) }
        var template = Array((NSTemporaryDirectory() + "/xsplice-watch.XXXXXX").utf8CString)
        guard let dir = template.withUnsafeMutableBufferPointer({ b in b.baseAddress.flatMap { mkdtemp($0) } })
        else { throw .setup("create a private directory in \(NSTemporaryDirectory())", errno: errno) }
        snapshotDirectory = String(cString: dir)
        defer { try? FileManager.default.removeItem(atPath: snapshotDirectory) }

        reloadStore()
        var started = WatchEvent("started")
        started.mechanism = config.poll.map { "a /proc scan every \($0) s" } ?? "the process-events connector"
        started.store = config.store.directory
        started.payloads = armed.count
        log(started)
        sweep()
        loop(signalFD: signalFD, events: events)
        log(WatchEvent("stopped"))
    }

    private func loop(signalFD: Int32, events: ProcessEvents?) {
        var nextScan = ProcStat.monotonic() + (config.poll ?? 0)
        while true {
            var fds = [pollfd(fd: signalFD, events: Int16(POLLIN), revents: 0),
                       pollfd(fd: inotifyFD, events: Int16(POLLIN), revents: 0)]
            if let events { fds.append(pollfd(fd: events.fd, events: Int16(POLLIN), revents: 0)) }
            var wait: Double = pending.isEmpty ? -1 : Self.startupPoll
            if let first = forked.values.min() {
                let untilFork = max(0, first - ProcStat.monotonic())
                wait = wait < 0 ? untilFork : min(wait, untilFork)
            }
            if config.poll != nil {
                let untilScan = max(0, nextScan - ProcStat.monotonic())
                wait = wait < 0 ? untilScan : min(wait, untilScan)
            }
            let ms = wait < 0 ? Int32(-1) : Int32(min(wait * 1000, 60_000).rounded(.up))
            let n = poll(&fds, nfds_t(fds.count), ms)
            if n < 0, errno != EINTR { usleep(10_000) }

            var stop = false, reload = false, sweepAll = false
            var fresh: [Int32] = []
            for s in Self.drainSignals(signalFD) {
                if s == SIGHUP { reload = true } else { stop = true }
            }
            if stop { return }
            if Self.drainInotify(inotifyFD) { reload = true }
            for e in events?.drain() ?? [] {
                switch e {
                case let .exec(pid):
                    ledger.execed(pid)
                    forked[pid] = nil
                    fresh.append(pid)
                case let .fork(pid):
                    forked[pid] = ProcStat.monotonic() + Self.forkDelay
                case let .exit(pid):
                    ledger.exited(pid)
                    pending.remove(pid)
                    forked[pid] = nil
                case .lost:
                    sweepAll = true
                }
            }
            if sweepAll { log(WatchEvent("lost-events", reason: "the event socket overflowed; sweeping /proc")) }
            if config.poll != nil, ProcStat.monotonic() >= nextScan {
                sweepAll = true
                nextScan = ProcStat.monotonic() + (config.poll ?? 1)
            }
            if reload {
                reloadStore()
                sweepAll = true
            }
            let now = ProcStat.monotonic()
            let due = forked.filter { $0.value <= now }.map(\.key)
            for pid in due { forked[pid] = nil }
            if sweepAll { sweep() } else if !fresh.isEmpty || !pending.isEmpty || !due.isEmpty {
                handle(fresh + Array(pending) + due)
            }
        }
    }

    /// Every running process: at start, after the store changed, after lost
    /// events, and at each scan when polling.
    func sweep() {
        let pids = Selection.allPIDs()
        ledger.keepOnly(Set(pids))
        pending = pending.intersection(pids)
        forked = forked.filter { pids.contains($0.key) }
        handle(pids)
    }

    static func drainSignals(_ fd: Int32) -> [Int32] {
        var out: [Int32] = []
        var b = [UInt8](repeating: 0, count: 64)
        while true {
            let n = read(fd, &b, b.count)
            guard n > 0 else { return out }
            out += b.prefix(n).map { Int32($0) }
        }
    }

    /// True when any change in the store directory was reported.
    static func drainInotify(_ fd: Int32) -> Bool {
        var changed = false
        var b = [UInt8](repeating: 0, count: 4096)
        while read(fd, &b, b.count) > 0 { changed = true }
        return changed
    }
}
