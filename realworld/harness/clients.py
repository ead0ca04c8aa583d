"""Clients for the programs under test, all on 127.0.0.1 only."""
import socket

HOST = "127.0.0.1"


class Closed(Exception):
    """The program closed the connection or stopped answering."""


class LineClient:
    """The drivers' protocol: one line of hex out, one line of text back."""

    def __init__(self, port, timeout=10.0):
        self.sock = socket.create_connection((HOST, port), timeout=timeout)
        self.rfile = self.sock.makefile("rb")

    def request(self, data):
        try:
            self.sock.sendall(data.hex().encode() + b"\n")
            line = self.rfile.readline()
        except (OSError, socket.timeout) as e:
            raise Closed(str(e) or type(e).__name__)
        if not line:
            raise Closed("connection closed")
        return line.decode(errors="replace").rstrip("\n")

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass


class RespClient:
    """Redis's protocol (RESP2), enough for the commands the suite sends."""

    def __init__(self, port, timeout=10.0):
        self.sock = socket.create_connection((HOST, port), timeout=timeout)
        self.rfile = self.sock.makefile("rb")

    def request(self, *args):
        out = [b"*%d\r\n" % len(args)]
        for a in args:
            a = a if isinstance(a, bytes) else str(a).encode()
            out.append(b"$%d\r\n%s\r\n" % (len(a), a))
        try:
            self.sock.sendall(b"".join(out))
            return self._reply()
        except (OSError, socket.timeout) as e:
            raise Closed(str(e) or type(e).__name__)

    def _line(self):
        line = self.rfile.readline()
        if not line:
            raise Closed("connection closed")
        return line[:-2]

    def _reply(self):
        line = self._line()
        kind, rest = line[:1], line[1:]
        if kind in (b"+", b"-", b":"):
            return (kind + rest).decode(errors="replace")
        if kind == b"$":
            n = int(rest)
            if n < 0:
                return "(nil)"
            data = self.rfile.read(n + 2)
            if len(data) < n + 2:
                raise Closed("connection closed")
            return "$" + data[:-2].decode(errors="replace")
        if kind == b"*":
            return "[" + ",".join(self._reply() for _ in range(int(rest))) + "]"
        raise Closed("unexpected reply %r" % line[:40])

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass
