import ELF
import Foundation

/// A running process: its memory, its modules (read from the files it has
/// mapped, through /proc/PID/map_files) and its threads. A class because it
/// owns the memory file and caches parsed modules.
public final class ProcessTarget: ProcessControl, @unchecked Sendable {
    public let pid: Int32
    public let memory: ProcessMemory
    /// Whose /proc entry shows the address space: the process's own, or a
    /// live thread's once the main thread has called pthread_exit (a zombie
    /// leader's mem, maps and map_files are empty).
    let view: Int32
    private var cachedModules: [LoadedModule]?
    private var elfCache: [String: ELFFile] = [:]
    private var moduleCache: [UInt64: LoadedModule] = [:]
    private var byName: [String: LoadedModule] = [:]

    public init(pid: Int32) throws {
        guard pid > 0, kill(pid, 0) == 0 || errno == EPERM else { throw TargetError.noSuchProcess(pid) }
        self.pid = pid
        let live = (try? Threads.list(pid: pid))?.filter { !Threads.isZombie(pid: pid, tid: $0) } ?? []
        view = live.contains(pid) || live.isEmpty ? pid : live.min() ?? pid
        self.memory = try ProcessMemory(pid: view)
    }

    public func read(_ address: UInt64, count: Int) throws -> [UInt8] { try memory.read(address, count: count) }
    public func write(_ address: UInt64, bytes: [UInt8]) throws { try memory.write(address, bytes: bytes) }
    public func readMany(_ ranges: [(address: UInt64, count: Int)]) throws -> [[UInt8]] { try memory.readMany(ranges) }

    public func maps() throws -> [MapEntry] { try MemoryMap.read(pid: view) }

    public var isAlive: Bool {
        guard kill(pid, 0) == 0 || errno == EPERM else { return false }
        // A process lives while any thread does: its main thread may have
        // called pthread_exit and be a zombie while the others run.
        guard let tids = try? Threads.list(pid: pid), !tids.isEmpty else { return false }
        return tids.contains { !Threads.isZombie(pid: pid, tid: $0) }
    }

    /// Forgets the parsed module list, after the process may have loaded more.
    public func invalidate() {
        cachedModules = nil
        moduleCache = [:]
        byName = [:]
    }

    public func modules() throws -> [LoadedModule] {
        if let cachedModules { return cachedModules }
        var out = try candidates().compactMap { try? load($0) }
        out.sort { $0.isMain && !$1.isMain }
        cachedModules = out
        return out
    }

    /// Parses only what it must: the executable alone for "", a library by
    /// its file name first (a soname is almost always its file name), and
    /// every module only when that fails.
    public func module(named name: String) throws -> LoadedModule {
        if let m = byName[name] { return m }
        if let cachedModules { return try moduleAmong(cachedModules, named: name) }
        let all = try candidates()
        let likely = all.filter { name.isEmpty ? $0.isMain : $0.fileName == name }
        var denied: TargetError?
        for c in likely {
            do {
                let m = try load(c)
                if name.isEmpty ? m.isMain : (!m.isMain && m.soname == name) {
                    byName[name] = m
                    return m
                }
            } catch let e as TargetError {
                if case .mapFilesDenied = e { denied = e }
                if case .permission = e { denied = e }
            } catch {}
        }
        // Not "not loaded" when the truth is that it could not be read.
        if let denied { throw denied }
        let m = try moduleAmong(try modules(), named: name)
        byName[name] = m
        return m
    }

    /// A file mapped with code: where its first mapping starts and ends.
    struct Candidate {
        let first: MapEntry
        let end: UInt64
        let isMain: Bool
        var fileName: String { String(first.path.split(separator: "/").last ?? "") }
    }

