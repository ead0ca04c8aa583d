import Glibc
import Target

/// The few fields of /proc/PID/stat that `watch` needs, and the clock they
/// are counted in.
enum ProcStat {
    /// The parent PID (field 4); nil when the process is gone.
    static func parent(of pid: Int32) -> Int32? {
        guard let text = try? ProcFile.text("/proc/\(pid)/stat"), let close = text.lastIndex(of: ")") else {
            return nil
        }
        let fields = text[text.index(after: close)...].split(separator: " ")
        guard fields.count > 1 else { return nil }
        return Int32(fields[1])
    }

    /// The device and inode of the file behind /proc/PID/exe; empty when
    /// it cannot be read (a kernel thread, a process that is gone).
    static func executable(of pid: Int32) -> [UInt64] {
        var st = stat()
        guard stat("/proc/\(pid)/exe", &st) == 0 else { return [] }
        return [UInt64(st.st_dev), UInt64(st.st_ino)]
    }

    /// Seconds since the process started (start time is counted in clock
    /// ticks since boot, so it is compared with CLOCK_BOOTTIME).
    static func age(startTicks: UInt64) -> Double {
        let hz = Double(max(1, sysconf(Int32(_SC_CLK_TCK))))
        return max(0, bootTime() - Double(startTicks) / hz)
    }

    static func bootTime() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_BOOTTIME, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
    }

    static func monotonic() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
    }
}
