#!/usr/bin/env python3
"""The real binary against a hostile IMAPS server scripted here: a threaded
TLS server on 127.0.0.1 (certificate from tests/tqsim/certs.py, trusted by
the connector through [mailbox] ca_file) that speaks enough IMAP4rev1 to
serve one message (DATADIR/plain-advisory.eml) and records every command it
receives (the LOGIN password is never recorded nor shown).  Each scenario
injects one hostile thing at one step, aimed at the libetpan 1.9.4 bugs
that src/imapguard.c defends against:

  survived (exit 0, the message pushed to tqsim, then UID STORE \\Seen):
    a greeting with [BADCHARSET ()] or [PERMANENTFLAGS (\\Seen)], "[ALERT]"
    without text on the LOGIN OK, "* OK [PERMANENTFLAGS (\\)] x" in SELECT;
  refused (exit 75, within MAX_WALL seconds, no signal, a message naming the
    server and, where the guard refused, its reason; nothing marked or
    moved; nothing pushed; peak RSS bounded):
    "* CAPABILITY" with an empty list (before LOGIN: no password sent), a
    BODY literal of {4294967295}, a BODY literal cut short by the end of
    the stream (over TLS, where libetpan's GnuTLS layer makes a
    close_notify a read error, and on a plaintext session, -ds with
    allow_plaintext, where a TCP FIN is the read of 0 libetpan used to
    spin on), a 5 MiB response line without CRLF;
  set aside (exit 1, $TQ-Failed and \\Seen, nothing pushed): a BODY
    literal over max_message_size after a small RFC822.SIZE, which the
    guard cuts so the session goes on;
  the COPY fallback of imap_move(): the only move is to failed_folder,
    where a message over max_message_size by RFC822.SIZE is set aside at
    once (exit 1: the run counts it failed): UID COPY, UID STORE
    \\Deleted, UID EXPUNGE in that order with UIDPLUS and without MOVE;
    UID MOVE alone with MOVE; COPY and \\Deleted, no EXPUNGE, with neither.

Peak RSS is the connector's (os.wait4 on its pid; never below this
script's, about 25 MB, which a vforked child starts from); a sanitizer build
(--sanitized ON, from CMake's TQ_SANITIZE, else detected in the binary)
gets MAX_RSS_MB_SANITIZED.  Needs openssl (tests/tqsim/certs.py); a missing
prerequisite fails the test, it never skips.

Usage: test_hostile_imap.py BINARY DATADIR [--sanitized ON|OFF] [unittest args]
"""
import os
import re
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import tempfile
import threading
import time
import unittest

sys.dont_write_bytecode = True
HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "tqsim"))
from tqsim_fixture import TqSim, CLIENT_ID, EMAIL, PASSWORD  # noqa: E402
import certs  # noqa: E402

BIN = None
DATA = None
SANITIZED = False
NAME = "tq-conn-intel-mailbox-reports"

IMAP_USER = "intel"
IMAP_PW = "Hostile;Imap#pw-5e"      # never recorded, never printed
IMAP_TIMEOUT = 20                   # [mailbox] timeout, seconds
RUN_TIMEOUT = 60                    # subprocess limit, seconds
MAX_WALL = 30.0                     # a refused session ends within this
MAX_RSS_MB = 200
MAX_RSS_MB_SANITIZED = 1024         # ASan shadow memory and quarantine
SERVER_JOIN = 15.0                  # a session thread ends this soon after
SOCK_TIMEOUT = 45.0                 # server side, so no thread hangs for ever

EX_OK, EX_PARTIAL, EX_TEMPFAIL = 0, 1, 75
UIDVALIDITY = 1700000000
INTERNALDATE = b'"20-Nov-2026 10:00:00 +0000"'
GUARD_MAX_LINE = 4 * 1024 * 1024            # IMAPGUARD_MAX_LINE
DEF_MAX_MESSAGE = 67108864                  # max_message_size default
SERVER = "server 127.0.0.1"                 # how the connector names it
SEEN_STORE = "UID STORE 1 +FLAGS.SILENT (\\Seen)"
DELETED_STORE = "UID STORE 1 +FLAGS.SILENT (\\Deleted)"
FETCH_BODY = "UID FETCH 1 (BODY.PEEK[] INTERNALDATE)"
FAILED_FOLDER = "Failed Intel"      # quoted on the wire

TMP = None
CA = None
MESSAGE = None


