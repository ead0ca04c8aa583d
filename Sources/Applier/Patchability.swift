import OldCodeCheck
import Payload

/// Whether a jump can replace a function's first bytes: the function must be
/// long enough, and no branch inside it may land in the bytes the jump
/// overwrites (other than on its first byte).
enum Patchability {
    static func check(_ f: FunctionPatch, entry: UInt64, disassembler: Disassembler) throws {
        let site = PatchSite(oldBytes: f.oldBytes, entry: entry)
        guard f.oldSize >= Trampoline.minimumSize(of: f.oldBytes) else {
            throw ApplierError.notPatchable(function: f.displayName,
                reason: "it is \(f.oldSize) bytes; the jump needs \(Trampoline.minimumSize(of: f.oldBytes))")
        }
        // The entry comes from a payload's address plus the module's bias: a
        // function at the very top of the address space is no function.
        let (hi, overflow) = site.patchAddress.addingReportingOverflow(UInt64(Trampoline.jumpSize))
        guard !overflow else {
            throw ApplierError.notPatchable(function: f.displayName,
                                            reason: "its address 0x\(String(entry, radix: 16)) is out of range")
        }
        let lo = site.patchAddress + 1
        for insn in disassembler.decode(f.oldBytes, at: entry) {
            if let t = insn.branchTarget, t >= lo, t < hi {
                throw ApplierError.notPatchable(function: f.displayName,
                    reason: "the branch at +0x\(String(insn.address &- entry, radix: 16)) (\(insn.text)) "
                        + "lands inside the bytes the jump would overwrite")
            }
        }
    }
}
