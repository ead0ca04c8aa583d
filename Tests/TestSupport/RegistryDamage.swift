import Applier
import Foundation

/// Registries whose checksum is right but whose numbers are absurd, as a
/// tamperer who knows the format could write them: each must be refused by
/// the validation after decoding, before any of its numbers is used.
public enum RegistryDamage: String, CaseIterable, Sendable, CustomStringConvertible {
    case oldSize, replacementSize, regionSize, patchAddress, savedBytes, journal

    public var description: String { rawValue }

    /// Damages the first function of the first record (or adds a journal).
    public func apply(to reg: inout Registry) throws {
        guard !reg.records.isEmpty, !reg.records[0].functions.isEmpty else {
            throw TestFailure("the registry to damage records no function")
        }
        switch self {
        case .oldSize: reg.records[0].functions[0].oldSize = 1 << 62
        case .replacementSize: reg.records[0].functions[0].site.replacementSize = .max
        case .regionSize: reg.records[0].regionSize = .max
        case .patchAddress: reg.records[0].functions[0].site.patchAddress = .max
        case .savedBytes: reg.records[0].functions[0].site.savedBytes = [0x90]
        case .journal:
            // A committed journal that would write at the top of the address space.
            let json = #"{"operation":"revert fixA","nonce":"x","ownerPID":1,"committed":true,"writes":"#
                + #"[{"address":18446744073709551614,"old":[233,0,0,0,0],"new":[1,2,3,4,5],"function":"compute_a"}],"#
                + #""after":[],"freeWhenDone":[],"freeIfAbandoned":[]}"#
            reg.journal = try JSONDecoder().decode(Journal.self, from: Data(json.utf8))
        }
    }
}
