#!/usr/bin/env python3
"""-f FILES end to end: nothing written under -f escapes FILES, every name
written is safe, nothing is overwritten or written through a symlink, and
no attachment is lost without a warning naming the file.

-f only acts in mailbox runs (--eml and --maildir have no UIDVALIDITY/UID to
name files by; they say so and write nothing), so the messages go through a
private Dovecot (tests/imap/dovecot.py, needs root) and the ThreatQ emulator
(tests/tqsim).  Usage: test_files_dir.py BINARY
"""
import base64
import hashlib
import imaplib
import os
import re
import shutil
import stat
import subprocess
import sys
import tempfile
import unicodedata
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "imap"))
from tqsim_fixture import TqSim  # noqa: E402
from dovecot import Dovecot  # noqa: E402

BIN = None
NAME = "tq-conn-intel-mailbox-reports"
USER, PW = "intel", "Imap;Pw#42"
EXIT_STATUSES = {0, 1, 64, 75, 77, 78}  # man page, EXIT STATUS
NAME_MAX = 255          # bytes in a file name (the file system's limit)
NAME_MAX_LEN = 200      # src/mime.c: bytes of a safe attachment name
BIDI = set("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e"
           "\u2066\u2067\u2068\u2069")


def pct(s):
    """RFC 2231 value: every byte percent-encoded."""
    return "".join("%%%02X" % b for b in s.encode("utf-8"))


def rfc2231_segments(s, per=201):
    """filename*0*=UTF-8''...; filename*1*=...; a long name in pieces
    (whole %XX escapes; 201 cuts a two-byte character between segments,
    which RFC 2231 allows: the octets are joined, then decoded)."""
    enc = pct(s)
    segs = [enc[i:i + per] for i in range(0, len(enc), per)]
    return ";\r\n ".join(
        "filename*%d*=%s%s" % (i, "UTF-8''" if i == 0 else "", seg)
        for i, seg in enumerate(segs))


LONG_A = "A" * 4000 + ".txt"
LONG_E = "\u00e9" * 2000 + ".dat"        # 4,000 bytes of two-byte characters
LONG_NOEXT = "B" * 4000

# (Content-Disposition parameters or a full header line, exact safe name the
#  connector must choose, or a regular expression for a generated one).
# None: not predicted, only the generic properties are checked.
GEN = re.compile(r"^part-\d+\.bin$")
HOSTILE = [
    ('filename="../../etc/passwd"', "passwd"),
    ('filename=".."', GEN),
    ('filename="."', GEN),
    ('filename=""', GEN),
    ('filename="/abs/path/x"', "x"),
    ('filename="a/b\\\\c"', "c"),                    # a/b\c once unquoted
    ('filename="a\\\\..\\\\..\\\\win.ini"', "win.ini"),
    ('filename="=?UTF-8?B?%s?="' % base64.b64encode(b"../../").decode(), GEN),
    ('filename="=?UTF-8?Q?=2E=2E=2F=2E=2E=2Fetc=2Fshadow?="', "shadow"),
    ("filename*=UTF-8''%s" % pct("../../cron.d/evil"), "evil"),
    ("filename*0*=UTF-8''%2E%2E; filename*1*=%2F; filename*2=tmp; "
     "filename*3*=%2Fowned", "owned"),
    ("filename*=UTF-8''%2F", GEN),
    ("filename*=UTF-8''%s" % pct("/"), GEN),
    ("filename*=UTF-8''nul%00ctl%01%1B%5B31m%7F%0D%0A.txt", None),
    ('filename="ctl\x01\x1b[2Jname\x7f.txt"', None),
    ("filename*=UTF-8''%s" % pct("c1\u009b2J\u0085x.txt"), None),
    ('filename="%s"' % LONG_A, None),
    (rfc2231_segments(LONG_E), None),
    ('filename="%s"' % LONG_NOEXT, None),
    ("filename*=UTF-8''%s" % pct("invoice\u202etxt.exe"), None),
    ('filename="=?UTF-8?B?%s?="'
     % base64.b64encode("report\u202efdp.exe".encode()).decode(), None),
    ('filename="con.txt"', "con.txt"),
    ('filename="-rf --no-preserve-root"', "-rf --no-preserve-root"),
    ('filename="  . ..  "', GEN),
    ('filename="~/.bashrc"', "bashrc"),
    ("CT:name=\"../ct-name\"", "ct-name"),
    ('filename="dup.txt"', "dup.txt"),
    ('filename="dup.txt"', "dup.txt"),
    # Planted in FILES before the run under the very name chosen:
    ('filename="collide.zip"', "collide.zip"),      # a file of other bytes
    ('filename="link.txt"', "link.txt"),            # symlink to a sentinel
    ('filename="dangle.txt"', "dangle.txt"),        # dangling symlink
]
COLLIDE, LINK, DANGLE = len(HOSTILE) - 2, len(HOSTILE) - 1, len(HOSTILE)


