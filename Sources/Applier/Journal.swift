import Foundation
import Target

/// An operation in flight, kept in the registry so that a crash of xsplice
/// at any point can be finished by the next command (`recover`).
///
/// Before its stop window an operation records only the code it loaded
/// (`committed == false`): abandoning it means freeing that code, since no
/// function was touched yet. Inside the window, once everything has been
/// verified, it records every write it is about to make and the registry
/// that results (`committed == true`): finishing it means making the writes
/// that are missing and saving that registry. Each write is one jump or one
/// restored entry, so every function is always wholly old or wholly new.
public struct Journal: Codable, Sendable, Equatable {
    public struct Write: Codable, Sendable, Equatable {
        public var address: UInt64
        public var old: [UInt8]
        public var new: [UInt8]
        public var function: String
    }

    public struct Region: Codable, Sendable, Equatable {
        public var address: UInt64
        public var size: UInt64
        /// Its unwind frames, registered with the target's unwinder: taken
        /// back before the region is freed.
        public var unwindFrames: UInt64? = nil

        /// What no thread and no memory may refer to before the region is
        /// freed: all of it but its unwind frames and the unwinder's page at
        /// its end, to which only the unwinder refers, and which are
        /// deregistered before the region is freed.
        func busy(_ name: String) -> BusyRange {
            let end = address &+ size
            let cut = unwindFrames.map { $0 > address && $0 < end ? $0 : end } ?? end
            return BusyRange(range: address..<cut, name: name)
        }
    }

    public var operation: String
    /// A random tag, so an operation notices if someone else took over.
    public var nonce: String
    /// The xsplice process that wrote it.
    public var ownerPID: Int32
    public var committed: Bool
    public var writes: [Write] = []
    /// The records once the operation is complete.
    public var after: [Registry.Record] = []
    /// Code to free once the operation is complete (a reverted payload's).
    public var freeWhenDone: [Region] = []
    /// Code to free if the operation is abandoned before its window.
    public var freeIfAbandoned: [Region] = []

    static func fresh(_ operation: String, loaded: [Region]) -> Journal {
        Journal(
            operation: operation, nonce: UUID().uuidString, ownerPID: getpid(), committed: false,
            freeIfAbandoned: loaded)
    }

    /// Whether the process that wrote it is still running: an xsplice that
    /// is between loading its code and its stop window must be left alone.
    /// This process counts as running: a session here never leaves its own
    /// journal behind while it lives.
    var ownerAlive: Bool {
        if ownerPID == getpid() { return true }
        guard kill(ownerPID, 0) == 0 else { return false }
        let comm = (try? ProcFile.text("/proc/\(ownerPID)/comm")) ?? ""
        return comm.hasPrefix("xsplice")
    }
}
