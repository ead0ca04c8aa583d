"""The cases: real Debian security fixes, each with the program that runs
the vulnerable code, a load, and a reproducer."""
import glob
import hashlib
import os
import uuid

from . import apt
from .build import make_jobs
from .clients import Closed, LineClient, RespClient
from .proc import Program
from .util import run

DRIVERS = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "drivers")


class Case:
    name = ""
    package = ""
    version = None          # None: the newest in bookworm / bookworm-security
    patches = ()            # the Debian patch(es) that make the fix
    maint_options = ""      # DEB_BUILD_MAINT_OPTIONS from debian/rules
    maint_append = None     # DEB_<VAR>_MAINT_APPEND from debian/rules
    pic = True
    functions = ()          # for an xsplice without --before/--after
    covers = ()
    summary = ""

    def touched_sources(self, tree):
        return [f for f in apt.touched_files(tree, self.patches) if f.endswith((".c", ".cpp", ".cc"))]

    def after_build(self, variant):
        """Anything built beside the package (a driver)."""

    def connect(self, port):
        return LineClient(port)


def _driver_path(variant, stem, sources):
    """The driver's binary, named by a hash of its sources so that an edited
    driver is rebuilt while the package build stays cached."""
    h = hashlib.sha256()
    for s in sources + [os.path.join(DRIVERS, "serve.h")]:
        with open(s, "rb") as f:
            h.update(f.read())
    return variant.path("%s-%s" % (stem, h.hexdigest()[:12]))


def _compile_driver(variant, flags, lang, sources, libdir, includes, libs, out):
    if os.path.exists(out):
        return
    cc = "g++" if lang == "c++" else "gcc"
    cflags = flags["CXXFLAGS" if lang == "c++" else "CFLAGS"].split() + flags["CPPFLAGS"].split()
    argv = [cc] + cflags + ["-I" + DRIVERS] + ["-I" + i for i in includes]
    for s in sources:
        if s.endswith(".c") and lang == "c++":
            run(["gcc"] + flags["CFLAGS"].split() + flags["CPPFLAGS"].split() +
                ["-c", s, "-o", out + ".serve.o"], nice=True)
            argv.append(out + ".serve.o")
        else:
            argv.append(s)
    argv += ["-o", out, "-L" + libdir] + libs + ["-lpthread"] + flags["LDFLAGS"].split()
    run(argv, nice=True)


def _one_request(port, data, timeout):
    """A reproducer's single request on a connection of its own."""
    c = LineClient(port, timeout=timeout)
    try:
        return c.request(data)
    finally:
        c.close()


def _driver_flags(variant):
    import json
    with open(variant.stamp) as f:
        return json.load(f)["flags"]


# ---------------------------------------------------------------- libxml2

class Libxml2(Case):
    """libxml2 as Debian builds it (-O3, hardening=+all), used by the
    xmlvalid driver, a long-running program that parses what it is sent."""
    package = "libxml2"
    maint_options = "hardening=+all"
    maint_append = {"CFLAGS": "-Wall -O3"}
    covers = ("library inside a long-running program",)
    DTD = b'<!DOCTYPE r [<!ELEMENT r (a)><!ELEMENT a EMPTY><!ATTLIST r xmlns:p CDATA #IMPLIED>]>'

    def build(self, tree, flags, logfile):
        # Debian also builds with ICU, zlib and lzma; the suite leaves them
        # out so that it needs no -dev packages (the fixes do not touch them).
        env = dict(flags, CC="gcc")
        run(["./configure", "--without-python", "--without-icu", "--without-lzma", "--without-zlib",
             "--disable-static"], cwd=tree, env=env, logfile=logfile, nice=True)
        run(["make", make_jobs(), "V=1", "libxml2.la"], cwd=tree, env=env, logfile=logfile, nice=True)

    def after_build(self, variant):
        _compile_driver(variant, _driver_flags(variant), "c", self._sources(), variant.path(".libs"),
                        [variant.path("include")], ["-lxml2"], self._driver(variant))

    def _sources(self):
        return [os.path.join(DRIVERS, "xmlvalid.c"), os.path.join(DRIVERS, "serve.c")]

    def _driver(self, variant):
        return _driver_path(variant, "xmlvalid", self._sources())

    def module(self, variant):
        return os.path.realpath(glob.glob(variant.path(".libs/libxml2.so.2.*"))[0])

    def start(self, variant):
        return Program([self._driver(variant)], env={"LD_LIBRARY_PATH": variant.path(".libs")})

    def load(self):
        docs = [self.DTD + b"<r><a/></r>",                                  # valid
                self.DTD + b"<r><b/><c>text</c></r>",                       # invalid: the error path
                self.DTD + b'<r xmlns:p="urn:x"><p:q/></r>',               # invalid, with a prefix
                b"<r><unclosed></r>",                                      # malformed
                b"<doc>" + b"<i>x</i>" * 200 + b"</doc>",                  # larger, no DTD
                b"match a/b\n<r><a><b/><b/></a><b/></r>",                  # patterns
                b"match //i\n<doc>" + b"<i>x</i>" * 50 + b"</doc>",
                b"match a/*\n<a><x/><y><z/></y></a>"]
        return [lambda c, d=d: c.request(d) for d in docs]


