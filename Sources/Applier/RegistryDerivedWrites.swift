import ELF
import Hash
import OldCodeCheck
import Payload
import Target

/// The registry and its journal live in the target's memory, which the
/// target (or anyone who can write it) may have rewritten. So they are a
/// hint, never an authority: before xsplice writes bytes or frees a region
/// that came from them, it derives them again from what it can trust, the
/// module's own file (as the process mapped it) and live memory.
struct RegistryDerivedWrites {
    let target: any ProcessControl

    /// Bytes to put at a patch site must be one of two things: the module's
    /// own code from its file at that address (a restore), or a `jmp rel32`
    /// into a replacement recorded in `records` whose live code still hashes
    /// to what was recorded and lies in a region xsplice mapped. The site
    /// must be a function's entry (or just past its endbr64).
    func check(patchAddress: UInt64, bytes: [UInt8], records: [Registry.Record], label: String) throws {
        guard bytes.count == Trampoline.jumpSize else {
            throw refusal(label, patchAddress, "\(bytes.count) bytes, not a jump's 5")
        }
        guard let module = try target.modules().first(where: { patchAddress >= $0.start && patchAddress < $0.end })
        else {
            throw refusal(label, patchAddress, "the address is in no loaded module")
        }
        guard try isFunctionPatchSite(patchAddress, in: module) else {
            throw refusal(label, patchAddress, "the address is not the entry of any function of \(module.path)")
        }
        let link = patchAddress &- module.bias
        if let original = try? module.elf.bytes(atVirtualAddress: link, count: bytes.count), original == bytes {
            return
        }
        let site = PatchSite(oldBytes: [], entry: patchAddress)
        guard let dest = site.jumpTarget(in: bytes) else {
            throw refusal(label, patchAddress, "the bytes are neither the program's own code nor a jump")
        }
        let maps = try target.maps()
        for r in records {
            for f in r.functions where f.site.patchAddress == patchAddress && f.site.replacementAddress == dest {
                try checkRegion(r.regionAddress, r.regionSize, maps: maps, label: label, unwind: r.unwindFrames != nil)
                let end = f.site.replacementAddress.addingReportingOverflow(f.site.replacementSize)
                guard !end.overflow, f.site.replacementAddress >= r.regionAddress,
                      end.partialValue <= r.regionAddress &+ r.regionSize else { continue }
                let code = try target.read(f.site.replacementAddress, count: Int(f.site.replacementSize))
                if try SHA256.hash(code) == f.site.replacementHash { return }
            }
        }
        throw refusal(
            label, patchAddress,
            "the jump leads to 0x\(String(dest, radix: 16)), which is no recorded replacement "
                + "whose live code matches its hash")
    }

    /// A region xsplice may free: covered by mappings with no file behind
    /// them and never writable, and no record left in
    /// `records` still using it.
    func checkFreeable(_ address: UInt64, _ size: UInt64, records: [Registry.Record], label: String,
                       unwind: Bool = false) throws {
        try checkRegion(address, size, maps: try target.maps(), label: label, unwind: unwind)
        let end = address &+ size
        if let user = records.first(where: { $0.regionAddress < end && address < $0.regionAddress &+ $0.regionSize }) {
            throw refusal(label, address, "the region is still used by \(user.name)")
        }
    }

    /// With registered unwind frames, the region's last page is the
    /// unwinder's writable record of them (see CodeLayout) and may be writable.
    private func checkRegion(
        _ address: UInt64, _ size: UInt64, maps: [MapEntry], label: String, unwind: Bool = false
    ) throws {
        let (end, overflow) = address.addingReportingOverflow(size)
        guard !overflow, size > 0 else { throw refusal(label, address, "a region of \(size) bytes") }
        let writableFrom = unwind && size > UInt64(CodeLayout.page) ? end - UInt64(CodeLayout.page) : end
        // The kernel merges neighbouring regions with equal rights into one
        // mapping, so the region need only be covered, not match a line.
        // New variables (see CodeLayout.dataSize) are read-write, never
        // executable, pages at the region's start, before any code.
        var at = address
        var inDataPrefix = true
        for m in maps.sorted(by: { $0.start < $1.start }) where m.end > address && m.start < end {
            let writable = m.permissions.contains("w")
            let dataPage = inDataPrefix && writable && !m.permissions.contains("x")
            if !dataPage { inDataPrefix = false }
            guard m.start <= at, m.inode == 0, m.path.isEmpty, !writable || dataPage || m.start >= writableFrom else {
                throw refusal(label, address, "the region is not the code xsplice mapped (found \(m.permissions) "
                              + "\(m.path.isEmpty ? "anonymous" : m.path) at 0x\(String(m.start, radix: 16)))")
            }
            at = m.end
        }
        guard at >= end else { throw refusal(label, address, "the region is not mapped as recorded") }
    }

    private func isFunctionPatchSite(_ address: UInt64, in module: LoadedModule) throws -> Bool {
        let entries = (module.elf.symbols + module.elf.dynamicSymbols)
            .filter { $0.type == Symbol.typeFunc && $0.isDefined }
            .map { module.liveAddress($0.value) }
        if entries.contains(address) { return true }
        guard address >= UInt64(Endbr.size), entries.contains(address - UInt64(Endbr.size)) else { return false }
        return try Endbr.starts(target.read(address - UInt64(Endbr.size), count: Endbr.size))
    }

    private func refusal(_ label: String, _ address: UInt64, _ why: String) -> ApplierError {
        .registryWriteUnproven(function: label, address: address, reason: why)
    }
}
