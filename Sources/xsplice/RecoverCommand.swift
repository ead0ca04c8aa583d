import Applier
import ArgumentParser

struct RecoverCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "recover",
        abstract: "Finish or abandon an operation that an interrupted xsplice left in a process.",
        discussion: "apply, revert and replace do this on their own before they start; recover does only this."
    )
    @OptionGroup var live: LiveOptions

    func run() throws {
        let s = try live.session()
        let done: String?
        do { done = try s.recover(timeoutSeconds: live.timeout) } catch { throw Exit.fromLive(error) }
        if live.json {
            try Console.json(
                RecoverOutput(pid: live.pid ?? 0, pending: done != nil, action: done ?? "nothing was pending"))
        } else {
            Console.out(done ?? "nothing was pending in process \(live.pid ?? 0)")
        }
    }
}

struct RecoverOutput: Encodable {
    var pid: Int32
    var pending: Bool
    var action: String
}
