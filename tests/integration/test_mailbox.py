"""The cron job end to end: a real Dovecot with unread intel mail, the
ThreatQ emulator, the connector binary.  Nothing lost, nothing doubled,
\\Seen only after success, safe to kill.  Usage: test_mailbox.py BINARY DATADIR
"""
import fcntl
import hashlib
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "imap"))
from tqsim_fixture import TqSim  # noqa: E402
from dovecot import Dovecot  # noqa: E402
from test_socks import Proxy, free_port  # noqa: E402

BIN = None
DATA = None
NAME = "tq-conn-intel-mailbox-reports"
SAMPLES = ["plain-advisory", "newsletter-html", "with-attachment", "latin1-qp"]
USER, PW = "intel", "Imap;Pw#42"
WAIT = 60.0	# upper bound when waiting for an event, never a pacing sleep
# danted as test_socks.py runs it, but SOCKS4 only, to Dovecot's IMAPS port
# only, logging each connect, and going out from 127.0.0.2: the address
# Dovecot sees only for connections that came through this proxy.
DANTE4_CONF = """\
logoutput: {log}
internal: 127.0.0.1 port = {port}
external: 127.0.0.2
socksmethod: none
clientmethod: none
user.privileged: root
user.unprivileged: root
client pass {{ from: 127.0.0.0/8 to: 0.0.0.0/0 }}
socks pass {{
  from: 127.0.0.0/8 to: 127.0.0.1/32 port = {imaps}
  command: connect
  proxyprotocol: socks_v4
  log: connect error
}}
socks block {{
  from: 0.0.0.0/0 to: 0.0.0.0/0
  log: connect error
}}
"""


def raw(name):
    with open(os.path.join(DATA, name + ".eml"), "rb") as f:
        return f.read()


def without_tokens(c):
    c = dict(c)
    c.pop("tokens_issued", None)
    return c


class MailboxBase(unittest.TestCase):
    baseline = None

    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="tqmbx.")
        os.chmod(self.tmp, 0o755)	# the dovecot user must reach its maildir
        os.makedirs(os.path.join(self.tmp, "sim"))
        self.sim = TqSim(os.path.join(self.tmp, "sim"))
        self.dove = Dovecot(os.path.join(self.tmp, "dovecot"), users={USER: PW},
                            cert=self.sim.certs["cert"], key=self.sim.certs["key"])
        self.dove.start()
        self.cfg = os.path.join(self.tmp, "cfg")
        os.mkdir(self.cfg)
        self.write_config()

    def tearDown(self):
        self.dove.stop()
        self.sim.stop()
        shutil.rmtree(self.tmp, ignore_errors=True)

    def write_config(self, tq_extra="max_retries = 1\ntimeout = 5\n", extra=""):
        text = self.sim.config(tq_extra) + (
            "\n[mailbox]\nserver = 127.0.0.1:%d\nusername = %s\npassword = \"%s\"\n"
            "ca_file = %s\ntimeout = 20\n%s" % (self.dove.imaps_port, USER, PW,
                                               self.sim.certs["ca"], extra))
        path = os.path.join(self.cfg, NAME + ".ini")
        with open(path, "w") as f:
            f.write(text)
        os.chmod(path, 0o600)

    def deliver_samples(self):
        for n in SAMPLES:
            self.dove.deliver(USER, raw(n))

    def run_conn(self, *args, timeout=180):
        return subprocess.run([BIN, "-c", self.cfg, "-v", "3"] + list(args),
                              capture_output=True, stdin=subprocess.DEVNULL,
                              timeout=timeout)

    def start_conn(self, *args):
        return subprocess.Popen([BIN, "-c", self.cfg, "-v", "3"] + list(args),
                                stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                stdin=subprocess.DEVNULL)

    def assertExit(self, r, code):
        out = (r.stdout or b"") + (r.stderr or b"")
        self.assertEqual(r.returncode, code, out.decode(errors="replace")[-4000:])

    def seen(self):
        return {k: ("\\Seen" in v) for k, v in self.dove.flags(USER).items()}

    def expected_counts(self):
        """What a clean push of the samples leaves in ThreatQ (another
        emulator, --eml): the reference for 'nothing lost, nothing doubled'."""
        if MailboxBase.baseline is None:
            d = tempfile.mkdtemp(prefix="tqref.")
            sim = TqSim(d)
            try:
                cfgp = os.path.join(d, NAME + ".ini")
                with open(cfgp, "w") as f:
                    f.write(sim.config())
                os.chmod(cfgp, 0o600)
                argv = [BIN, "-c", d]
                for n in SAMPLES:
                    argv += ["--eml", os.path.join(DATA, n + ".eml")]
                r = subprocess.run(argv, capture_output=True, timeout=120)
                assert r.returncode == 0, r.stderr
                MailboxBase.baseline = without_tokens(sim.counts())
            finally:
                sim.stop()
                shutil.rmtree(d, ignore_errors=True)
        return MailboxBase.baseline

    def wait_for_request(self, path_prefix, nth=1):
        end = time.monotonic() + WAIT
        while time.monotonic() < end:
            hits = [e for e in self.sim.log() if e["path"].startswith(path_prefix)]
            if len(hits) >= nth:
                return
            time.sleep(0.05)	# polling an external process, bounded by WAIT
        self.fail("no request to %s within %s s" % (path_prefix, WAIT))



