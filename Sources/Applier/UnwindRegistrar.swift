import Payload
import Target

/// Makes the new code's unwind information visible to the target's unwinder
/// (libgcc's `__register_frame_info`) and takes it back before the code is
/// freed (`__deregister_frame_info`).
///
/// Both functions take the unwinder's lock (libgcc's `object_mutex`), and
/// deregistration may free memory under it. They are therefore called on
/// one borrowed thread while every other thread runs, before the stop
/// window of an apply and after that of a revert: a lock another thread
/// holds is released in due course. The borrowed thread itself must hold
/// neither lock; it is lent only when it is blocked in a system call that
/// neither the unwinder nor the allocator makes while holding its lock (a
/// sleep, a read, a poll; never a futex wait), and when no word of its stack
/// and not its instruction pointer lies in the unwinder's code.
enum UnwindRegistrar {
    /// The unwinder in the target: the module exporting the registration pair.
    struct Unwinder {
        let module: String
        let register: UInt64
        let deregister: UInt64
        /// Its executable mappings, which no borrowed thread may be in.
        let code: [Range<UInt64>]
    }

    /// System calls in which a thread can be blocked without holding the
    /// unwinder's or the allocator's lock (x86-64 numbers): read, poll,
    /// select, pause, nanosleep, accept, recvfrom, recvmsg, wait4,
    /// rt_sigtimedwait, rt_sigsuspend, clock_nanosleep, epoll_wait, waitid,
    /// pselect6, ppoll, epoll_pwait, accept4, epoll_pwait2.
    static let idleSyscalls: Set<Int> = [
        0, 7, 23, 34, 35, 43, 45, 47, 61, 128, 130, 230, 232, 247, 270, 271, 281, 288, 441,
    ]
    static let futex = 202

    /// What to do with a payload's unwind section in this target, decided
    /// before anything is loaded: nil when it has none, or when the target
    /// has no unwinder and the new code needs none (C code: nothing in the
    /// process could walk through it now). Refuses code that handles C++
    /// exceptions when no unwinder could register it.
    static func plan(_ p: Payload, target: any ProcessControl) throws -> Unwinder? {
        guard let s = p.sections.first(where: { $0.kind == .unwindFrames }) else { return nil }
        let all = try target.modules()
        let found = all.compactMap { m -> (LoadedModule, UInt64, UInt64)? in
            guard let r = m.exportedSymbol(named: "__register_frame_info"),
                  let d = m.exportedSymbol(named: "__deregister_frame_info") else { return nil }
            return (m, m.liveAddress(r.value), m.liveAddress(d.value))
        }
        guard found.count <= 1 else {
            throw ApplierError.unwindUnavailable(
                payload: p.name,
                reason: "carries unwind information, and several loaded "
                + "modules export an unwinder (\(found.map(\.0.soname).joined(separator: ", "))); xsplice "
                + "cannot tell which one unwinds the new code")
        }
        guard let (m, r, d) = found.first else {
            if s.namesPersonality {
                throw ApplierError.unwindUnavailable(
                    payload: p.name,
                    reason: "has C++ exception handling in its new code, but "
                    + "no unwinder (a module exporting __register_frame_info, such as libgcc_s.so.1) is loaded "
                    + "in the target to register it with")
            }
            return nil
        }
        let maps = try target.maps()
        let code = maps.filter { $0.path == m.path && $0.isExecutable }.map { $0.start..<$0.end }
        return Unwinder(module: m.soname, register: r, deregister: d, code: code)
    }

    static func register(_ frames: UInt64, object: UInt64, with u: Unwinder, target: any ProcessControl,
                         timeoutSeconds: Double) throws {
        let call = RemoteFunctionCall(
            name: "__register_frame_info in \(u.module)", address: u.register, arguments: [frames, object],
            timeoutSeconds: timeoutSeconds,
            eligible: { try ineligibility($0, u, target) },
            // Registration blocks only to take its lock, and holds it over
            // a few stores: a thread found waiting in a futex holds nothing.
            abandonable: { $0.syscall == futex })
        do { try target.callFunction(call) } catch let e as RemoteCallError { throw refusal(e) }
        guard try recorded(frames, in: object, target: target) else {
            throw ApplierError.unwindRegistration("\(u.module)'s __register_frame_info did not record the new code's "
                + "frames as libgcc does; the new code stays loaded and registered but is not applied")
        }
    }

