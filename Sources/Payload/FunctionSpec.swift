/// How an operator names a function on the command line:
/// `NAME`, `FILE:NAME` (a static from FILE), `NAME@0xADDR` or `0xADDR`.
public struct FunctionSpec: Sendable, Equatable, CustomStringConvertible {
    public var name: String?
    public var file: String?
    public var address: UInt64?

    public init(name: String?, file: String? = nil, address: UInt64? = nil) {
        self.name = name
        self.file = file
        self.address = address
    }

    public init(parsing text: String) throws(BuildError) {
        var rest = Substring(text)
        if let at = rest.lastIndex(of: "@") {
            address = try Self.parseAddress(rest[rest.index(after: at)...], whole: text)
            rest = rest[..<at]
        } else if rest.hasPrefix("0x") {
            address = try Self.parseAddress(rest, whole: text)
            rest = ""
        }
        if let colon = rest.lastIndex(of: ":") {
            file = String(rest[..<colon])
            rest = rest[rest.index(after: colon)...]
        }
        name = rest.isEmpty ? nil : String(rest)
        guard name != nil || address != nil, file?.isEmpty != true else {
            throw .unreadableFunctionSpec(text)
        }
    }

    private static func parseAddress(_ s: Substring, whole: String) throws(BuildError) -> UInt64 {
        let digits = s.hasPrefix("0x") ? s.dropFirst(2) : s
        guard let v = UInt64(digits, radix: 16) else {
            throw .unreadableAddress(whole)
        }
        return v
    }

    public var description: String {
        var s = ""
        if let file { s += "\(file):" }
        if let name { s += name }
        if let address { s += (name == nil ? "" : "@") + "0x" + String(address, radix: 16) }
        return s
    }
}
