import Foundation
import Hash
@testable import Payload
import TestSupport
import Testing

/// Ed25519 itself, against RFC 8032 and through PEM.
@Suite struct Ed25519Tests {
    // RFC 8032, section 7.1, TEST 1 (empty message).
    static let secret = "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60"
    static let `public` = "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a"
    static let signature =
        "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e06522490155" +
            "5fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b"

    @Test func rfc8032Vector1() throws {
        let key = try Ed25519.PrivateKey(raw: try Hex.decode(Self.secret))
        #expect(Hex.encode(key.publicKey.raw) == Self.public)
        let sig = try key.sign([])
        #expect(Hex.encode(sig) == Self.signature)
        let pub = try Ed25519.PublicKey(raw: try Hex.decode(Self.public))
        #expect(try pub.isValidSignature(sig, for: []))
        #expect(try !pub.isValidSignature(sig, for: [0]))
        var bad = sig
        bad[63] ^= 1
        #expect(try !pub.isValidSignature(bad, for: []))
        #expect(try !pub.isValidSignature(Array(sig.prefix(63)), for: []))
        #expect(pub.id == (try SHA256.hash(pub.raw)))
    }

    @Test func pemRoundTripKeepsTheKey() throws {
        let key = try Ed25519.PrivateKey.generate()
        let privatePEM = try key.pem()
        let publicPEM = try key.publicKey.pem()
        #expect(String(decoding: privatePEM, as: UTF8.self).hasPrefix("-----BEGIN PRIVATE KEY-----"))
        #expect(String(decoding: publicPEM, as: UTF8.self).hasPrefix("-----BEGIN PUBLIC KEY-----"))
        let again = try Ed25519.PrivateKey(pem: privatePEM)
        #expect(again.publicKey == key.publicKey)
        let pub = try Ed25519.PublicKey(pem: publicPEM)
        #expect(pub == key.publicKey)
        let msg = Array("hello".utf8)
        #expect(try pub.isValidSignature(again.sign(msg), for: msg))
        #expect(try Ed25519.PrivateKey.generate().publicKey != key.publicKey)
    }

    @Test func badKeysAreTypedErrors() throws {
        #expect(throws: SignatureError.wrongLength(what: "public key", expected: 32, found: 31)) {
            try Ed25519.PublicKey(raw: [UInt8](repeating: 1, count: 31))
        }
        #expect(throws: SignatureError.wrongLength(what: "private key", expected: 32, found: 0)) {
            try Ed25519.PrivateKey(raw: [])
        }
        let garbage = Array("-----BEGIN PUBLIC KEY-----\nnot base64!\n-----END PUBLIC KEY-----\n".utf8)
        do {
            _ = try Ed25519.PublicKey(pem: garbage)
            Issue.record("garbage PEM was accepted")
        } catch {
            guard case .malformedPEM = error else { Issue.record("unexpected \(error)"); return }
            #expect(error.description.contains("xsplice keygen"))
        }
        // A public key where a private key belongs, and the reverse.
        let key = try Ed25519.PrivateKey.generate()
        #expect(throws: SignatureError.self) { try Ed25519.PrivateKey(pem: key.publicKey.pem()) }
        #expect(throws: SignatureError.self) { try Ed25519.PublicKey(pem: key.pem()) }
        #expect(throws: SignatureError.self) { try Ed25519.PublicKey(pem: []) }
    }
}

/// Signature records and the trust check, on payloads made in memory.
@Suite struct PayloadSignatureTests {
    @Test func signingKeepsBodyAndIDAndVerifies() throws {
        let file = try PayloadFile(payload: PayloadSamples.make())
        let key = try Ed25519.PrivateKey.generate()
        let signed = try file.signed(with: key)
        #expect(signed.id == file.id && signed.body == file.body)
        let decoded = try PayloadCodec.decode(signed.encoded())
        #expect(decoded.id == file.id)
        let sigs = try decoded.signatures()
        #expect(sigs.count == 1 && sigs[0].keyID == key.publicKey.id)
        #expect(decoded.trailer[0].bytes.count == 96)
        try PayloadTrust.check(decoded, trusted: [key.publicKey])
        // The signature covers the domain-separated body, not the bare body.
        #expect(try key.publicKey.isValidSignature(sigs[0].signature, for: PayloadSignature.message(body: file.body)))
        #expect(try !key.publicKey.isValidSignature(sigs[0].signature, for: file.body))
    }

