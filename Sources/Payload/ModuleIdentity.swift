import ELF

/// How a payload names the module it patches: "" for the main executable
/// (PIE or not), the DT_SONAME for a shared library, or its file name when it
/// has none (as the live side names it; the build-id guards the choice).
public enum ModuleIdentity {
    public static func name(of file: ELFFile, path: String) throws -> String {
        switch file.fileType {
        case .executable:
            return ""
        case .sharedObject:
            if file.segments.contains(where: { $0.type == ProgramHeader.interp }) { return "" }
            if let so = file.soname, !so.isEmpty { return so }
            guard let base = path.split(separator: "/").last, !base.isEmpty else {
                throw BuildError.noModuleName(path: path)
            }
            return String(base)
        default:
            throw BuildError.notAModule(path: path)
        }
    }
}
