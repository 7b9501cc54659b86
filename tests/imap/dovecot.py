#!/usr/bin/env python3
"""A private Dovecot IMAP server for tests and the demo (runs as root).

    d = Dovecot(workdir, users={"intel": "pw"}, cert=..., key=...,
                listen="127.0.0.1", ssl="yes", oauth2=None)
    d.start()            # returns when the listeners accept connections
    d.imaps_port, d.imap_port
    d.deliver("intel", raw_bytes, seen=False, folder="INBOX") -> filename
    d.flags("intel", folder="INBOX") -> {message-id or filename: set(flags)}
    d.messages("intel", folder="INBOX") -> {message-id or filename: bytes}
    d.create_folder("intel", "Archive/Größe")   # UTF-8 name, via doveadm
    d.restart_with_cert(cert, key)             # same ports
    d.stop()             # waits until the master process is gone

ssl="no" runs without TLS (no STARTTLS offered, no IMAPS listener).
oauth2={"introspection_url": ..., ...} also offers AUTH=XOAUTH2 and
OAUTHBEARER, checked by an oauth2 passdb whose dovecot-oauth2.conf.ext
holds these settings (the passwords still serve PLAIN and LOGIN).
Ports: free ones found by binding port 0, or port_base and port_base+1.
Mailboxes use the "/" hierarchy separator; Maildir++ on disk.

CLI (for the demo script):
    dovecot.py start DIR [--user U --password P] [--port-base N]
        makes test certificates in DIR/certs when none are given, starts,
        prints JSON {imap_port, imaps_port, ca, pid, ...}, leaves it running
    dovecot.py stop DIR
"""
import argparse
import json
import os
import pwd
import grp
import shutil
import signal
import socket
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tqsim"))

START_TIMEOUT = 15.0	# seconds for the listeners to come up
STOP_TIMEOUT = 15.0	# seconds for the master to go away
POLL = 0.02

CONF = """\
protocols = imap
listen = @LISTEN@
base_dir = @DIR@/run
state_dir = @DIR@/state
log_path = @DIR@/log/dovecot.log
info_log_path = @DIR@/log/dovecot.log
ssl = @SSL@
@SSLFILES@
disable_plaintext_auth = no
auth_mechanisms = plain login@OAUTH2_MECHS@
passdb {
  driver = passwd-file
  args = @DIR@/passwd@PASSWD_MECHS@
}@OAUTH2_PASSDB@
userdb {
  driver = static
  args = uid=dovecot gid=dovecot home=@DIR@/mail/%u
}
mail_location = maildir:@DIR@/mail/%u/Maildir
namespace inbox {
  inbox = yes
  separator = /
}
default_login_user = dovenull
default_internal_user = dovecot
default_internal_group = dovecot
service imap-login {
  inet_listener imap {
    port = @IMAP_PORT@
  }
  inet_listener imaps {
    port = @IMAPS_PORT@
    ssl = yes
  }
  chroot =
}
service anvil {
  chroot =
}
service auth {
  user = root
}
first_valid_uid = 1
"""

FLAG_LETTERS = {"S": "\\Seen", "F": "\\Flagged", "R": "\\Answered",
                "T": "\\Deleted", "D": "\\Draft"}


def free_ports(n, host="127.0.0.1"):
    """n distinct free ports: all bound at once, so that two calls in a row
    cannot return the same port (Dovecot then failed with 'duplicate
    listener')."""
    socks = []
    try:
        for _ in range(n):
            s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            socks.append(s)
            s.bind((host, 0))
        return [s.getsockname()[1] for s in socks]
    finally:
        for s in socks:
            s.close()


def free_port(host="127.0.0.1"):
    return free_ports(1, host)[0]


def mutf7(name):
    """RFC 3501 modified UTF-7 (for locating folders on disk)."""
    out, run = [], []

    def flush():
        if run:
            import base64
            b = base64.b64encode("".join(run).encode("utf-16-be"))
            out.append("&" + b.decode().rstrip("=").replace("/", ",") + "-")
            run.clear()
    for ch in name:
        if 0x20 <= ord(ch) <= 0x7e:
            flush()
            out.append("&-" if ch == "&" else ch)
        else:
            run.append(ch)
    flush()
    return "".join(out)


