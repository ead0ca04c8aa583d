import Target

extension LiveSession {
    func returnWaiter(_ functions: @escaping () throws -> [BusyRange]) throws -> ReturnWaiter {
        ReturnWaiter(target: target, disassembler: try disassembler, functions: functions)
    }

    /// Each function of an applied payload, old and new, as its own range:
    /// a frame in either is followed within its function's bounds.
    func functionRanges(of record: Registry.Record) -> [BusyRange] {
        record.functions.flatMap { f in
            [BusyRange(range: f.site.entryAddress..<(f.site.entryAddress + f.oldSize), name: f.displayName),
             BusyRange(range: f.site.replacementAddress..<(f.site.replacementAddress + f.site.replacementSize),
                       name: f.displayName)]
        }
    }
}
