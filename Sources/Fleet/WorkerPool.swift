import Foundation
import Glibc

/// Long-lived worker processes (`xsplice fleet-worker --stream`), each given
/// one target PID at a time through its standard input and answering with
/// one JSON line. A worker decodes the payload once and keeps, between
/// transactions, only immutable data keyed by identity (see `ProcessTarget`'s
/// ELF cache), so starting a process per target is not paid for each one.
/// A worker serves one target at a time: if it dies, traps or is killed, only
/// that target's outcome is lost (reported as possibly inconsistent, with
/// what the worker printed), and the targets still queued go to a new worker.
struct WorkerPool {
    let binary: String
    let arguments: [String]
    let size: Int
    let scratch: String

    private final class Worker {
        let pid: pid_t
        let input: Int32
        let output: Int32
        let errorPath: String
        var buffer: [UInt8] = []
        var target: Int32?
        init(pid: pid_t, input: Int32, output: Int32, errorPath: String) {
            self.pid = pid
            self.input = input
            self.output = output
            self.errorPath = errorPath
        }
    }

    func run(_ pids: [Int32], report: (ProcessOutcome) -> Void) {
        // A worker that dies makes writing to it fail with EPIPE, not kill us.
        let previous = signal(SIGPIPE, SIG_IGN)
        defer { signal(SIGPIPE, previous) }
        var queue = pids[...]
        var workers: [Worker] = []
        var spawned = 0
        defer { workers.forEach { retire($0) } }
        while true {
            // Start workers lazily, never more than there are targets left.
            while workers.count < size, workers.count < queue.count + workers.filter({ $0.target != nil }).count {
                guard let w = spawn(index: spawned) else {
                    let why = String(cString: strerror(errno))
                    if workers.isEmpty {
                        // No worker at all: every target is refused, untouched.
                        while let t = queue.popFirst() {
                            report(Self.refused(t, "could not start a worker (\(why)); the target is unchanged"))
                        }
                    }
                    break
                }
                spawned += 1
                workers.append(w)
            }
            for w in workers where w.target == nil {
                guard let t = queue.popFirst() else { break }
                if !send(t, to: w) {
                    queue.insert(t, at: queue.startIndex)
                    break
                }
            }
            let busy = workers.filter { $0.target != nil }
            if busy.isEmpty && (queue.isEmpty || workers.isEmpty) { break }
            var gone: [Worker] = []
            for w in wait(busy) {
                if !drain(w, report: report) { gone.append(w) }
            }
            for w in gone {
                let how = reap(w)
                if let t = w.target { report(Self.lost(t, w, how: how)) }
                w.target = nil
                workers.removeAll { $0 === w }
            }
            // Idle workers whose pipe was closed under them are gone too.
            for w in workers where w.target == nil && !isAlive(w) {
                retire(w)
                workers.removeAll { $0 === w }
            }
        }
        // Nothing is dropped silently: a target never handed out was never touched.
        while let t = queue.popFirst() {
            report(Self.refused(t, "no worker could take it; the target is unchanged"))
        }
    }