    @Test func resigningReplacesAndASecondKeyAdds() throws {
        let file = try PayloadFile(payload: PayloadSamples.make())
        let a = try Ed25519.PrivateKey.generate(), b = try Ed25519.PrivateKey.generate()
        let once = try file.signed(with: a)
        let twice = try once.signed(with: a)
        #expect(try twice.signatures().count == 1)
        let both = try twice.signed(with: b)
        #expect(try both.signatures().map(\.keyID) == [a.publicKey.id, b.publicKey.id])
        try PayloadTrust.check(both, trusted: [a.publicKey])
        try PayloadTrust.check(both, trusted: [b.publicKey])
        // Unknown trailer records survive signing.
        let withOther = try PayloadFile(payload: PayloadSamples.make(), trailer: [TrailerRecord(tag: 9, bytes: [7])])
        #expect(try withOther.signed(with: a).trailer.first == TrailerRecord(tag: 9, bytes: [7]))
    }

    @Test func refusalsSayWhich() throws {
        let file = try PayloadFile(payload: PayloadSamples.make())
        let signer = try Ed25519.PrivateKey.generate(), other = try Ed25519.PrivateKey.generate()
        #expect(throws: TrustError.unsigned(payload: "sample", id: file.id)) {
            try PayloadTrust.check(file, trusted: [signer.publicKey])
        }
        let signed = try file.signed(with: signer)
        #expect(throws: TrustError.untrusted(payload: "sample", id: file.id, keys: [signer.publicKey.id])) {
            try PayloadTrust.check(signed, trusted: [other.publicKey])
        }
        var records = signed.trailer
        records[0].bytes[40] ^= 0x80
        let tampered = try PayloadFile(payload: file.payload, trailer: records)
        #expect(throws: TrustError.badSignature(payload: "sample", id: file.id, key: signer.publicKey.id)) {
            try PayloadTrust.check(tampered, trusted: [signer.publicKey, other.publicKey])
        }
        let text = TrustError.badSignature(payload: "sample", id: file.id, key: signer.publicKey.id).description
        #expect(text.contains("does not verify (payload altered?)") && text.contains(signer.publicKey.id.shortHex))
        #expect(TrustError.unsigned(payload: "p", id: file.id).description.contains("unsigned"))
        #expect(TrustError.untrusted(payload: "p", id: file.id, keys: [other.publicKey.id]).description
            .contains("signed by an untrusted key \(other.publicKey.id.shortHex)"))
    }

    @Test func malformedSignatureRecordsAreRejected() throws {
        let file = try PayloadFile(payload: PayloadSamples.make())
        let key = try Ed25519.PrivateKey.generate()
        let good = try file.signed(with: key).trailer[0]
        for n in [0, 32, 95, 97] {
            let bytes = Array((good.bytes + [0]).prefix(n))
            let bad = try PayloadFile(payload: file.payload, trailer: [TrailerRecord(tag: 1, bytes: bytes)])
            #expect(throws: PayloadError.self, "\(n) bytes") { try PayloadCodec.decode(bad.encoded()) }
            do {
                try PayloadTrust.check(bad, trusted: [key.publicKey])
                Issue.record("a \(n)-byte signature record passed")
            } catch {
                #expect(!error.isRefusal && error.description.contains("expected 96 bytes"), "\(error)")
            }
            #expect(throws: PayloadError.self) { try bad.signed(with: key) }
        }
        // Two signatures by one key.
        let dup = try PayloadFile(payload: file.payload, trailer: [good, good])
        #expect(throws: PayloadError.self) { try PayloadCodec.decode(dup.encoded()) }
    }
}

/// keygen, sign, --trust and the policy directory through the real CLI.
@Suite struct SignatureCLITests {
    let m: Manifest
    let dir: String
    init() throws {
        try Corpus.ensureBuilt()
        m = try Manifest("counter")
        dir = Paths.tempDir("sig")
    }

