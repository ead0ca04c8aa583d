import Hash

/// What `watch` has already done to each process image, so that no payload
/// is tried twice on the same one: a payload that failed is logged once and
/// left alone until the process execs a new image or a new process takes
/// the PID. A process image is its PID, its start time (a reused PID has
/// another) and the exec that loaded it (an exec keeps both): an exec event
/// starts a new one, and so does another executable file behind
/// /proc/PID/exe, which is how a /proc scan without events sees an exec.
public struct WatchLedger: Sendable {
    public struct Image: Sendable, Equatable {
        public var startTime: UInt64
        /// The executable file's device and inode.
        public var executable: [UInt64]
        public var generation: Int
    }

    struct Entry: Sendable {
        var image: Image
        var done: Set<Digest> = []
    }

    private var entries: [Int32: Entry] = [:]
    private var generations = 0

    public init() {}

    public var count: Int { entries.count }

    /// The image `pid` runs now, as far as the ledger knows: the entry's own
    /// when the start time and the executable agree, a fresh one otherwise.
    public mutating func image(of pid: Int32, startTime: UInt64, executable: [UInt64]) -> Image {
        if let e = entries[pid], e.image.startTime == startTime, e.image.executable == executable { return e.image }
        generations += 1
        let image = Image(startTime: startTime, executable: executable, generation: generations)
        entries[pid] = Entry(image: image)
        return image
    }

    /// An exec replaced the image: everything done to the old one is moot.
    public mutating func execed(_ pid: Int32) { entries[pid] = nil }

    public mutating func exited(_ pid: Int32) { entries[pid] = nil }

    /// Forgets processes that are no longer running.
    public mutating func keepOnly(_ live: Set<Int32>) {
        entries = entries.filter { live.contains($0.key) }
    }

    public func isDone(_ pid: Int32, _ image: Image, _ payload: Digest) -> Bool {
        guard let e = entries[pid], e.image == image else { return false }
        return e.done.contains(payload)
    }

    /// Records a final outcome (applied, refused, skipped or not a target).
    public mutating func markDone(_ pid: Int32, _ image: Image, _ payload: Digest) {
        guard var e = entries[pid], e.image == image else { return }
        e.done.insert(payload)
        entries[pid] = e
    }
}
