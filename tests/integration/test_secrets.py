"""No secret leaves the connector except to the server it is for.  With
distinctive passwords, a client secret, a SOCKS password and the tokens
tqsim hands out, runs of every kind -- a full mailbox run at -v 3 through a
real Dovecot, microsocks and tqsim (log on stdout, and with -ll LOGDIR and
-f DIR), --eml --dry-run, --eml, and runs that fail (wrong passwords,
ThreatQ unreachable, bad configuration) -- must not show any of them, raw,
lower-cased, URL-encoded, JSON-escaped, hex or base64 at any alignment
(which covers the AUTHENTICATE PLAIN and HTTP Basic blobs), in stdout,
stderr, the log files, the kept files, the state files beside the
configuration, or what was pushed to ThreatQ.
Needs root, dovecot, microsocks and openssl (missing ones fail the test).
Usage: test_secrets.py BINARY DATADIR
"""
import base64
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import unittest
import urllib.parse

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "imap"))
from tqsim_fixture import TqSim, CLIENT_ID, EMAIL  # noqa: E402
from dovecot import Dovecot, free_port  # noqa: E402

BIN = None
DATA = None
NAME = "tq-conn-intel-mailbox-reports"
SAMPLES = ["plain-advisory", "newsletter-html", "with-attachment", "latin1-qp"]
USER = "intel"
PROXY_USER = "relay"
RUN_TIMEOUT = 120
READY_TIMEOUT = 10.0	# bound on waiting for microsocks to listen
EX_TEMP, EX_AUTH, EX_CONFIG = 75, 77, 78

# Distinctive, and full of what URL, JSON and INI encodings change.  No
# double quote (INI), no colon (Dovecot's passwd-file, HTTP Basic user).
TQ_PW = "S3cr3t-TQ pw/7f3a+&=;#%"
TQ_CS = "S3cr3t-TQ-cs/91bd+&=?"
IMAP_PW = "S3cr3t-IMAP-pw;c40e#+/="
PROXY_PW = "S3cr3t-SOCKS-pw;5e21+/="
# Wrong ones are secrets too: a mistyped password is nearly the real one.
TQ_PW_WRONG = "Wr0ng-TQ pw/e5c1+&=;#"
IMAP_PW_WRONG = "Wr0ng-IMAP-pw;8a2f#+/="
PROXY_PW_WRONG = "Wr0ng-SOCKS-pw;77b0+/="
SECRETS = {"ThreatQ password": TQ_PW, "ThreatQ client secret": TQ_CS,
           "IMAP password": IMAP_PW, "SOCKS password": PROXY_PW,
           "wrong ThreatQ password": TQ_PW_WRONG,
           "wrong IMAP password": IMAP_PW_WRONG,
           "wrong SOCKS password": PROXY_PW_WRONG}
ENV_PW = "TQ_SECRETS_TEST_PW"


