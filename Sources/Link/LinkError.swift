/// Why the new code cannot be bound in this target. Nothing has been
/// written when one is thrown: binding happens before the code is loaded.
public enum LinkError: Error, CustomStringConvertible, Sendable, Equatable {
    case unresolved(symbol: String, module: String, searched: [String])
    case changedModule(symbol: String, expected: UInt64, found: UInt64?, module: String)
    case noLinkMap(reason: String)
    case unreadableModule(name: String, before: String)
    case ifuncUnresolved(symbol: String, module: String)
    case nonPICData(symbol: String, module: String, relocation: String, user: String)
    case corruptLinkMap(String)
    case tls(symbol: String, module: String, reason: String)
    case payloadVariable(owner: String, name: String, reason: String)

    public var description: String {
        switch self {
        case let .unresolved(s, m, searched):
            return
                "the new code needs \(s), which no module defines for \(m) (searched, in the dynamic linker's order: " +
                    "\(searched.joined(separator: ", "))); load the library that defines it, or rebuild the fix " +
                    "without it"
        case let .changedModule(s, expected, found, m):
            let what = found.map { "at 0x\(String($0, radix: 16))" } ?? "nowhere"
            return
                "the payload was built with \(s) at 0x\(String(expected, radix: 16)) in \(m), but the running \(m) " +
                    "has it \(what); rebuild the payload against the binary the process runs"
        case let .noLinkMap(why):
            return
                "cannot read the dynamic linker's list of loaded modules (r_debug) in the target: \(why); xsplice " +
                    "binds library symbols only in the order the dynamic linker searches them"
        case let .unreadableModule(name, before):
            return
                "the dynamic linker searches \(name) before \(before), and xsplice cannot read it; make the file " +
                    "readable (or run as root)"
        case let .ifuncUnresolved(s, m):
            return
                "\(s) is an IFUNC of \(m), and no relocation the dynamic linker already resolved in this process " +
                    "shows which implementation its resolver chose; xsplice never calls the resolver in its stead: " +
                    "call a non-IFUNC function, or have the program use \(s) once (so its GOT slot is filled)"
        case let .nonPICData(s, m, r, user):
            return
                "\(user) reaches \(s), data of \(m), with \(r), which needs the variable within ±2 GiB of the new " +
                    "code (a copy in the executable); compile the replacement with -fPIC so it goes through the GOT"
        case let .tls(sym, m, why):
            return "cannot bind the thread-local variable \(sym) of \(m): \(why)"
        case let .payloadVariable(owner, name, why):
            return "the new code uses \(name), a variable that payload \(owner) added, but \(why); "
                + "apply \(owner) first (this payload is built on top of it)"
        case let .corruptLinkMap(why):
            return "the target's link map is not consistent (\(why)); refusing to guess which module defines what"
        }
    }
}
