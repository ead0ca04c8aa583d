import ELF

/// An ELF file on disk viewed by virtual address, as if loaded at its link
/// address. It has no registry: functions can only be virgin or foreign.
public struct ImageTarget: Target {
    public let path: String
    public let elf: ELFFile
    /// The one module, built once: the verifier asks for it per function.
    private let module: LoadedModule

    public init(path: String) throws {
        self.init(path: path, elf: try ELFFile(path: path))
    }

    public init(path: String, elf: ELFFile) {
        self.path = path
        self.elf = elf
        let loads = elf.segments.filter { $0.type == ProgramHeader.load }
        let lo = loads.map(\.virtualAddress).min() ?? 0
        let hi = loads.map { $0.virtualAddress &+ $0.memorySize }.max() ?? 0
        let isMain = elf.fileType == .executable || elf.segments.contains { $0.type == ProgramHeader.interp }
        module = LoadedModule(path: path, isMain: isMain, bias: 0, elf: elf, start: lo, end: hi)
    }

    public func read(_ address: UInt64, count: Int) throws -> [UInt8] {
        try elf.bytes(atVirtualAddress: address, count: count)
    }

    public func modules() throws -> [LoadedModule] { [module] }
}