class Libxml2Snprintf(Libxml2):
    name = "libxml2-CVE-2025-24928"
    patches = ("CVE-2025-24928.patch",)
    functions = ("xmlSnprintfElements",)
    covers = ("library inside a long-running program", "a function GCC inlined (into a .constprop clone)")
    summary = "stack buffer overflow in xmlSnprintfElements (DTD validation error message)"

    def reproduce(self, port):
        # A prefixed child whose prefix and name together overflow the
        # 5000-byte message buffer: the old code checked each separately.
        doc = self.DTD + b'<r xmlns:p="urn:x"><' + b"p" * 100 + b":" + b"n" * 4980 + b' xmlns:' + \
            b"p" * 100 + b'="urn:y"/></r>'
        return _one_request(port, doc, 10)


class Libxml2Pattern(Libxml2):
    name = "libxml2-CVE-2025-27113"
    patches = ("CVE-2025-27113.patch",)
    functions = ("xmlCompileStepPattern",)
    summary = "explicit child:: axis compiled as 'has a child' in xmlCompileStepPattern (wrong matches)"

    def reproduce(self, port):
        # child::b must match the elements named b (three here); the old
        # code matched the elements that have a child b (two).
        return _one_request(port, b"match child::b\n<a><b/><b><b/></b></a>", 10)


# ---------------------------------------------------------------- tinyxml (C++)

class TinyXml(Case):
    package = "tinyxml"
    functions = ()
    covers = ("C++ library",)

    def build(self, tree, flags, logfile):
        cxxflags = "%s -DTIXML_USE_STL %s -fPIC" % (flags["CXXFLAGS"], flags["CPPFLAGS"])
        objs = ["tinyxml.o", "tinyxmlparser.o", "tinyxmlerror.o"]
        run(["make", "CXXFLAGS=" + cxxflags, "LDFLAGS=" + flags["LDFLAGS"], "CXX=g++", "LD=g++"] + objs,
            cwd=tree, logfile=logfile, nice=True)
        run(["g++", "-shared", "-Wl,-soname,libtinyxml.so.2.6.2", "-o", "libtinyxml.so.2.6.2"] +
            flags["LDFLAGS"].split() + objs, cwd=tree, logfile=logfile, nice=True)
        link = os.path.join(tree, "libtinyxml.so")
        if not os.path.exists(link):
            os.symlink("libtinyxml.so.2.6.2", link)

    def after_build(self, variant):
        flags = dict(_driver_flags(variant))
        flags["CXXFLAGS"] += " -DTIXML_USE_STL"
        _compile_driver(variant, flags, "c++", self._sources(), variant.tree, [variant.tree], ["-ltinyxml"],
                        self._driver(variant))

    def _sources(self):
        return [os.path.join(DRIVERS, "tixml.cpp"), os.path.join(DRIVERS, "serve.c")]

    def _driver(self, variant):
        return _driver_path(variant, "tixml", self._sources())

    def module(self, variant):
        return variant.path("libtinyxml.so.2.6.2")

    def start(self, variant):
        return Program([self._driver(variant)], env={"LD_LIBRARY_PATH": variant.tree})

    def load(self):
        docs = [b'<?xml version="1.0" encoding="UTF-8"?><r><a x="1"/><b>t</b></r>',
                b"<r>" + b"<i>caf\xc3\xa9</i>" * 100 + b"</r>",
                b"<r><unclosed></r>",
                b'<?xml version="1.0"?>\n<r>\n  <a/>\n  <b attr="\xe2\x82\xac"/>\n</r>\n',
                b"<r>text &amp; more</r>"]
        return [lambda c, d=d: c.request(d) for d in docs]


class TinyXmlDeclaration(TinyXml):
    name = "tinyxml-CVE-2023-34194"
    patches = ("CVE-2023-34194.patch",)
    functions = ("_ZN16TiXmlDeclaration5ParseEPKcP16TiXmlParsingData13TiXmlEncoding",)
    summary = "reachable assertion (abort) on an XML declaration that ends after whitespace"

    def reproduce(self, port):
        return _one_request(port, b"<?xml version='1.0' ", 10)


