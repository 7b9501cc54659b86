"""src/imap.c and src/tls.c against a real, private Dovecot (tests/imap/
dovecot.py), driven through tests/integration/imap_tool.  Needs root and
the dovecot-imapd package.  Usage: test_imap.py IMAP_TOOL
"""
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "imap"))
sys.path.insert(0, os.path.join(HERE, "..", "tqsim"))
from dovecot import Dovecot, free_port  # noqa: E402
from certs import make_certs  # noqa: E402

TOOL = None
PASSWORD = "s3cret-Passw0rd-42"
NUSERS = 30
RUN_TIMEOUT = 60
EX_TEMP, EX_AUTH, EX_CONFIG = 75, 77, 78
CAN_RUN = os.geteuid() == 0 and shutil.which("dovecot") is not None
CERTS = None
TMP = None
# libetpan 1.9.4 leaks the parsed greeting when it is a BYE
# (mailimap_connect returns without freeing it); not ours to fix.
LSAN_SUPPRESSIONS = "leak:mailimap_greeting_new\n"


def setUpModule():
    global CERTS, TMP
    if not CAN_RUN:
        return
    TMP = tempfile.mkdtemp(prefix="tq-imap-")
    os.chmod(TMP, 0o755)    # the dovecot user reads the mail below it
    supp = os.path.join(TMP, "lsan.supp")
    with open(supp, "w") as f:
        f.write(LSAN_SUPPRESSIONS)
    opts = os.environ.get("LSAN_OPTIONS", "")
    os.environ["LSAN_OPTIONS"] = ((opts + ":") if opts else "") + \
        "suppressions=" + supp
    CERTS = make_certs(os.path.join(TMP, "certs"), wrong_host=True,
                       expired=True)


def tearDownModule():
    if TMP:
        shutil.rmtree(TMP, ignore_errors=True)


def message(n, extra=b""):
    return (b"Message-ID: <m%d@test.example>\r\n"
            b"From: Intel Feed <feed@test.example>\r\n"
            b"Subject: report %d \xe4\xf6\xfc\r\n"
            b"Date: Mon, 6 Jan 2025 10:00:00 +0000\r\n"
            b"\r\n"
            b"Indicator 198.51.100.%d and bytes \xff\xfe.\r\n" % (n, n, n)
            + extra)


def mid(n):
    return "<m%d@test.example>" % n


class Result:
    def __init__(self, r):
        self.code = r.returncode
        self.out = r.stdout
        self.err = r.stderr.decode("utf-8", "replace")

    def __repr__(self):
        return "exit %d, stdout %r, stderr:\n%s" % (self.code, self.out[:300],
                                                    self.err)


def tool(*args, port, server="127.0.0.1", user="u0", password=PASSWORD,
         ca=True, verbose=True):
    argv = [TOOL]
    if verbose:
        argv.append("-v")
    if ca is True:
        argv += ["--ca", CERTS["ca"]]
    elif ca:
        argv += ["--ca", ca]
    argv += ["--server", server, "--port", str(port), "--user", user,
             "--pass", password] + list(args)
    return Result(subprocess.run(argv, capture_output=True,
                                 timeout=RUN_TIMEOUT))


class FakeServer:
    """A TCP listener that closes at once ("close") or never speaks."""

    def __init__(self, mode):
        self.mode = mode
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(8)
        self.port = self.sock.getsockname()[1]
        self.conns = []
        self.done = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self):
        self.sock.settimeout(0.1)
        while not self.done.is_set():
            try:
                c, _ = self.sock.accept()
            except OSError:
                continue
            if self.mode == "close":
                c.close()
            elif self.mode == "bye":
                c.sendall(b"* BYE go away\r\n")
                c.close()
            else:
                self.conns.append(c)

    def stop(self):
        self.done.set()
        self.thread.join(5)
        for c in self.conns:
            c.close()
        self.sock.close()


