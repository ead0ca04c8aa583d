import Glibc
import Target

/// Decides, with every thread stopped, whether code about to change (or be
/// freed) is in use, and fails closed: what it cannot see or read counts as
/// busy, with the reason.
///
/// What is scanned, against the memory map read inside this stop:
/// - every thread's instruction pointer;
/// - every thread's live stack, from its stack pointer to the end of the
///   mapping that holds it, however deep;
/// - under every signal frame found on a live stack (a handler running, on
///   an alternate stack or not), the interrupted instruction pointer and
///   the interrupted stack, nested frames included;
/// - every other writable mapping in full (a suspended coroutine's stack, a
///   saved `ucontext`, a stack xsplice cannot attribute), except the part
///   below the stack pointer of a mapping that is one thread's stack alone
///   (the main `[stack]`, or an anonymous mapping above a guard mapping, as
///   pthread stacks are), which is dead, and the stacks exited threads left
///   in glibc's cache (see `DeadThreadStacks`);
/// - and no task outside the thread group may share the memory (all of
///   /proc is compared just before the stop, processes born since inside it).
enum ConsistencyCheck {
    /// Bytes of memory one check may read inside the pause.
    static let defaultBudget: UInt64 = 512 << 20

    /// The budget, or `XSPLICE_SCAN_BUDGET_MIB` when set to a positive number.
    static var budget: UInt64 {
        guard let raw = getenv("XSPLICE_SCAN_BUDGET_MIB"), let mib = UInt64(String(cString: raw)), mib > 0,
              mib <= UInt64.max >> 20 else { return defaultBudget }
        return mib << 20
    }

    /// Memory read per call outside stacks, to bound what is held at once.
    static let chunk = 16 << 20

    /// Every finding; empty when nothing uses the code and everything could be looked at.
    /// `census` is who shared the memory just before the stop (or why that
    /// could not be found); inside the stop only processes born since are
    /// compared. Without one, all of /proc is compared here, in the pause.
    static func findBusy(world: any ThreadStop, target: any ProcessControl, ranges: [BusyRange],
                         census: Result<AddressSpaceCensus, any Error>? = nil,
                         budget: UInt64 = budget) throws -> [BusyThread] {
        guard !ranges.isEmpty else { return [] }
        var scan = Scan(index: BusyIndex(ranges), target: target, budget: budget)
        let maps: [MapEntry]
        do { maps = try target.maps() } catch {
            return [BusyThread(tid: 0, name: "", reason: .cannotCheck("the memory map could not be read (\(error))"))]
        }
        scan.maps = MapIndex(maps)
        do {
            let before = try (census ?? Result { try target.addressSpaceCensus() }).get()
            let sharers = before.sharers + (try target.addressSpaceSharers(since: before))
            if !sharers.isEmpty { scan.found(0, "", .sharedAddressSpace(tasks: sharers.sorted())) }
        } catch {
            scan.found(0, "", .cannotCheck("tasks sharing the memory could not be listed (\(error))"))
        }
        var blocks: [(tid: Int32, threadPointer: UInt64)] = []
        for tid in world.threads {
            let regs = try world.pointers(tid)
            blocks.append((tid, regs.threadPointer))
            if let r = scan.index.range(containing: regs.instruction) {
                scan.found(tid, r.name, .executing(ip: regs.instruction))
            }
            scan.stack(of: tid, from: regs.stack)
            if scan.stopped { return scan.findings }
        }
        scan.dead = DeadThreadStacks(threads: blocks) { scan.quietRead($0, $1) }
        scan.restOfMemory()
        return scan.findings
    }

    /// One check's state: what is found, what is read, where stacks begin.
    private struct Scan {
        let index: BusyIndex
        let target: any ProcessControl
        let budget: UInt64
        var maps = MapIndex([])
        var findings: [BusyThread] = []
        var used: UInt64 = 0
        /// The lowest address scanned as live stack in each mapping (by start):
        /// everything from there to the mapping's end has been scanned.
        var live: [UInt64: UInt64] = [:]
        /// Set once the budget is exceeded: the answer is already "busy".
        var stopped = false
        /// Recognizes exited threads' cached stacks; nil when it cannot.
        var dead: DeadThreadStacks?

        mutating func found(_ tid: Int32, _ name: String, _ reason: BusyReason) {
            if findings.count < 64 { findings.append(BusyThread(tid: tid, name: name, reason: reason)) }
        }

        /// Reads memory within the budget, recording a failure as a finding.
        mutating func read(_ tid: Int32, _ address: UInt64, _ count: UInt64) -> [UInt8]? {
            guard count > 0 else { return [] }
            guard used <= budget, count <= budget - used, let n = Int(exactly: count) else {
                found(tid, "", .overBudget(needed: used &+ count, budget: budget))
                stopped = true
                return nil
            }
            used += count
            do { return try target.read(address, count: n) } catch {
                found(tid, "", .unreadable(address: address, count: count, reason: "\(error)"))
                return nil
            }
        }

        /// Reads memory within the budget for a recognition that may fail
        /// harmlessly (nothing is skipped without the bytes): no finding.
        mutating func quietRead(_ address: UInt64, _ count: Int) -> [UInt8]? {
            guard count > 0, used <= budget, UInt64(count) <= budget - used else { return nil }
            used += UInt64(count)
            return try? target.read(address, count: count)
        }

