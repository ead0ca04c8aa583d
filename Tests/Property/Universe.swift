import Applier
import ELF
import Foundation
import Hash
import OldCodeCheck
import Payload
import TestSupport

/// The payloads of one corpus program, built with the real builder, and
/// their model counterparts.
struct Universe {
    let manifest: Manifest
    let files: [PayloadFile]
    let specs: [PatchModel.PayloadSpec]

    static func load(_ program: String) throws -> Universe {
        try Corpus.ensureBuilt()
        let m = try Manifest(program)
        let bin = try ELFFile(path: m.patchedFile)
        var byName: [String: PayloadFile] = [:]
        var files: [PayloadFile] = []
        func build(_ v: String) throws -> PayloadFile {
            if let f = byName[v] { return f }
            guard let spec = m.variants[v] else { throw TestFailure("no variant \(v)") }
            let base = try spec.onTopOf.map { try build($0) }
            let obj = try ELFFile(path: "\(m.dir)/\(v).o")
            let b = PayloadBuilder(binary: bin, binaryName: m.patchedFile, object: obj, objectName: v)
            let f = try b.build(.init(name: v, functions: try spec.functions.map { try FunctionSpec(parsing: $0) },
                                      onTopOf: base.map { [$0] } ?? [], alsoVirgin: spec.alsoVirgin))
            byName[v] = f
            return f
        }
        // fixPark and the like need a released thread; keep to the generic variants.
        for v in m.variantOrder where v != "fixPark" { files.append(try build(v)) }
        let names = Dictionary(uniqueKeysWithValues: files.map { ($0.id, $0.payload.name) })
        let specs = files.map { f in
            PatchModel.PayloadSpec(
                name: f.payload.name,
                accepts: Dictionary(
                    uniqueKeysWithValues: f.payload.functions.map { fn in
                (key(fn), Set(fn.accepts.map { s -> String in
                    if case let .applied(id) = s { return names[id] ?? id.hex }
                    return "virgin"
                }))
            }))
        }
        return Universe(manifest: m, files: files, specs: specs)
    }

    static func key(_ f: FunctionPatch) -> String { "\(f.module)!\(f.file):\(f.symbol)" }

    func name(of id: Digest) -> String? { files.first { $0.id == id }?.payload.name }

    /// Every function any payload touches, with one payload record for it.
    var functions: [(key: String, patch: FunctionPatch)] {
        var seen = Set<String>()
        var out: [(String, FunctionPatch)] = []
        for f in files {
            for fn in f.payload.functions where seen.insert(Self.key(fn)).inserted { out.append((Self.key(fn), fn)) }
        }
        return out
    }

    /// The model's view of what the verifier reports for each function.
    func observedStates(_ session: LiveSession) throws -> [String: String] {
        let v = Verifier(target: session.target, registry: try session.registry())
        var out: [String: String] = [:]
        for (k, fn) in functions {
            switch v.state(of: fn).state {
            case .virgin: out[k] = "virgin"
            case let .applied(id): out[k] = name(of: id) ?? "unknown:\(id.shortHex)"
            case let .foreign(why): out[k] = "foreign: \(why)"
            }
        }
        return out
    }

    /// The bytes of every function the universe touches.
    func codeBytes(_ session: LiveSession) throws -> [String: [UInt8]] {
        var out: [String: [UInt8]] = [:]
        for (k, fn) in functions {
            let m = try session.target.module(named: fn.module)
            out[k] = try session.target.read(m.liveAddress(fn.oldAddress), count: fn.oldSize)
        }
        return out
    }
}
