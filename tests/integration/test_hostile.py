#!/usr/bin/env python3
"""Hostile-mail corpus: every message of tests/data/hostile/expected.json
goes through the binary in its own process,

    BINARY --eml HOSTILE --eml NORMAL --dry-run

and must end as written there ("plan" or "error"), without a signal or a
sanitizer report, within MAX_SECONDS of wall time and MAX_RSS_MB of peak
resident memory (of the process and the children it waited for, pdftotext
included: os.wait4), and the normal sample after it must still be planned.

Usage: test_hostile.py BINARY DATADIR [--sanitized ON|OFF] [ONLY...]

The messages are made at run time by DATADIR/hostile/make_hostile.py
(--serve, in a process of its own) into a temporary directory, one at a
time (the largest is 65 MiB); the small ones are also committed in
DATADIR/hostile and must equal what the generator makes.  The binary is
started by a small process of its own too (this script with --spawn), with
fork: a child's ru_maxrss is never below what its parent had resident when
it forked (with vfork, the parent's peak), so the spawner must stay small;
the table's "floor" line says how small.

A sanitizer build (--sanitized ON, from CMake's TQ_SANITIZE, else detected
in the binary) gets TIME_FACTOR_SANITIZED times the time and
MAX_RSS_MB_SANITIZED of memory, and says so; the messages are the same.
The environment variable TQ_HOSTILE_TIME_FACTOR overrides the time factor.

An expectation with a "known_defect" note that is not met is printed as
KNOWN DEFECT and does not fail the test (nor count as a pass).
"""
import hashlib
import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import time

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import plancheck  # noqa: E402

MAX_SECONDS = 30.0  # per message; the PDF child alone may take 20 s of wall clock
MAX_RSS_MB = 512    # per message, normal build
TIME_FACTOR_SANITIZED = 3.0
MAX_RSS_MB_SANITIZED = 1536  # ASan shadow memory and quarantine

# include/bounds.h
MAX_ARTICLES = 200
MAX_IOCS = 20000
MAX_IOC_LEN = 2048
MAX_TITLE_LEN = 512
NAME_MAX = 255  # a file name, bytes

BIDI = set("\u061c\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f")
CTRL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
CTRL_ALL = re.compile(r"[\x00-\x1f\x7f]")
ISO_DATE = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")


class Generator:
    """make_hostile.py --serve DIR in a child process."""

    def __init__(self, hdir, outdir):
        self.p = subprocess.Popen(
            [sys.executable, "-B", os.path.join(hdir, "make_hostile.py"),
             "--serve", outdir], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
            text=True)

    def ask(self, line):
        self.p.stdin.write(line + "\n")
        self.p.stdin.flush()
        ans = self.p.stdout.readline().split()
        if not ans or ans[0] == "error":
            raise RuntimeError("make_hostile.py: %s: %s" % (line, " ".join(ans)))
        return ans

    def write(self, name):
        """(size, may be committed) of the case written."""
        size, commit = self.ask("write " + name)
        return int(size), commit == "1"

    def payload(self, fn):
        size, sha = self.ask("payload " + fn)
        return int(size), sha

    def close(self):
        self.p.stdin.close()
        self.p.wait()


def list_cases(hdir):
    """[(name, may be committed)] of make_hostile.CASES, without building any."""
    src = open(os.path.join(hdir, "make_hostile.py"), encoding="utf-8").read()
    out = []
    for m in re.finditer(r'@case\("([^"]+)",(.*?)\)\ndef ', src, re.S):
        out.append((m.group(1), "commit=False" not in m.group(2)))
    return out


