import Hash
import Testing
@testable import Payload

@Suite struct PayloadCodecTests {
    @Test func roundTrip() throws {
        let base = try SHA256.hash([9])
        let p = try PayloadSamples.make(onTopOf: base)
        let bytes = try PayloadSamples.encoded(p)
        let back = try PayloadCodec.decode(bytes)
        #expect(back.payload == p)
        #expect(back.encoded() == bytes)
        #expect(back.id == (try SHA256.hash(PayloadCodec.encodeBody(p))))
        #expect(back.payload.functions[0].accepts == [.virgin, .applied(base)])
    }

    @Test func idIgnoresTrailerAndFollowsContent() throws {
        let p = try PayloadSamples.make()
        let plain = try PayloadFile(payload: p)
        // An unknown tag: readers keep it (tag 1, signatures, is checked in SignatureTests).
        let signed = try PayloadFile(payload: p, trailer: [TrailerRecord(tag: 9, bytes: [1, 2, 3])])
        #expect(plain.id == signed.id)
        #expect(try PayloadCodec.decode(signed.encoded()).trailer == signed.trailer)
        let other = try PayloadFile(payload: PayloadSamples.make(name: "other"))
        #expect(other.id != plain.id)
    }

    @Test func truncationAtEveryOffsetIsAnError() throws {
        let bytes = try PayloadSamples.encoded(PayloadSamples.make())
        for n in 0..<bytes.count {
            #expect(throws: PayloadError.self, "prefix of \(n) bytes") {
                try PayloadCodec.decode(Array(bytes.prefix(n)))
            }
        }
    }

    /// Flipping any byte must either be caught or change the ID: a payload
    /// cannot be altered silently, and decoding never traps.
    @Test func flippedByteEverywhereIsCaughtOrChangesTheID() throws {
        let file = try PayloadFile(payload: PayloadSamples.make())
        let bytes = file.encoded()
        var caught = 0
        for i in 0..<bytes.count {
            var b = bytes
            b[i] ^= 0x5a
            do {
                let d = try PayloadCodec.decode(b)
                #expect(d.id != file.id, "flip at \(i) decoded to the same ID")
            } catch is PayloadError {
                caught += 1
            }
        }
        // The structure (magic, lengths, kinds, hashes, old bytes) is most of the file.
        #expect(caught > bytes.count / 2)
    }

    @Test func absurdLengthsAreRefusedWithoutAllocating() throws {
        let bytes = try PayloadSamples.encoded(PayloadSamples.make())
        for i in 0..<(bytes.count - 4) {
            var b = bytes
            b.replaceSubrange(i..<(i + 4), with: [0xff, 0xff, 0xff, 0x7f])
            do { _ = try PayloadCodec.decode(b) } catch is PayloadError { continue }
        }
        // A body length beyond the file, and a count beyond its limit, name their field.
        var b = bytes
        b.replaceSubrange(12..<16, with: [0xff, 0xff, 0xff, 0xff])
        #expect(throws: PayloadError.self) { try PayloadCodec.decode(b) }
    }

    @Test func specificErrors() throws {
        var bytes = try PayloadSamples.encoded(PayloadSamples.make())
        var bad = bytes
        bad[0] = 0x41
        #expect(throws: PayloadError.badMagic) { try PayloadCodec.decode(bad) }
        bad = bytes
        bad[8] = 1
        #expect(throws: PayloadError.unsupportedVersion(found: 1, supported: PayloadCodec.version)) {
            try PayloadCodec.decode(bad)
        }
        bytes.append(0)
        #expect(throws: PayloadError.trailingBytes(offset: bytes.count - 1, count: 1)) {
            try PayloadCodec.decode(bytes)
        }
    }

    @Test func semanticValidation() throws {
        func rejects(_ change: (inout Payload) -> Void) throws -> PayloadError? {
            var p = try PayloadSamples.make()
            change(&p)
            do { try PayloadValidator.validate(p); return nil } catch { return error }
        }
        #expect(try rejects { $0.functions[1].symbol = "compute_a"; $0.functions[1].file = "" } != nil)  // twice
        #expect(try rejects { $0.functions[0].oldBytes[3] ^= 1 } != nil)  // hash mismatch
        #expect(try rejects { $0.functions[0].symbol = "evil\u{1b}[2J" } != nil)  // control characters
        #expect(try rejects { $0.sections[0].relocations[0].offset = 14 } != nil)  // outside the section
        #expect(try rejects { $0.sections[1].relocations[0].target = .section(7) } != nil)
        #expect(try rejects { $0.functions[0].replacementSection = 2 } != nil)  // data, not code
        #expect(try rejects { $0.functions[0].accepts = [] } != nil)
        #expect(try rejects { $0.sections[0].alignment = 3 } != nil)
        #expect(try rejects { p in
            let short: [UInt8] = [1, 2, 3, 4]
            p.functions[0].oldBytes = short
            p.functions[0].oldHash = (try? SHA256.hash(short)) ?? p.functions[0].oldHash
        } != nil)
        #expect(try rejects { _ in } == nil)
    }

    @Test func functionSpecParsing() throws {
        #expect(try FunctionSpec(parsing: "f") == FunctionSpec(name: "f"))
        #expect(try FunctionSpec(parsing: "a.c:helper") == FunctionSpec(name: "helper", file: "a.c"))
        #expect(try FunctionSpec(parsing: "helper@0x1130") == FunctionSpec(name: "helper", address: 0x1130))
        #expect(try FunctionSpec(parsing: "0x1130") == FunctionSpec(name: nil, address: 0x1130))
        #expect(throws: BuildError.self) { try FunctionSpec(parsing: "f@0xZZ") }
        #expect(throws: BuildError.self) { try FunctionSpec(parsing: ":f") }
    }
}
