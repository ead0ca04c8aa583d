@testable import Applier
import OldCodeCheck
import Testing

/// Where a frame's return address lies, found from hand-assembled code the
/// way compilers lay it out, and every shape the analysis must not guess at.
struct FrameExitTests {
    let base: UInt64 = 0x40_1000

    func offset(_ bytes: [UInt8], from pc: Int) throws -> Int64 {
        try FrameExit.returnSlotOffset(from: base + UInt64(pc), in: .init(start: base, bytes: bytes),
                                       disassembler: try Disassembler())
    }

    /// push rbx; sub rsp,0x20; call; add rsp,0x20; pop rbx; ret
    static let plain: [UInt8] = [0x53, 0x48, 0x83, 0xec, 0x20, 0xe8, 0, 0, 0, 0,
                                 0x48, 0x83, 0xc4, 0x20, 0x5b, 0xc3]

    @Test func afterACallTheReturnAddressIsAboveTheFrame() throws {
        #expect(try offset(Self.plain, from: 10) == 0x28)
        // At the entry, the return address is where rsp points.
        #expect(try offset(Self.plain, from: 0) == 0)
        // After the push only.
        #expect(try offset(Self.plain, from: 1) == 8)
    }

    /// A loop back over the call, a stack-protector check that ends in a
    /// call which does not return and then falls off the function's end.
    @Test func loopsAndANoReturnCallAtTheEnd() throws {
        let code: [UInt8] = [
            0x53,                         // 0: push rbx
            0x48, 0x83, 0xec, 0x10,       // 1: sub rsp, 0x10
            0xe8, 0, 0, 0, 0,             // 5: call
            0x85, 0xc0,                   // 10: test eax, eax
            0x75, 0xf7,                   // 12: jne 5
            0x74, 0x06,                   // 14: je 22
            0x48, 0x83, 0xc4, 0x10,       // 16: add rsp, 0x10
            0x5b,                         // 20: pop rbx
            0xc3,                         // 21: ret
            0xe8, 0, 0, 0, 0,             // 22: call __stack_chk_fail (falls off the end)
        ]
        #expect(try offset(code, from: 10) == 0x18)
    }

    /// sub rsp,8; call; add rsp,8; jmp out (a tail call): the callee returns
    /// through this frame's slot.
    @Test func aTailCallIsAWayOut() throws {
        let code: [UInt8] = [0x48, 0x83, 0xec, 0x08, 0xe8, 0, 0, 0, 0, 0x48, 0x83, 0xc4, 0x08, 0xe9, 0x00, 0x10, 0, 0]
        #expect(try offset(code, from: 9) == 8)
    }

    @Test func aFramePointerEpilogueIsNotGuessed() throws {
        // push rbp; mov rbp,rsp; call; leave; ret
        let code: [UInt8] = [0x55, 0x48, 0x89, 0xe5, 0xe8, 0, 0, 0, 0, 0xc9, 0xc3]
        #expect(throws: FrameExit.Failure.self) { try offset(code, from: 9) }
        // mov rsp, rbp instead of leave
        let mov: [UInt8] = [0x55, 0x48, 0x89, 0xe5, 0xe8, 0, 0, 0, 0, 0x48, 0x89, 0xec, 0x5d, 0xc3]
        #expect(throws: FrameExit.Failure.self) { try offset(mov, from: 9) }
    }

    @Test func waysOutThatDisagreeGiveNoAnswer() throws {
        // push rbx; call; test eax,eax; je +2; pop rbx; ret; ret
        let code: [UInt8] = [0x53, 0xe8, 0, 0, 0, 0, 0x85, 0xc0, 0x74, 0x02, 0x5b, 0xc3, 0xc3]
        #expect(throws: FrameExit.Failure.self) { try offset(code, from: 6) }
    }

    @Test func noWayOutGivesNoAnswer() throws {
        // nop; call; jmp back to the call: it never returns. (A jump to the
        // entry itself would be a tail call to itself, a way out.)
        let code: [UInt8] = [0x90, 0xe8, 0, 0, 0, 0, 0xeb, 0xf9]
        #expect(throws: FrameExit.Failure.self) { try offset(code, from: 6) }
    }

    @Test func theStubSavesWhatTheWatchRestores() {
        let stub = ReturnStub.code(returnTo: 0x1122_3344_5566_7788)
        #expect(stub.count == ReturnStub.size)
        // The system call ends where ReturnWatch expects it to.
        #expect(Array(stub[9..<11]) == [0x0f, 0x05])
        #expect(stub[5] == UInt8(39))
        #expect(Array(stub[21..<29]) == [0x88, 0x77, 0x66, 0x55, 0x44, 0x33, 0x22, 0x11])
    }
}
