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

    /// Says why an object's code may differ from a binary's; `sizes` (the
    /// object's and the binary's function) when only the size differed.
    static func hint(object: ELFFile, objectPath: String, binary: [ELFFile],
                     sizes: (object: UInt64, binary: UInt64)? = nil) -> String {
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
        if let sizes, let layout = sectionLayoutHint(object: object, binary: theirs, sizes: sizes) {
            return layout
        }
        return "The compiler flags match, so the source differs: compile the original object from the "
            + "revision that is running"
    }

    /// GCC lays out and aligns a function differently when it has a section
    /// of its own (redis hllSparseSet: 1,439 bytes with -ffunction-sections,
    /// 1,423 without), so an object compiled with it can fail the proof
    /// against a program built without it although the source is the same.
    /// Said only when the flags say so and the sizes differ by a little.
    static func sectionLayoutHint(object: ELFFile, binary: [String],
                                  sizes: (object: UInt64, binary: UInt64)) -> String? {
        let flag = "-ffunction-sections"
        func has(_ producer: String) -> Bool { producer.split(separator: " ").contains { $0 == flag } }
        guard producers(object).contains(where: has), !binary.isEmpty, !binary.contains(where: has) else {
            return nil
        }
        let (a, b) = sizes
        let delta = a > b ? a - b : b - a
        guard delta > 0, delta <= max(64, max(a, b) / 20) else { return nil }
        return "The compiler flags match except \(flag): the object was compiled with it and the running "
            + "program without it, and the sizes differ by only \(delta) bytes, so GCC most likely laid the "
            + "function out differently in its own section (the source may still be the same). Rebuild the "
            + "running program with \(flag) (as kpatch requires of kernels), or build the payload from a "
            + "hand-written patch object naming the functions (xsplice build --object FIX.o --function NAME)"
    }
}
