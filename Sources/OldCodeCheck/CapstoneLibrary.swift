import CCapstone
import Glibc

/// Capstone, loaded with dlopen the first time an instruction is decoded,
/// not linked: its 77,000 relocations and 1.3 MB of tables cost every
/// command about a millisecond at start-up, and most commands (`--version`,
/// `list`, `status`, `revert`, a `verify` that matches) never disassemble.
final class CapstoneLibrary: @unchecked Sendable {
    typealias Open = @convention(c) (cs_arch, cs_mode, UnsafeMutablePointer<csh>?) -> cs_err
    typealias Option = @convention(c) (csh, cs_opt_type, Int) -> cs_err
    typealias Disasm = @convention(c) (
        csh, UnsafePointer<UInt8>?, Int, UInt64, Int, UnsafeMutablePointer<UnsafeMutablePointer<cs_insn>?>?
    ) -> Int
    typealias Free = @convention(c) (UnsafeMutablePointer<cs_insn>?, Int) -> Void
    typealias Close = @convention(c) (UnsafeMutablePointer<csh>?) -> cs_err
    typealias Group = @convention(c) (csh, UnsafePointer<cs_insn>?, UInt32) -> Bool
    typealias Version = @convention(c) (UnsafeMutablePointer<Int32>?, UnsafeMutablePointer<Int32>?) -> UInt32

    let open: Open
    let option: Option
    let disasm: Disasm
    let free: Free
    let close: Close
    let group: Group

    /// The library whose major version matches the header this was built
    /// against (`cs_insn` and `cs_detail` change layout between majors).
    static let soname = "libcapstone.so.\(CS_API_MAJOR)"

    /// Loaded once per process; the failure, too, is kept and reported.
    static let shared: Result<CapstoneLibrary, DisassemblerError> = {
        do throws(DisassemblerError) { return .success(try CapstoneLibrary()) } catch { return .failure(error) }
    }()

    private init() throws(DisassemblerError) {
        guard let lib = dlopen(Self.soname, RTLD_NOW | RTLD_LOCAL) else {
            throw .libraryUnavailable(Self.soname, dlerror().map { String(cString: $0) } ?? "dlopen failed")
        }
        func symbol<T>(_ name: String, _ type: T.Type) throws(DisassemblerError) -> T {
            guard let p = dlsym(lib, name) else { throw .libraryUnavailable(Self.soname, "no symbol \(name)") }
            return unsafeBitCast(p, to: type)
        }
        let version = try symbol("cs_version", Version.self)
        var major: Int32 = 0, minor: Int32 = 0
        _ = version(&major, &minor)
        guard major == CS_API_MAJOR else {
            throw .libraryUnavailable(Self.soname, "it is Capstone \(major).\(minor), built for \(CS_API_MAJOR)")
        }
        open = try symbol("cs_open", Open.self)
        option = try symbol("cs_option", Option.self)
        disasm = try symbol("cs_disasm", Disasm.self)
        free = try symbol("cs_free", Free.self)
        close = try symbol("cs_close", Close.self)
        group = try symbol("cs_insn_group", Group.self)
    }
}
