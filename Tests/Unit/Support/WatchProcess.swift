import Foundation
import Glibc
import TestSupport

/// `xsplice watch` running for a test: its log (standard error, JSON Lines)
/// goes to a file the test reads. `stop()` kills and reaps it; `terminate()`
/// is the clean shutdown under test.
final class WatchProcess {
    struct Line: Decodable {
        var event: String
        var pid: Int32?
        var payload: String?
        var result: String?
        var reason: String?
        var before: String?
        var after: String?
        var payloads: Int?
        var age_ms: UInt64?
    }

    let pid: Int32
    let logPath: String
    private var reaped = false

    init(_ args: [String], environment: [String: String] = [:]) throws {
        logPath = Paths.tempDir("watchlog") + "/log"
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, logPath, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        var attr = posix_spawnattr_t()
        posix_spawnattr_init(&attr)
        defer { posix_spawnattr_destroy(&attr) }
        var empty = sigset_t()
        sigemptyset(&empty)
        posix_spawnattr_setsigmask(&attr, &empty)
        posix_spawnattr_setflags(&attr, Int16(POSIX_SPAWN_SETSIGMASK))
        let env = ProcessInfo.processInfo.environment.merging(environment) { $1 }.map { "\($0.key)=\($0.value)" }
        let argv = ([Paths.xsplice, "watch"] + args).map { strdup($0) } + [nil]
        let envp = env.map { strdup($0) } + [nil]
        defer { (argv + envp).forEach { free($0) } }
        var child: pid_t = 0
        let rc = posix_spawn(&child, Paths.xsplice, &actions, &attr, argv, envp)
        guard rc == 0 else { throw TestFailure("could not start xsplice watch: \(String(cString: strerror(rc)))") }
        pid = child
    }

    deinit { stop() }

    var log: String { (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "" }

    var lines: [Line] {
        log.split(separator: "\n").compactMap { try? JSONDecoder().decode(Line.self, from: Data($0.utf8)) }
    }

    /// The first log line that satisfies `match`, waiting up to `timeout`.
    @discardableResult
    func waitFor(timeout: Double = 20, _ match: (Line) -> Bool) -> Line? {
        let deadline = Date().addingTimeInterval(timeout)
        repeat {
            if let l = lines.first(where: match) { return l }
            usleep(20_000)
        } while Date() < deadline
        return nil
    }

    func process(_ pid: Int32) -> [Line] { lines.filter { $0.event == "process" && $0.pid == pid } }

    /// Sends SIGTERM and waits for the exit; returns its wait status, or nil
    /// if it did not end within `timeout` (it is then killed).
    func terminate(timeout: Double = 20) -> Int32? {
        kill(pid, SIGTERM)
        let deadline = Date().addingTimeInterval(timeout)
        var status: Int32 = 0
        while Date() < deadline {
            if waitpid(pid, &status, WNOHANG) == pid { reaped = true; return status }
            usleep(20_000)
        }
        stop()
        return nil
    }

    func stop() {
        guard !reaped else { return }
        kill(pid, SIGKILL)
        var status: Int32 = 0
        let deadline = Date().addingTimeInterval(5)
        while waitpid(pid, &status, WNOHANG) == 0, Date() < deadline { usleep(2000) }
        reaped = true
    }
}

/// A corpus program whose dynamic loader is held in its start-up: it runs
/// with LD_DEBUG=all and its standard error is a small pipe that nobody
/// reads until `release()`, so ld.so blocks writing its trace while it maps
/// and relocates. Standard output goes to a file.
final class HeldStartProcess {
    let pid: Int32
    let outputPath: String
    private var readEnd: Int32
    private var drain: Thread?
    private var reaped = false

    init(_ path: String, args: [String] = ["60"]) throws {
        outputPath = Paths.tempDir("held") + "/stdout"
        var fds: [Int32] = [0, 0]
        guard pipe(&fds) == 0 else { throw TestFailure("pipe failed") }
        _ = fcntl(fds[1], 1031 /* F_SETPIPE_SZ */, 4096)
        readEnd = fds[0]
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, outputPath, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        posix_spawn_file_actions_adddup2(&actions, fds[1], 2)
        posix_spawn_file_actions_addclose(&actions, fds[0])
        let env = ProcessInfo.processInfo.environment.merging(["LD_DEBUG": "all"]) { $1 }
            .map { "\($0.key)=\($0.value)" }
        let argv = ([path] + args).map { strdup($0) } + [nil]
        let envp = env.map { strdup($0) } + [nil]
        defer { (argv + envp).forEach { free($0) } }
        var child: pid_t = 0
        let rc = posix_spawn(&child, path, &actions, nil, argv, envp)
        close(fds[1])
        guard rc == 0 else { close(fds[0]); throw TestFailure("could not start \(path)") }
        pid = child
    }

    deinit { stop() }

    var output: String { (try? String(contentsOfFile: outputPath, encoding: .utf8)) ?? "" }

    /// Lets the loader go on: reads (and drops) its trace from now on.
    func release() {
        let fd = readEnd
        let t = Thread {
            var b = [UInt8](repeating: 0, count: 65536)
            while read(fd, &b, b.count) > 0 {}
            close(fd)
        }
        t.start()
        drain = t
    }

    /// Waits for a printed line containing `text`.
    func waitFor(_ text: String, timeout: Double = 20) -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        repeat {
            if output.contains(text) { return true }
            usleep(20_000)
        } while Date() < deadline
        return false
    }

    func stop() {
        guard !reaped else { return }
        kill(pid, SIGKILL)
        var status: Int32 = 0
        let deadline = Date().addingTimeInterval(5)
        while waitpid(pid, &status, WNOHANG) == 0, Date() < deadline { usleep(2000) }
        if drain == nil { close(readEnd) }
        reaped = true
    }
}
