import ELF
import Foundation
import Target

/// A process that exists only in memory: an ELF binary laid out at a load
/// bias, a stack, and system calls that edit the memory map. The applier
/// runs against it unchanged, so thousands of operation sequences take
/// seconds instead of minutes.
final class SimulatedProcess: ProcessControl, @unchecked Sendable {
    static let pageSize: UInt64 = 4096
    let pid: Int32 = 4242
    var isAlive: Bool { true }
    private var pages: [UInt64: [UInt8]] = [:]
    private var mapList: [MapEntry] = []
    private var module: LoadedModule?
    private var files: [Int64: UInt64] = [:]
    private var nextFD: Int64 = 3
    /// A thread's registers and stack, for the consistency check.
    var threadPointers = ThreadPointers(instruction: 0, stack: 0)
    /// Where the thread is seen inside stop windows, when that differs from
    /// where remote system calls borrow it (a thread that moved between).
    var stopPointers: ThreadPointers?
    let stackTop: UInt64 = 0x7ffd_0000_0000

    init(binary path: String) throws {
        let elf = try ELFFile(path: path)
        let bias: UInt64 = elf.fileType == .executable ? 0 : 0x5555_5555_4000
        var lo = UInt64.max, hi: UInt64 = 0
        for seg in elf.segments where seg.type == ProgramHeader.load {
            let start = (bias + seg.virtualAddress) & ~(Self.pageSize - 1)
            let end = (bias + seg.virtualAddress + seg.memorySize + Self.pageSize - 1) & ~(Self.pageSize - 1)
            let perms =
                (seg.flags & 4 != 0 ? "r" : "-") + (seg.flags & 2 != 0 ? "w" : "-") + (seg.flags & 1 != 0 ? "x" : "-")
                + "p"
            addMapping(
                MapEntry(
                    start: start, end: end, permissions: perms, offset: seg.offset & ~(Self.pageSize - 1), inode: 1,
                    path: path))
            let data = Array(elf.bytes[Int(seg.offset)..<Int(seg.offset + seg.fileSize)])
            try write(bias + seg.virtualAddress, bytes: data)
            lo = min(lo, start)
            hi = max(hi, end)
        }
        module = LoadedModule(path: path, isMain: true, bias: bias, elf: elf, start: lo, end: hi)
        addMapping(
            MapEntry(
                start: hi + 0x10_0000, end: hi + 0x13_0000, permissions: "rw-p", offset: 0, inode: 0, path: "[heap]"))
        addMapping(
            MapEntry(
                start: stackTop - 0x2_0000, end: stackTop, permissions: "rw-p", offset: 0, inode: 0, path: "[stack]"))
        threadPointers = ThreadPointers(instruction: bias + elf.entry, stack: stackTop - 0x100)
    }

    private func addMapping(_ m: MapEntry) {
        mapList.append(m)
        mapList.sort { $0.start < $1.start }
        var a = m.start
        while a < m.end {
            if pages[a] == nil { pages[a] = [UInt8](repeating: 0, count: Int(Self.pageSize)) }
            a += Self.pageSize
        }
    }

    private func removeMappings(_ range: Range<UInt64>) {
        mapList.removeAll { $0.start >= range.lowerBound && $0.end <= range.upperBound }
        var a = range.lowerBound
        while a < range.upperBound { pages[a] = nil; a += Self.pageSize }
    }

    // MARK: memory

