"""Starting the programs under test and telling whether they are alive."""
import os
import signal
import subprocess
import tempfile
import time

from .clients import Closed
from .util import HarnessError


class Program:
    """A started program: a driver that prints 'port N', or a server given
    its port on the command line."""

    def __init__(self, argv, env=None, port=None, cwd=None, ready=None):
        full = dict(os.environ)
        full.update(env or {})
        # Output goes to a file, never a pipe nobody drains: a program that
        # logs a lot (a crash report) must not block on a full pipe.
        self.output = tempfile.NamedTemporaryFile(prefix="xsplice-rw-out-", delete=True)
        self.popen = subprocess.Popen(argv, env=full, cwd=cwd, stdout=self.output, stderr=subprocess.STDOUT,
                                      start_new_session=True)
        self.pid = self.popen.pid
        if port is None:
            port = self._announced_port(argv[0])
        self.port = port
        if ready:
            deadline = time.monotonic() + 60
            while True:
                try:
                    if ready(port):
                        break
                except (OSError, Closed):
                    pass
                if self.popen.poll() is not None or time.monotonic() > deadline:
                    out = self.text()[-800:]
                    self.kill()
                    raise HarnessError("%s did not start:\n%s" % (argv[0], out))
                time.sleep(0.2)

    def text(self):
        with open(self.output.name, "rb") as f:
            return f.read().decode(errors="replace")

    def _announced_port(self, name):
        """The driver's first line, 'port N'."""
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and self.popen.poll() is None:
            first = self.text().split("\n", 1)
            if len(first) == 2:
                words = first[0].split()
                if len(words) == 2 and words[0] == "port" and words[1].isdigit():
                    return int(words[1])
                break
            time.sleep(0.05)
        out = self.text()[-400:]
        self.kill()
        raise HarnessError("%s did not start: %r" % (name, out))

    def alive(self):
        return self.popen.poll() is None

    def how_it_ended(self):
        rc = self.popen.poll()
        if rc is None:
            return "running"
        return "killed by signal %d (%s)" % (-rc, signal.Signals(-rc).name) if rc < 0 else "exited %d" % rc

    def kill(self):
        if self.popen.poll() is None:
            self.popen.kill()
        try:
            self.popen.wait(10)
        except subprocess.TimeoutExpired:
            pass
        self.output.close()