def setUpModule():
    global TMP, CA, MESSAGE
    if shutil.which("openssl") is None:
        raise RuntimeError("test_hostile_imap needs openssl (scripts/deps)")
    if not (BIN and os.access(BIN, os.X_OK)):
        raise RuntimeError("no executable binary: %r" % BIN)
    with open(os.path.join(DATA, "plain-advisory.eml"), "rb") as f:
        MESSAGE = f.read()
    TMP = tempfile.mkdtemp(prefix="tq-hostile-imap.")
    CA = certs.make_certs(os.path.join(TMP, "ca"))


def tearDownModule():
    if TMP:
        shutil.rmtree(TMP, ignore_errors=True)


# ---- the scripted IMAP server ---------------------------------------------

class Script:
    """What the server says.  The defaults serve the one message well; a
    scenario overrides one step with a keyword to ImapServer."""
    greeting = b"* OK hostile-imap ready"
    caps = "IMAP4rev1 UIDPLUS MOVE"
    capability_line = None      # replaces the first "* CAPABILITY ..." line
    login_ok = b"OK LOGIN completed"
    permanentflags = (b"* OK [PERMANENTFLAGS (\\Answered \\Flagged "
                      b"\\Deleted \\Seen \\Draft \\*)] Limited")
    select = None               # fn(session, tag): replaces the SELECT reply
    size = None                 # RFC822.SIZE; None: the real size
    body = None                 # fn(session, tag): replaces the BODY reply;
                                # returns True to go on serving

    def __init__(self, **kw):
        for k, v in kw.items():
            if not hasattr(Script, k):
                raise TypeError("no script step %r" % k)
            setattr(self, k, v)


