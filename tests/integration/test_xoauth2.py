"""auth = xoauth2 end to end: a real Dovecot whose oauth2 passdb asks a
loopback introspection endpoint (tests/integration/oauth_server.py), which
also serves the token endpoint the connector asks over HTTPS, the ThreatQ
emulator, the connector binary.

The refresh_token grant logs in and reads mail; the access token is cached
in CONFIG/NAME.oauth2 and reused by the next run without a token request;
an expired one is renewed; a rotated refresh token is saved and used next
time (the old one is then refused); the client_credentials grant works; a
refused refresh token or client is exit 77 with a message naming the token
endpoint; an unreachable endpoint is exit 75; an IMAP server refusing the
cached token gets one new token and one more login, and no more.  No
secret or token ever shows in the output.
Needs root, dovecot and openssl.  Usage: test_xoauth2.py BINARY DATADIR
"""
import json
import os
import re
import shutil
import socket
import stat
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
from oauth_server import OAuthServer  # noqa: E402
from test_secrets import forms  # noqa: E402
from test_socks import Proxy, free_port  # noqa: E402

BIN = None
DATA = None
NAME = "tq-conn-intel-mailbox-reports"
USER = "intel"
# Distinctive, with what form encoding changes.
CLIENT_ID = "tq-mailbox.apps.example"
CLIENT_SECRET = "S3cr3t-OAuth-cs/4d1e+&=~"
REFRESH = "1//0gS3cr3t-Refresh_t0k~en/9f"
SCOPE = "https://outlook.office365.com/.default"
EX_OK, EX_TEMP, EX_AUTH, EX_CONFIG = 0, 75, 77, 78
RUN_TIMEOUT = 120


def raw(name):
    with open(os.path.join(DATA, name + ".eml"), "rb") as f:
        return f.read()


def closed_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


