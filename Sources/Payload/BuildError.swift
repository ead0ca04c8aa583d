/// Why `xsplice build` refused. Every case is bad input (exit 2).
public enum BuildError: Error, CustomStringConvertible, Equatable, Sendable {
    case functionNotInBinary(String, binary: String)
    case functionNotInObject(String, object: String)
    case ambiguous(String, candidates: [String])
    case tooShort(String, size: UInt64, minimum: Int)
    case tooLarge(String, size: UInt64, maximum: Int)
    case notInOwnSection(String, section: String)
    case unsupportedRelocation(type: UInt32, section: String, offset: UInt64)
    case writableData(symbol: String, section: String)
    case badSymbolReference(section: String, offset: UInt64, reason: String)
    case noFunctions(object: String)
    case badSpec(String)
    /// --function text that names no function ("NAME", "FILE:NAME", ...).
    case unreadableFunctionSpec(String)
    case unreadableAddress(String)
    case namedTwice(String)
    case noModuleName(path: String)
    case notAModule(path: String)
    /// --on-top-of names a payload built against other old bytes.
    case baseFromAnotherBuild(base: String, function: String, expected: String, found: String)
    case noSuchObjectSection(Int)
    case objectSectionTooLarge(section: String, size: UInt64)
    /// What was built fails the payload validator: a bug in build, not input.
    case builtPayloadInvalid(PayloadError)
    case notInExecutableSegment(String)
    case badUnwind(section: String, offset: Int, reason: String)
    case dynamicTLS(symbol: String, user: String, model: String)
    /// A reference the new code makes that cannot be bound as the linker would.
    case cannotBind(reference: String, user: String, reason: String)
    /// Writable data the fix defines that the running build does not have.
    case newVariable(symbol: String, section: String, user: String)
    /// The fix gives an existing variable another initial value, which the
    /// running process, keeping its own value, would never see.
    case changedInitialValue(variable: String, user: String, firstByte: Int)

    public var description: String {
        switch self {
        case let .functionNotInBinary(f, bin):
            return
                "function \(f) is not defined in \(bin); check the name, or that the binary is the build you want to " +
                    "patch (not stripped)"
        case let .functionNotInObject(f, obj):
            return
                "function \(f) is not defined in \(obj); the object must contain the replacement, compiled with " +
                    "-ffunction-sections"
        case let .ambiguous(f, c):
            return
                "several functions are named \(f): \(c.joined(separator: ", ")); name one as FILE:NAME or " +
                    "NAME@0xADDRESS"
        case let .tooShort(f, size, minimum):
            return
                "function \(f) is \(size) bytes; xsplice needs at least \(minimum) to write its jump; patch its " +
                    "caller instead"
        case let .tooLarge(f, size, maximum):
            return "function \(f) is \(size) bytes by its symbol, more than the \(maximum) a payload carries; "
                + "check that the binary is not damaged"
        case let .notInOwnSection(f, s):
            return
                "replacement \(f) lives in section \(s), not in its own .text.\(f); compile the object with " +
                    "-ffunction-sections"
        case let .unsupportedRelocation(t, s, o):
            return
                "relocation type \(t) in \(s) at offset 0x\(String(o, radix: 16)) cannot be carried in a payload " +
                    "(supported: PC32, PLT32, 64, 32, 32S, GOTPCREL, GOTPCRELX, REX_GOTPCRELX, GOTTPOFF, TPOFF32); " +
                    "compile without it (e.g. -mcmodel=small)"
        case let .writableData(sym, s):
            return
                "the new code references writable data \(sym) defined in the object (section \(s)); new globals " +
                    "cannot be added by a live patch: declare the program's variable extern instead"
        case let .badSymbolReference(s, o, why):
            return "relocation at \(s)+0x\(String(o, radix: 16)): \(why)"
        case let .noFunctions(obj):
            return "no function of \(obj) matches a function of the binary; name them with --function"
        case let .badSpec(why):
            return why
        case let .dynamicTLS(sym, user, model):
            return "\(user) reaches the thread-local variable \(sym) through the \(model) TLS model "
                + "(__tls_get_addr), whose offsets exist only per thread at run time; xsplice binds only "
                + "initial-exec and local-exec references: compile the replacement with "
                + "-ftls-model=initial-exec (a library's variable must then be in static TLS, as it is "
                + "for the program's own)"
        case let .badUnwind(s, o, why):
            return "the unwind information \(s) at offset \(o) holds \(why); rebuild the object with the "
                + "compiler's default unwind tables"
        case let .unreadableFunctionSpec(text):
            return "cannot read function \"\(text)\"; expected NAME, FILE:NAME, NAME@0xADDRESS or 0xADDRESS"
        case let .unreadableAddress(text):
            return "cannot read the address in \"\(text)\"; write it as 0x followed by hex digits"
        case let .namedTwice(f): return "function \(f) is named twice"
        case let .noModuleName(path):
            return "\(path) is a shared library without DT_SONAME and without a file name to know it by"
        case let .notAModule(path):
            return "\(path) is not an executable or a shared library "
                + "(use --binary for the program and --object for the replacement)"
        case let .baseFromAnotherBuild(base, f, expected, found):
            return
                "--on-top-of \(base): it expects different old bytes for \(f) (\(expected), this binary has \(found)); "
                + "it was built against another build"
        case let .noSuchObjectSection(i): return "the object references section #\(i), which does not exist"
        case let .objectSectionTooLarge(s, size):
            return "section \(s) of the object is \(size) bytes, more than a payload carries"
        case let .builtPayloadInvalid(e):
            return "the built payload fails validation (\(e)); check the binary and the object"
        case let .cannotBind(ref, user, why):
            return "cannot bind \(ref), used by \(user): \(why)"
        case let .newVariable(sym, sec, user):
            return
                "\(user) references writable data \(sym) (section \(sec)) that the running build does not have; new " +
                    "variables cannot be added by a live patch: keep the variable's name (and size), or declare the " +
                    "program's variable extern"
        case let .changedInitialValue(v, user, at):
            return
                "\(user) uses the existing variable \(v), whose initial value the fix changes (first at byte \(at)); "
                + "the running process keeps its current value, so the new value would never take effect: keep the "
                + "initial value, give the fix a new variable under a new name, or restart the program"
        case let .notInExecutableSegment(f):
            return "function \(f) does not lie in an executable, file-backed segment of the binary"
        }
    }
}
