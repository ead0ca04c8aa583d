/// System calls run inside the target on the caller's behalf.
public protocol SyscallPort {
    func mmap(address: UInt64, length: UInt64, prot: Int32, flags: Int32, fd: Int64, offset: UInt64) throws -> UInt64
    func munmap(address: UInt64, length: UInt64) throws
    func memfdCreate(nameAt: UInt64, flags: UInt32) throws -> Int64
    func ftruncate(fd: Int64, length: UInt64) throws
    func close(fd: Int64) throws
    /// Writable memory for a short argument (a name) of the next call.
    func scratch(count: Int) throws -> UInt64
}

/// The two registers the consistency check looks at.
public struct ThreadPointers: Sendable, Equatable {
    public var instruction: UInt64
    public var stack: UInt64
    /// The thread pointer (fs base): where the C library keeps the thread's
    /// control block; 0 when unknown.
    public var threadPointer: UInt64
    public init(instruction: UInt64, stack: UInt64, threadPointer: UInt64 = 0) {
        self.instruction = instruction
        self.stack = stack
        self.threadPointer = threadPointer
    }
}

/// Every thread of a target held still. `resume()` is idempotent.
public protocol ThreadStop: AnyObject {
    var threads: [Int32] { get }
    func pointers(_ tid: Int32) throws -> ThreadPointers
    func resume()
    /// From the first thread stopped to the last one resumed.
    var pauseMicros: UInt64 { get }
}

/// A process xsplice can patch: a live one through ptrace, or a simulated
/// one in memory for model-based tests. Everything the applier does to a
/// target goes through this protocol.
public protocol ProcessControl: Target, WritableMemory {
    var pid: Int32 { get }
    /// False once the process has exited (a zombie counts as exited).
    var isAlive: Bool { get }
    func maps() throws -> [MapEntry]
    /// Runs `body` with a port for remote system calls (one thread stopped).
    func withSyscalls<T>(_ body: (any SyscallPort) throws -> T) throws -> T
    /// Stops every thread.
    func stopAll(timeoutSeconds: Double) throws -> any ThreadStop
    /// Runs a function of the target on one borrowed thread (see RemoteCall.swift).
    func callFunction(_ call: RemoteFunctionCall) throws
    /// Closes the descriptors of memfds named `name` that an interrupted
    /// xsplice left open (see LeftoverDescriptors.swift); returns how many.
    func closeLeftoverDescriptors(named name: String, timeoutSeconds: Double) throws -> Int
    /// Tasks outside the thread group that share its memory (see
    /// `SharedAddressSpace`), counted before a stop: a stop of the group
    /// does not hold them.
    func addressSpaceCensus() throws -> AddressSpaceCensus
    /// Sharers among the processes created since `census`, looked up inside the stop.
    func addressSpaceSharers(since census: AddressSpaceCensus) throws -> [Int32]
}

extension ProcessControl {
    /// A target that cannot share its memory with another task (a simulated one).
    public func addressSpaceCensus() throws -> AddressSpaceCensus { .alone }
    /// A target without descriptors (a simulated one) has none left over.
    public func closeLeftoverDescriptors(named name: String, timeoutSeconds: Double) throws -> Int { 0 }
    public func addressSpaceSharers(since census: AddressSpaceCensus) throws -> [Int32] { [] }
}

extension SyscallPort {
    public func mmap(address: UInt64, length: UInt64, prot: Int32, flags: Int32) throws -> UInt64 {
        try mmap(address: address, length: length, prot: prot, flags: flags, fd: -1, offset: 0)
    }
}