class Session(threading.Thread):
    """One client connection."""

    def __init__(self, server, raw):
        super().__init__(daemon=True)
        self.srv = server
        self.raw = raw
        self.conn = None
        self.rfile = None
        self.caps_sent = 0

    def run(self):
        try:
            self.raw.settimeout(SOCK_TIMEOUT)
            self.conn = self.raw if self.srv.ctx is None else \
                self.srv.ctx.wrap_socket(self.raw, server_side=True)
            self.rfile = self.conn.makefile("rb")
            self.serve()
        except (OSError, EOFError, ValueError):
            pass    # the client went away: expected in hostile scenarios
        finally:
            for c in (self.rfile, self.conn, self.raw):
                try:
                    if c is not None:
                        c.close()
                except OSError:
                    pass

    def send(self, data):
        self.conn.sendall(data)

    def line(self, data):
        self.send(data + b"\r\n")

    def wait_for_close(self):
        """Read until the client closes: a hostile reply ends the session
        from the client's side only."""
        while self.conn.recv(65536):
            pass

    def end_stream(self):
        """A clean end of the stream: TLS close_notify (libetpan's GnuTLS
        layer makes that a read error), or on a plaintext session a TCP FIN
        (a read of 0, on which libetpan 1.9.4 spins inside a literal)."""
        if self.srv.ctx is None:
            self.conn.shutdown(socket.SHUT_WR)
            self.wait_for_close()
            return
        self.conn.settimeout(10)
        try:
            self.conn.unwrap()
        except (OSError, ValueError):
            pass

    def read_command(self):
        """(text after the tag with literals as placeholders, literals, tag)."""
        parts, lits = [], []
        line = self.rfile.readline(65536)
        while True:
            if not line:
                raise EOFError
            m = re.search(rb"\{(\d+)(\+?)\}\r?\n$", line)
            if not m:
                parts.append(line.rstrip(b"\r\n"))
                break
            parts.append(line[:m.start()] + b"\x00%d\x00" % len(lits))
            if not m.group(2):
                self.line(b"+ go ahead")
            lits.append(self.rfile.read(int(m.group(1))))
            line = self.rfile.readline(65536)
        text = b"".join(parts)
        tag, _, rest = text.partition(b" ")
        return tag, rest, lits

    @staticmethod
    def astrings(text, lits):
        """The astrings of text (atoms, quoted strings, literals)."""
        out, i = [], 0
        while i < len(text):
            c = text[i:i + 1]
            if c == b" ":
                i += 1
            elif c == b'"':
                j, v = i + 1, bytearray()
                while j < len(text) and text[j:j + 1] != b'"':
                    if text[j:j + 1] == b"\\":
                        j += 1
                    v += text[j:j + 1]
                    j += 1
                out.append(bytes(v))
                i = j + 1
            elif c == b"\x00":
                j = text.index(b"\x00", i + 1)
                out.append(lits[int(text[i + 1:j])])
                i = j + 1
            else:
                j = text.find(b" ", i)
                j = len(text) if j == -1 else j
                out.append(text[i:j])
                i = j
        return out

    def serve(self):
        s = self.srv.script
        self.line(s.greeting)
        while True:
            tag, rest, lits = self.read_command()
            words = rest.split(b" ")
            cmd = words[0].upper()
            if cmd == b"LOGIN":
                args = self.astrings(rest[len(b"LOGIN"):], lits)
                ok = args == [IMAP_USER.encode(), IMAP_PW.encode()]
                self.srv.record("LOGIN %s <password %s>" % (
                    args[0].decode("latin-1") if args else "",
                    "right" if ok else "WRONG"))
                self.line(tag + b" " + (s.login_ok if ok else
                                        b"NO [AUTHENTICATIONFAILED] no"))
                continue
            shown = re.sub(rb"\x00(\d+)\x00",
                           lambda m: b"{%d}" % len(lits[int(m.group(1))]),
                           rest)
            self.srv.record(shown.decode("latin-1"))
            if cmd == b"UID" and len(words) > 1:
                if self.uid_command(tag, words[1].upper(), rest, lits) == "end":
                    return
            elif cmd == b"CAPABILITY":
                self.caps_sent += 1
                if self.caps_sent == 1 and s.capability_line is not None:
                    self.line(s.capability_line)
                else:
                    self.line(b"* CAPABILITY " + s.caps.encode())
                self.line(tag + b" OK CAPABILITY completed")
            elif cmd in (b"SELECT", b"EXAMINE"):
                if s.select is not None:
                    s.select(self, tag)
                    return
                self.line(b"* FLAGS (\\Answered \\Flagged \\Deleted \\Seen "
                          b"\\Draft)")
                self.line(s.permanentflags)
                self.line(b"* %d EXISTS" % (0 if self.srv.gone else 1))
                self.line(b"* 0 RECENT")
                self.line(b"* OK [UIDVALIDITY %d] UIDs valid" % UIDVALIDITY)
                self.line(b"* OK [UIDNEXT 2] Predicted next UID")
                self.line(tag + b" OK [READ-WRITE] SELECT completed")
            elif cmd == b"NOOP":
                self.line(tag + b" OK NOOP completed")
            elif cmd == b"LOGOUT":
                self.line(b"* BYE logging out")
                self.line(tag + b" OK LOGOUT completed")
                return
            else:
                self.line(tag + b" BAD unknown command")

    def uid_command(self, tag, sub, rest, lits):
        s, srv = self.srv.script, self.srv
        if sub == b"SEARCH":
            hit = (not srv.gone and "\\Seen" not in srv.flags
                   and "\\Deleted" not in srv.flags)
            self.line(b"* SEARCH 1" if hit else b"* SEARCH")
            self.line(tag + b" OK SEARCH completed")
        elif sub == b"FETCH":
            what = rest.upper()
            if srv.gone or not re.match(rb"UID FETCH 1 ", what):
                self.line(tag + b" OK FETCH completed")
            elif b"BODY.PEEK[]" in what:
                if s.body is not None:
                    return None if s.body(self, tag) else "end"
                self.send(b"* 1 FETCH (UID 1 INTERNALDATE " + INTERNALDATE +
                          b" BODY[] {%d}\r\n" % len(MESSAGE) + MESSAGE +
                          b")\r\n")
                self.line(tag + b" OK FETCH completed")
            else:
                size = len(MESSAGE) if s.size is None else s.size
                self.line(b"* 1 FETCH (UID 1 RFC822.SIZE %d)" % size)
                self.line(tag + b" OK FETCH completed")
        elif sub == b"STORE":
            m = re.search(rb"\+FLAGS(?:\.SILENT)? \(([^)]*)\)", rest, re.I)
            if m:
                srv.flags.update(m.group(1).decode("latin-1").split())
            self.line(tag + b" OK STORE completed")
        elif sub == b"COPY":
            self.line(tag + b" OK [COPYUID %d 1 1] COPY completed"
                      % UIDVALIDITY)
        elif sub == b"MOVE":
            self.line(b"* OK [COPYUID %d 1 1] Moved" % UIDVALIDITY)
            self.line(b"* 1 EXPUNGE")
            srv.gone = True
            self.line(tag + b" OK MOVE completed")
        elif sub == b"EXPUNGE":
            if "\\Deleted" in srv.flags and not srv.gone:
                self.line(b"* 1 EXPUNGE")
                srv.gone = True
            self.line(tag + b" OK EXPUNGE completed")
        else:
            self.line(tag + b" BAD unknown UID command")
        return None


