#!/usr/bin/env python3
"""Tests of the ThreatQ emulator itself: python3 tests/tqsim/test_tqsim.py

Each test starts its own emulator (port 0, TLS with a throwaway CA) and
talks to it with urllib; admin endpoints inject faults and read the log.
"""
import base64
import hashlib
import http.client
import json
import os
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import tempfile
import time
import unittest
import urllib.error
import urllib.parse
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import certs  # noqa: E402

TQSIM = os.path.join(HERE, "tqsim.py")
CID, EMAIL, PW, SECRET = "cid-123", "analyst@example.com", "p4ss;w0rd", "s3cr3t"
CERTS = None
TMP = None


def setUpModule():
    global CERTS, TMP
    TMP = tempfile.mkdtemp(prefix="tqsim-test.")
    CERTS = certs.make_certs(os.path.join(TMP, "certs"), wrong_host=True,
                             expired=True)


def tearDownModule():
    shutil.rmtree(TMP, ignore_errors=True)


class Resp:
    def __init__(self, status, headers, data):
        self.status, self.headers, self.data = status, headers, data
        try:
            self.json = json.loads(data)
        except ValueError:
            self.json = None

    def __repr__(self):
        return "<%d %r>" % (self.status, self.data[:300])


class Sim:
    """One emulator process."""

    def __init__(self, *extra, cert=None, key=None):
        self.errf = tempfile.TemporaryFile(dir=TMP)
        self.proc = subprocess.Popen(
            [sys.executable, TQSIM, "--cert", cert or CERTS["cert"],
             "--key", key or CERTS["key"], "--port", "0", "--client-id", CID,
             "--email", EMAIL, "--password", PW, "--client-secret", SECRET]
            + list(extra), stdout=subprocess.PIPE, stderr=self.errf, text=True)
        line = self.proc.stdout.readline()
        if not line.startswith("tqsim listening on 127.0.0.1:"):
            self.proc.kill()
            self.errf.seek(0)
            raise RuntimeError("tqsim did not start: %r %r"
                               % (line, self.errf.read()))
        self.port = int(line.rsplit(":", 1)[1])
        self.ctx = ssl.create_default_context(cafile=CERTS["ca"])
        self.token = None

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            self.proc.wait(10)
        self.proc.stdout.close()
        self.errf.seek(0)
        self.stderr = self.errf.read().decode("utf-8", "replace")
        self.errf.close()
        return self.proc.returncode

    def call(self, method, path, body=None, ctype=None, token=True,
             headers=None, timeout=10):
        h = dict(headers or {})
        if body is not None and not isinstance(body, bytes):
            body = json.dumps(body).encode()
            ctype = ctype or "application/json"
        if ctype:
            h["Content-Type"] = ctype
        if token is True and self.token:
            h["Authorization"] = "Bearer " + self.token
        elif isinstance(token, str):
            h["Authorization"] = token
        req = urllib.request.Request("https://127.0.0.1:%d%s"
                                     % (self.port, path), data=body,
                                     method=method, headers=h)
        try:
            with urllib.request.urlopen(req, context=self.ctx,
                                        timeout=timeout) as r:
                return Resp(r.status, r.headers, r.read())
        except urllib.error.HTTPError as e:
            return Resp(e.code, e.headers, e.read())

    def login(self):
        r = self.call("POST", "/api/token", {
            "grant_type": "password", "client_id": CID, "email": EMAIL,
            "password": PW}, token=False)
        assert r.status == 200, r
        self.token = r.json["access_token"]
        self.refresh_token = r.json["refresh_token"]
        return r

    def refresh(self, rt=None):
        return self.call("POST", "/api/token?grant_type=refresh_token&"
                         "refresh_token=" + (rt or self.refresh_token), {},
                         token=False)

    def admin(self, method, path, body=None):
        return self.call(method, "/__admin/" + path, body, token=False)

    def fault(self, **f):
        r = self.admin("POST", "faults", f)
        assert r.status == 200, r
        return r

    def counts(self):
        return self.admin("GET", "counts").json

    def upload(self, content, name="mail.eml", type_="Generic Text",
               extra=(), file_part=True):
        fields = [("name", name), ("title", "Title of " + name),
                  ("type", type_), ("malware_locked", "0")] + list(extra)
        body, ctype = multipart(fields, content if file_part else None)
        return self.call("POST", "/api/attachments", body, ctype)

    def consume(self, coll, items):
        return self.call("POST", "/api/%s/consume" % coll, items)


def multipart(fields, content, filename="blob", boundary="XyZ-b0undary"):
    out = []
    for k, v in fields:
        out.append(b"--%s\r\nContent-Disposition: form-data; name=\"%s\""
                   b"\r\n\r\n%s\r\n" % (boundary.encode(), k.encode(),
                                        v.encode()))
    if content is not None:
        out.append(b"--%s\r\nContent-Disposition: form-data; name=\"file\";"
                   b" filename=\"%s\"\r\nContent-Type: application/"
                   b"octet-stream\r\n\r\n%s\r\n"
                   % (boundary.encode(), filename.encode(), content))
    out.append(b"--%s--\r\n" % boundary.encode())
    return b"".join(out), "multipart/form-data; boundary=" + boundary


