"""Building a package twice, without and with its security fix.

`before` is the source with the Debian series applied up to (not including)
the fix: the vulnerable build the target runs. `after` adds the fix: the
fixed upstream build, used as the reference for how the reproducer must be
handled. The fixed objects for the payload are the after tree's files that
the fix touches, compiled with the exact command the build used for them
(captured from its verbose log) plus -ffunction-sections -fdata-sections
-fno-lto. Both trees are cached; a finished build is never redone."""
import json
import os
import shlex
import subprocess

from . import apt
from .util import HarnessError, cache_root, log, run

PAYLOAD_FLAGS = ["-ffunction-sections", "-fdata-sections", "-fno-lto"]


def distribution_flags(tree, maint_options="", maint_append=None):
    """dpkg-buildflags as the package's debian/rules asks for them."""
    env = dict(os.environ)
    env.pop("DEB_BUILD_MAINT_OPTIONS", None)
    if maint_options:
        env["DEB_BUILD_MAINT_OPTIONS"] = maint_options
    for var, value in (maint_append or {}).items():
        env["DEB_%s_MAINT_APPEND" % var] = value
    flags = {}
    for var in ("CFLAGS", "CXXFLAGS", "CPPFLAGS", "LDFLAGS"):
        flags[var] = subprocess.run(["dpkg-buildflags", "--get", var], cwd=tree, env=env,
                                    stdout=subprocess.PIPE, check=True).stdout.decode().strip()
    return flags


def _compile_commands(logtext, top):
    """(cwd, argv) of every compile in a make log, cwd tracked through make's
    'Entering directory' lines and libtool's 'compile:' prefix removed."""
    cwd_stack = [top]
    out = []
    for line in logtext.splitlines():
        if "Entering directory" in line and "'" in line:
            cwd_stack.append(line.split("'")[1] if line.count("'") >= 2 else line.rsplit("'", 1)[-1])
            continue
        if "Leaving directory" in line and len(cwd_stack) > 1:
            cwd_stack.pop()
            continue
        text = line.split("libtool: compile:", 1)[-1].strip()
        try:
            argv = shlex.split(text)
        except ValueError:
            continue
        if "-c" in argv and "-o" in argv and argv and not argv[0].startswith(("libtool", "/bin/bash")):
            if "--mode=compile" in argv:
                continue
            out.append((cwd_stack[-1], argv))
    return out


def find_compile(logtext, top, source, prefer_pic=True):
    """The command that compiled SOURCE (a path relative to the tree)."""
    base = os.path.basename(source)
    cands = []
    for cwd, argv in _compile_commands(logtext, top):
        for a in argv:
            if a == source or a.endswith("/" + base) or a == base:
                full = os.path.normpath(os.path.join(cwd, a))
                if full == os.path.normpath(os.path.join(top, source)):
                    cands.append((cwd, argv))
                    break
    if not cands:
        raise HarnessError("the build log shows no compile command for %s" % source)
    if prefer_pic:
        pic = [c for c in cands if "-fPIC" in c[1] or "-fpic" in c[1]]
        if pic:
            return pic[-1]
    return cands[-1]


def output_of(argv):
    return argv[argv.index("-o") + 1]


class Variant:
    """One built tree: `before` (vulnerable) or `after` (fixed)."""

    def __init__(self, case, which):
        self.case = case
        self.which = which
        self.root = os.path.join(cache_root(), "build", case.name, which)
        self.tree = os.path.join(self.root, "src")
        self.logfile = os.path.join(self.root, "build.log")
        self.stamp = os.path.join(self.root, "built.json")

    def prepared(self):
        return os.path.exists(self.stamp)

    def prepare(self, dsc):
        if self.prepared():
            return
        run(["rm", "-rf", self.root])
        os.makedirs(self.root)
        apt.unpack(dsc, self.tree)
        fix = set(self.case.patches)
        names = [n for n, _ in apt.series(self.tree)]
        missing = fix - set(names)
        if missing:
            raise HarnessError("%s is not in the series of %s" % (", ".join(sorted(missing)), os.path.basename(dsc)))
        applied = set()
        for name, strip in apt.series(self.tree):
            if name in fix and self.which == "before":
                break
            apt.apply_patch(self.tree, name, strip)
            if name in fix:
                applied.add(name)
                if applied == fix:
                    break
        flags = distribution_flags(self.tree, self.case.maint_options, self.case.maint_append)
        log("building %s (%s)" % (self.case.name, self.which))
        self.case.build(self.tree, flags, self.logfile)
        with open(self.stamp, "w") as f:
            json.dump({"flags": flags}, f)

    def log_text(self):
        with open(self.logfile, errors="replace") as f:
            return f.read()

    def path(self, rel):
        return os.path.join(self.tree, rel)


def fixed_objects(case, before, after):
    """[(source, before object, fixed object)] for every C/C++ file the fix
    touches: the fixed one compiled like the build compiled it, plus the
    flags a payload needs."""
    out = []
    blog, alog = before.log_text(), after.log_text()
    for src in case.touched_sources(after.tree):
        bcwd, bargv = find_compile(blog, before.tree, src, case.pic)
        acwd, aargv = find_compile(alog, after.tree, src, case.pic)
        bobj = os.path.normpath(os.path.join(bcwd, output_of(bargv)))
        fixed = os.path.normpath(os.path.join(acwd, output_of(aargv))) + ".xsplice-fixed.o"
        if not os.path.exists(fixed):
            argv = list(aargv)
            argv[argv.index("-o") + 1] = fixed
            argv = [a for a in argv if a not in ("-MMD", "-MD", "-MP")] + PAYLOAD_FLAGS
            run(argv, cwd=acwd, nice=True)
        out.append((src, bobj, fixed))
    return out


def make_jobs():
    return "-j%d" % max(1, min(2, os.cpu_count() or 1))