    func keygen(_ name: String) throws -> String {
        let r = try Shell.xsplice("keygen", "--out", "\(dir)/\(name)")
        guard r.status == 0 else { throw TestFailure("keygen failed: \(r.stderr)") }
        return "\(dir)/\(name)"
    }

    func sign(_ payload: String, _ key: String, _ out: String) throws -> String {
        let path = "\(dir)/\(out).xsp"
        let r = try Shell.xsplice("sign", "--key", key + ".key", payload, "-o", path)
        guard r.status == 0 else { throw TestFailure("sign failed: \(r.stderr)") }
        return path
    }

    func inspect(_ path: String) throws -> [String: Any] {
        let r = try Shell.xsplice("inspect", "--json", path)
        return try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
    }

    func mode(_ path: String) throws -> Int {
        try #require((try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? NSNumber)?.intValue)
    }

    @Test func keygenWritesAPrivateKeyAndRefusesToOverwrite() throws {
        let r = try Shell.xsplice("keygen", "--out", "\(dir)/k")
        #expect(r.status == 0, "\(r.stderr)")
        #expect(try mode("\(dir)/k.key") == 0o600)
        #expect(try mode("\(dir)/k.pub") == 0o644)
        let pem = try String(contentsOfFile: "\(dir)/k.pub", encoding: .utf8)
        let pub = try Ed25519.PublicKey(pem: Array(pem.utf8))
        #expect(r.stdout.contains(pub.id.hex), "\(r.stdout)")
        let before = try Data(contentsOf: URL(fileURLWithPath: "\(dir)/k.key"))
        let again = try Shell.xsplice("keygen", "--out", "\(dir)/k")
        #expect(again.status == 2 && again.stderr.contains("already exists"), "\(again.stderr)")
        #expect(try Data(contentsOf: URL(fileURLWithPath: "\(dir)/k.key")) == before)
        // Only the .pub existing is refused as well, and creates no .key.
        try Data(pem.utf8).write(to: URL(fileURLWithPath: "\(dir)/half.pub"))
        #expect(try Shell.xsplice("keygen", "--out", "\(dir)/half").status == 2)
        #expect(!FileManager.default.fileExists(atPath: "\(dir)/half.key"))
    }

    @Test func signKeepsThePayloadIDAndInspectListsTheKey() throws {
        let key = try keygen("k")
        let plain = try Corpus.payload(m, "fixA")
        let path = "\(dir)/signed.xsp"
        let r = try Shell.xsplice("sign", "--key", key + ".key", plain, "-o", path)
        #expect(r.status == 0, "\(r.stderr)")
        let before = try inspect(plain), after = try inspect(path)
        let id = try #require(before["id"] as? String)
        #expect(after["id"] as? String == id)
        #expect(r.stdout.contains(id))
        #expect(before["signatures"] as? Int == 0 && after["signatures"] as? Int == 1)
        let pub = try Ed25519.PublicKey(pem: Array(try Data(contentsOf: URL(fileURLWithPath: key + ".pub"))))
        #expect(after["signature_keys"] as? [String] == [pub.id.hex])
        #expect(r.stdout.contains(pub.id.hex))
        #expect(try Shell.xsplice("inspect", path).stdout.contains("signed   yes (1)"))
        // A missing or wrong key file is bad input.
        #expect(try Shell.xsplice("sign", "--key", "\(dir)/none.key", plain, "-o", path).status == 2)
        #expect(try Shell.xsplice("sign", "--key", key + ".pub", plain, "-o", path).status == 2)
    }