def sha256_file(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for blk in iter(lambda: f.read(1 << 20), b""):
            h.update(blk)
    return h.hexdigest()


def is_sanitized(binary, flag):
    if flag is not None:
        return flag.upper() in ("ON", "1", "TRUE", "YES")
    with open(binary, "rb") as f:
        return b"__asan_init" in f.read()


def spawn(argv, cwd, limit):
    """Run argv (output to cwd/stdout and cwd/stderr, in a new session),
    killing its process group after limit seconds: (exit status, seconds,
    peak RSS in MB, timed out).  fork, not vfork (which subprocess uses):
    a vforked child's peak RSS starts at its parent's peak."""
    out = os.open(os.path.join(cwd, "stdout"), os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    err = os.open(os.path.join(cwd, "stderr"), os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    t0 = time.monotonic()
    pid = os.fork()
    if pid == 0:
        try:
            os.setsid()
            os.chdir(cwd)
            nul = os.open(os.devnull, os.O_RDONLY)
            os.dup2(nul, 0)
            os.dup2(out, 1)
            os.dup2(err, 2)
            os.closerange(3, 1024)
            os.execv(argv[0], argv)
        finally:
            os._exit(127)
    os.close(out)
    os.close(err)
    timed_out = False
    while True:
        wpid, status, ru = os.wait4(pid, os.WNOHANG)
        if wpid == pid:
            break
        if time.monotonic() - t0 > limit:
            timed_out = True
            os.killpg(pid, signal.SIGKILL)
            wpid, status, ru = os.wait4(pid, 0)
            break
        time.sleep(0.005)
    secs = time.monotonic() - t0
    return os.waitstatus_to_exitcode(status), secs, ru.ru_maxrss / 1024.0, timed_out


def spawn_server():
    """--spawn: one JSON request [argv, cwd, limit] a line, one JSON answer
    from spawn().  This process stays small (it never reads what the child
    writes), so the peak RSS of a child is the child's own: on Linux a
    child's ru_maxrss is never below what its parent had resident when it
    forked."""
    for line in sys.stdin:
        argv, cwd, limit = json.loads(line)
        print(json.dumps(spawn(argv, cwd, limit)), flush=True)
    return 0


class Runner:
    def __init__(self):
        self.p = subprocess.Popen(
            [sys.executable, "-B", os.path.abspath(__file__), "--spawn"],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)

    def run(self, argv, cwd, limit):
        """(status, seconds, peak MB, stdout bytes, stderr text, timed out)."""
        self.p.stdin.write(json.dumps([argv, cwd, limit]) + "\n")
        self.p.stdin.flush()
        status, secs, mb, timed_out = json.loads(self.p.stdout.readline())
        with open(os.path.join(cwd, "stdout"), "rb") as f:
            out = f.read()
        with open(os.path.join(cwd, "stderr"), "rb") as f:
            err = f.read().decode(errors="replace")
        return status, secs, mb, out, err, timed_out

    def close(self):
        self.p.stdin.close()
        self.p.wait()


def strings(doc):
    if isinstance(doc, str):
        yield doc
    elif isinstance(doc, dict):
        for v in doc.values():
            yield from strings(v)
    elif isinstance(doc, list):
        for v in doc:
            yield from strings(v)


def all_indicators(plan):
    for r in plan.get("reports", []):
        yield from r.get("indicators", [])
    for a in plan.get("attachments", []):
        yield from a.get("indicators", [])
    yield from plan.get("indicators", [])


def safe_name_problem(name):
    if not name:
        return "empty name"
    if "/" in name or "\\" in name:
        return "path separator in %r" % name
    if CTRL_ALL.search(name):
        return "control character in %r" % name
    if BIDI & set(name):
        return "bidirectional override in %r" % name
    if name in (".", "..") or name.startswith("."):
        return "dot name %r" % name
    if len(name.encode()) > NAME_MAX:
        return "name of %d bytes" % len(name.encode())
    return None


def in_range(what, n, rng):
    lo, hi = rng
    if n < lo or n > hi:
        return ["%s: %d, expected %d..%d" % (what, n, lo, hi)]
    return []


def check_plan(plan, path, want, gen):
    """Differences between a plan and the bounds and expectations."""
    d = plancheck.check_shape(plan)
    if d:
        return d
    m = plan["message"]
    size = os.path.getsize(path)
    if m.get("size") != size:
        d.append("message.size %r, file has %d bytes" % (m.get("size"), size))
    if m.get("sha256") != sha256_file(path):
        d.append("message.sha256 is not the file's")
    if not ISO_DATE.match(m.get("date") or ""):
        d.append("message.date %r is not ISO 8601 UTC" % m.get("date"))
    for s in strings(plan):
        if CTRL.search(s):
            d.append("control character in %r" % s[:80])
            break
    for key in ("subject", "from", "message_id"):
        if m.get(key) is not None and CTRL_ALL.search(m[key]):
            d.append("message.%s has a control character" % key)
    if len(plan["reports"]) > MAX_ARTICLES:
        d.append("%d reports > MAX_ARTICLES" % len(plan["reports"]))
    for r in plan["reports"]:
        if len(r["title"].encode()) > MAX_TITLE_LEN:
            d.append("report title of %d bytes" % len(r["title"].encode()))
            break
    names = [a["name"] for a in plan["attachments"]] + \
        [a.get("name") for a in plan.get("not_uploaded", [])]
    for n in names:
        prob = safe_name_problem(n)
        if prob:
            d.append("attachment name: " + prob)
    iocs = list(all_indicators(plan))
    if len(iocs) > MAX_IOCS:
        d.append("%d indicators in one message > MAX_IOCS" % len(iocs))
    for i in iocs:
        if len(i.get("value", "").encode()) > MAX_IOC_LEN:
            d.append("indicator of %d bytes" % len(i["value"].encode()))
            break
    # The expectations of this message.
    if "subject" in want and m.get("subject") != want["subject"]:
        d.append("subject %r, expected %r" % (m.get("subject"), want["subject"]))
    if "subject_contains" in want and want["subject_contains"] not in (m.get("subject") or ""):
        d.append("subject %r lacks %r" % ((m.get("subject") or "")[:80], want["subject_contains"]))
    if "tlp" in want and m.get("tlp") != want["tlp"]:
        d.append("TLP %r, expected %r" % (m.get("tlp"), want["tlp"]))
    if "reports" in want:
        d += in_range("reports", len(plan["reports"]), want["reports"])
    if "attachments" in want:
        d += in_range("attachments", len(plan["attachments"]), want["attachments"])
    if "indicators_total" in want:
        d += in_range("indicators", len(iocs), want["indicators_total"])
    if "attachment" in want:
        d += plancheck.match({"$includes": want["attachment"]}, plan["attachments"],
                             "$.attachments")
    if "not_uploaded" in want:
        d += plancheck.match({"$includes": want["not_uploaded"]},
                             plan.get("not_uploaded", []), "$.not_uploaded")
    values = {i.get("value") for i in iocs}
    for v in want.get("indicators_include", []):
        if v not in values:
            d.append("indicator %r not found" % v)
    types = {i.get("type") for i in iocs}
    for t in want.get("indicator_types_absent", []):
        if t in types:
            d.append("unexpected %s indicators" % t)
    warnings = plan.get("warnings", [])
    for w in want.get("warnings_contain", []):
        if not any(w in x for x in warnings):
            d.append("no warning mentions %r (warnings: %r)" % (w, [x[:100] for x in warnings]))
    for name, fn in want.get("same_as_generator", {}).items():
        size, sha = gen.payload(fn)
        exp = {"name": name, "size": size, "sha256": sha}
        d += plancheck.match({"$includes": [exp]}, plan["attachments"], "$.attachments")
    return d


def check_one(name, path, want, normal_id, res, gen):
    status, secs, mb, out, err, timed_out = res
    problems = []
    if timed_out:
        problems.append("killed after %.1f s" % secs)
    elif status < 0:
        problems.append("killed by signal %d" % -status)
    for marker in ("Sanitizer", "runtime error"):
        if marker in err:
            i = err.index(marker)
            problems.append("sanitizer report: %s" % err[max(0, i - 200):i + 600])
    try:
        text = out.decode("utf-8")
    except UnicodeDecodeError as e:
        problems.append("stdout is not UTF-8: %s" % e)
        text = out.decode("utf-8", errors="replace")
    plans = []
    for line in text.splitlines():
        if line.strip():
            try:
                plans.append(json.loads(line))
            except ValueError as e:
                problems.append("bad JSON line: %s" % e)
    if not plans or plans[-1].get("message", {}).get("message_id") != normal_id:
        problems.append("the normal message after it was not planned")
    if want["outcome"] == "plan":
        if status != 0:
            problems.append("exit %d, expected 0: %s" % (status, err.strip()[-500:]))
        if len(plans) != 2:
            problems.append("%d plan lines, expected 2" % len(plans))
        else:
            problems += check_plan(plans[0], path, want, gen)
    else:
        if status != 1:
            problems.append("exit %d, expected 1" % status)
        if len(plans) != 1:
            problems.append("%d plan lines, expected 1 (the normal one)" % len(plans))
        lines = [l for l in err.splitlines()
                 if "ERROR" in l and ("message '%s'" % path) in l]
        if not lines:
            problems.append("no ERROR line naming '%s' in: %s" % (path, err[-500:]))
        else:
            for s in want.get("error_contains", []):
                if not any(s in l for l in lines):
                    problems.append("error line lacks %r: %s" % (s, lines[0][:300]))
    return problems


def main(argv):
    if argv[1:] == ["--spawn"]:
        return spawn_server()
    args = argv[1:]
    flag = None
    if "--sanitized" in args:
        i = args.index("--sanitized")
        flag = args[i + 1]
        del args[i:i + 2]
    if len(args) < 2:
        sys.stderr.write("usage: test_hostile.py BINARY DATADIR [--sanitized ON|OFF] [ONLY...]\n")
        return 64
    binary = os.path.abspath(args[0])
    data = os.path.abspath(args[1])
    only = set(args[2:])
    hdir = os.path.join(data, "hostile")
    with open(os.path.join(hdir, "expected.json"), encoding="utf-8") as f:
        exp = json.load(f)
    normal = os.path.join(data, exp["normal"])
    with open(os.path.join(data, exp["normal"][:-4] + ".expected.json"), encoding="utf-8") as f:
        normal_id = json.load(f)["message"]["message_id"]
    wanted = exp["messages"]

    sanitized = is_sanitized(binary, flag)
    factor = TIME_FACTOR_SANITIZED if sanitized else 1.0
    if os.environ.get("TQ_HOSTILE_TIME_FACTOR"):
        factor = float(os.environ["TQ_HOSTILE_TIME_FACTOR"])
    max_s = MAX_SECONDS * factor
    max_mb = MAX_RSS_MB_SANITIZED if sanitized else MAX_RSS_MB
    print("hostile corpus: %s" % binary)
    print("build: %s; bounds per message: %.0f s wall (%.0f x %.1f), %d MB peak RSS%s" %
          ("SANITIZED (ASan+UBSan)" if sanitized else "normal", max_s, MAX_SECONDS,
           factor, max_mb,
           " (the ASan bound; normal build: %d MB)" % MAX_RSS_MB if sanitized else ""))
    print("message sizes are the same in both builds")

    failures = []
    # Corpus consistency: every case has an expectation and vice versa.
    cases = dict(list_cases(hdir))
    committed = sorted(n for n in os.listdir(hdir) if n.endswith(".eml"))
    for n in cases:
        if n not in wanted:
            failures.append("%s: generated but not in expected.json" % n)
    for n in committed:
        if n not in wanted:
            failures.append("%s: committed but not in expected.json" % n)
        elif n not in cases and not wanted[n].get("committed"):
            failures.append("%s: committed, not generated, not marked committed" % n)
    for n, w in wanted.items():
        if n not in cases and not w.get("committed"):
            failures.append("%s: in expected.json but neither generated nor committed" % n)

    rows, known, passed = [], [], 0
    total_t0 = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="tqhostile.") as tmp:
        gdir = os.path.join(tmp, "gen")
        os.mkdir(gdir)
        gen = Generator(hdir, gdir)
        small_limit = int(gen.ask("small")[0])
        runner = Runner()
        floor = runner.run(["/bin/true"], tmp, 10)[2]
        print("peak RSS floor (/bin/true, same spawner): %.1f MB" % floor)
        for name in sorted(wanted):
            if only and name not in only:
                continue
            want = wanted[name]
            if name in cases:
                path = os.path.join(gdir, name)
                size, commit = gen.write(name)
                mine = os.path.join(hdir, name)
                if commit and size <= small_limit:
                    if not os.path.exists(mine):
                        failures.append("%s: small case not committed (run make_hostile.py)" % name)
                    else:
                        with open(mine, "rb") as f1, open(path, "rb") as f2:
                            if f1.read() != f2.read():
                                failures.append("%s: committed file differs from the "
                                                "generator (run make_hostile.py)" % name)
                elif os.path.exists(mine):
                    failures.append("%s: committed but over %d bytes or marked commit=False" %
                                    (name, small_limit))
            else:
                path = os.path.join(hdir, name)
            res = runner.run([binary, "--eml", path, "--eml", normal, "--dry-run"], tmp,
                      max_s + 10)
            problems = check_one(name, path, want, normal_id, res, gen)
            status, secs, mb = res[0], res[1], res[2]
            if secs > max_s:
                problems.append("%.1f s > %.0f s" % (secs, max_s))
            if mb > max_mb:
                problems.append("peak RSS %.0f MB > %d MB" % (mb, max_mb))
            if name in cases:
                os.unlink(path)
            if not problems:
                verdict = "ok"
                passed += 1
                if want.get("known_defect"):
                    verdict = "ok (known defect gone?)"
                    print("NOTE: %s meets its expectation: remove its known_defect note" % name)
            elif want.get("known_defect"):
                verdict = "KNOWN DEFECT"
                known.append((name, want["known_defect"], problems))
            else:
                verdict = "FAIL"
                failures.append("%s: %s" % (name, "; ".join(problems)))
            rows.append((name, want["outcome"], status, secs, mb, verdict))
        gen.close()
        runner.close()

    print()
    print("%-36s %-6s %4s %8s %8s  %s" % ("message", "wanted", "exit", "seconds", "peak MB", "result"))
    for r in rows:
        print("%-36s %-6s %4d %8.2f %8.1f  %s" % r)
    print()
    print("%d messages in %.1f s: %d ok, %d known defects, %d failures" %
          (len(rows), time.monotonic() - total_t0, passed, len(known), len(failures)))
    for name, note, problems in known:
        print("KNOWN DEFECT: %s: %s" % (name, note))
        for p in problems:
            print("    - %s" % p[:400])
    if failures:
        print("FAIL:")
        for f in failures:
            print("  - %s" % f[:2000])
        return 1
    print("PASS")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