    private func spawn(index: Int) -> Worker? {
        var toChild: [Int32] = [0, 0], fromChild: [Int32] = [0, 0]
        guard pipe(&toChild) == 0 else { return nil }
        guard pipe(&fromChild) == 0 else {
            close(toChild[0]); close(toChild[1])
            return nil
        }
        // No worker may inherit another's pipe: its end of file would never come.
        for fd in toChild + fromChild { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
        let errorPath = "\(scratch)/worker-\(index).err"
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, toChild[0], 0)
        posix_spawn_file_actions_adddup2(&actions, fromChild[1], 1)
        posix_spawn_file_actions_addopen(&actions, 2, errorPath, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        var attr = posix_spawnattr_t()
        posix_spawnattr_init(&attr)
        defer { posix_spawnattr_destroy(&attr) }
        var defaults = sigset_t()
        sigemptyset(&defaults)
        sigaddset(&defaults, SIGPIPE)
        posix_spawnattr_setsigdefault(&attr, &defaults)
        posix_spawnattr_setflags(&attr, Int16(POSIX_SPAWN_SETSIGDEF))
        let argv = ([binary] + arguments).map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var child: pid_t = 0
        let rc = posix_spawn(&child, binary, &actions, &attr, argv, environ)
        close(toChild[0])
        close(fromChild[1])
        guard rc == 0 else {
            close(toChild[1]); close(fromChild[0])
            errno = rc
            return nil
        }
        return Worker(pid: child, input: toChild[1], output: fromChild[0], errorPath: errorPath)
    }

    private func send(_ target: Int32, to w: Worker) -> Bool {
        let line = Array("\(target)\n".utf8)
        let n = line.withUnsafeBytes { write(w.input, $0.baseAddress, $0.count) }
        guard n == line.count else { return false }
        w.target = target
        return true
    }

    /// The busy workers with something to read (or a closed pipe).
    private func wait(_ busy: [Worker]) -> [Worker] {
        guard !busy.isEmpty else { return [] }
        var fds = busy.map { pollfd(fd: $0.output, events: Int16(POLLIN), revents: 0) }
        let r = poll(&fds, nfds_t(fds.count), 200)
        guard r > 0 else { return [] }
        return zip(busy, fds).filter { $0.1.revents != 0 }.map(\.0)
    }

    /// Reads what a worker wrote and reports each complete line; false when
    /// its output closed (the worker ended).
    private func drain(_ w: Worker, report: (ProcessOutcome) -> Void) -> Bool {
        var chunk = [UInt8](repeating: 0, count: 16 * 1024)
        let n = chunk.withUnsafeMutableBytes { read(w.output, $0.baseAddress, $0.count) }
        if n < 0 { return errno == EINTR || errno == EAGAIN }
        if n == 0 { return false }
        w.buffer += chunk[0..<n]
        while let nl = w.buffer.firstIndex(of: UInt8(ascii: "\n")) {
            let line = Array(w.buffer[..<nl])
            w.buffer.removeSubrange(...nl)
            guard let t = w.target else { continue }
            if let o = try? JSONDecoder().decode(ProcessOutcome.self, from: Data(line)), o.pid == t {
                w.target = nil
                report(o)
            } else {
                // Not an answer about its target: the worker cannot be trusted further.
                return false
            }
        }
        return true
    }

    private func isAlive(_ w: Worker) -> Bool {
        var status: Int32 = 0
        return waitpid(w.pid, &status, WNOHANG) == 0
    }

    /// Reaps a worker whose output ended or made no sense, and says how it
    /// ended. One still running after a second (it wrote something that was
    /// not its answer) is killed: an end its transactions are built to survive.
    private func reap(_ w: Worker) -> String {
        close(w.input)
        close(w.output)
        var status: Int32 = 0
        var ended = false
        for _ in 0..<1000 {
            if waitpid(w.pid, &status, WNOHANG) == w.pid { ended = true; break }
            usleep(1000)
        }
        if !ended {
            kill(w.pid, SIGKILL)
            while waitpid(w.pid, &status, 0) < 0 && errno == EINTR {}
            return "killed after its output made no sense"
        }
        return (status & 0x7f) == 0 ? "exit \((status >> 8) & 0xff)" : "signal \(status & 0x7f)"
    }

    /// Closes a worker's input (it ends at end of file) and reaps it.
    private func retire(_ w: Worker) {
        close(w.input)
        close(w.output)
        var status: Int32 = 0
        while waitpid(w.pid, &status, 0) < 0 && errno == EINTR {}
    }

    static func refused(_ target: Int32, _ why: String) -> ProcessOutcome {
        ProcessOutcome(result: "refused", pid: target, exe: Selection.executable(of: target) ?? "?",
                       before: "-", after: "-", reason: why)
    }

    /// A worker that ended without answering may have ended mid-write; say
    /// so rather than claim the target is unchanged.
    private static func lost(_ target: Int32, _ w: Worker, how: String) -> ProcessOutcome {
        let err = (try? String(contentsOfFile: w.errorPath, encoding: .utf8)) ?? ""
        return ProcessOutcome(result: "inconsistent", pid: target, exe: Selection.executable(of: target) ?? "?",
                              before: "-", after: "-",
                              reason: "the worker ended (\(how)) without a result: \(err.suffix(300)); "
                                  + "run `xsplice verify --pid \(target)` and `xsplice recover --pid \(target)`")
    }
}
