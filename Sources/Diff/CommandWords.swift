/// Splits a compile_commands.json `command` string into words the way a
/// POSIX shell would for a plain command, without running a shell: quotes
/// and backslashes are honoured; anything that would need a shell to mean
/// what it says (expansion, redirection, pipes, globs) is refused.
public enum CommandWords {
    /// What in the command needs a shell, or is malformed.
    public struct Refusal: Error, Sendable { public var why: String }

    static func refuse(_ why: String) -> Result<[String], Refusal> { .failure(Refusal(why: why)) }

    public static func split(_ command: String) -> Result<[String], Refusal> {
        var words: [String] = []
        var word = ""
        var inWord = false
        var chars = Array(command)[...]
        while let c = chars.popFirst() {
            switch c {
            case " ", "\t", "\n":
                if inWord { words.append(word); word = ""; inWord = false }
            case "'":
                inWord = true
                guard let end = chars.firstIndex(of: "'") else { return refuse("unterminated ' quote") }
                word += chars[chars.startIndex..<end]
                chars = chars[(end + 1)...]
            case "\"":
                inWord = true
                var closed = false
                while let d = chars.popFirst() {
                    if d == "\"" { closed = true; break }
                    if d == "$" || d == "`" { return refuse("\(d) inside double quotes needs a shell") }
                    if d == "\\", let e = chars.first, "\"\\$`\n".contains(e) {
                        chars.removeFirst()
                        if e != "\n" { word.append(e) }
                    } else {
                        word.append(d)
                    }
                }
                guard closed else { return refuse("unterminated \" quote") }
            case "\\":
                inWord = true
                guard let e = chars.popFirst() else { return refuse("a trailing backslash") }
                if e != "\n" { word.append(e) }
            case "$", "`", "|", "&", ";", "<", ">", "(", ")", "*", "?", "[", "~", "#", "{":
                if (c == "#" || c == "~") && inWord {
                    inWord = true
                    word.append(c)
                } else {
                    return refuse("unquoted \(c) needs a shell")
                }
            default:
                inWord = true
                word.append(c)
            }
        }
        if inWord { words.append(word) }
        return words.isEmpty ? refuse("an empty command") : .success(words)
    }
}
