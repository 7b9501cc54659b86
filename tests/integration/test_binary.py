"""End-to-end tests of the built binary: command line, configuration,
logging and the offline pipeline.  Usage: test_binary.py BINARY DATADIR
"""
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import unittest

import plancheck

BIN = None
DATA = None
SAMPLES = ["plain-advisory", "newsletter-html", "with-attachment", "latin1-qp"]
NAME = "tq-conn-intel-mailbox-reports"
TQ_PASSWORD = "Tq-P4ss;word#1"
MB_PASSWORD = "Mb0x-S3cret!"
CLIENT_SECRET = "cl13nt-s3cr3t-v4lue"


def run(args, cwd=None, stdin=subprocess.DEVNULL, env=None, timeout=60):
    return subprocess.run([BIN] + args, cwd=cwd, stdin=stdin, env=env,
                          capture_output=True, timeout=timeout)


def write_config(d, text, mode=0o600, name=NAME):
    path = os.path.join(d, name + ".ini")
    with open(path, "w") as f:
        f.write(text)
    os.chmod(path, mode)
    return path


# Loopback ports where nothing listens: runs fail fast and touch no network.
FULL_CONFIG = """[threatq]
host = 127.0.0.1:9
max_retries = 0
client_id = abc123
client_secret = %s
username = analyst@example.com
password = "%s"
status = Review

[mailbox]
server = 127.0.0.1:9
username = intel@example.com
password = %s
folder = INBOX

[connector]
default_tlp = GREEN
""" % (CLIENT_SECRET, TQ_PASSWORD, MB_PASSWORD)


class Base(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="tqbin.")

    def tearDown(self):
        shutil.rmtree(self.tmp, ignore_errors=True)


class CommandLine(Base):
    def test_help_lists_every_seed_flag(self):
        r = run(["-h"])
        self.assertEqual(r.returncode, 0)
        out = r.stdout.decode()
        for flag in ("-h", "--help", "-ll LOGLOCATION", "--loglocation",
                     "-c CONFIG", "--config", "-v {1,2,3}", "--verbosity",
                     "-n NAME", "--name", "-ep PROXY", "--external-proxy",
                     "-d", "--no-differential", "-f FILES", "--files", "-ds",
                     "--disable_ssl", "--eml", "--maildir", "--dry-run",
                     "--extract", "--version"):
            self.assertIn(flag, out)

    def test_bad_usage_exits_64_with_reason_and_usage(self):
        for args, reason in ((["-v", "7"], "invalid choice: '7'"),
                             (["--nope"], "unrecognized arguments: --nope"),
                             (["-c"], "expected one argument")):
            r = run(args)
            self.assertEqual(r.returncode, 64, args)
            err = r.stderr.decode()
            self.assertIn("usage: " + NAME, err)
            lines = [l for l in err.splitlines() if "error:" in l]
            self.assertEqual(len(lines), 1, err)
            self.assertIn(reason, lines[0])
            self.assertEqual(r.stdout, b"")

    def test_version_names_libraries(self):
        r = run(["--version"])
        self.assertEqual(r.returncode, 0)
        out = r.stdout.decode()
        self.assertRegex(out.splitlines()[0], r"^%s \d+\.\d+\.\d+$" % NAME)
        for lib in ("libetpan", "gumbo", "cJSON", "PCRE2", "libcurl",
                    "GnuTLS", "libpsl", "iniparser"):
            self.assertIn(lib, out)


