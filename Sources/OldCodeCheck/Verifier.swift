import Hash
import Payload
import Target

/// Sorts every function of a payload into virgin, applied(P) or foreign by
/// reading the target. It never writes.
public struct Verifier {
    public let target: any Target
    public let registry: any RegistryView

    public init(target: any Target, registry: any RegistryView = EmptyRegistry()) {
        self.target = target
        self.registry = registry
    }

    /// The live entry address of a function, or why it cannot be located.
    public func locate(_ f: FunctionPatch) -> Result<(LoadedModule, UInt64), ForeignReason> {
        do {
            let m = try target.module(named: f.module)
            return .success((m, m.liveAddress(f.oldAddress)))
        } catch {
            return .failure(.moduleMissing(f.module.isEmpty ? "main executable" : f.module))
        }
    }

    /// Fails, naming the module, when a payload targets a module the target
    /// does not have: bad input rather than a mismatch.
    public func checkModules(_ file: PayloadFile) throws {
        for m in file.payload.modules { _ = try target.module(named: m) }
    }

    public func state(of f: FunctionPatch) -> (address: UInt64?, state: FunctionState) {
        states(of: [f])[0]
    }

    /// The states of several functions, their live bytes read in one batch.
    public func states(of functions: [FunctionPatch]) -> [(address: UInt64?, state: FunctionState)] {
        let located = functions.map { locate($0) }
        var ranges: [(address: UInt64, count: Int)] = []
        for (f, l) in zip(functions, located) { if case let .success((_, a)) = l { ranges.append((a, f.oldSize)) } }
        // One read for all; if one range fails, fall back to reading each so
        // that only the unreadable function is reported as such.
        var batch = (try? target.readMany(ranges)).map { $0[...] }
        return zip(functions, located).map { f, l in
            switch l {
            case let .failure(why): return (nil, .foreign(why))
            case let .success((m, a)):
                let live: [UInt8]
                if let first = batch?.popFirst() { live = first } else {
                    do { live = try target.read(a, count: f.oldSize) } catch {
                        return (a, .foreign(.unreadable("\(error)")))
                    }
                }
                return (a, classify(f, module: m, entry: a, live: live))
            }
        }
    }

    /// The state `f` would be in if its live bytes were `live` and the
    /// registry's stack at its entry were `stack`: how replace judges the
    /// function it will find once the payload it takes out is gone.
    public func state(of f: FunctionPatch, ifLive live: [UInt8], stack: [AppliedSite]) -> FunctionState {
        switch locate(f) {
        case let .failure(why): return .foreign(why)
        case let .success((m, entry)): return classify(f, module: m, entry: entry, live: live, stack: stack)
        }
    }

    private func classify(_ f: FunctionPatch, module: LoadedModule, entry: UInt64, live: [UInt8],
                          stack: [AppliedSite]? = nil) -> FunctionState {
        if !f.buildID.isEmpty, let found = module.buildID, found != f.buildID {
            let d = live == f.oldBytes ? nil : ByteDiffer.diff(expected: f.oldBytes, found: live, entry: entry)
            return .foreign(.buildIDMismatch(expected: f.buildID, found: found, diff: d))
        }
        if live == f.oldBytes { return .virgin }
        let check = AppliedCheck(entry: entry, patchOffset: PatchSite(oldBytes: f.oldBytes, entry: entry).patchOffset,
                                 live: live, expected: .bytes(f.oldBytes),
                                 stack: stack ?? registry.stack(atEntry: entry))
        return check.state { address, count in try? target.read(address, count: count) }
    }

    public func verify(_ file: PayloadFile) -> PayloadReport {
        var rows: [FunctionReport] = []
        for (f, (addr, st)) in zip(file.payload.functions, states(of: file.payload.functions)) {
            let accepted = f.accepts(st)
            let beneath = addr.map { a in registry.stack(atEntry: a).contains { $0.payloadID == file.id } } ?? false
            rows.append(FunctionReport(function: f, address: addr, state: st, accepted: accepted,
                                       stateName: name(of: st), containsPayload: beneath))
        }
        return PayloadReport(name: file.payload.name, id: file.id, functions: rows)
    }

    private func name(of st: FunctionState) -> String? {
        if case let .applied(id) = st { return registry.payloadName(id) }
        return nil
    }
}
