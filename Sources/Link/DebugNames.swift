import ELF
import Foundation

/// Function names from a module's separate debug file (found by build-id),
/// read once per file: a stripped libc names its IFUNC implementations
/// (`__strlen_avx2`) only there. Used for display, never for binding.
final class DebugNames: @unchecked Sendable {
    static let shared = DebugNames()
    private let lock = NSLock()
    private var byFile: [String: [UInt64: String]] = [:]

    func function(at address: UInt64, file: String, buildID: [UInt8]) -> String? {
        lock.lock()
        defer { lock.unlock() }
        if let names = byFile[file] { return names[address] }
        var names: [UInt64: String] = [:]
        if let debug = try? ELFFile(path: file), debug.buildID == buildID {
            for s in debug.symbols where s.type == Symbol.typeFunc && !s.name.isEmpty && names[s.value] == nil {
                names[s.value] = s.name
            }
        }
        byFile[file] = names
        return names[address]
    }
}
