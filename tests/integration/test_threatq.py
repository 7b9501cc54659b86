"""The connector against the ThreatQ emulator (tests/tqsim): pushing --eml
messages, reading everything back through the API, re-pushing, the request
count per message, and surviving each injected fault without losing or
doubling anything.  Usage: test_threatq.py BINARY DATADIR
"""
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import plancheck  # noqa: E402
from tqsim_fixture import TqSim  # noqa: E402

BIN = None
DATA = None
NAME = "tq-conn-intel-mailbox-reports"
SAMPLES = ["plain-advisory", "newsletter-html", "with-attachment", "latin1-qp"]
PER_RUN = ("/api/token", "/api/indicator/types", "/api/indicator/statuses",
           "/api/attachments/types")


def sample(name):
    return os.path.join(DATA, name + ".eml")


def expected(name):
    with open(os.path.join(DATA, name + ".expected.json")) as f:
        return json.load(f)


def md5_of(path):
    with open(path, "rb") as f:
        return hashlib.md5(f.read()).hexdigest()


def digest_message(path, n_articles, n_iocs, subject):
    """An HTML newsletter: n_articles h2 stories sharing n_iocs indicators."""
    per = n_iocs // n_articles
    parts = ["<html><body><h1>Weekly Threat Digest</h1><p>Intro text.</p>"]
    k = 0
    for a in range(n_articles):
        parts.append("<h2>Story %d: campaign number %d seen again</h2><p>Details of the "
                     "campaign with these indicators:</p><ul>" % (a + 1, a + 1))
        for _ in range(per if a < n_articles - 1 else n_iocs - k):
            parts.append("<li>c2-%d[.]digest-bad.org</li>" % k if k % 2 else
                         "<li>91.%d.%d.%d</li>" % (200 + k // 250, (k // 10) % 200 + 1, k % 250 + 1))
            k += 1
        parts.append("</ul>")
    parts.append("</body></html>")
    head = ["From: digest@news.example.net", "To: intel@soc.example.com",
            "Subject: " + subject, "Date: Thu, 26 Nov 2026 12:00:00 +0000",
            "Message-ID: <%s@gen.example.org>" % hashlib.md5(subject.encode()).hexdigest(),
            "MIME-Version: 1.0", "Content-Type: text/html; charset=us-ascii", ""]
    with open(path, "w") as f:
        f.write("\r\n".join(head) + "\r\n" + "\n".join(parts) + "\r\n")
    return path


def ioc_message(path, n_iocs, subject, net=100):
    """A plain-text advisory with n_iocs distinct indicators; messages with
    a different net share none."""
    lines = ["From: gen@cert.example.org", "To: intel@soc.example.com",
             "Subject: " + subject, "Date: Thu, 26 Nov 2026 12:00:00 +0000",
             "Message-ID: <%s@gen.example.org>" % hashlib.md5(subject.encode()).hexdigest(),
             "MIME-Version: 1.0", "Content-Type: text/plain; charset=us-ascii", "",
             "Indicators seen this week:"]
    for i in range(n_iocs):
        lines.append("- host%d-n%d-c2[.]example-bad.net" % (i, net) if i % 2 else
                     "- 185.%d.%d.%d" % (net + i // 200, (i // 10) % 200 + 1, i % 250 + 1))
    with open(path, "w") as f:
        f.write("\r\n".join(lines) + "\r\n")
    return path


class Base(unittest.TestCase):
    sim_args = {}

    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="tqint.")
        os.makedirs(os.path.join(self.tmp, "sim"))
        self.sim = TqSim(os.path.join(self.tmp, "sim"), **self.sim_args)
        self.cfgdir = os.path.join(self.tmp, "cfg")
        os.mkdir(self.cfgdir)
        self.write_config()

    def tearDown(self):
        self.sim.stop()
        shutil.rmtree(self.tmp, ignore_errors=True)

    def write_config(self, extra=""):
        path = os.path.join(self.cfgdir, NAME + ".ini")
        with open(path, "w") as f:
            f.write(self.sim.config(extra))
        os.chmod(path, 0o600)

    def push(self, files, *args, timeout=180):
        argv = [BIN, "-c", self.cfgdir, "-v", "3"]
        for f in files:
            argv += ["--eml", f]
        r = subprocess.run(argv + list(args), capture_output=True,
                           stdin=subprocess.DEVNULL, timeout=timeout)
        return r

    def assertPushed(self, r, code=0):
        self.assertEqual(r.returncode, code, r.stderr.decode(errors="replace")[-3000:])


class PushAndReadBack(Base):
    def test_everything_arrives_related_and_marked(self):
        r = self.push([sample(n) for n in SAMPLES])
        self.assertPushed(r)
        for name in SAMPLES:
            with self.subTest(sample=name):
                self.check_sample(name)

    def check_sample(self, name):
        want = expected(name)
        sim = self.sim
        files = sim.get("/api/attachments", hash=md5_of(sample(name)))["data"]
        self.assertEqual(len(files), 1, files)
        fid = files[0]["id"]
        f = sim.get("/api/attachments/%s" % fid, **{"with": "attributes,sources"})["data"]
        attrs = {(a["name"], a["value"]) for a in f.get("attributes", [])}
        tlp = want["message"]["tlp"]
        self.assertIn(("TLP", tlp), attrs)
        self.assertIn(("Email Subject", want["message"]["subject"]), attrs)
        self.assertTrue(any(s.get("name") for s in f.get("sources", [])))

        for rep in want["reports"]:
            found = sim.get("/api/report", value=rep["title"])["data"]
            self.assertEqual(len(found), 1, found)
            rid = found[0]["id"]
            rd = sim.get("/api/report/%s" % rid, **{"with": "attributes,sources"})["data"]
            rattrs = {(a["name"], a["value"]) for a in rd.get("attributes", [])}
            for a in rep["attributes"]["$includes"]:
                self.assertIn((a["name"], a["value"]), rattrs)
            linked = {x["id"] for x in sim.get("/api/report/%s/attachments" % rid)["data"]}
            self.assertIn(fid, linked)
            inds = sim.get("/api/report/%s/indicators" % rid, limit=1000)["data"]
            got = [{"type": i.get("type", {}).get("name") if isinstance(i.get("type"), dict)
                    else self.type_name(i["type_id"]), "value": i["value"]} for i in inds]
            self.assertEqual(plancheck.match({"indicators": rep["indicators"]},
                                             {"indicators": got}), [])

        for att in want["attachments"]:
            rel = sim.get("/api/attachments/%s/attachments" % fid)["data"]
            match = [a for a in rel if a.get("hash") == att["md5"]]
            self.assertEqual(len(match), 1, rel)
            inds = sim.get("/api/attachments/%s/indicators" % match[0]["id"], limit=1000)["data"]
            got = [{"type": self.type_name(i["type_id"]), "value": i["value"]} for i in inds]
            self.assertEqual(plancheck.match({"indicators": att["indicators"]},
                                             {"indicators": got}), [])

    def test_reserved_large_attachment_and_pdf(self):
        """A private address is marked, an attachment over
        max_attachment_size is named on the file and not uploaded, and a
        PDF's text (tests/data/pdf/one-page.pdf, read by pdftotext) gives
        indicators of that PDF."""
        with open(os.path.join(DATA, "pdf", "one-page.pdf"), "rb") as f:
            pdf = f.read()
        big = b"185.220.101.9 " * 300
        msg = os.path.join(self.tmp, "mixed.eml")
        with open(msg, "wb") as f:
            f.write(b"From: Sector ISAO <share@isao-wk.example>\r\n"
                    b"Subject: PDF and a big log\r\n"
                    b"Date: Tue, 01 Dec 2026 08:00:00 +0000\r\n"
                    b"Message-ID: <mixed@isao-wk.example>\r\n"
                    b"MIME-Version: 1.0\r\n"
                    b"Content-Type: multipart/mixed; boundary=zz\r\n\r\n"
                    b"--zz\r\nContent-Type: text/plain\r\n\r\n"
                    b"Lab host 192.168.40.12 talked to 45.155.205.99.\r\n"
                    b"--zz\r\nContent-Type: application/pdf; name=r.pdf\r\n"
                    b"Content-Transfer-Encoding: base64\r\n\r\n" +
                    __import__("base64").encodebytes(pdf) +
                    b"--zz\r\nContent-Type: text/plain; name=big.log\r\n"
                    b"Content-Disposition: attachment; filename=big.log\r\n\r\n" +
                    big + b"\r\n--zz--\r\n")
        self.write_config("\n[connector]\nmax_attachment_size = 1000\n")
        r = self.push([msg])
        self.assertPushed(r)
        err = r.stderr.decode(errors="replace")
        self.assertIn("big.log", err)
        self.assertIn("over max_attachment_size", err)
        sim = self.sim
        fid = sim.get("/api/attachments", hash=md5_of(msg))["data"][0]["id"]
        f = sim.get("/api/attachments/%s" % fid, **{"with": "attributes"})["data"]
        notes = [a["value"] for a in f["attributes"] if a["name"] == "Attachment Not Uploaded"]
        self.assertEqual(len(notes), 1, f["attributes"])
        self.assertIn(hashlib.sha256(big).hexdigest(), notes[0])
        rel = sim.get("/api/attachments/%s/attachments" % fid)["data"]
        self.assertEqual([a["hash"] for a in rel], [hashlib.md5(pdf).hexdigest()])
        inds = sim.get("/api/attachments/%s/indicators" % rel[0]["id"], limit=1000)["data"]
        vals = {i["value"] for i in inds}
        self.assertIn("185.220.101.47", vals)
        self.assertIn("http://evil-update.com/a.exe", vals)
        self.assertNotIn("185.220.101.9", {i["value"] for i in
                                           sim.get("/api/indicators", limit=1000)["data"]})
        rid = sim.get("/api/report", value="PDF and a big log")["data"][0]["id"]
        byval = {}
        for i in sim.get("/api/report/%s/indicators" % rid, limit=1000)["data"]:
            full = sim.get("/api/indicators/%s" % i["id"], **{"with": "attributes"})["data"]
            byval[i["value"]] = {a["name"]: a["value"] for a in full.get("attributes", [])}
        self.assertEqual(set(byval), {"192.168.40.12", "45.155.205.99"})
        self.assertEqual(byval["192.168.40.12"].get("Reserved"),
                         "private or reserved address range")
        self.assertNotIn("Reserved", byval["45.155.205.99"])

    _types = None

    def type_name(self, type_id):
        if PushAndReadBack._types is None:
            PushAndReadBack._types = {t["id"]: t["name"] for t in
                                      self.sim.get("/api/indicator/types", limit=500)["data"]}
        return PushAndReadBack._types[type_id]

    def test_repush_creates_nothing(self):
        files = [sample(n) for n in SAMPLES]
        self.assertPushed(self.push(files))
        first = self.sim.counts()
        first.pop("tokens_issued", None)
        self.assertGreater(first["indicators"], 10)
        self.assertPushed(self.push(files))
        self.assertPushed(self.push(files))
        again = self.sim.counts()
        again.pop("tokens_issued", None)
        self.assertEqual(again, first)

    def test_requests_per_message_flat_in_iocs(self):
        big = digest_message(os.path.join(self.tmp, "big.eml"), 3, 60,
                             "Three stories, sixty indicators")
        small = ioc_message(os.path.join(self.tmp, "small.eml"), 3,
                            "Three indicators", net=150)
        per = {}
        for name, path in (("big", big), ("small", small)):
            before = self.sim.counts()
            self.sim.clear_log()
            self.assertPushed(self.push([path]))
            after = self.sim.counts()
            per[name] = [e for e in self.sim.log() if e["path"] not in PER_RUN]
            per[name + "_reports"] = after["reports"] - before["reports"]
            per[name + "_indicators"] = after["indicators"] - before["indicators"]
        # What went in: three reports and sixty indicators, one and three.
        self.assertEqual((per["big_reports"], per["big_indicators"]), (3, 60))
        self.assertEqual((per["small_reports"], per["small_indicators"]), (1, 3))
        self.assertEqual(len(per["big"]), len(per["small"]),
                         (per["big"], per["small"]))
        self.assertLessEqual(len(per["big"]), 4)
        self.assertEqual(sum(1 for e in per["big"] if e["path"] == "/api/report/consume"), 1)
        self.assertEqual(sum(1 for e in per["big"] if e["path"] == "/api/indicators/consume"), 1)

    def test_wrong_password_exits_77(self):
        path = os.path.join(self.cfgdir, NAME + ".ini")
        with open(path) as f:
            text = f.read()
        with open(path, "w") as f:
            f.write(text.replace("Tq-Emu;P4ss#word", "wrong-password"))
        r = self.push([sample("plain-advisory")])
        self.assertPushed(r, 77)
        self.assertIn(b"connector@soc.example.com", r.stderr + r.stdout)
        self.assertNotIn(b"wrong-password", r.stderr + r.stdout)
        self.assertEqual(self.sim.counts()["attachments"], 0)

    def test_untrusted_certificate_is_refused(self):
        path = os.path.join(self.cfgdir, NAME + ".ini")
        with open(path, "w") as f:
            f.write(self.sim.config().replace("ca_file = ", "#ca_file = "))
        os.chmod(path, 0o600)
        r = self.push([sample("plain-advisory")])
        self.assertIn(r.returncode, (75, 78), r.stderr)
        self.assertEqual(self.sim.counts()["attachments"], 0)

    def test_secrets_not_in_v3_output(self):
        r = self.push([sample("plain-advisory")])
        self.assertPushed(r)
        out = r.stdout + r.stderr
        self.assertIn(b"DEBUG", out)
        self.assertNotIn(b"Tq-Emu;P4ss#word", out)


BTC = "1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa"


def btc_message(path):
    with open(path, "w") as f:
        f.write("From: isac@example.org\r\nSubject: Ransom note wallet\r\n"
                "Date: Thu, 26 Nov 2026 12:00:00 +0000\r\nMessage-ID: <btc-1@x>\r\n"
                "\r\nThe note asks for payment to %s; the C2 is 45.137.21[.]9.\r\n" % BTC)
    return path


class BitcoinType(Base):
    """Bitcoin Address is not a default ThreatQ type: left out quietly where
    the instance lacks it, sent where it has it."""

    def test_instance_without_the_type(self):
        r = self.push([btc_message(os.path.join(self.tmp, "btc.eml"))])
        self.assertPushed(r)
        self.assertEqual(self.sim.get("/api/indicators", value=BTC)["data"], [])
        self.assertEqual(len(self.sim.get("/api/indicators", value="45.137.21.9")["data"]), 1)


class BitcoinTypeDefined(Base):
    sim_args = {"extra": ["--extra-indicator-type", "Bitcoin Address"]}

    def test_instance_with_the_type(self):
        self.assertPushed(self.push([btc_message(os.path.join(self.tmp, "btc.eml"))]))
        self.assertEqual(len(self.sim.get("/api/indicators", value=BTC)["data"]), 1)


class Faults(Base):
    """Each fault: the run completes, or exits 75 and the next run completes;
    either way the end state equals a clean run's."""
    baseline = None

    def setUp(self):
        super().setUp()
        self.files = [sample(n) for n in SAMPLES]
        if Faults.baseline is None:
            d = tempfile.mkdtemp(prefix="tqbase.")
            sim = TqSim(d)
            try:
                cfg = os.path.join(d, NAME + ".ini")
                with open(cfg, "w") as f:
                    f.write(sim.config())
                os.chmod(cfg, 0o600)
                argv = [BIN, "-c", d]
                for x in self.files:
                    argv += ["--eml", x]
                r = subprocess.run(argv, capture_output=True, timeout=120)
                assert r.returncode == 0, r.stderr
                c = sim.counts()
                c.pop("tokens_issued", None)
                Faults.baseline = c
            finally:
                sim.stop()
                shutil.rmtree(d, ignore_errors=True)
        self.write_config("max_retries = 3\ntimeout = 3\n")

    def end_state(self):
        c = self.sim.counts()
        c.pop("tokens_issued", None)
        return c

    def survive(self, fault, first_exit=(0,)):
        self.sim.fault(**fault)
        r = self.push(self.files)
        self.assertIn(r.returncode, first_exit, r.stderr.decode(errors="replace")[-3000:])
        if r.returncode != 0:
            self.sim.clear_faults()
            self.assertPushed(self.push(self.files))
        self.assertEqual(self.end_state(), Faults.baseline)
        return r

    def test_500_twice(self):
        self.survive({"method": "POST", "path_prefix": "/api/indicators/consume",
                      "kind": "status", "status": 500, "count": 2})

    def test_429_retry_after(self):
        self.survive({"method": "POST", "path_prefix": "/api/report/consume",
                      "kind": "retry_after", "retry_after": 1, "count": 1})

    def test_dropped_upload_response(self):
        # The file is stored but the answer is lost: no second file.
        self.survive({"method": "POST", "path_prefix": "/api/attachments",
                      "kind": "drop", "when": "after", "count": 1})

    def test_500_on_upload_sends_the_file_again_whole(self):
        # The retry re-reads the file part from the start (libcurl rewinds
        # the message buffer): the stored bytes are the message's.
        self.survive({"method": "POST", "path_prefix": "/api/attachments",
                      "kind": "status", "status": 500, "count": 2})
        for f in self.files:
            self.assertEqual(len(self.sim.get("/api/attachments",
                                              hash=md5_of(f))["data"]), 1)

    def test_dropped_consume_response(self):
        self.survive({"method": "POST", "path_prefix": "/api/indicators/consume",
                      "kind": "drop", "when": "after", "count": 1})

    def test_slow_past_timeout(self):
        self.survive({"method": "POST", "path_prefix": "/api/report/consume",
                      "kind": "slow", "delay": 5, "when": "after", "count": 1})

    def test_401_mid_run_refreshes(self):
        # The lookup of the second message's file answers 401, as for a
        # token the server no longer accepts: refresh, retry, go on.
        self.sim.fault(method="GET", path_prefix="/api/attachments",
                       kind="status", status=401, count=2)
        self.assertPushed(self.push(self.files))
        self.assertEqual(self.end_state(), Faults.baseline)
        self.assertTrue(any(e["path"] == "/api/token" and "refresh" in e.get("query", "")
                            for e in self.sim.log()))

    def test_server_down_exits_75_then_completes(self):
        r = self.survive({"method": "POST", "path_prefix": "/api/report/consume",
                          "kind": "status", "status": 503, "count": 1000},
                         first_exit=(75,))
        self.assertIn(b"503", r.stderr + r.stdout)


class TokenExpiry(Base):
    """A real expiry: tokens live 2 s and the run is slowed past that."""
    sim_args = {"token_ttl": 2}

    def test_expired_token_is_refreshed(self):
        self.write_config("timeout = 20\n")
        self.sim.fault(method="POST", path_prefix="/api/report/consume",
                       kind="slow", delay=3, when="before", count=1)
        self.assertPushed(self.push([sample(n) for n in SAMPLES]))
        statuses = [(e["path"], e["status"]) for e in self.sim.log()]
        self.assertIn(401, [st for _, st in statuses])
        self.assertEqual(self.sim.counts()["reports"], 4)

    def test_token_known_to_have_run_out_is_renewed_first(self):
        # The answer to a report comes 3 s late: by then the client knows
        # (expires_in: 2 s) its token has run out and renews it before the
        # next request, instead of sending it and getting a 401.
        self.write_config("timeout = 20\n")
        self.sim.fault(method="POST", path_prefix="/api/report/consume",
                       kind="slow", delay=3, when="after", count=1)
        self.assertPushed(self.push([sample(n) for n in SAMPLES]))
        log = self.sim.log()
        self.assertNotIn(401, [e["status"] for e in log])
        slow = [i for i, e in enumerate(log)
                if e["path"] == "/api/report/consume"][0]
        self.assertEqual(log[slow + 1]["path"], "/api/token", log[slow:])
        self.assertIn("refresh", log[slow + 1].get("query", ""))
        self.assertEqual(self.sim.counts()["reports"], 4)


if __name__ == "__main__":
    BIN = os.path.abspath(sys.argv[1])
    DATA = os.path.abspath(sys.argv[2])
    unittest.main(argv=[sys.argv[0], "-v"] + sys.argv[3:])
