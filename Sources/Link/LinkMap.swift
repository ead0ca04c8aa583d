import ELF
import Target

/// The dynamic linker's own list of loaded modules (`r_debug.r_map`), in its
/// order: the executable, the preloaded libraries, then the dependencies in
/// load order. The global lookup scope follows this order; the order of
/// /proc/PID/maps (addresses) or of DT_NEEDED is not the same thing.
public struct LinkMap: Sendable {
    public struct Entry: Sendable, Equatable {
        /// l_addr: the module's load bias.
        public let bias: UInt64
        public let name: String
        /// l_ld: the live address of its dynamic section, which identifies it.
        public let dynamic: UInt64
    }

    public let entries: [Entry]

    static let dtDebug: UInt64 = 21
    static let maxEntries = 4096

    /// Reads r_debug through the executable's DT_DEBUG, which the dynamic
    /// linker fills at start-up, or through ld.so's exported `_r_debug`.
    public static func read(_ memory: any Memory, main: LoadedModule, modules: [LoadedModule]) throws -> LinkMap {
        var rDebug = try debugFromDynamic(memory, main: main)
        if rDebug == 0 {
            for m in modules where m.path.contains("/ld-linux") || m.soname.hasPrefix("ld-linux") {
                if let s = m.exportedSymbol(named: "_r_debug") { rDebug = m.liveAddress(s.value) }
            }
        }
        guard rDebug != 0 else {
            throw LinkError.noLinkMap(
                reason: "DT_DEBUG is 0 and ld.so exports no _r_debug (a static program has no dynamic linker)")
        }
        var entries: [Entry] = []
        var node = try word(memory, rDebug + 8, "r_debug.r_map")
        var seen = Set<UInt64>()
        while node != 0 {
            guard seen.insert(node).inserted, entries.count < maxEntries else {
                throw LinkError.corruptLinkMap("the chain of link_map entries loops or is longer than \(maxEntries)")
            }
            let f = try memory.read(node, count: 40)
            let bias = le(f, 0), namePtr = le(f, 8), ld = le(f, 16)
            entries.append(Entry(bias: bias, name: try string(memory, namePtr), dynamic: ld))
            node = le(f, 24)
        }
        guard !entries.isEmpty else { throw LinkError.noLinkMap(reason: "r_debug.r_map is empty") }
        return LinkMap(entries: entries)
    }

    /// The modules in lookup order. An entry that is no file xsplice has
    /// parsed (other than the vDSO) is an error, not skipped: it could hold
    /// the definition that wins.
    public func scope(_ modules: [LoadedModule]) throws -> [LoadedModule] {
        var out: [LoadedModule] = []
        for (i, e) in entries.enumerated() {
            if let m = modules.first(where: { Self.dynamicAddress(of: $0) == e.dynamic }) {
                out.append(m)
            } else if e.name.hasPrefix("linux-vdso") || e.name.hasPrefix("linux-gate") || (i > 0 && e.name.isEmpty) {
                continue
            } else {
                throw LinkError.unreadableModule(name: e.name.isEmpty ? "the executable" : e.name,
                                                 before: "the modules after it")
            }
        }
        return out
    }

    /// Where a module's PT_DYNAMIC lies in the target (l_ld of its entry).
    static func dynamicAddress(of m: LoadedModule) -> UInt64? {
        m.elf.segments.first { $0.type == ProgramHeader.dynamic }.map { m.liveAddress($0.virtualAddress) }
    }

    private static func debugFromDynamic(_ memory: any Memory, main: LoadedModule) throws -> UInt64 {
        guard let seg = main.elf.segments.first(where: { $0.type == ProgramHeader.dynamic }),
              seg.memorySize >= 16, seg.memorySize <= 1 << 20 else { return 0 }
        let bytes = try memory.read(main.liveAddress(seg.virtualAddress), count: Int(seg.memorySize))
        var at = 0
        while at + 16 <= bytes.count {
            let tag = le(bytes, at)
            if tag == 0 { break }
            if tag == dtDebug { return le(bytes, at + 8) }
            at += 16
        }
        return 0
    }

    private static func word(_ memory: any Memory, _ address: UInt64, _ what: String) throws -> UInt64 {
        le(try memory.read(address, count: 8), 0)
    }

    private static func string(_ memory: any Memory, _ address: UInt64) throws -> String {
        guard address != 0 else { return "" }
        var out: [UInt8] = []
        var a = address
        while out.count < 4096 {
            // Reads stop at a page end so a short name next to unmapped memory still reads.
            let n = Int(4096 - (a & 4095))
            let chunk = try memory.read(a, count: min(n, 256))
            if let z = chunk.firstIndex(of: 0) { out += chunk[..<z]; return String(decoding: out, as: UTF8.self) }
            out += chunk
            a &+= UInt64(chunk.count)
        }
        throw LinkError.corruptLinkMap("a module name at 0x\(String(address, radix: 16)) has no end")
    }

    static func le(_ b: [UInt8], _ at: Int) -> UInt64 {
        var v: UInt64 = 0
        for i in 0..<8 where at + i < b.count { v |= UInt64(b[at + i]) << (8 * UInt64(i)) }
        return v
    }
}
