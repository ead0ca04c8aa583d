"""One case end to end: build, show the bug, patch under load, check."""
import os
import time

from . import apt
from .build import Variant, fixed_objects
from .clients import Closed
from .load import Load
from .util import HarnessError, cache_root, log


class Result:
    def __init__(self, case):
        self.case = case
        self.status = "FAIL"
        self.detail = ""
        self.pauses_us = []
        self.requests = 0
        self.method = ""
        self.functions = []
        self.notes = []

    def line(self):
        if self.status == "PASS":
            return "PASS %s" % self.case.name
        return "%s: %s: %s" % (self.status, self.case.name, self.detail)


class Refused(Exception):
    pass


class Failed(Exception):
    pass


def _outcome(case, program):
    """The reproducer's effect on one program: its reply, or how it broke."""
    try:
        reply = case.reproduce(program.port)
    except Closed as e:
        time.sleep(0.5)
        if program.alive():
            return "no answer (%s), process still running: a hang" % e
        return "the process died: %s" % program.how_it_ended()
    time.sleep(0.2)
    if not program.alive():
        return "answered %r, then the process died: %s" % (reply[:60], program.how_it_ended())
    return reply


def _replies(case, program):
    c = case.connect(program.port)
    try:
        return [req(c) for req in case.load()]
    finally:
        c.close()


def run_case(case, xs, workdir, load_seconds=6.0):
    r = Result(case)
    try:
        _run(case, xs, workdir, r, load_seconds)
        r.status = "PASS"
    except Refused as e:
        r.status, r.detail = "REFUSED", str(e)
    except (Failed, HarnessError) as e:
        r.status, r.detail = "FAIL", str(e)
    return r


def _run(case, xs, workdir, r, load_seconds):
    dsc = apt.fetch_source(case.package, case.version)
    r.notes.append("source " + os.path.basename(dsc))
    before, after = Variant(case, "before"), Variant(case, "after")
    before.prepare(dsc)
    after.prepare(dsc)
    case.after_build(before)
    case.after_build(after)
    objs = fixed_objects(case, before, after)
    payload = os.path.join(workdir, case.name + ".xsp")
    b = xs.build(case.module(before), [(bo, fo) for _, bo, fo in objs], case.functions, case.name, payload)
    r.method = ("build --before/--after" if xs.has_build_from_fix()
                else "build --object --function " + " --function ".join(case.functions))
    if b.rc != 0:
        raise Refused("xsplice build: " + b.message())
    insp = xs.inspect(payload).out
    r.functions = [l.strip() for l in insp.splitlines() if l.strip().startswith(("function", "-", "fn"))][:12]

    # How the fixed upstream build answers the reproducer and the load.
    ref = case.start(after)
    try:
        expected_load = _replies(case, ref)
        expected = _outcome(case, ref)
        if not ref.alive():
            raise Failed("the fixed upstream build itself broke on the reproducer: " + expected)
    finally:
        ref.kill()
    # The bug, on a throwaway copy of the unpatched program.
    vuln = case.start(before)
    try:
        shown = _outcome(case, vuln)
    finally:
        vuln.kill()
    if shown == expected:
        raise Failed("the reproducer does not show the bug: the unpatched build also answers %r" % expected[:80])
    r.notes.append("unpatched: %s; fixed build: %r" % (shown, expected[:80]))

    target = case.start(before)
    load = None
    try:
        if _replies(case, target) != expected_load:
            raise Failed("the unpatched program answers the load differently from the fixed build")
        load = Load(lambda: case.connect(target.port), case.load(), expected_load).start()
        time.sleep(load_seconds / 3)

        def still_running(when):
            time.sleep(0.3)
            if not target.alive():
                raise Failed("the program died %s: %s" % (when, target.how_it_ended()))

        def verify(want, when):
            still_running(when)
            v = xs.verify(target.pid, payload)
            if v.verdict != want:
                raise Failed("verify %s: expected %s, xsplice says %s (exit %d): %s"
                             % (when, want, v.verdict, v.rc, v.message()))

        def apply(when):
            a = xs.apply(target.pid, payload)
            if a.rc == 1:
                raise Refused("xsplice apply: " + a.message())
            if a.rc != 0:
                raise Failed("xsplice apply %s exited %d: %s" % (when, a.rc, a.message()))
            doc = a.json() or {}
            r.pauses_us.append(doc.get("pause_us"))
            still_running("after apply (%s)" % when)

        def fixed(when):
            got = _outcome(case, target)
            if got != expected:
                raise Failed("applied %s, but the reproducer gives %r, not the fixed build's %r"
                             % (when, got[:100], expected[:100]))

        verify("applicable", "before apply")
        apply("first")
        verify("applied", "after apply")
        fixed("the first time")
        time.sleep(load_seconds / 3)
        rv = xs.revert(target.pid, case.name)
        if rv.rc == 1:
            raise Refused("xsplice revert: " + rv.message())
        if rv.rc != 0:
            raise Failed("xsplice revert exited %d: %s" % (rv.rc, rv.message()))
        r.pauses_us.append((rv.json() or {}).get("pause_us"))
        verify("applicable", "after revert")
        apply("again")
        verify("applied", "after re-apply")
        fixed("again")
        time.sleep(load_seconds / 3)
        ok, errors = load.stop()
        load = None
        r.requests = ok
        if errors:
            raise Failed("%d load error(s) across apply/revert/apply; first: %s" % (len(errors), errors[0]))
        if ok == 0:
            raise Failed("the load completed no request")
        if not target.alive():
            raise Failed("the program stopped: " + target.how_it_ended())
    finally:
        if load:
            load.stop()
        target.kill()
