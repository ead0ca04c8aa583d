import ELF

/// The compiler command lines recorded in DWARF (DW_AT_producer, e.g.
/// "GNU C17 12.2.0 -mtune=generic -O2 -g"), used to explain a failed proof.
struct BuildFlags {
    /// Flags the before/after objects add on purpose; they do not change code.
    static let added: Set<String> = ["-ffunction-sections", "-fdata-sections", "-fno-lto"]

    static func producers(_ file: ELFFile) -> [String] {
        guard let s = file.section(named: ".debug_str"), let data = try? file.sectionData(s) else { return [] }
        var out: [String] = []
        var start = data.startIndex
        for i in data.indices where data[i] == 0 {
            let text = String(decoding: data[start..<i], as: UTF8.self)
            if text.hasPrefix("GNU ") && text.contains(" -") { out.append(text) }
            start = i + 1
        }
        return out
    }

    /// Link-time optimised code is recorded as coming from "GNU GIMPLE".
    static func isLTO(_ file: ELFFile) -> Bool {
        producers(file).contains { $0.hasPrefix("GNU GIMPLE") }
    }

    static func normalised(_ producer: String) -> String {
        producer.split(separator: " ").filter { !added.contains(String($0)) }.joined(separator: " ")
    }

    /// Says why an object's code may differ from a binary's.
    static func hint(object: ELFFile, objectPath: String, binary: [ELFFile]) -> String {
        let mine = producers(object).map(normalised)
        let theirs = binary.flatMap(producers)
        if binary.contains(where: isLTO) {
            return "The binary was built with link-time optimisation (its units say GNU GIMPLE): "
                + "its code is not any single object's; rebuild the program with -fno-lto to patch it"
        }
        guard let own = mine.first else {
            return "Check that the object was compiled from the same source revision with the program's "
                + "own compiler and flags (plus -ffunction-sections -fdata-sections -fno-lto)"
        }
        let known = Set(theirs.map(normalised))
        if !known.isEmpty, !known.contains(own) {
            let other = known.sorted().first ?? ""
            return "It looks like different compiler flags: \(objectPath) was compiled with \"\(own)\", "
                + "the binary's units with \"\(other)\"; compile it with the program's own flags"
        }
        return "The compiler flags match, so the source differs: compile the original object from the "
            + "revision that is running"
    }
}
