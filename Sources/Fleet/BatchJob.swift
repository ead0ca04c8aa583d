import Foundation
import Payload

/// A batch operation ready to run on many processes: its payload read and
/// decoded once (a worker serves many processes with it), and checked to be
/// the very payload the operator's command verified and trusted, so that a
/// file swapped on disk during the batch is refused, not applied.
public struct BatchJob: Sendable {
    public let operation: BatchOperation
    /// The decoded payload of an apply or verify; nil for a revert.
    public let file: PayloadFile?

    public init(_ operation: BatchOperation, expectedID: String? = nil) throws {
        self.operation = operation
        switch operation {
        case let .apply(path, _), let .verify(path):
            let f = try PayloadFile.load(path: path)
            if let expectedID, f.id.hex != expectedID.lowercased() {
                throw BatchJobError.payloadChanged(path: path, expected: expectedID, found: f.id.hex)
            }
            file = f
        case .revert:
            file = nil
        }
    }
}

public enum BatchJobError: Error, CustomStringConvertible, Sendable {
    case payloadChanged(path: String, expected: String, found: String)

    public var description: String {
        switch self {
        case let .payloadChanged(path, expected, found):
            return "the payload \(path) changed during the batch (ID \(found.prefix(12)), the command checked "
                + "\(expected.prefix(12))); nothing was written; run the batch again with a file nobody rewrites"
        }
    }
}
