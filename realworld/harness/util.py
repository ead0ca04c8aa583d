"""Small helpers shared by the harness: logging, commands, the cache."""
import os
import subprocess
import sys


class HarnessError(Exception):
    """Something the suite itself could not do (fetch, build, start)."""


VERBOSE = False


def log(msg):
    if VERBOSE:
        print("  . " + msg, file=sys.stderr, flush=True)


def cache_root():
    root = os.environ.get("XSPLICE_RW_CACHE") or os.path.expanduser("~/.cache/xsplice-realworld")
    os.makedirs(root, exist_ok=True)
    return root


def run(cmd, cwd=None, env=None, quiet=False, logfile=None, nice=False, timeout=3600):
    """Runs CMD; raises HarnessError with the tail of its output on failure."""
    if nice:
        cmd = ["nice", "-n", "10"] + list(cmd)
    full_env = dict(os.environ)
    if env:
        full_env.update(env)
    log(" ".join(cmd) if isinstance(cmd, list) else cmd)
    p = subprocess.run(cmd, cwd=cwd, env=full_env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                       timeout=timeout, shell=isinstance(cmd, str))
    out = p.stdout.decode(errors="replace")
    if logfile:
        with open(logfile, "a") as f:
            f.write(out)
    if p.returncode != 0:
        tail = "\n".join(out.strip().splitlines()[-15:])
        raise HarnessError("%s exited %d:\n%s" % (cmd if isinstance(cmd, str) else " ".join(cmd[:6]),
                                                 p.returncode, tail))
    if not quiet and VERBOSE:
        sys.stderr.write(out)
    return out
