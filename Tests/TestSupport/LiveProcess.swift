import Foundation
import Glibc

/// A corpus program running for a live test, started with posix_spawn
/// (Foundation's Process would watch the child and could race xsplice's
/// ptrace waits). Its output goes to a file that the test polls; `stop()`
/// kills and reaps it.
public final class LiveProcess {
    public let pid: Int32
    public let outputPath: String
    private var reaped = false

    public init(_ path: String, args: [String] = ["60"]) throws {
        outputPath = Paths.tempDir("out") + "/stdout"
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, outputPath, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        let argv = ([path] + args).map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        // Start with no blocked signals and default handlers: the test
        // runner's threads block some, and a child would inherit that.
        var attr = posix_spawnattr_t()
        posix_spawnattr_init(&attr)
        defer { posix_spawnattr_destroy(&attr) }
        var empty = sigset_t()
        sigemptyset(&empty)
        posix_spawnattr_setsigmask(&attr, &empty)
        var all = sigset_t()
        sigfillset(&all)
        posix_spawnattr_setsigdefault(&attr, &all)
        posix_spawnattr_setflags(&attr, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
        var child: pid_t = 0
        let rc = posix_spawn(&child, path, &actions, &attr, argv, environ)
        guard rc == 0 else { throw TestFailure("could not start \(path): \(String(cString: strerror(rc)))") }
        pid = child
    }

    deinit { stop() }

    public func stop() {
        guard !reaped else { return }
        kill(pid, SIGKILL)
        // __WALL: a thread may still be ptrace-attached to this process (an
        // in-process session); a plain blocking wait could then hang.
        // Bounded, so a stuck child cannot hang the suite.
        var status: Int32 = 0
        let deadline = Date().addingTimeInterval(5)
        while waitpid(pid, &status, WNOHANG | Int32(bitPattern: 0x4000_0000)) == 0, Date() < deadline { usleep(2000) }
        reaped = true
    }

    public var isAlive: Bool {
        guard kill(pid, 0) == 0 else { return false }
        // A zombie is dead for our purposes.
        let stat = (try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8)) ?? ""
        return !(stat.split(separator: ")").last?.trimmingCharacters(in: .whitespaces).hasPrefix("Z") ?? true)
    }

    public var output: String { (try? String(contentsOfFile: outputPath, encoding: .utf8)) ?? "" }

    /// The complete lines printed so far: a last line without its newline
    /// may still be being written.
    func completeLines() -> [Substring] {
        let text = output
        var lines = text.split(separator: "\n", omittingEmptySubsequences: true)
        if !text.hasSuffix("\n"), !lines.isEmpty { lines.removeLast() }
        return lines
    }

    /// A `tick N name=token ...` line as its number and tokens.
    static func parseTick(_ line: Substring) -> (Int, [String: String])? {
        let f = line.split(separator: " ")
        guard f.count >= 2, f[0] == "tick", let n = Int(f[1]) else { return nil }
        var d: [String: String] = [:]
        for kv in f.dropFirst(2) {
            let p = kv.split(separator: "=", maxSplits: 1)
            if p.count == 2 { d[String(p[0])] = String(p[1]) }
        }
        return (n, d)
    }

    /// The most recent complete tick line, parsed as function=token pairs.
    public func lastTick() -> (Int, [String: String])? {
        for line in completeLines().reversed().prefix(3) {
            if let t = Self.parseTick(line) { return t }
        }
        return nil
    }

    /// The first `count` complete tick lines numbered above `after`, waiting
    /// up to `timeout` for them; fewer if they do not come in time.
    public func ticks(after: Int, count: Int, timeout: Double) -> [(Int, [String: String])] {
        let deadline = Date().addingTimeInterval(timeout)
        var out: [(Int, [String: String])] = []
        while Date() < deadline {
            out = completeLines().compactMap { Self.parseTick($0) }.filter { $0.0 > after }
            if out.count >= count { return Array(out.prefix(count)) }
            usleep(20_000)
        }
        return out
    }

    /// Waits for a tick printed after the current one whose tokens include
    /// `expected`; returns the last tokens seen.
    @discardableResult
    public func waitForTokens(_ expected: [String: String], timeout: Double = 5) -> [String: String] {
        let start = lastTick()?.0 ?? -1
        let deadline = Date().addingTimeInterval(timeout)
        var seen: [String: String] = [:]
        while Date() < deadline {
            if let (n, all) = lastTick(), n > start {
                // Only the keys asked for: some programs print counters too.
                let d = expected.isEmpty ? all : all.filter { expected[$0.key] != nil }
                seen = d
                if expected.allSatisfy({ d[$0.key] == $0.value }) { return d }
            }
            usleep(10_000)
        }
        return seen
    }

    /// Waits until the program has printed its first tick.
    public func waitUntilRunning(timeout: Double = 5) throws {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if lastTick() != nil { return }
            usleep(10_000)
        }
        throw TestFailure("process \(pid) printed no tick within \(timeout) s; output: \(output.suffix(300))")
    }
}
