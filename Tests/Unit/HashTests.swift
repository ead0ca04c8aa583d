import Testing
@testable import Hash

@Suite struct HashTests {
    @Test func nistEmpty() throws {
        #expect(try SHA256.hash([UInt8]()).hex == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
    }

    @Test func nistABC() throws {
        #expect(
            try SHA256.hash(Array("abc".utf8)).hex == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        )
    }

    @Test func nistMillionA() throws {
        let expected = "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0"
        #expect(try SHA256.hash([UInt8](repeating: 0x61, count: 1_000_000)).hex == expected)
        // Streaming in uneven chunks must agree with one shot.
        let h = try SHA256Hasher()
        var left = 1_000_000
        var step = 1
        while left > 0 {
            let n = min(step, left)
            try h.update([UInt8](repeating: 0x61, count: n))
            left -= n
            step = step * 3 % 9973 + 1
        }
        #expect(try h.finalize().hex == expected)
    }

    @Test func finalizeTwiceFails() throws {
        let h = try SHA256Hasher()
        _ = try h.finalize()
        #expect(throws: DigestError.self) { try h.finalize() }
        #expect(throws: DigestError.self) { try h.update([1]) }
    }

    @Test func hexRoundTripAndErrors() throws {
        let d = try SHA256.hash(Array("xsplice".utf8))
        #expect(try Digest(hex: d.hex) == d)
        #expect(try Digest(hex: d.hex.uppercased()) == d)
        #expect(throws: DigestError.self) { try Digest(hex: "abc") }
        #expect(throws: DigestError.self) { try Digest(hex: String(d.hex.dropLast(2))) }
        #expect(throws: DigestError.self) { try Digest(hex: String(d.hex.dropLast(1)) + "g") }
        #expect(Hex.encode([0x00, 0xab, 0xff], separator: " ") == "00 ab ff")
    }

    @Test func equalityComparesEveryByte() throws {
        let a = try SHA256.hash([1, 2, 3])
        for i in 0..<Digest.byteCount {
            var b = a.bytes
            b[i] ^= 0x01
            #expect(try Digest(bytes: b) != a)
        }
        #expect(try Digest(bytes: a.bytes) == a)
    }
}
