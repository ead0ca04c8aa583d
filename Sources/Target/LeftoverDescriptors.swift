import CShims
import Glibc

/// Descriptors an interrupted xsplice left open in the target: the memfd
/// of a registry whose creator was killed between `memfd_create` and the
/// `close` after its `mmap`. One is recognised by what the kernel says it
/// is (the link in /proc/PID/fd: `/memfd:NAME (deleted)`), a name only
/// xsplice gives, and it is closed only while every thread of the process
/// is stopped and the link is read again inside that stop: no thread of the
/// target can close it and have the number reused for a file of its own
/// between the check and the close.
extension ProcessTarget {
    public func closeLeftoverDescriptors(named name: String, timeoutSeconds: Double = 2) throws -> Int {
        let link = "/memfd:\(name) (deleted)"
        // Cheap look first: almost always there is nothing, and nothing is stopped.
        guard !Self.descriptors(of: pid, linkingTo: link).isEmpty else { return 0 }
        let world = try StoppedWorld(pid: pid, timeoutSeconds: timeoutSeconds)
        defer { world.resume() }
        guard let tid = world.threads.first(where: { !Threads.isZombie(pid: pid, tid: $0) }) else {
            throw TargetError.exited(pid: pid, detail: "no live thread is left")
        }
        try world.reportSyscallStops(tid)
        let sc = try RemoteSyscaller(world: world, memory: memory, thread: tid)
        var closed = 0
        for fd in Self.descriptors(of: pid, linkingTo: link) {
            try sc.close(fd: Int64(fd))
            closed += 1
        }
        return closed
    }

    /// The descriptor numbers of `pid` whose /proc link reads exactly `link`.
    static func descriptors(of pid: Int32, linkingTo link: String) -> [Int32] {
        guard let dir = opendir("/proc/\(pid)/fd") else { return [] }
        defer { closedir(dir) }
        var found: [Int32] = []
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
            }
            guard let fd = Int32(name) else { continue }
            var buf = [UInt8](repeating: 0, count: 512)
            let n = buf.withUnsafeMutableBufferPointer { p in
                p.baseAddress!.withMemoryRebound(to: CChar.self, capacity: p.count) {
                    readlink("/proc/\(pid)/fd/\(fd)", $0, p.count - 1)
                }
            }
            if n > 0, String(decoding: buf[..<n], as: UTF8.self) == link { found.append(fd) }
        }
        return found.sorted()
    }
}

extension StoppedWorld {
    /// Makes a thread stopped with every other one (traced for clones, not
    /// for system calls) report syscall stops as a remote call needs them.
    func reportSyscallStops(_ tid: Int32) throws {
        let options = UInt(XS_PTRACE_O_TRACECLONE) | 1  // PTRACE_O_TRACESYSGOOD
        guard xs_ptrace(0x4200 /* PTRACE_SETOPTIONS */, tid, 0, options) == 0 else {
            throw TargetError.ptrace(op: "SETOPTIONS", tid: tid, errno: errno)
        }
    }
}
