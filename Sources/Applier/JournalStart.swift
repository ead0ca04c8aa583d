import Target

/// The registry as it stands before the one-thread stop that maps new code,
/// and the journal entry for the first candidate address already encoded:
/// inside that stop only the system calls, a check that the registry's
/// headers still read the same, and two plain writes remain. Reading, decoding, encoding and hashing the registry there
/// held the borrowed thread for as long as the system calls themselves.
struct JournalStart {
    typealias Loaded = (registry: Registry, active: UInt32, generation: UInt64)

    /// Where the registry is, or nil when the stop must create it.
    let base: UInt64?
    /// The registry's header and its active slot's header (generation,
    /// length, SHA-256), read before `loaded`: inside the stop, the same
    /// bytes prove `loaded` is still what the registry holds.
    let stamp: [UInt8]?
    /// What the registry holds now; for one still to be created, what the
    /// creation leaves (empty, slot 0, generation 0).
    let loaded: Loaded
    let journal: Journal
    /// The first journal write: its regions and the slot that records them.
    let first: (regions: [Journal.Region], slot: RegistryStore.PreparedSlot)?

    init(store: RegistryStore, operation: String, firstRegion: Journal.Region?) throws {
        let base = try store.location()
        stamp = try base.map { try Self.stamp(store, at: $0) }
        let now: Loaded = try base.map { try store.load(at: $0) } ?? (Registry(), 0, 0)
        if let j = now.registry.journal { throw ApplierError.pendingOperation(j.operation) }
        try Self.checkRoomToCount(now.generation)
        let fresh = Journal.fresh(operation, loaded: [])
        self.base = base
        loaded = now
        journal = fresh
        first = try firstRegion.map { r in
            var reg = now.registry
            var j = fresh
            j.freeIfAbandoned = [r]
            reg.journal = j
            return ([r], try store.prepare(reg, generation: now.generation + 1, slot: now.active == 1 ? 0 : 1))
        }
    }

    /// The generation is read from the target: a tampered one must be
    /// refused, not wrapped (an operation adds up to two: journal, commit).
    static func checkRoomToCount(_ generation: UInt64) throws {
        guard generation <= UInt64.max - 2 else { throw ApplierError.registryCorrupt("generation \(generation)") }
    }

    static func stamp(_ store: RegistryStore, at base: UInt64) throws -> [UInt8] {
        let header = try store.target.read(base, count: 12)
        let active = UInt64(header[8]) | UInt64(header[9]) << 8 | UInt64(header[10]) << 16 | UInt64(header[11]) << 24
        guard active <= 1 else { return header }
        let slot = base + RegistryStore.headerSize + active * RegistryStore.slotSize
        return header + (try store.target.read(slot, count: RegistryStore.slotHeader))
    }

    /// Inside the stop: the registry as the operation must build on, and
    /// whether it is the one read before (so the encoded first write holds).
    /// A registry created or changed meanwhile is found and read again, as
    /// it would have been with nothing read ahead.
    func current(_ store: RegistryStore, sc: any SyscallPort) throws -> (base: UInt64, loaded: Loaded, ahead: Bool) {
        if let base, let stamp, try Self.stamp(store, at: base) == stamp { return (base, loaded, true) }
        if base == nil, try store.location() == nil {
            // What the creation leaves: empty, slot 0, generation 0, as `loaded` says.
            return (try store.create(using: sc, nameBuffer: try sc.scratch(count: 32)), loaded, true)
        }
        let b = try store.location() ?? store.create(using: sc, nameBuffer: try sc.scratch(count: 32))
        let now = try store.load(at: b)
        if let j = now.registry.journal { throw ApplierError.pendingOperation(j.operation) }
        try Self.checkRoomToCount(now.generation)
        return (b, now, false)
    }

    /// Writes the journal as `journal` with `regions` (or clears it), on top
    /// of `loaded`, which must still be what the registry holds: the header
    /// is checked, then the slot written and made active. Returns the new state.
    static func record(_ regions: [Journal.Region], pending: Bool, journal: inout Journal, on loaded: Loaded,
                       prepared: RegistryStore.PreparedSlot?, store: RegistryStore, base: UInt64) throws -> Loaded {
        var reg = loaded.registry
        journal.freeIfAbandoned = regions
        reg.journal = pending ? journal : nil
        let now = try store.header(at: base)
        guard now.generation == loaded.generation, now.active == loaded.active else {
            throw ApplierError.stalePlan(
                "the registry went from generation \(loaded.generation) to \(now.generation) meanwhile")
        }
        try checkRoomToCount(now.generation)
        let slot: UInt32 = now.active == 1 ? 0 : 1
        try store.install(try prepared ?? store.prepare(reg, generation: now.generation + 1, slot: slot), at: base)
        return (reg, slot, now.generation + 1)
    }
}
