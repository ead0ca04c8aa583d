"""Calling the xsplice command line, as an operator would."""
import json
import subprocess

from .util import log


class Outcome:
    def __init__(self, rc, out):
        self.rc = rc
        self.out = out

    def message(self):
        """xsplice's own words, for a REFUSED line."""
        doc = self.json()
        if isinstance(doc, dict) and doc.get("payloads"):
            return "; ".join("%s %s%s" % (f.get("symbol"), f.get("state"),
                                          " (%s)" % f["reason"] if f.get("reason") else "")
                             for p in doc["payloads"] for f in p.get("functions", []))
        lines = [l.strip() for l in self.out.strip().splitlines() if l.strip()]
        for l in lines:
            if l.lower().startswith(("error", "refused", "xsplice:")):
                return l
        return lines[-1] if lines else "exit %d" % self.rc

    def json(self):
        try:
            return json.loads(self.out[self.out.index("{"):])
        except ValueError:
            return None


def _one_object(objects, out):
    """--object takes one file: the fixed objects of several source files
    are joined with `ld -r`, which keeps every function in its own section."""
    if len(objects) == 1:
        return objects[0]
    joined = out + ".fixed.o"
    subprocess.run(["ld", "-r", "-o", joined] + list(objects), check=True)
    return joined


class XSplice:
    def __init__(self, binary, hand_picked=False):
        self.binary = binary
        self.hand_picked = hand_picked
        self.help_build = self._call(["build", "--help"]).out

    def has_build_from_fix(self):
        """Whether payloads are built with --before/--after: when this
        xsplice has them, unless told to use the case's named functions."""
        return not self.hand_picked and "--before" in self.help_build and "--after" in self.help_build

    def _call(self, args, timeout=600):
        log("xsplice " + " ".join(args))
        p = subprocess.run([self.binary] + args, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=timeout)
        return Outcome(p.returncode, p.stdout.decode(errors="replace"))

    def build(self, binary, objects, functions, name, out, symbols=None):
        """objects: [(before .o, fixed .o)]. With --before/--after when this
        xsplice has it (it finds the changed functions itself), otherwise
        --object with the functions the case names."""
        args = ["build", "--binary", binary, "--name", name, "-o", out]
        if symbols:
            args += ["--symbols", symbols]
        if self.has_build_from_fix():
            for before, after in objects:
                args += ["--before", before, "--after", after]
        else:
            args += ["--object", _one_object([after for _, after in objects], out)]
            for f in functions:
                args += ["--function", f]
        return self._call(args)

    def verify(self, pid, payload):
        o = self._call(["verify", "--pid", str(pid), payload, "--json"])
        doc = o.json()
        try:
            o.verdict = doc["payloads"][0]["verdict"]
        except (TypeError, KeyError, IndexError):
            o.verdict = None
        return o

    def apply(self, pid, payload, timeout=30):
        return self._call(["apply", "--pid", str(pid), payload, "--timeout", str(timeout), "--json"])

    def revert(self, pid, name, timeout=30):
        return self._call(["revert", "--pid", str(pid), name, "--timeout", str(timeout), "--json"])

    def inspect(self, payload):
        return self._call(["inspect", payload])