        /// Scans a thread's live stack and, through signal frames on it, the
        /// stacks it interrupted.
        mutating func stack(of tid: Int32, from sp: UInt64) {
            var work: [(sp: UInt64, frame: UInt64?)] = [(sp, nil)]
            while let (sp, frame) = work.popLast(), !stopped {
                guard let m = maps.containing(sp), m.permissions.hasPrefix("r") else {
                    found(tid, "", .unknownStack(sp: sp, frame: frame))
                    continue
                }
                let start = sp & ~7
                let end = live[m.start] ?? m.end
                live[m.start] = min(end, start)
                guard start < end, let bytes = read(tid, start, end - start) else { continue }
                let hits = WordScan.scan(bytes, base: start, index: index, findFrames: true)
                // The kernel puts a frame's restorer (pretcode) first; a word
                // that merely looks like the selector has none there.
                let frames = hits.frames.filter { maps.containing($0.pretcode)?.isExecutable == true }
                for f in frames {
                    if let r = index.range(containing: f.rip) {
                        found(tid, r.name, .interrupted(frame: f.frame, ip: f.rip))
                    }
                    work.append((f.rsp, f.frame))
                }
                // A frame's saved rip is reported as the interruption above.
                let ripSlots = Set(frames.map { $0.frame &+ 8 &+ UInt64(SignalFrame.ripOffset) })
                for u in hits.uses where !ripSlots.contains(u.slot) {
                    found(tid, u.range.name, frame.map { .onInterruptedStack(slot: u.slot, value: u.value, frame: $0) }
                          ?? .onStack(slot: u.slot, value: u.value))
                }
            }
        }

        /// Every writable mapping that is not a live stack already scanned.
        /// Pieces are read in batches (one process_vm_readv for many small
        /// mappings: a program with thousands of them would otherwise pay
        /// one system call each inside the pause).
        mutating func restOfMemory() {
            var batch: [(address: UInt64, count: Int, mapping: MapEntry)] = []
            var batched = 0
            for m in maps.sorted where m.permissions.dropFirst().hasPrefix("w") && !skipped(m) {
                var upper = m.end
                if let low = live[m.start] {
                    if holdsOneStack(m) { continue }
                    upper = low
                } else if let d = dead,
                          d.isDead(m, live: false, below: maps.below(m), read: { quietRead($0, $1) }) {
                    continue
                }
                var a = m.start
                while a < upper, !stopped {
                    let n = min(upper - a, UInt64(ConsistencyCheck.chunk))
                    if batched + Int(n) > ConsistencyCheck.chunk || batch.count >= 1024 { flush(&batch, &batched) }
                    batch.append((a, Int(n), m))
                    batched += Int(n)
                    a += n
                }
            }
            flush(&batch, &batched)
        }

        /// Reads and scans a batch; a batch that cannot be read whole is read
        /// piece by piece, so that the failure names the piece.
        mutating func flush(_ batch: inout [(address: UInt64, count: Int, mapping: MapEntry)], _ batched: inout Int) {
            defer { batch = []; batched = 0 }
            guard !batch.isEmpty, !stopped else { return }
            let total = UInt64(batched)
            guard used <= budget, total <= budget - used else {
                found(0, "", .overBudget(needed: used &+ total, budget: budget))
                stopped = true
                return
            }
            if let all = try? target.readMany(batch.map { ($0.address, $0.count) }), all.count == batch.count {
                used += total
                for (piece, bytes) in zip(batch, all) { scanMemory(bytes, at: piece.address, in: piece.mapping) }
                return
            }
            for piece in batch {
                if let bytes = read(0, piece.address, UInt64(piece.count)) {
                    scanMemory(bytes, at: piece.address, in: piece.mapping)
                }
            }
        }

        mutating func scanMemory(_ bytes: [UInt8], at address: UInt64, in m: MapEntry) {
            // A word inside the very range it points into (a new variable of
            // a region being freed that holds the address of that region's
            // code) goes away with it: it is no use from outside.
            for u in WordScan.scan(bytes, base: address, index: index, findFrames: false).uses
            where !u.range.range.contains(u.slot) {
                found(0, u.range.name, .inMemory(slot: u.slot, value: u.value, mapping: describe(m)))
            }
        }

        /// Mappings that can hold no stack: device memory (reading it can
        /// have effects, and no code runs on it), and xsplice's own registry,
        /// which records code addresses by design.
        func skipped(_ m: MapEntry) -> Bool {
            m.path.hasPrefix("/dev/") || m.path.hasPrefix("/memfd:\(RegistryStore.memfdName)")
        }

        /// Whether everything below a stack pointer in `m` is dead: true for
        /// the main stack, and for an anonymous mapping directly above a
        /// guard mapping (no access), which is how thread stacks are laid
        /// out. A heap, a file mapping, or anonymous memory that may have
        /// merged with a neighbour can hold other stacks below, so it is
        /// scanned in full.
        func holdsOneStack(_ m: MapEntry) -> Bool {
            if m.path == "[stack]" { return true }
            guard m.inode == 0, m.path.isEmpty, let g = maps.below(m) else { return false }
            return g.permissions.hasPrefix("---")
        }

        func describe(_ m: MapEntry) -> String {
            "\(m.path.isEmpty ? "anonymous memory" : m.path) \(hex(m.start))-\(hex(m.end))"
        }
    }
}