def forms(secret):
    """{encoding: bytes} of every form in which secret could leak."""
    s = secret.encode()
    q = urllib.parse
    out = {"raw": s, "url": q.quote(secret, safe="").encode(),
           "url-path": q.quote(secret).encode(),
           "url-form": q.quote_plus(secret).encode(),
           "json": json.dumps(secret)[1:-1].encode(),
           "json-slash": json.dumps(secret)[1:-1].replace("/", "\\/").encode(),
           "hex": s.hex().encode()}
    # Base64 of s inside a longer blob: at each of the three alignments the
    # characters that depend on s alone (the first group holds k bytes of
    # what came before, the last incomplete group what comes after).
    for k in range(3):
        for name, enc in (("base64", base64.b64encode),
                          ("base64url", base64.urlsafe_b64encode)):
            e = enc(b"\0" * k + s)
            out["%s@%d" % (name, k)] = e[4 if k else 0:(k + len(s)) // 3 * 4]
    seen, unique = set(), {}
    for enc, b in out.items():	# one report per distinct form
        if b.lower() not in seen:
            seen.add(b.lower())
            unique[enc] = b
    return unique


WINDOW = 8	# a run of this many characters of a secret is a leak too


def needles(extra=()):
    """[(description, bytes)]: every form of every secret and token, every
    WINDOW characters of each secret (a part shown is a leak), and the
    exact AUTHENTICATE PLAIN and HTTP Basic blobs."""
    out = []
    for what, s in list(SECRETS.items()) + list(extra):
        for enc, b in forms(s).items():
            out.append(("%s (%s)" % (what, enc), b))
    for what, s in SECRETS.items():
        for i in range(len(s) - WINDOW + 1):
            out.append(("%s (characters %d-%d)" % (what, i, i + WINDOW - 1),
                        s[i:i + WINDOW].encode()))
    for pw in (IMAP_PW, IMAP_PW_WRONG):
        for authz in ("", USER):
            out.append(("AUTHENTICATE PLAIN blob",
                        base64.b64encode(("%s\0%s\0%s" % (authz, USER, pw))
                                         .encode())))
    out.append(("HTTP Basic client_id:client_secret",
                base64.b64encode(("%s:%s" % (CLIENT_ID, TQ_CS)).encode())))
    return out


def find_leaks(blobs, extra=()):
    """[(needle description, blob name, context)] for each needle found;
    the search ignores case (a key lower-cased into a warning is still a
    leak)."""
    found = []
    lowered = {k: v.lower() for k, v in blobs.items()}
    for desc, n in needles(extra):
        n = n.lower()
        for name, hay in lowered.items():
            i = hay.find(n)
            if i != -1:
                found.append((desc, name, blobs[name][max(0, i - 60):
                                                     i + len(n) + 20]))
    return found


def read_tree(root, label, skip=()):
    """{label/relative path: bytes} for the files under root."""
    out = {}
    for d, _, files in os.walk(root):
        for fn in files:
            p = os.path.join(d, fn)
            if fn in skip:
                continue
            with open(p, "rb") as f:
                out["%s/%s" % (label, os.path.relpath(p, root))] = f.read()
    return out


def setUpModule():
    missing = [p for p in ("openssl", "dovecot", "microsocks")
               if shutil.which(p) is None]
    if missing or os.geteuid() != 0:
        raise RuntimeError("test_secrets needs root and %s (scripts/deps)"
                           % (", ".join(missing) or "root"))


class Base(unittest.TestCase):
    """One Dovecot, tqsim and microsocks per class (Dovecot slows logins
    from an address after failed ones: the failing runs have their own);
    a configuration directory, kept-files and log directory per test."""
    serial = 0

    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="tq-secrets.")
        cls.addClassCleanup(shutil.rmtree, cls.tmp, True)	# runs last
        os.chmod(cls.tmp, 0o755)	# the dovecot user reaches its maildir
        os.mkdir(os.path.join(cls.tmp, "sim"))
        # Later arguments win: tqsim takes our password, and a client
        # secret for the client_credentials grant.
        cls.sim = TqSim(os.path.join(cls.tmp, "sim"),
                        extra=["--password", TQ_PW, "--client-secret", TQ_CS])
        cls.addClassCleanup(cls.sim.stop)
        cls.dove = Dovecot(os.path.join(cls.tmp, "dovecot"),
                           users={USER: IMAP_PW}, cert=cls.sim.certs["cert"],
                           key=cls.sim.certs["key"])
        cls.addClassCleanup(cls.dove.stop)
        cls.dove.start()
        cls.proxy_port = free_port()
        cls.proxy = subprocess.Popen(
            ["microsocks", "-i", "127.0.0.1", "-p", str(cls.proxy_port),
             "-u", PROXY_USER, "-P", PROXY_PW],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        cls.addClassCleanup(cls.stop_proxy)
        end = time.monotonic() + READY_TIMEOUT
        while True:	# readiness poll of another process, bounded
            if cls.proxy.poll() is not None:
                raise RuntimeError("microsocks exited with %d"
                                   % cls.proxy.returncode)
            try:
                socket.create_connection(("127.0.0.1", cls.proxy_port),
                                         timeout=1).close()
                break
            except OSError:
                if time.monotonic() > end:
                    raise
                time.sleep(0.01)

    @classmethod
    def stop_proxy(cls):
        cls.proxy.kill()
        cls.proxy.wait()

    def setUp(self):
        self.case = tempfile.mkdtemp(prefix="case.", dir=self.tmp)
        self.cfg = os.path.join(self.case, "cfg")
        self.keep = os.path.join(self.case, "keep")
        self.logdir = os.path.join(self.case, "log")
        for d in (self.cfg, self.keep, self.logdir):
            os.mkdir(d)
        self.blobs = {}
        self.env = dict(os.environ)
        self.env.pop(ENV_PW, None)

    # -- setting up a run ----------------------------------------------
    def deliver_samples(self):
        """The samples, with Message-IDs of their own for this delivery."""
        Base.serial += 1
        for n in SAMPLES:
            with open(os.path.join(DATA, n + ".eml"), "rb") as f:
                raw = f.read()
            self.dove.deliver(USER, raw.replace(
                b"Message-ID: <", b"Message-ID: <s%d-" % Base.serial, 1))

    def unseen(self):
        return [k for k, v in self.dove.flags(USER).items()
                if "\\Seen" not in v]

    def write_config(self, tq=None, mailbox=None, proxy_pw=PROXY_PW,
                     tq_host=None, extra=""):
        tq = tq or 'username = %s\npassword = "%s"\n' % (EMAIL, TQ_PW)
        mailbox = mailbox or 'password = "%s"\nauth = plain\n' % IMAP_PW
        text = ("[threatq]\nhost = %s\nclient_id = %s\n%sca_file = %s\n"
                "max_retries = 1\ntimeout = 10\n\n"
                "[mailbox]\nserver = 127.0.0.1:%d\nusername = %s\n%s"
                "ca_file = %s\ntimeout = 20\nproxy_address = 127.0.0.1\n"
                "proxy_port = %d\nproxy_type = socks5\nproxy_username = %s\n"
                "proxy_password = \"%s\"\n%s"
                % (tq_host or self.sim.addr, CLIENT_ID, tq,
                   self.sim.certs["ca"], self.dove.imaps_port, USER, mailbox,
                   self.sim.certs["ca"], self.proxy_port, PROXY_USER,
                   proxy_pw, extra))
        path = os.path.join(self.cfg, NAME + ".ini")
        with open(path, "w") as f:
            f.write(text)
        os.chmod(path, 0o600)
        return path

    def write_pw_file(self, name, secret, mode=0o600):
        path = os.path.join(self.cfg, name)
        with open(path, "w") as f:
            f.write(secret + "\n")
        os.chmod(path, mode)
        return path

    def run_conn(self, label, *args, code=0):
        r = subprocess.run([BIN, "-c", self.cfg, "-v", "3"] + list(args),
                           capture_output=True, stdin=subprocess.DEVNULL,
                           env=self.env, timeout=RUN_TIMEOUT)
        self.blobs[label + ": stdout"] = r.stdout
        self.blobs[label + ": stderr"] = r.stderr
        out = (r.stdout + r.stderr).decode("utf-8", "replace")
        self.assertEqual(r.returncode, code, "%s:\n%s" % (label, out[-4000:]))
        return out

    # -- the check -------------------------------------------------------
    def outputs(self):
        """Everything the runs left: their stdout and stderr, the log
        directory, the kept files, the state files beside the configuration
        (not the .ini and password files, which hold secrets by design) and
        ThreatQ's database (what was pushed)."""
        b = dict(self.blobs)
        b.update(read_tree(self.logdir, "-ll dir"))
        b.update(read_tree(self.keep, "-f dir"))
        b.update(read_tree(self.cfg, "config dir",
                           skip={NAME + ".ini", "tq.pw", "imap.pw"}))
        b.update({k: v for k, v in read_tree(self.sim.dir, "tqsim").items()
                  if os.path.basename(k).startswith("tqsim.db")})
        return b

    def assertNoSecrets(self):
        tokens = []
        for i, t in enumerate(self.sim.tokens()):
            tokens.append(("access token %d" % i, t["access_token"]))
            tokens.append(("refresh token %d" % i, t["refresh_token"]))
        leaks = find_leaks(self.outputs(), tokens)
        self.assertFalse(leaks, "secrets shown:\n" + "\n".join(
            "%s in %s: ...%r..." % leak for leak in leaks[:20]))
        return tokens


class Runs(Base):
    """Runs that succeed, and the check itself."""

    def test_the_check_finds_each_form(self):
        """The matcher itself: each encoding planted in a blob is found."""
        plain = base64.b64encode(("\0%s\0%s" % (USER, IMAP_PW)).encode())
        basic = base64.b64encode(("%s:%s" % (CLIENT_ID, TQ_CS)).encode())
        for desc, blob in (
                ("raw", b"x " + TQ_PW.encode() + b" y"),
                ("lower", b"key '" + PROXY_PW.lower().encode() + b"'"),
                ("part", b"key 'password: " + TQ_PW[:WINDOW].encode() + b"'"),
                ("url", b"password=" + urllib.parse.quote_plus(TQ_PW).encode()),
                ("json", b'{"password": "%s"}'
                 % TQ_PW.replace("/", "\\/").encode()),
                ("plain", b"A1 AUTHENTICATE PLAIN " + plain + b"\r\n"),
                ("basic", b"Authorization: Basic " + basic)):
            self.assertNotEqual(find_leaks({desc: blob}), [], desc)
        for k in range(1, 8):
            blob = base64.b64encode(b"p" * k + IMAP_PW_WRONG.encode() + b"q")
            self.assertNotEqual(find_leaks({"b64": blob}), [], k)
        self.assertEqual(find_leaks({"clean": b"nothing to see: " +
                                     base64.b64encode(b"\0intel\0pw")}), [])

    def test_mailbox_run_log_on_stdout(self):
        self.deliver_samples()
        with open(self.write_config(), "rb") as f:
            found = {d for d, _, _ in find_leaks({"ini": f.read()})}
        for what in ("ThreatQ password", "IMAP password", "SOCKS password"):
            self.assertIn(what + " (raw)", found)	# the check sees them
        n = len(self.unseen())
        out = self.run_conn("mailbox run", "-f", self.keep)
        self.assertIn("DEBUG", out)
        self.assertIn("AUTHENTICATE PLAIN as", out)
        self.assertIn("%d seen, %d ok, 0 failed" % (n, n), out)
        self.assertEqual(self.unseen(), [])
        self.assertGreaterEqual(len(os.listdir(self.keep)), 5)
        self.assertTrue(os.path.getsize(os.path.join(self.cfg,
                                                     NAME + ".journal")))
        self.assertGreater(len(self.assertNoSecrets()), 0)

    def test_mailbox_run_log_dir_client_secret_password_file(self):
        """client_credentials grant, LOGIN, the IMAP password from a file,
        the (unused) ThreatQ password from the environment, -ll and -f."""
        self.deliver_samples()
        self.write_pw_file("imap.pw", IMAP_PW)
        self.env[ENV_PW] = TQ_PW
        self.write_config(
            tq='client_secret = "%s"\nusername = %s\npassword_env = %s\n'
               % (TQ_CS, EMAIL, ENV_PW),
            mailbox="password_file = imap.pw\nauth = login\n")
        tokens_before = self.sim.counts()["tokens_issued"]
        n = len(self.unseen())
        self.run_conn("mailbox run -ll", "-ll", self.logdir, "-f", self.keep)
        self.assertGreater(self.sim.counts()["tokens_issued"], tokens_before)
        with open(os.path.join(self.logdir, NAME + ".log"), "rb") as f:
            log = f.read()
        self.assertIn(b"DEBUG", log)
        self.assertIn(b"LOGIN as", log)
        self.assertIn(b"%d seen, %d ok, 0 failed" % (n, n), log)
        self.assertEqual(self.unseen(), [])
        self.assertGreaterEqual(len(os.listdir(self.keep)), 5)
        self.assertNoSecrets()

    def test_eml_dry_run_and_eml_push(self):
        self.write_config()
        sample = os.path.join(DATA, "with-attachment.eml")
        self.run_conn("--eml --dry-run", "--eml", sample, "--dry-run")
        plans = self.blobs["--eml --dry-run: stdout"].splitlines()
        self.assertEqual(len(plans), 1)
        json.loads(plans[0])
        self.assertIn(b"DEBUG", self.blobs["--eml --dry-run: stderr"])
        self.run_conn("--eml -ll", "--eml", sample, "-ll", self.logdir)
        self.assertTrue(os.path.getsize(os.path.join(self.logdir,
                                                     NAME + ".log")))
        self.assertNoSecrets()


class Failures(Base):
    """Runs that fail, each for one reason, with every secret configured."""

    def test_failing_runs(self):
        self.deliver_samples()

        def case(label, code, *words, **cfg):
            self.write_config(**cfg)
            with self.subTest(label):
                out = self.run_conn(label, code=code)
                for w in words:
                    self.assertIn(w, out)
                # The next run must still find the mail unread.
                self.assertEqual(len(self.unseen()), len(SAMPLES))
        case("wrong IMAP password", EX_AUTH, "login refused",
             mailbox='password = "%s"\n' % IMAP_PW_WRONG)
        case("wrong IMAP password, AUTHENTICATE PLAIN", EX_AUTH,
             "login refused",
             mailbox='password = "%s"\nauth = plain\n' % IMAP_PW_WRONG)
        case("wrong ThreatQ password", EX_AUTH, EMAIL,
             tq='username = %s\npassword = "%s"\n' % (EMAIL, TQ_PW_WRONG))
        case("wrong client secret", EX_AUTH,
             tq='client_secret = "%s"\n' % TQ_PW_WRONG)
        case("wrong SOCKS password", EX_AUTH, proxy_pw=PROXY_PW_WRONG)
        case("ThreatQ unreachable", EX_TEMP,
             tq_host="127.0.0.1:%d" % free_port())
        case("bad value", EX_CONFIG, "timeout", extra="timeout = soon\n")
        case("two passwords", EX_CONFIG, "set only one of",
             mailbox='password = "%s"\npassword_file = imap.pw\n' % IMAP_PW)
        self.write_pw_file("imap.pw", IMAP_PW, mode=0o644)
        case("password file readable by others", EX_CONFIG, "chmod 600",
             mailbox="password_file = imap.pw\n")
        self.env[ENV_PW] = ""
        case("empty password_env", EX_CONFIG, ENV_PW,
             tq="username = %s\npassword_env = %s\n" % (EMAIL, ENV_PW))
        self.assertNoSecrets()

    # A password line written with ':' instead of '=' is split at the
    # secret's first '='; the warning about that line must not quote the
    # part of the secret before it (it once did: "unknown key 'password:
    # s3cr3t-tq pw/7f3a+&'").
    def test_mistyped_password_line(self):
        self.write_config(extra="")
        path = os.path.join(self.cfg, NAME + ".ini")
        with open(path) as f:
            text = f.read()
        with open(path, "w") as f:
            f.write(text.replace('password = "%s"' % TQ_PW,
                                 "password: %s" % TQ_PW))
        self.run_conn("password: typo", code=EX_CONFIG)
        self.assertNoSecrets()


if __name__ == "__main__":
    BIN = os.path.abspath(sys.argv[1])
    DATA = os.path.abspath(sys.argv[2])
    unittest.main(argv=[sys.argv[0], "-v"] + sys.argv[3:])
