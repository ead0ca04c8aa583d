import Target
import Testing

/// The byte-level maps parser reads every field the kernel writes, keeps
/// paths with spaces, and skips lines it cannot read.
@Suite struct MemoryMapParseTests {
    @Test func parsesEveryKindOfLine() {
        let text = """
        55d1c0a00000-55d1c0a02000 r--p 00000000 fe:00 1234                       /usr/bin/my prog (deleted)
        7ffd0000-7ffe0000 rw-p 00000000 00:00 0                          [stack]
        7f0000000000-7f0000001000 ---p 00000000 00:00 0 
        7f0000001000-7f0000002000 rw-s 0000a000 00:05 77 /memfd:xsplice-registry (deleted)
        zz-7f0000003000 rw-p 00000000 00:00 0
        7f0000004000-7f0000005000 rw-p
        ffffffffff600000-ffffffffff601000 --xp 00000000 00:00 0                  [vsyscall]
        """
        let m = MemoryMap.parse(text)
        #expect(m.count == 5)
        #expect(m[0] == MapEntry(start: 0x55d1_c0a0_0000, end: 0x55d1_c0a0_2000, permissions: "r--p", offset: 0,
                                 inode: 1234, path: "/usr/bin/my prog (deleted)"))
        #expect(m[1].path == "[stack]" && m[1].permissions == "rw-p")
        #expect(m[2].path.isEmpty && m[2].inode == 0)
        #expect(m[3].offset == 0xa000 && m[3].inode == 77 && m[3].path == "/memfd:xsplice-registry (deleted)")
        #expect(m[4].start == 0xffff_ffff_ff60_0000 && m[4].path == "[vsyscall]")
    }

    @Test func refusesOverflowingNumbers() {
        #expect(MemoryMap.parse("1ffffffffffffffff-2 rw-p 0 00:00 0\n").isEmpty)
    }
}
