import ELF
import Hash

/// Makes a payload from a binary (the expected old bytes) and an object
/// compiled with -ffunction-sections (the replacement code).
public struct PayloadBuilder {
    public struct Options: Sendable {
        public var name: String
        public var functions: [FunctionSpec]
        public var onTopOf: [PayloadFile]
        public var alsoVirgin: Bool
        public init(name: String, functions: [FunctionSpec] = [], onTopOf: [PayloadFile] = [], alsoVirgin: Bool = false)
        {
            self.name = name
            self.functions = functions
            self.onTopOf = onTopOf
            self.alsoVirgin = alsoVirgin
        }
    }

    let binary: ELFFile
    let binaryName: String
    let object: ELFFile
    let objectName: String

    public init(binary: ELFFile, binaryName: String, object: ELFFile, objectName: String) {
        self.binary = binary
        self.binaryName = binaryName
        self.object = object
        self.objectName = objectName
    }

    public func build(_ options: Options) throws -> PayloadFile {
        let module = try ModuleIdentity.name(of: binary, path: binaryName)
        let specs = options.functions.isEmpty ? defaultSpecs() : options.functions
        guard !specs.isEmpty else { throw BuildError.noFunctions(object: objectName) }

        var old: [Symbol] = []
        var new: [Symbol] = []
        for spec in specs {
            let o = try oldSymbol(spec)
            guard !old.contains(where: { $0.value == o.value }) else {
                throw BuildError.namedTwice(spec.description)
            }
            old.append(o)
            new.append(try newSymbol(o.name))
        }

        var layout = SectionLayout(object: object, binary: binary, patched: old, replacements: new,
                                   isLibrary: !module.isEmpty)
        for base in options.onTopOf {
            for s in base.payload.sections where s.kind == .writableData {
                for v in s.variables { layout.baseVariables[v.name] = base.payload.name }
            }
        }
        var functions: [FunctionPatch] = []
        for (o, n) in zip(old, new) {
            // oldSymbol proved the size fits its segment; bound it again here
            // so that no symbol table can make this conversion trap.
            guard let count = Int(exactly: o.size), count <= PayloadLimits.maxFunctionSize else {
                throw BuildError.tooLarge(o.name, size: o.size, maximum: PayloadLimits.maxFunctionSize)
            }
            let bytes = try binary.bytes(atVirtualAddress: o.value, count: count)
            guard bytes.count >= Trampoline.minimumSize(of: bytes) else {
                throw BuildError.tooShort(o.name, size: o.size, minimum: Trampoline.minimumSize(of: bytes))
            }
            let section = try layout.include(objectSection: Int(n.sectionIndex))
            functions.append(FunctionPatch(
                module: module, buildID: binary.buildID ?? [], symbol: o.name,
                file: o.binding == Symbol.bindLocal ? (o.file ?? "") : "",
                oldAddress: o.value, oldBytes: bytes, oldHash: try SHA256.hash(bytes),
                accepts: [], replacementSection: section))
        }
        try layout.relocateAll()
        // The unwind section names LSDAs and DW.ref words, which could in
        // principle pull in more code; rebuild it until nothing new comes.
        var codeSections = -1
        while codeSections != layout.sections.filter({ $0.kind == .code }).count {
            codeSections = layout.sections.filter { $0.kind == .code }.count
            try layout.includeUnwind()
            try layout.relocateAll()
        }

        for i in functions.indices {
            functions[i].accepts = try preStates(for: functions[i], options)
        }
        let payload = Payload(name: options.name, sections: layout.sections, functions: functions)
        do { try PayloadValidator.validate(payload) } catch { throw BuildError.builtPayloadInvalid(error) }
        return try PayloadFile(payload: payload)
    }

    /// Without --function: every function of the object that the binary also has.
    private func defaultSpecs() -> [FunctionSpec] {
        let names = Set(binary.symbols.filter { $0.type == Symbol.typeFunc && $0.isDefined }.map(\.name))
        return object.symbols
            .filter { $0.type == Symbol.typeFunc && $0.isDefined && names.contains($0.name) }
            .map { FunctionSpec(name: $0.name) }
    }

    private func oldSymbol(_ spec: FunctionSpec) throws -> Symbol {
        let table = binary.symbols.isEmpty ? binary.dynamicSymbols : binary.symbols
        var c = table.filter { $0.type == Symbol.typeFunc && $0.isDefined && $0.size > 0 }
        if let n = spec.name { c = c.filter { $0.name == n } }
        if let f = spec.file { c = c.filter { $0.file == f || ($0.file.map { $0.hasSuffix("/" + f) } ?? false) } }
        if let a = spec.address { c = c.filter { $0.value == a } }
        // The same function can appear in .symtab twice (aliases); one address is one function.
        var seen = Set<UInt64>()
        c = c.filter { seen.insert($0.value).inserted }
        guard let first = c.first else { throw BuildError.functionNotInBinary(spec.description, binary: binaryName) }
        guard c.count == 1 else {
            throw BuildError.ambiguous(spec.description, candidates: c.map {
                "\($0.file.map { "\($0):" } ?? "")\($0.name)@0x\(String($0.value, radix: 16))"
            })
        }
        // Sums without wrap-around: a crafted st_size or p_filesz must not
        // make a function look contained in a segment it overruns.
        let (end, overflow) = first.value.addingReportingOverflow(first.size)
        guard !overflow, binary.segments.contains(where: {
            let (segEnd, o) = $0.virtualAddress.addingReportingOverflow($0.fileSize)
            return $0.type == ProgramHeader.load && $0.isExecutable && !o
                && first.value >= $0.virtualAddress && end <= segEnd
        }) else { throw BuildError.notInExecutableSegment(first.name) }
        return first
    }

    private func newSymbol(_ name: String) throws -> Symbol {
        let c = object.symbols.filter { $0.name == name && $0.type == Symbol.typeFunc && $0.isDefined }
        guard let s = c.first else { throw BuildError.functionNotInObject(name, object: objectName) }
        guard c.count == 1 else {
            throw BuildError.ambiguous(name, candidates: c.map { "\(objectName):\($0.name)#\($0.index)" })
        }
        let idx = Int(s.sectionIndex)
        guard idx < object.sections.count else { throw BuildError.notInOwnSection(name, section: "#\(idx)") }
        let sec = object.sections[idx]
        guard sec.name.hasPrefix(".text."), sec.isExecutable, s.value == 0 else {
            throw BuildError.notInOwnSection(name, section: sec.name)
        }
        return s
    }

    private func preStates(for f: FunctionPatch, _ options: Options) throws -> [PreState] {
        var states: Set<PreState> = []
        for base in options.onTopOf {
            guard let match = base.payload.functions.first(where: {
                $0.module == f.module && $0.symbol == f.symbol && $0.file == f.file
            }) else { continue }
            guard match.oldHash == f.oldHash else {
                throw BuildError.baseFromAnotherBuild(base: base.payload.name, function: f.displayName,
                                                      expected: match.oldHash.shortHex, found: f.oldHash.shortHex)
            }
            states.insert(.applied(base.id))
        }
        if states.isEmpty || options.alsoVirgin { states.insert(.virgin) }
        return states.sorted()
    }
}

/// The `endbr64` instruction that CET-enabled code starts functions with.
public enum Endbr {
    public static let bytes: [UInt8] = [0xf3, 0x0f, 0x1e, 0xfa]
    public static let size = 4
    public static func starts<C: Collection>(_ code: C) -> Bool where C.Element == UInt8 {
        code.starts(with: bytes)
    }
}
