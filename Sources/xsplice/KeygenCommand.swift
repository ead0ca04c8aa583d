import ArgumentParser
import Hash
import Payload

struct KeygenCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "keygen",
        abstract: "Make an Ed25519 signing key: PREFIX.key (private, mode 0600) and PREFIX.pub (PEM)."
    )

    @Option(name: .long, help: ArgumentHelp("Path prefix of the two files.", valueName: "PREFIX")) var out: String
    @Flag(name: .long, help: "Print JSON.") var json = false

    func run() throws {
        let key: Ed25519.PrivateKey
        do { key = try Ed25519.PrivateKey.generate() } catch {
            throw Exit(code: Exit.badInput, message: error.description)
        }
        let paths: (key: String, pub: String)
        do { paths = try KeyFile.writePair(key, prefix: out) } catch {
            throw Exit(code: Exit.badInput, message: "\(error)")
        }
        let id = key.publicKey.id.hex
        if json {
            try Console.json(KeygenOutput(key_id: id, private_key: paths.key, public_key: paths.pub))
        } else {
            Console.out(
                "key id   \(id)\nprivate  \(paths.key) (mode 0600, keep it secret)\npublic   \(paths.pub) (pass with " +
                    "--trust, or copy into \(TrustPolicy.defaultDirectory))"
            )
        }
    }
}

struct KeygenOutput: Encodable {
    var key_id: String
    var private_key: String
    var public_key: String
}
