#!/usr/bin/env python3
"""Start-up cost of the xsplice CLI: binary size and the wall time of each
command on a one-thread corpus process (`corpus/build/counter`, 1-function
payload), median over many repetitions. Run through `scripts/bench --startup`.

Several binaries can be compared in one run (`--xsplice LABEL=PATH`, repeated);
their commands are interleaved, so that the machine's load falls on each alike.
"""

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
COUNTER = os.path.join(ROOT, "corpus", "build", "counter")
SCRATCH = os.path.join(ROOT, ".build-bench")

# What each command does (PID and payload filled in per run).
COMMANDS = [
    ("--version", lambda pid, xsp: ["--version"]),
    ("verify --pid", lambda pid, xsp: ["verify", "--pid", str(pid), "--json", xsp]),
    ("apply --pid", lambda pid, xsp: ["apply", "--pid", str(pid), "--json", xsp]),
    ("list --pid", lambda pid, xsp: ["list", "--pid", str(pid), "--json"]),
    ("revert --pid", lambda pid, xsp: ["revert", "--pid", str(pid), "--json", "counter-fixA"]),
    ("status", lambda pid, xsp: ["status", "--json"]),
]


def log(s):
    print(s, file=sys.stderr, flush=True)


def run(cmd):
    """Wall and CPU (user + system) milliseconds of one command. On a shared,
    loaded machine the wall time includes waiting for a CPU; the CPU time
    does not, so it is the steadier figure to compare binaries by."""
    with tempfile.TemporaryFile() as err:
        t = time.perf_counter()
        p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=err)
        _, status, usage = os.wait4(p.pid, 0)
        ms = (time.perf_counter() - t) * 1000
        p.returncode = os.waitstatus_to_exitcode(status)
        if p.returncode != 0:
            err.seek(0)
            raise RuntimeError("%s: exit %d: %s" % (" ".join(cmd), p.returncode, err.read().decode(errors="replace")))
    return ms, (usage.ru_utime + usage.ru_stime) * 1000


def build_release():
    log("building xsplice (scripts/release: static Swift runtime, stripped; scratch .build-bench) ...")
    out = subprocess.run([os.path.join(ROOT, "scripts", "release"), "--scratch-path", SCRATCH], cwd=ROOT,
                         check=True, stdout=subprocess.PIPE, text=True).stdout
    return out.strip().splitlines()[-1]


def sizes(path):
    """The file's size and what the loader maps from it (its PT_LOAD segments)."""
    out = subprocess.run(["readelf", "-lW", path], stdout=subprocess.PIPE, text=True, check=True).stdout
    mapped = 0
    for line in out.splitlines():
        f = line.split()
        if f and f[0] == "LOAD":
            mapped += int(f[5], 16)  # MemSiz
    return os.path.getsize(path), mapped


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--xsplice", action="append", default=[], metavar="[LABEL=]PATH",
                    help="a binary to measure (repeatable); default: build the release binary")
    ap.add_argument("--reps", type=int, default=41, help="repetitions of every command (default 41)")
    args = ap.parse_args()

    binaries = []
    for spec in args.xsplice or ["release=" + build_release()]:
        label, _, path = spec.rpartition("=")
        binaries.append((label or os.path.basename(os.path.dirname(path)), os.path.abspath(path)))
    subprocess.run(["make", "-s", "-C", os.path.join(ROOT, "corpus"), "-j2"], check=True)

    work = tempfile.mkdtemp(prefix="xsplice-startup-")
    payload = os.path.join(work, "fixA.xsp")
    subprocess.run([binaries[0][1], "build", "--binary", os.path.join(COUNTER, "counter"), "--object",
                    os.path.join(COUNTER, "fixA.o"), "--name", "counter-fixA", "-o", payload],
                   check=True, stdout=subprocess.DEVNULL)
    target = subprocess.Popen([os.path.join(COUNTER, "counter"), "900"], stdout=subprocess.DEVNULL,
                              stdin=subprocess.DEVNULL)
    times = {(label, name): [] for label, _ in binaries for name, _ in COMMANDS}
    cpu = {(label, name): [] for label, _ in binaries for name, _ in COMMANDS}
    true_ms = []
    try:
        time.sleep(0.3)
        load = os.getloadavg()
        for i in range(args.reps):
            true_ms.append(run(["/bin/true"])[0])
            for label, path in binaries:
                for name, argv in COMMANDS:
                    w, c = run([path] + argv(target.pid, payload))
                    times[(label, name)].append(w)
                    cpu[(label, name)].append(c)
            if i % 10 == 9:
                log("  %d/%d" % (i + 1, args.reps))
    finally:
        target.kill()
        target.wait()

    print("Machine: %d CPUs, load average %.2f %.2f %.2f at start; %d repetitions, interleaved; "
          "`/bin/true` (the harness's own spawn cost) %.2f ms.\n"
          % (os.cpu_count() or 0, load[0], load[1], load[2], args.reps, statistics.median(true_ms)))
    print("Medians in ms: wall / CPU (user + system of the xsplice process).\n")
    print("| command | " + " | ".join(label for label, _ in binaries) + " |")
    print("|---|" + "---:|" * len(binaries))
    for name, _ in COMMANDS:
        cells = ["%.2f / %.2f" % (statistics.median(times[(label, name)]), statistics.median(cpu[(label, name)]))
                 for label, _ in binaries]
        print("| `%s` | %s |" % (name, " | ".join(cells)))
    files = [sizes(path) for _, path in binaries]
    print("| file size MB | %s |" % " | ".join("%.1f" % (f / 1e6) for f, _ in files))
    print("| mapped (PT_LOAD) MB | %s |" % " | ".join("%.1f" % (m / 1e6) for _, m in files))
    for label, path in binaries:
        print("\n%s: %s" % (label, path))
    return 0


if __name__ == "__main__":
    sys.exit(main())
