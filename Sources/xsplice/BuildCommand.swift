import ArgumentParser
import ELF
import Payload

struct BuildCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "build",
        abstract: "Make a payload from a fix (--before/--after objects) or from a hand-written patch object.",
        discussion: """
            With --before ORIG.o --after FIXED.o (repeatable, one pair per changed source file, both compiled \
            with the program's flags plus -ffunction-sections -fdata-sections -fno-lto), xsplice proves ORIG.o \
            is the running build and finds the changed functions itself. With --object, it takes the functions \
            of a hand-written patch file.
            """
    )

    @Option(name: .long, help: "The program or shared library to patch, as built.") var binary: String
    @Option(name: .long, help: "A hand-written patch object holding the replacement functions.") var object: String?
    @Option(name: .long, help: "The original object of a changed source file, as running (repeatable).")
    var before: [String] = []
    @Option(name: .long, help: "The same source file with the fix, compiled the same way (repeatable).")
    var after: [String] = []
    @Option(name: .long, help: "A unified diff of the fix (-p1), compiled with --compile-commands.")
    var patch: String?
    @Option(name: .customLong("compile-commands"), help: "The compile_commands.json of the running build.")
    var compileCommands: String?
    @Option(name: .customLong("source-root"), help: "With --patch: the tree the diff applies to (default: .).")
    var sourceRoot: String?
    @Option(name: .long, help: "The binary's separate debug file, for a stripped binary.") var symbols: String?
    @Flag(name: .long, help: "With --before/--after: print the comparison in detail.") var explain = false
    @Option(
        name: .customLong("function"),
        help:
            """
            NAME, FILE:NAME, NAME@0xADDR or 0xADDR; repeatable. Default: every function of the object that the \
            binary has.
            """
    )
    var functions: [String] = []
    @Option(name: .long, help: "A name for people; default: the output file name.") var name: String?
    @Option(name: .customLong("on-top-of"), help: "A payload this one stacks on (repeatable).") var onTopOf: [String] =
        []
    @Flag(name: .customLong("also-virgin"), help: "With --on-top-of, also accept the unpatched function.")
    var alsoVirgin = false
    @Option(name: .shortAndLong, help: "Where to write the payload.") var output: String
    @Flag(name: .long, help: "Print the result as JSON.") var json = false

    func run() throws {
        if patch != nil || compileCommands != nil {
            guard let patch, let compileCommands, before.isEmpty, after.isEmpty, object == nil, functions.isEmpty
            else {
                throw Exit(code: Exit.badInput, message: "--patch and --compile-commands go together, without "
                    + "--before/--after, --object or --function")
            }
            return try runFromPatch(patch, database: compileCommands)
        }
        if !before.isEmpty || !after.isEmpty {
            guard object == nil, functions.isEmpty else {
                throw Exit(code: Exit.badInput, message: "--before/--after find the functions themselves; "
                    + "--object and --function are for a hand-written patch file")
            }
            return try runFromFix(before: before, after: after)
        }
        guard let object else {
            throw Exit(code: Exit.badInput, message: "give --before ORIG.o --after FIXED.o, or --object PATCH.o")
        }
        let bin = try ELFFile(path: binary)
        let obj = try ELFFile(path: object)
        let specs = try functions.map { try FunctionSpec(parsing: $0) }
        let bases = try onTopOf.map { try PayloadFile.load(path: $0) }
        let builder = PayloadBuilder(binary: bin, binaryName: binary, object: obj, objectName: object)
        let file = try builder.build(
            .init(name: name ?? defaultName, functions: specs, onTopOf: bases, alsoVirgin: alsoVirgin))
        try file.write(to: output)
        if json {
            try Console.json(PayloadDescription(file))
        } else {
            Console.out(
                "built \(output): payload \(file.payload.name) \(file.id.hex), \(file.payload.functions.count) " +
                    "function(s): \(file.payload.functions.map(\.displayName).joined(separator: ", "))"
            )
        }
    }

    var defaultName: String {
        String(output.split(separator: "/").last ?? Substring(output)).replacingOccurrences(of: ".xsp", with: "")
    }
}
