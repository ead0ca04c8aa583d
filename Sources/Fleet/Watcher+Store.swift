import Foundation
import Glibc
import Payload

extension Watcher {
    /// Reads the store again (at start, on inotify, on SIGHUP). Keys come from
    /// `--trust` and the trust directory as it is now; if the trust directory
    /// cannot be read, nothing is armed, since a policy key is never skipped.
    func reloadStore() {
        let mask = UInt32(IN_CLOSE_WRITE | IN_MOVED_TO | IN_MOVED_FROM | IN_DELETE | IN_CREATE | IN_ATTRIB)
        // Again each time: the directory may have been replaced.
        if inotify_add_watch(inotifyFD, config.store.directory, mask) < 0 {
            log(WatchEvent("rejected", reason: "cannot watch \(config.store.directory) for changes "
                + "(\(String(cString: strerror(errno)))); send SIGHUP after changing the store"))
        }
        var keys = config.trusted
        do { keys += try TrustPolicy.load().keys.map(\.key) } catch {
            armed = []
            log(WatchEvent("rejected", reason: "trust policy (\(TrustPolicy.directory())): \(error); "
                + "no payload is applied until it is fixed"))
            return
        }
        let contents: PayloadStore.Contents
        do { contents = try config.store.read(trusted: keys) } catch {
            armed = []
            log(WatchEvent("rejected", reason: error.description + "; no payload is applied until it is fixed"))
            return
        }
        for r in contents.rejected {
            log(WatchEvent("rejected", payload: r.file, reason: r.reason))
        }
        var next: [(stored: StoredPayload, copy: String)] = []
        for p in contents.payloads {
            let copy = snapshotDirectory + "/" + StoredPayload.fileName(for: p.id)
            do { try p.file.write(to: copy) } catch {
                log(WatchEvent("rejected", payload: p.name, payloadID: p.id.hex,
                               reason: "cannot keep a private copy: \(error)"))
                continue
            }
            next.append((p, copy))
        }
        let ids = Set(next.map { $0.stored.id.hex + ".xsp" })
        for old in (try? FileManager.default.contentsOfDirectory(atPath: snapshotDirectory)) ?? []
        where !ids.contains(old) {
            try? FileManager.default.removeItem(atPath: snapshotDirectory + "/" + old)
        }
        armed = next
        var e = WatchEvent("store")
        e.store = config.store.directory
        e.payloads = armed.count
        e.reason = armed.isEmpty ? "nothing to apply"
            : armed.map { "\($0.stored.name) for \($0.stored.moduleText)" }.joined(separator: ", ")
        log(e)
    }
}
