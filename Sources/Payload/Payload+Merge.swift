/// Joins payloads built from several objects (one per changed translation
/// unit) into one, so that a fix spanning files applies in one stop.
extension Payload {
    public static func merging(_ parts: [Payload], name: String) -> Payload {
        var sections: [LoadSection] = []
        var functions: [FunctionPatch] = []
        for part in parts {
            let shift = UInt32(sections.count)
            for var s in part.sections {
                s.relocations = s.relocations.map { r in
                    var r = r
                    if case let .section(i) = r.target { r.target = .section(i + shift) }
                    return r
                }
                sections.append(s)
            }
            for var f in part.functions {
                f.replacementSection += shift
                functions.append(f)
            }
        }
        return Payload(name: name, sections: sections, functions: functions).withOneUnwindSection()
    }
}