def _pid_alive(pid):
    """True while pid exists and is not a zombie."""
    try:
        with open("/proc/%d/stat" % pid) as f:
            st = f.read()
    except OSError:
        return False
    return st[st.rfind(")") + 2:][:1] != "Z"


def _header(raw, name):
    """First value of a header in raw message bytes, or None."""
    head = raw.split(b"\r\n\r\n", 1)[0].split(b"\n\n", 1)[0]
    want = name.lower().encode() + b":"
    lines = head.replace(b"\r\n", b"\n").split(b"\n")
    for i, line in enumerate(lines):
        if line.lower().startswith(want):
            v = line[len(want):]
            for cont in lines[i + 1:]:
                if cont[:1] not in (b" ", b"\t"):
                    break
                v += cont
            return v.strip().decode("latin-1")
    return None


class Dovecot:
    def __init__(self, workdir, users=None, cert=None, key=None,
                 listen="127.0.0.1", ssl="yes", port_base=None, oauth2=None):
        self.dir = os.path.abspath(workdir)
        self.users = dict(users or {"intel": "pw"})
        self.oauth2 = dict(oauth2) if oauth2 else None
        self.cert, self.key = cert, key
        self.listen = listen
        self.ssl = ssl
        if port_base:
            self.imap_port, self.imaps_port = port_base, port_base + 1
        else:
            self.imap_port, self.imaps_port = free_ports(2, listen)
            if ssl == "no":
                self.imaps_port = 0
        self.pid = None
        self._seq = 0
        pw = pwd.getpwnam("dovecot")
        self.uid, self.gid = pw.pw_uid, grp.getgrnam("dovecot").gr_gid

    # -- files -------------------------------------------------------
    @property
    def conf_path(self):
        return os.path.join(self.dir, "dovecot.conf")

    @property
    def log_path(self):
        return os.path.join(self.dir, "log", "dovecot.log")

    def log(self):
        try:
            with open(self.log_path, errors="replace") as f:
                return f.read()
        except OSError:
            return ""

    def _check_reachable(self):
        """The dovecot user must be able to walk down to the mail."""
        p = os.path.dirname(self.dir)
        while True:
            if not os.stat(p).st_mode & 0o001:
                raise RuntimeError("dovecot: %s is not searchable by others "
                                   "(chmod o+x), so the dovecot user cannot "
                                   "reach %s" % (p, self.dir))
            if p == os.path.dirname(p):
                return
            p = os.path.dirname(p)

    def _write_config(self):
        os.makedirs(self.dir, exist_ok=True)
        self._check_reachable()
        for d in ("run", "state", "log", "mail"):
            os.makedirs(os.path.join(self.dir, d), exist_ok=True)
        os.chmod(self.dir, 0o755)
        os.chown(os.path.join(self.dir, "mail"), self.uid, self.gid)
        sslfiles = ""
        if self.ssl != "no":
            if not self.cert or not self.key:
                raise ValueError("ssl needs cert and key")
            # Copies, so a restart with another certificate is clean.
            shutil.copyfile(self.cert, os.path.join(self.dir, "cert.pem"))
            shutil.copyfile(self.key, os.path.join(self.dir, "key.pem"))
            os.chmod(os.path.join(self.dir, "key.pem"), 0o600)
            sslfiles = ("ssl_cert = <@DIR@/cert.pem\n"
                        "ssl_key = <@DIR@/key.pem\n")
        conf = CONF.replace("@SSLFILES@", sslfiles)
        mechs = pwmechs = passdb = ""
        if self.oauth2:
            mechs = " xoauth2 oauthbearer"
            pwmechs = "\n  mechanisms = plain login"
            passdb = ("\npassdb {\n  driver = oauth2\n"
                      "  mechanisms = xoauth2 oauthbearer\n"
                      "  args = @DIR@/dovecot-oauth2.conf.ext\n}")
            with open(os.path.join(self.dir, "dovecot-oauth2.conf.ext"),
                      "w") as f:
                for k, v in self.oauth2.items():
                    f.write("%s = %s\n" % (k, v))
            os.chmod(os.path.join(self.dir, "dovecot-oauth2.conf.ext"), 0o600)
        conf = (conf.replace("@OAUTH2_MECHS@", mechs)
                .replace("@PASSWD_MECHS@", pwmechs)
                .replace("@OAUTH2_PASSDB@", passdb))
        for k, v in (("@DIR@", self.dir), ("@LISTEN@", self.listen),
                     ("@SSL@", self.ssl),
                     ("@IMAP_PORT@", str(self.imap_port)),
                     ("@IMAPS_PORT@", str(self.imaps_port))):
            conf = conf.replace(k, v)
        with open(self.conf_path, "w") as f:
            f.write(conf)
        with open(os.path.join(self.dir, "passwd"), "w") as f:
            for u, p in self.users.items():
                f.write("%s:{PLAIN}%s::::::\n" % (u, p))
        os.chmod(os.path.join(self.dir, "passwd"), 0o600)

    # -- process -----------------------------------------------------
    def _master_pid(self):
        try:
            with open(os.path.join(self.dir, "run", "master.pid")) as f:
                return int(f.read().strip())
        except (OSError, ValueError):
            return None

    def _wait_port(self, port, deadline):
        while True:
            try:
                socket.create_connection((self.listen, port), 0.5).close()
                return
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError("dovecot: port %d not listening; log:\n%s"
                                   % (port, self.log()))
            if self.pid and not _pid_alive(self.pid):
                raise RuntimeError("dovecot exited; log:\n%s" % self.log())
            time.sleep(POLL)

    def start(self):
        old = self._master_pid()
        if old and _pid_alive(old):
            raise RuntimeError("dovecot already running in %s (pid %d)"
                               % (self.dir, old))
        self._write_config()
        # Not pipes: the daemon would hold them open.
        errpath = os.path.join(self.dir, "log", "start.err")
        with open(errpath, "w+") as err:
            r = subprocess.run(["dovecot", "-c", self.conf_path],
                               stdin=subprocess.DEVNULL, stdout=err,
                               stderr=err)
            err.seek(0)
            msg = err.read().strip()
        if r.returncode != 0:
            raise RuntimeError("dovecot: %s\n%s" % (msg, self.log()))
        deadline = time.monotonic() + START_TIMEOUT
        while self.pid is None:
            self.pid = self._master_pid()
            if self.pid is None:
                if time.monotonic() > deadline:
                    raise RuntimeError("dovecot: no master.pid; log:\n%s"
                                       % self.log())
                time.sleep(POLL)
        self._wait_port(self.imap_port, deadline)
        if self.imaps_port:
            self._wait_port(self.imaps_port, deadline)
        return self

    def stop(self):
        pid = self.pid or self._master_pid()
        self.pid = None
        if not pid or not _pid_alive(pid):
            return
        try:
            os.kill(pid, signal.SIGTERM)
        except ProcessLookupError:
            return
        deadline = time.monotonic() + STOP_TIMEOUT
        while _pid_alive(pid):
            if time.monotonic() > deadline:
                os.kill(pid, signal.SIGKILL)
                deadline += STOP_TIMEOUT
            time.sleep(POLL)

    def restart_with_cert(self, cert, key):
        self.stop()
        self.cert, self.key = cert, key
        return self.start()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    # -- mailboxes ---------------------------------------------------
    def maildir(self, user, folder="INBOX"):
        base = os.path.join(self.dir, "mail", user, "Maildir")
        if folder.upper() == "INBOX":
            return base
        return os.path.join(base, "." + mutf7(folder).replace("/", "."))

    def _mkdirs(self, path):
        """mkdir -p, new directories owned by dovecot."""
        missing = []
        p = path
        while not os.path.isdir(p):
            missing.append(p)
            p = os.path.dirname(p)
        for d in reversed(missing):
            os.mkdir(d, 0o700)
            os.chown(d, self.uid, self.gid)

    def create_folder(self, user, folder):
        """Create a mailbox by its UTF-8 name through doveadm."""
        r = subprocess.run(["doveadm", "-c", self.conf_path, "mailbox",
                            "create", "-u", user, folder],
                           capture_output=True, text=True)
        if r.returncode != 0:
            raise RuntimeError("doveadm mailbox create %s: %s"
                               % (folder, r.stderr.strip()))

    def deliver(self, user, raw, seen=False, folder="INBOX"):
        """Write a message straight into the Maildir; return its name."""
        md = self.maildir(user, folder)
        for sub in ("tmp", "new", "cur"):
            self._mkdirs(os.path.join(md, sub))
        self._seq += 1
        now = time.time()
        base = "%d.M%dP%dQ%d.tqtest,S=%d" % (
            int(now), int((now % 1) * 1e6), os.getpid(), self._seq, len(raw))
        tmp = os.path.join(md, "tmp", base)
        with open(tmp, "wb") as f:
            f.write(raw)
        os.chown(tmp, self.uid, self.gid)
        name = base + ":2,S" if seen else base
        os.rename(tmp, os.path.join(md, "cur" if seen else "new", name))
        return base

    def _keywords(self, md):
        kw = {}
        try:
            with open(os.path.join(md, "dovecot-keywords")) as f:
                for line in f:
                    n, _, word = line.strip().partition(" ")
                    if n.isdigit():
                        kw[chr(ord("a") + int(n))] = word
        except OSError:
            pass
        return kw

    def _files(self, user, folder):
        md = self.maildir(user, folder)
        for sub in ("new", "cur"):
            d = os.path.join(md, sub)
            if not os.path.isdir(d):
                continue
            for fn in sorted(os.listdir(d)):
                yield md, os.path.join(d, fn), fn

    def _key(self, path, fn):
        with open(path, "rb") as f:
            mid = _header(f.read(), "Message-ID")
        return mid or fn.split(":", 1)[0]

    def flags(self, user, folder="INBOX"):
        """{Message-ID (or file name): set of flags} from the file names."""
        out = {}
        for md, path, fn in self._files(user, folder):
            kw = self._keywords(md)
            fl = set()
            if ":2," in fn:
                for c in fn.split(":2,", 1)[1]:
                    if c in FLAG_LETTERS:
                        fl.add(FLAG_LETTERS[c])
                    elif c in kw:
                        fl.add(kw[c])
            out[self._key(path, fn)] = fl
        return out

    def messages(self, user, folder="INBOX"):
        """{Message-ID (or file name): raw bytes}."""
        out = {}
        for _, path, fn in self._files(user, folder):
            with open(path, "rb") as f:
                out[self._key(path, fn)] = f.read()
        return out


