import Foundation

/// Runs a command to completion and captures its output.
public struct Shell {
    public struct Result {
        public let status: Int32
        /// True when `status` is the number of the signal that killed it.
        public let killedBySignal: Bool
        public let stdout: String
        public let stderr: String
    }

    public static func run(
        _ path: String, _ args: [String], cwd: String? = nil, environment: [String: String] = [:]
    ) throws -> Result {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: path)
        p.arguments = args
        if let cwd { p.currentDirectoryURL = URL(fileURLWithPath: cwd) }
        if !environment.isEmpty {
            p.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        }
        let out = Pipe(), err = Pipe()
        p.standardOutput = out
        p.standardError = err
        p.standardInput = FileHandle.nullDevice
        try p.run()
        // Read before waiting so a full pipe cannot deadlock the child.
        let o = out.fileHandleForReading.readDataToEndOfFile()
        let e = err.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return Result(
            status: p.terminationStatus, killedBySignal: p.terminationReason == .uncaughtSignal,
            stdout: String(decoding: o, as: UTF8.self), stderr: String(decoding: e, as: UTF8.self))
    }

    public static func xsplice(_ args: String...) throws -> Result { try run(Paths.xsplice, args) }
    public static func xsplice(_ args: [String], environment: [String: String] = [:]) throws -> Result {
        try run(Paths.xsplice, args, environment: environment)
    }
}
