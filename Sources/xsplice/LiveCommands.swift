import Applier
import ArgumentParser
import Payload
import Target

/// Options every live command shares.
struct LiveOptions: ParsableArguments {
    @Option(name: .long, help: "The process to patch.") var pid: Int32?
    @OptionGroup var batch: BatchOptions
    @Option(name: .long, help: "Seconds to keep retrying while the functions are busy.") var timeout: Double = 5
    @Flag(name: .long, help: "Print JSON.") var json = false
    func validate() throws {
        guard timeout >= 0, timeout <= 3600 else {
            throw ValidationError("--timeout must be between 0 and 3600 seconds")
        }
        guard (pid == nil) == batch.isBatch else {
            throw ValidationError("give exactly one of --pid PID, --all, --pids, --exe or --cgroup")
        }
    }

    func session() throws -> LiveSession {
        guard let pid else {
            throw Exit(
                code: Exit.badInput, message: "this command takes --pid PID (batches are for apply, revert and verify)")
        }
        do { return try LiveSession(pid: pid) } catch { throw Exit.fromLive(error) }
    }

    func report(_ r: OperationResult) throws {
        if json { try Console.json(r) } else { Console.out(r.text) }
    }
}

/// Options of the commands that change code a thread may be running.
struct WaitOptions: ParsableArguments {
    @Flag(name: .customLong("wait-return"),
          help: "Let threads busy in the code run until they return out of it, then check again (within --timeout).")
    var waitReturn = false
}

struct ApplyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "apply", abstract: "Apply a payload to a running process, all or nothing.")
    @OptionGroup var live: LiveOptions
    @OptionGroup var wait: WaitOptions
    @Argument(help: "The payload file.") var payload: String
    @Flag(name: .customLong("dry-run"), help: "Check everything, write nothing.") var dryRun = false
    @OptionGroup var trustOptions: TrustOptions

    func run() throws {
        let file = try PayloadFile.load(path: payload)
        try trustOptions.check([file])
        if live.batch.isBatch {
            try live.batch.run(
                .apply(payloadPath: payload, dryRun: dryRun), json: live.json, timeout: live.timeout,
                waitReturn: wait.waitReturn)
        }
        let s = try live.session()
        do {
            try live.report(try s.apply(file, timeoutSeconds: live.timeout, dryRun: dryRun,
                                        waitReturn: wait.waitReturn))
        } catch { throw Exit.fromLive(error) }
    }
}

struct RevertCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "revert", abstract: "Take an applied payload out (it must be on top).")
    @OptionGroup var live: LiveOptions
    @OptionGroup var wait: WaitOptions
    @Argument(help: "The payload's name or ID (a prefix of 8+ hex digits).") var payload: String
    @Flag(name: .customLong("dry-run"), help: "Check everything, write nothing.") var dryRun = false

    func run() throws {
        if live.batch.isBatch {
            try live.batch.run(
                .revert(key: payload, dryRun: dryRun), json: live.json, timeout: live.timeout,
                waitReturn: wait.waitReturn)
        }
        let s = try live.session()
        do {
            if dryRun {
                try live.report(try s.revertDryRun(payload, timeoutSeconds: live.timeout))
            } else {
                try live.report(try s.revert(payload, timeoutSeconds: live.timeout, waitReturn: wait.waitReturn))
            }
        } catch { throw Exit.fromLive(error) }
    }
}

struct ReplaceCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "replace", abstract: "Revert one payload and apply another in one stop.")
    @OptionGroup var live: LiveOptions
    @OptionGroup var wait: WaitOptions
    @Argument(help: "The applied payload's name or ID.") var old: String
    @Argument(help: "The new payload file.") var new: String
    @OptionGroup var trustOptions: TrustOptions

    func run() throws {
        let file = try PayloadFile.load(path: new)
        try trustOptions.check([file])
        let s = try live.session()
        do {
            try live.report(try s.replace(old, with: file, timeoutSeconds: live.timeout, waitReturn: wait.waitReturn))
        } catch { throw Exit.fromLive(error) }
    }
}

struct ListCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list", abstract: "Show the payloads applied to a process, from the process alone.")
    @Option(name: .long, help: "The process.") var pid: Int32
    @Flag(name: .long, help: "Print JSON.") var json = false

    func run() throws {
        let entries: [ListEntry]
        do {
            let s = try LiveSession(pid: pid)
            entries = try s.list()
            if let pending = try s.pendingOperation() {
                Console.err("xsplice: interrupted operation pending: \(pending)")
            }
        } catch { throw Exit.fromLive(error) }
        if json { try Console.json(entries); return }
        if entries.isEmpty { Console.out("no payloads applied to \(pid)"); return }
        var s = ""
        for e in entries {
            s += "\(e.name)  \(e.id)  applied \(e.applied_at)  code at \(e.region)\n"
            for f in e.functions { s += "  \(f.function)  \(f.address) -> \(f.replacement)  \(f.live)\n" }
        }
        Console.out(s)
    }
}
