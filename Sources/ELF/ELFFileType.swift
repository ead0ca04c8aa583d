/// The ELF e_type. PIE executables are ET_DYN and so report `.sharedObject`,
/// which is exactly what matters to a patcher: they load at a random base.
public enum ELFFileType: Sendable, Equatable {
    case relocatable
    case executable
    case sharedObject
    case other(UInt16)

    init(rawValue: UInt16) {
        switch rawValue {
        case 1: self = .relocatable
        case 2: self = .executable
        case 3: self = .sharedObject
        default: self = .other(rawValue)
        }
    }
}
