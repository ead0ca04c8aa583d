import Foundation

/// Executable mappings of a process backed by no file: where payload code
/// (and --wait-return's stubs) live. A count that grows after an operation
/// means something was left behind.
func anonymousCodeMappings(_ pid: Int32) throws -> Int {
    let maps = try String(contentsOfFile: "/proc/\(pid)/maps", encoding: .utf8)
    return maps.split(separator: "\n").filter { line in
        let f = line.split(separator: " ", omittingEmptySubsequences: true)
        return f.count == 5 && f[1].contains("x")
    }.count
}