class Extract(Base):
    def lines(self, out):
        return [json.loads(l) for l in out.decode().splitlines()]

    def test_defanged_url_from_stdin(self):
        r = subprocess.run([BIN, "--extract"], input=b"go to hxxp://login-verify[.]com/a now\n",
                           capture_output=True, timeout=30, cwd=self.tmp)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(self.lines(r.stdout),
                         [{"type": "URL", "value": "http://login-verify.com/a"}])
        # The exact line format of DESIGN §2.
        self.assertEqual(r.stdout.decode(),
                         '{"type": "URL", "value": "http://login-verify.com/a"}\n')

    def test_file_and_types(self):
        p = os.path.join(self.tmp, "in.txt")
        with open(p, "w") as f:
            f.write("C2 45.137.21[.]9 and evil-cdn[.]net, mail x[at]bad-mail[.]org,\n"
                    "md5 5d41402abc4b2a76b9719d911017c592 build 1.2.3.4.5\n")
        r = run(["--extract", p], cwd=self.tmp)
        self.assertEqual(r.returncode, 0, r.stderr)
        got = {(d["type"], d["value"]) for d in self.lines(r.stdout)}
        self.assertEqual(got, {("IP Address", "45.137.21.9"),
                               ("FQDN", "evil-cdn.net"),
                               ("Email Address", "x@bad-mail.org"),
                               ("MD5", "5d41402abc4b2a76b9719d911017c592")})

    def test_missing_file_is_a_clear_error(self):
        r = run(["--extract", os.path.join(self.tmp, "nope.txt")], cwd=self.tmp)
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("nope.txt", r.stderr.decode())
        self.assertEqual(r.stdout, b"")


class DryRun(Base):
    def plans(self, out):
        return [json.loads(l) for l in out.decode().splitlines()]

    def test_samples_match_expected_plans(self):
        for name in SAMPLES:
            with self.subTest(sample=name):
                r = run(["--eml", os.path.join(DATA, name + ".eml"), "--dry-run"],
                        cwd=self.tmp)
                self.assertEqual(r.returncode, 0, r.stderr.decode())
                plans = self.plans(r.stdout)
                self.assertEqual(len(plans), 1)
                self.assertEqual(plancheck.check_shape(plans[0]), [])
                with open(os.path.join(DATA, name + ".expected.json")) as f:
                    want = json.load(f)
                self.assertEqual(plancheck.match(want, plans[0]), [])

    def test_sizes_and_hashes_are_of_the_raw_file(self):
        p = os.path.join(DATA, "plain-advisory.eml")
        with open(p, "rb") as f:
            raw = f.read()
        plan = self.plans(run(["--eml", p, "--dry-run"], cwd=self.tmp).stdout)[0]
        self.assertEqual(plan["message"]["sha256"], hashlib.sha256(raw).hexdigest())
        self.assertEqual(plan["message"]["size"], len(raw))

    def test_maildir_bad_message_and_order(self):
        md = os.path.join(self.tmp, "Maildir")
        for sub in ("cur", "new", "tmp"):
            os.makedirs(os.path.join(md, sub))
        for i, name in enumerate(SAMPLES):
            shutil.copy(os.path.join(DATA, name + ".eml"),
                        os.path.join(md, "new" if i % 2 else "cur", "%d.%s" % (i, name)))
        os.mkdir(os.path.join(md, "cur", "9.not-a-file"))
        r = run(["--maildir", md, "--dry-run", "-v", "2"], cwd=self.tmp)
        # The directory entry fails; the four messages still come out.
        self.assertEqual(r.returncode, 1, r.stderr)
        plans = self.plans(r.stdout)
        self.assertEqual(len(plans), 4)
        err = r.stderr.decode()
        self.assertIn("9.not-a-file", err)
        self.assertIn("4 ok, 1 failed", err)

    def test_missing_eml_fails_but_others_go_on(self):
        r = run(["--eml", os.path.join(self.tmp, "missing.eml"),
                 "--eml", os.path.join(DATA, "plain-advisory.eml"), "--dry-run"],
                cwd=self.tmp)
        self.assertEqual(r.returncode, 1)
        self.assertEqual(len(self.plans(r.stdout)), 1)
        self.assertIn("missing.eml", r.stderr.decode())

    def test_offline_needs_no_config_and_never_prompts(self):
        # Empty directory, stdin closed: works and writes nothing there.
        r = run(["--eml", os.path.join(DATA, "plain-advisory.eml"), "--dry-run"],
                cwd=self.tmp, stdin=subprocess.DEVNULL)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(os.listdir(self.tmp), [])

    def test_config_default_tlp_applies(self):
        write_config(self.tmp, "[connector]\ndefault_tlp = red\n", mode=0o644)
        r = run(["--eml", os.path.join(DATA, "latin1-qp.eml"), "--dry-run",
                 "-c", self.tmp], cwd=self.tmp)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(self.plans(r.stdout)[0]["message"]["tlp"], "RED")