@unittest.skipUnless(CAN_RUN, "needs root and dovecot")
class DovecotCase(unittest.TestCase):
    """One Dovecot per class; each test takes a user of its own."""
    ssl = "yes"
    listen = "127.0.0.1"
    _next_user = 0

    @classmethod
    def setUpClass(cls):
        users = {"u%d" % i: PASSWORD for i in range(NUSERS)}
        cls.workdir = tempfile.mkdtemp(prefix="dovecot-", dir=TMP)
        cls.dc = Dovecot(cls.workdir, users=users, cert=CERTS["cert"],
                         key=CERTS["key"], listen=cls.listen, ssl=cls.ssl)
        cls.addClassCleanup(cls.dc.stop)
        cls.dc.start()

    def setUp(self):
        cls = type(self)
        self.user = "u%d" % cls._next_user
        cls._next_user += 1
        self.assertLess(cls._next_user, NUSERS)

    def run_tool(self, *args, port=None, **kw):
        kw.setdefault("user", self.user)
        return tool(*args, port=port or self.dc.imaps_port,
                    server=kw.pop("server", self.listen), **kw)

    def ok(self, r):
        self.assertEqual(r.code, 0, r)
        self.assertNotIn(PASSWORD, r.err)
        return r

    def fails(self, r, code, *words):
        self.assertEqual(r.code, code, r)
        for w in words:
            self.assertIn(w, r.err, r)
        self.assertNotIn(PASSWORD, r.err)
        return r

    def uids(self, r):
        return [int(x) for x in r.out.split()]


