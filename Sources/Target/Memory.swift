/// Byte access to an address space: a live process or an ELF image.
public protocol Memory {
    func read(_ address: UInt64, count: Int) throws -> [UInt8]
    /// Several ranges at once; a live process does it in one system call.
    func readMany(_ ranges: [(address: UInt64, count: Int)]) throws -> [[UInt8]]
}

extension Memory {
    public func readMany(_ ranges: [(address: UInt64, count: Int)]) throws -> [[UInt8]] {
        try ranges.map { try read($0.address, count: $0.count) }
    }
}

/// Memory that can be changed. Only the applier writes.
public protocol WritableMemory: Memory {
    func write(_ address: UInt64, bytes: [UInt8]) throws
}

/// A place xsplice can patch or check: memory plus the modules mapped in it.
public protocol Target: Memory {
    /// The modules, the main executable first.
    func modules() throws -> [LoadedModule]
    /// The module a payload names: "" for the main executable, else a soname.
    func module(named name: String) throws -> LoadedModule
}

extension Target {
    public func module(named name: String) throws -> LoadedModule {
        try moduleAmong(try modules(), named: name)
    }

    /// Picks the named module from a list, or says which ones there are.
    public func moduleAmong(_ all: [LoadedModule], named name: String) throws -> LoadedModule {
        if name.isEmpty, let main = all.first(where: \.isMain) { return main }
        if let m = all.first(where: { !$0.isMain && $0.soname == name }) { return m }
        throw TargetError.moduleNotLoaded(name.isEmpty ? "the main executable" : name,
                                          loaded: all.map { $0.isMain ? "(main) \($0.path)" : $0.soname })
    }
}
