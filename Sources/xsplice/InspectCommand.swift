import ArgumentParser
import Payload

struct InspectCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "inspect", abstract: "Show what a payload contains.")

    @Argument(help: "The payload file.") var payload: String
    @Flag(name: .long, help: "Print JSON.") var json = false

    func run() throws {
        let d = PayloadDescription(try PayloadFile.load(path: payload))
        if json { try Console.json(d) } else { Console.out(d.text) }
    }
}
