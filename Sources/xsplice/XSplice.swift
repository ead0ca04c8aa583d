import ArgumentParser

struct XSplice: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "xsplice",
        abstract: "Verification-first live patching of running x86-64 Linux programs.",
        discussion:
            "Exit codes: 0 done or the state holds; 1 refused, target unchanged; 2 bad input; 3 the target may be " +
                "inconsistent.",
        version: "xsplice \(xspliceVersion) (source \(sourceCommit))",
        subcommands: [BuildCommand.self, InspectCommand.self, VerifyCommand.self, ApplyCommand.self,
                      RevertCommand.self, ReplaceCommand.self, ListCommand.self, RecoverCommand.self,
                      KeygenCommand.self, SignCommand.self, StatusCommand.self, StoreCommand.self, WatchCommand.self,
                      FleetWorkerCommand.self]
    )
}

/// The release this source is; `sourceCommit` comes from the SourceStamp
/// build plugin (the git commit, "+changes" when the tree had edits).
let xspliceVersion = "0.1.0"