    /// Whether libgcc's `struct object` holds the frames: `u.single` (at 24)
    /// is their address until a search sorts the object (bit 0 of `s`, at
    /// 32), then `u.sort` points to a vector whose first word is that address.
    /// The process runs meanwhile, so either form may be found.
    static func recorded(_ frames: UInt64, in object: UInt64, target: any ProcessControl) throws -> Bool {
        let ob = try target.read(object, count: 48)
        let u = le64(ob[24..<32])
        if ob[32] & 1 == 0 { return u == frames }
        return le64(try target.read(u, count: 8)) == frames
    }

    /// Takes the frames back; false when that could not be proven done, in
    /// which case the caller must leave the code mapped (a leak is harmless,
    /// freed frames the unwinder still lists are not).
    static func deregister(_ frames: UInt64, object: UInt64, target: any ProcessControl,
                           timeoutSeconds: Double = 5) -> Bool {
        guard let modules = try? target.modules(), let maps = try? target.maps() else { return false }
        let found = modules.filter {
            $0.exportedSymbol(named: "__register_frame_info") != nil
                && $0.exportedSymbol(named: "__deregister_frame_info") != nil
        }
        guard found.count == 1, let m = found.first, let d = m.exportedSymbol(named: "__deregister_frame_info") else {
            return false
        }
        let u = Unwinder(module: m.soname, register: 0, deregister: m.liveAddress(d.value),
                         code: maps.filter { $0.path == m.path && $0.isExecutable }.map { $0.start..<$0.end })
        let call = RemoteFunctionCall(
            name: "__deregister_frame_info in \(u.module)", address: u.deregister, arguments: [frames],
            timeoutSeconds: timeoutSeconds,
            eligible: { try ineligibility($0, u, target) },
            // It may free memory while holding its lock: never undone.
            abandonable: { _ in false })
        return (try? target.callFunction(call)) != nil
    }

    /// Why a thread may not be lent, or nil when it may.
    static func ineligibility(_ t: BorrowedThread, _ u: Unwinder, _ target: any ProcessControl) throws -> String? {
        guard let nr = t.syscall else { return "running user code" }
        guard idleSyscalls.contains(nr) else { return "in system call \(nr), which may hold a lock" }
        if u.code.contains(where: { $0.contains(t.instruction) }) { return "inside \(u.module)" }
        guard let stack = try target.maps().first(where: { $0.contains(t.stack) }) else {
            return "its stack is not mapped"
        }
        // The whole live stack, as the busy check reads it: a frame of the
        // unwinder anywhere on it may be the one holding its lock.
        let start = t.stack & ~7
        let bytes = try target.read(start, count: Int(stack.end - start))
        let holds = bytes.withUnsafeBytes { raw -> Bool in
            var i = 0
            while i + 8 <= raw.count {
                let w = raw.loadUnaligned(fromByteOffset: i, as: UInt64.self)
                if u.code.contains(where: { $0.contains(w) }) { return true }
                i += 8
            }
            return false
        }
        return holds ? "a frame of \(u.module) is on its stack" : nil
    }

    static func refusal(_ e: RemoteCallError) -> ApplierError {
        if case let .overran(_, _, undone) = e, !undone { return .inconsistent("\(e)") }
        return .unwindRegistration("\(e); nothing was written")
    }

    static func le64<C: Collection>(_ b: C) -> UInt64 where C.Element == UInt8 {
        b.prefix(8).enumerated().reduce(0) { $0 | UInt64($1.element) << (8 * UInt64($1.offset)) }
    }
}
