#!/usr/bin/env python3
"""The xsplice_patch module against live corpus processes on this machine.

Runs ansible-playbook (connection: local) once per step and checks both what
the module reports (changed, ok, failed and its message, the per-process
results) and what the live program prints afterwards. Run by
scripts/ansible-test, which installs ansible-core and the collection first.
"""

import argparse
import json
import os
import signal
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", "..", ".."))
COUNTER = os.path.join(ROOT, "corpus", "build", "counter")

FAILURES = []


def check(ok, what):
    print(("  ok   " if ok else "  FAIL ") + what, flush=True)
    if not ok:
        FAILURES.append(what)
    return ok


class Program:
    """A corpus counter that prints `tick N compute_a=.. compute_b=..` every
    20 ms into a file; it ends itself after two minutes should we be killed."""

    def __init__(self, work, tag):
        self.log = os.path.join(work, tag + ".out")
        with open(self.log, "wb") as out:
            self.proc = subprocess.Popen([os.path.join(COUNTER, "counter"), "120"], stdout=out,
                                         stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        self.pid = self.proc.pid
        if not self.fresh_ticks(1, timeout=10):
            raise RuntimeError("counter %d printed nothing; output: %r" % (self.pid, self.text()[-300:]))

    def text(self):
        with open(self.log, "r", errors="replace") as f:
            return f.read()

    def ticks(self):
        out = []
        for line in self.text().split("\n")[:-1]:  # the last line may be incomplete
            f = line.split()
            if len(f) >= 2 and f[0] == "tick" and f[1].isdigit():
                out.append((int(f[1]), dict(kv.split("=", 1) for kv in f[2:] if "=" in kv)))
        return out

    def fresh_ticks(self, count, timeout=10.0):
        """`count` ticks printed after this call, waiting up to `timeout`."""
        seen = self.ticks()
        last = seen[-1][0] if seen else -1
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            new = [t for t in self.ticks() if t[0] > last]
            if len(new) >= count:
                return new[:count]
            time.sleep(0.02)
        return []

    def prints(self, value):
        """True when five fresh ticks all print compute_a=value."""
        t = self.fresh_ticks(5)
        vals = [d.get("compute_a") for _, d in t]
        return len(vals) == 5 and all(v == value for v in vals), vals

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
        self.proc.wait()


class Runner:
    def __init__(self, args, work):
        self.args = args
        self.work = work
        self.env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=args.collections,
                        ANSIBLE_LOCALHOST_WARNING="false", ANSIBLE_INVENTORY_UNPARSED_WARNING="false",
                        ANSIBLE_HOME=os.path.join(work, "ansible-home"), ANSIBLE_NOCOLOR="1")

    def play(self, variables, check_mode=False):
        """The module's result for one task run with these variables."""
        result_file = os.path.join(self.work, "result.json")
        if os.path.exists(result_file):
            os.unlink(result_file)
        variables = dict(variables, xsplice_bin=self.args.xsplice, result_file=result_file,
                         ansible_python_interpreter=self.args.python)
        vars_file = os.path.join(self.work, "vars.json")
        with open(vars_file, "w") as f:
            json.dump(variables, f)
        cmd = [self.args.playbook, "-i", "localhost,", os.path.join(HERE, "patch.yml"), "-e", "@" + vars_file]
        if check_mode:
            cmd.append("--check")
        p = subprocess.run(cmd, env=self.env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=120)
        try:
            with open(result_file) as f:
                return json.load(f)
        except (OSError, ValueError) as e:
            raise RuntimeError("ansible-playbook (exit %d) gave no task result (%s):\n%s\n%s"
                               % (p.returncode, e, p.stdout.decode(errors="replace")[-2000:],
                                  p.stderr.decode(errors="replace")[-2000:]))


def step(run, title, variables, program, changed, result, value, check_mode=False):
    """One task: whether it changed (never failed), its one per-process
    result, and what the program prints afterwards."""
    print(title, flush=True)
    r = run.play(variables, check_mode=check_mode)
    check(r.get("changed") is changed and not r.get("failed"),
          "changed=%s, not failed: %s" % (changed, r.get("msg")))
    check(rows(r) == [(program.pid, result)], "per-process result %s: %s" % (result, rows(r)))
    ok, vals = program.prints(value)
    check(ok, "the program prints compute_a=%s: %s" % (value, vals))
    return r


def xsplice(args, *argv):
    return subprocess.run([args.xsplice, *argv], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                          timeout=60)


