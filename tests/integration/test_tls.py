"""Certificate verification of both servers the connector talks to, with
real certificates made by openssl at test time: ThreatQ (tests/tqsim, over
libcurl) and IMAP (a private Dovecot, verified by src/tls.c).  For each
side: a certificate from a CA that is not trusted (no ca_file: the system
store; or ca_file naming another CA), one for another host name, an expired
one and a not-yet-valid one are refused with exit 78, a message naming the
server and the reason (the log is on stdout: both streams are searched), no
credentials sent and no mail marked \\Seen; the test CA in ca_file is
accepted, and verify_tls = false accepts with a warning.  Needs root,
dovecot and openssl (missing ones fail the test, they do not skip it).
Usage: test_tls.py BINARY DATADIR
"""
import os
import shutil
import ssl
import subprocess
import sys
import tempfile
import threading
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "imap"))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "tqsim"))
from tqsim_fixture import TqSim, CLIENT_ID, EMAIL, PASSWORD  # noqa: E402
from dovecot import Dovecot  # noqa: E402
import certs  # noqa: E402

BIN = None
DATA = None
NAME = "tq-conn-intel-mailbox-reports"
EX_CONFIG = 78
IMAP_PW = "Imap;Tls#pw-3c"
NUSERS = 40
RUN_TIMEOUT = 60
MID = "<adv-2026-114@cert.example.org>"	# plain-advisory.eml

TMP = None
CA = None	# the test CA: good, wrong-host, expired, future certificates
OTHER = None	# another CA, trusted by nobody here
DOVE = {}	# certificate variant -> a running Dovecot serving it
VARIANTS = {"good": ("cert", "key"),
            "wrong_host": ("wrong_host_cert", "wrong_host_key"),
            "expired": ("expired_cert", "expired_key"),
            "future": ("future_cert", "future_key")}


def cert_of(variant):
    c, k = VARIANTS[variant]
    return {"ca": CA["ca"], "cert": CA[c], "key": CA[k]}


def setUpModule():
    global TMP, CA, OTHER
    missing = [p for p in ("openssl", "dovecot") if shutil.which(p) is None]
    if missing or os.geteuid() != 0:
        raise RuntimeError("test_tls needs root and %s (scripts/deps)"
                           % (", ".join(missing) or "root"))
    TMP = tempfile.mkdtemp(prefix="tq-tls.")
    os.chmod(TMP, 0o755)	# the dovecot user reaches its maildirs below
    CA = certs.make_certs(os.path.join(TMP, "ca"), wrong_host=True,
                          expired=True, not_yet_valid=True)
    OTHER = certs.make_certs(os.path.join(TMP, "other-ca"))
    users = {"u%d" % i: IMAP_PW for i in range(NUSERS)}
    # One Dovecot per certificate: starting is quick, restarting is not.
    for v in VARIANTS:
        c = cert_of(v)
        DOVE[v] = Dovecot(os.path.join(TMP, "dovecot-" + v), users=users,
                          cert=c["cert"], key=c["key"])
        DOVE[v].start()


def tearDownModule():
    stoppers = [threading.Thread(target=d.stop) for d in DOVE.values()]
    for t in stoppers:
        t.start()
    for t in stoppers:
        t.join()
    if TMP:
        shutil.rmtree(TMP, ignore_errors=True)


class Base(unittest.TestCase):
    next_user = 0

    def setUp(self):
        self.user = "u%d" % Base.next_user
        Base.next_user += 1
        self.assertLess(Base.next_user, NUSERS)
        self.tmp = tempfile.mkdtemp(prefix="case.", dir=TMP)
        self.cfg = os.path.join(self.tmp, "cfg")
        os.mkdir(self.cfg)
        self.sims = []
        self.addCleanup(self.stop_sims)

    def stop_sims(self):
        for s in self.sims:
            s.stop()

    def sim(self, variant="good"):
        """A fresh ThreatQ emulator serving the variant's certificate."""
        s = TqSim(tempfile.mkdtemp(prefix="sim.", dir=self.tmp),
                  cert=cert_of(variant))
        self.sims.append(s)
        if variant != "good":
            # The test's own admin channel only; the connector verifies.
            s.ctx = ssl._create_unverified_context()
        return s

    def deliver(self, dove):
        with open(os.path.join(DATA, "plain-advisory.eml"), "rb") as f:
            dove.deliver(self.user, f.read())

    def write_config(self, sim, dove, tq_ca=True, imap_ca=True, tq_extra="",
                     imap_extra="", port=None):
        def ca_line(ca):
            if ca is True:
                ca = CA["ca"]
            return "ca_file = %s\n" % ca if ca else ""
        text = ("[threatq]\nhost = %s\nclient_id = %s\nusername = %s\n"
                "password = \"%s\"\n%smax_retries = 1\ntimeout = 10\n%s\n"
                "[mailbox]\nserver = 127.0.0.1:%d\nusername = %s\n"
                "password = \"%s\"\n%stimeout = 20\n%s"
                % (sim.addr, CLIENT_ID, EMAIL, PASSWORD, ca_line(tq_ca),
                   tq_extra, port or dove.imaps_port, self.user, IMAP_PW,
                   ca_line(imap_ca), imap_extra))
        path = os.path.join(self.cfg, NAME + ".ini")
        with open(path, "w") as f:
            f.write(text)
        os.chmod(path, 0o600)

    def run_conn(self, *args):
        r = subprocess.run([BIN, "-c", self.cfg, "-v", "3"] + list(args),
                           capture_output=True, stdin=subprocess.DEVNULL,
                           timeout=RUN_TIMEOUT)
        r.out = (r.stdout + r.stderr).decode("utf-8", "replace")
        return r

    def assertExit(self, r, code):
        self.assertEqual(r.returncode, code, r.out[-4000:])

    def assertSaysOne(self, r, words):
        self.assertTrue(any(w in r.out for w in words),
                        "none of %r in:\n%s" % (words, r.out[-4000:]))

    def assertUnseen(self, dove):
        self.assertEqual(dove.flags(self.user), {MID: set()})

    def assertNothingPushed(self, sim):
        c = sim.counts()
        self.assertEqual((c["attachments"], c["reports"], c["indicators"]),
                         (0, 0, 0), c)

    def logged_in(self, dove):
        """Did this test's user log in to (or try to log in on) dove?"""
        return "user=<%s>" % self.user in dove.log()


