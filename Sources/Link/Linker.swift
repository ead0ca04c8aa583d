import Foundation
import ELF
import Payload
import Target

/// Binds every symbolic reference of a payload in one target, before
/// anything is written: module-internal references (bound at build time)
/// are checked against the live module, dynamic ones are looked up as the
/// target's dynamic linker looks them up. Section references need only the
/// load address and are left to the relocator.
public struct Linker {
    let payload: Payload
    let module: LoadedModule
    let memory: any Memory
    /// Every loaded module, asked for only when a dynamic symbol needs it.
    let allModules: () throws -> [LoadedModule]
    /// The live process, when there is one: xsplice may then compare its own
    /// IFUNC choices with the target's (see `OwnProcessIfunc`).
    let pid: Int32?
    /// The new variables of payloads applied in the target: owner payload
    /// name, then variable name, to its address (from the target's registry).
    let payloadVariables: [String: [String: UInt64]]

    public init(payload: Payload, module: LoadedModule, memory: any Memory, pid: Int32? = nil,
                payloadVariables: [String: [String: UInt64]] = [:],
                allModules: @escaping () throws -> [LoadedModule]) {
        self.pid = pid
        self.payloadVariables = payloadVariables
        self.payload = payload
        self.module = module
        self.memory = memory
        self.allModules = allModules
    }

    /// One binding per distinct symbolic target.
    public func bind() throws -> [RelocationTarget: Binding] {
        var out: [RelocationTarget: Binding] = [:]
        var scope: [LoadedModule]?
        for s in payload.sections {
            for r in s.relocations {
                let user = s.name
                if let b = out[r.target] {
                    guard (b.kind == .tls) == r.type.isTLS else {
                        throw LinkError.tls(symbol: r.target.description, module: moduleName,
                                            reason: "\(user) uses it both as a thread-local variable and as an address")
                    }
                    try checkReach(b, r, user: user)
                    continue
                }
                let b: Binding
                if r.type.isTLS {
                    if scope == nil, case .symbol = r.target { scope = try lookupScope() }
                    out[r.target] = try bindTLS(r.target, scope: scope ?? [])
                    continue
                }
                switch r.target {
                case .section: continue
                case let .payloadVariable(owner, name):
                    guard let vars = payloadVariables[owner] else {
                        throw LinkError.payloadVariable(owner: owner, name: name, reason: "\(owner) is not applied")
                    }
                    guard let a = vars[name] else {
                        throw LinkError.payloadVariable(owner: owner, name: name,
                                                        reason: "the applied \(owner) records no variable of that name")
                    }
                    b = Binding(reference: name, kind: .module, module: owner, definition: name, address: a,
                                reason: "new variable of payload \(owner)", isData: true)
                case let .internal(name, file, address):
                    b = try bindInternal(name, file: file, address: address)
                case let .symbol(name, file):
                    if !file.isEmpty || (module.isMain && module.symbol(named: name, file: "") != nil) {
                        b = try bindByName(name, file: file)
                    } else {
                        if scope == nil { scope = try lookupScope() }
                        b = try bindDynamic(name, scope: scope ?? [])
                    }
                }
                try checkReach(b, r, user: user)
                out[r.target] = b
            }
        }
        return out
    }

    var moduleName: String { module.isMain ? "(main)" : module.soname }

    private func bindInternal(_ name: String, file: String, address: UInt64) throws -> Binding {
        let ref = file.isEmpty ? name : "\(file):\(name)"
        // The definition must still be where the build found it: the same
        // name at the same link-time address (a different build fails here).
        // A stripped module cannot be asked; the build resolved the address
        // from this very build's debug file (same build-id), and the old
        // bytes are checked before anything is written.
        if module.elf.symbols.isEmpty, let id = module.buildID, !id.isEmpty,
           payload.functions.allSatisfy({ $0.buildID == id }) {
            return Binding(reference: ref, kind: .module, module: moduleName, definition: ref,
                           address: module.liveAddress(address),
                           reason: "in the stripped patched module, bound at build time (same build-id)", isData: false)
        }
        let defs = module.elf.symbols.isEmpty ? module.elf.dynamicSymbols : module.elf.symbols
        let match = defs.first {
            $0.name == name && $0.value == address && $0.isDefined
                && (file.isEmpty || $0.binding != Symbol.bindLocal || $0.file == file
                    || ($0.file?.hasSuffix("/" + file) ?? false))
        }
        guard let match else {
            throw LinkError.changedModule(symbol: ref, expected: address,
                                          found: module.symbol(named: name, file: file)?.value, module: moduleName)
        }
        if match.type == DynamicLookup.typeIFunc {
            // The module's own IFUNC: its IRELATIVE slot holds the choice.
            guard let impl = try IfuncResolver(memory: memory, scope: [module]).implementation(of: match, in: module)
            else {
                throw LinkError.ifuncUnresolved(symbol: ref, module: moduleName)
            }
            return Binding(
                reference: ref, kind: .ifunc, module: moduleName, definition: Self.name(at: impl.address, in: module),
                address: impl.address, reason: impl.evidence, isData: false)
        }
        return Binding(reference: ref, kind: .module, module: moduleName, definition: ref,
                       address: module.liveAddress(address), reason: "in the patched module, bound at build time",
                       isData: match.type == Symbol.typeObject || match.type == DynamicLookup.typeTLS)
    }

