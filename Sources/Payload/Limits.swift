/// Bounds on every length a payload declares, checked before anything is
/// allocated, so a hostile file cannot make us reserve unbounded memory.
public enum PayloadLimits {
    public static let maxFileSize = 256 << 20
    public static let maxString = 4096
    public static let maxSections = 65_536
    public static let maxFunctions = 4096
    public static let maxSectionSize = 16 << 20
    public static let maxRelocationsPerSection = 1 << 20
    public static let maxPreStates = 256
    public static let maxBuildID = 64
    public static let maxFunctionSize = 16 << 20
    public static let maxAlignment: UInt32 = 4096
    public static let maxTrailerRecords = 64
}
