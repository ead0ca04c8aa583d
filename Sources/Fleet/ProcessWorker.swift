import Applier
import Foundation
import OldCodeCheck
import Payload
import Target

/// One process's transaction in a batch, run through the ordinary
/// `LiveSession` API. It first sorts the process: a process that does not map
/// the payload's module, or in which none of the payload's functions hold the
/// code it expects (another build), is not a target of this payload and is
/// skipped without being stopped or written. Anything else that goes wrong is
/// a refusal of that process alone.
public enum ProcessWorker {
    public static func run(_ op: BatchOperation, pid: Int32, timeout: Double, waitReturn: Bool) -> ProcessOutcome {
        let exe = Selection.executable(of: pid) ?? "?"
        var o = ProcessOutcome(result: "refused", pid: pid, exe: exe, before: "-", after: "-")
        do {
            let session = try LiveSession(pid: pid)
            switch op {
            case let .apply(path, dryRun):
                let file = try PayloadFile.load(path: path)
                guard let state = try sort(session, file, into: &o) else { return o }
                o.before = state
                if dryRun {
                    let r = try session.apply(file, timeoutSeconds: timeout, dryRun: true, waitReturn: waitReturn)
                    o.after = state
                    if r.outcome == "already applied" {
                        o.result = "unchanged"
                        o.reason = "already applied"
                    } else {
                        o.result = "would-apply"
                        o.reason = Self.dryRunReason(r)
                    }
                    return o
                }
                let r = try session.apply(file, timeoutSeconds: timeout, waitReturn: waitReturn)
                o.after = "applied"
                o.pause_us = r.pause_us
                o.result = r.outcome == "already applied" ? "unchanged" : "applied"
                if o.result == "unchanged" { o.reason = "already applied" }
            case let .verify(path):
                let file = try PayloadFile.load(path: path)
                guard let state = try sort(session, file, into: &o) else { return o }
                o.before = state
                o.after = state
                o.result = state == "conflict" ? "refused" : "verified"
                if state == "conflict" {
                    o.reason = "conflict: some functions are in states the payload does not accept"
                }
            case let .revert(key, dryRun):
                let entries = try session.list()
                guard entries.contains(where: { Self.names($0, key) }) else {
                    o.result = "skipped"
                    o.before = "not applied"
                    o.after = "not applied"
                    o.reason = entries.isEmpty ? "no payloads" : "not applied"
                    return o
                }
                o.before = "applied"
                if dryRun {
                    let r = try session.revertDryRun(key, timeoutSeconds: timeout)
                    o.after = "applied"
                    o.result = "would-revert"
                    o.reason = Self.dryRunReason(r)
                    return o
                }
                let r = try session.revert(key, timeoutSeconds: timeout, waitReturn: waitReturn)
                o.after = "not applied"
                o.pause_us = r.pause_us
                o.result = "reverted"
            }
        } catch let e as ApplierError {
            if case .inconsistent = e { o.result = "inconsistent" }
            if o.after == "-" { o.after = o.before }
            o.reason = e.description
        } catch let e as TargetError {
            if case .noSuchProcess = e { o.result = "skipped"; o.reason = "gone" }
            else if case .exited = e { o.result = "skipped"; o.reason = "gone" }
            else { o.reason = "refused: \(e); the target is unchanged" }
            if o.after == "-" { o.after = o.before }
        } catch {
            if o.after == "-" { o.after = o.before }
            o.reason = "refused: \(error); the target is unchanged"
        }
        return o
    }

    /// The payload's state in the process ("virgin", "applied", "conflict"),
    /// or nil when the process is not a target of the payload (`o` then says
    /// why it is skipped).
    static func sort(_ session: LiveSession, _ file: PayloadFile, into o: inout ProcessOutcome) throws -> String? {
        let report: PayloadReport
        do {
            guard let r = try session.verify([file]).first else { return "conflict" }
            report = r
        } catch TargetError.moduleNotLoaded {
            o.result = "skipped"
            o.before = "absent"
            o.after = "absent"
            o.reason = "module not mapped"
            return nil
        }
        let foreign = report.functions.filter { if case .foreign = $0.state { return true } else { return false } }
        if !report.functions.isEmpty, foreign.count == report.functions.count {
            // Not one function holds the expected code or a recorded patch:
            // another build of the module, not a damaged copy of this one.
            o.result = "skipped"
            o.before = "foreign"
            o.after = "foreign"
            o.reason = "foreign"
            return nil
        }
        switch report.verdict {
        case .applicable: return report.functions.allSatisfy({ $0.state == .virgin }) ? "virgin" : "applicable"
        case .applied: return "applied"
        case .conflict: return "conflict"
        }
    }

    /// A dry run's outcome with its warnings (threads busy in the code now,
    /// which a real run would wait for or be refused by).
    static func dryRunReason(_ r: OperationResult) -> String {
        let warnings = (r.warnings ?? []).map(\.message)
        return ([r.outcome] + warnings).joined(separator: "; ")
    }

    static func names(_ e: ListEntry, _ key: String) -> Bool {
        e.name == key || (key.count >= 8 && e.id.hasPrefix(key.lowercased()))
    }
}
