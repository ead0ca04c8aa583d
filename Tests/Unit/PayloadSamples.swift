import Hash
@testable import Payload

/// Payloads made in memory, so codec tests do not depend on the corpus.
enum PayloadSamples {
    static func oldCode(_ seed: UInt8, _ n: Int) -> [UInt8] {
        (0..<n).map { UInt8(truncatingIfNeeded: Int(seed) &* 31 &+ $0 &* 7) }
    }

    static func make(name: String = "sample", onTopOf: Digest? = nil) throws -> Payload {
        let text = LoadSection(name: ".text.compute_a", kind: .code, alignment: 16,
                               bytes: [0xf3, 0x0f, 0x1e, 0xfa, 0x8b, 0x05, 0, 0, 0, 0, 0xe8, 0, 0, 0, 0, 0xc3],
                               relocations: [
                                   PayloadRelocation(offset: 6, type: .pc32, addend: -4,
                                                     target: .symbol(name: "g_scale", file: "")),
                                   PayloadRelocation(offset: 11, type: .plt32, addend: -4,
                                                     target: .symbol(name: "helper", file: "main.c")),
                               ])
        let text2 = LoadSection(name: ".text.compute_b", kind: .code, alignment: 16,
                                bytes: [0x48, 0x8d, 0x3d, 0, 0, 0, 0, 0xc3],
                                relocations: [PayloadRelocation(offset: 3, type: .pc32, addend: -4,
                                                                target: .section(2))])
        let ro = LoadSection(
            name: ".rodata.str1.1", kind: .readOnlyData, alignment: 1, bytes: Array("hi\0".utf8), relocations: [])
        let a = oldCode(1, 40), b = oldCode(2, 24)
        var accepts: [PreState] = [.virgin]
        if let onTopOf { accepts = [.virgin, .applied(onTopOf)] }
        return Payload(name: name, sections: [text, text2, ro], functions: [
            FunctionPatch(module: "", buildID: [1, 2, 3, 4], symbol: "compute_a", file: "", oldAddress: 0x1310,
                          oldBytes: a, oldHash: try SHA256.hash(a), accepts: accepts, replacementSection: 0),
            FunctionPatch(module: "", buildID: [1, 2, 3, 4], symbol: "compute_b", file: "main.c", oldAddress: 0x1350,
                          oldBytes: b, oldHash: try SHA256.hash(b), accepts: [.virgin], replacementSection: 1),
        ])
    }

    static func encoded(_ p: Payload) throws -> [UInt8] { try PayloadFile(payload: p).encoded() }
}
