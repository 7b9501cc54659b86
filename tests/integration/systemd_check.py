#!/usr/bin/env python3
"""The work of scripts/systemd-check (issue 8): the packaged service and timer
under a real systemd.  Usage: systemd_check.py DEB WORKDIR  (as root)

On the host: a private Dovecot holding sample intel mail unread and the
ThreatQ emulator, both on loopback (tests/imap/dovecot.py,
tqsim_fixture.py), and a reference push of the same mail (--eml, the .deb's
own binary, another emulator) for the counts to expect.  Then a container
booted by systemd-nspawn over an overlay of the host's root filesystem
(upper layer on a tmpfs in WORKDIR, so nothing it writes reaches the host),
sharing the host's network, with systemd as PID 1 started on a small target
(sysinit.target only) and every unit the host enables masked: none of the
host's services (sshd, dovecot, danted, postgresql...) starts.  In it:

  apt-get install ./DEB, the configuration and CA in /etc/tq_labs
  SIGTERM (systemctl stop) while the run waits for ThreatQ: exit 75,
      Result=success (SuccessExitStatus), no mail marked read
  systemctl start: Result=success, status 0, the emulator holds what the
      reference holds (the PDF attachment read too), all mail \\Seen, the
      log /var/log/tq_labs/NAME.log of tq_labs; a second start: success,
      no request to ThreatQ
  the unit's sandbox with ExecStart replaced by a probe: user, no new
      privileges, no capabilities, seccomp, read-only /, private /tmp,
      ProtectHome, ProtectProc, RestrictAddressFamilies, and a @privileged
      system call killed by SIGSYS
  systemctl enable --now NAME.timer: active, enabled, its next elapse
      within 2 h + RandomizedDelaySec, on its calendar plus the delay
  no warning of PID 1 about the units (loading them, the runs above)
  apt-get purge stops and removes the timer
  the package's sysusers.d and tmpfiles.d files: systemd-sysusers and
      systemd-tmpfiles --create make the user and the directories

Everything started here is stopped in the end, also on SIGTERM/SIGINT; the
pids, the machine name and the mounts are in WORKDIR (nspawn.pid, pid1,
machine, tqsim.pid, dovecot/, root, ov) for scripts/systemd-check to clean
up after a helper that was killed.
Failures raise Failed: the message is printed and the exit status is 1.
"""
import os
import re
import shutil
import signal
import subprocess
import sys
import time
import traceback

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "imap"))
from tqsim_fixture import TqSim  # noqa: E402
from dovecot import Dovecot  # noqa: E402

NAME = "tq-conn-intel-mailbox-reports"
UNIT = NAME + ".service"
TIMER = NAME + ".timer"
DATA = os.path.join(ROOT, "tests", "data")
# A CERT advisory, a newsletter, a CSV attachment and a PDF one: pdftotext
# reads it in a child, under the unit's sandbox too.
SAMPLES = ["plain-advisory", "newsletter-html", "with-attachment",
           "corpus/35-isac-pdf-report"]
PDF_IOC = "193.42.33.14"	# only in the text of that PDF
USER, PW = "intel", "Sysd;Pw#42"
TARGET = "tq-systemd-check.target"
CA = "/etc/tq_labs/tq-systemd-check-ca.pem"	# in the container
PROBE = "/usr/local/lib/tq-systemd-check/probe"
PROBE_OUT = "/etc/tq_labs/tq-systemd-check-probe.out"
MARKER = "/tmp/tq-systemd-check-marker"
DEBDIR = "/var/cache/tq-systemd-check"	# the .deb in the container
BOOT_TIMEOUT = 60.0
RUN_TIMEOUT = 180.0
WAIT = 60.0	# bound on waiting for an event, never a pacing sleep
ENV = {"PATH": "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
       "LANG": "C.UTF-8", "SYSTEMD_COLORS": "0", "SYSTEMD_PAGER": "",
       "DEBIAN_FRONTEND": "noninteractive", "TERM": "dumb"}

