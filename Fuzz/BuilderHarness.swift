// libFuzzer harness for the payload builder (Sources/Payload with ELF and
// Hash): `xsplice build --binary BIN --object OBJ` on hostile files.
//
// Input layout: a 4-byte little-endian length N, then N bytes of the binary,
// then the rest as the relocatable object. Seeds are real corpus pairs
// (Fuzz/seeds/builder, made by Fuzz/make-seeds).
//
// Contract under test (PayloadBuilder.build): any pair of files either
// builds a payload or throws (an ELFError, BuildError or PayloadError whose
// description renders) -- never a trap, never an out-of-bounds access.
// A payload that builds must pass the validator and round-trip through the
// codec, since `xsplice build` writes it and every other command reads it.
//
// Built by scripts/fuzz with -sanitize=fuzzer,address; see Fuzz/README.md.

import ELF
import Hash
@testable import Payload

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    guard bytes.count >= 4 else { return 0 }
    let n = Int(bytes[0]) | Int(bytes[1]) << 8 | Int(bytes[2]) << 16 | Int(bytes[3]) << 24
    guard n <= bytes.count - 4 else { return 0 }
    let binaryBytes = Array(bytes[4..<(4 + n)])
    let objectBytes = Array(bytes[(4 + n)...])
    do {
        let binary = try ELFFile(bytes: binaryBytes)
        let object = try ELFFile(bytes: objectBytes)
        let builder = PayloadBuilder(binary: binary, binaryName: "bin", object: object, objectName: "obj.o")
        let file = try builder.build(.init(name: "fuzz"))
        try PayloadValidator.validate(file.payload)
        let again = try PayloadCodec.decode(file.encoded())
        precondition(again.id == file.id, "a built payload does not decode to the same ID")
    } catch {
        _ = String(describing: error)
    }
    return 0
}
