"""Fetching Debian source packages through a private apt configuration.

The machine's own apt sources are never edited and its lists never updated:
a deb-src entry is derived from the machine's Debian mirror entries and kept,
with its own lists and cache, under the suite's cache directory."""
import glob
import os
import subprocess
import time

from .util import HarnessError, cache_root, log, run


def _apt_dir():
    return os.path.join(cache_root(), "apt")


def _mirror_stanzas():
    """deb-src stanzas for every Debian 'deb' entry the machine has."""
    stanzas = []
    for path in sorted(glob.glob("/etc/apt/sources.list.d/*.sources")):
        with open(path) as f:
            for block in f.read().split("\n\n"):
                fields = {}
                for line in block.splitlines():
                    if line.startswith("#") or ":" not in line:
                        continue
                    key, value = line.split(":", 1)
                    fields[key.strip()] = value.strip()
                if "deb" not in fields.get("Types", "").split() or "debian" not in fields.get("URIs", ""):
                    continue
                stanza = ["Types: deb-src", "URIs: " + fields["URIs"], "Suites: " + fields.get("Suites", ""),
                          "Components: " + fields.get("Components", "main")]
                if "Signed-By" in fields:
                    stanza.append("Signed-By: " + fields["Signed-By"])
                stanzas.append("\n".join(stanza))
    if os.path.exists("/etc/apt/sources.list"):
        with open("/etc/apt/sources.list") as f:
            for line in f:
                words = line.split()
                if len(words) >= 4 and words[0] == "deb" and "debian" in words[1]:
                    stanzas.append("Types: deb-src\nURIs: %s\nSuites: %s\nComponents: %s"
                                   % (words[1], words[2], " ".join(words[3:])))
    if not stanzas:
        raise HarnessError("no Debian mirror found in /etc/apt/sources.list(.d): cannot derive a deb-src entry")
    return "\n\n".join(stanzas) + "\n"


def apt_options():
    base = _apt_dir()
    return ["-o", "Dir::Etc::SourceParts=" + os.path.join(base, "sources.list.d"),
            "-o", "Dir::Etc::SourceList=/dev/null",
            "-o", "Dir::State::Lists=" + os.path.join(base, "lists"),
            "-o", "Dir::Cache=" + os.path.join(base, "cache"),
            "-o", "APT::Sandbox::User=root"]


def refresh_lists(max_age_hours=24):
    base = _apt_dir()
    for sub in ("sources.list.d", "lists/partial", "cache/archives/partial"):
        os.makedirs(os.path.join(base, sub), exist_ok=True)
    src = os.path.join(base, "sources.list.d", "xsplice-realworld.sources")
    wanted = _mirror_stanzas()
    stale = not os.path.exists(src) or open(src).read() != wanted
    if stale:
        with open(src, "w") as f:
            f.write(wanted)
    stamp = os.path.join(base, "updated")
    fresh = os.path.exists(stamp) and time.time() - os.path.getmtime(stamp) < max_age_hours * 3600
    if fresh and not stale:
        return
    log("apt-get update (private lists)")
    run(["apt-get", "-q"] + apt_options() + ["update"], quiet=True)
    open(stamp, "w").close()


def fetch_source(package, version=None):
    """Returns the .dsc of PACKAGE (VERSION if given), downloading it once."""
    dl = os.path.join(cache_root(), "downloads", package)
    os.makedirs(dl, exist_ok=True)
    pattern = "%s_%s.dsc" % (package, (version or "*").split(":")[-1])
    found = sorted(glob.glob(os.path.join(dl, pattern)))
    if found:
        return found[-1]
    refresh_lists()
    spec = package + ("=" + version if version else "")
    log("apt-get source --download-only " + spec)
    try:
        run(["apt-get", "-q"] + apt_options() + ["source", "--download-only", spec], cwd=dl, quiet=True)
    except HarnessError as e:
        raise HarnessError("apt-get source %s failed: %s" % (spec, e))
    found = sorted(glob.glob(os.path.join(dl, pattern)))
    if not found:
        raise HarnessError("apt-get source %s left no %s in %s" % (spec, pattern, dl))
    return found[-1]


def unpack(dsc, dest):
    """The upstream tree plus debian/, with no Debian patch applied yet."""
    if os.path.isdir(dest):
        return dest
    tmp = dest + ".tmp"
    run(["rm", "-rf", tmp])
    run(["dpkg-source", "--skip-patches", "-x", dsc, tmp], quiet=True)
    os.rename(tmp, dest)
    return dest


def series(tree):
    """The Debian patch series of TREE: [(patch file, strip level)]."""
    path = os.path.join(tree, "debian", "patches", "series")
    out = []
    if not os.path.exists(path):
        return out
    with open(path) as f:
        for line in f:
            words = line.split("#", 1)[0].split()
            if not words:
                continue
            strip = 1
            for w in words[1:]:
                if w.startswith("-p") and w[2:].isdigit():
                    strip = int(w[2:])
            out.append((words[0], strip))
    return out


def apply_patch(tree, name, strip=1):
    patch = os.path.join(tree, "debian", "patches", name)
    run(["patch", "-s", "-p%d" % strip, "-N", "--no-backup-if-mismatch", "-d", tree, "-i", patch], quiet=True)


def touched_files(tree, names):
    """Source files a set of patches changes (from their +++ lines)."""
    files = []
    for name in names:
        with open(os.path.join(tree, "debian", "patches", name), errors="replace") as f:
            for line in f:
                if line.startswith("+++ "):
                    path = line[4:].split("\t")[0].strip()
                    path = path.split("/", 1)[1] if "/" in path else path
                    if path not in files:
                        files.append(path)
    return files
