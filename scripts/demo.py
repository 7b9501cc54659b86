#!/usr/bin/env python3
"""The main job end to end on the embedded default: a private Dovecot
(loopback, real TLS) holding the sample intel mail unread, the ThreatQ
emulator, and one cron-style run of the connector between them.  Prints the
connector's log, then what ThreatQ now holds, then stops both servers.
Usage: demo.py BINARY"""
import os
import shutil
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "tests", "integration"))
sys.path.insert(0, os.path.join(ROOT, "tests", "imap"))
from tqsim_fixture import TqSim  # noqa: E402
from dovecot import Dovecot  # noqa: E402

NAME = "tq-conn-intel-mailbox-reports"


def main(binary):
    tmp = tempfile.mkdtemp(prefix="tq-demo.")
    os.chmod(tmp, 0o755)	# the dovecot user must reach its maildir
    sim = dove = None
    try:
        os.makedirs(os.path.join(tmp, "threatq"))
        sim = TqSim(os.path.join(tmp, "threatq"))
        dove = Dovecot(os.path.join(tmp, "dovecot"), users={"intel": "demo-pw"},
                       cert=sim.certs["cert"], key=sim.certs["key"])
        dove.start()
        data = os.path.join(ROOT, "tests", "data")
        samples = sorted(f for f in os.listdir(data) if f.endswith(".eml"))
        arts = os.path.join(data, "articles")
        if os.path.isdir(arts):
            samples += [os.path.join("articles", f) for f in sorted(os.listdir(arts))
                        if f.endswith(".eml")]
        for f in samples:
            with open(os.path.join(data, f), "rb") as fp:
                dove.deliver("intel", fp.read())
        cfg = os.path.join(tmp, "config")
        os.mkdir(cfg)
        ini = os.path.join(cfg, NAME + ".ini")
        with open(ini, "w") as f:
            f.write(sim.config() + "\n[mailbox]\nserver = 127.0.0.1:%d\n"
                    "username = intel\npassword = demo-pw\nca_file = %s\n"
                    % (dove.imaps_port, sim.certs["ca"]))
        os.chmod(ini, 0o600)
        print("== %d unread messages in a private Dovecot (IMAPS 127.0.0.1:%d), "
              "ThreatQ emulator on %s" % (len(samples), dove.imaps_port, sim.addr))
        print("== %s -c %s -v 2" % (NAME, cfg), flush=True)
        r = subprocess.run([binary, "-c", cfg, "-v", "2"], stdin=subprocess.DEVNULL)
        print("== exit status %d" % r.returncode)
        counts = sim.counts()
        print("== ThreatQ now holds: %d files, %d reports, %d indicators, "
              "%d relations" % (counts["attachments"], counts["reports"],
                                counts["indicators"], counts["relations"]))
        for rep in sim.get("/api/report", limit=100)["data"]:
            print("   report: %s" % rep["value"])
        unread = sum(1 for v in dove.flags("intel").values() if "\\Seen" not in v)
        print("== unread messages left: %d" % unread)
        return r.returncode
    finally:
        if dove:
            dove.stop()
        if sim:
            sim.stop()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main(os.path.abspath(sys.argv[1])))