# The unit's sandbox seen from inside: run by the unit in place of its
# ExecStart (a drop-in), writes what it finds in /etc/tq_labs (the one
# writable path), then makes a system call of @privileged: chroot(2) of a
# user without CAP_SYS_CHROOT fails with EPERM, but the filter kills first.
PROBE_SH = r"""#!/bin/sh
# scripts/systemd-check: the sandbox of the unit as its process sees it.
{
	echo "user=$(id -un):$(id -gn)"
	sed -n 's/^\(NoNewPrivs\|Seccomp\|Cap[A-Za-z]*\):[[:space:]]*/\1=/p' \
	    /proc/self/status
	# The last mount of a path is the one in effect.
	for p in / /etc/tq_labs /var/log/tq_labs; do
		awk -v p="$p" '$5 == p { o = $6 }
		    END { split(o, a, ","); print "mount" p "=" a[1] }' \
		    /proc/self/mountinfo
	done
	if [ -e @MARKER@ ]; then echo tmp=shared; else echo tmp=private; fi
	if [ -e /proc/1 ]; then echo proc1=visible; else echo proc1=hidden; fi
	echo "home=$(stat -c %a /home)"
	python3 -c '
import errno, socket
try:
    socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
    print("af_packet=allowed")
except OSError as e:
    print("af_packet=" + errno.errorcode[e.errno])'
	echo end
} >@OUT@
exec chroot / /bin/true
"""
PROBE_EXPECT = {
    "user": "tq_labs:tq_labs",
    "NoNewPrivs": "1",		# NoNewPrivileges=yes
    "Seccomp": "2",		# SystemCallFilter= (filter mode)
    "CapEff": "0000000000000000",
    "CapPrm": "0000000000000000",
    "CapAmb": "0000000000000000",
    "CapBnd": "0000000000000000",	# CapabilityBoundingSet=
    "mount/": "ro",		# ProtectSystem=strict
    "mount/etc/tq_labs": "rw",	# ReadWritePaths=
    "mount/var/log/tq_labs": "rw",	# LogsDirectory=
    "tmp": "private",		# PrivateTmp=yes
    "proc1": "hidden",		# ProtectProc=invisible
    "home": "0",		# ProtectHome=yes (inaccessible)
    "af_packet": "EAFNOSUPPORT",	# RestrictAddressFamilies= (else EPERM)
    "end": None,
}


class Failed(Exception):
    pass


def fail(msg):
    raise Failed(msg)


def step(msg):
    print("== systemd-check: " + msg, flush=True)


def without_tokens(c):
    c = dict(c)
    c.pop("tokens_issued", None)
    return c


def raw(name):
    with open(os.path.join(DATA, name + ".eml"), "rb") as f:
        return f.read()


def _children(pid):
    out = []
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % d) as f:
                st = f.read()
        except OSError:
            continue
        if int(st[st.rfind(")") + 2:].split()[1]) == pid:
            out.append(int(d))
    return out


def _status(pid, key):
    try:
        with open("/proc/%d/status" % pid) as f:
            for line in f:
                if line.startswith(key + ":"):
                    return line.split(":", 1)[1].split()
    except OSError:
        pass
    return None


def _write(path, text, mode=0o644):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        f.write(text)
    os.chmod(path, mode)


