import Target

extension LiveSession {
    /// Runs `body` holding the process's operator lock, waiting for it up to
    /// `timeoutSeconds`. A simulated target belongs to its test alone and
    /// takes no lock; nor does an operation that writes nothing.
    func exclusively<T>(_ timeoutSeconds: Double, unless readOnly: Bool = false, _ body: () throws -> T) throws -> T {
        guard !readOnly, !holdsLock, target is ProcessTarget else { return try body() }
        let lock = try OperatorLock(pid: target.pid, timeoutSeconds: timeoutSeconds)
        holdsLock = true
        defer {
            holdsLock = false
            lock.release()
        }
        return try body()
    }

    /// Whether the xsplice that wrote `journal` is proven gone. Holding the
    /// lock proves it: every operator holds it from before it writes a
    /// journal until after it clears it. Without a lock (a simulated
    /// target), the owner's PID is the best evidence there is.
    func ownerGone(_ journal: Journal) -> Bool {
        holdsLock || !journal.ownerAlive
    }
}