def ioc(value, type_="IP Address", status="Active", **kw):
    d = {"value": value, "type": {"name": type_}, "status": {"name": status},
         "sources": [{"name": "Mailbox", "tlp": {"name": "AMBER"}}],
         "attributes": [{"name": "TLP", "value": "AMBER"}]}
    d.update(kw)
    return d


def report(value, **kw):
    d = {"value": value, "description": "<p>body</p>",
         "published_at": "2024-05-01 10:00:00",
         "sources": [{"name": "Mailbox", "tlp": {"name": "GREEN"}}],
         "attributes": [{"name": "TLP", "value": "GREEN"}]}
    d.update(kw)
    return d


class Base(unittest.TestCase):
    args = ()

    def setUp(self):
        self.sim = Sim(*self.args)
        self.addCleanup(self.stop_clean)

    def stop_clean(self):
        self.assertEqual(self.sim.stop(), 0)
        self.assertNotIn("Traceback", self.sim.stderr)

    def assertError(self, r, status, *needles):
        self.assertEqual(r.status, status, r)
        self.assertIsInstance(r.json, dict, r)
        self.assertIsInstance(r.json.get("errors"), list, r)
        text = json.dumps(r.json["errors"])
        for n in needles:
            self.assertIn(n, text)


class TestAuth(Base):
    def test_login_json_body(self):
        r = self.sim.login()
        self.assertEqual(r.json["token_type"], "bearer")
        self.assertEqual(r.json["expires_in"], 3600)
        self.assertTrue(r.json["refresh_token"])
        self.assertEqual(self.sim.call("GET", "/api/indicator/statuses")
                         .status, 200)

    def test_admin_tokens_lists_every_pair_answered(self):
        self.assertEqual(self.sim.admin("GET", "tokens").json["data"], [])
        first = self.sim.login().json
        second = self.sim.refresh().json
        self.assertEqual(self.sim.admin("GET", "tokens").json["data"], [
            {"access_token": first["access_token"],
             "refresh_token": first["refresh_token"]},
            {"access_token": second["access_token"],
             "refresh_token": second["refresh_token"]}])

    def test_login_query_plus_json(self):
        r = self.sim.call("POST", "/api/token?grant_type=password&client_id="
                          + CID, {"email": EMAIL, "password": PW},
                          token=False)
        self.assertEqual(r.status, 200, r)
        self.assertIn("access_token", r.json)

    def test_login_form_encoded(self):
        body = urllib.parse.urlencode({"grant_type": "password",
                                       "client_id": CID, "email": EMAIL,
                                       "password": PW}).encode()
        r = self.sim.call("POST", "/api/token", body,
                          "application/x-www-form-urlencoded", token=False)
        self.assertEqual(r.status, 200, r)

    def test_login_refused(self):
        for body in ({"password": "wrong"}, {"email": "x@example.com"},
                     {"client_id": "other"}):
            d = {"grant_type": "password", "client_id": CID, "email": EMAIL,
                 "password": PW}
            d.update(body)
            r = self.sim.call("POST", "/api/token", d, token=False)
            self.assertEqual(r.status, 400, r)
            self.assertIn(r.json["error"], ("invalid_grant", "invalid_client"))
            self.assertNotIn("access_token", r.json)
        r = self.sim.call("POST", "/api/token", {"grant_type": "password",
                                                 "email": EMAIL}, token=False)
        self.assertEqual(r.status, 400)
        r = self.sim.call("POST", "/api/token", {"grant_type": "magic"},
                          token=False)
        self.assertEqual(r.json["error"], "unsupported_grant_type")
        r = self.sim.call("POST", "/api/token", b"grant_type=password",
                          "text/plain", token=False)
        self.assertEqual(r.status, 415)
        self.assertEqual(self.sim.counts()["tokens_issued"], 0)

    def test_client_credentials_basic(self):
        def cc(secret):
            basic = base64.b64encode(("%s:%s" % (CID, secret)).encode())
            return self.sim.call(
                "POST", "/api/token?grant_type=client_credentials",
                b"grant_type=client_credentials",
                "application/x-www-form-urlencoded", token=False,
                headers={"Authorization": "Basic " + basic.decode()})
        r = cc(SECRET)
        self.assertEqual(r.status, 200, r)
        self.sim.token = r.json["access_token"]
        self.assertEqual(self.sim.call("GET", "/api/indicator/types").status,
                         200)
        self.assertEqual(cc("nope").status, 400)

    def test_bearer_case_and_missing_token(self):
        self.sim.login()
        tok = self.sim.token
        for h in ("bearer " + tok, "BEARER " + tok, "Bearer  " + tok,
                  "Bearer x" + tok, "Token " + tok):
            r = self.sim.call("GET", "/api/indicator/types", token=h)
            self.assertError(r, 401, "Unauthenticated.")
        self.sim.token = None
        self.assertError(self.sim.call("GET", "/api/indicator/types"), 401)
        self.assertEqual(self.sim.call("GET", "/api/indicator/types",
                                       token="Bearer " + tok).status, 200)