class Mailbox(MailboxBase):
    """The run's transaction per message."""

    def test_unread_mail_pushed_then_seen(self):
        self.deliver_samples()
        old = self.dove.deliver(USER, raw("plain-advisory").replace(
            b"adv-2026-114", b"adv-old-1"), seen=True)
        r = self.run_conn()
        self.assertExit(r, 0)
        self.assertTrue(all(self.seen().values()), self.dove.flags(USER))
        self.assertEqual(without_tokens(self.sim.counts()), self.expected_counts())
        self.assertIn(b"4 seen, 4 ok, 0 failed", r.stdout + r.stderr)
        # A second run finds nothing and changes nothing, and does not
        # even contact ThreatQ (no login, no catalogue reads).
        before = len(self.sim.log())
        r = self.run_conn()
        self.assertExit(r, 0)
        self.assertIn(b"0 seen", r.stdout + r.stderr)
        self.assertIn(b"0 requests", r.stdout + r.stderr)
        self.assertEqual(self.sim.log()[before:], [])
        self.assertEqual(without_tokens(self.sim.counts()), self.expected_counts())
        self.assertTrue(old)

    def test_fetch_does_not_set_seen_when_threatq_fails(self):
        self.deliver_samples()
        self.sim.fault(method="POST", path_prefix="/api/report/consume",
                       kind="status", status=503, count=1000)
        r = self.run_conn()
        self.assertExit(r, 75)
        self.assertFalse(any(self.seen().values()), self.dove.flags(USER))
        self.sim.clear_faults()
        self.assertExit(self.run_conn(), 0)
        self.assertTrue(all(self.seen().values()))
        self.assertEqual(without_tokens(self.sim.counts()), self.expected_counts())

    def test_killed_mid_push_then_next_run_completes(self):
        self.deliver_samples()
        # Hold the second message's indicators in ThreatQ, kill the run there.
        self.sim.fault(method="POST", path_prefix="/api/indicators/consume",
                       kind="slow", delay=30, when="after", count=1)
        self.write_config(tq_extra="max_retries = 1\ntimeout = 60\n")
        p = self.start_conn()
        try:
            self.wait_for_request("/api/indicators/consume")
            p.send_signal(signal.SIGKILL)
            p.wait(timeout=WAIT)
        finally:
            if p.poll() is None:
                p.kill()
            p.stdout.close()
        self.sim.clear_faults()
        self.assertFalse(all(self.seen().values()))
        self.assertExit(self.run_conn(), 0)
        self.assertTrue(all(self.seen().values()))
        self.assertEqual(without_tokens(self.sim.counts()), self.expected_counts())

    def test_sigterm_finishes_current_message(self):
        self.deliver_samples()
        self.write_config(tq_extra="max_retries = 1\ntimeout = 60\n",
                          extra="\n[connector]\nmax_in_flight = 1\n")
        self.sim.fault(method="POST", path_prefix="/api/report/consume",
                       kind="slow", delay=2, when="before", count=1)
        p = self.start_conn()
        try:
            self.wait_for_request("/api/report/consume")
            p.send_signal(signal.SIGTERM)
            out, _ = p.communicate(timeout=WAIT)
        finally:
            if p.poll() is None:
                p.kill()
        self.assertEqual(p.returncode, 75, out.decode(errors="replace")[-3000:])
        seen = self.seen()
        self.assertEqual(sum(seen.values()), 1, seen)	# the one in hand
        self.assertExit(self.run_conn(), 0)
        self.assertTrue(all(self.seen().values()))
        self.assertEqual(without_tokens(self.sim.counts()), self.expected_counts())

    def test_sigterm_finishes_messages_in_flight(self):
        # Two pushes at once, each held 3 s in ThreatQ; SIGTERM while both
        # wait: both end their transactions, the other two are not started.
        self.deliver_samples()
        self.write_config(tq_extra="max_retries = 1\ntimeout = 60\n",
                          extra="\n[connector]\nmax_in_flight = 2\n")
        self.sim.fault(method="POST", path_prefix="/api/report/consume",
                       kind="slow", delay=3, when="before", count=4)
        p = self.start_conn()
        try:
            self.wait_for_request("/api/report/consume", nth=2)
            p.send_signal(signal.SIGTERM)
            out, _ = p.communicate(timeout=WAIT)
        finally:
            if p.poll() is None:
                p.kill()
        text = out.decode(errors="replace")
        self.assertEqual(p.returncode, 75, text[-3000:])
        self.assertIn("pushing up to 2 messages at once", text)
        self.assertEqual(sum(self.seen().values()), 2, text[-3000:])
        self.assertEqual(len([e for e in self.sim.log()
                              if e["path"] == "/api/report/consume"]), 2)
        self.sim.clear_faults()
        self.assertExit(self.run_conn(), 0)
        self.assertTrue(all(self.seen().values()))
        self.assertEqual(without_tokens(self.sim.counts()), self.expected_counts())

    def test_same_bytes_twice_at_once_are_one_file(self):
        # Each sample delivered twice, eight pushes allowed at once: a copy
        # waits for its twin (ThreatQ finds files by MD5 before uploading),
        # so nothing is uploaded twice, and all eight are marked read.
        for n in SAMPLES:
            self.dove.deliver(USER, raw(n))
            self.dove.deliver(USER, raw(n))
        self.write_config(extra="\n[connector]\nmax_in_flight = 8\n")
        r = self.run_conn()
        self.assertExit(r, 0)
        self.assertIn(b"pushing up to 8 messages at once", r.stdout + r.stderr)
        files = list(self.dove._files(USER, "INBOX"))
        self.assertEqual(len(files), 8)
        self.assertTrue(all(":2," in fn and "S" in fn.split(":2,", 1)[1]
                            for _, _, fn in files), files)
        self.assertEqual(without_tokens(self.sim.counts()), self.expected_counts())

    def test_second_run_while_locked_exits_75(self):
        self.deliver_samples()
        with open(os.path.join(self.cfg, NAME + ".lock"), "w") as f:
            fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
            r = self.run_conn()
        self.assertExit(r, 75)
        self.assertIn(b"lock", r.stdout + r.stderr)
        self.assertFalse(any(self.seen().values()))

    def test_poison_message_set_aside_after_max_attempts(self):
        # Nested beyond the MIME depth bound: can never be planned.
        bomb = b"From: x@example.org\r\nSubject: bomb\r\nMessage-ID: <bomb@x>\r\n"
        body = b""
        for i in range(100):
            bomb += b"MIME-Version: 1.0\r\n" if i == 0 else b""
            body += b"Content-Type: multipart/mixed; boundary=\"b%d\"\r\n\r\n--b%d\r\n" % (i, i)
        self.dove.deliver(USER, bomb + body + b"\r\n")
        self.dove.deliver(USER, raw("plain-advisory"))
        self.write_config(extra="")
        path = os.path.join(self.cfg, NAME + ".ini")
        with open(path, "a") as f:
            f.write("\n[connector]\nmax_attempts = 2\n")
        r1 = self.run_conn()
        self.assertExit(r1, 1)
        flags = self.dove.flags(USER)
        self.assertEqual(flags["<bomb@x>"], set())
        self.assertIn("\\Seen", flags["<adv-2026-114@cert.example.org>"])
        self.assertExit(self.run_conn(), 1)
        self.assertEqual(self.dove.flags(USER)["<bomb@x>"], set())
        r3 = self.run_conn()
        self.assertExit(r3, 1)
        self.assertEqual(self.dove.flags(USER)["<bomb@x>"], {"\\Seen", "$TQ-Failed"})
        self.assertIn(b"setting it aside", r3.stdout + r3.stderr)
        # Still in the mailbox: nothing is ever deleted.
        self.assertIn("<bomb@x>", self.dove.messages(USER))

    def test_no_differential_changes_nothing(self):
        self.deliver_samples()
        self.assertExit(self.run_conn("-d"), 0)
        self.assertFalse(any(self.seen().values()))
        self.assertFalse(os.path.exists(os.path.join(self.cfg, NAME + ".journal")))

    def test_files_dir_keeps_raw_messages(self):
        self.deliver_samples()
        keep = os.path.join(self.tmp, "keep")
        os.mkdir(keep)
        self.assertExit(self.run_conn("-f", keep), 0)
        kept = sorted(os.listdir(keep))
        # The four messages and the one attachment (iocs.csv), decoded.
        self.assertEqual(len(kept), 5, kept)
        atts = [k for k in kept if not k.endswith(".eml")]
        self.assertEqual(len(atts), 1)
        self.assertTrue(atts[0].endswith("-iocs.csv"))
        with open(os.path.join(keep, atts[0]), "rb") as f, \
                open(os.path.join(DATA, "attachment-iocs.csv"), "rb") as g:
            self.assertEqual(f.read(), g.read())
        blobs = set()
        for k in kept:
            if k in atts:
                continue
            self.assertTrue(k.endswith(".eml") and "/" not in k)
            with open(os.path.join(keep, k), "rb") as f:
                blobs.add(f.read())
        # IMAP serves lines ending in CRLF; the content is the same.
        self.assertEqual({b.replace(b"\r\n", b"\n") for b in blobs},
                         {raw(n).replace(b"\r\n", b"\n") for n in SAMPLES})

    def test_wrong_imap_password_exits_77(self):
        self.deliver_samples()
        path = os.path.join(self.cfg, NAME + ".ini")
        with open(path) as f:
            text = f.read()
        with open(path, "w") as f:
            f.write(text.replace(PW, "wrong-imap-pw"))
        r = self.run_conn()
        self.assertExit(r, 77)
        self.assertNotIn(b"wrong-imap-pw", r.stdout + r.stderr)
        self.assertNotIn(PW.encode(), r.stdout + r.stderr)


