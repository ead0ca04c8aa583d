import Glibc
import Hash
import Link
import Payload
import Target

/// A payload's code, relocated and written into the target, not yet reachable.
struct LoadedCode {
    let region: UInt64
    let size: UInt64
    let registryBase: UInt64
    /// Per payload function: where its replacement starts, its size and hash.
    let replacements: [(address: UInt64, size: UInt64, hash: Digest)]
    /// The pending operation, recorded before the region was mapped.
    let journal: Journal
    /// The loaded unwind section and the writable room the unwinder needs to
    /// register it, when the payload has one.
    let unwind: (frames: UInt64, object: UInt64)?
}

/// Maps, fills and unmaps code regions. Only one thread is stopped while the
/// region is mapped; the code is written while the process runs, since
/// nothing can reach it before the entry jumps exist.
enum CodeLoader {
    static func load(_ payload: Payload, module: LoadedModule, target: any ProcessControl,
                     operation: String, registering: Bool = false) throws -> LoadedCode {
        let layout = CodeLayout(payload)
        let size = layout.pageRoundedSize
        // Every reference is bound before anything is mapped: a payload that cannot bind changes nothing.
        let applied = NewVariables.applied(in: try RegistryStore(target: target).load())
        let bindings = try Linker(payload: payload, module: module, memory: target, pid: target.pid,
                                  payloadVariables: applied, allModules: { try target.modules() }).bind()
        let relocator = Relocator(payload: payload, layout: layout, bindings: bindings)
        let candidates = RegionPlacer.candidates(maps: try target.maps(), module: module, size: size)
        let start = try JournalStart(store: RegistryStore(target: target), operation: operation,
                                     firstRegion: candidates.first.map { .init(address: $0, size: size) })
        let (region, registryBase, journal) = try target.withSyscalls { sc in
            let mapped = try map(size, at: candidates, module: module, target: target, sc: sc, start: start)
            if layout.dataSize > 0 {
                // The new variables' pages: read-write, never executable (W^X, MemoryDenyWriteExecute).
                let got = try? sc.mmap(address: mapped.0, length: UInt64(layout.dataSize), prot: PROT_READ | PROT_WRITE,
                                       flags: MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED)
                guard got == mapped.0 else {
                    try? sc.munmap(address: mapped.0, length: size)
                    throw ApplierError.writeFailed("the new variables' pages could not be mapped read-write at "
                                                   + hex(mapped.0))
                }
            }
            if registering, let o = layout.unwindObjectOffset {
                // Over the region's own last page, just mapped: nothing else can be there.
                let page = mapped.0 + UInt64(o)
                let got = try? sc.mmap(address: page, length: UInt64(CodeLayout.page), prot: PROT_READ | PROT_WRITE,
                                       flags: MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED)
                guard got == page else {
                    try? sc.munmap(address: mapped.0, length: size)
                    throw ApplierError.writeFailed("the unwinder's page could not be mapped writable at \(hex(page))")
                }
            }
            return mapped
        }
        FaultInjection.point("mapped", target: target.pid)
        do {
            let image = try relocator.image(at: region)
            try target.write(region, bytes: image)
            guard try target.read(region, count: image.count) == image else {
                throw ApplierError.writeFailed("the new code read back differently")
            }
            let reps = try payload.functions.map { f -> (address: UInt64, size: UInt64, hash: Digest) in
                let i = Int(f.replacementSection)
                let o = layout.sectionOffsets[i]
                let n = payload.sections[i].bytes.count
                return (region + UInt64(o), UInt64(n), try SHA256.hash(image[o..<(o + n)]))
            }
            let unwind = layout.unwindOffset.flatMap { f in
                layout.unwindObjectOffset.map { (frames: region + UInt64(f), object: region + UInt64($0)) }
            }
            return LoadedCode(region: region, size: size, registryBase: registryBase, replacements: reps,
                              journal: journal, unwind: unwind)
        } catch {
            unload(region: region, size: size, target: target)
            throw error
        }
    }

    /// Maps `size` bytes at the first free candidate. Each candidate is in
    /// the journal before it is mapped, so an xsplice killed in between
    /// leaves a region that `recover` finds and frees, never a leak.
    private static func map(_ size: UInt64, at candidates: [UInt64], module: LoadedModule, target: any ProcessControl,
                            sc: any SyscallPort, start: JournalStart) throws -> (UInt64, UInt64, Journal) {
        let store = RegistryStore(target: target)
        let now = try start.current(store, sc: sc)
        let base = now.base
        var loaded = now.loaded
        var journal = start.journal
        var ahead = now.ahead
        func record(_ regions: [Journal.Region], pending: Bool) throws {
            let encoded = ahead && pending && start.first?.regions == regions ? start.first?.slot : nil
            ahead = false
            loaded = try JournalStart.record(regions, pending: pending, journal: &journal, on: loaded,
                                             prepared: encoded, store: store, base: base)
        }
        var outOfMemory = 0
        for c in candidates.prefix(32) {
            try record([.init(address: c, size: size)], pending: true)
            FaultInjection.point("mapping", target: target.pid)
            let got: UInt64
            do {
                got = try sc.mmap(address: c, length: size, prot: PROT_READ | PROT_EXEC,
                                  flags: MAP_PRIVATE | MAP_ANONYMOUS | 0x100000 /* MAP_FIXED_NOREPLACE */)
            } catch TargetError.remoteSyscall(_, let r) where r == -Int64(EEXIST) || r == -Int64(ENOMEM) {
                // Taken meanwhile, or no room there: the next candidate.
                if r == -Int64(ENOMEM) { outOfMemory += 1 }
                continue
            } catch {
                try? record([], pending: false)
                throw error
            }
            if got == c { return (c, base, journal) }
            // A kernel without MAP_FIXED_NOREPLACE treats it as a hint.
            try? sc.munmap(address: got, length: size)
        }
        try record([], pending: false)
        if outOfMemory > 0 && outOfMemory == min(candidates.count, 32) {
            // Not a matter of reach: the target may map nothing more.
            throw TargetError.remoteSyscall(
                name: "mmap of \(size) bytes for the new code (out of memory, its RLIMIT_AS, "
                    + "or vm.max_map_count reached)", result: -Int64(ENOMEM))
        }
        throw ApplierError.outOfRange(
            what: "every free address for \(size) bytes of new code (module at 0x\(String(module.start, radix: 16)))")
    }

    /// Frees a region once nothing can run in it, after taking its unwind
    /// frames back from the unwinder if the unwinder's record in the region
    /// shows them registered (a journal names the frames before they are).
    /// A failure leaks the mapping but harms nothing, so it is not an error
    /// of the operation; frames that could not be taken back keep it mapped.
    @discardableResult
    static func unload(region: UInt64, size: UInt64, unwindFrames: UInt64? = nil, target: any ProcessControl) -> Bool {
        if let f = unwindFrames, size > UInt64(CodeLayout.page) {
            let object = region + size - UInt64(CodeLayout.page)
            guard let registered = try? UnwindRegistrar.recorded(f, in: object, target: target) else { return false }
            if registered && !UnwindRegistrar.deregister(f, object: object, target: target) { return false }
        }
        return (try? target.withSyscalls { sc in try sc.munmap(address: region, length: size) }) != nil
    }

    @discardableResult
    static func unload(_ r: Journal.Region, target: any ProcessControl) -> Bool {
        unload(region: r.address, size: r.size, unwindFrames: r.unwindFrames, target: target)
    }
}
