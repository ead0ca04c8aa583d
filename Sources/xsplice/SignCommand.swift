import ArgumentParser
import Hash
import Payload

struct SignCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sign",
        abstract:
            "Add a signature to a payload (replacing an earlier one by the same key); the payload ID does not change."
    )

    @Option(name: .long, help: ArgumentHelp("The private key written by keygen.", valueName: "PREFIX.key")) var key:
        String
    @Argument(help: "The payload file.") var payload: String
    @Option(
        name: .short, help: ArgumentHelp("Where to write the signed payload (may be the input).", valueName: "OUT.xsp"))
    var o: String
    @Flag(name: .long, help: "Print JSON.") var json = false

    func run() throws {
        let file = try PayloadFile.load(path: payload)
        let signer: Ed25519.PrivateKey
        do { signer = try KeyFile.loadPrivate(path: key) } catch {
            throw Exit(code: Exit.badInput, message: error.description)
        }
        let signed = try file.signed(with: signer)
        try signed.write(to: o)
        let keyID = signer.publicKey.id.hex
        let count = try signed.signatures().count
        if json {
            try Console.json(SignOutput(payload: o, id: signed.id.hex, key_id: keyID, signatures: count))
        } else {
            Console.out("signed   \(o)\n  id       \(signed.id.hex)\n  key id   \(keyID)\n  signatures \(count)")
        }
    }
}

struct SignOutput: Encodable {
    var payload: String
    var id: String
    var key_id: String
    var signatures: Int
}
