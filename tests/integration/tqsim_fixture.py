"""Start and stop tests/tqsim on loopback for the integration tests, and
talk to its API and admin endpoints."""
import json
import os
import ssl
import subprocess
import sys
import urllib.error
import urllib.parse
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
TQSIM_DIR = os.path.join(os.path.dirname(HERE), "tqsim")
sys.path.insert(0, TQSIM_DIR)
import certs  # noqa: E402

CLIENT_ID = "conn-client-7f3a"
EMAIL = "connector@soc.example.com"
PASSWORD = "Tq-Emu;P4ss#word"


class TqSim:
    def __init__(self, workdir, token_ttl=3600, db=None, extra=(),
                 cert=None):
        """cert: a dict like certs.make_certs() returns (ca, cert, key) to
        serve instead of a fresh CA and certificate made in workdir."""
        self.dir = workdir
        self.certs = dict(cert) if cert else certs.make_certs(workdir)
        self.db = db or os.path.join(workdir, "tqsim.db")
        args = [sys.executable, os.path.join(TQSIM_DIR, "tqsim.py"),
                "--cert", self.certs["cert"], "--key", self.certs["key"],
                "--port", "0", "--db", self.db,
                "--client-id", CLIENT_ID, "--email", EMAIL,
                "--password", PASSWORD, "--token-ttl", str(token_ttl)]
        args += list(extra)
        self.proc = subprocess.Popen(args, stdout=subprocess.PIPE,
                                     stderr=subprocess.DEVNULL, text=True)
        line = self.proc.stdout.readline()	# blocks until it listens
        if "listening on" not in line:
            self.proc.kill()
            raise RuntimeError("tqsim did not start: %r" % line)
        self.addr = line.split("listening on", 1)[1].strip()
        self.ctx = ssl.create_default_context(cafile=self.certs["ca"])
        self.token = None

    def stop(self):
        self.proc.terminate()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.proc.stdout.close()

    def config(self, extra=""):
        """INI text for the connector pointing at this emulator."""
        return ("[threatq]\nhost = %s\nclient_id = %s\nusername = %s\n"
                "password = \"%s\"\nstatus = Review\nca_file = %s\n%s"
                % (self.addr, CLIENT_ID, EMAIL, PASSWORD, self.certs["ca"], extra))

    def _req(self, method, path, body=None, auth=True):
        url = "https://%s%s" % (self.addr, path)
        data = None
        headers = {}
        if body is not None:
            data = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        if auth:
            if self.token is None:
                self.login()
            headers["Authorization"] = "Bearer " + self.token
        req = urllib.request.Request(url, data=data, method=method,
                                     headers=headers)
        try:
            with urllib.request.urlopen(req, context=self.ctx, timeout=30) as r:
                return r.status, json.loads(r.read() or b"null")
        except urllib.error.HTTPError as e:
            return e.code, json.loads(e.read() or b"null")

    def login(self):
        self.token = None
        st, body = self._req("POST", "/api/token",
                             {"grant_type": "password", "client_id": CLIENT_ID,
                              "email": EMAIL, "password": PASSWORD}, auth=False)
        assert st == 200, (st, body)
        self.token = body["access_token"]

    def get(self, path, **query):
        if query:
            path += "?" + urllib.parse.urlencode(query)
        st, body = self._req("GET", path)
        if st == 401:
            self.login()
            st, body = self._req("GET", path)
        assert st == 200, (path, st, body)
        return body

    def admin(self, method, path, body=None):
        st, out = self._req(method, "/__admin/" + path, body, auth=False)
        assert 200 <= st < 300, (path, st, out)
        return out

    def counts(self):
        return self.admin("GET", "counts")

    def log(self):
        return self.admin("GET", "log")["data"]

    def tokens(self):
        """Every access/refresh token pair tqsim has answered."""
        return self.admin("GET", "tokens")["data"]

    def clear_log(self):
        self.admin("POST", "log/clear", {})

    def fault(self, **f):
        self.admin("POST", "faults", f)

    def clear_faults(self):
        self.admin("POST", "faults/clear", {})