def _state_path(d):
    return os.path.join(os.path.abspath(d), "dovecot.json")


def main(argv):
    ap = argparse.ArgumentParser(description="private Dovecot for tests")
    sub = ap.add_subparsers(dest="cmd", required=True)
    st = sub.add_parser("start")
    st.add_argument("dir")
    st.add_argument("--user", default="intel")
    st.add_argument("--password", default="pw")
    st.add_argument("--port-base", type=int)
    st.add_argument("--listen", default="127.0.0.1")
    st.add_argument("--cert")
    st.add_argument("--key")
    sp = sub.add_parser("stop")
    sp.add_argument("dir")
    a = ap.parse_args(argv)
    if a.cmd == "start":
        ca = None
        if not a.cert:
            from certs import make_certs
            c = make_certs(os.path.join(os.path.abspath(a.dir), "certs"))
            a.cert, a.key, ca = c["cert"], c["key"], c["ca"]
        d = Dovecot(a.dir, users={a.user: a.password}, cert=a.cert,
                    key=a.key, listen=a.listen, port_base=a.port_base)
        d.start()
        info = {"dir": d.dir, "listen": d.listen, "imap_port": d.imap_port,
                "imaps_port": d.imaps_port, "ca": ca, "pid": d.pid,
                "user": a.user, "maildir": d.maildir(a.user)}
        with open(_state_path(a.dir), "w") as f:
            json.dump(info, f, indent=1)
        print(json.dumps(info, indent=1))
        return 0
    d = Dovecot.__new__(Dovecot)
    d.dir, d.pid = os.path.abspath(a.dir), None
    Dovecot.stop(d)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
