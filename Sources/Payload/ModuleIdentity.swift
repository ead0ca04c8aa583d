import ELF

/// How a payload names the module it patches: "" for the main executable
/// (PIE or not), the DT_SONAME for a shared library.
public enum ModuleIdentity {
    public static func name(of file: ELFFile, path: String) throws -> String {
        switch file.fileType {
        case .executable:
            return ""
        case .sharedObject:
            if file.segments.contains(where: { $0.type == ProgramHeader.interp }) { return "" }
            guard let so = file.soname, !so.isEmpty else {
                throw BuildError.badSpec("\(path) is a shared library without DT_SONAME; xsplice finds libraries in a process by soname, so link it with -Wl,-soname,NAME")
            }
            return so
        default:
            throw BuildError.badSpec("\(path) is not an executable or a shared library (use --binary for the program and --object for the replacement)")
        }
    }
}