    @Test func verifyWithTrustAcceptsOnlyTheRightSignature() throws {
        let key = try keygen("k"), other = try keygen("other")
        let plain = try Corpus.payload(m, "fixA")
        let signed = try sign(plain, key, "good")
        let ok = try Shell.xsplice("verify", "--image", m.binaryPath, "--trust", key + ".pub", signed)
        #expect(ok.status == 0 && ok.stdout.contains("verdict: applicable"), "\(ok.stdout)\(ok.stderr)")
        // Several --trust keys: any one will do.
        #expect(
            try Shell.xsplice(
                "verify", "--image", m.binaryPath, "--trust", other + ".pub", "--trust", key + ".pub", signed
            ).status == 0)
        // Without any trusted key nothing changes for an unsigned payload.
        #expect(
            try Shell.xsplice(
                ["verify", "--image", m.binaryPath, plain],
                environment: [TrustPolicy.environmentVariable: dir + "/none"]
            ).status == 0)

        let unsigned = try Shell.xsplice("verify", "--image", m.binaryPath, "--trust", key + ".pub", plain)
        #expect(unsigned.status == 1 && unsigned.stderr.contains("unsigned"), "\(unsigned.stderr)")
        #expect(!unsigned.stdout.contains("virgin"), "refused before looking at the target")

        let wrong = try Shell.xsplice("verify", "--image", m.binaryPath, "--trust", other + ".pub", signed)
        #expect(wrong.status == 1 && wrong.stderr.contains("untrusted"), "\(wrong.stderr)")

        // Two payloads: one unsigned refuses the lot.
        #expect(
            try Shell.xsplice(
                "verify", "--image", m.binaryPath, "--trust", key + ".pub", signed, try Corpus.payload(m, "fixB")
            ).status == 1)

        let missing = try Shell.xsplice("verify", "--image", m.binaryPath, "--trust", "\(dir)/nope.pub", signed)
        #expect(missing.status == 2 && missing.stderr.contains("nope.pub"), "\(missing.stderr)")
        let privateAsTrust = try Shell.xsplice("verify", "--image", m.binaryPath, "--trust", key + ".key", signed)
        #expect(privateAsTrust.status == 2 && privateAsTrust.stderr.contains("private key"), "\(privateAsTrust.stderr)")
    }

    @Test func alteredSignatureOrBodyIsNeverAccepted() throws {
        let key = try keygen("k")
        let signed = try sign(try Corpus.payload(m, "fixA"), key, "good")
        let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: signed)))
        let altered = "\(dir)/altered.xsp"

        // The file ends with the 64-byte signature.
        for back in [1, 20, 64] {
            var b = bytes
            b[b.count - back] ^= 0x01
            try Data(b).write(to: URL(fileURLWithPath: altered))
            let r = try Shell.xsplice("verify", "--image", m.binaryPath, "--trust", key + ".pub", altered)
            #expect(r.status == 1 && r.stderr.contains("does not verify"), "signature byte -\(back): \(r.stderr)")
        }
        // The body blob starts at offset 16 (magic, version, reserved, length).
        let bodyLength = Int(bytes[12]) | Int(bytes[13]) << 8 | Int(bytes[14]) << 16 | Int(bytes[15]) << 24
        var statuses: Set<Int32> = []
        for offset in stride(from: 16, to: 16 + bodyLength, by: max(1, bodyLength / 40)) {
            var b = bytes
            b[offset] ^= 0x04
            try Data(b).write(to: URL(fileURLWithPath: altered))
            let r = try Shell.xsplice("verify", "--image", m.binaryPath, "--trust", key + ".pub", altered)
            #expect(r.status == 1 || r.status == 2, "body byte \(offset): exit \(r.status) \(r.stderr)")
            statuses.insert(r.status)
        }
        // Some flips still decode; the signature is what refuses them.
        #expect(statuses.contains(1), "\(statuses)")
    }

    @Test func aPolicyDirectoryMakesSignaturesMandatory() throws {
        let key = try keygen("k")
        let plain = try Corpus.payload(m, "fixA")
        let signed = try sign(plain, key, "good")
        let policy = Paths.tempDir("trust.d")
        let env = [TrustPolicy.environmentVariable: policy]
        // An empty policy directory enforces nothing.
        #expect(try Shell.xsplice(["verify", "--image", m.binaryPath, plain], environment: env).status == 0)

        try FileManager.default.copyItem(atPath: key + ".pub", toPath: policy + "/ops.pub")
        // Files that are not *.pub are not keys.
        try Data("notes".utf8).write(to: URL(fileURLWithPath: policy + "/README"))
        let refused = try Shell.xsplice(["verify", "--image", m.binaryPath, plain], environment: env)
        #expect(refused.status == 1 && refused.stderr.contains("unsigned"), "\(refused.stderr)")
        let ok = try Shell.xsplice(["verify", "--image", m.binaryPath, signed], environment: env)
        #expect(ok.status == 0, "\(ok.stderr)")
        // A --trust key adds to the policy; it does not replace it.
        let other = try keygen("other")
        let otherSigned = try sign(plain, other, "other")
        #expect(
            try Shell.xsplice(
                ["verify", "--image", m.binaryPath, "--trust", other + ".pub", otherSigned], environment: env
            ).status == 0)
        #expect(try Shell.xsplice(["verify", "--image", m.binaryPath, otherSigned], environment: env).status == 1)

        // A broken key in the policy is bad input, named, never skipped.
        try Data("garbage".utf8).write(to: URL(fileURLWithPath: policy + "/broken.pub"))
        let broken = try Shell.xsplice(["verify", "--image", m.binaryPath, signed], environment: env)
        #expect(broken.status == 2 && broken.stderr.contains("broken.pub"), "\(broken.stderr)")
    }
}