class ImapServer:
    """IMAPS on 127.0.0.1, a free port, one Script for every connection
    (tls=False: plain IMAP, no STARTTLS offered)."""

    def __init__(self, script, tls=True):
        self.script = script
        self.ctx = None
        if tls:
            self.ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            self.ctx.load_cert_chain(CA["cert"], CA["key"])
        self.lock = threading.Lock()
        self.commands = []      # what the client sent, tags left out
        self.flags = set()
        self.gone = False       # moved or expunged
        self.sessions = []
        self.stopping = False
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(8)
        self.port = self.sock.getsockname()[1]
        self.acceptor = threading.Thread(target=self.accept_loop, daemon=True)
        self.acceptor.start()

    def record(self, text):
        with self.lock:
            self.commands.append(text)

    def accept_loop(self):
        while True:
            raw, _ = self.sock.accept()
            if self.stopping:
                raw.close()
                return
            t = Session(self, raw)
            with self.lock:
                self.sessions.append(t)
            t.start()

    def stop(self):
        """Stop accepting; True when every session thread has ended."""
        self.stopping = True
        with socket.create_connection(("127.0.0.1", self.port), timeout=5):
            pass
        self.acceptor.join(SERVER_JOIN)
        self.sock.close()
        with self.lock:
            sessions = list(self.sessions)
        for t in sessions:
            t.join(SERVER_JOIN)
        return not self.acceptor.is_alive() and \
            not any(t.is_alive() for t in sessions)

    def log(self):
        with self.lock:
            return list(self.commands)


# ---- hostile steps ---------------------------------------------------------

def body_literal_huge(sess, tag):
    """BODY[] announced as {4294967295}, a little data, then nothing."""
    sess.send(b"* 1 FETCH (UID 1 INTERNALDATE " + INTERNALDATE +
              b" BODY[] {4294967295}\r\n" + MESSAGE[:200])
    sess.wait_for_close()


def body_literal_cut(sess, tag):
    """{500} announced, 100 bytes sent, then the end of the stream."""
    sess.send(b"* 1 FETCH (UID 1 INTERNALDATE " + INTERNALDATE +
              b" BODY[] {500}\r\n" + MESSAGE[:100])
    sess.end_stream()


def select_long_line(sess, tag):
    """A 5 MiB response line without CRLF in reply to SELECT."""
    sess.send(b"* FLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft)\r\n"
              b"* OK [X-JUNK " + b"x" * (5 * 1024 * 1024))
    sess.wait_for_close()


OVERSIZE_MAX = 2000       # max_message_size for the oversize literal
OVERSIZE_BODY = 5000      # what the literal then announces and carries


def body_literal_oversize(sess, tag):
    """RFC822.SIZE said the real (small) size; BODY[] is far larger."""
    pad = b"x" * (OVERSIZE_BODY - len(MESSAGE) - 2) + b"\r\n"
    body = MESSAGE + pad
    assert len(body) == OVERSIZE_BODY
    sess.send(b"* 1 FETCH (UID 1 INTERNALDATE " + INTERNALDATE +
              b" BODY[] {%d}\r\n" % len(body) + body + b")\r\n")
    sess.line(tag + b" OK FETCH completed")
    return True     # without the guard the session would go on


# ---- the tests -------------------------------------------------------------

class Result:
    pass


