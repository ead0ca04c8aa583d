import CCapstone

/// One decoded x86-64 instruction.
public struct Instruction: Sendable, Equatable, CustomStringConvertible {
    public var address: UInt64
    public var bytes: [UInt8]
    public var mnemonic: String
    public var operands: String
    /// The destination of a direct jump or call, if this is one.
    public var branchTarget: UInt64?

    public var text: String { operands.isEmpty ? mnemonic : "\(mnemonic) \(operands)" }
    public var description: String { "0x\(String(address, radix: 16)): \(text)" }
}

/// Capstone in x86-64 mode. A class because it owns the Capstone handle.
public final class Disassembler {
    private var handle: csh = 0
    private let cs: CapstoneLibrary

    /// Loads Capstone on first use (see `CapstoneLibrary`).
    public init() throws(DisassemblerError) {
        cs = try CapstoneLibrary.shared.get()
        guard cs.open(CS_ARCH_X86, CS_MODE_64, &handle) == CS_ERR_OK else {
            throw .openFailed
        }
        _ = cs.option(handle, CS_OPT_DETAIL, Int(CS_OPT_ON.rawValue))
    }

    deinit { _ = cs.close(&handle) }

    /// Decodes `code` as if it sat at `address`, stopping at the first byte
    /// sequence that is not an instruction (the rest is reported as data).
    public func decode(_ code: [UInt8], at address: UInt64, limit: Int = .max) -> [Instruction] {
        guard !code.isEmpty else { return [] }
        var raw: UnsafeMutablePointer<cs_insn>?
        let n = code.withUnsafeBufferPointer { buf in
            cs.disasm(handle, buf.baseAddress, buf.count, address, limit == .max ? 0 : limit, &raw)
        }
        guard n > 0, let insns = raw else { return [] }
        defer { cs.free(insns, n) }
        var out: [Instruction] = []
        out.reserveCapacity(n)
        for i in 0..<n {
            var insn = insns[i]
            let size = Int(insn.size)
            let bytes = withUnsafeBytes(of: &insn.bytes) { Array($0.prefix(size)) }
            let mnemonic = withUnsafeBytes(of: &insn.mnemonic) { Self.cString($0) }
            let ops = withUnsafeBytes(of: &insn.op_str) { Self.cString($0) }
            let isBranch = cs.group(handle, insns + i, X86_GRP_JUMP.rawValue)
                || cs.group(handle, insns + i, X86_GRP_CALL.rawValue)
            var target: UInt64?
            if isBranch, ops.hasPrefix("0x"), let v = UInt64(ops.dropFirst(2), radix: 16) { target = v }
            out.append(Instruction(address: insn.address, bytes: bytes, mnemonic: mnemonic, operands: ops,
                                   branchTarget: target))
        }
        return out
    }

    private static func cString(_ raw: UnsafeRawBufferPointer) -> String {
        let bytes = raw.prefix { $0 != 0 }
        return String(decoding: bytes, as: UTF8.self)
    }
}

public enum DisassemblerError: Error, CustomStringConvertible, Sendable {
    case openFailed
    /// The library (soname) could not be loaded, and why.
    case libraryUnavailable(String, String)
    public var description: String {
        switch self {
        case .openFailed:
            return "Capstone could not open an x86-64 disassembler; "
                + "check that libcapstone is installed (apt-get install libcapstone-dev)"
        case let .libraryUnavailable(soname, why):
            return "cannot load Capstone (\(soname)): \(why); install it (apt-get install libcapstone4) "
                + "or the Capstone this xsplice was built against; nothing was written"
        }
    }
}
