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
}

/// Maps, fills and unmaps code regions. Only one thread is stopped while the
/// region is mapped; the code is written while the process runs, since
/// nothing can reach it before the entry jumps exist.
enum CodeLoader {
    static func load(_ payload: Payload, module: LoadedModule, target: any ProcessControl) throws -> LoadedCode {
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
            return LoadedCode(region: region, size: size, registryBase: registryBase, replacements: reps)
        } catch {
            unload(region: region, size: size, target: target)
            throw error
        }
    }

    /// Frees a region once nothing can run in it. A failure leaks the
    /// mapping but harms nothing, so it is not an error of the operation.
    @discardableResult
    static func unload(region: UInt64, size: UInt64, target: any ProcessControl) -> Bool {
        (try? target.withSyscalls { sc in try sc.munmap(address: region, length: size) }) != nil
    }
}