# ---------------------------------------------------------------- redis (server)

class RedisHll(Case):
    name = "redis-CVE-2025-32023"
    package = "redis"
    patches = ("0006-CVE-2025-32023.patch",)
    maint_options = "hardening=+all"
    pic = False
    functions = ("hllSparseToDense", "hllSparseRegHisto", "hllMerge")
    covers = ("network server", "several functions")
    summary = "out-of-bounds write on a corrupted sparse HyperLogLog (PFCOUNT, PFMERGE, PFDEBUG)"

    def build(self, tree, flags, logfile):
        # Debian links the system jemalloc, lzf and systemd; the suite uses
        # the bundled dependencies and libc malloc so that it needs no -dev
        # packages: the patched file is compiled with Debian's flags either way.
        env = dict(flags)
        args = ["make", make_jobs(), "V=1", "MALLOC=libc", "BUILD_TLS=no", "USE_SYSTEMD=no",
                "CFLAGS=" + flags["CFLAGS"] + " " + flags["CPPFLAGS"], "LDFLAGS=" + flags["LDFLAGS"]]
        run(args + ["-C", "src", "redis-server"], cwd=tree, env=env, logfile=logfile, nice=True)

    def module(self, variant):
        return variant.path("src/redis-server")

    def start(self, variant):
        import socket as _s
        s = _s.socket()
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
        s.close()

        def ready(p):
            c = RespClient(p, timeout=2)
            try:
                return c.request("PING") == "+PONG"
            finally:
                c.close()
        return Program([variant.path("src/redis-server"), "--port", str(port), "--bind", "127.0.0.1",
                        "--save", "", "--appendonly", "no", "--protected-mode", "yes",
                        "--io-threads", "2", "--crash-memcheck-enabled", "no"],
                       port=port, ready=ready, cwd=variant.root)

    def connect(self, port):
        return RespClient(port)

    def load(self):
        def pf(c, n):
            # A fresh key each time: 3000 elements turn it from sparse to
            # dense (hllSparseToDense) under load.
            key = "h-%s" % uuid.uuid4().hex
            c.request("PFADD", key, *["e%d" % i for i in range(n)])
            reply = c.request("PFCOUNT", key)
            c.request("DEL", key)
            return reply

        def merge(c, n):
            a, b, d = "ma%d" % n, "mb%d" % n, "md%d" % n
            c.request("PFADD", a, *["x%d" % i for i in range(n)])
            c.request("PFADD", b, *["y%d" % i for i in range(n)])
            c.request("PFMERGE", d, a, b)
            return c.request("PFCOUNT", a, b) + " " + c.request("PFCOUNT", d)
        return [lambda c: c.request("SET", "k", "v") + c.request("GET", "k"),
                lambda c: pf(c, 50),
                lambda c: pf(c, 3000),
                lambda c: merge(c, 40),
                lambda c: c.request("INCR", "ctr")[:1]]

    def reproduce(self, port):
        # From the fix's own regression test: XZERO runs that add up past
        # 2^31 registers, then a VAL opcode written at the wrapped index.
        hdr = b"HYLL" + bytes([1] + [0] * 11)
        chunk = bytes([0x40 | (16383 >> 8), 16383 & 0xFF])
        payload = hdr + chunk * (131072 + 1000) + bytes([0xFF])
        c = RespClient(port, timeout=20)
        try:
            c.request("SET", "evil", payload)
            return c.request("PFCOUNT", "evil", "evil") + " " + c.request("PING")
        finally:
            c.close()


class RedisLuaUnpack(RedisHll):
    name = "redis-CVE-2025-46817"
    patches = ("CVE-2025-46817.patch",)
    functions = ("luaB_unpack", "luaH_getnum")
    covers = ("network server", "a fix in two files")
    summary = "integer overflow in Lua's unpack() (EVAL), fixed in lbaselib.c and ltable.c"

    def reproduce(self, port):
        # From the fix's regression test: the element count overflows, the
        # old check was folded away, and unpack pushes past the Lua stack.
        c = RespClient(port, timeout=20)
        try:
            return c.request("EVAL", "return {unpack({1,2,3}, -2, 2147483647)}", "0") + " " + c.request("PING")
        finally:
            c.close()


CASES = [RedisHll(), RedisLuaUnpack(), Libxml2Snprintf(), Libxml2Pattern(), TinyXmlDeclaration()]