class Container:
    """systemd in systemd-nspawn over an overlay of / (upper on a tmpfs)."""

    def __init__(self, workdir, machine):
        self.dir = workdir
        self.ov = os.path.join(workdir, "ov")	# tmpfs: upper and work
        self.root = os.path.join(workdir, "root")	# the merged tree
        self.machine = machine
        self.log_path = os.path.join(workdir, "nspawn.log")
        self.proc = None
        self.pid1 = None

    def path(self, p):
        """A path of the container, seen from the host (writes go to the
        upper layer, as the container's own do)."""
        return os.path.join(self.root, p.lstrip("/"))

    def mount(self):
        os.makedirs(self.ov)
        os.makedirs(self.root)
        subprocess.run(["mount", "-t", "tmpfs", "-o", "mode=0755,size=1g",
                        "tq-systemd-check", self.ov], check=True)
        os.makedirs(os.path.join(self.ov, "upper"))
        os.makedirs(os.path.join(self.ov, "work"))
        subprocess.run(["mount", "-t", "overlay", "tq-systemd-check", "-o",
                        "lowerdir=/,upperdir=%s/upper,workdir=%s/work"
                        % (self.ov, self.ov), self.root], check=True)

    def prepare(self, deb):
        """Before boot: the boot target, the host's services masked, the
        .deb copied in, no man-db index rebuild on install (slow), no
        policy-rc.d."""
        # After= the service: a reference that keeps PID 1 from unloading
        # it once inactive, with the outcome of its last run (Result=,
        # ExecMainStatus=); ordering only, it starts nothing.
        _write(self.path("/etc/systemd/system/" + TARGET),
               "[Unit]\nDescription=scripts/systemd-check: sysinit.target "
               "only\nRequires=sysinit.target\nAfter=sysinit.target %s\n"
               % UNIT)
        masked = set()
        etc = "/etc/systemd/system"
        for d in os.listdir(etc):
            if not d.endswith((".wants", ".requires")):
                continue
            for u in os.listdir(os.path.join(etc, d)):
                if u.startswith(NAME + "."):
                    continue
                masked.add(u)
        for u in sorted(masked):
            p = self.path(os.path.join(etc, u))
            if os.path.lexists(p):
                os.unlink(p)
            os.symlink("/dev/null", p)
        os.makedirs(self.path(DEBDIR), exist_ok=True)
        shutil.copy(deb, self.path(DEBDIR))
        # A container image's "exit 101" policy-rc.d (Docker's, on this
        # machine) would keep the maintainer scripts' deb-systemd-invoke
        # from stopping the units, as it should on an image, but not on
        # the machine a package is for.
        for f in ("/var/lib/man-db/auto-update", "/usr/sbin/policy-rc.d"):
            try:
                os.unlink(self.path(f))
            except FileNotFoundError:
                pass
        return sorted(masked)

    def boot(self):
        _write(os.path.join(self.dir, "machine"), self.machine + "\n")
        log = open(self.log_path, "w")
        self.proc = subprocess.Popen(
            ["systemd-nspawn", "--quiet", "--directory", self.root,
             "--machine", self.machine, "--register=no", "--keep-unit",
             "--link-journal=no", "--console=read-only", "--boot", "--",
             "--unit=" + TARGET],
            stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
            start_new_session=True)
        log.close()
        _write(os.path.join(self.dir, "nspawn.pid"), "%d\n" % self.proc.pid)
        end = time.monotonic() + BOOT_TIMEOUT
        # PID 1 of the container: the child of systemd-nspawn once it has
        # become systemd.
        while self.pid1 is None:
            if self.proc.poll() is not None:
                fail("systemd-nspawn exited with %d:\n%s"
                     % (self.proc.returncode, self.nspawn_log()))
            for c in _children(self.proc.pid):
                ns = _status(c, "NSpid")
                try:
                    with open("/proc/%d/comm" % c) as f:
                        comm = f.read().strip()
                except OSError:
                    continue
                if ns and ns[-1] == "1" and comm == "systemd":
                    self.pid1 = c
            if self.pid1 is None:
                if time.monotonic() > end:
                    fail("no systemd in the container after %d s:\n%s"
                         % (BOOT_TIMEOUT, self.nspawn_log()))
                time.sleep(0.05)	# polling another process, bounded
        _write(os.path.join(self.dir, "pid1"), "%d\n" % self.pid1)
        # systemctl fails until PID 1 listens on /run/systemd/private.
        while True:
            r = self.run("systemctl", "is-system-running", "--wait",
                         check=False, timeout=max(1, end - time.monotonic()))
            state = r.stdout.strip()
            if state in ("running", "degraded"):
                break
            if time.monotonic() > end:
                fail("the container's systemd is %r after %d s:\n%s"
                     % (state or r.stderr.strip(), BOOT_TIMEOUT,
                        self.nspawn_log()))
            time.sleep(0.1)	# polling PID 1, bounded by BOOT_TIMEOUT
        return state

    def nspawn_log(self):
        try:
            with open(self.log_path, errors="replace") as f:
                return f.read()[-4000:]
        except OSError:
            return ""

    def run(self, *argv, check=True, input=None, timeout=RUN_TIMEOUT):
        """A command in all the namespaces of the container's PID 1."""
        try:
            r = subprocess.run(["nsenter", "-t", str(self.pid1), "-a"]
                               + list(argv), env=ENV, input=input,
                               capture_output=True, text=True,
                               errors="replace", timeout=timeout)
        except subprocess.TimeoutExpired:
            fail("in the container: '%s' still running after %d s"
                 % (" ".join(argv), timeout))
        if check and r.returncode != 0:
            fail("in the container: '%s' exited %d:\n%s%s"
                 % (" ".join(argv), r.returncode, r.stdout[-3000:],
                    r.stderr[-3000:]))
        return r

    def show(self, unit, *props):
        r = self.run("systemctl", "show", unit,
                     *["--property=" + p for p in props])
        out = {}
        for line in r.stdout.splitlines():
            k, _, v = line.partition("=")
            out[k] = v
        return out

    def journal(self, unit):
        r = self.run("journalctl", "--no-pager", "-b", "-o", "short-monotonic",
                     "-u", unit, check=False)
        return r.stdout[-4000:]

    def stop(self):
        """Power off, then unmount; return what could not be undone."""
        problems = []
        if self.proc is not None:
            if self.proc.poll() is None:
                # systemd-nspawn turns SIGTERM into an orderly poweroff.
                self.proc.terminate()
                try:
                    self.proc.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    problems.append("systemd-nspawn did not stop in 30 s: "
                                    "killed")
                    self.proc.kill()
                    self.proc.wait()
            if self.pid1 and os.path.exists("/proc/%d" % self.pid1):
                try:
                    os.kill(self.pid1, signal.SIGKILL)
                except ProcessLookupError:
                    pass
            self.proc = None
        for m in (self.root, self.ov):
            if not os.path.ismount(m):
                continue
            for _ in range(50):
                r = subprocess.run(["umount", m], capture_output=True,
                                   text=True)
                if r.returncode == 0 or not os.path.ismount(m):
                    break
                time.sleep(0.1)	# a mount still busy for a moment, bounded
            else:
                problems.append("umount %s: %s" % (m, r.stderr.strip()))
        return problems


