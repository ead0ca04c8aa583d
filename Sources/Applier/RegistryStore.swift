import Foundation
import Hash
import Target

/// Where the registry lives in the target: a private memfd mapping named
/// xsplice-registry (anonymous VMA names are not enabled on this kernel, a
/// memfd's name shows in /proc/PID/maps). Two slots, written alternately;
/// the header's active index flips last, so an interrupted write leaves the
/// previous registry intact.
public struct RegistryStore {
    public static let memfdName = "xsplice-registry"
    static let magic: [UInt8] = Array("XSPREG01".utf8)
    static let headerSize: UInt64 = 4096
    static let slotSize: UInt64 = 512 * 1024
    static var mappingSize: UInt64 { headerSize + 2 * slotSize }
    static let slotHeader = 8 + 4 + 4 + 32

    public let target: any ProcessControl

    public init(target: any ProcessControl) { self.target = target }

    /// The mapping's address, if this process has a registry.
    public func location() throws -> UInt64? {
        try target.maps().first { $0.path.hasPrefix("/memfd:\(Self.memfdName)") && $0.size >= Self.mappingSize }?.start
    }

    public func load() throws -> Registry {
        guard let base = try location() else { return Registry() }
        return try load(at: base).registry
    }

    func load(at base: UInt64) throws -> (registry: Registry, active: UInt32, generation: UInt64) {
        let active = try activeSlot(at: base)
        let slot = base + Self.headerSize + UInt64(active) * Self.slotSize
        let sh = try target.read(slot, count: Self.slotHeader)
        let gen = Self.littleEndian(sh[0..<8])
        let len = Self.littleEndian(sh[8..<12])
        guard len <= Self.slotSize - UInt64(Self.slotHeader) else {
            throw ApplierError.registryCorrupt("length \(len)")
        }
        if gen == 0 && len == 0 { return (Registry(), active, 0) }
        let body = try target.read(slot + UInt64(Self.slotHeader), count: Int(len))
        guard let want = Digest(exactly: Array(sh[16..<48])), try SHA256.hash(body) == want else {
            throw ApplierError.registryCorrupt("checksum mismatch")
        }
        let registry: Registry
        do {
            registry = try JSONDecoder().decode(Registry.self, from: Data(body))
        } catch {
            throw ApplierError.registryCorrupt("unreadable contents")
        }
        try registry.validate()
        return (registry, active, gen)
    }

    /// Creates the mapping through remote system calls (one thread stopped
    /// briefly), borrowing `scratch` writable memory for the memfd name.
    public func create(using sc: any SyscallPort, nameBuffer: UInt64) throws -> UInt64 {
        try target.write(nameBuffer, bytes: Array(Self.memfdName.utf8) + [0])
        // A kill from here until the close leaves the descriptor open in the
        // target; `LeftoverDescriptors` finds and closes it on the next recovery.
        let fd = try sc.memfdCreate(nameAt: nameBuffer, flags: 1 /* MFD_CLOEXEC */)
        FaultInjection.point("registry-fd", target: target.pid)
        do {
            try sc.ftruncate(fd: fd, length: Self.mappingSize)
            // Private and read-only: a forked child gets a copy-on-write
            // snapshot of its own (the registry describes one process), and
            // the program cannot scribble on it by accident; xsplice writes
            // through /proc/PID/mem, which may write a read-only mapping.
            let base = try sc.mmap(
                address: 0, length: Self.mappingSize, prot: PROT_READ, flags: MAP_PRIVATE, fd: fd, offset: 0)
            try sc.close(fd: fd)
            var header = Self.magic
            header += [0, 0, 0, 0]
            try target.write(base, bytes: header)
            return base
        } catch {
            try? sc.close(fd: fd)
            throw error
        }
    }

    /// The active slot and its generation, without decoding the contents.
    func header(at base: UInt64) throws -> (active: UInt32, generation: UInt64) {
        let active = try activeSlot(at: base)
        let g = try target.read(base + Self.headerSize + UInt64(active) * Self.slotSize, count: 8)
        return (active, Self.littleEndian(g[...]))
    }

    /// The generation of the active slot: what a conditional save expects.
    public func generation(at base: UInt64) throws -> UInt64 { try header(at: base).generation }

    /// Which slot the header names, after checking the magic. A header
    /// still all zero is a registry whose creator died between mapping it
    /// and writing the magic (the mapping starts zeroed and only xsplice
    /// writes it): it holds nothing yet, and its first save writes the magic.
    private func activeSlot(at base: UInt64) throws -> UInt32 {
        let header = try target.read(base, count: 12)
        if header.allSatisfy({ $0 == 0 }) { return 0 }
        guard Array(header[0..<8]) == Self.magic else { throw ApplierError.registryCorrupt("bad magic") }
        let active = UInt32(Self.littleEndian(header[8..<12]))
        guard active <= 1 else { throw ApplierError.registryCorrupt("active slot \(active)") }
        return active
    }

    static func littleEndian(_ bytes: ArraySlice<UInt8>) -> UInt64 {
        bytes.enumerated().reduce(UInt64(0)) { $0 | UInt64($1.element) << (8 * UInt64($1.offset)) }
    }

    /// A slot's bytes, encoded ahead of the stop window so that inside it
    /// saving the registry is two plain writes.
    struct PreparedSlot {
        let slot: UInt32
        let bytes: [UInt8]
    }

    func prepare(_ registry: Registry, generation: UInt64, slot: UInt32) throws -> PreparedSlot {
        let enc = JSONEncoder()
        enc.outputFormatting = [.sortedKeys]
        let body = [UInt8](try enc.encode(registry))
        guard UInt64(body.count) <= Self.slotSize - UInt64(Self.slotHeader) else {
            throw ApplierError.badRequest(
                "the registry would exceed \(Self.slotSize) bytes; revert some payloads first")
        }
        var sh: [UInt8] = []
        for i in 0..<8 { sh.append(UInt8(truncatingIfNeeded: generation >> (8 * UInt64(i)))) }
        for i in 0..<4 { sh.append(UInt8(truncatingIfNeeded: UInt64(body.count) >> (8 * UInt64(i)))) }
        sh += [0, 0, 0, 0]
        sh += try SHA256.hash(body).bytes
        return PreparedSlot(slot: slot, bytes: sh + body)
    }

    /// Writes the slot, then makes it the active one.
    func install(_ p: PreparedSlot, at base: UInt64) throws {
        try target.write(base + Self.headerSize + UInt64(p.slot) * Self.slotSize, bytes: p.bytes)
        try target.write(base, bytes: Self.magic + [UInt8(p.slot), 0, 0, 0])
    }

    /// Writes `registry` into the inactive slot, then makes it active, only
    /// if the registry is still at `generation` (the one the caller read):
    /// a registry that changed meanwhile is never overwritten with a stale one.
    public func save(_ registry: Registry, at base: UInt64, readAt generation: UInt64) throws {
        let current = try header(at: base)
        guard current.generation == generation else {
            throw ApplierError.stalePlan(
                "the registry went from generation \(generation) to \(current.generation) meanwhile")
        }
        // Read from the target: a tampered generation must not wrap.
        guard current.generation < .max else { throw ApplierError.registryCorrupt("generation \(current.generation)") }
        try install(
            try prepare(registry, generation: current.generation + 1, slot: current.active == 1 ? 0 : 1), at: base)
    }
}
