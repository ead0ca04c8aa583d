import ELF
import Foundation
import Glibc

/// Parsed ELF files shared by every target one xsplice examines: a batch
/// worker serves hundreds of processes that map the same libraries, and
/// reading and parsing libc for each of them was most of a transaction.
///
/// An entry is keyed by the identity of the file a target has mapped, taken
/// with stat(2) through /proc/PID/map_files (which follows to the mapped
/// inode, not to whatever is now at its path): device, inode, size, and the
/// modification and change times to the nanosecond. Rewriting a file in
/// place changes its change time, which no user can set back, so a file that
/// stats the same holds the same bytes. File times are coarse (a clock tick),
/// so a write within the same tick as the change time we saw could leave it
/// unchanged: a file is cached only once its change time is two seconds old,
/// after which any write moves it. A parse is cached only when the file
/// statted the same before and after it was read. (Writes through a shared
/// writable mapping of a library update the times only at the first write
/// to a page between writebacks; the live memory of the targets, not the
/// file, is what verification compares.) What is cached is only
/// ever read; the live bytes of a target are still what every verification
/// compares.
final class MappedFileCache: @unchecked Sendable {
    static let shared = MappedFileCache()

    struct Identity: Hashable {
        let device: UInt64
        let inode: UInt64
        let size: Int64
        let modifiedSeconds: Int
        let modifiedNanoseconds: Int
        let changedSeconds: Int
        let changedNanoseconds: Int

        /// Whether the file has not changed for long enough to be cached.
        var settled: Bool {
            var now = timespec()
            clock_gettime(CLOCK_REALTIME, &now)
            return changedSeconds < now.tv_sec - 2
        }

        /// Nil when the file cannot be statted: such a file is never cached.
        init?(path: String) {
            var st = stat()
            guard stat(path, &st) == 0, (st.st_mode & S_IFMT) == S_IFREG else { return nil }
            device = UInt64(st.st_dev)
            inode = UInt64(st.st_ino)
            size = Int64(st.st_size)
            modifiedSeconds = st.st_mtim.tv_sec
            modifiedNanoseconds = st.st_mtim.tv_nsec
            changedSeconds = st.st_ctim.tv_sec
            changedNanoseconds = st.st_ctim.tv_nsec
        }
    }

    struct Entry {
        let elf: ELFFile
        /// Shared by every module parsed from the file (see `SymbolIndex`).
        let index: SymbolIndex
    }

    /// Bounds what a long batch over many different programs may hold.
    static let maxBytes = 1 << 30
    static let maxEntries = 512

    private let lock = NSLock()
    private var entries: [Identity: Entry] = [:]
    private var bytes = 0

    func entry(_ id: Identity) -> Entry? {
        lock.lock()
        defer { lock.unlock() }
        return entries[id]
    }

    func insert(_ elf: ELFFile, as id: Identity) -> Entry {
        let e = Entry(elf: elf, index: SymbolIndex(elf))
        lock.lock()
        defer { lock.unlock() }
        if let old = entries[id] { return old }
        if bytes + elf.bytes.count > Self.maxBytes || entries.count >= Self.maxEntries {
            entries = [:]
            bytes = 0
        }
        entries[id] = e
        bytes += elf.bytes.count
        return e
    }
}
