#!/usr/bin/env python3
"""Fault injection for the mailbox run: many trials, each delivering a
fresh batch of intel mail to a private Dovecot, starting a run and breaking
it - SIGKILL at a random moment, ThreatQ failing, dropping responses or
expiring tokens, or the IMAP connection killed - then running again cleanly
and checking that every message is \\Seen and that ThreatQ holds each file,
report, indicator and relation exactly once and nothing else.

Usage: fault_injection.py BINARY DATADIR [--trials N] [--seed S]
Prints the trials run and the messages lost and objects duplicated; exits 1
unless both are 0.
"""
import argparse
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "imap"))
from tqsim_fixture import TqSim  # noqa: E402
from dovecot import Dovecot  # noqa: E402

NAME = "tq-conn-intel-mailbox-reports"
SAMPLES = ["plain-advisory", "newsletter-html", "with-attachment", "latin1-qp"]
USER, PW = "intel", "fi-pw"
KINDS = ["kill", "kill", "tq_fail", "tq_drop", "tq_slow", "tq_expire", "imap_kill"]
ENDPOINTS = [("GET", "/api/attachments"), ("POST", "/api/attachments"),
             ("POST", "/api/report/consume"), ("POST", "/api/indicators/consume")]


def batch(data, trial):
    """The samples made unique to this trial (Message-ID and Date differ, so
    files differ; reports and indicators are the same as the reference)."""
    out = []
    for n in SAMPLES:
        with open(os.path.join(data, n + ".eml"), "rb") as f:
            raw = f.read()
        out.append(raw.replace(b"Message-ID: <", b"Message-ID: <t%d-" % trial, 1))
    return out


def counts(sim):
    c = sim.counts()
    c.pop("tokens_issued", None)
    return c


def run(binary, cfg, timeout=120):
    return subprocess.run([binary, "-c", cfg, "-v", "3"], capture_output=True,
                          stdin=subprocess.DEVNULL, timeout=timeout)


