import Glibc
import OldCodeCheck
import Target

/// `--wait-return`: when threads are busy in the code an operation changes,
/// lets them run until they return out of it instead of backing off.
///
/// For each busy thread it finds the frame that leads out of the busy code
/// (following return addresses through recursion), and points that frame's
/// return address at a small stub (`ReturnStub`) which hands the thread back
/// to xsplice the moment it returns. Those threads are then held where they
/// returned, the others run on, and once every busy thread is back the
/// process is stopped again and the full check runs from scratch; if
/// something is busy again (a thread entered meanwhile), it waits again,
/// all within the operation's timeout.
///
/// No code byte is changed: the old code stays exactly as verified, and a
/// concurrent `verify` sees nothing. A return address is replaced only
/// after the function's code showed where it lies and the word there looks
/// like a return address (it follows a call), and it is put back on every
/// path on which the thread did not use it. A class: it carries the stub
/// page and the held threads from one round to the next.
final class ReturnWaiter {
    let target: any ProcessControl
    let disassembler: Disassembler
    /// The functions a return address may point into, with their bounds:
    /// what the frame analysis reads.
    let functions: () throws -> [BusyRange]

    private(set) var stubPage: UInt64?
    private var pageFreeable = false
    /// Whether any stub was written (an unused page needs no check).
    private var used = false
    private var held: Set<Int32> = []
    /// Threads that returned, and the functions they left.
    private(set) var waited: Set<Int32> = []
    private(set) var left: [String] = []
    private(set) var waitedMicros: UInt64 = 0
    /// Why it could not wait, for the refusal.
    private(set) var reason: String?

    static let pageSize: UInt64 = 4096
    static let maxChain = 256

    init(target: any ProcessControl, disassembler: Disassembler, functions: @escaping () throws -> [BusyRange]) {
        self.target = target
        self.disassembler = disassembler
        self.functions = functions
    }

    struct CannotWait: Error { let why: String }

    /// A hijack of one thread's return address.
    struct Hijack {
        let tid: Int32
        let slot: UInt64
        let original: UInt64
        let function: String
    }

    /// Waits for the threads of `findings` to return out of `busy`. Returns
    /// the process stopped again, or nil when it cannot wait (the caller then
    /// backs off as without --wait-return, with `world` intact).
    func wait(world: any ThreadStop, findings: [BusyThread], busy: [BusyRange],
              deadline: UInt64) throws -> (any ThreadStop)? {
        // Whatever happens next, threads held from an earlier round are let
        // go with `world` unless this round waits again.
        let heldBefore = held
        held = []
        guard let sw = world as? StoppedWorld, target is ProcessTarget else {
            reason = "this target cannot be run under watch"
            return nil
        }
        guard Clock.nowMicros() < deadline else { return nil }
        let plans: [Hijack]
        do {
            plans = try plan(sw, findings: findings, busy: busy, held: heldBefore)
        } catch let e as CannotWait {
            reason = e.why
            return nil
        }
        guard !plans.isEmpty else {
            reason = "the busy thread holds no return address into the code"
            return nil
        }
        guard let page = stubPage else {
            reason = "no page for the return stubs could be mapped"
            return nil
        }
        used = true
        guard plans.count <= Int(Self.pageSize) / ReturnStub.size else {
            reason = "\(plans.count) threads are busy; at most \(Int(Self.pageSize) / ReturnStub.size) are waited for"
            return nil
        }
        var stubs: [ReturnWatch.Stub] = []
        for (i, h) in plans.enumerated() {
            let stub = page + UInt64(i * ReturnStub.size)
            try target.write(stub, bytes: ReturnStub.code(returnTo: h.original))
            stubs.append(.init(address: stub, returnTo: h.original))
        }
        var written: [(Hijack, UInt64)] = []
        do {
            for (h, s) in zip(plans, stubs) {
                try target.write(h.slot, bytes: Self.bytes(s.address))
                written.append((h, s.address))
            }
        } catch {
            restore(written)
            throw error
        }
        // For tests: xsplice killed while return addresses lead to stubs.
        FaultInjection.point("waiting", target: target.pid)
        let t0 = Clock.nowMicros()
        let watch = ReturnWatch(world: sw, watched: Set(plans.map(\.tid)), held: heldBefore, stubs: stubs)
        let next: StoppedWorld
        do {
            next = try watch.run(deadline: deadline, stopTimeoutSeconds: 2)
        } catch {
            // The threads run on; a return address still aimed at a stub
            // is harmless, but the page must stay.
            stubPage = nil
            throw error
        }
        waitedMicros += Clock.nowMicros() - t0
        restore(written.filter { !watch.arrived.contains($0.0.tid) })
        for h in plans where watch.arrived.contains(h.tid) {
            waited.insert(h.tid)
            if !left.contains(h.function) { left.append(h.function) }
        }
        held = watch.arrived
        if let why = watch.interruptedBy { reason = "the wait was cut short by \(why)" }
        if watch.arrived.isDisjoint(with: plans.map(\.tid)) { reason = "no busy thread returned within the timeout" }
        return next
    }

