import ELF

/// What the comparison and the proof need to know of an x86-64 relocation type.
enum RelocationKind {
    static let abs64: UInt32 = 1, pc32: UInt32 = 2, plt32: UInt32 = 4, gotpcrel: UInt32 = 9
    static let abs32: UInt32 = 10, abs32s: UInt32 = 11, pc64: UInt32 = 24
    static let gotpcrelx: UInt32 = 41, rexGotpcrelx: UInt32 = 42

    /// Bytes of the field the linker writes; nil for a type this tool
    /// does not know (its field is then compared as raw bytes, never masked).
    static func width(_ type: UInt32) -> Int? {
        switch type {
        case abs64, pc64: return 8
        case pc32, plt32, gotpcrel, abs32, abs32s, gotpcrelx, rexGotpcrelx: return 4
        // TLS: GOTTPOFF, TPOFF32, TLSGD, TLSLD, DTPOFF32
        case 22, 23, 19, 20, 21: return 4
        default: return nil
        }
    }

    /// The field holds target - place (plus addend).
    static func isPCRelative(_ type: UInt32) -> Bool {
        [pc32, plt32, gotpcrel, gotpcrelx, rexGotpcrelx, pc64, 22, 19, 20].contains(type)
    }

    static func isGOT(_ type: UInt32) -> Bool { [gotpcrel, gotpcrelx, rexGotpcrelx].contains(type) }
}