    private func candidates() throws -> [Candidate] {
        let maps = try self.maps()
        let exe = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(view)/exe")) ?? ""
        var out: [Candidate] = []
        var seen = Set<String>()
        for m in maps where m.inode != 0 && m.path.hasPrefix("/") && !seen.contains(m.path) {
            let parts = maps.filter { $0.path == m.path && $0.inode == m.inode }
            guard let first = parts.min(by: { $0.start < $1.start }), first.offset == 0 else { continue }
            seen.insert(m.path)
            guard parts.contains(where: \.isExecutable) else { continue }
            let isMain = m.path == exe || m.path == exe.replacingOccurrences(of: " (deleted)", with: "")
            out.append(Candidate(first: first, end: parts.map(\.end).max() ?? first.end, isMain: isMain))
        }
        return out
    }

    private func load(_ c: Candidate) throws -> LoadedModule {
        if let m = moduleCache[c.first.start] { return m }
        let elf = try loadELF(mapping: c.first, path: c.first.path)
        let loads = elf.segments.filter { $0.type == ProgramHeader.load }
        guard let low = loads.min(by: { $0.virtualAddress < $1.virtualAddress }) else {
            throw TargetError.binaryReplaced(path: c.first.path)
        }
        let bias = c.first.start &- (low.virtualAddress & ~0xfff)
        let m = LoadedModule(
            path: c.first.path, isMain: c.isMain, bias: bias, elf: elf, start: c.first.start, end: c.end)
        moduleCache[c.first.start] = m
        return m
    }

    /// Reads the very file the process mapped, not whatever is now at its
    /// path, so a binary replaced on disk is never mistaken for the live one.
    private func loadELF(mapping: MapEntry, path: String) throws -> ELFFile {
        let key = "\(mapping.start)"
        if let e = elfCache[key] { return e }
        let mapFile = "/proc/\(view)/map_files/\(String(mapping.start, radix: 16))-\(String(mapping.end, radix: 16))"
        let bytes: [UInt8]
        do { bytes = try FileBytes.read(mapFile) } catch {
            // Say why: map_files needs CAP_SYS_ADMIN, which is the usual cause.
            if error.code == EACCES || error.code == EPERM { throw TargetError.mapFilesDenied(pid: pid) }
            throw TargetError.binaryReplaced(path: path)
        }
        let elf = try ELFFile(bytes: bytes)
        elfCache[key] = elf
        return elf
    }

    public func withSyscalls<T>(_ body: (any SyscallPort) throws -> T) throws -> T {
        try withRemoteSyscalls { try body($0) }
    }

    public func stopAll(timeoutSeconds: Double) throws -> any ThreadStop {
        try StoppedWorld(pid: pid, timeoutSeconds: timeoutSeconds)
    }

    /// Compared through a live thread: a zombie leader has no memory to
    /// compare, like a kernel thread, and would seem to share it with them.
    public func addressSpaceCensus() throws -> AddressSpaceCensus {
        let c = try SharedAddressSpace.census(of: view)
        return AddressSpaceCensus(known: c.known, sharers: c.sharers.filter { $0 != pid })
    }

    public func addressSpaceSharers(since census: AddressSpaceCensus) throws -> [Int32] {
        try SharedAddressSpace.sharers(of: view, since: census).filter { $0 != pid }
    }

    /// Stops one thread for remote syscalls: the main one if it still runs
    /// (a main thread that called pthread_exit stays listed as a zombie).
    public func withRemoteSyscalls<T>(timeoutSeconds: Double = 2, _ body: (RemoteSyscaller) throws -> T) throws -> T {
        let tids = try Threads.list(pid: pid).filter { !Threads.isZombie(pid: pid, tid: $0) }
        guard let tid = tids.contains(pid) ? pid : tids.min() else {
            throw TargetError.exited(pid: pid, detail: "no live thread is left")
        }
        let world = try StoppedWorld(pid: pid, timeoutSeconds: timeoutSeconds, onlyThread: tid)
        defer { world.resume() }
        let sc = try RemoteSyscaller(world: world, memory: memory, thread: tid)
        return try body(sc)
    }
}
