import Foundation
import Glibc
import Testing
import TestSupport

/// `xsplice store add/list/remove`: what goes in is checked, and what the
/// store holds is checked again when it is read.
@Suite struct PayloadStoreTests {
    let dir: String
    let store: String
    let payload: String

    init() throws {
        try Corpus.ensureBuilt()
        dir = Paths.tempDir("store")
        store = dir + "/store"
        payload = try Corpus.payload(try Manifest("counter"), "fixA")
    }

    func x(_ args: [String], env: [String: String] = [:]) throws -> Shell.Result {
        try Shell.xsplice(args, environment: env)
    }

    func files() -> [String] { ((try? FileManager.default.contentsOfDirectory(atPath: store)) ?? []).sorted() }

    @Test func addListRemoveRoundTrip() throws {
        let a = try x(["store", "add", "--store", store, "--json", payload])
        #expect(a.status == 0, "\(a.stderr)")
        struct Listing: Decodable { var id: String; var name: String; var module: String; var build_id: String? }
        let added = try JSONDecoder().decode(Listing.self, from: Data(a.stdout.utf8))
        #expect(files() == [added.id + ".xsp"] && added.name == "counter-fixA" && added.module == "")
        #expect(added.build_id?.count == 40)
        #expect(try x(["store", "add", "--store", store, payload]).stdout.contains("already stored"))
        // The environment variable names the store when --store is absent.
        let l = try x(["store", "list"], env: ["XSPLICE_STORE": store])
        #expect(l.status == 0 && l.stdout.contains("counter-fixA"), "\(l.stdout)\(l.stderr)")
        let gone = try x(["store", "remove", "--store", store, "--json", String(added.id.prefix(12))])
        #expect(gone.status == 0 && files().isEmpty && gone.stdout.contains(added.id), "\(gone.stderr)")
        #expect(try x(["store", "add", "--store", store, payload]).status == 0)
        #expect(try x(["store", "remove", "--store", store, "counter-fixA"]).status == 0 && files().isEmpty)
        let again = try x(["store", "remove", "--store", store, "counter-fixA"])
        #expect(again.status == 2 && again.stderr.contains("no stored payload"), "\(again.stderr)")
    }

    @Test func malformedAndUnsignedPayloadsAreNotStored() throws {
        let junk = dir + "/junk.xsp"
        try Data("not a payload".utf8).write(to: URL(fileURLWithPath: junk))
        let bad = try x(["store", "add", "--store", store, junk])
        #expect(bad.status == 2 && bad.stderr.contains("not a valid payload") && files().isEmpty, "\(bad.stderr)")

        // Under a trust policy an unsigned payload is refused (exit 1), a
        // signed one is stored.
        let trust = dir + "/trust.d"
        try FileManager.default.createDirectory(atPath: trust, withIntermediateDirectories: true)
        #expect(try x(["keygen", "--out", dir + "/k"]).status == 0)
        try FileManager.default.copyItem(atPath: dir + "/k.pub", toPath: trust + "/k.pub")
        let env = ["XSPLICE_TRUST_DIR": trust]
        let unsigned = try x(["store", "add", "--store", store, payload], env: env)
        #expect(unsigned.status == 1 && unsigned.stderr.contains("unsigned") && files().isEmpty, "\(unsigned.stderr)")
        let signed = dir + "/signed.xsp"
        #expect(try x(["sign", "--key", dir + "/k.key", payload, "-o", signed]).status == 0)
        #expect(try x(["store", "add", "--store", store, signed], env: env).status == 0)
        #expect(files().count == 1)

        // A file put there by hand gets the same scrutiny when read: an
        // unsigned one and one whose name is not its ID are set aside.
        let other = try Corpus.payload(try Manifest("counter"), "fixB")
        struct Added: Decodable { var id: String }
        let scratch = try x(["store", "add", "--store", dir + "/scratch", "--json", other])
        let otherID = try JSONDecoder().decode(Added.self, from: Data(scratch.stdout.utf8)).id
        try FileManager.default.copyItem(atPath: other, toPath: store + "/\(otherID).xsp")
        let misnamed = store + "/" + String(repeating: "0", count: 64) + ".xsp"
        try FileManager.default.copyItem(atPath: signed, toPath: misnamed)
        let l = try x(["store", "list", "--store", store, "--json"], env: env)
        #expect(l.status == 1, "\(l.stdout)\(l.stderr)")
        struct Listing: Decodable {
            struct P: Decodable { var name: String }
            var payloads: [P]
            var rejected: [[String: String]]
        }
        let listing = try JSONDecoder().decode(Listing.self, from: Data(l.stdout.utf8))
        #expect(listing.payloads.map(\.name) == ["counter-fixA"], "\(l.stdout)")
        let reasons = listing.rejected.compactMap { $0["reason"] }
        #expect(reasons.contains { $0.contains("unsigned") } && reasons.contains { $0.contains("renamed or altered") },
                "\(l.stdout)")
    }

    @Test func aStoreOthersCanWriteIsRefused() throws {
        try FileManager.default.createDirectory(atPath: store, withIntermediateDirectories: true)
        chmod(store, 0o777)
        let r = try x(["store", "add", "--store", store, payload])
        #expect(r.status == 2 && r.stderr.contains("writable by group or others") && files().isEmpty, "\(r.stderr)")
        let w = try Shell.run("/usr/bin/unshare", ["-n", Paths.xsplice, "watch", "--store", store])
        #expect(w.status == 2 && w.stderr.contains("writable by group or others"), "\(w.stderr)")
    }
}
