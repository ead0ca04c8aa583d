import Hash

/// A decoded payload file: the payload, its canonical body (what the ID and
/// any signature cover) and the trailer records that sit outside the body.
public struct PayloadFile: Sendable, Equatable {
    public let payload: Payload
    public let body: [UInt8]
    public let id: Digest
    public let trailer: [TrailerRecord]

    public init(payload: Payload, trailer: [TrailerRecord] = []) throws {
        self.payload = payload
        self.body = PayloadCodec.encodeBody(payload)
        self.id = try SHA256.hash(body)
        self.trailer = trailer
    }

    init(payload: Payload, body: [UInt8], id: Digest, trailer: [TrailerRecord]) {
        self.payload = payload
        self.body = body
        self.id = id
        self.trailer = trailer
    }

    public func encoded() -> [UInt8] { PayloadCodec.encodeFile(body: body, trailer: trailer) }
}

/// Data kept outside the body (signatures), so it never changes the ID.
public struct TrailerRecord: Sendable, Equatable {
    public var tag: UInt8
    public var bytes: [UInt8]
    public init(tag: UInt8, bytes: [UInt8]) { self.tag = tag; self.bytes = bytes }
}

/// The versioned canonical binary encoding (docs/payload-format.md).
public enum PayloadCodec {
    public static let magic: [UInt8] = Array("XSPLICE".utf8) + [0]
    public static let version: UInt16 = 4
    /// Version 3 payloads (no writable data sections) are still read.
    public static let oldestReadable: UInt16 = 3

    // MARK: encoding

    public static func encodeFile(body: [UInt8], trailer: [TrailerRecord]) -> [UInt8] {
        var w = ByteWriter()
        w.raw(magic)
        w.u16(version)
        w.u16(0)
        w.blob(body)
        var t = ByteWriter()
        for r in trailer {
            t.u8(r.tag)
            t.blob(r.bytes)
        }
        w.blob(t.bytes)
        return w.bytes
    }

    public static func encodeBody(_ p: Payload) -> [UInt8] {
        var w = ByteWriter()
        w.string(p.name)
        w.u32(UInt32(truncatingIfNeeded: p.sections.count))
        for s in p.sections {
            w.string(s.name)
            w.u8(s.kind.rawValue)
            w.u32(s.alignment)
            w.blob(s.bytes)
            w.u32(UInt32(truncatingIfNeeded: s.relocations.count))
            for r in s.relocations {
                w.u64(r.offset)
                w.u32(r.type.rawValue)
                w.i64(r.addend)
                switch r.target {
                case let .section(i):
                    w.u8(1)
                    w.u32(i)
                case let .symbol(name, file):
                    w.u8(2)
                    w.string(name)
                    w.string(file)
                case let .internal(name, file, address):
                    w.u8(3)
                    w.string(name)
                    w.string(file)
                    w.u64(address)
                case let .payloadVariable(payload, name):
                    w.u8(4)
                    w.string(payload)
                    w.string(name)
                }
            }
            if s.kind == .writableData {
                w.u32(UInt32(truncatingIfNeeded: s.variables.count))
                for v in s.variables {
                    w.string(v.name)
                    w.u64(v.offset)
                }
            }
        }
        w.u32(UInt32(truncatingIfNeeded: p.functions.count))
        for f in p.functions {
            w.string(f.module)
            w.blob(f.buildID)
            w.string(f.symbol)
            w.string(f.file)
            w.u64(f.oldAddress)
            w.blob(f.oldBytes)
            w.raw(f.oldHash.bytes)
            w.u32(UInt32(truncatingIfNeeded: f.accepts.count))
            for s in f.accepts {
                switch s {
                case .virgin: w.u8(0)
                case let .applied(id):
                    w.u8(1)
                    w.raw(id.bytes)
                }
            }
            w.u32(f.replacementSection)
        }
        return w.bytes
    }

    // MARK: decoding

