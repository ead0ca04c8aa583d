import Payload

/// Where on a function the jump goes: after endbr64 if the old code starts
/// with one (indirect calls must still land on an endbr64), else the entry.
public struct PatchSite: Sendable, Equatable {
    public let entry: UInt64
    public let patchOffset: Int

    public init(oldBytes: [UInt8], entry: UInt64) {
        self.entry = entry
        self.patchOffset = Endbr.starts(oldBytes) ? Endbr.size : 0
    }

    public init(entry: UInt64, patchOffset: Int) {
        self.entry = entry
        self.patchOffset = patchOffset
    }

    public var patchAddress: UInt64 { entry &+ UInt64(patchOffset) }

    /// The `jmp rel32` bytes from the patch site to `destination`, or nil if
    /// it is beyond ±2 GiB.
    public func jump(to destination: UInt64) -> [UInt8]? {
        let next = Int64(bitPattern: patchAddress &+ UInt64(Trampoline.jumpSize))
        let (rel, overflow) = Int64(bitPattern: destination).subtractingReportingOverflow(next)
        guard !overflow, let r = Int32(exactly: rel) else { return nil }
        let u = UInt32(bitPattern: r)
        return [0xe9, UInt8(u & 0xff), UInt8(u >> 8 & 0xff), UInt8(u >> 16 & 0xff), UInt8(u >> 24)]
    }

    /// Where the jump found in `live` (the whole function) goes, if there is one.
    public func jumpTarget(in live: [UInt8]) -> UInt64? {
        let p = patchOffset
        guard p >= 0, live.count >= p + Trampoline.jumpSize, live[p] == 0xe9 else { return nil }
        let rel = Int32(bitPattern: UInt32(live[p + 1]) | UInt32(live[p + 2]) << 8
            | UInt32(live[p + 3]) << 16 | UInt32(live[p + 4]) << 24)
        return patchAddress &+ UInt64(Trampoline.jumpSize) &+ UInt64(bitPattern: Int64(rel))
    }
}