class TestExpiry(Base):
    args = ("--token-ttl", "1")

    def test_expiry_then_refresh(self):
        r = self.sim.login()
        self.assertEqual(r.json["expires_in"], 1)
        deadline = time.monotonic() + 1.2
        self.assertEqual(self.sim.call("GET", "/api/indicator/types").status,
                         200)
        time.sleep(max(0, deadline - time.monotonic()))
        self.assertError(self.sim.call("GET", "/api/indicator/types"), 401)
        old_rt = self.sim.refresh_token
        r = self.sim.refresh()
        self.assertEqual(r.status, 200, r)
        self.sim.token = r.json["access_token"]
        self.assertEqual(self.sim.call("GET", "/api/indicator/types").status,
                         200)
        r = self.sim.refresh(old_rt)          # refresh tokens are single-use
        self.assertEqual(r.status, 400)
        self.assertEqual(r.json["error"], "invalid_grant")


class TestCatalogues(Base):
    args = ("--extra-indicator-type", "Bitcoin Address")

    def pages(self, path, limit):
        names, offset = [], 0
        while True:
            r = self.sim.call("GET", "%s?limit=%d&offset=%d"
                              % (path, limit, offset))
            self.assertEqual(r.status, 200, r)
            self.assertEqual((r.json["limit"], r.json["offset"]),
                             (limit, offset))
            names += [(d["id"], d["name"]) for d in r.json["data"]]
            offset += limit
            if offset >= r.json["total"]:
                self.assertEqual(len(names), r.json["total"])
                return dict((n, i) for i, n in names)

    def test_paging(self):
        self.sim.login()
        types = self.pages("/api/indicator/types", 10)
        self.assertEqual(len(types), 35)
        self.assertIn("IP Address", types)
        self.assertIn("Bitcoin Address", types)
        statuses = self.pages("/api/indicator/statuses", 2)
        self.assertEqual(statuses, {"Active": 1, "Expired": 2, "Indirect": 3,
                                    "Review": 4, "Whitelisted": 5})
        atypes = self.pages("/api/attachments/types", 500)
        self.assertEqual(len(atypes), 24)
        for n in ("Generic Text", "PDF", "Spearphish Attachment"):
            self.assertIn(n, atypes)
        r = self.sim.call("GET", "/api/indicator/types")   # default page
        self.assertEqual(r.json["limit"], 10)
        r = self.sim.call("GET", "/api/indicator/types?limit=9999")
        self.assertEqual((r.json["limit"], len(r.json["data"])), (500, 35))
        r = self.sim.call("GET", "/api/indicator/types?name=FQDN")
        self.assertEqual([d["name"] for d in r.json["data"]], ["FQDN"])
        r = self.sim.call("GET", "/api/indicator/types/%d" % types["URL"])
        self.assertEqual(r.json["data"]["name"], "URL")
        self.assertError(self.sim.call("GET", "/api/indicator/types/999"),
                         404)
        for bad in ("limit=-1", "limit=x", "offset=-3", "limit=0"):
            self.assertError(self.sim.call("GET", "/api/indicator/types?"
                                           + bad), 400)
        self.assertError(self.sim.call("GET", "/api/indicator/types?nam=x"),
                         400, "nam")

    def test_default_types_lack_bitcoin(self):
        other = Sim()
        self.addCleanup(other.stop)
        other.login()
        r = other.call("GET", "/api/indicator/types?name=Bitcoin%20Address")
        self.assertEqual(r.json["total"], 0)
        r = other.call("GET", "/api/indicator/types?limit=500")
        self.assertEqual(r.json["total"], 34)