class Base(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="case.", dir=TMP)
        self.cfg = os.path.join(self.tmp, "cfg")
        os.mkdir(self.cfg)
        simdir = os.path.join(self.tmp, "sim")
        os.mkdir(simdir)
        self.sim = TqSim(simdir, cert=CA)
        self.addCleanup(self.sim.stop)
        self.server = None

    def serve(self, tls=True, **script):
        self.server = ImapServer(Script(**script), tls)
        self.addCleanup(self.stop_server)

    def stop_server(self):
        if self.server is not None:
            ended = self.server.stop()
            self.server = None
            self.assertTrue(ended, "an IMAP session thread did not end")

    def write_config(self, mailbox_extra="", connector_extra=""):
        text = ("[threatq]\nhost = %s\nclient_id = %s\nusername = %s\n"
                "password = \"%s\"\nca_file = %s\nmax_retries = 1\n"
                "timeout = 10\n\n"
                "[mailbox]\nserver = 127.0.0.1:%d\nusername = %s\n"
                "password = \"%s\"\nca_file = %s\ntimeout = %d\n%s\n"
                "[connector]\n%s"
                % (self.sim.addr, CLIENT_ID, EMAIL, PASSWORD, CA["ca"],
                   self.server.port, IMAP_USER, IMAP_PW, CA["ca"],
                   IMAP_TIMEOUT, mailbox_extra, connector_extra))
        path = os.path.join(self.cfg, NAME + ".ini")
        with open(path, "w") as f:
            f.write(text)
        os.chmod(path, 0o600)

    def run_conn(self, mailbox_extra="", connector_extra="", args=()):
        """Run the connector once: exit status, wall time, its own peak RSS
        (os.wait4 on its pid), output; then stop the server (its session
        threads must end) and keep what it received."""
        self.write_config(mailbox_extra, connector_extra)
        outp = os.path.join(self.tmp, "out")
        with open(outp, "wb") as out:
            t0 = time.monotonic()
            p = subprocess.Popen([BIN, "-c", self.cfg, "-v", "3"] + list(args),
                                 stdin=subprocess.DEVNULL, stdout=out,
                                 stderr=subprocess.STDOUT,
                                 start_new_session=True)
            killed = []

            def kill():
                killed.append(True)
                os.killpg(p.pid, signal.SIGKILL)
            timer = threading.Timer(RUN_TIMEOUT, kill)
            timer.start()
            try:
                _, status, ru = os.wait4(p.pid, 0)
            finally:
                timer.cancel()
            p.returncode = os.waitstatus_to_exitcode(status)
        r = Result()
        r.wall = time.monotonic() - t0
        r.status = p.returncode
        r.timed_out = bool(killed)
        r.rss_mb = ru.ru_maxrss / 1024.0
        r.cpu = ru.ru_utime + ru.ru_stime
        with open(outp, "rb") as f:
            r.out = f.read().decode("utf-8", "replace")
        srv = self.server
        self.stop_server()
        r.commands = srv.log()
        r.flags = set(srv.flags)
        return r

    def ctx(self, r):
        """What a failure message shows (no password in any of it)."""
        return ("exit %s after %.1f s (%.1f s of CPU), peak RSS %.1f MB%s\n"
                "IMAP commands: %r\noutput (tail):\n%s"
                % (r.status, r.wall, r.cpu, r.rss_mb,
                   " (KILLED after %d s)" % RUN_TIMEOUT if r.timed_out else "",
                   r.commands, r.out[-3000:]))

    def assertClean(self, r, login=True):
        """No signal, no sanitizer report, no password shown; LOGIN with
        the right password was received (login) or no LOGIN at all."""
        self.assertFalse(r.timed_out, self.ctx(r))
        self.assertGreaterEqual(r.status, 0,
                                "killed by signal %d\n%s"
                                % (-r.status, self.ctx(r)))
        for bad in ("AddressSanitizer", "LeakSanitizer", "runtime error:"):
            self.assertNotIn(bad, r.out, self.ctx(r))
        self.assertNotIn(IMAP_PW, r.out, "the IMAP password was shown")
        if login:
            self.assertIn("LOGIN %s <password right>" % IMAP_USER,
                          r.commands, self.ctx(r))
        else:
            self.assertFalse([c for c in r.commands if c.startswith("LOGIN")],
                             self.ctx(r))

    def counts(self):
        c = self.sim.counts()
        return c["attachments"], c["reports"]


