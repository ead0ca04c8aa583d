/// One entry of an ELF note area (PT_NOTE segment or SHT_NOTE section).
struct Note: Sendable {
    let name: ArraySlice<UInt8>   // includes the trailing NUL, as stored
    let type: UInt32
    let descriptor: ArraySlice<UInt8>

    /// Walks the notes in `area`. Stops quietly at the first malformed
    /// entry: notes are optional metadata, and a damaged one should cost
    /// us that metadata, not the whole file. `alignment` is 8 for areas
    /// aligned to 8 (e.g. .note.gnu.property) and 4 otherwise.
    static func parse(_ r: ByteReader, area: Range<Int>, alignment: Int) -> [Note] {
        var notes: [Note] = []
        var cursor = area.lowerBound
        while area.upperBound - cursor >= 12 {
            guard let nameSize = try? r.u32("note", at: cursor),
                  let descSize = try? r.u32("note", at: cursor + 4),
                  let type = try? r.u32("note", at: cursor + 8) else { break }
            // Sizes are at most 2^32 and offsets at most the file size, so
            // this Int arithmetic cannot overflow on a 64-bit host.
            let nameStart = cursor + 12
            let nameEnd = nameStart + Int(nameSize)
            let descStart = alignUp(nameEnd, alignment)
            let descEnd = descStart + Int(descSize)
            guard descEnd <= area.upperBound else { break }
            notes.append(Note(name: r.bytes[nameStart..<nameEnd], type: type,
                              descriptor: r.bytes[descStart..<descEnd]))
            cursor = alignUp(descEnd, alignment)
        }
        return notes
    }

    private static func alignUp(_ value: Int, _ alignment: Int) -> Int {
        (value + alignment - 1) / alignment * alignment
    }
}
