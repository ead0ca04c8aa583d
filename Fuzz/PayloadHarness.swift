// libFuzzer harness for the payload decoder (Sources/Payload, with Hash and
// ELF linked in as separate modules).
//
// Contract under test (PayloadCodec.decode): any byte string either decodes
// or throws a PayloadError (typed throws) -- never a trap, never an
// out-of-bounds access (ASan). For files that do decode, the harness also
// checks what callers rely on: re-encoding gives back the same bytes, the ID
// is the SHA-256 of the body, and describing the payload (what `inspect`
// prints) does not trap.
//
// Built by scripts/fuzz with -sanitize=fuzzer,address; see Fuzz/README.md.

import Hash
@testable import Payload

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    let file: PayloadFile
    do {
        file = try PayloadCodec.decode(bytes)
    } catch {
        // decode throws(PayloadError); render it as the CLI would.
        _ = String(describing: error)
        return 0
    }
    exercise(file, input: bytes)
    return 0
}

func exercise(_ file: PayloadFile, input: [UInt8]) {
    // Decoding accepts only canonical files, so encoding must round-trip.
    precondition(file.encoded() == input, "a decoded payload does not re-encode to its input")
    precondition(PayloadCodec.encodeBody(file.payload) == file.body, "body is not canonical")
    let id = try? file.payload.id()
    precondition(id == file.id, "payload ID is not the SHA-256 of the body")

    _ = try? file.signatures()
    _ = try? PayloadSignature.validate(file.trailer)
    _ = file.payload.modules
    for f in file.payload.functions {
        _ = f.displayName
        _ = f.oldSize
        _ = f.accepts.map(\.description)
    }
    for s in file.payload.sections {
        for r in s.relocations { _ = r.target.description; _ = r.type.description; _ = r.type.width }
    }
    // What `xsplice inspect` shows (text; JSON goes through the same struct).
    let description = PayloadDescription(file)
    _ = description.text
}
