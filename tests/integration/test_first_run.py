"""First run through a pseudo-terminal: the seed's prompts, no echo of the
password, a 0600 config that the program then reads.  Usage:
test_first_run.py BINARY
"""
import os
import pty
import select
import shutil
import stat
import sys
import tempfile
import time
import unittest

BIN = None
NAME = "tq-conn-intel-mailbox-reports"
PASSWORD = "Pty-S3cret;#\"pw"
DEADLINE = 20.0		# seconds: an upper bound on waiting, not a pacing sleep


class Pty:
    def __init__(self, args, cwd):
        self.pid, self.fd = pty.fork()
        if self.pid == 0:
            os.chdir(cwd)
            os.execv(BIN, [BIN] + args)
        self.seen = b""

    def expect(self, text):
        """Read until text shows up; fail at the deadline or at EOF."""
        end = time.monotonic() + DEADLINE
        while text.encode() not in self.seen:
            left = end - time.monotonic()
            if left <= 0:
                raise AssertionError("timed out waiting for %r; saw %r" % (text, self.seen))
            r, _, _ = select.select([self.fd], [], [], left)
            if not r:
                continue
            try:
                chunk = os.read(self.fd, 4096)
            except OSError:
                chunk = b""
            if not chunk:
                raise AssertionError("EOF waiting for %r; saw %r" % (text, self.seen))
            self.seen += chunk

    def send(self, line):
        os.write(self.fd, line.encode() + b"\r")

    def finish(self):
        """Drain output and return the exit status."""
        end = time.monotonic() + DEADLINE
        while time.monotonic() < end:
            r, _, _ = select.select([self.fd], [], [], end - time.monotonic())
            if not r:
                continue
            try:
                chunk = os.read(self.fd, 4096)
            except OSError:
                break
            if not chunk:
                break
            self.seen += chunk
        _, status = os.waitpid(self.pid, 0)
        os.close(self.fd)
        return os.waitstatus_to_exitcode(status)


class FirstRun(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="tqpty.")

    def tearDown(self):
        shutil.rmtree(self.tmp, ignore_errors=True)

    def test_prompts_write_0600_config(self):
        p = Pty(["-c", self.tmp], self.tmp)
        p.expect("ThreatQ Host: ")
        p.send("tq.example.com")
        p.expect("ThreatQ Client ID: ")
        p.send("client-1234")
        p.expect("ThreatQ Username: ")
        p.send("analyst@example.com")
        p.expect("ThreatQ Password: ")
        before = len(p.seen)
        p.send(PASSWORD)
        p.expect("Status [Review]: ")
        # The password was not echoed back by the terminal.
        self.assertNotIn(PASSWORD.encode(), p.seen[before:])
        p.send("")
        p.expect("Connector configured.")
        code = p.finish()
        self.assertEqual(code, 0, p.seen)
        self.assertIn(b"[mailbox]", p.seen)
        self.assertNotIn(PASSWORD.encode(), p.seen)

        path = os.path.join(self.tmp, NAME + ".ini")
        st = os.stat(path)
        self.assertEqual(stat.S_IMODE(st.st_mode), 0o600)
        text = open(path).read()
        self.assertIn("tq.example.com", text)
        self.assertIn("client-1234", text)
        self.assertIn("Review", text)
        # No temporary file left beside it.
        self.assertEqual(sorted(os.listdir(self.tmp)), [NAME + ".ini"])

        # The program reads it back: the next run gets past the config and
        # stops at the empty [mailbox] section, naming it.
        import subprocess
        r = subprocess.run([BIN, "-c", self.tmp], stdin=subprocess.DEVNULL,
                           capture_output=True, timeout=30)
        self.assertEqual(r.returncode, 78)
        self.assertIn(b"[mailbox]", r.stdout + r.stderr)
        self.assertNotIn(PASSWORD.encode(), r.stdout + r.stderr)

    def test_eof_during_prompts_writes_nothing(self):
        p = Pty(["-c", self.tmp], self.tmp)
        p.expect("ThreatQ Host: ")
        p.send("tq.example.com")
        p.expect("ThreatQ Client ID: ")
        os.write(p.fd, b"\x04")		# ^D: end of input
        code = p.finish()
        self.assertEqual(code, 78, p.seen)
        self.assertEqual(os.listdir(self.tmp), [])


if __name__ == "__main__":
    BIN = os.path.abspath(sys.argv[1])
    unittest.main(argv=[sys.argv[0], "-v"] + sys.argv[2:])
