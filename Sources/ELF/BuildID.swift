/// NT_GNU_BUILD_ID lookup. The build ID is what ties a running process to
/// the exact binary a patch was built against.
extension ELFFile {
    static let noteGNUBuildID: UInt32 = 3
    static let gnuNoteName: [UInt8] = Array("GNU".utf8) + [0]

    /// The descriptor of the first NT_GNU_BUILD_ID note owned by "GNU",
    /// searched in PT_NOTE segments first (what the loader sees), then in
    /// SHT_NOTE sections (for .o files, which have no segments). nil if
    /// there is none or the note area is malformed.
    public var buildID: [UInt8]? {
        let r = ByteReader(bytes)
        var areas: [(offset: UInt64, size: UInt64, alignment: UInt64)] = []
        for s in segments where s.type == ProgramHeader.note {
            areas.append((s.offset, s.fileSize, s.alignment))
        }
        for s in sections where s.type == Section.note {
            areas.append((s.offset, s.size, s.alignment))
        }
        for area in areas {
            guard let range = try? r.range("note", offset: area.offset, size: area.size) else { continue }
            let notes = Note.parse(r, area: range, alignment: area.alignment == 8 ? 8 : 4)
            for note in notes where note.type == ELFFile.noteGNUBuildID
                && note.name.elementsEqual(ELFFile.gnuNoteName) {
                return Array(note.descriptor)
            }
        }
        return nil
    }
}
