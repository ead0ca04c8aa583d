import Foundation
import TestSupport
import Testing

/// `xsplice --version` names the release and the source commit it was built
/// from, stamped at build time (Plugins/SourceStamp), not guessed at run time.
@Suite struct VersionTests {
    @Test func versionNamesACommitOfThisRepository() throws {
        let r = try Shell.xsplice(["--version"])
        #expect(r.status == 0, "\(r.stderr)")
        let line = r.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        let parts = line.split(separator: " ")
        #expect(parts.count == 4 && parts[0] == "xsplice" && parts[2] == "(source", "\(line)")
        let commit = parts.last.map { String($0.dropLast().split(separator: "+")[0]) } ?? ""
        #expect(commit.count == 12 && commit.allSatisfy(\.isHexDigit), "\(line)")
        let known = try Shell.run("/usr/bin/git", ["-C", Paths.root, "cat-file", "-e", "\(commit)^{commit}"])
        #expect(known.status == 0, "\(commit) is not a commit of \(Paths.root): \(known.stderr)")
    }
}
