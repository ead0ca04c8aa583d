import ArgumentParser
import Hash
import Payload

/// `--trust PUB` (repeatable) plus the host policy directory. When either
/// yields a key, every payload must carry a valid signature by one of them.
struct TrustOptions: ParsableArguments {
    @Option(name: .customLong("trust"),
        help: ArgumentHelp(
            "A trusted public key (PEM); repeatable. With any trusted key, unsigned or badly signed payloads are " +
                "refused. Keys in $\(TrustPolicy.environmentVariable) (default \(TrustPolicy.defaultDirectory)) are " +
                "always trusted.",
            valueName: "PUB"))
    var trust: [String] = []

    /// The trusted keys: those given on the command line, then the policy's.
    /// An unreadable or malformed key file is bad input (exit 2).
    func trustedKeys() throws -> [Ed25519.PublicKey] {
        let given: [Ed25519.PublicKey]
        do { given = try trust.map { path throws(KeyFileError) in try KeyFile.loadPublic(path: path) } } catch {
            throw Exit(code: Exit.badInput, message: error.description)
        }
        do { return given + (try TrustPolicy.load().keys.map(\.key)) } catch {
            throw Exit(
                code: Exit.badInput,
                message:
                    "trust policy (\(TrustPolicy.directory())): \(error); fix or remove the file, since a policy key " +
                        "is never skipped"
            )
        }
    }

    /// Refuses (exit 1) the first payload that is not signed by a trusted
    /// key; does nothing when no key is trusted. Run before touching a target.
    func check(_ files: [PayloadFile]) throws {
        let keys = try trustedKeys()
        guard !keys.isEmpty else { return }
        for f in files {
            do { try PayloadTrust.check(f, trusted: keys) } catch {
                throw Exit(code: error.isRefusal ? Exit.refused : Exit.badInput, message: error.description)
            }
        }
    }
}