    public static func decode(_ bytes: [UInt8]) throws(PayloadError) -> PayloadFile {
        guard bytes.count <= PayloadLimits.maxFileSize else {
            throw .tooLarge(field: "file size", limit: PayloadLimits.maxFileSize, found: UInt64(bytes.count))
        }
        var r = ByteReader(bytes)
        guard Array(try r.take(magic.count, "magic")) == magic else { throw .badMagic }
        let v = try r.u16("version")
        guard v >= oldestReadable, v <= version else { throw .unsupportedVersion(found: v, supported: version) }
        let reserved = try r.u16("reserved flags")
        guard reserved == 0 else { throw .invalid(field: "reserved flags", reason: "must be 0, found \(reserved)") }
        let body = try r.blob("body", limit: PayloadLimits.maxFileSize)
        let trailerBytes = try r.blob("trailer", limit: PayloadLimits.maxFileSize)
        guard r.remaining == 0 else { throw .trailingBytes(offset: r.offset, count: r.remaining) }

        let payload = try decodeBody(body)
        if v < 4, let d = payload.sections.first(where: { $0.kind == .writableData }) {
            throw .invalid(field: "section \(d.name).kind",
                           reason: "writable data (kind 4) needs format version 4, found \(v)")
        }
        guard encodeBody(payload) == body else { throw .notCanonical }
        try PayloadValidator.validate(payload)
        let trailer = try decodeTrailer(trailerBytes)
        try PayloadSignature.validate(trailer)
        let id: Digest
        do { id = try SHA256.hash(body) } catch { throw .invalid(field: "body", reason: "hashing failed: \(error)") }
        return PayloadFile(payload: payload, body: body, id: id, trailer: trailer)
    }

    static func decodeTrailer(_ bytes: [UInt8]) throws(PayloadError) -> [TrailerRecord] {
        var r = ByteReader(bytes)
        var out: [TrailerRecord] = []
        while r.remaining > 0 {
            guard out.count < PayloadLimits.maxTrailerRecords else {
                throw .tooLarge(
                    field: "trailer records", limit: PayloadLimits.maxTrailerRecords, found: UInt64(out.count + 1))
            }
            let tag = try r.u8("trailer tag")
            let data = try r.blob("trailer record", limit: 1 << 16)
            out.append(TrailerRecord(tag: tag, bytes: data))
        }
        return out
    }