class Check:
    def __init__(self, deb, workdir):
        self.deb = os.path.abspath(deb)
        self.dir = os.path.abspath(workdir)
        self.sim = self.dove = None
        self.expected = None
        self.ct = Container(self.dir, "tqcheck%d" % os.getpid())

    # ---- the host's side ----------------------------------------------
    def servers(self):
        step("Dovecot and the ThreatQ emulator on loopback")
        os.chmod(self.dir, 0o755)	# the dovecot user must reach its maildir
        os.makedirs(os.path.join(self.dir, "sim"))
        self.sim = TqSim(os.path.join(self.dir, "sim"))
        _write(os.path.join(self.dir, "tqsim.pid"), "%d\n" % self.sim.proc.pid)
        self.dove = Dovecot(os.path.join(self.dir, "dovecot"),
                            users={USER: PW}, cert=self.sim.certs["cert"],
                            key=self.sim.certs["key"])
        self.dove.start()
        for n in SAMPLES:
            self.dove.deliver(USER, raw(n))
        print("  %d unread messages, IMAPS 127.0.0.1:%d, ThreatQ %s"
              % (len(SAMPLES), self.dove.imaps_port, self.sim.addr))

    def reference(self):
        """What a push of the samples leaves in ThreatQ: the .deb's binary,
        --eml, another emulator (as test_mailbox.py does)."""
        step("reference push (--eml, another emulator)")
        x = os.path.join(self.dir, "deb")
        subprocess.run(["dpkg-deb", "-x", self.deb, x], check=True)
        binary = os.path.join(x, "usr", "bin", NAME)
        d = os.path.join(self.dir, "ref")
        os.makedirs(d)
        ref = TqSim(d, cert=self.sim.certs)
        try:
            _write(os.path.join(d, NAME + ".ini"), ref.config(), 0o600)
            argv = [binary, "-c", d]
            for n in SAMPLES:
                argv += ["--eml", os.path.join(DATA, n + ".eml")]
            r = subprocess.run(argv, capture_output=True, text=True,
                               stdin=subprocess.DEVNULL, timeout=RUN_TIMEOUT)
            if r.returncode != 0:
                fail("reference push exited %d:\n%s"
                     % (r.returncode, r.stderr[-3000:]))
            self.expected = without_tokens(ref.counts())
        finally:
            ref.stop()
        e = self.expected
        print("  expected: %d files, %d reports, %d indicators"
              % (e["attachments"], e["reports"], e["indicators"]))
        if e["attachments"] < len(SAMPLES) or e["reports"] < len(SAMPLES):
            fail("reference push: %r" % e)

    def seen(self):
        return {k: "\\Seen" in v for k, v in self.dove.flags(USER).items()}

    def wait_for_request(self, prefix):
        """Until the emulator has seen a request to prefix, while the unit
        runs."""
        end = time.monotonic() + WAIT
        while time.monotonic() < end:
            if any(e["path"].startswith(prefix) for e in self.sim.log()):
                return
            state = self.ct.run("systemctl", "is-active", UNIT,
                                check=False).stdout.strip()
            if state not in ("activating", "active"):
                fail("%s is %s, and no request to %s:\n%s"
                     % (UNIT, state, prefix, self.diag()))
            time.sleep(0.05)	# polling the emulator, bounded by WAIT
        fail("no request to %s within %d s:\n%s"
             % (prefix, WAIT, self.diag()))

    def diag(self):
        """The unit's journal and the end of the connector's log."""
        r = self.ct.run("tail", "-n", "20", "/var/log/tq_labs/%s.log" % NAME,
                        check=False)
        return "%s-- /var/log/tq_labs/%s.log:\n%s" % (
            self.ct.journal(UNIT), NAME, r.stdout or r.stderr)

    # ---- in the container ---------------------------------------------
    def boot(self):
        step("overlay of / and systemd-nspawn --boot (%s)" % TARGET)
        self.ct.mount()
        masked = self.ct.prepare(self.deb)
        t = time.monotonic()
        state = self.ct.boot()
        print("  systemd %s after %.1f s (PID 1 is host pid %d); %d host "
              "units masked" % (state, time.monotonic() - t, self.ct.pid1,
                                len(masked)))
        if state != "running":
            r = self.ct.run("systemctl", "--failed", "--no-legend",
                            check=False)
            print("  (failed units in the container, not ours:\n%s)"
                  % r.stdout.rstrip())

    def install(self):
        ct = self.ct
        r = ct.run("dpkg-query", "-W", "-f=${Status}", NAME, check=False)
        if r.returncode == 0 and "not-installed" not in r.stdout:
            step("the host had %s (%s): purging it in the container"
                 % (NAME, r.stdout.strip()))
            ct.run("apt-get", "purge", "-y", "-q", NAME)
            # purge keeps the configuration and the journal.
            ct.run("rm", "-rf", "/etc/tq_labs", "/var/log/tq_labs")
        step("apt-get install %s" % os.path.basename(self.deb))
        ct.run("apt-get", "install", "-y", "-q", "--no-install-recommends",
               "-o", "DPkg::Lock::Timeout=60",
               os.path.join(DEBDIR, os.path.basename(self.deb)))
        r = ct.run("stat", "-c", "%n %U:%G %a", "/etc/tq_labs",
                   "/var/log/tq_labs")
        for line in r.stdout.splitlines():
            if not line.endswith(" tq_labs:tq_labs 750"):
                fail("after install: %s" % line)
        p = ct.show(UNIT, "LoadState", "User", "Type")
        if p != {"LoadState": "loaded", "User": "tq_labs", "Type": "oneshot"}:
            fail("%s: %r" % (UNIT, p))
        p = ct.show(TIMER, "LoadState", "UnitFileState")
        if p != {"LoadState": "loaded", "UnitFileState": "disabled"}:
            fail("%s: %r" % (TIMER, p))

    def configure(self):
        step("configuration and CA in /etc/tq_labs (tq_labs, 0600)")
        text = self.sim.config("max_retries = 1\ntimeout = 10\n").replace(
            "ca_file = %s\n" % self.sim.certs["ca"], "ca_file = %s\n" % CA)
        text += ("\n[mailbox]\nserver = 127.0.0.1:%d\nusername = %s\n"
                 "password = \"%s\"\nca_file = %s\ntimeout = 20\n"
                 % (self.dove.imaps_port, USER, PW, CA))
        if CA not in text.split("[mailbox]")[0]:
            fail("no ca_file in the emulator's configuration: %r" % text)
        ini = "/etc/tq_labs/%s.ini" % NAME
        _write(self.ct.path(ini), text, 0o600)
        shutil.copyfile(self.sim.certs["ca"], self.ct.path(CA))
        os.chmod(self.ct.path(CA), 0o644)
        self.ct.run("chown", "tq_labs:tq_labs", ini, CA)

    def start(self, expect_status, what):
        """systemctl start (blocks: Type=oneshot); the unit's outcome."""
        r = self.ct.run("systemctl", "start", UNIT, check=False)
        p = self.ct.show(UNIT, "Result", "ExecMainStatus", "ExecMainCode",
                         "ActiveState", "InvocationID")
        if (r.returncode != 0 or p["Result"] != "success"
                or p["ExecMainStatus"] != str(expect_status)
                or p["ExecMainCode"] != "1"):
            fail("%s: systemctl start exited %d, %r (want Result=success, "
                 "exited with %d):\n%s%s" % (what, r.returncode, p,
                                             expect_status, r.stderr,
                                             self.diag()))
        return p

    def log_text(self):
        r = self.ct.run("cat", "/var/log/tq_labs/%s.log" % NAME)
        return r.stdout

    def sigterm(self):
        step("SIGTERM: systemctl stop while the run waits for ThreatQ")
        # The login is the run's first request to ThreatQ, before any
        # message is pushed: its answer held 3 s, meanwhile systemctl stop
        # sends SIGTERM (KillMode=mixed: to the main process); the connector
        # starts no message and exits 75, which SuccessExitStatus= makes a
        # success.
        self.sim.fault(method="POST", path_prefix="/api/token", kind="slow",
                       delay=3, when="after", count=1)
        self.ct.run("systemctl", "start", "--no-block", UNIT)
        self.wait_for_request("/api/token")
        t = time.monotonic()
        self.ct.run("systemctl", "stop", UNIT)
        took = time.monotonic() - t
        p = self.ct.show(UNIT, "Result", "ExecMainStatus", "ExecMainCode",
                         "ActiveState")
        self.sim.clear_faults()
        want = {"Result": "success", "ExecMainStatus": "75",
                "ExecMainCode": "1", "ActiveState": "inactive"}
        if p != want:
            fail("after systemctl stop: %r, want %r:\n%s"
                 % (p, want, self.diag()))
        if any(self.seen().values()):
            fail("a message was marked read by the stopped run: %r"
                 % self.dove.flags(USER))
        if "stopping on a signal" not in self.log_text():
            fail("no 'stopping on a signal' in the log:\n%s"
                 % self.log_text()[-3000:])
        print("  stopped in %.1f s: exit 75, Result=success, no mail marked "
              "read" % took)

    def runs(self):
        step("systemctl start %s" % UNIT)
        t = time.monotonic()
        first = self.start(0, "first run")
        took = time.monotonic() - t
        got = without_tokens(self.sim.counts())
        if got != self.expected:
            fail("the emulator holds %r, the reference %r:\n%s"
                 % (got, self.expected, self.diag()))
        if not self.sim.get("/api/indicators", value=PDF_IOC)["data"]:
            fail("no indicator %s: the PDF attachment was not read (is "
                 "poppler-utils installed?)" % PDF_IOC)
        if not self.seen() or not all(self.seen().values()):
            fail("not all mail marked read: %r" % self.dove.flags(USER))
        r = self.ct.run("stat", "-c", "%U:%G %a",
                        "/var/log/tq_labs/%s.log" % NAME,
                        "/etc/tq_labs/%s.journal" % NAME)
        owners = r.stdout.split("\n")
        if not owners[0].startswith("tq_labs:tq_labs ") or \
                not owners[1].startswith("tq_labs:tq_labs "):
            fail("log and journal files: %r" % r.stdout)
        summary = "messages: %d seen, %d ok, 0 failed" % (len(SAMPLES),
                                                         len(SAMPLES))
        if summary not in self.log_text():
            fail("no '%s' in /var/log/tq_labs/%s.log:\n%s"
                 % (summary, NAME, self.log_text()[-3000:]))
        print("  Result=success, exit 0 in %.1f s; %d files, %d reports, %d "
              "indicators as the reference (PDF read); all %d messages "
              "\\Seen; log of tq_labs"
              % (took, got["attachments"], got["reports"], got["indicators"],
                 len(SAMPLES)))
        step("systemctl start again: nothing new")
        before = len(self.sim.log())
        second = self.start(0, "second run")
        if second["InvocationID"] == first["InvocationID"]:
            fail("the second start did not run the service again")
        new = self.sim.log()[before:]
        if new:
            fail("the second run sent %d request(s) to ThreatQ: %r"
                 % (len(new), new[:5]))
        if without_tokens(self.sim.counts()) != self.expected:
            fail("the second run changed ThreatQ: %r" % self.sim.counts())
        if "messages: 0 seen" not in self.log_text():
            fail("no 'messages: 0 seen' in the log")
        print("  Result=success, exit 0, no request to ThreatQ")

    def sandbox(self):
        step("the unit's sandbox, ExecStart replaced by a probe")
        ct = self.ct
        _write(ct.path(PROBE), PROBE_SH.replace("@MARKER@", MARKER)
               .replace("@OUT@", PROBE_OUT), 0o755)
        dropin = "/etc/systemd/system/%s.d/tq-systemd-check.conf" % UNIT
        _write(ct.path(dropin), "[Service]\nExecStart=\nExecStart=%s\n"
               % PROBE)
        ct.run("touch", MARKER)	# in the container's /tmp
        ct.run("systemctl", "daemon-reload")
        try:
            ct.run("systemctl", "start", UNIT, check=False)
            p = ct.show(UNIT, "Result", "ExecMainStatus", "ExecMainCode")
        finally:
            os.unlink(ct.path(dropin))
            ct.run("systemctl", "daemon-reload")
            ct.run("systemctl", "reset-failed", UNIT, check=False)
        try:
            with open(ct.path(PROBE_OUT)) as f:
                text = f.read()
            os.unlink(ct.path(PROBE_OUT))
        except OSError as e:
            fail("the probe wrote nothing (%s): %r\n%s"
                 % (e, p, ct.journal(UNIT)))
        got = {}
        for line in text.splitlines():
            k, _, v = line.partition("=")
            got[k] = v or None
        bad = ["%s=%s (want %s)" % (k, got.get(k), v)
               for k, v in PROBE_EXPECT.items() if got.get(k, "-") != v]
        if bad:
            fail("sandbox: %s\n%s" % ("; ".join(bad), text))
        # SIGSYS (31): killed (2) or dumped (3), never an exit status.
        if p["ExecMainStatus"] != "31" or p["ExecMainCode"] not in ("2", "3"):
            fail("chroot(2) under SystemCallFilter=~@privileged: %r, want "
                 "SIGSYS" % p)
        print("  tq_labs, NoNewPrivs, no capabilities, seccomp; / read-only, "
              "/etc/tq_labs and /var/log/tq_labs writable; private /tmp; "
              "/home inaccessible; /proc/1 hidden; AF_PACKET refused; "
              "chroot(2) killed by SIGSYS")

    def timer(self):
        step("systemctl enable --now %s" % TIMER)
        ct = self.ct
        ct.run("systemctl", "enable", "--now", TIMER)
        now = time.time()
        p = ct.show(TIMER, "ActiveState", "UnitFileState", "Triggers",
                    "TimersCalendar", "NextElapseUSecRealtime",
                    "RandomizedDelayUSec")
        if (p["ActiveState"] != "active" or p["UnitFileState"] != "enabled"
                or p["Triggers"] != UNIT):
            fail("%s: %r" % (TIMER, p))
        # TimersCalendar={ OnCalendar=*-*-* 00/2:00:00 ; next_elapse=Thu
        # 2026-12-03 20:00:00 UTC }: the calendar's next time; the timer's
        # next elapse is that plus a random delay.
        m = re.match(r"\{ OnCalendar=(.*) ; next_elapse=(.*) \}$",
                     p["TimersCalendar"])
        if not m or m.group(1) != "*-*-* 00/2:00:00":
            fail("%s: TimersCalendar=%s" % (TIMER, p["TimersCalendar"]))
        delay = {"10min": 600}.get(p["RandomizedDelayUSec"])
        if delay is None:
            fail("%s: RandomizedDelayUSec=%s, the check expects 10min"
                 % (TIMER, p["RandomizedDelayUSec"]))
        # Local times with their zone, read by date(1) in the container.
        r = ct.run("date", "-f", "-", "+%s", check=False,
                   input="%s\n%s\n" % (m.group(2),
                                        p["NextElapseUSecRealtime"]))
        try:
            cal, nxt = [int(x) for x in r.stdout.split()]
        except ValueError:
            fail("%s: %r: dates not understood: %s"
                 % (TIMER, p, r.stderr.strip()))
        # Two hours at most to the next run, plus RandomizedDelaySec and
        # AccuracySec=1min; and the random delay on top of the calendar.
        if not (now < nxt <= now + 7200 + delay + 60
                and cal <= nxt <= cal + delay + 60):
            fail("%s: next elapse %s, calendar %s, now %s"
                 % (TIMER, time.ctime(nxt), time.ctime(cal), time.ctime(now)))
        print("  active, enabled; next run in %.0f min: %s + %d s (random "
              "delay)" % ((nxt - now) / 60, m.group(2), nxt - cal))

    def unit_warnings(self):
        step("PID 1's warnings about the units")
        self.ct.run("journalctl", "--sync")
        r = self.ct.run("journalctl", "--no-pager", "-b", "-o", "cat",
                        "-p", "warning", "_PID=1")
        lines = [line for line in r.stdout.splitlines() if NAME in line]
        if lines:
            fail("systemd warned about the units:\n" + "\n".join(lines))
        print("  none")

    def purge(self):
        step("apt-get purge: the timer stopped and gone")
        ct = self.ct
        ct.run("apt-get", "purge", "-y", "-q", NAME)
        p = ct.show(TIMER, "ActiveState", "LoadState")
        if p != {"ActiveState": "inactive", "LoadState": "not-found"}:
            fail("%s after purge: %r" % (TIMER, p))
        link = "/etc/systemd/system/timers.target.wants/" + TIMER
        if os.path.lexists(ct.path(link)):
            fail("%s is left after purge" % link)
        print("  inactive, not-found, no timers.target.wants link")

    def by_hand(self):
        """The sysusers.d and tmpfiles.d files of the package (what the
        .rpm and an install by hand use; the .deb's postinst does the same
        with adduser), from no user and no directories."""
        step("the package's sysusers.d and tmpfiles.d files")
        ct = self.ct
        files = {}
        for kind in ("sysusers.d", "tmpfiles.d"):
            src = os.path.join(self.dir, "deb", "usr", "lib", kind,
                               NAME + ".conf")
            files[kind] = os.path.join(DEBDIR, kind + ".conf")
            shutil.copyfile(src, ct.path(files[kind]))
        ct.run("userdel", "tq_labs")
        if ct.run("getent", "group", "tq_labs", check=False).returncode == 0:
            ct.run("groupdel", "tq_labs")
        ct.run("rm", "-rf", "/etc/tq_labs", "/var/log/tq_labs")
        ct.run("systemd-sysusers", files["sysusers.d"])
        ct.run("systemd-tmpfiles", "--create", files["tmpfiles.d"])
        pw = ct.run("getent", "passwd", "tq_labs").stdout.strip().split(":")
        gr = ct.run("getent", "group", "tq_labs").stdout.strip().split(":")
        if (len(pw) != 7 or not int(pw[2]) < 1000 or pw[3] != gr[2]
                or pw[5] != "/nonexistent"
                or os.path.basename(pw[6]) != "nologin"):
            fail("systemd-sysusers made %r, group %r" % (pw, gr))
        r = ct.run("stat", "-c", "%n %U:%G %a", "/etc/tq_labs",
                   "/var/log/tq_labs")
        for line in r.stdout.splitlines():
            if not line.endswith(" tq_labs:tq_labs 750"):
                fail("systemd-tmpfiles --create: %s" % line)
        print("  system user tq_labs (uid %s, %s, %s); /etc/tq_labs and "
              "/var/log/tq_labs tq_labs:tq_labs 0750" % (pw[2], pw[5], pw[6]))

    def main(self):
        self.servers()
        self.reference()
        self.boot()
        self.install()
        self.configure()
        self.sigterm()
        self.runs()
        self.unit_warnings()
        self.sandbox()
        self.timer()
        self.purge()
        self.by_hand()

    def cleanup(self):
        problems = self.ct.stop()
        if self.dove:
            self.dove.stop()
        if self.sim:
            self.sim.stop()
        return problems