class Survived(Base):
    """libetpan used to crash on these; the guard renames the response code
    and the session goes on: the message is pushed, then marked \\Seen."""

    def survives(self, **script):
        self.serve(**script)
        r = self.run_conn()
        self.assertClean(r)
        self.assertEqual(r.status, EX_OK, self.ctx(r))
        self.assertEqual(self.counts(), (1, 1), self.ctx(r))
        self.assertIn(FETCH_BODY, r.commands, self.ctx(r))
        self.assertIn(SEEN_STORE, r.commands, self.ctx(r))
        # Pushed before marked: the STORE is after the body fetch.
        self.assertLess(r.commands.index(FETCH_BODY),
                        r.commands.index(SEEN_STORE), self.ctx(r))
        self.assertEqual(r.flags, {"\\Seen"}, self.ctx(r))
        self.assertEqual(r.commands[-1], "LOGOUT", self.ctx(r))
        self.assertLess(r.rss_mb, rss_bound(), self.ctx(r))
        return r

    def test_01_greeting_badcharset(self):
        self.survives(greeting=b"* OK [BADCHARSET ()] hi")

    def test_02_greeting_permanentflags(self):
        self.survives(greeting=b"* OK [PERMANENTFLAGS (\\Seen)] hi")

    def test_03_alert_without_text_on_login_ok(self):
        self.survives(login_ok=b"OK [ALERT]")

    def test_04_permanentflags_bad_first_flag_in_select(self):
        self.survives(permanentflags=b"* OK [PERMANENTFLAGS (\\)] x")


class Refused(Base):
    """The session ends, bounded in time and memory, as a temporary failure
    (exit 75) naming the server (and the guard's reason); nothing is marked,
    moved or pushed, so the next run tries again."""

    def refused(self, cmd, reason=None, connector_extra="", login=True,
                tls=True, **script):
        self.serve(tls, **script)
        r = self.run_conn(
            mailbox_extra="" if tls else "allow_plaintext = true\n",
            connector_extra=connector_extra, args=() if tls else ["-ds"])
        self.assertClean(r, login)
        self.assertLess(r.wall, MAX_WALL, self.ctx(r))
        self.assertEqual(r.status, EX_TEMPFAIL, self.ctx(r))
        self.assertIn(SERVER, r.out, self.ctx(r))
        self.assertIn(cmd, r.out, self.ctx(r))
        if reason is not None:
            self.assertIn("%s: %s: %s" % (SERVER, cmd, reason), r.out,
                          self.ctx(r))
        for c in r.commands:
            self.assertNotRegex(c, r"^UID (STORE|MOVE|COPY|EXPUNGE)\b",
                                self.ctx(r))
        self.assertEqual(r.flags, set(), self.ctx(r))
        self.assertEqual(self.counts(), (0, 0), self.ctx(r))
        self.assertLess(r.rss_mb, rss_bound(), self.ctx(r))
        return r

    def test_05_empty_capability_list(self):
        # The first CAPABILITY, right after the greeting: the session ends
        # before LOGIN, so the password never goes out.  (libetpan's
        # mailimap_free() may still send a LOGOUT on the dead session.)
        r = self.refused("CAPABILITY", login=False,
                         capability_line=b"* CAPABILITY")
        self.assertEqual(r.commands[0], "CAPABILITY", self.ctx(r))
        self.assertIn("%s: connection lost during CAPABILITY" % SERVER,
                      r.out, self.ctx(r))

    def test_06_body_literal_4gib(self):
        r = self.refused(FETCH_BODY,
                         "the server announced a literal of 4294967295 "
                         "bytes; the limit is %d" % DEF_MAX_MESSAGE,
                         body=body_literal_huge)
        self.assertIn("literal of 4294967295 bytes", r.out)

    def test_07_body_literal_cut_short(self):
        r = self.refused(FETCH_BODY, body=body_literal_cut)
        self.assertIn("%s: connection lost during %s" % (SERVER, FETCH_BODY),
                      r.out, self.ctx(r))

    def test_07b_body_literal_cut_short_plaintext(self):
        # libetpan's GnuTLS layer turns the end of a TLS stream into a read
        # error; its socket layer returns 0, the read it used to spin on.
        r = self.refused(FETCH_BODY, tls=False, body=body_literal_cut)
        self.assertIn("%s: connection lost during %s" % (SERVER, FETCH_BODY),
                      r.out, self.ctx(r))
        self.assertIn("offers no STARTTLS", r.out, self.ctx(r))

    def test_08_response_line_over_4mib(self):
        self.refused("SELECT",
                     "the server sent a response line longer than %d bytes"
                     % GUARD_MAX_LINE, select=select_long_line)



