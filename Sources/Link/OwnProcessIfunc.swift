import ELF
import Foundation
import Glibc
import Target

/// The second way to learn an IFUNC's choice, when no filled GOT slot
/// shows it: xsplice maps the very same library file itself (same path,
/// device, inode and build-id), runs with the same CPU-feature tunables, so
/// the resolver its own dynamic linker ran chose what the target's did. The
/// address is translated by the two load biases. The target's resolver is
/// never called.
enum OwnProcessIfunc {
    static func implementation(
        of name: String, in owner: LoadedModule, pid: Int32
    ) -> (address: UInt64, evidence: String)? {
        guard let ownerID = owner.buildID, !ownerID.isEmpty,
              let p = dlsym(UnsafeMutableRawPointer(bitPattern: 0), name) else { return nil }
        let address = UInt64(UInt(bitPattern: p))
        guard let maps = try? MemoryMap.read(pid: getpid()),
              let hit = maps.first(where: { address >= $0.start && address < $0.end && !$0.path.isEmpty }),
              let base = maps.filter({ $0.path == hit.path }).map(\.start).min() else { return nil }
        let ourPath = hit.path
        guard sameFile(ourPath, "/proc/\(pid)/root" + owner.path),
              let ours = try? ELFFile(path: ourPath), ours.buildID == ownerID,
              sameTunables(pid) else { return nil }
        // The load bias: where the mapping starts, less the first segment's page.
        let first = ours.segments.filter { $0.type == ProgramHeader.load }.map(\.virtualAddress).min() ?? 0
        let offset = address &- (base &- (first & ~4095))
        let inText = owner.elf.segments.contains {
            $0.type == ProgramHeader.load && $0.isExecutable && offset >= $0.virtualAddress
                && offset < $0.virtualAddress &+ $0.memorySize
        }
        guard inText else { return nil }
        return (
            owner.liveAddress(offset),
            "IFUNC, resolved as in the target: xsplice maps the same \(owner.soname) file with the same tunables"
        )
    }

    private static func sameFile(_ a: String, _ b: String) -> Bool {
        var x = stat(), y = stat()
        guard stat(a, &x) == 0, stat(b, &y) == 0 else { return false }
        return x.st_dev == y.st_dev && x.st_ino == y.st_ino
    }

    /// glibc lets GLIBC_TUNABLES (and the older LD_HWCAP_MASK) change the CPU
    /// features resolvers see; they must be the same in both processes.
    private static func sameTunables(_ pid: Int32) -> Bool {
        // To its end: an environment is often longer than one procfs page.
        guard let data = try? ProcFile.bytes("/proc/\(pid)/environ") else { return false }
        let env = data.split(separator: 0).map { String(decoding: $0, as: UTF8.self) }
        for key in ["GLIBC_TUNABLES", "LD_HWCAP_MASK"] {
            let theirs = env.first { $0.hasPrefix(key + "=") }.map { String($0.dropFirst(key.count + 1)) }
            let mine = ProcessInfo.processInfo.environment[key]
            guard theirs == mine else { return false }
        }
        return true
    }
}