def rows(result):
    return [(p.get("pid"), p.get("result")) for p in result.get("processes") or []]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--xsplice", required=True)
    ap.add_argument("--playbook", required=True, help="ansible-playbook of the venv")
    ap.add_argument("--python", required=True, help="the venv's python, for the module")
    ap.add_argument("--collections", required=True, help="where the collection is installed")
    args = ap.parse_args()

    work = tempfile.mkdtemp(prefix="xsplice-ansible-")
    payload = os.path.join(work, "fixA.xsp")
    b = xsplice(args, "build", "--binary", os.path.join(COUNTER, "counter"), "--object",
                os.path.join(COUNTER, "fixA.o"), "--name", "counter-fixA", "-o", payload)
    if b.returncode != 0:
        print("xsplice build failed: " + b.stderr)
        return 1
    bad = os.path.join(work, "bad.xsp")
    with open(bad, "wb") as f:
        f.write(b"XSPLICE-not-a-payload\x00\x01\x02")

    run = Runner(args, work)
    programs = []
    try:
        a = Program(work, "a")
        programs.append(a)

        applied = dict(patch_state="applied", payload=payload, target_pid=a.pid)
        step(run, "apply to a fresh process: changed", applied, a, True, "applied", "101")
        r = step(run, "apply again: ok, not changed", applied, a, False, "unchanged", "101")
        p = (r.get("processes") or [{}])[0]
        check(p.get("reason") == "already applied", "the reason is: already applied: %s" % p)

        c = Program(work, "c")
        programs.append(c)
        step(run, "check mode on a fresh process: changed reported, nothing written",
             dict(applied, target_pid=c.pid), c, True, "would-apply", "100", check_mode=True)
        v = xsplice(args, "verify", "--pids", str(c.pid), "--json", payload)
        first = v.stdout.strip().split("\n")[0]
        check(v.returncode == 0 and '"before":"virgin"' in first, "its code is still virgin: %s" % first)
        step(run, "check mode where it is applied: ok, not changed", applied, a, False, "unchanged", "101",
             check_mode=True)

        step(run, "revert: changed", dict(applied, patch_state="reverted"), a, True, "reverted", "100")
        step(run, "revert again, by name: ok, not changed",
             dict(patch_state="reverted", payload_name="counter-fixA", target_pid=a.pid), a, False, "skipped", "100")

        print("a bad payload: failed with xsplice's message, nothing written", flush=True)
        direct = xsplice(args, "apply", "--pids", str(a.pid), "--json", bad)
        said = direct.stderr.strip()
        said = said[len("xsplice: "):] if said.startswith("xsplice: ") else said
        r = run.play(dict(patch_state="applied", payload=bad, target_pid=a.pid))
        check(r.get("failed") is True and r.get("changed") is False, "failed, not changed: %s" % r.get("msg"))
        check(direct.returncode == 2 and bool(said) and r.get("msg") == said,
              "the message is xsplice's (exit %d): %r vs %r" % (direct.returncode, r.get("msg"), said))
        ok, vals = a.prints("100")
        check(ok, "the program prints compute_a=100: %s" % vals)

        print("an unsigned payload where a key is trusted: failed with xsplice's message", flush=True)
        key = os.path.join(work, "vendor")
        k = xsplice(args, "keygen", "--out", key)
        check(k.returncode == 0, "keygen: %s" % k.stderr)
        r = run.play(dict(applied, trust_keys=[key + ".pub"]))
        check(r.get("failed") is True and r.get("changed") is False and r.get("rc") == 1
              and "sign" in (r.get("msg") or ""), "failed, not changed: %s" % r.get("msg"))
        ok, vals = a.prints("100")
        check(ok, "the program prints compute_a=100: %s" % vals)

        print("a process that does not run the payload's build: failed, not written", flush=True)
        w = subprocess.Popen([os.path.join(COUNTER, "counter.wrongbuild"), "120"], stdout=subprocess.DEVNULL,
                             stdin=subprocess.DEVNULL)
        try:
            time.sleep(0.2)
            r = run.play(dict(patch_state="applied", payload=payload, target_pid=w.pid))
            check(r.get("failed") is True and r.get("changed") is False
                  and rows(r) == [(w.pid, "skipped")] and "foreign" in (r.get("msg") or ""),
                  "failed as skipped (foreign): %s" % r.get("msg"))
        finally:
            w.kill()
            w.wait()
        for prog in programs:
            check(prog.proc.poll() is None, "process %d is still running" % prog.pid)
    finally:
        for prog in programs:
            prog.stop()

    if FAILURES:
        print("scripts/ansible-test: %d checks failed" % len(FAILURES))
        return 1
    print("scripts/ansible-test: every check passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