    static func decodeBody(_ bytes: [UInt8]) throws(PayloadError) -> Payload {
        var r = ByteReader(bytes)
        let name = try r.string("payload name")
        // Lower bounds on each element's encoding, so that a count cannot
        // claim more elements than the bytes left could hold: a section
        // takes at least 17 bytes (name, kind, alignment, bytes, relocation
        // count), a relocation 25, a function 68 (four strings, address,
        // old bytes, SHA-256, pre-state count, section index).
        let nSections = try r.count("section count", limit: PayloadLimits.maxSections, minElement: 17)
        var sections: [LoadSection] = []
        sections.reserveCapacity(nSections)
        for i in 0..<nSections {
            func f() -> String { "section[\(i)]" }
            let sname = try r.string("\(f()).name")
            let kindRaw = try r.u8("\(f()).kind")
            guard let kind = LoadSection.Kind(rawValue: kindRaw) else {
                throw .invalid(field: "\(f()).kind", reason: "unknown section kind \(kindRaw); expected 1 (code), "
                               + "2 (read-only data), 3 (unwind frames) or 4 (writable data)")
            }
            let align = try r.u32("\(f()).alignment")
            let data = try r.blob("\(f()).bytes", limit: PayloadLimits.maxSectionSize)
            let nRel = try r.count(
                "\(f()).relocation count", limit: PayloadLimits.maxRelocationsPerSection, minElement: 25)
            var rels: [PayloadRelocation] = []
            rels.reserveCapacity(nRel)
            for j in 0..<nRel {
                func rf() -> String { "\(f()).relocation[\(j)]" }
                let off = try r.u64("\(rf()).offset")
                let typeRaw = try r.u32("\(rf()).type")
                guard let type = RelocationType(rawValue: typeRaw) else {
                    throw .invalid(
                        field: "\(rf()).type", reason: "relocation type \(typeRaw) is not one xsplice can apply")
                }
                let addend = try r.i64("\(rf()).addend")
                let tk = try r.u8("\(rf()).target kind")
                let target: RelocationTarget
                switch tk {
                case 1: target = .section(try r.u32("\(rf()).target section"))
                case 2:
                    let n = try r.string("\(rf()).symbol")
                    let file = try r.string("\(rf()).symbol file")
                    target = .symbol(name: n, file: file)
                case 3:
                    let n = try r.string("\(rf()).symbol")
                    let file = try r.string("\(rf()).symbol file")
                    target = .internal(name: n, file: file, address: try r.u64("\(rf()).symbol address"))
                case 4:
                    let owner = try r.string("\(rf()).payload")
                    target = .payloadVariable(payload: owner, name: try r.string("\(rf()).variable"))
                default:
                    throw .invalid(field: "\(rf()).target kind", reason: "expected 1 (section), 2 (symbol), "
                                   + "3 (module-internal) or 4 (another payload's variable), found \(tk)")
                }
                rels.append(PayloadRelocation(offset: off, type: type, addend: addend, target: target))
            }
            var vars: [LoadSection.Variable] = []
            if kind == .writableData {
                // A variable takes at least 12 bytes (an empty name and its offset).
                let nVars = try r.count("\(f()).variable count", limit: PayloadLimits.maxRelocationsPerSection,
                                        minElement: 12)
                for j in 0..<nVars {
                    let vn = try r.string("\(f()).variable[\(j)].name")
                    vars.append(.init(name: vn, offset: try r.u64("\(f()).variable[\(j)].offset")))
                }
            }
            sections.append(LoadSection(name: sname, kind: kind, alignment: align, bytes: data, relocations: rels,
                                        variables: vars))
        }
        let nFunctions = try r.count("function count", limit: PayloadLimits.maxFunctions, minElement: 68)
        var functions: [FunctionPatch] = []
        functions.reserveCapacity(nFunctions)
        for i in 0..<nFunctions {
            func f() -> String { "function[\(i)]" }
            let module = try r.string("\(f()).module")
            let buildID = try r.blob("\(f()).build-id", limit: PayloadLimits.maxBuildID)
            let symbol = try r.string("\(f()).symbol")
            let file = try r.string("\(f()).file")
            let addr = try r.u64("\(f()).old address")
            let old = try r.blob("\(f()).old bytes", limit: PayloadLimits.maxFunctionSize)
            let hashBytes = Array(try r.take(Digest.byteCount, "\(f()).old sha256"))
            let nStates = try r.count("\(f()).pre-state count", limit: PayloadLimits.maxPreStates, minElement: 1)
            var states: [PreState] = []
            for k in 0..<nStates {
                let kind = try r.u8("\(f()).pre-state[\(k)]")
                switch kind {
                case 0: states.append(.virgin)
                case 1:
                    let id = Array(try r.take(Digest.byteCount, "\(f()).pre-state[\(k)].payload id"))
                    states.append(.applied(digest(id)))
                default:
                    throw .invalid(
                        field: "\(f()).pre-state[\(k)]", reason: "expected 0 (virgin) or 1 (applied), found \(kind)")
                }
            }
            let repl = try r.u32("\(f()).replacement section")
            functions.append(FunctionPatch(module: module, buildID: buildID, symbol: symbol, file: file,
                                           oldAddress: addr, oldBytes: old, oldHash: digest(hashBytes),
                                           accepts: states, replacementSection: repl))
        }
        guard r.remaining == 0 else { throw .trailingBytes(offset: r.offset, count: r.remaining) }
        return Payload(name: name, sections: sections, functions: functions)
    }

    /// The reader already took exactly 32 bytes, so this cannot fail.
    private static func digest(_ b: [UInt8]) -> Digest {
        Digest(exactly: b) ?? Digest.zero
    }
}

