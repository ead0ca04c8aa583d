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
    /// The loaded unwind section and the writable room the unwinder needs to
    /// register it, when the payload has one.
    let unwind: (frames: UInt64, object: UInt64)?
}

/// Maps, fills and unmaps code regions. Only one thread is stopped while the
/// region is mapped; the code is written while the process runs, since
/// nothing can reach it before the entry jumps exist.
enum CodeLoader {
    static func load(_ payload: Payload, module: LoadedModule, target: any ProcessControl,
                     registering: Bool = false) throws -> LoadedCode {
        let layout = CodeLayout(payload)
        let size = layout.pageRoundedSize
        // Every reference is bound before anything is mapped: a payload that cannot bind changes nothing.
        let bindings = try Linker(payload: payload, module: module, memory: target, allModules: { try target.modules() }).bind()
        let relocator = Relocator(payload: payload, layout: layout, bindings: bindings)
        let store = RegistryStore(target: target)
        let candidates = RegionPlacer.candidates(maps: try target.maps(), module: module, size: size)
        let (region, registryBase) = try target.withSyscalls { sc -> (UInt64, UInt64) in
            var region: UInt64?
            for c in candidates.prefix(32) {
                guard let got = try? sc.mmap(address: c, length: size, prot: PROT_READ | PROT_EXEC,
                                             flags: MAP_PRIVATE | MAP_ANONYMOUS | 0x100000 /* MAP_FIXED_NOREPLACE */) else { continue }
                if got == c { region = got; break }
                try? sc.munmap(address: got, length: size)
            }
            guard let region else {
                throw ApplierError.outOfRange(what: "every free address for \(size) bytes of new code (module at 0x\(String(module.start, radix: 16)))")
            }
            do {
                if registering, let o = layout.unwindObjectOffset {
                    // Over the region's own last page, just mapped: nothing else can be there.
                    let page = region + UInt64(o)
                    let got = try sc.mmap(address: page, length: UInt64(CodeLayout.page), prot: PROT_READ | PROT_WRITE,
                                          flags: MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED)
                    guard got == page else { throw ApplierError.writeFailed("the unwinder's page landed at \(hex(got)), not \(hex(page))") }
                }
                let reg = try store.location() ?? store.create(using: sc, nameBuffer: region)
                return (region, reg)
            } catch {
                try? sc.munmap(address: region, length: size)
                throw error
            }
        }
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
            return LoadedCode(region: region, size: size, registryBase: registryBase, replacements: reps, unwind: unwind)
        } catch {
            unload(region: region, size: size, target: target)
            throw error
        }
    }

    /// Frees a region once nothing can run in it, after taking its unwind
    /// frames back from the unwinder. A failure leaks the mapping but harms
    /// nothing, so it is not an error of the operation; frames that could
    /// not be taken back keep the region mapped.
    @discardableResult
    static func unload(region: UInt64, size: UInt64, unwindFrames: UInt64? = nil, target: any ProcessControl) -> Bool {
        if let f = unwindFrames, !UnwindRegistrar.deregister(f, target: target) { return false }
        return (try? target.withSyscalls { sc in try sc.munmap(address: region, length: size) }) != nil
    }

    static func unload(_ r: Journal.Region, target: any ProcessControl) -> Bool {
        unload(region: r.address, size: r.size, unwindFrames: r.unwindFrames, target: target)
    }
}