    /// Puts back each return address that still points at its stub.
    private func restore(_ written: [(Hijack, UInt64)]) {
        for (h, stub) in written {
            guard let now = try? target.read(h.slot, count: 8), now == Self.bytes(stub) else { continue }
            try? target.write(h.slot, bytes: Self.bytes(h.original))
        }
    }

    /// Before the last resume: whether any thread could still reach a stub.
    func settle(_ world: any ThreadStop, census: Result<AddressSpaceCensus, any Error>) {
        guard let page = stubPage else { return }
        do {
            // From one byte before the page: the check does not count a
            // word equal to a range's start (a function pointer), but the
            // first stub starts the page and a return address to it counts.
            let stubs = BusyRange(range: (page - 1)..<(page + Self.pageSize), name: "stubs")
            pageFreeable = try ConsistencyCheck.findBusy(world: world, target: target, ranges: [stubs],
                                                         census: census).isEmpty
        } catch {
            pageFreeable = false
        }
    }

    /// After the last resume: frees the stub page if nothing can reach it.
    func release() {
        guard let page = stubPage, pageFreeable || !used else { return }
        CodeLoader.unload(region: page, size: Self.pageSize, target: target)
        stubPage = nil
    }

    /// Maps the page for the stubs, before any thread is stopped: a remote
    /// system call inside the stop would leave a thread in a stop that a
    /// killed xsplice must not leave behind. Mapped the way new code is:
    /// near the program, with the calls and flags the seccomp check allows.
    func prepare() throws {
        guard stubPage == nil, let pt = target as? ProcessTarget else { return }
        let main = try pt.module(named: "")
        let candidates = RegionPlacer.candidates(maps: try pt.maps(), module: main, size: Self.pageSize)
        stubPage = try target.withSyscalls { sc -> UInt64 in
            for c in candidates.prefix(32) {
                guard let got = try? sc.mmap(address: c, length: Self.pageSize, prot: PROT_READ | PROT_EXEC,
                                             flags: MAP_PRIVATE | MAP_ANONYMOUS | 0x100000 /* MAP_FIXED_NOREPLACE */)
                else { continue }
                if got == c { return got }
                try? sc.munmap(address: got, length: Self.pageSize)
            }
            throw ApplierError.outOfRange(what: "every free address for the return stubs")
        }
        used = false
    }

    static func bytes(_ v: UInt64) -> [UInt8] { withUnsafeBytes(of: v.littleEndian) { Array($0) } }

    static func word(_ b: [UInt8]) -> UInt64 {
        b.prefix(8).enumerated().reduce(UInt64(0)) { $0 | (UInt64($1.element) << (8 * UInt64($1.offset))) }
    }
}