class MailboxFailures(MailboxBase):
    """The IMAP side failing, a changed UIDVALIDITY, quarantine by moving,
    and the mailbox reached through real SOCKS5 and SOCKS4 proxies."""

    def uid_map(self):
        """{Message-ID: (uidvalidity, uid)} from Dovecot's uidlist."""
        md = self.dove.maildir(USER)
        with open(os.path.join(md, "dovecot-uidlist")) as f:
            lines = f.read().splitlines()
        uv = int([t for t in lines[0].split() if t.startswith("V")][0][1:])
        byname = {}
        for line in lines[1:]:
            uid, _, name = line.partition(":")
            byname[name.split(":")[0].strip()] = int(uid.split()[0])
        out = {}
        for sub in ("new", "cur"):
            for fn in os.listdir(os.path.join(md, sub)):
                with open(os.path.join(md, sub, fn), "rb") as f:
                    data = f.read()
                mid = [l for l in data.split(b"\n") if l.lower().startswith(b"message-id:")]
                out[mid[0].split(b":", 1)[1].strip().decode()] = (uv, byname[fn.split(":")[0]])
        return out

    def test_imap_drop_after_push_then_next_run_only_marks_seen(self):
        self.deliver_samples()
        # One message in flight: with more, the others' pushes end, and
        # their \Seen is set, between the held request and the kill.
        self.write_config(tq_extra="max_retries = 1\ntimeout = 60\n",
                          extra="\n[connector]\nmax_in_flight = 1\n")
        self.sim.fault(method="POST", path_prefix="/api/report/consume",
                       kind="slow", delay=3, when="before", count=1)
        p = self.start_conn()
        try:
            self.wait_for_request("/api/report/consume")
            # The IMAP connection dies mid-message: kill the imap process
            # serving it (a child of this Dovecot's master).
            killed = subprocess.run(["pkill", "-KILL", "-x", "-P",
                                     str(self.dove._master_pid()), "imap"])
            self.assertEqual(killed.returncode, 0)
            out, _ = p.communicate(timeout=WAIT)
        finally:
            if p.poll() is None:
                p.kill()
        self.assertEqual(p.returncode, 75, out.decode(errors="replace")[-3000:])
        self.assertFalse(any(self.seen().values()))
        pushed = without_tokens(self.sim.counts())
        self.assertGreater(pushed["attachments"], 0)
        self.sim.clear_log()
        r = self.run_conn()
        self.assertExit(r, 0)
        self.assertTrue(all(self.seen().values()))
        self.assertIn(b"already in ThreatQ", r.stdout + r.stderr)
        self.assertEqual(without_tokens(self.sim.counts()), self.expected_counts())
        # The message pushed before the drop was not uploaded again: this
        # run uploaded exactly the files the first one had not.
        uploads = [e for e in self.sim.log()
                   if e["method"] == "POST" and e["path"] == "/api/attachments"]
        self.assertEqual(len(uploads), self.expected_counts()["attachments"] -
                         pushed["attachments"])

    def test_uidvalidity_change_recognised_by_content(self):
        self.deliver_samples()
        self.assertExit(self.run_conn("-d"), 0)		# pushes, marks nothing
        uids = self.uid_map()
        # The journal knows these as pushed under an older UIDVALIDITY.
        with open(os.path.join(self.cfg, NAME + ".journal"), "w") as f:
            f.write("tqjournal 1\n")
            for n in SAMPLES:
                crlf = raw(n).replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")
                mid = "<%s>" % [l for l in raw(n).decode("latin-1").splitlines()
                                if l.lower().startswith("message-id:")][0].split("<", 1)[1].split(">")[0]
                uv, uid = uids[mid]
                f.write("D %d %d %s 1\n" % (uv - 1, uid, hashlib.sha256(crlf).hexdigest()))
        self.sim.clear_log()
        r = self.run_conn()
        self.assertExit(r, 0)
        self.assertTrue(all(self.seen().values()))
        writes = [e for e in self.sim.log() if e["method"] == "POST" and
                  e["path"] != "/api/token"]
        self.assertEqual(writes, [])

    def test_failed_folder_moves_poison(self):
        bomb = b"From: x@example.org\r\nSubject: bomb\r\nMessage-ID: <bomb@x>\r\n"
        for i in range(100):
            bomb += b"Content-Type: multipart/mixed; boundary=\"b%d\"\r\n\r\n--b%d\r\n" % (i, i)
        self.dove.deliver(USER, bomb)
        self.dove.create_folder(USER, "Failed intel")
        path = os.path.join(self.cfg, NAME + ".ini")
        with open(path) as f:
            text = f.read()
        with open(path, "w") as f:
            f.write(text.replace("[mailbox]\n", "[mailbox]\nfailed_folder = Failed intel\n")
                    + "\n[connector]\nmax_attempts = 1\n")
        self.assertExit(self.run_conn(), 1)
        self.assertExit(self.run_conn(), 1)
        self.assertNotIn("<bomb@x>", self.dove.messages(USER))
        self.assertIn("<bomb@x>", self.dove.messages(USER, "Failed intel"))

    def test_through_socks5_proxy(self):
        import socket
        self.deliver_samples()
        s = socket.socket()
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
        s.close()
        proxy = subprocess.Popen(["microsocks", "-i", "127.0.0.1", "-p", str(port),
                                  "-u", "relay", "-P", "Pr0xy;pw"],
                                 stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            end = time.monotonic() + WAIT
            while True:
                try:
                    socket.create_connection(("127.0.0.1", port), timeout=1).close()
                    break
                except OSError:
                    if time.monotonic() > end:
                        raise
                    time.sleep(0.05)	# waiting for the proxy to listen
            proxy_cfg = ("proxy_address = 127.0.0.1\nproxy_port = %d\n"
                         "proxy_type = socks5\nproxy_username = relay\n" % port)
            self.write_config(extra=proxy_cfg + "proxy_password = wrong-proxy-pw\n")
            r = self.run_conn()
            self.assertExit(r, 77)		# the proxy refuses the login
            self.assertNotIn(b"wrong-proxy-pw", r.stdout + r.stderr)
            self.write_config(extra=proxy_cfg + "proxy_password = \"Pr0xy;pw\"\n")
            r = self.run_conn()
            self.assertExit(r, 0)
            self.assertNotIn(b"Pr0xy;pw", r.stdout + r.stderr)
            self.assertTrue(all(self.seen().values()))
        finally:
            proxy.kill()
            proxy.wait()
        # And with the proxy gone, the run says so and leaves the mail alone.
        for n in SAMPLES:
            self.dove.deliver(USER, raw(n).replace(b"Message-ID: <", b"Message-ID: <again-"))
        r = self.run_conn()
        self.assertExit(r, 75)
        self.assertIn(b"SOCKS", r.stdout + r.stderr)

    def test_through_socks4_proxy(self):
        """danted, SOCKS4 only (no SOCKS4a in Dante: the server by address),
        with a user id.  A missing danted fails: scripts/deps installs it."""
        self.assertTrue(shutil.which("danted"), "missing: danted (run scripts/deps)")
        self.assertEqual(os.geteuid(), 0, "danted here runs as root")
        self.deliver_samples()
        port, imaps = free_port(), self.dove.imaps_port
        conf, log = (os.path.join(self.tmp, n) for n in ("danted.conf", "danted.log"))
        with open(conf, "w") as f:
            f.write(DANTE4_CONF.format(log=log, port=port, imaps=imaps))
        proxy = Proxy(["danted", "-f", conf, "-N", "1"], port,
                      os.path.join(self.tmp, "danted.out"))
        # Dante logs a session's connect before it relays a byte of it.
        passed = re.compile(r"pass\(1\): tcp/connect \S+ 127\.0\.0\.1\.\d+ "
                            r"127\.0\.0\.1\.%d -> 127\.0\.0\.2\.\d+ 127\.0\.0\.1\.%d$"
                            % (port, imaps), re.M)
        proxy_cfg = ("proxy_address = 127.0.0.1\nproxy_port = %d\n"
                     "proxy_username = tq-intel\n" % port)
        try:
            # The same proxy refuses SOCKS5: what it passes below is SOCKS4.
            self.write_config(extra=proxy_cfg + "proxy_type = socks5\n")
            r = self.run_conn()
            self.assertExit(r, 75)
            self.assertIn(b"SOCKS5 proxy 127.0.0.1:%d" % port, r.stdout + r.stderr)
            self.assertFalse(any(self.seen().values()))
            with open(log) as f:
                self.assertIsNone(passed.search(f.read()))
            self.write_config(extra=proxy_cfg + "proxy_type = socks4\n")
            r = self.run_conn()
            self.assertExit(r, 0)
            self.assertIn(b"4 seen, 4 ok, 0 failed", r.stdout + r.stderr)
            self.assertTrue(all(self.seen().values()), self.dove.flags(USER))
            self.assertEqual(without_tokens(self.sim.counts()), self.expected_counts())
            with open(log) as f:
                text = f.read()
            self.assertTrue(passed.search(text), text)
        finally:
            proxy.stop()
        # Dovecot saw the login from the proxy's outside address, and only
        # from there (its log is written by another process: wait for it).
        end = time.monotonic() + WAIT
        while not re.search(r"imap-login: Info: Login: user=<%s>" % USER, self.dove.log()):
            self.assertLess(time.monotonic(), end, self.dove.log())
            time.sleep(0.05)	# polling an external process, bounded by WAIT
        logins = re.findall(r"imap-login: Info: Login: user=<%s>.*" % USER, self.dove.log())
        self.assertTrue(all("rip=127.0.0.2," in l for l in logins), logins)


if __name__ == "__main__":
    BIN = os.path.abspath(sys.argv[1])
    DATA = os.path.abspath(sys.argv[2])
    unittest.main(argv=[sys.argv[0], "-v"] + sys.argv[3:])