def subreaper():
    """Dovecot's master daemonizes: orphaned, it comes to this process
    rather than to PID 1, which would leave it a zombie for a while."""
    import ctypes
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(36, 1, 0, 0, 0)	# PR_SET_CHILD_SUBREAPER


def reap():
    """Wait for every child left (after all is stopped); kill those that
    do not end within 5 s.  Returns what had to be killed."""
    problems = []
    end = time.monotonic() + 5
    killed = False
    while True:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return problems
        if pid:
            continue
        if time.monotonic() > end:
            left = _children(os.getpid())
            if killed:
                problems.append("processes %s do not end" % left)
                return problems
            for c in left:
                problems.append("process %d still running: killed" % c)
                try:
                    os.kill(c, signal.SIGKILL)
                except ProcessLookupError:
                    pass
            killed = True
            end = time.monotonic() + 5
        time.sleep(0.05)	# children being stopped, bounded


def on_signal(sig, frame):
    # Once: the cleanup that follows is not interrupted again.
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    raise KeyboardInterrupt("signal %d" % sig)


def main(argv):
    if len(argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    subreaper()
    c = Check(argv[0], argv[1])
    rc = 0
    try:
        c.main()
    except Failed as e:
        print("scripts/systemd-check: FAILED: %s" % e, file=sys.stderr)
        rc = 1
    except KeyboardInterrupt as e:
        print("scripts/systemd-check: FAILED: interrupted (%s)" % e,
              file=sys.stderr)
        rc = 1
    except Exception as e:	# a bug here, or a server that did not start
        traceback.print_exc()
        print("scripts/systemd-check: FAILED: %s: %s" % (type(e).__name__, e),
              file=sys.stderr)
        rc = 1
    finally:
        # Not interrupted again while undoing (the caller waits).
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        for p in c.cleanup() + reap():
            print("scripts/systemd-check: FAILED: cleanup: %s" % p,
                  file=sys.stderr)
            rc = 1
    return rc


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
