import Applier
import Foundation
import Target

/// One process that carries an xsplice registry, and what it records.
public struct ProcessStatus: Codable, Sendable {
    public var pid: Int32
    public var exe: String
    public var payloads: [ListEntry]
    /// An interrupted operation waiting for `recover`, if any.
    public var pending: String?
    /// Set when the registry could not be read (the process is still listed).
    public var error: String?
}

/// `xsplice status`: every process on the host with an xsplice registry,
/// found from the processes alone (the registry's memfd mapping shows in
/// /proc/PID/maps), each read without stopping it.
public enum HostStatus {
    public static func scan(excluding own: Int32 = getpid()) -> [ProcessStatus] {
        Selection.allPIDs().filter { $0 != own && carriesRegistry($0) }.compactMap { pid in
            let exe = Selection.executable(of: pid) ?? "?"
            do {
                let s = try LiveSession(pid: pid)
                return ProcessStatus(pid: pid, exe: exe, payloads: try s.list(), pending: try s.pendingOperation())
            } catch TargetError.noSuchProcess {
                return nil
            } catch {
                return ProcessStatus(pid: pid, exe: exe, payloads: [], pending: nil, error: "\(error)")
            }
        }
    }

    static func carriesRegistry(_ pid: Int32) -> Bool {
        // To its end: the registry's line may lie far past the first 4 KiB.
        guard let maps = try? ProcFile.text("/proc/\(pid)/maps") else { return false }
        return maps.contains("/memfd:\(RegistryStore.memfdName)")
    }

    public static func text(_ all: [ProcessStatus]) -> String {
        if all.isEmpty { return "no process carries an xsplice registry" }
        var s = ""
        for p in all {
            s += "\(p.pid) \(p.exe)"
            if let e = p.error { s += "  (registry unreadable: \(e))" }
            if let pending = p.pending { s += "  interrupted operation pending: \(pending)" }
            if p.payloads.isEmpty, p.error == nil { s += "  no payloads applied" }
            s += "\n"
            for e in p.payloads {
                let states = Set(e.functions.map(\.live)).sorted().joined(separator: ", ")
                s += "  \(e.name)  \(e.id.prefix(12))  applied \(e.applied_at)"
                    + "  \(e.functions.count) functions \(states)\n"
            }
        }
        return s
    }
}
