import Foundation

extension PayloadFile {
    /// Reads and decodes a payload file, refusing oversized files before
    /// reading them.
    public static func load(path: String) throws -> PayloadFile {
        let attrs: [FileAttributeKey: Any]
        do { attrs = try FileManager.default.attributesOfItem(atPath: path) } catch {
            throw PayloadError.unreadable(path: path, reason: "no such file or not accessible")
        }
        if let size = attrs[.size] as? NSNumber, size.intValue > PayloadLimits.maxFileSize {
            throw PayloadError.tooLarge(field: "file size", limit: PayloadLimits.maxFileSize, found: size.uint64Value)
        }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw PayloadError.unreadable(path: path, reason: "read failed")
        }
        return try PayloadCodec.decode([UInt8](data))
    }

    public func write(to path: String) throws {
        let url = URL(fileURLWithPath: path)
        do { try Data(encoded()).write(to: url, options: .atomic) } catch {
            throw PayloadError.unwritable(path: path, reason: error.localizedDescription)
        }
    }
}