def att_data(n):
    """Distinct bytes for attachment n (1-based), NULs included."""
    return (b"attachment %d\x00" % n + bytes(range(256)) +
            hashlib.sha256(b"%d" % n).digest())


def message(mid, parts):
    """A CRLF message: a text body and one attachment per (params, data)."""
    b = "=_tq_files_boundary_%s" % mid
    out = ["From: intel@feeds.example", "To: soc@example.com",
           "Subject: -f test %s" % mid, "Message-ID: <%s@files.test>" % mid,
           "Date: Thu, 19 Nov 2026 10:00:00 +0000", "MIME-Version: 1.0",
           'Content-Type: multipart/mixed; boundary="%s"' % b, "",
           "--" + b, "Content-Type: text/plain; charset=utf-8", "",
           "Advisory %s: see the attachments." % mid, ""]
    for params, data in parts:
        out.append("--" + b)
        if params.startswith("CT:"):
            out.append("Content-Type: application/octet-stream; " + params[3:])
        else:
            out.append("Content-Type: application/octet-stream")
            out.append("Content-Disposition: attachment; " + params)
        out.append("Content-Transfer-Encoding: base64")
        out.append("")
        enc = base64.b64encode(data).decode()
        out += [enc[i:i + 76] for i in range(0, len(enc), 76)]
        out.append("")
    out += ["--" + b + "--", ""]
    return "\r\n".join(out).encode("utf-8", "surrogateescape")


def snapshot(root):
    """{relative path: what it is} for every entry under root (lstat)."""
    out = {}
    for dirpath, dirnames, filenames in os.walk(root):
        for n in dirnames + filenames:
            p = os.path.join(dirpath, n)
            st = os.lstat(p)
            rel = os.path.relpath(p, root)
            if stat.S_ISLNK(st.st_mode):
                out[rel] = ("link", os.readlink(p))
            elif stat.S_ISREG(st.st_mode):
                with open(p, "rb") as f:
                    out[rel] = ("file", st.st_mode, st.st_mtime_ns,
                                hashlib.sha256(f.read()).hexdigest())
            else:
                out[rel] = ("other", stat.S_IFMT(st.st_mode), st.st_mode)
    return out