class Hostile(Base):
    """Every saved hostile or fuzz-found message: no crash, no sanitizer
    report, a plan or a clear per-message error, and the run goes on."""

    def test_each_hostile_message(self):
        hdir = os.path.join(DATA, "hostile")
        names = sorted(n for n in os.listdir(hdir) if n.endswith(".eml"))
        self.assertTrue(names)
        good = os.path.join(DATA, "plain-advisory.eml")
        for n in names:
            with self.subTest(message=n):
                r = run(["--eml", os.path.join(hdir, n), "--eml", good,
                         "--dry-run"], cwd=self.tmp, timeout=120)
                err = r.stderr.decode(errors="replace")
                self.assertIn(r.returncode, (0, 1), err[-2000:])
                self.assertNotIn("Sanitizer", err)
                self.assertNotIn("runtime error", err)
                plans = [json.loads(l) for l in r.stdout.decode().splitlines()]
                # The good message after it always comes out.
                self.assertEqual(plans[-1]["message"]["message_id"],
                                 "<adv-2026-114@cert.example.org>")
                if r.returncode == 1:
                    self.assertIn(n, err)


class Configuration(Base):
    def test_no_config_no_tty_exits_78(self):
        r = run(["-c", self.tmp], cwd=self.tmp, stdin=subprocess.DEVNULL)
        self.assertEqual(r.returncode, 78, r.stdout + r.stderr)
        out = (r.stdout + r.stderr).decode()
        self.assertIn(os.path.join(self.tmp, NAME + ".ini"), out)
        self.assertIn("no configuration", out)
        self.assertEqual(os.listdir(self.tmp), [])

    def test_group_readable_secret_is_refused_with_chmod(self):
        p = write_config(self.tmp, FULL_CONFIG, mode=0o640)
        r = run(["-c", self.tmp], cwd=self.tmp)
        self.assertEqual(r.returncode, 78)
        out = (r.stdout + r.stderr).decode()
        self.assertIn("chmod 600 " + p, out)
        for secret in (TQ_PASSWORD, MB_PASSWORD, CLIENT_SECRET):
            self.assertNotIn(secret, out)

    def test_bad_values_name_key_and_value(self):
        for line, key, value in (("[mailbox]\nport = 99999\n", "port", "99999"),
                                 ("[mailbox]\nproxy_type = http\n", "proxy_type", "http")):
            with self.subTest(key=key):
                write_config(self.tmp, line, mode=0o600)
                r = run(["-c", self.tmp, "--eml", os.path.join(DATA, "latin1-qp.eml"),
                         "--dry-run"], cwd=self.tmp)
                self.assertEqual(r.returncode, 78)
                err = r.stderr.decode()
                self.assertIn(key, err)
                self.assertIn(value, err)
                self.assertEqual(r.stdout, b"")

    def test_unknown_key_warns_with_line(self):
        write_config(self.tmp, "[connector]\n\nsource = X\nbogus_key = 1\n")
        r = run(["-c", self.tmp, "--eml", os.path.join(DATA, "latin1-qp.eml"),
                 "--dry-run"], cwd=self.tmp)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertRegex(r.stderr.decode(), r"%s\.ini:4: .*bogus_key" % NAME)

    def test_secrets_never_logged_at_v3(self):
        write_config(self.tmp, FULL_CONFIG)
        logdir = os.path.join(self.tmp, "log")
        os.mkdir(logdir)
        outs = []
        for args in (["-c", self.tmp, "-v", "3", "-ll", logdir],
                     ["-c", self.tmp, "-v", "3"],
                     ["-c", self.tmp, "-v", "3", "--eml",
                      os.path.join(DATA, "plain-advisory.eml"), "--dry-run"]):
            r = run(args, cwd=self.tmp)
            outs.append(r.stdout + r.stderr)
        with open(os.path.join(logdir, NAME + ".log"), "rb") as f:
            log = f.read()
        self.assertRegex(log.decode(), r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d - %s (DEBUG|INFO|WARNING|ERROR): " % NAME)
        self.assertIn(b"DEBUG", log)
        for blob in outs + [log]:
            for secret in (TQ_PASSWORD, MB_PASSWORD, CLIENT_SECRET):
                self.assertNotIn(secret.encode(), blob)

    def test_log_file_per_name(self):
        write_config(self.tmp, FULL_CONFIG, name="box2")
        logdir = os.path.join(self.tmp, "log")
        os.mkdir(logdir)
        run(["-c", self.tmp, "-n", "box2", "-v", "3", "-ll", logdir], cwd=self.tmp)
        self.assertTrue(os.path.exists(os.path.join(logdir, "box2.log")))
        with open(os.path.join(logdir, "box2.log")) as f:
            self.assertIn(" - box2 ", f.read())

    def test_unwritable_log_dir_is_an_error(self):
        r = run(["-c", self.tmp, "-ll", os.path.join(self.tmp, "nope")], cwd=self.tmp)
        self.assertEqual(r.returncode, 78)
        self.assertIn("nope", r.stderr.decode())


class RootInForeignDirectory(Base):
    """As root, a mailbox run refuses a configuration or log directory of
    another user (the packages' tq_labs directories): what it wrote there
    would belong to root, out of reach of the scheduled runs as tq_labs."""
    NOBODY = 65534

    def setUp(self):
        super().setUp()
        if os.geteuid() != 0:
            self.fail("needs root (the suite runs as root)")
        os.chmod(self.tmp, 0o755)
        self.conf = os.path.join(self.tmp, "conf")
        self.logs = os.path.join(self.tmp, "logs")
        for d in (self.conf, self.logs):
            os.mkdir(d, 0o700)
        write_config(self.conf, FULL_CONFIG)

    def give(self, *paths):
        for p in paths:
            os.chown(p, self.NOBODY, self.NOBODY)

    def assertRefused(self, r, what, path):
        self.assertEqual(r.returncode, 78, r.stdout + r.stderr)
        err = r.stderr.decode()
        self.assertIn("refusing to run as root with the %s directory '%s'"
                      % (what, path), err)
        self.assertIn("sudo -u nobody ", err)

    def test_configuration_directory_of_another_user(self):
        self.give(self.conf, os.path.join(self.conf, NAME + ".ini"))
        r = run(["-c", self.conf, "-ll", self.logs])
        self.assertRefused(r, "configuration", self.conf)
        self.assertEqual(os.listdir(self.conf), [NAME + ".ini"])
        self.assertEqual(os.listdir(self.logs), [])

    def test_log_directory_of_another_user(self):
        self.give(self.logs)
        r = run(["-c", self.conf, "-ll", self.logs])
        self.assertRefused(r, "log", self.logs)
        self.assertEqual(os.listdir(self.conf), [NAME + ".ini"])
        self.assertEqual(os.listdir(self.logs), [])

    def test_that_user_runs(self):
        # As the owner, the run goes on (to the closed IMAP port: 75) and
        # what it writes is its own.
        self.give(self.conf, self.logs, os.path.join(self.conf, NAME + ".ini"))

        def drop():
            os.setgroups([])
            os.setgid(self.NOBODY)
            os.setuid(self.NOBODY)
        r = subprocess.run([BIN, "-c", self.conf, "-ll", self.logs],
                           stdin=subprocess.DEVNULL, capture_output=True,
                           preexec_fn=drop, timeout=60)
        self.assertEqual(r.returncode, 75, r.stdout + r.stderr)
        log = os.path.join(self.logs, NAME + ".log")
        self.assertEqual(os.stat(log).st_uid, self.NOBODY)

    def test_offline_modes_are_not_refused(self):
        # --eml --dry-run only reads the configuration.
        self.give(self.conf, os.path.join(self.conf, NAME + ".ini"))
        r = run(["-c", self.conf, "--dry-run", "--eml",
                 os.path.join(DATA, "plain-advisory.eml")])
        self.assertEqual(r.returncode, 0, r.stderr)


if __name__ == "__main__":
    BIN = os.path.abspath(sys.argv[1])
    DATA = os.path.abspath(sys.argv[2])
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    unittest.main(argv=[sys.argv[0], "-v"] + sys.argv[3:])
