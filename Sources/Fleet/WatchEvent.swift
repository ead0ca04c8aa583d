import Foundation

/// One line of `watch`'s log: one per event. JSON field names are a
/// contract (JSON Lines under `--json`).
public struct WatchEvent: Codable, Sendable {
    /// "started", "store", "rejected", "process", "lost-events", "stopped".
    public var event: String
    public var time: String
    public var pid: Int32?
    public var exe: String?
    public var payload: String?
    public var payload_id: String?
    /// For "process": as `apply --all` says it ("applied", "unchanged",
    /// "refused", "skipped", "inconsistent").
    public var result: String?
    public var before: String?
    public var after: String?
    public var pause_us: UInt64?
    /// How long the process had been running when the outcome was known:
    /// the time it ran the old code (10 ms resolution, from /proc).
    public var age_ms: UInt64?
    public var reason: String?
    public var payloads: Int?
    public var mechanism: String?
    public var store: String?

    public init(_ event: String, pid: Int32? = nil, exe: String? = nil, payload: String? = nil,
                payloadID: String? = nil, reason: String? = nil) {
        self.event = event
        self.time = Self.now()
        self.pid = pid
        self.exe = exe
        self.payload = payload
        self.payload_id = payloadID
        self.reason = reason
    }

    static func now() -> String {
        let f = ISO8601DateFormatter()
        f.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return f.string(from: Date())
    }

    public var text: String {
        var s = "xsplice watch: \(event)"
        if let pid { s += " pid \(pid)" }
        if let exe { s += " \(exe)" }
        if let payload { s += " payload \(payload)" }
        if let payload_id { s += " (\(payload_id.prefix(12)))" }
        if let result { s += ": \(result)" }
        if let before, let after { s += " \(before) -> \(after)" }
        if let pause_us, pause_us > 0 { s += " pause \(pause_us) us" }
        if let age_ms { s += " at age \(age_ms) ms" }
        if let payloads { s += " \(payloads) payload(s)" }
        if let mechanism { s += " via \(mechanism)" }
        if let store { s += " store \(store)" }
        if let reason { s += " (\(reason))" }
        return s
    }
}
