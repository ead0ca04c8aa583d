"""Load: several connections send requests in a loop while xsplice works,
and every reply is checked against the one the fixed build gives."""
import threading
import time

from .clients import Closed


class Load:
    def __init__(self, connect, requests, expected, connections=4, max_seconds=300):
        """connect(): a client; requests: [callable(client) -> reply];
        expected: the reply for each request."""
        self.connect = connect
        self.requests = requests
        self.expected = expected
        self.connections = connections
        self.deadline = time.monotonic() + max_seconds
        self.stop_event = threading.Event()
        self.lock = threading.Lock()
        self.ok = 0
        self.errors = []
        self.threads = []

    def _worker(self, n):
        try:
            client = self.connect()
        except OSError as e:
            self._error("connect: %s" % e)
            return
        i = n
        try:
            while not self.stop_event.is_set() and time.monotonic() < self.deadline:
                k = i % len(self.requests)
                i += 1
                try:
                    reply = self.requests[k](client)
                except Closed as e:
                    self._error("request %d: %s" % (k, e))
                    return
                if reply != self.expected[k]:
                    self._error("request %d: expected %r, got %r" % (k, self.expected[k][:80], reply[:80]))
                else:
                    with self.lock:
                        self.ok += 1
        finally:
            client.close()

    def _error(self, msg):
        with self.lock:
            self.errors.append(msg)

    def start(self):
        for n in range(self.connections):
            t = threading.Thread(target=self._worker, args=(n,), daemon=True)
            t.start()
            self.threads.append(t)
        return self

    def stop(self):
        self.stop_event.set()
        for t in self.threads:
            t.join(30)
        return self.ok, self.errors
