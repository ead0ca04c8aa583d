import Link
import Payload
import Target

extension LiveSession {
    /// What every symbolic reference of the payload would bind to in this
    /// process, for `apply --dry-run`; throws what `apply` would refuse with.
    func bindings(_ p: Payload, module: LoadedModule) throws -> [OperationResult.Bound] {
        let bound = try Linker(
            payload: p, module: module, memory: target, pid: target.pid, allModules: { try self.target.modules() }
        ).bind()
        return bound.values
            .sorted { ($0.kind.rawValue, $0.reference) < ($1.kind.rawValue, $1.reference) }
            .map { OperationResult.Bound(reference: $0.reference, kind: $0.kind.rawValue, module: $0.module,
                                         definition: $0.definition, address: hex($0.address), reason: $0.reason) }
    }
}
