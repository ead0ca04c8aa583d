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

    static let stubSize = 16  // jmp *0(%rip); .quad target; padding

    init(_ payload: Payload) {
        var cursor = 0
        for s in payload.sections {
            let a = Int(s.alignment)
            cursor = (cursor + a - 1) / a * a
            sectionOffsets.append(cursor)
            cursor += s.bytes.count
        }
        cursor = (cursor + 7) / 8 * 8
        for s in payload.sections {
            for r in s.relocations {
                switch r.type {
                case .gotpcrel, .gotpcrelx, .rexGotpcrelx:
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
        size = max(cursor, 1)
    }

    var pageRoundedSize: UInt64 { UInt64((size + 4095) / 4096 * 4096) }
}
