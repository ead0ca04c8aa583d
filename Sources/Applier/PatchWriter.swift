import Target

/// Writes a set of byte changes all or nothing: every write is read back,
/// and on any failure everything already written is put back.
struct PatchWriter {
    struct Change {
        let address: UInt64
        let new: [UInt8]
        let old: [UInt8]
        let label: String
    }

    let memory: any WritableMemory
    private(set) var changes: [Change] = []
    private var written = 0

    init(memory: any WritableMemory) { self.memory = memory }

    mutating func add(_ address: UInt64, new: [UInt8], old: [UInt8], label: String) {
        changes.append(Change(address: address, new: new, old: old, label: label))
    }

    /// Makes every change; `afterWrite` runs after each (a crash point in tests).
    mutating func commit(afterWrite: (Int) -> Void = { _ in }) throws {
        do {
            for (i, c) in changes.enumerated() {
                written += 1
                try memory.write(c.address, bytes: c.new)
                afterWrite(i)
            }
            let back = try memory.readMany(changes.map { ($0.address, $0.new.count) })
            for (c, b) in zip(changes, back) where b != c.new {
                throw ApplierError.writeFailed(
                    "read-back of 0x\(String(c.address, radix: 16)) differs from what was written")
            }
        } catch {
            try rollback()
            throw error
        }
    }

    /// Restores every change attempted so far. Failing here is the one case
    /// where the target may be left inconsistent.
    mutating func rollback() throws {
        var failures: [String] = []
        for c in changes.prefix(written).reversed() {
            do {
                try memory.write(c.address, bytes: c.old)
                if try memory.read(c.address, count: c.old.count) != c.old {
                    failures.append("0x\(String(c.address, radix: 16))")
                }
            } catch {
                failures.append("0x\(String(c.address, radix: 16)) (\(error))")
            }
        }
        written = 0
        if !failures.isEmpty {
            throw ApplierError.inconsistent(
                "could not restore the original bytes at \(failures.joined(separator: ", "))")
        }
    }
}