class TestImaps(DovecotCase):
    def test_unseen_in_uid_order(self):
        for n in (1, 2, 3):
            self.dc.deliver(self.user, message(n))
        self.dc.deliver(self.user, message(4), seen=True)
        self.dc.deliver(self.user, message(5))
        u = self.uids(self.ok(self.run_tool("unseen")))
        self.assertEqual(len(u), 4, u)
        self.assertEqual(u, sorted(u))
        # The seen one (4th delivered) is left out; the others in order.
        fetched = [self.ok(self.run_tool("fetch", str(x))).out for x in u]
        self.assertEqual(fetched, [message(n) for n in (1, 2, 3, 5)])
        # Bounded by max: the oldest first.
        self.assertEqual(self.uids(self.ok(self.run_tool(
            "--limit", "2", "unseen"))), u[:2])

    def test_unseen_empty(self):
        self.assertEqual(self.ok(self.run_tool("unseen")).out, b"")

    def test_fetch_exact_bytes_and_no_seen(self):
        raw = message(7, b"line\r\n" * 5000 + b"\tend\r\n")
        self.dc.deliver(self.user, raw)
        u = self.uids(self.ok(self.run_tool("unseen")))
        r = self.ok(self.run_tool("fetch", str(u[0])))
        self.assertEqual(r.out, raw)
        self.assertRegex(r.err, r"internaldate \d{9,}")
        self.assertEqual(self.dc.flags(self.user), {mid(7): set()})
        # Still unseen for the next run.
        self.assertEqual(self.uids(self.ok(self.run_tool("unseen"))), u)

    def test_fetch_over_limit(self):
        self.dc.deliver(self.user, message(8))
        self.fails(self.run_tool("--max", "20", "fetch", "1"), 1,
                   "message rejected", "over the limit of 20")
        self.assertEqual(self.dc.flags(self.user), {mid(8): set()})

    def test_fetch_missing_uid(self):
        self.dc.deliver(self.user, message(9))
        self.fails(self.run_tool("fetch", "999"), EX_TEMP,
                   "no longer exists")

    def test_seen(self):
        self.dc.deliver(self.user, message(10))
        self.dc.deliver(self.user, message(11))
        self.ok(self.run_tool("seen", "2"))
        self.assertEqual(self.dc.flags(self.user),
                         {mid(10): set(), mid(11): {"\\Seen"}})
        self.assertEqual(self.uids(self.ok(self.run_tool("unseen"))), [1])

    def test_keyword(self):
        self.dc.deliver(self.user, message(12))
        self.ok(self.run_tool("flag", "1", "$TQ-Failed"))
        self.assertEqual(self.dc.flags(self.user), {mid(12): {"$TQ-Failed"}})
        self.fails(self.run_tool("flag", "1", "bad flag"), EX_CONFIG,
                   "not a valid flag")

    def test_move(self):
        self.dc.create_folder(self.user, "Processed")
        self.dc.deliver(self.user, message(13))
        self.dc.deliver(self.user, message(14))
        self.ok(self.run_tool("move", "1", "Processed"))
        self.assertEqual(list(self.dc.messages(self.user)), [mid(14)])
        self.assertEqual(self.dc.messages(self.user, "Processed"),
                         {mid(13): message(13)})
        self.assertEqual(self.uids(self.ok(self.run_tool("unseen"))), [2])

    def test_move_to_missing_folder(self):
        self.dc.deliver(self.user, message(15))
        self.fails(self.run_tool("move", "1", "Nowhere"), EX_CONFIG,
                   "Nowhere")
        self.assertEqual(list(self.dc.messages(self.user)), [mid(15)])

    def test_uidvalidity(self):
        self.dc.deliver(self.user, message(16))
        r = self.ok(self.run_tool("uidvalidity"))
        with open(os.path.join(self.dc.maildir(self.user),
                               "dovecot-uidlist")) as f:
            v = [w for w in f.readline().split() if w.startswith("V")][0]
        self.assertEqual(int(r.out), int(v[1:]))
        self.assertGreater(int(r.out), 0)

    def test_non_ascii_folder(self):
        folder = "Berichte/Größe & Co"
        self.dc.create_folder(self.user, folder)   # doveadm: UTF-8 name
        self.assertTrue(os.path.isdir(self.dc.maildir(self.user, folder)))
        self.dc.deliver(self.user, message(17), folder=folder)
        self.dc.deliver(self.user, message(18))
        r = self.ok(self.run_tool("--folder", folder, "unseen"))
        self.assertEqual(self.uids(r), [1])
        r = self.ok(self.run_tool("--folder", folder, "fetch", "1"))
        self.assertEqual(r.out, message(17))
        # And as a MOVE destination.
        self.ok(self.run_tool("move", "1", folder))
        self.assertEqual(set(self.dc.messages(self.user, folder)),
                         {mid(17), mid(18)})

    def test_missing_folder(self):
        self.fails(self.run_tool("--folder", "Nope", "unseen"), EX_CONFIG,
                   "Nope", "cannot be selected")

    def test_wrong_password(self):
        self.fails(self.run_tool("unseen", password="wrong-Passw0rd"),
                   EX_AUTH, "login refused", "127.0.0.1")
        self.fails(self.run_tool("--auth", "plain", "unseen",
                                 password="wrong-Passw0rd"),
                   EX_AUTH, "login refused")

    def test_auth_plain(self):
        self.dc.deliver(self.user, message(19))
        self.assertEqual(self.uids(self.ok(self.run_tool(
            "--auth", "plain", "unseen"))), [1])

    def test_password_never_logged(self):
        r = self.ok(self.run_tool("unseen"))
        self.assertIn("DEBUG", r.err)
        self.assertNotIn(PASSWORD, r.err)

    def test_untrusted_without_ca(self):
        self.fails(self.run_tool("unseen", ca=None), EX_CONFIG,
                   "server 127.0.0.1", "not trusted")

    def test_no_verify_accepts_untrusted(self):
        r = self.ok(self.run_tool("--no-verify", "unseen", ca=None))
        self.assertIn("NOT VERIFIED", r.err)

    def test_starttls_verified(self):
        self.dc.deliver(self.user, message(20))
        r = self.ok(self.run_tool("--starttls", "unseen",
                                  port=self.dc.imap_port))
        self.assertEqual(self.uids(r), [1])
        self.fails(self.run_tool("--starttls", "unseen", ca=None,
                                 port=self.dc.imap_port),
                   EX_CONFIG, "server 127.0.0.1", "not trusted")

    def test_imaps_to_plain_port(self):
        self.fails(self.run_tool("unseen", port=self.dc.imap_port),
                   EX_TEMP, "127.0.0.1")


