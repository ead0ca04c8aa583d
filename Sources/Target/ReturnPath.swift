import Glibc

/// Two instruction sequences the target already owns, which together let a
/// thread borrowed for a remote call find its own way back if xsplice dies
/// (SIGKILL, OOM) while the thread runs the call:
///
/// - `syscallReturn`: `syscall; ret` (0f 05 c3), the body of glibc's getpid
///   and similar wrappers. A remote system call runs there with the stack
///   pointer on a prepared frame's return slot, so that after the call the
///   `ret` goes to the restorer.
/// - `restorer`: `mov $15,%rax; syscall` (glibc's `__restore_rt`) or
///   `mov $15,%eax; syscall` (musl's), which makes rt_sigreturn from the
///   frame the stack pointer is then on.
///
/// Bytes are matched, not symbols: executed from the matched address, they
/// run as those instructions whatever surrounds them. Only read-only
/// executable mappings of modules that are never unloaded (libc, the
/// dynamic linker, the main executable) and the vDSO are searched, so the
/// sequences stay in place while a thread may still return through them.
public struct ReturnPath: Sendable, Equatable {
    public let syscallReturn: UInt64
    public let restorer: UInt64
    /// The restorer's length: where its `syscall` leaves the instruction pointer.
    public let restorerLength: UInt64

    static let syscallRet: [UInt8] = [0x0f, 0x05, 0xc3]
    static let restorers: [[UInt8]] = [
        [0x48, 0xc7, 0xc0, 0x0f, 0x00, 0x00, 0x00, 0x0f, 0x05],
        [0xb8, 0x0f, 0x00, 0x00, 0x00, 0x0f, 0x05],
    ]

    /// Where the restorer's `syscall` leaves rip: what the syscall-entry stop of its rt_sigreturn shows.
    public var sigreturnStop: UInt64 { restorer + restorerLength }

    /// `view`: a live thread of `pid`, through whose /proc entry the maps
    /// are read (a main thread that called pthread_exit shows none).
    public static func find(pid: Int32, view: Int32, memory: any Memory) throws -> ReturnPath {
        let maps = try MemoryMap.read(pid: view)
        let exe = executablePath(view)
        func rank(_ m: MapEntry) -> Int? {
            guard m.permissions.hasPrefix("r-x") else { return nil }
            let base = m.path.split(separator: "/").last.map(String.init) ?? ""
            if base.hasPrefix("libc.so") || base.hasPrefix("libc-") || base.hasPrefix("ld-musl") { return 0 }
            if base.hasPrefix("ld-linux") { return 1 }
            if m.path.hasPrefix("/") && m.path == exe { return 2 }
            if m.path == "[vdso]" { return 3 }
            return nil
        }
        let candidates = maps.compactMap { m in rank(m).map { (m, $0) } }.sorted { $0.1 < $1.1 }.map(\.0)
        var syscallReturn: UInt64?
        var restorer: (UInt64, Int)?
        // Read in chunks and stop once both are found: they usually lie in
        // the first pages of libc's text, which is megabytes long.
        let chunk: UInt64 = 64 * 1024, overlap: UInt64 = 8
        for m in candidates where syscallReturn == nil || restorer == nil {
            var at = m.start
            while at < m.end && (syscallReturn == nil || restorer == nil) {
                let count = min(chunk + overlap, m.end - at)
                guard let bytes = try? memory.read(at, count: Int(count)) else { break }
                if syscallReturn == nil, let i = firstIndex(of: syscallRet, in: bytes) {
                    syscallReturn = at + UInt64(i)
                }
                if restorer == nil {
                    for r in restorers {
                        if let i = firstIndex(of: r, in: bytes) { restorer = (at + UInt64(i), r.count); break }
                    }
                }
                at += chunk
            }
        }
        guard let s = syscallReturn else {
            throw TargetError.noReturnPath(pid: pid, reason: "no `syscall; ret` sequence (as in libc's getpid) was "
                + "found in libc, the dynamic linker, the executable or the vDSO")
        }
        guard let (r, n) = restorer else {
            throw TargetError.noReturnPath(pid: pid, reason: "no signal restorer (`mov $15,%rax; syscall`, libc's "
                + "__restore_rt) was found in libc, the dynamic linker or the executable")
        }
        return ReturnPath(syscallReturn: s, restorer: r, restorerLength: UInt64(n))
    }

    /// A thread with a CET shadow stack would fault on the `ret` and on
    /// rt_sigreturn (neither matches its shadow stack): refused.
    public static func checkShadowStack(pid: Int32, tid: Int32) throws {
        let status = (try? ProcFile.text("/proc/\(pid)/task/\(tid)/status")) ?? ""
        if let f = ProcFile.field("x86_Thread_features", in: status), f.contains("shstk") {
            throw TargetError.noReturnPath(pid: pid, reason: "thread \(tid) runs with a CET shadow stack, which "
                + "the return path through its own frame would violate")
        }
    }

    static func executablePath(_ pid: Int32) -> String {
        var buf = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        let n = readlink("/proc/\(pid)/exe", &buf, buf.count - 1)
        guard n > 0 else { return "" }
        return String(decoding: buf[..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    static func firstIndex(of needle: [UInt8], in hay: [UInt8]) -> Int? {
        guard let first = needle.first, hay.count >= needle.count else { return nil }
        return hay.withUnsafeBufferPointer { h -> Int? in
            var i = 0
            let last = h.count - needle.count
            while i <= last {
                if h[i] == first {
                    var j = 1
                    while j < needle.count && h[i + j] == needle[j] { j += 1 }
                    if j == needle.count { return i }
                }
                i += 1
            }
            return nil
        }
    }
}