class TestAttachments(Base):
    BYTES = b"From: a@example.com\r\n\r\n--XyZ-b0undar\r\n\x00\xff\r\n" * 50

    def test_upload_lookup_download(self):
        self.sim.login()
        md5 = hashlib.md5(self.BYTES).hexdigest()
        r = self.sim.call("GET", "/api/attachments?hash=" + md5)
        self.assertEqual((r.status, r.json["total"], r.json["data"]),
                         (200, 0, []))
        r = self.sim.upload(self.BYTES, extra=[
            ("sources[0][name]", "Mailbox"), ("sources[0][tlp][name]", "RED"),
            ("attributes[0][name]", "TLP"), ("attributes[0][value]", "RED"),
            ("attributes[1][name]", "Message-ID"),
            ("attributes[1][value]", "<x@y>")])
        self.assertEqual(r.status, 201, r)
        d = r.json["data"]
        self.assertEqual((d["hash"], d["file_size"], d["name"], d["title"],
                          d["malware_locked"]),
                         (md5, len(self.BYTES), "mail.eml",
                          "Title of mail.eml", 0))
        self.assertEqual(d["type_id"], 6)            # Generic Text
        r = self.sim.call("GET", "/api/attachments?hash=" + md5)
        self.assertEqual([x["id"] for x in r.json["data"]], [d["id"]])
        r = self.sim.call("GET", "/api/attachments/%d?with=sources,attributes"
                          % d["id"])
        got = r.json["data"]
        self.assertEqual([(s["name"], s["tlp_id"], s["tlp"]["name"])
                          for s in got["sources"]], [("Mailbox", 1, "RED")])
        self.assertEqual([(a["name"], a["value"]) for a in got["attributes"]],
                         [("TLP", "RED"), ("Message-ID", "<x@y>")])
        r = self.sim.call("GET", "/api/attachments/%d/download" % d["id"])
        self.assertEqual(r.status, 200)
        self.assertEqual(r.data, self.BYTES)
        self.assertIn('filename="mail.eml"', r.headers["Content-Disposition"])
        # the server does not deduplicate: the client must look up first
        r2 = self.sim.upload(self.BYTES)
        self.assertNotEqual(r2.json["data"]["id"], d["id"])
        r = self.sim.call("GET", "/api/attachments?hash=" + md5)
        self.assertEqual(r.json["total"], 2)
        self.assertEqual(self.sim.counts()["attachments"], 2)

    def test_two_step_upload(self):
        self.sim.login()
        body, ctype = multipart([("resumableIdentifier", "123-reportpdf"),
                                 ("resumableRelativePath", "report.pdf"),
                                 ("resumableTotalChunks", "1"),
                                 ("resumableFilename", "report.pdf")],
                                b"%PDF-1.4 ...")
        r = self.sim.call("POST", "/api/attachments/upload", body, ctype)
        self.assertEqual(r.status, 200, r)
        r = self.sim.call("POST", "/api/attachments", {
            "name": "report.pdf", "title": "Report", "type": "PDF",
            "malware_locked": False, "sources": [{"name": "Mailbox"}]})
        self.assertEqual(r.status, 201, r)
        self.assertEqual(r.json["data"]["hash"],
                         hashlib.md5(b"%PDF-1.4 ...").hexdigest())
        r = self.sim.call("POST", "/api/attachments", {
            "name": "report.pdf", "title": "Report", "type": "PDF"})
        self.assertError(r, 400, "report.pdf")       # blob already bound

    def test_upload_validation(self):
        self.sim.login()
        f = [("title", "t"), ("type", "PDF")]
        for fields, needle in (([("name", "a")] + f[:1], "type"),
                               (f, "name")):
            body, ctype = multipart(fields, b"x")
            r = self.sim.call("POST", "/api/attachments", body, ctype)
            self.assertError(r, 400, needle)
        self.assertError(self.sim.upload(b"x", file_part=False), 400, "file")
        self.assertError(self.sim.upload(b"x", type_="Email"), 400,
                         "unknown attachment type 'Email'")
        self.assertError(self.sim.upload(b"x", extra=[
            ("sources[0][name]", "S"), ("sources[0][tlp][name]", "amber")]),
            400, "TLP")
        body, ctype = multipart([("name", "a"), ("type", "PDF")], b"x")
        r = self.sim.call("POST", "/api/attachments", body[:-12], ctype)
        self.assertError(r, 400, "truncated")
        r = self.sim.call("POST", "/api/attachments", body, "text/plain")
        self.assertError(r, 415)
        r = self.sim.call("POST", "/api/attachments", body,
                          "multipart/form-data")
        self.assertError(r, 400, "boundary")
        self.assertEqual(self.sim.counts()["attachments"], 0)