class ThreatQ(Base):
    """tqsim serves the certificate under test; the mailbox is fine.  A
    refusal happens in the TLS handshake, before any HTTP request: tqsim's
    request log stays empty, so no password or client secret went out."""

    def refused(self, variant, tq_ca=True, *reason):
        sim = self.sim(variant)
        dove = DOVE["good"]
        self.deliver(dove)
        self.write_config(sim, dove, tq_ca=tq_ca)
        r = self.run_conn()
        self.assertExit(r, EX_CONFIG)
        self.assertIn("ThreatQ", r.out)
        self.assertIn(sim.addr, r.out)		# names the server
        self.assertEqual(sim.log(), [])		# no request reached it
        self.assertEqual(sim.counts()["tokens_issued"], 0)
        self.assertNothingPushed(sim)
        # The mailbox is read first (ThreatQ is contacted only when there
        # is unread mail); nothing in it is marked.
        self.assertUnseen(dove)
        if reason:
            self.assertSaysOne(r, reason)
        return r

    def test_good_with_ca_file(self):
        sim = self.sim("good")
        dove = DOVE["good"]
        self.deliver(dove)
        self.write_config(sim, dove)
        r = self.run_conn()
        self.assertExit(r, 0)
        self.assertEqual(dove.flags(self.user), {MID: {"\\Seen"}})
        self.assertEqual(sim.counts()["attachments"], 1)
        self.assertNotIn("NOT verified", r.out)

    def test_untrusted_without_ca_file(self):
        self.refused("good", None)

    def test_untrusted_other_ca_in_ca_file(self):
        self.refused("good", OTHER["ca"])

    def test_wrong_host(self):
        self.refused("wrong_host", True, "wrong host", "does not match")

    def test_expired(self):
        self.refused("expired")

    def test_not_yet_valid(self):
        self.refused("future")

    # The reason for refusing: libcurl 7.88 with GnuTLS says only "server
    # certificate verification failed" for an untrusted, an expired and a
    # not-yet-valid certificate alike; tq.c asks tls.c for the reason.
    def test_untrusted_reason_named(self):
        self.refused("good", None, "not trusted", "unknown issuer",
                     "signer not trusted")

    def test_untrusted_other_ca_reason_named(self):
        self.refused("good", OTHER["ca"], "not trusted", "unknown issuer",
                     "signer not trusted")

    def test_expired_reason_named(self):
        self.refused("expired", True, "expired")

    def test_not_yet_valid_reason_named(self):
        self.refused("future", True, "not valid before", "not yet valid",
                     "not activated")

    def test_verify_tls_off_accepts_untrusted_with_a_warning(self):
        sim = self.sim("good")
        dove = DOVE["good"]
        self.deliver(dove)
        self.write_config(sim, dove, tq_ca=None, tq_extra="verify_tls = false\n")
        r = self.run_conn()
        self.assertExit(r, 0)
        self.assertIn("WARNING", r.out)
        self.assertIn("is NOT verified", r.out)
        self.assertEqual(dove.flags(self.user), {MID: {"\\Seen"}})