def write_config(cfg, sim, dove, imap_ca, in_flight):
    path = os.path.join(cfg, NAME + ".ini")
    with open(path, "w") as f:
        f.write(sim.config("max_retries = 1\ntimeout = 4\n") +
                "\n[mailbox]\nserver = 127.0.0.1:%d\nusername = %s\npassword = %s\n"
                "ca_file = %s\ntimeout = 10\n" % (dove.imaps_port, USER, PW, imap_ca) +
                "\n[connector]\nmax_in_flight = %d\n" % in_flight)
    os.chmod(path, 0o600)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("binary")
    ap.add_argument("data")
    ap.add_argument("--trials", type=int, default=30)
    ap.add_argument("--seed", type=int, default=None)
    ap.add_argument("--in-flight", type=int, default=8,
                    help="[connector] max_in_flight (default 8: the whole "
                    "batch pushed at once)")
    a = ap.parse_args()
    seed = a.seed if a.seed is not None else int(time.time())
    rnd = random.Random(seed)
    binary = os.path.abspath(a.binary)
    tmp = tempfile.mkdtemp(prefix="tqfi.")
    os.chmod(tmp, 0o755)
    lost = dup = 0
    kinds_run = {}
    sim = dove = None
    try:
        # Reference: the same batch pushed once into a fresh emulator.
        os.makedirs(os.path.join(tmp, "ref"))
        ref = TqSim(os.path.join(tmp, "ref"))
        reff = []
        for i, raw in enumerate(batch(a.data, 0)):
            p = os.path.join(tmp, "ref", "%d.eml" % i)
            with open(p, "wb") as f:
                f.write(raw.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n"))
            reff.append(p)
        rcfg = os.path.join(tmp, "ref", NAME + ".ini")
        with open(rcfg, "w") as f:
            f.write(ref.config())
        os.chmod(rcfg, 0o600)
        argv = [binary, "-c", os.path.join(tmp, "ref")]
        for p in reff:
            argv += ["--eml", p]
        r = subprocess.run(argv, capture_output=True, timeout=120)
        if r.returncode != 0:
            sys.exit("reference push failed: %s" % r.stderr.decode(errors="replace"))
        per_batch = counts(ref)
        ref.stop()

        os.makedirs(os.path.join(tmp, "dovecot"))
        dove = Dovecot(os.path.join(tmp, "dovecot"), users={USER: PW},
                       cert=None, key=None)
        # The certificates of the first emulator serve Dovecot for all trials.
        os.makedirs(os.path.join(tmp, "sim0"))
        sim = TqSim(os.path.join(tmp, "sim0"))
        dove.cert, dove.key = sim.certs["cert"], sim.certs["key"]
        imap_ca = sim.certs["ca"]
        dove.start()
        cfg = os.path.join(tmp, "cfg")
        os.mkdir(cfg)
        # A clean run's length sets the window for random kills.
        for raw in batch(a.data, 10**6):
            dove.deliver(USER, raw)
        write_config(cfg, sim, dove, imap_ca, a.in_flight)
        t0 = time.monotonic()
        r = run(binary, cfg)
        window = max(0.2, time.monotonic() - t0)
        if r.returncode != 0:
            sys.exit("clean run failed: %s" % r.stderr.decode(errors="replace")[-2000:])
        want = b"pushing up to %d messages at once" % min(a.in_flight, len(SAMPLES))
        if a.in_flight > 1 and want not in r.stdout + r.stderr:
            sys.exit("the clean run did not push concurrently (no '%s')" % want.decode())
        sim.stop()
        sim = None

        for trial in range(1, a.trials + 1):
            tdir = os.path.join(tmp, "sim%d" % trial)
            os.makedirs(tdir)
            sim = TqSim(tdir)
            write_config(cfg, sim, dove, imap_ca, a.in_flight)
            ids = []
            for raw in batch(a.data, trial):
                dove.deliver(USER, raw)
                ids.append(raw.split(b"Message-ID: ", 1)[1].split(b"\n", 1)[0].strip().decode())
            kind = rnd.choice(KINDS)
            kinds_run[kind] = kinds_run.get(kind, 0) + 1
            method, path = rnd.choice(ENDPOINTS)
            if kind == "tq_fail":
                sim.fault(method=method, path_prefix=path, kind="status",
                          status=rnd.choice([500, 502, 503]), count=rnd.randint(1, 50))
            elif kind == "tq_drop":
                sim.fault(method=method, path_prefix=path, kind="drop",
                          when=rnd.choice(["before", "after"]), count=rnd.randint(1, 3))
            elif kind == "tq_slow":
                sim.fault(method=method, path_prefix=path, kind="slow", delay=6,
                          when=rnd.choice(["before", "after"]), count=1)
            p = subprocess.Popen([binary, "-c", cfg, "-v", "3"], stdout=subprocess.DEVNULL,
                                 stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL)
            if kind in ("kill", "tq_expire", "imap_kill"):
                time.sleep(rnd.uniform(0, window))	# a random moment, not a wait
                if kind == "kill":
                    p.send_signal(signal.SIGKILL)
                elif kind == "tq_expire":
                    sim.fault(kind="expire_tokens")
                else:
                    subprocess.run(["pkill", "-KILL", "-x", "-P",
                                    str(dove._master_pid()), "imap"])
            first = p.wait(timeout=300)
            sim.clear_faults()
            second = run(binary, cfg)
            flags = dove.flags(USER)
            unseen = [m for m in ids if "\\Seen" not in flags.get(m, set())]
            got = counts(sim)
            t_lost = len(unseen) + sum(max(0, per_batch[k] - got[k]) for k in per_batch)
            t_dup = sum(max(0, got[k] - per_batch[k]) for k in per_batch)
            ok = second.returncode == 0 and t_lost == 0 and t_dup == 0
            print("trial %d: %-9s first exit %s, second exit %d, lost %d, duplicated %d%s"
                  % (trial, kind, first, second.returncode, t_lost, t_dup,
                     "" if ok else "  <-- FAILED"), flush=True)
            if second.returncode != 0:
                print(second.stderr.decode(errors="replace")[-2000:])
                t_lost += 1
            lost += t_lost
            dup += t_dup
            sim.stop()
            sim = None
    finally:
        if sim:
            sim.stop()
        if dove:
            dove.stop()
        shutil.rmtree(tmp, ignore_errors=True)
    print("fault injection: seed %d, %d trials (%s), max_in_flight %d, lost %d, "
          "duplicated %d"
          % (seed, a.trials, ", ".join("%s %d" % kv for kv in sorted(kinds_run.items())),
             a.in_flight, lost, dup))
    return 0 if lost == 0 and dup == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
