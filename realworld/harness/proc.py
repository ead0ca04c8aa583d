"""Starting the programs under test and telling whether they are alive."""
import os
import signal
import subprocess
import time

from .util import HarnessError


class Program:
    """A started program: a driver that prints 'port N', or a server given
    its port on the command line."""

    def __init__(self, argv, env=None, port=None, cwd=None, ready=None):
        full = dict(os.environ)
        full.update(env or {})
        self.popen = subprocess.Popen(argv, env=full, cwd=cwd, stdout=subprocess.PIPE,
                                      stderr=subprocess.STDOUT, start_new_session=True)
        self.pid = self.popen.pid
        if port is None:
            line = self.popen.stdout.readline().decode(errors="replace").split()
            if len(line) != 2 or line[0] != "port":
                self.kill()
                raise HarnessError("%s did not start: %r" % (argv[0], line))
            port = int(line[1])
        self.port = port
        if ready:
            deadline = time.monotonic() + 60
            while True:
                try:
                    if ready(port):
                        break
                except OSError:
                    pass
                if self.popen.poll() is not None or time.monotonic() > deadline:
                    out = self.popen.stdout.read().decode(errors="replace")[-800:]
                    self.kill()
                    raise HarnessError("%s did not start:\n%s" % (argv[0], out))
                time.sleep(0.2)

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