class SystemStore(Base):
    """The system trust store is replaced, for the connector's process only
    (a private mount namespace), by one holding the test CA, as a bundle
    (ca-certificates.crt) and as a hashed file of the directory: without
    ca_file both servers are trusted through it; with a ca_file naming
    another CA neither is, the system store being replaced, not added to
    (libcurl used to load the directory next to a ca_file)."""

    def setUp(self):
        super().setUp()
        if shutil.which("unshare") is None:
            self.fail("unshare not found (util-linux)")
        self.store = os.path.join(self.tmp, "store")
        os.mkdir(self.store)
        with open(CA["ca"], "rb") as f:
            pem = f.read()
        with open(os.path.join(self.store, "ca-certificates.crt"), "wb") as f:
            f.write(pem)
        with open(os.path.join(self.store, "tq-test-ca.pem"), "wb") as f:
            f.write(pem)
        h = subprocess.run(["openssl", "x509", "-noout", "-subject_hash",
                            "-in", CA["ca"]], capture_output=True, check=True)
        os.symlink("tq-test-ca.pem", os.path.join(
            self.store, h.stdout.decode().strip() + ".0"))

    def run_conn(self, *args):
        r = subprocess.run(
            ["unshare", "--mount", "--propagation", "private", "sh", "-c",
             'mount --bind "$0" /etc/ssl/certs && exec "$@"', self.store,
             BIN, "-c", self.cfg, "-v", "3"] + list(args),
            capture_output=True, stdin=subprocess.DEVNULL, timeout=RUN_TIMEOUT)
        r.out = (r.stdout + r.stderr).decode("utf-8", "replace")
        return r

    def test_trusted_through_the_system_store(self):
        sim = self.sim("good")
        dove = DOVE["good"]
        self.deliver(dove)
        self.write_config(sim, dove, tq_ca=None, imap_ca=None)
        r = self.run_conn()
        self.assertExit(r, 0)
        self.assertEqual(dove.flags(self.user), {MID: {"\\Seen"}})
        self.assertEqual(sim.counts()["attachments"], 1)

    def test_threatq_ca_file_replaces_the_system_store(self):
        sim = self.sim("good")
        dove = DOVE["good"]
        self.deliver(dove)
        self.write_config(sim, dove, tq_ca=OTHER["ca"], imap_ca=None)
        r = self.run_conn()
        self.assertExit(r, EX_CONFIG)
        self.assertIn(sim.addr, r.out)
        self.assertEqual(sim.log(), [])
        self.assertUnseen(dove)

    def test_imap_ca_file_replaces_the_system_store(self):
        sim = self.sim("good")
        dove = DOVE["good"]
        self.deliver(dove)
        self.write_config(sim, dove, tq_ca=None, imap_ca=OTHER["ca"])
        r = self.run_conn()
        self.assertExit(r, EX_CONFIG)
        self.assertIn("ca_file " + OTHER["ca"], r.out)
        self.assertFalse(self.logged_in(dove))
        self.assertUnseen(dove)


class Imap(Base):
    """Dovecot serves the certificate under test; ThreatQ is fine.  src/tls.c
    checks the chain after the handshake and before LOGIN: Dovecot never
    sees this test's user name, let alone the password."""

    def refused(self, variant, imap_ca=True, reason=(), args=(), port=None):
        sim = self.sim("good")
        dove = DOVE[variant]
        self.deliver(dove)
        self.write_config(sim, dove, imap_ca=imap_ca,
                          port=port and port(dove))
        r = self.run_conn(*args)
        self.assertExit(r, EX_CONFIG)
        self.assertIn("IMAP: server 127.0.0.1", r.out)	# names the server
        self.assertSaysOne(r, reason)
        self.assertFalse(self.logged_in(dove), dove.log()[-2000:])
        self.assertUnseen(dove)
        self.assertNothingPushed(sim)
        return r

    def test_good_with_ca_file(self):
        sim = self.sim("good")
        dove = DOVE["good"]
        self.deliver(dove)
        self.write_config(sim, dove)
        r = self.run_conn()
        self.assertExit(r, 0)
        self.assertTrue(self.logged_in(dove))
        self.assertEqual(dove.flags(self.user), {MID: {"\\Seen"}})
        self.assertEqual(sim.counts()["attachments"], 1)

    def test_untrusted_without_ca_file(self):
        r = self.refused("good", None, ["not trusted"])
        self.assertIn("the system trust store", r.out)

    def test_untrusted_other_ca_in_ca_file(self):
        r = self.refused("good", OTHER["ca"], ["not trusted"])
        self.assertIn("ca_file " + OTHER["ca"], r.out)

    def test_untrusted_over_starttls(self):
        self.refused("good", None, ["not trusted"], args=["-ds"],
                     port=lambda d: d.imap_port)

    def test_wrong_host(self):
        r = self.refused("wrong_host", True, ["wrong host"])
        self.assertIn("wrong.example", r.out)

    def test_expired(self):
        r = self.refused("expired", True, ["expired"])
        self.assertIn("2001-01-01", r.out)

    def test_not_yet_valid(self):
        r = self.refused("future", True, ["not valid before"])
        self.assertIn("2090-01-01", r.out)

    def test_verify_tls_off_accepts_untrusted_with_a_warning(self):
        sim = self.sim("good")
        dove = DOVE["expired"]
        self.deliver(dove)
        self.write_config(sim, dove, imap_ca=None,
                          imap_extra="verify_tls = false\n")
        r = self.run_conn()
        self.assertExit(r, 0)
        self.assertIn("NOT VERIFIED", r.out)
        self.assertEqual(dove.flags(self.user), {MID: {"\\Seen"}})


if __name__ == "__main__":
    BIN = os.path.abspath(sys.argv[1])
    DATA = os.path.abspath(sys.argv[2])
    unittest.main(argv=[sys.argv[0], "-v"] + sys.argv[3:])