    func read(_ address: UInt64, count: Int) throws -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(count)
        var a = address
        while out.count < count {
            let page = a & ~(Self.pageSize - 1)
            guard let p = pages[page] else {
                throw TargetError.io(what: "read", address: address, count: count, reason: "unmapped")
            }
            let off = Int(a - page)
            let n = min(count - out.count, Int(Self.pageSize) - off)
            out += p[off..<(off + n)]
            a += UInt64(n)
        }
        return out
    }

    func write(_ address: UInt64, bytes: [UInt8]) throws {
        var a = address
        var i = 0
        while i < bytes.count {
            let page = a & ~(Self.pageSize - 1)
            guard pages[page] != nil else {
                throw TargetError.io(what: "write", address: address, count: bytes.count, reason: "unmapped")
            }
            let off = Int(a - page)
            let n = min(bytes.count - i, Int(Self.pageSize) - off)
            pages[page]?.replaceSubrange(off..<(off + n), with: bytes[i..<(i + n)])
            a += UInt64(n)
            i += n
        }
    }

    // MARK: process

    func maps() throws -> [MapEntry] { mapList }
    func modules() throws -> [LoadedModule] { module.map { [$0] } ?? [] }
    func withSyscalls<T>(_ body: (any SyscallPort) throws -> T) throws -> T { try body(Syscalls(process: self)) }
    func stopAll(timeoutSeconds: Double) throws -> any ThreadStop {
        let main = stopPointers ?? threadPointers
        return Stop(pointers: [4242: main].merging(parked.map { [4243: $0] } ?? [:]) { a, _ in a })
    }

    /// A second thread, when one is parked somewhere (see `Disturber`).
    var parked: ThreadPointers?

    /// The mapping count, to show a refused operation left nothing behind.
    var mappingCount: Int { mapList.count }

    final class Stop: ThreadStop {
        let pointersByThread: [Int32: ThreadPointers]
        init(pointers: [Int32: ThreadPointers]) { pointersByThread = pointers }
        var threads: [Int32] { pointersByThread.keys.sorted() }
        func pointers(_ tid: Int32) throws -> ThreadPointers {
            guard let p = pointersByThread[tid] else { throw TargetError.noSuchProcess(tid) }
            return p
        }
        func resume() {}
        var pauseMicros: UInt64 { 0 }
    }

    struct Syscalls: SyscallPort {
        let process: SimulatedProcess

        func mmap(
            address: UInt64, length: UInt64, prot: Int32, flags: Int32, fd: Int64, offset: UInt64
        ) throws -> UInt64 {
            let len = (length + SimulatedProcess.pageSize - 1) & ~(SimulatedProcess.pageSize - 1)
            var at = address
            if at == 0 {
                let gaps = MemoryMap.gaps(process.mapList, ceiling: 0x7f00_0000_0000).filter { $0.count >= Int(len) }
                guard let g = gaps.last else { throw TargetError.remoteSyscall(name: "mmap", result: -12) }
                at = g.upperBound - len
            } else if process.mapList.contains(where: { $0.start < at + len && at < $0.end }) {
                throw TargetError.remoteSyscall(name: "mmap", result: -17)  // EEXIST from MAP_FIXED_NOREPLACE
            }
            let path = fd >= 0 ? "/memfd:xsplice-registry (deleted)" : ""
            process.addMapping(
                MapEntry(
                    start: at, end: at + len, permissions: fd >= 0 ? "rw-s" : "r-xp", offset: 0, inode: fd >= 0 ? 7 : 0,
                    path: path))
            return at
        }

        func munmap(address: UInt64, length: UInt64) throws {
            process.removeMappings(
                address..<(address + ((length + SimulatedProcess.pageSize - 1) & ~(SimulatedProcess.pageSize - 1))))
        }

        func memfdCreate(nameAt: UInt64, flags: UInt32) throws -> Int64 {
            let name = try process.read(nameAt, count: 17)
            guard name == Array("xsplice-registry".utf8) + [0] else {
                throw TargetError.remoteSyscall(name: "memfd_create", result: -22)
            }
            defer { process.nextFD += 1 }
            return process.nextFD
        }

        func ftruncate(fd: Int64, length: UInt64) throws { process.files[fd] = length }
        func close(fd: Int64) throws { process.files[fd] = nil }
        /// Below the borrowed thread's stack pointer and red zone, as in a
        /// real process: never over another thread's live stack (a parked
        /// thread's return address sits 0x1000 below the top).
        func scratch(count: Int) throws -> UInt64 {
            (process.threadPointers.stack - UInt64(128 + count + 64)) & ~UInt64(15)
        }
    }
}
