import CShims
import Glibc

/// A thread's seccomp state, read before xsplice makes any remote call:
/// the mode from /proc/PID/task/TID/status and, in filter mode, the filters
/// themselves (PTRACE_SECCOMP_GET_FILTER, which needs CAP_SYS_ADMIN). Each
/// call xsplice would make is run through every filter; unless all allow
/// it, xsplice refuses before the first call, rather than have the target
/// killed or a call fail half-way.
struct SeccompPolicy {
    struct Call {
        let name: String
        let number: UInt32
        let args: [UInt64]
    }

    let pid: Int32
    let tid: Int32
    let mode: Int
    /// Most recently installed first, as the kernel lists them.
    let filters: [[BPF.Instruction]]

    init(pid: Int32, tid: Int32) throws {
        self.pid = pid
        self.tid = tid
        let status = (try? ProcFile.text("/proc/\(pid)/task/\(tid)/status")) ?? ""
        mode = ProcFile.field("Seccomp", in: status).flatMap { Int($0) } ?? 0
        guard mode == 2 else { filters = []; return }
        var found: [[BPF.Instruction]] = []
        for index in 0..<512 {
            let count = xs_ptrace(0x420c /* PTRACE_SECCOMP_GET_FILTER */, tid, UInt(index), 0)
            if count < 0 && errno == ENOENT { break }
            guard count > 0, count <= 4096 else {
                throw TargetError.seccomp(pid: pid, tid: tid, call: "any call",
                                          outcome: "possibly deny a call (its filter cannot be read: "
                                              + "\(String(cString: strerror(errno))); reading it needs CAP_SYS_ADMIN)")
            }
            var raw = [UInt8](repeating: 0, count: count * 8)
            let got = raw.withUnsafeMutableBytes {
                xs_ptrace(0x420c, tid, UInt(index), UInt(bitPattern: $0.baseAddress))
            }
            guard got == count else {
                throw TargetError.seccomp(
                    pid: pid, tid: tid, call: "any call",
                    outcome: "possibly deny a call (its filter changed while read)")
            }
            found.append(BPF.decode(raw))
        }
        filters = found
    }

    /// Refuses unless every filter allows every call; `ip` is what the
    /// kernel reports, the address just past the `syscall` instruction.
    func check(_ calls: [Call], ip: UInt64) throws {
        if mode == 1 {
            throw TargetError.seccomp(pid: pid, tid: tid, call: calls.first?.name ?? "any call",
                outcome: "kill the process (strict mode allows only read, write, exit and sigreturn)")
        }
        for call in calls {
            var data = [UInt8]()
            Self.append(&data, UInt64(call.number) | UInt64(0xc000_003e) << 32)  // nr, AUDIT_ARCH_X86_64
            Self.append(&data, ip)
            for i in 0..<6 { Self.append(&data, i < call.args.count ? call.args[i] : 0) }
            for f in filters {
                let action: UInt32
                do { action = try BPF.run(f, data: data) } catch {
                    throw TargetError.seccomp(
                        pid: pid, tid: tid, call: call.name, outcome: "possibly deny it (\(error))")
                }
                if let outcome = Self.outcome(action) {
                    throw TargetError.seccomp(pid: pid, tid: tid, call: call.name, outcome: outcome)
                }
            }
        }
    }

    private static func append(_ d: inout [UInt8], _ v: UInt64) {
        for i in 0..<8 { d.append(UInt8(truncatingIfNeeded: v >> (8 * UInt64(i)))) }
    }

    /// What a filter's verdict would do, or nil when it lets the call run.
    static func outcome(_ action: UInt32) -> String? {
        switch action & 0xffff_0000 {
        case 0x7fff_0000, 0x7ffc_0000: return nil  // ALLOW, LOG
        case 0x8000_0000: return "kill the process"
        case 0x0000_0000: return "kill the thread"
        case 0x0003_0000: return "send SIGSYS"
        case 0x0005_0000:
            return "fail with errno \(action & 0xffff) (\(String(cString: strerror(Int32(action & 0xffff)))))"
        case 0x7fc0_0000: return "hand it to a user-space supervisor"
        case 0x7ff0_0000: return "hand it to a tracer (ENOSYS without one)"
        default: return "return the unknown action 0x\(String(action, radix: 16))"
        }
    }
}

