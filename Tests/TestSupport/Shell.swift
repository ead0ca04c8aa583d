import Foundation

/// Runs a command to completion and captures its output.
public struct Shell {
    public struct Result {
        public let status: Int32
        public let stdout: String
        public let stderr: String
    }

    public static func run(_ path: String, _ args: [String], cwd: String? = nil) throws -> Result {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: path)
        p.arguments = args
        if let cwd { p.currentDirectoryURL = URL(fileURLWithPath: cwd) }
        let out = Pipe(), err = Pipe()
        p.standardOutput = out
        p.standardError = err
        p.standardInput = FileHandle.nullDevice
        try p.run()
        // Read before waiting so a full pipe cannot deadlock the child.
        let o = out.fileHandleForReading.readDataToEndOfFile()
        let e = err.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return Result(status: p.terminationStatus, stdout: String(decoding: o, as: UTF8.self), stderr: String(decoding: e, as: UTF8.self))
    }

    public static func xsplice(_ args: String...) throws -> Result { try run(Paths.xsplice, args) }
    public static func xsplice(_ args: [String]) throws -> Result { try run(Paths.xsplice, args) }
}