@unittest.skipUnless(CAN_RUN, "needs root and dovecot")
class TestConnectionTrouble(unittest.TestCase):
    def run_fake(self, mode, *args):
        f = FakeServer(mode)
        self.addCleanup(f.stop)
        return tool("--timeout", "2", *args, "unseen", port=f.port)

    def check(self, r, *words):
        self.assertEqual(r.code, EX_TEMP, r)
        for w in words:
            self.assertIn(w, r.err, r)

    def test_nothing_listening(self):
        self.check(tool("unseen", port=free_port()), "127.0.0.1")

    def test_server_closes(self):
        self.check(self.run_fake("close"), "127.0.0.1")
        self.check(self.run_fake("close", "--starttls"), "127.0.0.1",
                   "connection lost")

    def test_server_says_bye(self):
        self.check(self.run_fake("bye", "--starttls"), "127.0.0.1")

    def test_server_silent_times_out(self):
        self.check(self.run_fake("silent"), "127.0.0.1")
        self.check(self.run_fake("silent", "--starttls"), "127.0.0.1")


@unittest.skipUnless(CAN_RUN, "needs root and dovecot")
class TestBadCertificates(DovecotCase):
    def use(self, which):
        self.dc.restart_with_cert(CERTS[which + "_cert"], CERTS[which + "_key"])
        self.addCleanup(self.dc.restart_with_cert, CERTS["cert"],
                        CERTS["key"])

    def test_wrong_host(self):
        self.use("wrong_host")
        self.fails(self.run_tool("unseen"), EX_CONFIG, "server 127.0.0.1",
                   "wrong host")
        self.fails(self.run_tool("--starttls", "unseen",
                                 port=self.dc.imap_port), EX_CONFIG,
                   "wrong host")

    def test_expired(self):
        self.use("expired")
        self.fails(self.run_tool("unseen"), EX_CONFIG, "server 127.0.0.1",
                   "expired")
        self.fails(self.run_tool("--starttls", "unseen",
                                 port=self.dc.imap_port), EX_CONFIG,
                   "expired")

    def test_wrong_ca_file(self):
        other = make_certs(os.path.join(TMP, "other-ca"))
        self.fails(self.run_tool("unseen", ca=other["ca"]), EX_CONFIG,
                   "not trusted", "ca_file")


@unittest.skipUnless(CAN_RUN, "needs root and dovecot")
class TestNoStarttls(DovecotCase):
    """ssl = no on 127.0.0.2; we connect from 127.0.0.1, so Dovecot does
    not consider the connection secure."""
    ssl = "no"
    listen = "127.0.0.2"

    def test_plaintext_login_refused(self):
        r = self.fails(self.run_tool("--starttls", "unseen",
                                     port=self.dc.imap_port),
                       EX_CONFIG, "127.0.0.2", "no STARTTLS")
        self.assertIn("NOT encrypted", r.err)

    def test_plaintext_allowed_explicitly(self):
        self.dc.deliver(self.user, message(21))
        r = self.ok(self.run_tool("--starttls", "--allow-plaintext", "unseen",
                                  port=self.dc.imap_port))
        self.assertEqual(self.uids(r), [1])
        self.assertIn("NOT encrypted", r.err)


if __name__ == "__main__":
    if len(sys.argv) < 2:
        sys.exit("usage: test_imap.py IMAP_TOOL")
    TOOL = os.path.abspath(sys.argv.pop(1))
    unittest.main(verbosity=2)