/// The classic BPF that seccomp filters are written in, enough to run one
/// over a `seccomp_data`.
enum BPF {
    struct Instruction {
        let code: UInt16
        let jt: UInt8
        let jf: UInt8
        let k: UInt32
    }

    struct Unsupported: Error, CustomStringConvertible {
        let what: String
        var description: String { "a filter instruction xsplice cannot evaluate: \(what)" }
    }

    static func decode(_ raw: [UInt8]) -> [Instruction] {
        stride(from: 0, to: raw.count - 7, by: 8).map { o in
            Instruction(code: UInt16(raw[o]) | UInt16(raw[o + 1]) << 8, jt: raw[o + 2], jf: raw[o + 3],
                k: UInt32(raw[o + 4]) | UInt32(raw[o + 5]) << 8 | UInt32(raw[o + 6]) << 16 | UInt32(raw[o + 7]) << 24)
        }
    }

    /// Runs `program` over `data` and returns its verdict.
    static func run(_ program: [Instruction], data: [UInt8]) throws -> UInt32 {
        var a: UInt32 = 0, x: UInt32 = 0
        var mem = [UInt32](repeating: 0, count: 16)
        var pc = 0
        var steps = 0
        while pc < program.count, steps < 100_000 {
            steps += 1
            let i = program[pc]
            pc += 1
            let src = (i.code & 0x08) != 0 ? x : i.k
            switch i.code & 0x07 {
            case 0x00, 0x01:  // LD, LDX
                let v: UInt32
                switch i.code & 0xe0 {
                case 0x00: v = i.k  // IMM
                case 0x20:  // ABS, 32-bit words only
                    let o = Int(i.k)
                    guard i.code & 0x18 == 0, o % 4 == 0, o + 4 <= data.count else {
                        throw Unsupported(what: "load at \(o)")
                    }
                    v =
                        UInt32(data[o]) | UInt32(data[o + 1]) << 8 | UInt32(data[o + 2]) << 16 | UInt32(data[o + 3])
                        << 24
                case 0x60:  // MEM
                    guard i.k < 16 else { throw Unsupported(what: "scratch slot \(i.k)") }
                    v = mem[Int(i.k)]
                case 0x80: v = UInt32(data.count)  // LEN
                default: throw Unsupported(what: "load mode 0x\(String(i.code, radix: 16))")
                }
                if i.code & 0x07 == 0 { a = v } else { x = v }
            case 0x02, 0x03:  // ST, STX
                guard i.k < 16 else { throw Unsupported(what: "scratch slot \(i.k)") }
                mem[Int(i.k)] = i.code & 0x07 == 0x02 ? a : x
            case 0x04:  // ALU
                switch i.code & 0xf0 {
                case 0x00: a = a &+ src
                case 0x10: a = a &- src
                case 0x20: a = a &* src
                case 0x30: guard src != 0 else { return 0 }; a /= src
                case 0x40: a |= src
                case 0x50: a &= src
                case 0x60: a = src < 32 ? a << src : 0
                case 0x70: a = src < 32 ? a >> src : 0
                case 0x80: a = 0 &- a
                case 0x90: guard src != 0 else { return 0 }; a %= src
                case 0xa0: a ^= src
                default: throw Unsupported(what: "ALU 0x\(String(i.code, radix: 16))")
                }
            case 0x05:  // JMP
                let taken: Bool
                switch i.code & 0xf0 {
                case 0x00: pc += Int(i.k); continue  // JA
                case 0x10: taken = a == src
                case 0x20: taken = a > src
                case 0x30: taken = a >= src
                case 0x40: taken = a & src != 0
                default: throw Unsupported(what: "jump 0x\(String(i.code, radix: 16))")
                }
                pc += Int(taken ? i.jt : i.jf)
            case 0x06:  // RET
                return i.code & 0x18 == 0x10 ? a : i.k
            default:  // MISC: TAX, TXA
                if i.code & 0xf8 == 0x00 { x = a } else { a = x }
            }
        }
        throw Unsupported(what: "a program that runs off its end")
    }
}
