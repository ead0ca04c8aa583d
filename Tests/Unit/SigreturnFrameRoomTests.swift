import Glibc
@testable import Target
import Testing
import TestSupport

/// The frame a remote call leaves for a dead xsplice must lie inside the
/// writable mapping that holds the thread's stack pointer, never spill into
/// the mapping below (checked on this process's own memory).
@Suite struct SigreturnFrameRoomTests {
    @Test func roomIsCheckedAgainstTheStackPointersOwnMapping() throws {
        let page = UInt64(sysconf(Int32(_SC_PAGESIZE)))
        guard let base = mmap(nil, Int(3 * page), PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0),
              base != MAP_FAILED else { throw TestFailure("mmap failed") }
        defer { munmap(base, Int(3 * page)) }
        let low = UInt64(UInt(bitPattern: base))
        // A guard page below and above a one-page "alternate stack".
        #expect(mprotect(base, Int(page), PROT_NONE) == 0)
        #expect(mprotect(base + Int(2 * page), Int(page), PROT_NONE) == 0)
        // Every thread of this process sees the same maps; the main one is always there.
        let pid = getpid(), tid = getpid()
        let top = low + 2 * page - 64
        try SigreturnFrame.checkRoom(pid: pid, tid: tid, low: low + page, high: top)
        #expect(throws: TargetError.self) {
            try SigreturnFrame.checkRoom(pid: pid, tid: tid, low: low + page - 8, high: top)
        }
        #expect(throws: TargetError.self) {
            try SigreturnFrame.checkRoom(pid: pid, tid: tid, low: top, high: top)
        }
        // Wrapped below zero: refused, not trapped.
        #expect(throws: TargetError.self) {
            try SigreturnFrame.checkRoom(pid: pid, tid: tid, low: UInt64(0) &- 16, high: top)
        }
    }
}
