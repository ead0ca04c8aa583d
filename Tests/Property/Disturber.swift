import OldCodeCheck
import Payload
import Target

/// What happens to a simulated process between xsplice's commands: a
/// second thread parks in a function (its instruction pointer inside, or a
/// return address on its stack), or bytes are damaged behind xsplice's
/// back. It tells the model what it did and can undo all of it.
struct Disturber {
    let universe: Universe
    let sim: SimulatedProcess
    /// Damaged bytes with their values before, oldest first.
    private var damage: [(address: UInt64, byte: UInt8)] = []
    private let stackWord: UInt64

    init(universe: Universe, sim: SimulatedProcess) {
        self.universe = universe
        self.sim = sim
        stackWord = sim.stackTop - 0x1000 + 8
    }

    mutating func perform(_ op: Operation, model: inout PatchModel) throws {
        let fns = universe.functions
        switch op {
        case let .park(a, onStack):
            let (key, fn) = fns[a % fns.count]
            let inside = try entry(fn) + UInt64(fn.oldSize / 2)
            let sp = sim.stackTop - 0x1000
            if onStack {
                try sim.write(stackWord, bytes: le(inside))
                sim.parked = ThreadPointers(instruction: sim.threadPointers.instruction, stack: sp)
            } else {
                try sim.write(stackWord, bytes: le(0))
                sim.parked = ThreadPointers(instruction: inside, stack: sp)
            }
            model.park(in: key)
        case let .tamperTail(a):
            let (key, fn) = fns[a % fns.count]
            let site = PatchSite(oldBytes: fn.oldBytes, entry: try entry(fn))
            let offset = site.patchOffset + Trampoline.jumpSize
            guard offset < fn.oldSize else { return }
            try flip(site.entry + UInt64(offset))
            model.tamper(key)
        case let .tamperReplacement(a):
            let (key, fn) = fns[a % fns.count]
            // Where the live jump goes, read from memory: not the registry's word.
            guard model.state(key) != "virgin", model.state(key) != "foreign" else { return }
            let site = PatchSite(oldBytes: fn.oldBytes, entry: try entry(fn))
            guard let to = site.jumpTarget(in: try sim.read(site.entry, count: fn.oldSize)) else { return }
            try flip(to)
            model.tamper(key)
        case .settle:
            for d in damage.reversed() { try sim.write(d.address, bytes: [d.byte]) }
            damage = []
            try sim.write(stackWord, bytes: le(0))
            sim.parked = nil
            model.settle()
        case .verify, .apply, .revert, .replace:
            return
        }
    }

    private mutating func flip(_ address: UInt64) throws {
        // Twice would put the byte back: once damaged is enough.
        guard !damage.contains(where: { $0.address == address }) else { return }
        let b = try sim.read(address, count: 1)[0]
        damage.append((address, b))
        try sim.write(address, bytes: [b ^ 0x24])
    }

    private func entry(_ fn: FunctionPatch) throws -> UInt64 {
        try sim.module(named: fn.module).liveAddress(fn.oldAddress)
    }

    private func le(_ v: UInt64) -> [UInt8] { (0..<8).map { UInt8(truncatingIfNeeded: v >> (8 * UInt64($0))) } }
}
