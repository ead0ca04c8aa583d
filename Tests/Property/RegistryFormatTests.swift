import Applier
import Foundation
import Hash
import Testing

/// The registry's layout is the one docs/registry-format.md gives another
/// tool to read: magic and version, active slot, slot header, checksum, and
/// the JSON keys of the body.
@Suite struct RegistryFormatTests {
    @Test func registryIsLaidOutAsDocumented() throws {
        let t = try TamperFixture()
        _ = try t.session.apply(try t.file("fixA"))
        let mapping = try #require(try t.sim.maps().first { $0.path.hasPrefix("/memfd:xsplice-registry") })
        #expect(mapping.permissions.hasPrefix("r-") || mapping.permissions.hasPrefix("rw"))
        let base = mapping.start
        let header = try t.sim.read(base, count: 4096)
        #expect(Array(header[0..<8]) == Array("XSPREG01".utf8))
        let active = UInt64(header[8])
        #expect(active <= 1 && header[9..<4096].allSatisfy { $0 == 0 })

        let slot = base + 4096 + active * 524_288
        let sh = try t.sim.read(slot, count: 48)
        let generation = le(sh[0..<8]), length = le(sh[8..<12])
        #expect(generation >= 1 && length > 0 && length <= 524_288 - 48)
        #expect(sh[12..<16].allSatisfy { $0 == 0 })
        let body = try t.sim.read(slot + 48, count: Int(length))
        #expect(try SHA256.hash(body).bytes == Array(sh[16..<48]))

        let json = try #require(try JSONSerialization.jsonObject(with: Data(body)) as? [String: Any])
        #expect(Set(json.keys) == ["records"])
        let record = try #require((json["records"] as? [[String: Any]])?.first)
        #expect(Set(record.keys) == ["id", "name", "appliedAtMicros", "regionAddress", "regionSize", "functions"])
        let fn = try #require((record["functions"] as? [[String: Any]])?.first)
        #expect(Set(fn.keys) == ["displayName", "oldSize", "site"])
        let site = try #require(fn["site"] as? [String: Any])
        #expect(Set(site.keys) == ["payloadID", "entryAddress", "patchAddress", "savedBytes", "replacementAddress",
                                   "replacementSize", "replacementHash", "oldHash"])
        #expect((site["savedBytes"] as? [Int])?.count == 5)
        #expect((record["id"] as? String) == (try t.file("fixA")).id.hex)
        #expect((site["oldHash"] as? String) == (try t.function("compute_a")).oldHash.hex)
    }

    func le(_ b: ArraySlice<UInt8>) -> UInt64 {
        b.enumerated().reduce(0) { $0 | UInt64($1.element) << (8 * UInt64($1.offset)) }
    }
}
