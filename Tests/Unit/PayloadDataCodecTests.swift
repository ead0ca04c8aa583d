import Hash
import Testing
@testable import Payload

/// Format 4: writable data sections with their variable list, and references
/// to another payload's variable, survive the codec; a version 3 file cannot
/// carry them; a variable outside its section is invalid.
@Suite struct PayloadDataCodecTests {
    func withData(_ p: Payload, variables: [LoadSection.Variable]) -> Payload {
        var p = p
        p.sections.append(
            LoadSection(
                name: ".data", kind: .writableData, alignment: 4, bytes: [41, 0, 0, 0, 7, 0, 0, 0],
                relocations: [], variables: variables))
        p.sections[0].relocations.append(PayloadRelocation(offset: 0, type: .abs64, addend: 0,
                                                           target: .payloadVariable(payload: "base", name: "calls")))
        p.sections[0].relocations.sort { $0.offset < $1.offset }
        return p
    }

    @Test func writableDataAndPayloadVariablesRoundTrip() throws {
        let p = withData(
            try PayloadSamples.make(), variables: [.init(name: "calls", offset: 0), .init(name: "seen", offset: 4)])
        let bytes = try PayloadSamples.encoded(p)
        let back = try PayloadCodec.decode(bytes)
        #expect(back.payload == p)
        #expect(back.encoded() == bytes)
    }

    @Test func versionThreeCannotCarryWritableData() throws {
        var bytes = try PayloadSamples.encoded(withData(try PayloadSamples.make(), variables: []))
        bytes[8] = 3
        #expect(throws: PayloadError.self) { try PayloadCodec.decode(bytes) }
        // A version 3 payload without them is still read.
        var old = try PayloadSamples.encoded(try PayloadSamples.make())
        old[8] = 3
        #expect(try PayloadCodec.decode(old).payload == (try PayloadSamples.make()))
    }

    @Test func variableOutsideItsSectionIsInvalid() throws {
        let p = withData(try PayloadSamples.make(), variables: [.init(name: "calls", offset: 8)])
        let bytes = try PayloadSamples.encoded(p)
        #expect(throws: PayloadError.self) { try PayloadCodec.decode(bytes) }
    }
}