/// apply and replace refuse unsigned payloads before touching the process.
@Suite struct SignatureLiveTests {
    @Test func applyWithTrustRefusesUnsignedAndAcceptsSigned() throws {
        let h = try LiveHarness("counter", args: ["30"])
        defer { h.process.stop() }
        let dir = Paths.tempDir("sig-live")
        #expect(try Shell.xsplice("keygen", "--out", "\(dir)/k").status == 0)
        let plain = try h.payload("fixA")
        let signed = "\(dir)/fixA.signed.xsp"
        #expect(try Shell.xsplice("sign", "--key", "\(dir)/k.key", plain, "-o", signed).status == 0)
        let original = try h.codeSnapshot()

        let refused = try Shell.xsplice("apply", "--pid", h.pid, "--trust", "\(dir)/k.pub", plain)
        #expect(refused.status == 1 && refused.stderr.contains("unsigned"), "\(refused.stderr)")
        #expect(try h.codeSnapshot() == original)
        h.expectOutput([])
        #expect(try h.listJSON().contains("[") && !(try h.listJSON().contains("counter-fixA")))

        let env = [TrustPolicy.environmentVariable: dir]   // holds k.pub: a policy
        let policyRefused = try Shell.xsplice(["apply", "--pid", h.pid, plain], environment: env)
        #expect(policyRefused.status == 1, "\(policyRefused.stderr)")
        #expect(try h.codeSnapshot() == original)

        let applied = try Shell.xsplice("apply", "--pid", h.pid, "--trust", "\(dir)/k.pub", signed)
        #expect(applied.status == 0, "\(applied.stdout)\(applied.stderr)")
        h.expectOutput(["fixA"])
        let patched = try h.codeSnapshot()
        #expect(patched != original)

        // replace checks the new payload the same way.
        let cum = try h.payload("cumA")
        let replaceRefused = try Shell.xsplice(["replace", "--pid", h.pid, "counter-fixA", cum], environment: env)
        #expect(replaceRefused.status == 1 && replaceRefused.stderr.contains("unsigned"), "\(replaceRefused.stderr)")
        #expect(try h.codeSnapshot() == patched)
        h.expectOutput(["fixA"])

        let cumSigned = "\(dir)/cumA.signed.xsp"
        #expect(try Shell.xsplice("sign", "--key", "\(dir)/k.key", cum, "-o", cumSigned).status == 0)
        let replaced = try Shell.xsplice(["replace", "--pid", h.pid, "counter-fixA", cumSigned], environment: env)
        #expect(replaced.status == 0, "\(replaced.stdout)\(replaced.stderr)")
        h.expectOutput(["cumA"])

        #expect(try h.revert("cumA").status == 0)
        h.expectOutput([])
        #expect(try h.codeSnapshot() == original)
        #expect(h.process.isAlive)
    }
}
