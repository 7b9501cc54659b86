"""socks_connect() against real SOCKS proxies: microsocks (SOCKS5, with and
without username/password), dante (danted: SOCKS4 and SOCKS5; Dante 1.4
does not implement SOCKS4a and refuses it with reply 91) and OpenSSH's
dynamic forwarding, ssh -D (SOCKS4a, SOCKS4, SOCKS5).  The target is a line
echo server on 127.0.0.1, reached by name (localhost, resolved by the
proxy) and by address.  Usage: test_socks.py SOCKS_TOOL
"""
import os
import shutil
import signal
import socket
import socketserver
import subprocess
import sys
import tempfile
import threading
import time
import unittest

TOOL = None
READY_TIMEOUT = 10.0    # seconds for a proxy to start listening
RUN_TIMEOUT = 30        # seconds for one socks_tool run
STOP_TIMEOUT = 5.0      # seconds for a proxy to exit on SIGTERM
EX_TEMPFAIL = 75
EX_NOPERM = 77
EX_CONFIG = 78
USER = "alice"
PASSWORD = "s3cr3t-pw"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_listening(port, proc, deadline=READY_TIMEOUT):
    """Poll connect() until the port accepts, the process dies, or time
    runs out."""
    end = time.monotonic() + deadline
    while time.monotonic() < end:
        if proc.poll() is not None:
            raise RuntimeError("proxy exited with %d" % proc.returncode)
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.02)
    raise RuntimeError("proxy not listening on port %d" % port)



def require(cond, why):
    """A missing proxy is a failure, not a skip: scripts/deps installs them."""
    def deco(cls):
        if not cond:
            def setUp(self):
                self.fail("missing: %s (run scripts/deps)" % why)
            cls.setUp = setUp
        return cls
    return deco

class EchoHandler(socketserver.StreamRequestHandler):
    def handle(self):
        line = self.rfile.readline()
        self.wfile.write(line)


