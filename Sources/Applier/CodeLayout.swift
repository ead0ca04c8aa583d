import Payload

/// Where each payload section, GOT slot and jump stub goes inside the code
/// region. It depends only on the payload, so it is computed before the
/// region exists and its size decides how much to allocate.
struct CodeLayout {
    var sectionOffsets: [Int] = []
    /// One slot per distinct GOT-relative target.
    var gotOffsets: [RelocationTarget: Int] = [:]
    /// One stub per distinct PLT32 symbol, used only if the symbol is far.
    var stubOffsets: [RelocationTarget: Int] = [:]
    var size: Int = 0
    /// The unwind section, if the payload has one. It comes after everything
    /// else, right before the unwinder's page: from there to the end is
    /// memory only the unwinder refers to (see `unwinderOnly`).
    var unwindOffset: Int?
    /// A page of its own, mapped writable, for the unwinder's record of the
    /// registered frames (libgcc's `struct object`, which it writes to).
    var unwindObjectOffset: Int?

    /// The new variables (writable data sections) come first, on pages of
    /// their own mapped read-write and never executable; this is their
    /// page-rounded size, 0 when the payload defines none.
    var dataSize: Int = 0

    static let stubSize = 16  // jmp *0(%rip); .quad target; padding
    static let page = 4096

    init(_ payload: Payload) {
        var cursor = 0
        sectionOffsets = [Int](repeating: 0, count: payload.sections.count)
        for (i, s) in payload.sections.enumerated() where s.kind == .writableData {
            let a = Int(s.alignment)
            cursor = (cursor + a - 1) / a * a
            sectionOffsets[i] = cursor
            cursor += s.bytes.count
        }
        cursor = (cursor + Self.page - 1) / Self.page * Self.page
        dataSize = cursor
        for (i, s) in payload.sections.enumerated() where s.kind != .unwindFrames && s.kind != .writableData {
            let a = Int(s.alignment)
            cursor = (cursor + a - 1) / a * a
            sectionOffsets[i] = cursor
            cursor += s.bytes.count
        }
        cursor = (cursor + 7) / 8 * 8
        for s in payload.sections {
            for r in s.relocations {
                switch r.type {
                case .gotpcrel, .gotpcrelx, .rexGotpcrelx, .gottpoff:
                    if gotOffsets[r.target] == nil { gotOffsets[r.target] = cursor; cursor += 8 }
                default: break
                }
            }
        }
        cursor = (cursor + 15) / 16 * 16
        for s in payload.sections {
            for r in s.relocations where r.type == .plt32 {
                if case .symbol = r.target, stubOffsets[r.target] == nil {
                    stubOffsets[r.target] = cursor
                    cursor += Self.stubSize
                }
            }
        }
        if let u = payload.sections.firstIndex(where: { $0.kind == .unwindFrames }) {
            let a = Int(payload.sections[u].alignment)
            cursor = (cursor + a - 1) / a * a
            sectionOffsets[u] = cursor
            unwindOffset = cursor
            cursor += payload.sections[u].bytes.count
            cursor = (cursor + Self.page - 1) / Self.page * Self.page
            unwindObjectOffset = cursor
            cursor += Self.page
        }
        size = max(cursor, 1)
    }

    var pageRoundedSize: UInt64 { UInt64((size + 4095) / 4096 * 4096) }
}