class CutBody(Base):
    """A body literal over max_message_size while RFC822.SIZE said less (a
    lying server, or a size a little off near the limit): the guard cuts
    it, the session stays in step, and the message is set aside like any
    message too big (exit 1), so it cannot block the mail after it."""

    def test_09_body_literal_over_max_message_size(self):
        self.serve(True, body=body_literal_oversize)
        r = self.run_conn(connector_extra="max_message_size = %d\n"
                          % OVERSIZE_MAX)
        self.assertClean(r)
        self.assertLess(r.wall, MAX_WALL, self.ctx(r))
        self.assertEqual(r.status, EX_PARTIAL, self.ctx(r))
        self.assertIn("%s: message UID 1 is %d bytes, over the limit of %d "
                      "(RFC822.SIZE said less)"
                      % (SERVER, OVERSIZE_BODY, OVERSIZE_MAX), r.out,
                      self.ctx(r))
        self.assertEqual(self.counts(), (0, 0), self.ctx(r))
        self.assertEqual(r.flags, {"$TQ-Failed", "\\Seen"}, self.ctx(r))
        self.assertEqual(r.commands[-1], "LOGOUT", self.ctx(r))
        self.assertLess(r.rss_mb, rss_bound(), self.ctx(r))


class SetAside(Base):
    """imap_move(): the only move is failed_folder, where a message over
    max_message_size (by RFC822.SIZE) is set aside at once, unread and
    unpushed; the run then counts it failed (exit 1)."""

    def set_aside(self, caps):
        self.serve(caps=caps, size=len(MESSAGE))
        r = self.run_conn(mailbox_extra="failed_folder = \"%s\"\n"
                          % FAILED_FOLDER,
                          connector_extra="max_message_size = %d\n"
                          % (len(MESSAGE) - 1))
        self.assertClean(r)
        self.assertEqual(r.status, EX_PARTIAL, self.ctx(r))
        self.assertIn("over the limit of %d" % (len(MESSAGE) - 1), r.out,
                      self.ctx(r))
        self.assertEqual(self.counts(), (0, 0), self.ctx(r))
        self.assertNotIn(FETCH_BODY, r.commands, self.ctx(r))
        self.assertNotIn(SEEN_STORE, r.commands, self.ctx(r))
        self.assertEqual(r.commands[-1], "LOGOUT", self.ctx(r))
        return r

    def after_size_fetch(self, r):
        i = r.commands.index("UID FETCH 1 (RFC822.SIZE)")
        return r.commands[i + 1:-1]

    def test_10_copy_fallback_with_uidplus_without_move(self):
        r = self.set_aside("IMAP4rev1 UIDPLUS")
        self.assertEqual(self.after_size_fetch(r),
                         ['UID COPY 1 "%s"' % FAILED_FOLDER, DELETED_STORE,
                          "UID EXPUNGE 1"], self.ctx(r))
        self.assertEqual(r.flags, {"\\Deleted"}, self.ctx(r))

    def test_10_move_with_move(self):
        r = self.set_aside("IMAP4rev1 UIDPLUS MOVE")
        self.assertEqual(self.after_size_fetch(r),
                         ['UID MOVE 1 "%s"' % FAILED_FOLDER], self.ctx(r))
        self.assertEqual(r.flags, set(), self.ctx(r))

    def test_10_copy_without_uidplus_leaves_expunge(self):
        r = self.set_aside("IMAP4rev1")
        self.assertEqual(self.after_size_fetch(r),
                         ['UID COPY 1 "%s"' % FAILED_FOLDER, DELETED_STORE],
                         self.ctx(r))
        self.assertIn("neither MOVE nor UIDPLUS", r.out, self.ctx(r))


def rss_bound():
    return MAX_RSS_MB_SANITIZED if SANITIZED else MAX_RSS_MB


def is_sanitized(binary, flag):
    if flag is not None:
        return flag.upper() in ("ON", "1", "TRUE", "YES")
    with open(binary, "rb") as f:
        return b"__asan_init" in f.read()


if __name__ == "__main__":
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    BIN = os.path.abspath(sys.argv[1])
    DATA = os.path.abspath(sys.argv[2])
    rest = sys.argv[3:]
    flag = None
    if rest[:1] == ["--sanitized"] and len(rest) >= 2:
        flag, rest = rest[1], rest[2:]
    SANITIZED = is_sanitized(BIN, flag)
    if SANITIZED:
        print("sanitizer build: peak RSS bound %d MB" % MAX_RSS_MB_SANITIZED)
    unittest.main(argv=[sys.argv[0], "-v"] + rest)