class FilesDir(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="tqfiles.")
        os.chmod(cls.tmp, 0o755)    # the dovecot user must reach its maildir
        os.makedirs(os.path.join(cls.tmp, "sim"))
        cls.sim = TqSim(os.path.join(cls.tmp, "sim"))
        cls.dove = Dovecot(os.path.join(cls.tmp, "dovecot"), users={USER: PW},
                           cert=cls.sim.certs["cert"], key=cls.sim.certs["key"])
        try:
            cls.dove.start()
        except Exception:
            cls.sim.stop()
            raise
        cls.cfg = os.path.join(cls.tmp, "cfg")
        os.mkdir(cls.cfg)
        path = os.path.join(cls.cfg, NAME + ".ini")
        with open(path, "w") as f:
            f.write(cls.sim.config("max_retries = 1\ntimeout = 5\n") + (
                "\n[mailbox]\nserver = 127.0.0.1:%d\nusername = %s\n"
                "password = \"%s\"\nca_file = %s\ntimeout = 20\n"
                # -f keeps what is too large to upload too; uploading the
                # hostile attachments would only make the test slow.
                "\n[connector]\nmax_attachment_size = 64\n"
                % (cls.dove.imaps_port, USER, PW, cls.sim.certs["ca"])))
        os.chmod(path, 0o600)

    @classmethod
    def tearDownClass(cls):
        cls.dove.stop()
        cls.sim.stop()
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def run_conn(self, *args):
        r = subprocess.run([BIN, "-c", self.cfg, "-v", "3"] + list(args),
                           capture_output=True, stdin=subprocess.DEVNULL,
                           timeout=120)
        out = (r.stdout + r.stderr).decode("utf-8", "replace")
        # Not killed by a signal (a crash), and a documented status.
        self.assertGreaterEqual(r.returncode, 0, out[-4000:])
        self.assertIn(r.returncode, EXIT_STATUSES, out[-4000:])
        return r.returncode, out

    def uids(self):
        """UIDVALIDITY and {Message-ID: UID}, read-only (no \\Seen)."""
        m = imaplib.IMAP4("127.0.0.1", self.dove.imap_port)
        try:
            m.login(USER, PW)
            typ, _ = m.select("INBOX", readonly=True)
            self.assertEqual(typ, "OK")
            uv = int(m.response("UIDVALIDITY")[1][0])
            typ, data = m.uid("FETCH", "1:*",
                              "(BODY.PEEK[HEADER.FIELDS (MESSAGE-ID)])")
            self.assertEqual(typ, "OK")
            out = {}
            for item in data:
                if not isinstance(item, tuple):
                    continue
                uid = int(re.search(rb"UID (\d+)", item[0]).group(1))
                mid = re.search(rb"<([^>]+)>", item[1]).group(1).decode()
                out[mid] = uid
            return uv, out
        finally:
            m.logout()

    def check_name(self, name, prefix):
        """The properties every name written under -f must have."""
        self.assertNotIn("/", name)
        self.assertNotIn("\x00", name)
        self.assertNotIn(name, (".", ".."))
        self.assertLessEqual(len(os.fsencode(name)), NAME_MAX, name[:80])
        self.assertTrue(name.startswith(prefix), (name[:80], prefix))
        rest = name[len(prefix):]
        self.assertGreater(len(rest), 0)
        self.assertLessEqual(len(rest.encode("utf-8")), NAME_MAX_LEN, rest[:80])
        rest.encode("utf-8")    # valid UTF-8: no surrogate escapes
        for ch in rest:
            self.assertNotEqual(unicodedata.category(ch), "Cc",
                                "control U+%04X in %r" % (ord(ch), rest[:80]))
            self.assertNotIn(ch, BIDI, "bidi U+%04X in %r" % (ord(ch), rest[:80]))

    def test_files_stay_inside_and_are_safe(self):
        datas = [att_data(i + 1) for i in range(len(HOSTILE))]
        raw_a = message("hostile", [(p, d) for (p, _), d in zip(HOSTILE, datas)])
        data_b = b"quiet attachment\x00\xff"
        raw_b = message("eml-link", [('filename="quiet.txt"', data_b)])
        self.dove.deliver(USER, raw_a)
        self.dove.deliver(USER, raw_b)
        uv, uids = self.uids()
        ua, ub = uids["hostile@files.test"], uids["eml-link@files.test"]

        # root/ holds FILES deep down (so "../../x" from FILES would still
        # land in root/ and be seen) and a sentinel outside FILES.
        root = os.path.join(self.tmp, "root")
        keep = os.path.join(root, "l1", "l2", "l3", "keep")
        outside = os.path.join(root, "outside")
        os.makedirs(keep)
        os.makedirs(outside)
        sentinel = os.path.join(outside, "sentinel")
        with open(sentinel, "wb") as f:
            f.write(b"sentinel: must never change\n")
        escaped = os.path.join(outside, "created-through-link")

        def att_file(n, safe):
            return "%d-%d-%d-%s" % (uv, ua, n, safe)
        planted_file = att_file(COLLIDE, "collide.zip")
        with open(os.path.join(keep, planted_file), "wb") as f:
            f.write(b"was here first\n")
        planted_link = att_file(LINK, "link.txt")
        os.symlink(sentinel, os.path.join(keep, planted_link))
        planted_dangle = att_file(DANGLE, "dangle.txt")
        os.symlink(escaped, os.path.join(keep, planted_dangle))
        # B's raw copy is named by the SHA-256 of the bytes IMAP serves
        # (Dovecot serves the CRLF file as it is).
        planted_eml = "%d-%d-%s.eml" % (uv, ub,
                                        hashlib.sha256(raw_b).hexdigest()[:12])
        os.symlink(sentinel, os.path.join(keep, planted_eml))
        refused = {planted_file, planted_link, planted_dangle, planted_eml}

        before = snapshot(root)
        with open("/etc/passwd", "rb") as f:
            passwd = f.read()
        abs_existed = os.path.lexists("/abs")

        code, out = self.run_conn("-d", "-f", keep)
        self.assertEqual(code, 0, out[-4000:])
        self.assertIn("2 seen, 2 ok, 0 failed", out)

        after = snapshot(root)
        inside = os.path.relpath(keep, root) + os.sep
        # Nothing new or changed outside FILES; nothing planted changed.
        for rel in set(before) | set(after):
            if rel.startswith(inside) and rel not in before:
                continue
            self.assertEqual(before.get(rel), after.get(rel), rel)
        with open(sentinel, "rb") as f:
            self.assertEqual(f.read(), b"sentinel: must never change\n")
        self.assertFalse(os.path.lexists(escaped))
        self.assertEqual(os.readlink(os.path.join(keep, planted_link)), sentinel)
        with open("/etc/passwd", "rb") as f:
            self.assertEqual(f.read(), passwd)
        self.assertEqual(os.path.lexists("/abs"), abs_existed)

        new = sorted(set(os.listdir(keep)) - {os.path.basename(p) for p in
                                              refused})
        # The raw copy of A, and one regular file per attachment of A and B
        # except the three refused ones.
        eml_a = "%d-%d-%s.eml" % (uv, ua, hashlib.sha256(raw_a).hexdigest()[:12])
        self.assertIn(eml_a, new)
        with open(os.path.join(keep, eml_a), "rb") as f:
            self.assertEqual(f.read(), raw_a)
        by_index = {}
        for name in new:
            if name == eml_a:
                continue
            st = os.lstat(os.path.join(keep, name))
            self.assertTrue(stat.S_ISREG(st.st_mode), name[:80])
            # Mail and its attachments: for the connector's user only.
            self.assertEqual(stat.S_IMODE(st.st_mode) & 0o077, 0,
                             "%s %o" % (name[:80], st.st_mode))
            m = re.match(r"^(\d+)-(\d+)-(\d+)-", name)
            self.assertIsNotNone(m, name[:80])
            self.assertEqual(int(m.group(1)), uv)
            self.check_name(name, m.group(0))
            key = (int(m.group(2)), int(m.group(3)))
            self.assertNotIn(key, by_index, name[:80])
            by_index[key] = name
        want = {(ua, n) for n in range(1, len(HOSTILE) + 1)
                if n not in (COLLIDE, LINK, DANGLE)} | {(ub, 1)}
        self.assertEqual(set(by_index), want, new)
        for (uid, n), name in by_index.items():
            with open(os.path.join(keep, name), "rb") as f:
                self.assertEqual(f.read(), datas[n - 1] if uid == ua else data_b,
                                 name[:80])
            if uid != ua:
                continue
            expect = HOSTILE[n - 1][1]
            rest = name[len("%d-%d-%d-" % (uv, uid, n)):]
            if isinstance(expect, str):
                self.assertEqual(rest, expect, HOSTILE[n - 1][0][:80])
            elif expect is not None:
                self.assertRegex(rest, expect, HOSTILE[n - 1][0][:80])
        # Long names are cut to the bound with their extension kept.
        self.assertTrue(by_index[(ua, 17)].endswith("A.txt"))
        self.assertRegex(by_index[(ua, 18)], "-\u00e9+\\.dat$")
        for n in (17, 18, 19):
            self.assertGreaterEqual(
                len(os.fsencode(by_index[(ua, n)])), NAME_MAX_LEN - 2)

        # A refused write is a warning naming the file, never silent.
        warn = [l for l in out.splitlines()
                if "WARNING: -f:" in l or "ERROR: -f:" in l]
        for name in refused:
            self.assertTrue(any(name in l for l in warn),
                            "no warning names %s:\n%s" % (name, "\n".join(warn)))
        self.assertEqual(len(warn), len(refused), "\n".join(warn))

        # Fetched again (-d): the same files already there are no news; the
        # planted ones are refused again; nothing else is written.
        listing = snapshot(keep)
        code, out = self.run_conn("-d", "-f", keep)
        self.assertEqual(code, 0, out[-4000:])
        self.assertEqual(snapshot(keep), listing)
        warn = [l for l in out.splitlines()
                if "WARNING: -f:" in l or "ERROR: -f:" in l]
        self.assertEqual(len(warn), len(refused), "\n".join(warn))
        for name in refused:
            self.assertTrue(any(name in l for l in warn), name)

    def test_offline_runs_say_files_is_ignored(self):
        """--eml/--maildir have no UID to name files by: -f writes nothing
        there, and says so rather than being silently ignored."""
        d = tempfile.mkdtemp(prefix="off.", dir=self.tmp)
        keep = os.path.join(d, "keep")
        os.mkdir(keep)
        eml = os.path.join(d, "m.eml")
        with open(eml, "wb") as f:
            f.write(message("offline", [('filename="../x.txt"', b"x")]))
        r = subprocess.run([BIN, "-c", d, "--eml", eml, "--dry-run", "-f", keep],
                           capture_output=True, stdin=subprocess.DEVNULL,
                           timeout=60)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(os.listdir(keep), [])
        self.assertEqual(sorted(os.listdir(d)), ["keep", "m.eml"])
        self.assertIn(b"-f", r.stderr)
        self.assertRegex(r.stderr.decode(), r"WARNING: -f .*ignored")


if __name__ == "__main__":
    BIN = os.path.abspath(sys.argv[1])
    unittest.main(argv=[sys.argv[0], "-v"] + sys.argv[2:])
