import ArgumentParser
import Foundation

// A custom entry point maps every failure onto the exit codes the README
// documents (0 done, 1 refused, 2 bad input, 3 inconsistent); ArgumentParser
// alone would exit 64 on usage errors.
do {
    var command = try XSplice.parseAsRoot()
    try command.run()
} catch let e as Exit {
    e.emit()
} catch {
    if XSplice.exitCode(for: error) == .success {
        XSplice.exit(withError: error)
    }
    if isUsageError(error) {
        Console.err(XSplice.fullMessage(for: error))
        Foundation.exit(Exit.badInput)
    }
    Exit.from(error).emit()
}

func isUsageError(_ error: Error) -> Bool {
    XSplice.exitCode(for: error) == .validationFailure || String(describing: type(of: error)).contains("CommandError")
}
