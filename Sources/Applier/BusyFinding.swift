import Target

/// Code that must not be in use while its entry changes.
struct BusyRange {
    let range: Range<UInt64>
    let name: String
}

/// How code was found in use, or why xsplice cannot tell. The stack
/// addresses are there so that a caller can act on a finding (run a thread
/// until it returns through `slot`, say), not only print it.
enum BusyReason: Equatable, Sendable {
    /// The thread's instruction pointer is inside.
    case executing(ip: UInt64)
    /// A word of the thread's live stack, at `slot`, holds `value`: a return
    /// address (or saved pointer) into the code.
    case onStack(slot: UInt64, value: UInt64)
    /// A signal frame at `frame` on the thread's stack saved an instruction
    /// pointer inside: the thread was interrupted there by a signal.
    case interrupted(frame: UInt64, ip: UInt64)
    /// A word at `slot` of a stack reached through the signal frame at
    /// `frame` (the interrupted context under a handler) holds `value`.
    case onInterruptedStack(slot: UInt64, value: UInt64, frame: UInt64)
    /// A word at `slot` of writable memory that is not the live part of any
    /// thread's stack holds `value`: a suspended user-level stack
    /// (coroutine), a saved context, or a dead stack xsplice cannot tell apart.
    case inMemory(slot: UInt64, value: UInt64, mapping: String)
    /// A stack pointer (the thread's, or one saved in a signal frame at
    /// `frame`) lies in no readable mapping: its stack cannot be scanned.
    case unknownStack(sp: UInt64, frame: UInt64?)
    /// Memory that has to be scanned could not be read.
    case unreadable(address: UInt64, count: UInt64, reason: String)
    /// Tasks outside the thread group share the memory; stopping the group
    /// does not hold them.
    case sharedAddressSpace(tasks: [Int32])
    /// Something else made the check impossible (the memory map, a failed
    /// comparison of address spaces).
    case cannotCheck(String)
    /// Scanning would read more than the budget allows inside the pause.
    case overBudget(needed: UInt64, budget: UInt64)

    /// True when a named function is known to be in use; false when xsplice
    /// could not look, which is treated the same way (busy) but said apart.
    var isUse: Bool {
        switch self {
        case .executing, .onStack, .interrupted, .onInterruptedStack, .inMemory: return true
        default: return false
        }
    }
}

/// One reason the operation cannot proceed now: a thread (0 when the finding
/// belongs to no single thread) using code `name`, or unable to be checked.
struct BusyThread: Equatable, Sendable {
    let tid: Int32
    let name: String
    let reason: BusyReason

    /// Completes "thread T is ... F" for a thread's use of F.
    var how: String {
        switch reason {
        case .executing: return "executing"
        case let .onStack(slot, _): return "inside (a word of its stack at \(hex(slot)) points into)"
        case let .interrupted(frame, _):
            return "interrupted by a signal (frame at \(hex(frame)), its handler still running) inside"
        case let .onInterruptedStack(slot, _, frame):
            return "in a signal handler (frame at \(hex(frame))) over a stack that holds, at \(hex(slot)), "
                + "a return address into"
        default: return "blocked by"
        }
    }

    /// One sentence for the operator, whatever the finding.
    var sentence: String {
        let who = "thread \(tid)"
        switch reason {
        case .executing, .onStack, .interrupted, .onInterruptedStack: return "\(who) is \(how) \(name)"
        case let .inMemory(slot, _, mapping):
            return "a word at \(hex(slot)) in \(mapping), which is the live part of no thread's stack (a suspended "
                + "user-level stack, a saved context or a dead stack), points into \(name)"
        case let .unknownStack(sp, frame):
            return "\(who) is on a stack xsplice cannot place: stack pointer \(hex(sp))"
                + (frame.map { " (saved in the signal frame at \(hex($0)))" } ?? "") + " lies in no readable mapping"
        case let .unreadable(a, n, why):
            return "\(tid == 0 ? "writable memory" : "the stack of " + who): \(n) bytes at \(hex(a)) "
                + "could not be read (\(why)), so they could not be checked"
        case let .sharedAddressSpace(tasks):
            return "the process shares its memory with task(s) \(tasks.map(String.init).joined(separator: ", ")) "
                + "outside its thread group (clone(CLONE_VM) or vfork), which stopping the group does not hold"
        case let .cannotCheck(why): return "the check could not be made: \(why)"
        case let .overBudget(needed, budget):
            return "the stacks and writable memory to scan exceed the scan budget of \(budget >> 20) MiB "
                + "(at least \(needed >> 20) MiB; set XSPLICE_SCAN_BUDGET_MIB to allow more pause)"
        }
    }
}
