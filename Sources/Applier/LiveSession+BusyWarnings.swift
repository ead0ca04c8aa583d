import Target

extension LiveSession {
    /// `apply --dry-run`: which threads are inside a function the payload
    /// changes at this moment (one stop, the same check a real apply runs).
    /// A thread that never leaves such a function (an event loop, a parked
    /// worker) makes a real apply wait and then refuse, and even when it
    /// does leave, the new code runs only from the next call: the operator
    /// has to know before choosing to apply.
    /// A dry run takes no lock and may meet another operator's stop: what
    /// could not be looked at is said as a warning, never taken as "free".
    func busyWarnings(_ ranges: [BusyRange], timeoutSeconds: Double) -> [OperationResult.Warning] {
        let census = Result { try target.addressSpaceCensus() }
        let found: [BusyThread]
        do {
            let world = try target.stopAll(timeoutSeconds: max(1, timeoutSeconds))
            defer { world.resume() }
            found = try ConsistencyCheck.findBusy(world: world, target: target, ranges: ranges, census: census)
        } catch {
            return [.init(thread: nil, function: nil, message: "could not check which threads are inside the "
                + "changed functions now (\(error)); a real apply checks again")]
        }
        var seen: Set<String> = []
        return found.compactMap { b in
            guard seen.insert("\(b.tid) \(b.name) \(b.isThreadUse)").inserted else { return nil }
            guard b.isThreadUse else {
                return .init(thread: nil, function: b.name.isEmpty ? nil : b.name,
                             message: "\(b.sentence); a real apply waits for this up to --timeout, then refuses")
            }
            return .init(thread: b.tid, function: b.name,
                         message: "thread \(b.tid) is \(b.how) \(b.name) right now: a real apply waits up to "
                            + "--timeout for it to leave and refuses if it does not; the new code takes effect on "
                            + "\(b.name)'s next call, which may never come")
        }
    }
}

extension BusyThread {
    /// A named thread found in the code, as opposed to memory no thread owns
    /// or something xsplice could not look at.
    var isThreadUse: Bool { tid != 0 && reason.isUse }
}
