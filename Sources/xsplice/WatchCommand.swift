import ArgumentParser
import Fleet
import Foundation

struct WatchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "watch",
        abstract: "Apply stored payloads to every matching process, running ones at start and new ones as they start.",
        discussion: "Logs one line per event to standard error (JSON Lines with --json). Re-reads the store when it "
            + "changes (inotify) and on SIGHUP; stops on SIGTERM or SIGINT after the transactions in progress.")
    @OptionGroup var storeOption: StoreOption
    @OptionGroup var trust: TrustOptions
    @Option(name: .long, help: "Worker processes at a time.") var workers: Int = 2
    @Option(name: .long, help: "Seconds each apply may wait for its functions to be free.") var timeout: Double = 5
    @Option(name: .customLong("startup-limit"),
            help: "Seconds a new process may take to finish its dynamic loader's start-up before it is given up.")
    var startupLimit: Double = 10
    @Option(name: .long, help: ArgumentHelp(
        "Scan /proc every SECONDS instead of using the process-events connector.", valueName: "SECONDS"))
    var poll: Double?
    @Option(name: .long, help: ArgumentHelp(
        "Only processes running this executable (repeatable); default: every process.", valueName: "PATH"))
    var exe: [String] = []
    @Flag(name: .long, help: "Also log processes that do not map a payload's module.") var verbose = false
    @Flag(name: .long, help: "Log JSON Lines.") var json = false

    func validate() throws {
        guard workers >= 1, workers <= 64 else { throw ValidationError("--workers must be between 1 and 64") }
        guard timeout > 0, timeout <= 600 else { throw ValidationError("--timeout must be in (0, 600] seconds") }
        guard startupLimit > 0, startupLimit <= 600 else {
            throw ValidationError("--startup-limit must be in (0, 600] seconds")
        }
        for path in exe where !FileManager.default.isExecutableFile(atPath: path) {
            throw ValidationError("--exe \(path): no such executable file")
        }
        if let poll, !(poll >= 0.05 && poll <= 3600) {
            throw ValidationError("--poll must be between 0.05 and 3600 seconds")
        }
    }

    func run() throws {
        let binary = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe"))
            ?? CommandLine.arguments[0]
        var config = WatchConfig(store: storeOption.resolved, trusted: try trust.trustedKeys(), binary: binary,
                                 workers: workers, timeout: timeout, startupLimit: startupLimit, poll: poll,
                                 verbose: verbose)
        config.executables = Set(exe.map { URL(fileURLWithPath: $0).resolvingSymlinksInPath().path })
        let json = self.json
        let watcher = Watcher(config: config) { e in Console.serviceLog(e, text: e.text, json: json) }
        do { try watcher.run() } catch { throw Exit(code: Exit.badInput, message: error.description) }
    }
}