class TestObjects(Base):
    def setUp(self):
        super().setUp()
        self.sim.login()
        self.file = self.sim.upload(b"raw mail").json["data"]["id"]

    def test_report_consume_upsert(self):
        r = self.sim.consume("report", [report("Article one", attachments=[
            {"id": self.file}]), report("Article two")])
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.json["total"], 2)
        ids = [d["id"] for d in r.json["data"]]
        self.assertEqual([d["value"] for d in r.json["data"]],
                         ["Article one", "Article two"])
        r2 = self.sim.consume("report", [report("Article two", attributes=[
            {"name": "TLP", "value": "GREEN"},
            {"name": "Article URL", "value": "https://x.example/a"}]),
            report("Article one")])
        self.assertEqual([d["id"] for d in r2.json["data"]], ids[::-1])
        self.assertEqual(self.sim.counts()["reports"], 2)
        r = self.sim.call("GET", "/api/report?value=Article%20two")
        self.assertEqual([d["id"] for d in r.json["data"]], [ids[1]])
        r = self.sim.call("GET", "/api/report/%d?with=attributes,sources"
                          % ids[1])
        self.assertEqual(sorted((a["name"], a["value"])
                                for a in r.json["data"]["attributes"]),
                         [("Article URL", "https://x.example/a"),
                          ("TLP", "GREEN")])
        self.assertEqual(r.json["data"]["published_at"], "2024-05-01 10:00:00")
        r = self.sim.call("GET", "/api/attachments/%d/report" % self.file)
        self.assertEqual([d["id"] for d in r.json["data"]], [ids[0]])
        self.assertIn("id", r.json["data"][0]["pivot"])

    def test_indicator_consume_relations(self):
        rep = self.sim.consume("report", [report("R")]).json["data"][0]["id"]
        r = self.sim.consume("indicators", [
            ioc("198.51.100.7", report=[{"id": rep}],
                attachments=[{"id": self.file}]),
            ioc("evil.example", "FQDN", attachments=[{"id": self.file}]),
            ioc("198.51.100.7", "IP Address")])
        self.assertEqual(r.status, 200, r)
        data = r.json["data"]
        self.assertEqual(len(data), 3)
        self.assertEqual(data[0]["id"], data[2]["id"])
        self.assertEqual((data[0]["type_id"], data[0]["status_id"]), (15, 1))
        self.assertEqual(self.sim.counts()["indicators"], 2)
        ip, fqdn = data[0]["id"], data[1]["id"]
        for path, want in (("/api/report/%d/indicators" % rep, [ip]),
                           ("/api/reports/%d/indicators" % rep, [ip]),
                           ("/api/indicators/%d/report" % ip, [rep]),
                           ("/api/indicators/%d/attachments" % ip,
                            [self.file]),
                           ("/api/attachments/%d/indicators" % self.file,
                            [ip, fqdn])):
            r = self.sim.call("GET", path)
            self.assertEqual(r.status, 200, (path, r))
            self.assertEqual([d["id"] for d in r.json["data"]], want, path)
            self.assertEqual(r.json["total"], len(want))
        r = self.sim.call("GET", "/api/indicators?value=198.51.100.7&"
                          "type_id=15")
        self.assertEqual([d["id"] for d in r.json["data"]], [ip])
        r = self.sim.call("GET", "/api/indicators/%d?with=attributes,sources,"
                          "type,status" % ip)
        d = r.json["data"]
        self.assertEqual((d["type"]["name"], d["status"]["name"]),
                         ("IP Address", "Active"))
        self.assertEqual([(s["name"], s["tlp_id"]) for s in d["sources"]],
                         [("Mailbox", 2)])
        self.assertEqual([(a["name"], a["value"]) for a in d["attributes"]],
                         [("TLP", "AMBER")])

    def test_status_not_changed_on_reconsume(self):
        a = self.sim.consume("indicators", [ioc("a.example", "FQDN",
                                                "Active")]).json["data"][0]
        b = self.sim.consume("indicators", [ioc("a.example", "FQDN",
                                                "Review")]).json["data"][0]
        self.assertEqual((b["id"], b["status_id"]), (a["id"], 1))
        r = self.sim.call("GET", "/api/indicators/%d?with=status" % a["id"])
        self.assertEqual(r.json["data"]["status"]["name"], "Active")

    def test_type_status_tlp_variants(self):
        items = [{"value": "v1", "type": "FQDN", "status": "Review"},
                 {"value": "v2", "type": {"id": 11}, "status": {"id": 1}},
                 {"value": "v3", "type_id": 11, "status_id": "5"},
                 {"value": "v4", "type": {"name": "FQDN"}, "type_id": 11},
                 {"value": "v5", "type": "FQDN",
                  "sources": ["Plain", {"name": "T", "tlp_id": 3}]}]
        r = self.sim.consume("indicators", items)
        self.assertEqual(r.status, 200, r)
        self.assertEqual([(d["type_id"], d["status_id"])
                          for d in r.json["data"]],
                         [(11, 4), (11, 1), (11, 5), (11, 4), (11, 4)])
        r = self.sim.call("GET", "/api/indicators/%d?with=sources"
                          % r.json["data"][4]["id"])
        self.assertEqual([(s["name"], s["tlp_id"])
                          for s in r.json["data"]["sources"]],
                         [("Plain", None), ("T", 3)])

    def test_validation_errors(self):
        cases = [
            ([ioc("x", "Bitcoin Address")], "unknown indicator type "
             "'Bitcoin Address'"),
            ([ioc("x", "FQDN", "Bogus")], "unknown indicator status 'Bogus'"),
            ([{"value": "x", "type": {"id": 999}}], "999"),
            ([{"value": "x", "type": "FQDN", "type_id": 15}], "disagree"),
            ([{"type": "FQDN"}], "value is required"),
            ([{"value": "", "type": "FQDN"}], "value is required"),
            ([{"value": "x"}], "type is required"),
            ([ioc("x", published_at="2024-05-01T10:00:00Z")], "published_at"),
            ([ioc("x", published_at="2024-13-01 10:00:00")], "published_at"),
            ([ioc("x", sources=[{"name": "S", "tlp": {"name": "PINK"}}])],
             "unknown TLP 'PINK'"),
            ([ioc("x", sources=[{"name": "S", "tlp_id": 9}])], "tlp_id"),
            ([ioc("x", report=[{"id": 424242}])], "424242"),
            ([ioc("x", report={"id": 1})], "report must be"),
            ([ioc("x", report=[{"id": 10**30}])], "positive integer"),
            ([ioc("x", events=[{"id": 1}])], "not emulated"),
            ([ioc("x", attributes=[{"name": "A"}])], "attribute 'A'"),
            ([ioc("x", description="d" * 70000)], "description too long"),
            (["x"], "item 0"),
            ({"value": "x", "type": "FQDN"}, "JSON array"),
        ]
        for body, needle in cases:
            r = self.sim.consume("indicators", body)
            self.assertError(r, 400, needle)
        r = self.sim.consume("report", [report("R", published_at="yesterday")])
        self.assertError(r, 400, "item 0: published_at")
        r = self.sim.call("POST", "/api/indicators/consume", b"[{]",
                          "application/json")
        self.assertError(r, 400, "JSON")
        r = self.sim.call("POST", "/api/indicators/consume",
                          json.dumps([ioc("1.1.1.1")]).encode(), "text/plain")
        self.assertError(r, 415, "application/json")
        r = self.sim.call("POST", "/api/indicators/consume",
                          json.dumps([ioc("1.1.1.1")]).encode())
        self.assertError(r, 415)
        self.assertEqual(self.sim.counts()["indicators"], 0)

    def test_missing_status_defaults_to_review(self):
        r = self.sim.consume("indicators", [{"value": "x.example",
                                             "type": {"name": "FQDN"}}])
        self.assertEqual(r.json["data"][0]["status_id"], 4)

    def test_batch_limit_is_atomic(self):
        items = [ioc("10.0.%d.%d" % (i // 256, i % 256)) for i in range(501)]
        self.assertError(self.sim.consume("indicators", items), 400, "501")
        self.assertEqual(self.sim.counts()["indicators"], 0)
        r = self.sim.consume("indicators", items[:499] + [ioc("x", "Nope")])
        self.assertError(r, 400, "item 499")
        self.assertEqual(self.sim.counts()["indicators"], 0)
        r = self.sim.consume("indicators", items[:500])
        self.assertEqual((r.status, r.json["total"]), (200, 500))

    def test_relation_endpoint(self):
        a2 = self.sim.upload(b"attachment").json["data"]["id"]
        a3 = self.sim.upload(b"another").json["data"]["id"]
        path = "/api/attachments/%d/attachments" % self.file
        r = self.sim.call("POST", path, [{"id": a2}])
        self.assertEqual(r.status, 201, r)
        self.assertEqual(r.json["data"][0]["id"], a2)
        pivot = r.json["data"][0]["pivot"]["id"]
        r = self.sim.call("POST", path, {"id": a3})
        self.assertEqual(r.status, 201, r)
        r = self.sim.call("POST", path, [{"id": a2}])     # idempotent
        self.assertEqual(r.json["data"][0]["pivot"]["id"], pivot)
        r = self.sim.call("GET", path)
        self.assertEqual([d["id"] for d in r.json["data"]], [a2, a3])
        r = self.sim.call("GET", "/api/attachments/%d/attachments" % a2)
        self.assertEqual([d["id"] for d in r.json["data"]], [self.file])
        self.assertEqual(self.sim.counts()["relations"], 2)
        self.assertError(self.sim.call("POST", path, [{"id": 999}]), 400,
                         "999")
        self.assertError(self.sim.call("POST", path, [{"id": self.file}]),
                         400, "itself")
        self.assertError(self.sim.call("POST", path, []), 400)
        self.assertError(self.sim.call("POST", path, [5]), 400)
        self.assertError(self.sim.call("POST", "/api/attachments/999/report",
                                       [{"id": 1}]), 404)

    def test_routing_errors(self):
        self.assertError(self.sim.call("GET", "/api/events"), 404,
                         "unknown collection 'events'")
        self.assertError(self.sim.call("GET", "/api/indicators/999"), 404)
        self.assertError(self.sim.call("GET", "/api/indicators/" + "9" * 30),
                         404)
        self.assertError(self.sim.call("GET", "/api/indicators?limit="
                                       + "9" * 30), 400, "limit")
        self.assertError(self.sim.call("GET", "/api/report/1/events"), 404)
        r = self.sim.call("GET", "/api/indicators/consume")
        self.assertError(r, 405)
        self.assertEqual(r.headers["Allow"], "POST")
        self.assertError(self.sim.call("DELETE", "/api/token"), 405)
        self.assertError(self.sim.call("PUT", "/api/report/consume", []), 405)
        self.assertError(self.sim.call("GET", "/api/attachments?md5=x"), 400,
                         "md5")


class TestLimits(Base):
    def raw(self, head):
        s = socket.create_connection(("127.0.0.1", self.sim.port), timeout=10)
        with self.sim.ctx.wrap_socket(s, server_hostname="127.0.0.1") as t:
            t.sendall(head)
            data = b""
            while b"\r\n\r\n" not in data:
                chunk = t.recv(4096)
                if not chunk:
                    break
                data += chunk
            return data

    def test_body_too_large(self):
        self.sim.login()
        n = 64 * 1024 * 1024 + 1
        for expect in ("", "Expect: 100-continue\r\n"):
            head = ("POST /api/attachments HTTP/1.1\r\nHost: x\r\n"
                    "Authorization: Bearer %s\r\nContent-Type: multipart/"
                    "form-data; boundary=b\r\nContent-Length: %d\r\n%s\r\n"
                    % (self.sim.token, n, expect)).encode()
            data = self.raw(head)
            self.assertTrue(data.startswith(b"HTTP/1.1 413 "), data)
            self.assertNotIn(b"100 Continue", data)
        log = self.sim.admin("GET", "log").json["data"]
        self.assertEqual([r["status"] for r in log[-2:]], [413, 413])

    def test_just_under_limit_is_read(self):
        self.sim.login()
        big = b"\xa5" * (8 * 1024 * 1024)
        r = self.sim.upload(big)
        self.assertEqual(r.status, 201, r)
        self.assertEqual(r.json["data"]["file_size"], len(big))


class TestFaults(Base):
    def setUp(self):
        super().setUp()
        self.sim.login()

    def test_status_fault(self):
        self.sim.fault(kind="status", status=503, count=2, method="POST",
                       path_prefix="/api/indicators/consume")
        self.assertEqual(self.sim.call("GET", "/api/indicators").status, 200)
        for _ in range(2):
            r = self.sim.consume("indicators", [ioc("1.2.3.4")])
            self.assertError(r, 503, "injected")
        self.assertEqual(self.sim.counts()["indicators"], 0)
        self.assertEqual(self.sim.consume("indicators", [ioc("1.2.3.4")])
                         .status, 200)
        log = self.sim.admin("GET", "log").json["data"]
        self.assertEqual([(r["status"], r["fault"]) for r in log[-3:]],
                         [(503, "status"), (503, "status"), (200, None)])

    def test_retry_after(self):
        self.sim.fault(kind="retry_after", retry_after=7)
        r = self.sim.call("GET", "/api/indicator/types")
        self.assertError(r, 429)
        self.assertEqual(r.headers["Retry-After"], "7")
        self.assertEqual(self.sim.call("GET", "/api/indicator/types").status,
                         200)

    def test_drop_before(self):
        self.sim.fault(kind="drop", when="before", path_prefix="/api/report")
        with self.assertRaises((http.client.HTTPException, OSError)):
            self.sim.consume("report", [report("Lost")])
        self.assertEqual(self.sim.counts()["reports"], 0)

    def test_drop_after_commits(self):
        self.sim.fault(kind="drop", when="after", path_prefix="/api/report")
        with self.assertRaises((http.client.HTTPException, OSError)):
            self.sim.consume("report", [report("Written")])
        self.assertEqual(self.sim.counts()["reports"], 1)
        r = self.sim.call("GET", "/api/report?value=Written")
        self.assertEqual(r.json["total"], 1)
        log = self.sim.admin("GET", "log").json["data"]
        self.assertEqual((log[-2]["status"], log[-2]["fault"]), (200, "drop"))

    def test_slow_before_and_after(self):
        for when, stored in (("before", 0), ("after", 1)):
            self.sim.fault(kind="slow", delay=1.5, when=when,
                           path_prefix="/api/indicators/consume")
            t0 = time.monotonic()
            with self.assertRaises((TimeoutError, socket.timeout,
                                    urllib.error.URLError)):
                self.sim.call("POST", "/api/indicators/consume",
                              [ioc("203.0.113.9")], timeout=0.3)
            self.assertLess(time.monotonic() - t0, 1.4)
            self.assertEqual(self.sim.counts()["indicators"], stored, when)
        # The delay is spent once, before or after, never twice.
        for when in ("before", "after"):
            self.sim.fault(kind="slow", delay=1.5, when=when,
                           path_prefix="/api/indicators/consume")
            t0 = time.monotonic()
            r = self.sim.call("POST", "/api/indicators/consume",
                              [ioc("203.0.113.10")], timeout=10)
            took = time.monotonic() - t0
            self.assertEqual(r.status, 200)
            self.assertGreaterEqual(took, 1.5, when)
            self.assertLess(took, 2.9, when)

    def test_expire_tokens(self):
        self.sim.fault(kind="expire_tokens")
        self.assertError(self.sim.call("GET", "/api/indicator/types"), 401)
        r = self.sim.refresh()
        self.assertEqual(r.status, 200, r)
        self.sim.token = r.json["access_token"]
        self.assertEqual(self.sim.call("GET", "/api/indicator/types").status,
                         200)

    def test_reject_refresh(self):
        self.sim.fault(kind="reject_refresh", count=1)
        r = self.sim.refresh()
        self.assertEqual((r.status, r.json["error"]), (400, "invalid_grant"))
        self.assertEqual(self.sim.refresh().status, 200)
        log = self.sim.admin("GET", "log").json["data"]
        self.assertEqual([(r["status"], r["fault"]) for r in log[-2:]],
                         [(400, "reject_refresh"), (200, None)])

    def test_token_endpoint_fault_and_clear(self):
        self.sim.fault(kind="status", status=502, path_prefix="/api/token",
                       count=5)
        r = self.sim.call("POST", "/api/token", {}, token=False)
        self.assertError(r, 502)
        self.sim.admin("POST", "faults/clear")
        self.sim.login()

    def test_bad_fault_requests(self):
        for f in ({"kind": "explode"}, {"kind": "status"},
                  {"kind": "slow", "delay": -1}, {"kind": "drop",
                                                  "when": "during"},
                  {"kind": "status", "status": 500, "count": 0}):
            self.assertEqual(self.sim.admin("POST", "faults", f).status, 400)


class TestLogAndState(Base):
    def test_log_and_counts(self):
        self.sim.admin("GET", "counts")
        self.sim.login()
        self.sim.call("GET", "/api/indicator/types?limit=5&offset=0")
        self.sim.call("GET", "/api/nowhere")
        log = self.sim.admin("GET", "log").json["data"]
        self.assertEqual([(r["seq"], r["method"], r["path"], r["query"],
                           r["status"], r["fault"]) for r in log],
                         [(1, "POST", "/api/token", "", 200, None),
                          (2, "GET", "/api/indicator/types",
                           "limit=5&offset=0", 200, None),
                          (3, "GET", "/api/nowhere", "", 404, None)])
        self.sim.admin("POST", "log/clear")
        self.assertEqual(self.sim.admin("GET", "log").json["data"], [])
        self.assertEqual(self.sim.counts(), {
            "indicators": 0, "reports": 0, "attachments": 0, "relations": 0,
            "tokens_issued": 1})

    def test_db_file_log_file_port_file_restart(self):
        db = os.path.join(TMP, "state-%d.db" % os.getpid())
        logf = os.path.join(TMP, "log-%d.jsonl" % os.getpid())
        portf = os.path.join(TMP, "port-%d" % os.getpid())
        first = Sim("--db", db, "--log", logf, "--port-file", portf)
        try:
            with open(portf) as f:
                self.assertEqual(int(f.read()), first.port)
            first.login()
            rid = first.consume("report", [report("Kept")]).json["data"][0]
        finally:
            self.assertEqual(first.stop(), 0)           # SIGTERM: clean exit
        second = Sim("--db", db)
        self.addCleanup(second.stop)
        second.token = first.token                      # tokens do not persist
        self.assertError(second.call("GET", "/api/report"), 401)
        second.login()
        r = second.consume("report", [report("Kept")])
        self.assertEqual(r.json["data"][0]["id"], rid["id"])
        self.assertEqual(second.counts()["reports"], 1)
        with open(logf) as f:
            lines = [json.loads(x) for x in f]
        self.assertEqual([(x["path"], x["status"]) for x in lines],
                         [("/api/token", 200), ("/api/report/consume", 200)])

    def test_latency(self):
        slow = Sim("--latency-ms", "300")
        self.addCleanup(slow.stop)
        t0 = time.monotonic()
        slow.login()
        self.assertGreaterEqual(time.monotonic() - t0, 0.3)
        t0 = time.monotonic()
        slow.admin("GET", "counts")
        self.assertLess(time.monotonic() - t0, 0.3)


class TestTLS(unittest.TestCase):
    def test_client_refuses_wrong_host_and_expired(self):
        for c, k in (("wrong_host_cert", "wrong_host_key"),
                     ("expired_cert", "expired_key")):
            sim = Sim(cert=CERTS[c], key=CERTS[k])
            try:
                with self.assertRaises(urllib.error.URLError) as cm:
                    sim.call("GET", "/__admin/counts")
                self.assertIsInstance(cm.exception.reason,
                                      ssl.SSLCertVerificationError)
                sim.ctx = ssl._create_unverified_context()
                self.assertEqual(sim.call("GET", "/__admin/counts").status,
                                 200)
            finally:
                sim.stop()


if __name__ == "__main__":
    unittest.main(verbosity=2)
