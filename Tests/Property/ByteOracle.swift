import Applier
import OldCodeCheck
import Payload
import Target

/// An oracle for the property runs that does not ask the verifier or the
/// registry: from the model's state of each function alone, the bytes live
/// memory must hold. Virgin: exactly the old bytes. Applied(P): the old
/// bytes except a `jmp rel32` at the patch site, whose destination holds
/// P's replacement code (every byte no relocation rewrites).
struct ByteOracle {
    let universe: Universe

    func problems(_ target: any Target, _ model: PatchModel) throws -> [String] {
        var out: [String] = []
        for (key, fn) in universe.functions {
            let entry = try target.module(named: fn.module).liveAddress(fn.oldAddress)
            let live = try target.read(entry, count: fn.oldSize)
            let state = model.state(key)
            // Damaged on purpose: the verifier's part (foreign) is checked apart.
            if state == "foreign" { continue }
            if state == "virgin" {
                if live != fn.oldBytes { out.append("\(key): model says virgin, memory is not the old bytes") }
                continue
            }
            let p = PatchSite(oldBytes: fn.oldBytes, entry: entry).patchOffset
            var rest = live
            rest.replaceSubrange(p..<(p + 5), with: fn.oldBytes[p..<(p + 5)])
            if rest != fn.oldBytes { out.append("\(key): applied(\(state)), but the body is not the old code") }
            guard live[p] == 0xe9 else { out.append("\(key): applied(\(state)), but no jmp at +\(p)"); continue }
            let rel = Int32(bitPattern: (1...4).reduce(UInt32(0)) { $0 | UInt32(live[p + $1]) << (8 * ($1 - 1)) })
            let to = entry &+ UInt64(p + 5) &+ UInt64(bitPattern: Int64(rel))
            guard let file = universe.files.first(where: { $0.payload.name == state }),
                  let mine = file.payload.functions.first(where: { Universe.key($0) == key }) else {
                out.append("\(key): the model names \(state), which does not patch it")
                continue
            }
            let section = file.payload.sections[Int(mine.replacementSection)]
            guard let code = try? target.read(to, count: section.bytes.count) else {
                out.append("\(key): applied(\(state)), but its jump goes to unreadable 0x\(String(to, radix: 16))")
                continue
            }
            var relocated = Set<Int>()
            for r in section.relocations { for i in 0..<r.type.width { relocated.insert(Int(r.offset) + i) } }
            let same = zip(section.bytes, code).enumerated().allSatisfy { i, pair in
                relocated.contains(i) || pair.0 == pair.1
            }
            if !same { out.append("\(key): applied(\(state)), but its jump does not reach \(state)'s code") }
        }
        return out
    }
}
