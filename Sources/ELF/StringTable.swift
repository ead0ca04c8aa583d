/// A validated string table (SHT_STRTAB) inside the file.
///
/// ELF names are offsets into such a table; a corrupt offset or a missing
/// NUL terminator would otherwise make us read past the table into
/// unrelated data, so each lookup is confined to the table's own bytes.
struct StringTable: Sendable {
    let reader: ByteReader
    let range: Range<Int>

    /// The string starting at `index`, which must be NUL-terminated inside
    /// the table and valid UTF-8.
    func string(at index: UInt32, what: String) throws(ELFError) -> String {
        let size = UInt64(range.count)
        guard UInt64(index) < size else {
            throw .badStringIndex(what: what, index: index, tableSize: size)
        }
        // index < range.count, so the addition stays within the table.
        let start = range.lowerBound + Int(index)
        let tail = reader.bytes[start..<range.upperBound]
        guard let nul = tail.firstIndex(of: 0) else {
            throw .badStringIndex(what: what, index: index, tableSize: size)
        }
        guard let s = String(validating: reader.bytes[start..<nul], as: UTF8.self) else {
            throw .badString(what: what, offset: UInt64(start))
        }
        return s
    }
}