class XOAuth2(unittest.TestCase):
    # One emulator, one token endpoint and one Dovecot for all the cases
    # (starting them took most of the test's time); each case resets the
    # endpoint, empties the mailbox and gets a configuration directory of
    # its own.
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="tqxoauth2.")
        os.chmod(cls.tmp, 0o755)	# the dovecot user must reach its maildir
        os.makedirs(os.path.join(cls.tmp, "sim"))
        cls.sim = TqSim(os.path.join(cls.tmp, "sim"))
        c = cls.sim.certs
        cls.oa = OAuthServer(c["cert"], c["key"], CLIENT_ID, CLIENT_SECRET,
                             USER, refresh_tokens=[REFRESH], scope=SCOPE)
        cls.dove = Dovecot(
            os.path.join(cls.tmp, "dovecot"), users={USER: "unused-pw"},
            cert=c["cert"], key=c["key"],
            oauth2={"introspection_url": cls.oa.url("/introspect"),
                    "introspection_mode": "post",
                    "username_attribute": "username",
                    "active_attribute": "active", "active_value": "true",
                    "tls_ca_cert_file": c["ca"]})
        cls.dove.start()

    @classmethod
    def tearDownClass(cls):
        cls.dove.stop()
        cls.oa.stop()
        cls.sim.stop()
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def setUp(self):
        self.oa.reset()
        for _, path, _ in list(self.dove._files(USER, "INBOX")):
            os.remove(path)
        self.log0 = len(self.dove.log())
        self.cfg = tempfile.mkdtemp(prefix="cfg.", dir=self.tmp)
        self.state_path = os.path.join(self.cfg, NAME + ".oauth2")
        self.extra_secrets = []
        self.write_config()

    def write_config(self, refresh=REFRESH, scope=None, url=None,
                     secret=CLIENT_SECRET, ca=True, port=None, extra=""):
        mb = ("[mailbox]\nserver = 127.0.0.1:%d\nusername = %s\n"
              "ca_file = %s\ntimeout = 20\nauth = xoauth2\n"
              "oauth2_client_id = %s\n"
              % (port or self.dove.imaps_port, USER, self.sim.certs["ca"],
                 CLIENT_ID))
        mb += "oauth2_token_url = %s\n" % (url or self.oa.url("/token"))
        if ca:
            mb += "oauth2_ca_file = %s\n" % self.sim.certs["ca"]
        if secret:
            mb += "oauth2_client_secret = \"%s\"\n" % secret
        if refresh:
            mb += "oauth2_refresh_token = \"%s\"\n" % refresh
        if scope:
            mb += "oauth2_scope = %s\n" % scope
        path = os.path.join(self.cfg, NAME + ".ini")
        with open(path, "w") as f:
            f.write(self.sim.config("max_retries = 1\ntimeout = 5\n") +
                    "\n" + mb + extra)
        os.chmod(path, 0o600)

    def run_conn(self, *args):
        r = subprocess.run([BIN, "-c", self.cfg, "-v", "3"] + list(args),
                           capture_output=True, stdin=subprocess.DEVNULL,
                           timeout=RUN_TIMEOUT)
        self.assertNoSecrets(r)
        return r

    def out(self, r):
        return (r.stdout + r.stderr).decode(errors="replace")

    def assertExit(self, r, code):
        self.assertEqual(r.returncode, code, self.out(r)[-4000:])

    def assertNoSecrets(self, r):
        blob = (r.stdout + r.stderr).lower()
        secrets = [CLIENT_SECRET, REFRESH] + self.extra_secrets
        secrets += list(self.oa.issued)
        for s in secrets:
            for enc, b in forms(s).items():
                self.assertNotIn(b.lower(), blob,
                                 "a secret shows in the output (%s)" % enc)

    def state(self):
        with open(self.state_path) as f:
            return json.load(f)

    def set_expiry(self, at):
        st = self.state()
        st["expires_at"] = at
        with open(self.state_path, "w") as f:
            json.dump(st, f)

    def deliver(self, name="plain-advisory"):
        self.dove.deliver(USER, raw(name))

    def seen(self):
        return [("\\Seen" in v) for v in self.dove.flags(USER).values()]

    def xoauth2_logins(self):
        """Dovecot's successful XOAUTH2 logins (its log is written by
        another process: wait for the count to settle)."""
        n, end = -1, time.monotonic() + 5
        while time.monotonic() < end:
            m = len(re.findall(r"Login: user=<%s>, method=XOAUTH2" % USER,
                               self.dove.log()[self.log0:]))
            if m == n:
                return m
            n = m
            time.sleep(0.2)	# polling an external process, bounded
        return n

    # -- the refresh_token grant -------------------------------------
    def test_refresh_token_grant_reads_mail(self):
        self.deliver("plain-advisory")
        self.deliver("newsletter-html")
        r = self.run_conn()
        self.assertExit(r, EX_OK)
        self.assertIn("2 seen, 2 ok, 0 failed", self.out(r))
        self.assertEqual(self.seen(), [True, True])
        self.assertEqual(self.oa.grants(), ["refresh_token"])
        req = self.oa.token_requests[0]
        self.assertEqual(req, {"grant_type": "refresh_token",
                               "refresh_token": REFRESH,
                               "client_id": CLIENT_ID,
                               "client_secret": CLIENT_SECRET})
        self.assertEqual(self.xoauth2_logins(), 1)
        # The state file: private, the token and its expiry, no refresh
        # token (the server did not rotate it).
        mode = stat.S_IMODE(os.stat(self.state_path).st_mode)
        self.assertEqual(mode, 0o600)
        st = self.state()
        self.assertEqual(st["access_token"], self.oa.issued[0])
        self.assertAlmostEqual(st["expires_at"], time.time() + 3600,
                               delta=60)
        self.assertNotIn("refresh_token", st)
        self.assertEqual([f for f in os.listdir(self.cfg) if ".tmp" in f], [])

    def test_cached_token_reused_without_request(self):
        self.assertExit(self.run_conn(), EX_OK)
        self.deliver()
        r = self.run_conn()
        self.assertExit(r, EX_OK)
        self.assertIn("1 seen, 1 ok", self.out(r))
        self.assertIn("cached access token", self.out(r))
        self.assertEqual(self.oa.grants(), ["refresh_token"])
        self.assertEqual(self.oa.introspections, [self.oa.issued[0]] * 2)
        self.assertEqual(self.xoauth2_logins(), 2)

    def test_expired_cached_token_renewed(self):
        self.assertExit(self.run_conn(), EX_OK)
        first = self.state()["access_token"]
        self.set_expiry(int(time.time()) - 5)
        self.assertExit(self.run_conn(), EX_OK)
        self.assertEqual(self.oa.grants(), ["refresh_token"] * 2)
        self.assertNotEqual(self.state()["access_token"], first)
        self.assertEqual(self.oa.introspections[-1],
                         self.state()["access_token"])
        # Less than a minute left is expired too.
        self.set_expiry(int(time.time()) + 30)
        self.assertExit(self.run_conn(), EX_OK)
        self.assertEqual(self.oa.grants(), ["refresh_token"] * 3)

    def test_token_without_expiry_not_kept(self):
        self.oa.expires_in = None
        r = self.run_conn()
        self.assertExit(r, EX_OK)
        self.assertIn("life not given", self.out(r))
        self.assertNotIn("access_token", self.state())
        self.assertExit(self.run_conn(), EX_OK)
        self.assertEqual(self.oa.grants(), ["refresh_token"] * 2)

    def test_rotated_refresh_token_saved_and_used(self):
        self.oa.rotate = True
        r = self.run_conn()
        self.assertExit(r, EX_OK)
        self.assertIn("new refresh token, saved", self.out(r))
        rt2 = self.state()["refresh_token"]
        self.assertNotEqual(rt2, REFRESH)
        self.assertNotIn(REFRESH, self.oa.refresh_valid)
        self.set_expiry(int(time.time()) - 5)
        self.deliver()
        r = self.run_conn()
        self.assertExit(r, EX_OK)
        self.assertIn("1 seen, 1 ok", self.out(r))
        self.assertEqual(self.oa.token_requests[1]["refresh_token"], rt2)
        rt3 = self.state()["refresh_token"]
        self.assertNotIn(rt3, (REFRESH, rt2))
        self.assertEqual(stat.S_IMODE(os.stat(self.state_path).st_mode),
                         0o600)
        # Without the state file the configured, rotated-away token is
        # all there is, and the endpoint refuses it.
        os.unlink(self.state_path)
        r = self.run_conn()
        self.assertExit(r, EX_AUTH)
        self.assertIn("refused the configured refresh token", self.out(r))
        self.assertEqual(self.oa.token_requests[-1]["refresh_token"], REFRESH)

    def test_other_settings_ignore_the_state(self):
        self.oa.rotate = True
        self.assertExit(self.run_conn(), EX_OK)
        # A new refresh token put in the configuration (a new consent)
        # replaces what the state file kept for the old one.
        new = "1//0gS3cr3t-New-consent"
        self.extra_secrets.append(new)
        self.oa.refresh_valid.add(new)
        self.write_config(refresh=new)
        r = self.run_conn()
        self.assertExit(r, EX_OK)
        self.assertIn("made for other OAuth settings", self.out(r))
        self.assertEqual(self.oa.token_requests[-1]["refresh_token"], new)

    # -- the client_credentials grant --------------------------------
    def test_client_credentials_grant(self):
        self.write_config(refresh=None, scope=SCOPE)
        self.deliver()
        r = self.run_conn()
        self.assertExit(r, EX_OK)
        self.assertIn("1 seen, 1 ok", self.out(r))
        self.assertEqual(self.oa.token_requests,
                         [{"grant_type": "client_credentials",
                           "client_id": CLIENT_ID,
                           "client_secret": CLIENT_SECRET, "scope": SCOPE}])
        st = self.state()
        self.assertEqual(st["access_token"], self.oa.issued[0])
        self.assertNotIn("refresh_token", st)
        self.assertExit(self.run_conn(), EX_OK)
        self.assertEqual(len(self.oa.token_requests), 1)

    # -- refusals and failures ---------------------------------------
    def test_bad_refresh_token_exits_77(self):
        bad = "1//0gS3cr3t-Revoked-token"
        self.extra_secrets.append(bad)
        self.write_config(refresh=bad)
        self.deliver()
        r = self.run_conn()
        self.assertExit(r, EX_AUTH)
        self.assertIn("OAuth token endpoint %s refused the configured "
                      "refresh token (HTTP 400: invalid_grant: Token has "
                      "been expired or revoked.); a new refresh token is "
                      "needed in oauth2_refresh_token"
                      % self.oa.url("/token"), self.out(r))
        self.assertEqual(self.seen(), [False])
        self.assertFalse(os.path.exists(self.state_path))
        self.assertEqual(self.oa.introspections, [])

    def test_bad_client_secret_exits_77(self):
        wrong = "Wr0ng-OAuth-cs/77+&="
        self.extra_secrets.append(wrong)
        self.write_config(secret=wrong)
        r = self.run_conn()
        self.assertExit(r, EX_AUTH)
        self.assertIn("refused the configured refresh token (HTTP 401: "
                      "invalid_client: Client authentication failed.)\n",
                      self.out(r))

    def test_token_endpoint_unreachable_exits_75(self):
        url = "https://127.0.0.1:%d/token" % closed_port()
        self.write_config(url=url)
        self.deliver()
        r = self.run_conn()
        self.assertExit(r, EX_TEMP)
        self.assertIn("OAuth token endpoint %s: " % url, self.out(r))
        self.assertEqual(self.seen(), [False])
        # A token endpoint in trouble (503) is temporary too.
        self.write_config()
        self.oa.fail_status = 503
        r = self.run_conn()
        self.assertExit(r, EX_TEMP)
        self.assertIn("HTTP 503: temporarily_unavailable", self.out(r))

    # -- the proxy of the token request ---------------------------------
    # microsocks binds its outgoing connections to another loopback
    # address (-b): the token endpoint and Dovecot see where a connection
    # came from, so which went through which proxy is known.

    def socks(self, out_addr, *auth):
        port = free_port()
        p = Proxy(["microsocks", "-i", "127.0.0.1", "-p", str(port),
                   "-b", out_addr] + list(auth), port,
                  os.path.join(self.cfg, "microsocks.%s.log" % out_addr))
        self.addCleanup(p.stop)
        return port

    def imap_peers(self):
        return re.findall(r"Login: user=<%s>, method=XOAUTH2, rip=([0-9.]+)"
                          % USER, self.dove.log()[self.log0:])

    def test_token_request_through_the_mailbox_proxy(self):
        # Without -ep, the [mailbox] SOCKS proxy, with its credentials,
        # carries the token request as well as IMAP.
        pw = "Pr0xy-S3cret/pw"
        self.extra_secrets.append(pw)
        port = self.socks("127.0.0.2", "-u", "pxuser", "-P", pw)
        self.write_config(extra="proxy_address = 127.0.0.1\n"
                          "proxy_port = %d\nproxy_username = pxuser\n"
                          "proxy_password = \"%s\"\n" % (port, pw))
        self.deliver()
        r = self.run_conn()
        self.assertExit(r, EX_OK)
        self.assertEqual(self.oa.token_peers, ["127.0.0.2"])
        self.assertEqual(self.xoauth2_logins(), 1)
        self.assertEqual(self.imap_peers(), ["127.0.0.2"])
        self.assertEqual(self.seen(), [True])
        self.assertIn("OAuth token endpoint: through the proxy "
                      "socks5h://127.0.0.1:%d" % port, self.out(r))

    def test_token_request_through_ep(self):
        # -ep carries the token request only; IMAP goes direct, and -ep
        # wins over the [mailbox] proxy for the token request.
        ep = self.socks("127.0.0.3")
        self.deliver()
        r = self.run_conn("-ep", "socks5h://127.0.0.1:%d" % ep)
        self.assertExit(r, EX_OK)
        self.assertEqual(self.oa.token_peers, ["127.0.0.3"])
        self.assertEqual(self.xoauth2_logins(), 1)
        self.assertEqual(self.imap_peers(), ["127.0.0.1"])
        self.assertEqual(self.seen(), [True])

        mb = self.socks("127.0.0.2")
        os.remove(self.state_path)	# no cached token: ask again
        self.write_config(extra="proxy_address = 127.0.0.1\n"
                          "proxy_port = %d\n" % mb)
        self.deliver("plain-advisory")
        r = self.run_conn("-ep", "socks5h://127.0.0.1:%d" % ep)
        self.assertExit(r, EX_OK)
        self.assertEqual(self.oa.token_peers, ["127.0.0.3", "127.0.0.3"])
        self.assertEqual(self.imap_peers(), ["127.0.0.1", "127.0.0.2"])

    def test_token_request_proxy_down_exits_75(self):
        port = closed_port()
        self.deliver()
        r = self.run_conn("-ep", "socks5h://127.0.0.1:%d" % port)
        self.assertExit(r, EX_TEMP)
        self.assertIn("OAuth token endpoint %s (through the proxy "
                      "socks5h://127.0.0.1:%d): " % (self.oa.url("/token"),
                                                     port), self.out(r))
        self.assertEqual(self.oa.token_requests, [])
        self.assertEqual(self.xoauth2_logins(), 0)
        self.assertEqual(self.seen(), [False])

    def test_token_endpoint_certificate_verified(self):
        # Without oauth2_ca_file the test CA is not trusted.
        self.write_config(ca=False)
        r = self.run_conn()
        self.assertExit(r, EX_CONFIG)
        self.assertIn("OAuth token endpoint %s: " % self.oa.url("/token"),
                      self.out(r))
        self.assertIn("(is its CA in oauth2_ca_file?)", self.out(r))
        self.assertEqual(self.oa.token_requests, [])

    def test_imap_refusing_cached_token_gets_one_new_token(self):
        self.assertExit(self.run_conn(), EX_OK)
        first = self.state()["access_token"]
        self.oa.refuse(first)	# revoked at the provider, say
        self.deliver()
        r = self.run_conn()
        self.assertExit(r, EX_OK)
        self.assertIn("1 seen, 1 ok", self.out(r))
        self.assertIn("getting a new access token", self.out(r))
        self.assertEqual(self.oa.grants(), ["refresh_token"] * 2)
        second = self.state()["access_token"]
        self.assertNotEqual(second, first)
        self.assertEqual(self.oa.introspections, [first, first, second])

    def test_imap_refusing_every_token_exits_77(self):
        self.assertExit(self.run_conn(), EX_OK)
        self.oa.refuse_all = True
        # The cached token, refused; one new token, refused: stop there.
        r = self.run_conn()
        self.assertExit(r, EX_AUTH)
        self.assertIn('login refused for user "intel" (AUTHENTICATE '
                      'XOAUTH2)', self.out(r))
        self.assertEqual(self.oa.grants(), ["refresh_token"] * 2)
        self.assertEqual(len(self.oa.introspections), 3)
        # A token fresh from the endpoint that is refused: no second one.
        os.unlink(self.state_path)
        r = self.run_conn()
        self.assertExit(r, EX_AUTH)
        self.assertEqual(self.oa.grants(), ["refresh_token"] * 3)
        self.assertEqual(len(self.oa.introspections), 4)

    def test_server_without_xoauth2_exits_78(self):
        c = self.sim.certs
        other = Dovecot(os.path.join(self.tmp, "passwords-only"),
                        users={USER: "pw"}, cert=c["cert"], key=c["key"])
        other.start()
        try:
            self.write_config(port=other.imaps_port)
            r = self.run_conn()
        finally:
            other.stop()
        self.assertExit(r, EX_CONFIG)
        self.assertIn("server 127.0.0.1 does not offer AUTH=XOAUTH2",
                      self.out(r))

    def test_configuration_errors_exit_78(self):
        path = os.path.join(self.cfg, NAME + ".ini")
        with open(path) as f:
            text = f.read()
        cases = [
            (re.sub(r"oauth2_token_url = .*\n", "", text),
             "[mailbox] oauth2_token_url is not set"),
            (re.sub(r"oauth2_client_id = .*\n", "", text),
             "[mailbox] oauth2_client_id is not set"),
            (re.sub(r"oauth2_refresh_token = .*\n", "", text),
             "[mailbox] oauth2_refresh_token or oauth2_scope is not set"),
            (text.replace("https://127.0.0.1", "http://127.0.0.1"),
             "[mailbox] oauth2_token_url: 'http://127.0.0.1"),
        ]
        for body, want in cases:
            with open(path, "w") as f:
                f.write(body)
            r = self.run_conn()
            self.assertExit(r, EX_CONFIG)
            self.assertIn(want, self.out(r))
        self.assertEqual(self.oa.token_requests, [])

    def test_state_file_readable_by_others_refused(self):
        self.assertExit(self.run_conn(), EX_OK)
        os.chmod(self.state_path, 0o644)
        r = self.run_conn()
        self.assertExit(r, EX_CONFIG)
        self.assertIn("run: chmod 600 %s" % self.state_path, self.out(r))


if __name__ == "__main__":
    BIN = os.path.abspath(sys.argv[1])
    DATA = os.path.abspath(sys.argv[2])
    unittest.main(argv=[sys.argv[0], "-v"] + sys.argv[3:])
