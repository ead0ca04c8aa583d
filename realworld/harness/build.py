"""Building a package twice, without and with its security fix.

`before` is the source with the Debian series applied up to (not including)
the fix: the vulnerable build the target runs. `after` adds the fix: the
fixed upstream build, used as the reference for how the reproducer must be
handled. The fixed objects for the payload are the after tree's files that
the fix touches, compiled with the exact command the build used for them
(captured from its verbose log) plus -ffunction-sections -fdata-sections
-fno-lto, and so are the same files of the before tree (the originals that
`xsplice build --before` proves against the running binary). Both trees are cached; a finished build is never redone."""
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


def _compile_commands(logtext):
    """(directories make entered, [argv of every compile]) from a make log;
    libtool's 'compile:' prefix removed. With make -j the 'Entering
    directory' lines of sub-makes interleave, so a command's directory is
    worked out later from the file it compiles, not from the order."""
    dirs, commands = [], []
    for line in logtext.splitlines():
        if "Entering directory" in line and line.count("'") >= 2:
            dirs.append(line.split("'")[1])
            continue
        text = line.split("libtool: compile:", 1)[-1].strip()
        try:
            argv = shlex.split(text)
        except ValueError:
            continue
        if argv and "-c" in argv and "-o" in argv and "--mode=compile" not in argv \
                and not argv[0].startswith(("libtool", "/bin/bash")):
            commands.append(argv)
    return dirs, commands


def find_compile(logtext, top, source, prefer_pic=True):
    """(directory, argv) of the command that compiled SOURCE (a path
    relative to the tree TOP)."""
    target = os.path.normpath(os.path.join(top, source))
    base = os.path.basename(source)
    dirs, commands = _compile_commands(logtext)
    places = [top] + list(dict.fromkeys(dirs))
    cands = []
    for argv in commands:
        for a in argv:
            if os.path.basename(a) != base:
                continue
            cwd = next((d for d in places if os.path.normpath(os.path.join(d, a)) == target), None)
            if cwd:
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


def _without_dependency_output(argv):
    """ARGV less the options that write make dependencies (-MD, -MF FILE, …):
    they do not change code, and they would overwrite the build's own."""
    out, skip = [], False
    for a in argv:
        if skip:
            skip = False
        elif a in ("-MT", "-MF", "-MQ"):
            skip = True
        elif a not in ("-MMD", "-MD", "-MP") and not a.startswith(("-MF", "-MT", "-MQ", "-Wp,-M")):
            out.append(a)
    return out


def _recompile(cwd, argv, out):
    """ARGV (a captured compile command) again, into OUT, with the flags a
    payload needs: each function in a section of its own, no LTO."""
    if os.path.exists(out):
        return
    argv = list(argv)
    argv[argv.index("-o") + 1] = out
    argv = _without_dependency_output(argv) + PAYLOAD_FLAGS
    run(argv, cwd=cwd, nice=True)


def fixed_objects(case, before, after):
    """[(source, original object, fixed object)] for every C/C++ file the fix
    touches, both compiled exactly as the build compiled them plus the
    payload flags: the original from the before tree (what runs), the fixed
    one from the after tree."""
    out = []
    blog, alog = before.log_text(), after.log_text()
    for src in case.touched_sources(after.tree):
        bcwd, bargv = find_compile(blog, before.tree, src, case.pic)
        acwd, aargv = find_compile(alog, after.tree, src, case.pic)
        orig = os.path.normpath(os.path.join(bcwd, output_of(bargv))) + ".xsplice-orig.o"
        fixed = os.path.normpath(os.path.join(acwd, output_of(aargv))) + ".xsplice-fixed.o"
        _recompile(bcwd, bargv, orig)
        _recompile(acwd, aargv, fixed)
        out.append((src, orig, fixed))
    return out


def make_jobs():
    return "-j%d" % max(1, min(2, os.cpu_count() or 1))
