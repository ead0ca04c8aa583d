import ArgumentParser
import Fleet
import Foundation

/// `--store DIR`, shared by the store commands and `watch`.
struct StoreOption: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp(
        "The payload store (default $\(PayloadStore.environmentVariable), else \(PayloadStore.defaultDirectory)).",
        valueName: "DIR"))
    var store: String?

    var resolved: PayloadStore { PayloadStore.resolve(store) }
}

struct StoreCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "store", abstract: "The payloads `xsplice watch` applies to processes as they start.",
        subcommands: [StoreAddCommand.self, StoreListCommand.self, StoreRemoveCommand.self])
}

extension StoreError {
    var exit: Exit { Exit(code: isRefusal ? Exit.refused : Exit.badInput, message: description) }
}

struct StoreAddCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "add", abstract: "Check a payload (format, and signature under the trust policy) and store it.")
    @OptionGroup var storeOption: StoreOption
    @OptionGroup var trust: TrustOptions
    @Flag(name: .long, help: "Print JSON.") var json = false
    @Argument(help: "The payload file.") var payload: String

    func run() throws {
        let keys = try trust.trustedKeys()
        do {
            let (stored, added) = try storeOption.resolved.add(path: payload, trusted: keys)
            if json { Console.jsonLine(StoreListing(stored)) } else {
                Console.out((added ? "stored " : "already stored ") + StoreListing(stored).text)
            }
        } catch { throw error.exit }
    }
}

struct StoreListCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list", abstract: "The stored payloads, and any file the store would set aside, with why.")
    @OptionGroup var storeOption: StoreOption
    @OptionGroup var trust: TrustOptions
    @Flag(name: .long, help: "Print JSON.") var json = false

    struct Listing: Encodable {
        var payloads: [StoreListing]
        var rejected: [[String: String]]
    }

    func run() throws {
        let keys = try trust.trustedKeys()
        let contents: PayloadStore.Contents
        do { contents = try storeOption.resolved.read(trusted: keys) } catch { throw error.exit }
        if json {
            try Console.json(Listing(payloads: contents.payloads.map(StoreListing.init),
                                     rejected: contents.rejected.map { ["file": $0.file, "reason": $0.reason] }))
        } else {
            for p in contents.payloads { Console.out(StoreListing(p).text) }
            for r in contents.rejected { Console.out("rejected \(r.file): \(r.reason)") }
            if contents.payloads.isEmpty, contents.rejected.isEmpty {
                Console.out("the store \(storeOption.resolved.directory) is empty")
            }
        }
        if !contents.rejected.isEmpty { throw Exit(code: Exit.refused, message: nil) }
    }
}

struct StoreRemoveCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "remove",
        abstract: "Remove a stored payload (by name or ID prefix); processes that have it keep it.")
    @OptionGroup var storeOption: StoreOption
    @Flag(name: .long, help: "Print JSON.") var json = false
    @Argument(help: "The payload's name or ID prefix (8 hex digits or more).") var key: String

    func run() throws {
        do {
            let gone = try storeOption.resolved.remove(key)
            if json { Console.jsonLine(StoreListing(gone)) } else {
                Console.out("removed \(StoreListing(gone).text); revert it from running processes with "
                    + "`xsplice revert --all \(gone.name)`")
            }
        } catch { throw error.exit }
    }
}
