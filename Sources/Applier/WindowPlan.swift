import Hash
import OldCodeCheck
import Payload
import Target

/// Everything an operation will do inside its stop window, worked out
/// before it: the bytes that must still be there (what was verified), the
/// writes, and the registry slots already encoded. Inside the window only
/// the comparison and the writes remain, which keeps the pause short.
struct WindowPlan {
    /// Memory that must be byte-for-byte what was verified.
    struct Guard {
        let address: UInt64
        let bytes: [UInt8]
        let label: String
    }

    let base: UInt64
    let active: UInt32
    let generation: UInt64
    let guards: [Guard]
    var writer: PatchWriter
    let journalSlot: RegistryStore.PreparedSlot
    let finalSlot: RegistryStore.PreparedSlot
    let abortSlot: RegistryStore.PreparedSlot
    let cleanup: Journal?
}