class EchoServer(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True


class Proxy:
    """A proxy process in its own session, killed as a group."""

    def __init__(self, argv, port, log):
        self.port = port
        self.log = open(log, "wb")
        self.proc = subprocess.Popen(argv, stdout=self.log,
                                     stderr=subprocess.STDOUT,
                                     stdin=subprocess.DEVNULL,
                                     start_new_session=True)
        try:
            wait_listening(port, self.proc)
        except Exception:
            self.stop()
            raise

    def stop(self):
        if self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
            try:
                self.proc.wait(STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()
        else:
            # The leader is gone; reap any children left in the group.
            try:
                os.killpg(self.proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        self.log.close()


class Base(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="socks-test-")
        self.echo = EchoServer(("127.0.0.1", 0), EchoHandler)
        self.echo_port = self.echo.server_address[1]
        self.echo_thread = threading.Thread(target=self.echo.serve_forever,
                                            daemon=True)
        self.echo_thread.start()
        self.proxy = None

    def tearDown(self):
        if self.proxy is not None:
            self.proxy.stop()
        self.echo.shutdown()
        self.echo.server_close()
        shutil.rmtree(self.tmp, ignore_errors=True)

    def tool(self, version, target, port, user=None, password=None,
             proxy_port=None):
        argv = [TOOL, "-%d" % version, "-x",
                "127.0.0.1:%d" % (proxy_port or self.proxy.port), "-t", "10"]
        if user is not None:
            argv += ["-u", user]
        env = dict(os.environ)
        env.pop("SOCKS_PASSWORD", None)
        if password is not None:
            env["SOCKS_PASSWORD"] = password
        r = subprocess.run(argv + [target, str(port)], env=env,
                           capture_output=True, text=True,
                           timeout=RUN_TIMEOUT)
        return r.returncode, r.stdout + r.stderr

    def assert_ok(self, version, target, **kw):
        rc, out = self.tool(version, target, self.echo_port, **kw)
        self.assertEqual(rc, 0, out)
        self.assertIn("ok", out)

    def assert_target_refused(self, version, target, proto):
        port = free_port()
        rc, out = self.tool(version, target, port)
        self.assertEqual(rc, EX_TEMPFAIL, out)
        self.assertIn("%s proxy 127.0.0.1:%d: connect to %s:%d refused: "
                      % (proto, self.proxy.port, target, port), out)
        self.assertIn("(reply ", out)

    def assert_proxy_closed(self, version):
        port = free_port()
        rc, out = self.tool(version, "localhost", self.echo_port,
                            proxy_port=port)
        self.assertEqual(rc, EX_TEMPFAIL, out)
        self.assertIn("proxy 127.0.0.1:%d" % port, out)
        self.assertIn("localhost:%d" % self.echo_port, out)
        self.assertIn("proxy unreachable", out)


@require(shutil.which("microsocks"), "microsocks not installed")
class Microsocks(Base):
    def start(self, *extra):
        port = free_port()
        self.proxy = Proxy(["microsocks", "-i", "127.0.0.1", "-p", str(port)]
                           + list(extra), port,
                           os.path.join(self.tmp, "microsocks.log"))

    def test_by_name(self):
        self.start()
        self.assert_ok(5, "localhost")

    def test_by_ip(self):
        self.start()
        self.assert_ok(5, "127.0.0.1")

    def test_target_closed(self):
        self.start()
        self.assert_target_refused(5, "127.0.0.1", "SOCKS5")
        self.assert_target_refused(5, "localhost", "SOCKS5")

    def test_proxy_closed(self):
        self.assert_proxy_closed(5)

    def test_userpass(self):
        self.start("-u", USER, "-P", PASSWORD)
        self.assert_ok(5, "localhost", user=USER, password=PASSWORD)
        self.assert_ok(5, "127.0.0.1", user=USER, password=PASSWORD)

    def test_wrong_password(self):
        self.start("-u", USER, "-P", PASSWORD)
        rc, out = self.tool(5, "localhost", self.echo_port, user=USER,
                            password="wrong-" + PASSWORD)
        self.assertEqual(rc, EX_NOPERM, out)
        self.assertIn("refused", out)
        self.assertNotIn(PASSWORD, out)

    def test_no_credentials(self):
        self.start("-u", USER, "-P", PASSWORD)
        rc, out = self.tool(5, "localhost", self.echo_port)
        self.assertEqual(rc, EX_NOPERM, out)
        self.assertIn("requires authentication", out)

    def test_name_too_long(self):
        self.start()
        rc, out = self.tool(5, "a" * 256, self.echo_port)
        self.assertEqual(rc, EX_CONFIG, out)


DANTE_CONF = """\
logoutput: {log}
internal: 127.0.0.1 port = {port}
external: 127.0.0.1
socksmethod: none
clientmethod: none
user.privileged: root
user.unprivileged: root
client pass {{ from: 127.0.0.0/8 to: 0.0.0.0/0 }}
socks pass {{ from: 127.0.0.0/8 to: 0.0.0.0/0 command: connect }}
"""


@require(shutil.which("danted"), "danted not installed")
@require(os.geteuid() == 0, "danted here runs as root")
class Dante(Base):
    def setUp(self):
        super().setUp()
        port = free_port()
        conf = os.path.join(self.tmp, "danted.conf")
        with open(conf, "w") as f:
            f.write(DANTE_CONF.format(
                log=os.path.join(self.tmp, "danted.log"), port=port))
        self.proxy = Proxy(["danted", "-f", conf, "-N", "1"], port,
                           os.path.join(self.tmp, "danted.out"))

    def test_socks4_by_ip(self):
        self.assert_ok(4, "127.0.0.1")

    def test_socks4_with_userid(self):
        self.assert_ok(4, "127.0.0.1", user="someone")

    def test_socks4_target_closed(self):
        self.assert_target_refused(4, "127.0.0.1", "SOCKS4")

    def test_socks4a_refused(self):
        # Dante takes 0.0.0.1 literally, fails, and answers 91: the
        # refusal must name the proxy, the target and the reply.
        self.assert_target_refused(4, "localhost", "SOCKS4a")

    def test_socks4_proxy_closed(self):
        self.assert_proxy_closed(4)

    def test_socks5(self):
        self.assert_ok(5, "localhost")
        self.assert_ok(5, "127.0.0.1")
        self.assert_target_refused(5, "localhost", "SOCKS5")


SSHD_CONF = """\
ListenAddress 127.0.0.1:{port}
HostKey {tmp}/hostkey
AuthorizedKeysFile {tmp}/authorized_keys
PidFile none
StrictModes no
PermitRootLogin prohibit-password
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
AllowTcpForwarding yes
"""
SSHD = "/usr/sbin/sshd"
PRIVSEP_DIR = "/run/sshd"


@require(os.path.exists(SSHD) and shutil.which("ssh") and
                     shutil.which("ssh-keygen"), "openssh not installed")
@require(os.geteuid() == 0, "sshd here runs as root")
class OpenSSH(Base):
    """ssh -D: a SOCKS4/4a/5 server.  It grants the request before it
    opens the channel, so a closed target shows as EOF, not a refusal:
    that case is tested with dante and microsocks."""

    def setUp(self):
        super().setUp()
        self.sshd = None
        os.makedirs(PRIVSEP_DIR, mode=0o755, exist_ok=True)
        for key in ("hostkey", "userkey"):
            subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "",
                            "-f", os.path.join(self.tmp, key)], check=True,
                           timeout=RUN_TIMEOUT)
        shutil.copy(os.path.join(self.tmp, "userkey.pub"),
                    os.path.join(self.tmp, "authorized_keys"))
        sshd_port = free_port()
        conf = os.path.join(self.tmp, "sshd_config")
        with open(conf, "w") as f:
            f.write(SSHD_CONF.format(port=sshd_port, tmp=self.tmp))
        self.sshd = Proxy([SSHD, "-D", "-e", "-f", conf], sshd_port,
                          os.path.join(self.tmp, "sshd.log"))
        port = free_port()
        self.proxy = Proxy(["ssh", "-N", "-F", "/dev/null",
                            "-D", "127.0.0.1:%d" % port,
                            "-i", os.path.join(self.tmp, "userkey"),
                            "-p", str(sshd_port),
                            "-o", "StrictHostKeyChecking=no",
                            "-o", "UserKnownHostsFile=/dev/null",
                            "-o", "BatchMode=yes",
                            "-o", "ExitOnForwardFailure=yes",
                            "root@127.0.0.1"], port,
                           os.path.join(self.tmp, "ssh.log"))

    def tearDown(self):
        super().tearDown()
        if self.sshd is not None:
            self.sshd.stop()

    def test_socks4a_by_name(self):
        self.assert_ok(4, "localhost")

    def test_socks4_by_ip(self):
        self.assert_ok(4, "127.0.0.1")

    def test_socks5(self):
        self.assert_ok(5, "localhost")
        self.assert_ok(5, "127.0.0.1")


if __name__ == "__main__":
    if len(sys.argv) < 2:
        sys.exit("usage: test_socks.py SOCKS_TOOL")
    TOOL = sys.argv.pop(1)
    unittest.main(verbosity=2)