    /// A hand-made payload's static, or a name of the executable (which
    /// comes first in every lookup scope).
    private func bindByName(_ name: String, file: String) throws -> Binding {
        let ref = file.isEmpty ? name : "\(file):\(name)"
        guard let s = module.symbol(named: name, file: file) else {
            throw LinkError.unresolved(symbol: ref, module: moduleName, searched: [moduleName])
        }
        return Binding(reference: ref, kind: .module, module: moduleName, definition: ref,
                       address: module.liveAddress(s.value), reason: "defined by the patched module",
                       isData: s.type == Symbol.typeObject || s.type == DynamicLookup.typeTLS)
    }

    func lookupScope() throws -> [LoadedModule] {
        let all = try allModules()
        guard let main = all.first(where: \.isMain) else {
            throw LinkError.noLinkMap(reason: "the executable is not among the loaded modules")
        }
        return try LinkMap.read(memory, main: main, modules: all).scope(all)
    }

    private func bindDynamic(_ name: String, scope: [LoadedModule]) throws -> Binding {
        guard let found = DynamicLookup(scope: scope).find(name) else {
            throw LinkError.unresolved(symbol: name, module: moduleName,
                                       searched: scope.map { $0.isMain ? "(main)" : $0.soname })
        }
        let owner = found.module
        let ownerName = owner.isMain ? "(main)" : owner.soname
        let first = scope.first.map { $0.start == owner.start } ?? false
        let order = !found.symbol.isDefined ? "the executable's canonical PLT entry, which every address of it uses"
            : first ? "first in the lookup scope" : "first definition in the dynamic linker's search order"
        guard found.symbol.type == DynamicLookup.typeIFunc else {
            return Binding(reference: name, kind: .dynamic, module: ownerName, definition: name,
                           address: owner.liveAddress(found.symbol.value), reason: order,
                           isData: found.symbol.type == Symbol.typeObject || found.symbol.type == DynamicLookup.typeTLS)
        }
        let fromSlot = try IfuncResolver(memory: memory, scope: scope).implementation(of: found.symbol, in: owner)
        let fromSelf =
            fromSlot == nil ? pid.flatMap { OwnProcessIfunc.implementation(of: name, in: owner, pid: $0) } : nil
        guard let impl = fromSlot ?? fromSelf.map({ IfuncResolver.Choice(address: $0.address, evidence: $0.evidence) })
        else {
            throw LinkError.ifuncUnresolved(symbol: name, module: ownerName)
        }
        return Binding(reference: name, kind: .ifunc, module: ownerName,
                       definition: Self.name(at: impl.address, in: owner),
                       address: impl.address, reason: impl.evidence, isData: false)
    }

    /// A non-PIC reference (32-bit absolute or PC-relative, not through the
    /// GOT) to another module's data works only with a copy in the executable.
    private func checkReach(_ b: Binding, _ r: PayloadRelocation, user: String) throws {
        guard b.isData, b.kind == .dynamic, b.module != moduleName else { return }
        switch r.type {
        case .pc32, .abs32, .abs32s:
            throw LinkError.nonPICData(
                symbol: b.reference, module: b.module, relocation: r.type.description, user: user)
        default: return
        }
    }

    /// The implementation's own name when the module's symbols (or its
    /// separate debug file, found by build-id) have one; it is only shown.
    static func name(at address: UInt64, in m: LoadedModule) -> String {
        let link = address &- m.bias
        let isIt: (Symbol) -> Bool = { $0.value == link && $0.type == Symbol.typeFunc && !$0.name.isEmpty }
        if let s = m.elf.symbols.first(where: isIt) ?? m.elf.dynamicSymbols.first(where: isIt) { return s.name }
        if m.elf.symbols.isEmpty, let id = m.buildID, id.count > 1 {
            let hex = id.map { String(format: "%02x", $0) }.joined()
            let path = "/usr/lib/debug/.build-id/\(hex.prefix(2))/\(hex.dropFirst(2)).debug"
            if let name = DebugNames.shared.function(at: link, file: path, buildID: id) { return name }
        }
        return "\(m.soname)+0x\(String(link, radix: 16))"
    }
}
