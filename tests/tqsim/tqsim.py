#!/usr/bin/env python3
"""tqsim -- a small, strict emulator of the ThreatQ REST API subset described
in docs/threatq-api.md, for the tests and the demo.  Standard library only.

Strict where ThreatQ is strict, lenient where the facts list variants, and
conservative in what it answers.  It is never bent to make a client pass:
a wrong request gets a 4xx with an {"errors": [...]} body.

Admin endpoints (no auth, not logged) live under /__admin/ on the same port:
faults (injected errors, drops, delays, token expiry), the request log and
object counts.  See docs/threatq-api.md, section "Emulator".
"""

import argparse
import base64
import binascii
import datetime
import hashlib
import http.server
import json
import os
import re
import secrets
import signal
import socket
import sqlite3
import ssl
import sys
import threading
import time
import traceback
import urllib.parse

MAX_BODY = 64 * 1024 * 1024     # request body limit (413 above)
MAX_BATCH = 500                 # items per consume request
MAX_LIMIT = 500                 # page size cap (larger limits are clamped)
DEFAULT_LIMIT = 10              # page size when the client gives no limit
MAX_DESCRIPTION = 65535         # bytes: a MariaDB TEXT column
TS_FORMAT = "%Y-%m-%d %H:%M:%S"
TS_RE = re.compile(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}")

INDICATOR_TYPES = [
    "ASN", "Binary String", "CIDR Block", "CVE", "Email Address",
    "Email Attachment", "Email Subject", "File Mapping", "File Path",
    "Filename", "FQDN", "Fuzzy Hash", "GOST Hash", "Hash ION", "IP Address",
    "IPv6 Address", "MAC Address", "MD5", "Mutex", "Password",
    "Registry Key", "Service Name", "SHA-1", "SHA-256", "SHA-384", "SHA-512",
    "String", "x509 Serial", "x509 Subject", "URL", "URL Path", "User-agent",
    "Username", "X-Mailer"]
HOST_TYPES = {"MD5", "SHA-1", "SHA-256", "SHA-384", "SHA-512", "GOST Hash",
              "Hash ION", "Fuzzy Hash", "Filename", "File Path", "Mutex",
              "Registry Key", "Service Name"}
STATUSES = [
    ("Active", "Poses a threat and is being exported to detection tools."),
    ("Expired", "No longer poses a serious threat."),
    ("Indirect", "Associated with an active threat but is not a direct threat."),
    ("Review", "Requires further analysis."),
    ("Whitelisted", "Poses NO risk and should never be deployed.")]
DEFAULT_STATUS = "Review"
ATTACHMENT_TYPES = [
    "Cuckoo", "CrowdStrike Intelligence",
    "Early Warning and Indicator Notice (EWIN)", "FireEye Analysis",
    "FBI FLASH", "Generic Text", "Intelligence Whitepaper", "iSight Report",
    "iSight ThreatScape Intelligence Report", "JIB", "MAEC",
    "Malware Analysis Report", "Malware Initial Findings Report (MFIR)",
    "Malware Sample", "Packet Capture",
    "Palo Alto Networks WildFire XML", "PCAP", "PDF",
    "Private Industry Notification (PIN)", "Spearphish Attachment", "STIX",
    "ThreatAnalyzer Analysis", "ThreatQ CSV File", "Whitepaper"]
TLP_BY_ID = {1: "RED", 2: "AMBER", 3: "GREEN", 4: "WHITE"}
TLP_NAMES = {"RED", "AMBER", "GREEN", "WHITE", "CLEAR", "AMBER+STRICT"}
TLP_ID = {v: k for k, v in TLP_BY_ID.items()}
# Collections emulated (path name -> table); "reports" is an alias.
COLLECTIONS = {"indicators": "indicators", "report": "report",
               "reports": "report", "attachments": "attachments"}
# Real collections that exist in ThreatQ but are not emulated.
OTHER_COLLECTIONS = {
    "adversaries", "events", "signatures", "tasks", "campaign", "malware",
    "incident", "ttp", "vulnerability", "identity", "identities",
    "intrusion_set", "tool", "attack_pattern", "course_of_action",
    "exploit_target", "stix_pattern", "investigations"}
FAULT_KINDS = {"status", "retry_after", "drop", "slow", "expire_tokens",
               "reject_refresh"}

SCHEMA = """
CREATE TABLE IF NOT EXISTS indicator_types(id INTEGER PRIMARY KEY,
  name TEXT UNIQUE NOT NULL, class TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS statuses(id INTEGER PRIMARY KEY,
  name TEXT UNIQUE NOT NULL, description TEXT);
CREATE TABLE IF NOT EXISTS attachment_types(id INTEGER PRIMARY KEY,
  name TEXT UNIQUE NOT NULL);
CREATE TABLE IF NOT EXISTS indicators(id INTEGER PRIMARY KEY,
  value TEXT NOT NULL, type_id INTEGER NOT NULL, status_id INTEGER NOT NULL,
  description TEXT, published_at TEXT, created_at TEXT, updated_at TEXT,
  UNIQUE(type_id, value));
CREATE TABLE IF NOT EXISTS report(id INTEGER PRIMARY KEY,
  value TEXT UNIQUE NOT NULL, description TEXT, published_at TEXT,
  created_at TEXT, updated_at TEXT);
CREATE TABLE IF NOT EXISTS attachments(id INTEGER PRIMARY KEY, name TEXT,
  title TEXT, type_id INTEGER, hash TEXT, file_size INTEGER,
  malware_locked INTEGER, content BLOB, created_at TEXT, updated_at TEXT);
CREATE TABLE IF NOT EXISTS uploads(id INTEGER PRIMARY KEY, identifier TEXT,
  name TEXT, content BLOB);
CREATE TABLE IF NOT EXISTS sources(id INTEGER PRIMARY KEY,
  name TEXT UNIQUE NOT NULL);
CREATE TABLE IF NOT EXISTS object_sources(id INTEGER PRIMARY KEY, coll TEXT,
  obj_id INTEGER, source_id INTEGER, tlp TEXT, published_at TEXT,
  created_at TEXT, UNIQUE(coll, obj_id, source_id));
CREATE TABLE IF NOT EXISTS attribute_names(id INTEGER PRIMARY KEY,
  name TEXT UNIQUE NOT NULL);
CREATE TABLE IF NOT EXISTS object_attributes(id INTEGER PRIMARY KEY,
  coll TEXT, obj_id INTEGER, attribute_id INTEGER, value TEXT,
  created_at TEXT, UNIQUE(coll, obj_id, attribute_id, value));
CREATE TABLE IF NOT EXISTS relations(id INTEGER PRIMARY KEY, a_coll TEXT,
  a_id INTEGER, b_coll TEXT, b_id INTEGER, created_at TEXT,
  UNIQUE(a_coll, a_id, b_coll, b_id));
"""

# Per collection: the SELECT used for reads and the columns a list may be
# filtered or sorted by (query parameter -> SQL expression).
SELECT = {
    "indicators": "SELECT i.id, i.value, i.type_id, i.status_id, t.class,"
                  " i.description, i.published_at, i.created_at,"
                  " i.updated_at FROM indicators i"
                  " JOIN indicator_types t ON t.id = i.type_id",
    "report": "SELECT id, value, description, published_at, created_at,"
              " updated_at FROM report",
    "attachments": "SELECT id, name, title, type_id, hash, file_size,"
                   " malware_locked, created_at, updated_at FROM attachments",
}
FIELDS = {
    "indicators": {"id": "i.id", "value": "i.value", "type_id": "i.type_id",
                   "status_id": "i.status_id", "created_at": "i.created_at",
                   "updated_at": "i.updated_at"},
    "report": {"id": "id", "value": "value", "created_at": "created_at",
               "updated_at": "updated_at"},
    "attachments": {"id": "id", "name": "name", "title": "title",
                    "hash": "hash", "type_id": "type_id",
                    "created_at": "created_at", "updated_at": "updated_at"},
}
CATALOGUES = {"indicator_types": "id, name, class",
              "statuses": "id, name, description",
              "attachment_types": "id, name"}


class ApiError(Exception):
    """An answer other than success: status, JSON body, extra headers."""

    def __init__(self, status, *msgs, body=None, headers=(), close=False):
        super().__init__(status)
        self.status = status
        self.body = body if body is not None else {"errors": list(msgs)}
        self.headers = list(headers)
        self.close = close


class Raw:
    """A non-JSON response body (file download)."""

    def __init__(self, data, ctype):
        self.data, self.ctype = data, ctype


def bad(msg):
    return ApiError(400, msg)


def now():
    return datetime.datetime.now(datetime.timezone.utc).strftime(TS_FORMAT)


def q(v):
    """Quote a client-supplied value for an error message, bounded."""
    s = v if isinstance(v, str) else json.dumps(v)
    return "'" + (s[:77] + "..." if len(s) > 80 else s) + "'"


def as_id(v, what):
    if isinstance(v, str) and v.isdigit():
        v = int(v)
    if isinstance(v, bool) or not isinstance(v, int) or not 0 < v < 2**63:
        raise bad("%s must be a positive integer id (got %s)" % (what, q(v)))
    return v


def check_ts(v, what):
    if isinstance(v, str) and TS_RE.fullmatch(v):
        try:
            datetime.datetime.strptime(v, TS_FORMAT)
            return v
        except ValueError:
            pass
    raise bad("%s must be 'YYYY-MM-DD HH:MM:SS' (got %s)" % (what, q(v)))


def params(header_value):
    """Split 'media/type; k=v; k2="v2"' into (media, {k: v})."""
    head, _, rest = header_value.partition(";")
    out = {}
    for k, v in re.findall(r'\s*([\w*.-]+)\s*=\s*("(?:[^"\\]|\\.)*"|[^;]*)',
                           rest):
        v = v.strip()
        if len(v) >= 2 and v[0] == v[-1] == '"':
            v = re.sub(r'\\(.)', r'\1', v[1:-1])
        out[k.lower()] = v
    return head.strip().lower(), out


def parse_multipart(body, boundary):
    """multipart/form-data -> ([(field, text)], [(field, filename, bytes)])."""
    if not boundary or len(boundary) > 70:
        raise bad("multipart/form-data without a valid boundary")
    delim = b"\r\n--" + boundary.encode("latin-1")
    chunks = (b"\r\n" + body).split(delim)
    fields, files, closed = [], [], False
    for ch in chunks[1:]:
        if ch.startswith(b"--"):
            closed = True
            break
        eol = ch.find(b"\r\n")
        if eol < 0 or ch[:eol].strip(b" \t"):
            raise bad("malformed multipart boundary line")
        ch = ch[eol + 2:]
        if ch.startswith(b"\r\n"):
            head, content = b"", ch[2:]
        else:
            head, sep, content = ch.partition(b"\r\n\r\n")
            if not sep:
                raise bad("multipart part without a header end")
        hdrs = {}
        for line in head.decode("utf-8", "replace").split("\r\n"):
            k, sep, v = line.partition(":")
            if sep:
                hdrs[k.strip().lower()] = v.strip()
        disp, p = params(hdrs.get("content-disposition", ""))
        if disp != "form-data" or "name" not in p:
            raise bad("multipart part without 'Content-Disposition: "
                      "form-data; name=...'")
        if "filename" in p:
            files.append((p["name"], p["filename"], content))
        else:
            try:
                fields.append((p["name"], content.decode("utf-8")))
            except UnicodeDecodeError:
                raise bad("multipart field %s is not UTF-8" % q(p["name"]))
    if not closed:
        raise bad("multipart body is truncated (no closing boundary)")
    return fields, files


def php_nest(pairs):
    """PHP/Laravel form decoding: 'a[0][b]=v' -> {"a": [{"b": "v"}]}."""
    root = {}
    for key, val in pairs:
        m = re.fullmatch(r"([^\[\]]+)((?:\[[^\[\]]*\])*)", key)
        if not m:
            raise bad("malformed form field name %s" % q(key))
        path = [m.group(1)] + re.findall(r"\[([^\[\]]*)\]", m.group(2))
        cur = root
        for i, part in enumerate(path):
            if part == "":
                part = str(len(cur))
            if i == len(path) - 1:
                cur[part] = val
            else:
                cur = cur.setdefault(part, {})
                if not isinstance(cur, dict):
                    raise bad("form field %s conflicts with another" % q(key))

    def listify(d):
        if not isinstance(d, dict):
            return d
        d = {k: listify(v) for k, v in d.items()}
        if d and all(k.isdigit() for k in d):
            return [d[k] for k in sorted(d, key=int)]
        return d
    return listify(root)


class Sim:
    """State (SQLite + tokens + faults + log) and the API handlers."""

    def __init__(self, a):
        self.a = a
        self.lock = threading.Lock()
        self.db = sqlite3.connect(a.db, check_same_thread=False)
        self.db.row_factory = sqlite3.Row
        self.db.executescript(SCHEMA)
        self.seed()
        self.tokens = {}       # access token -> monotonic deadline
        self.refresh = {}      # refresh token -> access token
        self.tokens_issued = 0
        self.issued = []       # every token pair answered, for /__admin/tokens
        self.faults = []
        self.reject_refresh = 0
        self.log, self.seq = [], 0
        self.logf = open(a.log, "a", encoding="utf-8") if a.log else None

    def seed(self):
        with self.db:
            db = self.db
            if not db.execute("SELECT 1 FROM indicator_types").fetchone():
                db.executemany(
                    "INSERT INTO indicator_types(name, class) VALUES (?, ?)",
                    [(n, "host" if n in HOST_TYPES else "network")
                     for n in INDICATOR_TYPES])
                db.executemany("INSERT INTO statuses(name, description)"
                               " VALUES (?, ?)", STATUSES)
                db.executemany("INSERT INTO attachment_types(name) VALUES (?)",
                               [(n,) for n in ATTACHMENT_TYPES])
            for n in self.a.extra_indicator_type or []:
                db.execute("INSERT OR IGNORE INTO indicator_types(name, class)"
                           " VALUES (?, 'network')", (n,))

    # ---- request log and faults ------------------------------------------

    def log_start(self, method, path, query):
        with self.lock:
            self.seq += 1
            rec = {"seq": self.seq, "method": method, "path": path,
                   "query": query, "status": None, "fault": None}
            self.log.append(rec)
            return rec

    def log_end(self, rec, status):
        with self.lock:
            rec["status"] = status
            if self.logf:
                self.logf.write(json.dumps(rec) + "\n")
                self.logf.flush()

    def add_fault(self, f):
        if not isinstance(f, dict) or f.get("kind") not in FAULT_KINDS:
            raise bad("fault must be an object with kind in %s"
                      % sorted(FAULT_KINDS))
        kind, count = f["kind"], f.get("count", 1)
        if not isinstance(count, int) or count < 1:
            raise bad("count must be a positive integer")
        if kind == "expire_tokens":
            self.tokens.clear()
            return {"kind": kind}
        if kind == "reject_refresh":
            self.reject_refresh += count
            return {"kind": kind, "count": count}
        out = {"kind": kind, "count": count,
               "method": (f.get("method") or "").upper() or None,
               "path_prefix": f.get("path_prefix") or ""}
        if not isinstance(out["path_prefix"], str):
            raise bad("path_prefix must be a string")
        if kind == "status":
            st = f.get("status")
            if not isinstance(st, int) or not 400 <= st <= 599:
                raise bad("status fault needs \"status\": 400..599")
            out["status"] = st
        elif kind == "retry_after":
            ra = f.get("retry_after", 1)
            if not isinstance(ra, int) or ra < 0:
                raise bad("retry_after must be a non-negative integer")
            out["retry_after"] = ra
        else:
            out["when"] = f.get("when", "before")
            if out["when"] not in ("before", "after"):
                raise bad("when must be \"before\" or \"after\"")
            if kind == "slow":
                d = f.get("delay")
                if not isinstance(d, (int, float)) or isinstance(d, bool) \
                        or not 0 < d <= 600:
                    raise bad("slow fault needs \"delay\": seconds (0..600]")
                out["delay"] = d
        self.faults.append(out)
        return out

    def take_fault(self, method, path):
        with self.lock:
            for f in self.faults:
                if (f["method"] in (None, method)
                        and path.startswith(f["path_prefix"])):
                    f["count"] -= 1
                    if f["count"] == 0:
                        self.faults.remove(f)
                    return dict(f)
        return None

    def counts(self):
        n = lambda t: self.db.execute(  # noqa: E731
            "SELECT COUNT(*) FROM " + t).fetchone()[0]
        return {"indicators": n("indicators"), "reports": n("report"),
                "attachments": n("attachments"), "relations": n("relations"),
                "tokens_issued": self.tokens_issued}

    # ---- dispatch --------------------------------------------------------

    def process(self, method, path, query, headers, body):
        """Route and run one API request -> (status, payload, headers,
        fault noticed while processing or None)."""
        req = None
        try:
            fn, groups, auth = self.route(method, path)
            req = Request(method, path, query, headers, body)
            with self.lock:
                if auth:
                    self.check_auth(headers)
                with self.db:
                    status, payload, *hdrs = fn(self, req, *groups)
            return status, payload, (hdrs[0] if hdrs else []), req.fault
        except ApiError as e:
            return e.status, e.body, e.headers, req and req.fault
        except Exception as e:  # an emulator bug: say so loudly
            traceback.print_exc()
            return 500, {"errors": ["tqsim internal error: %s" % e]}, [], None

    def route(self, method, path):
        allowed = []
        for m, rx, fn, auth in ROUTES:
            mt = rx.fullmatch(path)
            if mt:
                if m == method:
                    return fn, mt.groups(), auth
                allowed.append(m)
        if allowed:
            raise ApiError(405, "method %s not allowed on %s" % (method, path),
                           headers=[("Allow", ", ".join(allowed))])
        seg = path.split("/")
        if len(seg) > 2 and seg[1] == "api" and seg[2] not in COLLECTIONS \
                and seg[2] not in ("token", "indicator"):
            raise ApiError(404, "unknown collection %s" % q(seg[2]))
        raise ApiError(404, "no such endpoint %s" % q(path))

    def check_auth(self, headers):
        h = headers.get("Authorization") or ""
        deadline = self.tokens.get(h[7:]) if h.startswith("Bearer ") else None
        if deadline is None or time.monotonic() >= deadline:
            raise ApiError(401, "Unauthenticated.",
                           headers=[("WWW-Authenticate", "Bearer")])

    def json_body(self, req):
        if req.media != "application/json":
            raise ApiError(415, "Content-Type must be application/json "
                           "(got %s)" % q(req.media or "none"))
        try:
            return json.loads(req.body.decode("utf-8"),
                              parse_constant=lambda c: 1 / 0)
        except (ValueError, ZeroDivisionError):
            raise bad("request body is not valid JSON")

    # ---- /api/token ------------------------------------------------------

    def h_token(self, req):
        def err(code, msg):
            return ApiError(400, body={"error": code, "message": msg})
        p = {k: v[-1] for k, v in req.query.items()}
        if req.body:
            if req.media == "application/json":
                try:
                    obj = json.loads(req.body.decode("utf-8"))
                except ValueError:
                    raise err("invalid_request", "body is not valid JSON")
                if not isinstance(obj, dict) or not all(
                        isinstance(v, str) for v in obj.values()):
                    raise err("invalid_request",
                              "body must be a JSON object of strings")
                p.update(obj)
            elif req.media == "application/x-www-form-urlencoded":
                try:
                    form = urllib.parse.parse_qs(req.body.decode("utf-8"),
                                                 keep_blank_values=True)
                except UnicodeDecodeError:
                    raise err("invalid_request", "body is not UTF-8")
                p.update({k: v[-1] for k, v in form.items()})
            else:
                raise ApiError(415, "Content-Type must be application/json "
                               "or application/x-www-form-urlencoded")
        grant = p.get("grant_type")
        if grant == "password":
            for k in ("client_id", "email", "password"):
                if not p.get(k):
                    raise err("invalid_request", "%s is required" % k)
            if p["client_id"] != self.a.client_id:
                raise err("invalid_client", "Client authentication failed")
            if (p["email"], p["password"]) != (self.a.email, self.a.password):
                raise err("invalid_grant",
                          "The user credentials were incorrect.")
        elif grant == "client_credentials":
            cid, sec = p.get("client_id"), p.get("client_secret")
            auth = req.headers.get("Authorization") or ""
            if auth.startswith("Basic "):
                try:
                    raw = base64.b64decode(auth[6:], validate=True).decode()
                except (binascii.Error, UnicodeDecodeError):
                    raise err("invalid_client", "malformed Basic credentials")
                cid, _, sec = raw.partition(":")
            if not self.a.client_secret:
                raise err("unauthorized_client",
                          "client_credentials is not enabled")
            if (cid, sec) != (self.a.client_id, self.a.client_secret):
                raise err("invalid_client", "Client authentication failed")
        elif grant == "refresh_token":
            rt = p.get("refresh_token") or ""
            if self.reject_refresh:
                self.reject_refresh -= 1
                req.fault = "reject_refresh"
                raise err("invalid_grant", "refresh rejected (injected)")
            if rt not in self.refresh:
                raise err("invalid_grant", "The refresh token is invalid.")
            self.tokens.pop(self.refresh.pop(rt), None)
        else:
            raise err("unsupported_grant_type",
                      "grant_type %s is not supported" % q(grant or ""))
        at, rt = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
        self.tokens[at] = time.monotonic() + self.a.token_ttl
        self.refresh[rt] = at
        self.tokens_issued += 1
        self.issued.append({"access_token": at, "refresh_token": rt})
        return 200, {"token_type": "bearer", "expires_in": self.a.token_ttl,
                     "access_token": at, "refresh_token": rt}, \
            [("Cache-Control", "no-store")]

    # ---- reads -----------------------------------------------------------

    def page(self, req, sql, fields, conv):
        """A {total, limit, offset, data} list with filters, sort, paging."""
        for k in req.query:
            if k not in fields and k not in ("limit", "offset", "sort",
                                             "with"):
                raise bad("unsupported query parameter %s" % q(k))
        where, args = [], []
        for k, col in fields.items():
            v = req.arg(k)
            if v is not None:
                where.append("%s %s ?" % (col, "LIKE" if "%" in v else "="))
                args.append(v)
        limit = req.int_arg("limit", DEFAULT_LIMIT, 1)
        limit = min(limit, MAX_LIMIT)
        offset = req.int_arg("offset", 0, 0)
        order = []
        for key in filter(None, (req.arg("sort") or "id").split(",")):
            col = fields.get(key.lstrip("-"))
            if not col:
                raise bad("cannot sort by %s" % q(key))
            order.append(col + (" DESC" if key.startswith("-") else ""))
        if where:
            sql += " WHERE " + " AND ".join(where)
        total = self.db.execute("SELECT COUNT(*) FROM (%s)" % sql,
                                args).fetchone()[0]
        rows = self.db.execute("%s ORDER BY %s LIMIT ? OFFSET ?" % (
            sql, ", ".join(order)), args + [limit, offset]).fetchall()
        return 200, {"total": total, "limit": limit, "offset": offset,
                     "data": [conv(r) for r in rows]}

    def h_catalogue(self, req, table, one=None):
        sql = "SELECT %s FROM %s" % (CATALOGUES[table], table)
        if one is None:
            return self.page(req, sql, {"id": "id", "name": "name"}, dict)
        row = self.db.execute(sql + " WHERE id = ?", (int(one),)).fetchone()
        if not row:
            raise ApiError(404, "%s %s not found" % (table, one))
        return 200, {"data": dict(row)}

    def obj(self, coll, oid, withs=()):
        """One object as JSON (None if absent), with the 'with' extras."""
        row = self.db.execute(SELECT[coll] + " WHERE %s = ?"
                              % FIELDS[coll]["id"], (oid,)).fetchone()
        return self.decorate(coll, dict(row), withs) if row else None

    def decorate(self, coll, d, withs):
        if "sources" in withs:
            d["sources"] = [
                {"id": r["source_id"], "source_id": r["source_id"],
                 "name": r["name"], "tlp_id": TLP_ID.get(r["tlp"]),
                 "tlp": {"name": r["tlp"]} if r["tlp"] else None,
                 "published_at": r["published_at"],
                 "created_at": r["created_at"]}
                for r in self.db.execute(
                    "SELECT os.source_id, s.name, os.tlp, os.published_at,"
                    " os.created_at FROM object_sources os JOIN sources s"
                    " ON s.id = os.source_id WHERE os.coll = ? AND"
                    " os.obj_id = ? ORDER BY os.id", (coll, d["id"]))]
        if "attributes" in withs:
            d["attributes"] = [dict(r) for r in self.db.execute(
                "SELECT oa.id, oa.attribute_id, n.name, oa.value,"
                " oa.created_at FROM object_attributes oa JOIN"
                " attribute_names n ON n.id = oa.attribute_id WHERE"
                " oa.coll = ? AND oa.obj_id = ? ORDER BY oa.id",
                (coll, d["id"]))]
        if "type" in withs and coll != "report":
            t = "indicator_types" if coll == "indicators" else \
                "attachment_types"
            d["type"] = dict(self.db.execute(
                "SELECT %s FROM %s WHERE id = ?" % (CATALOGUES[t], t),
                (d["type_id"],)).fetchone())
        if "status" in withs and coll == "indicators":
            d["status"] = dict(self.db.execute(
                "SELECT id, name, description FROM statuses WHERE id = ?",
                (d["status_id"],)).fetchone())
        return d

    def h_list(self, req, coll):
        coll = COLLECTIONS[coll]
        withs = req.withs()
        return self.page(req, SELECT[coll], FIELDS[coll],
                         lambda r: self.decorate(coll, dict(r), withs))

    def h_get(self, req, coll, oid):
        req.only("with")
        d = self.obj(COLLECTIONS[coll], int(oid), req.withs())
        if d is None:
            raise ApiError(404, "%s %s not found" % (coll, oid))
        return 200, {"data": d}

    def h_download(self, req, oid):
        row = self.db.execute("SELECT name, content FROM attachments"
                              " WHERE id = ?", (int(oid),)).fetchone()
        if not row:
            raise ApiError(404, "attachments %s not found" % oid)
        name = re.sub(r'["\\\r\n]', "_", row["name"] or "file")
        return 200, Raw(row["content"], "application/octet-stream"), \
            [("Content-Disposition", 'attachment; filename="%s"' % name)]

    # ---- relations -------------------------------------------------------

    def related(self, a, aid, b):
        return self.db.execute(
            "SELECT id, b_id AS oid FROM relations WHERE a_coll = ? AND"
            " a_id = ? AND b_coll = ? UNION SELECT id, a_id FROM relations"
            " WHERE b_coll = ? AND b_id = ? AND a_coll = ? ORDER BY id",
            (a, aid, b, a, aid, b)).fetchall()

    def relate(self, a, aid, b, bid):
        """Store a relation once (symmetric); return its pivot id."""
        (a, aid), (b, bid) = sorted([(a, aid), (b, bid)])
        self.db.execute("INSERT OR IGNORE INTO relations(a_coll, a_id,"
                        " b_coll, b_id, created_at) VALUES (?, ?, ?, ?, ?)",
                        (a, aid, b, bid, now()))
        return self.db.execute(
            "SELECT id FROM relations WHERE a_coll = ? AND a_id = ? AND"
            " b_coll = ? AND b_id = ?", (a, aid, b, bid)).fetchone()[0]

    def h_rel_list(self, req, a, aid, b):
        a, aid, b = COLLECTIONS[a], int(aid), COLLECTIONS[b]
        if not self.obj(a, aid):
            raise ApiError(404, "%s %s not found" % (a, aid))
        for k in req.query:
            if k not in ("limit", "offset", "with", "sort"):
                raise bad("unsupported query parameter %s" % q(k))
        limit = min(req.int_arg("limit", DEFAULT_LIMIT, 1), MAX_LIMIT)
        offset = req.int_arg("offset", 0, 0)
        rows = self.related(a, aid, b)
        data = []
        for r in rows[offset:offset + limit]:
            d = self.obj(b, r["oid"], req.withs())
            d["pivot"] = {"id": r["id"]}
            data.append(d)
        return 200, {"total": len(rows), "limit": limit, "offset": offset,
                     "data": data}

    def h_rel_add(self, req, a, aid, b):
        a, aid, b = COLLECTIONS[a], int(aid), COLLECTIONS[b]
        if not self.obj(a, aid):
            raise ApiError(404, "%s %s not found" % (a, aid))
        body = self.json_body(req)
        items = [body] if isinstance(body, dict) else body
        if not isinstance(items, list) or not items or not all(
                isinstance(i, dict) and "id" in i for i in items):
            raise bad("body must be [{\"id\": ...}, ...] or {\"id\": ...}")
        data = []
        for i in items:
            bid = as_id(i["id"], "id")
            if (a, aid) == (b, bid):
                raise bad("cannot relate %s %d to itself" % (a, aid))
            d = self.obj(b, bid)
            if d is None:
                raise bad("%s %d does not exist" % (b, bid))
            d["pivot"] = {"id": self.relate(a, aid, b, bid)}
            data.append(d)
        return 201, {"data": data}

    # ---- writes ----------------------------------------------------------

    def resolve(self, table, label, item, key, where):
        """type/status as "Name", {"name"}, {"id"} or key_id -> id/None."""
        cands, v = [], item.get(key)
        if isinstance(v, dict):
            if "name" in v:
                v = v["name"]
            elif "id" in v:
                cands.append(("id", v["id"]))
                v = None
            else:
                raise bad("%s: %s needs a name or an id" % (where, key))
        if isinstance(v, str):
            cands.append(("name", v))
        elif v is not None:
            raise bad("%s: %s must be a name, {\"name\"} or {\"id\"}"
                      % (where, key))
        if item.get(key + "_id") is not None:
            cands.append(("id", item[key + "_id"]))
        ids = set()
        for how, x in cands:
            if how == "id":
                x = as_id(x, "%s: %s id" % (where, key))
            row = self.db.execute("SELECT id FROM %s WHERE %s = ?"
                                  % (table, how), (x,)).fetchone()
            if not row:
                raise bad("%s: unknown %s %s" % (where, label, q(x) if
                                                 how == "name" else x))
            ids.add(row[0])
        if len(ids) > 1:
            raise bad("%s: %s and %s_id disagree" % (where, key, key))
        return ids.pop() if ids else None

    def check_common(self, it, where, coll):
        """Fields shared by every object: description, published_at,
        sources (+TLP), attributes, inline relations."""
        c = {"description": it.get("description"),
             "published_at": it.get("published_at"),
             "sources": [], "attributes": [], "rels": []}
        if c["description"] is not None:
            if not isinstance(c["description"], str):
                raise bad("%s: description must be a string" % where)
            n = len(c["description"].encode("utf-8"))
            if n > MAX_DESCRIPTION:
                raise bad("%s: description too long (%d > %d bytes)"
                          % (where, n, MAX_DESCRIPTION))
        if c["published_at"] is not None:
            check_ts(c["published_at"], where + ": published_at")
        if it.get("tlp_id") is not None and \
                as_id(it["tlp_id"], where + ": tlp_id") not in TLP_BY_ID:
            raise bad("%s: tlp_id must be 1..4" % where)
        srcs = it.get("sources", [])
        if not isinstance(srcs, list):
            raise bad("%s: sources must be an array" % where)
        for s in srcs:
            s = {"name": s} if isinstance(s, str) else s
            if not isinstance(s, dict) or not isinstance(s.get("name"), str) \
                    or not s["name"].strip():
                raise bad("%s: each source needs a name" % where)
            tlp = s.get("tlp")
            if isinstance(tlp, dict):
                tlp = tlp.get("name")
            if tlp is not None and tlp not in TLP_NAMES:
                raise bad("%s: unknown TLP %s" % (where, q(tlp)))
            if s.get("tlp_id") is not None:
                tid = as_id(s["tlp_id"], where + ": source tlp_id")
                if tid not in TLP_BY_ID or tlp not in (None, TLP_BY_ID[tid]):
                    raise bad("%s: bad source tlp_id %s" % (where, tid))
                tlp = TLP_BY_ID[tid]
            if s.get("published_at") is not None:
                check_ts(s["published_at"], where + ": source published_at")
            c["sources"].append((s["name"], tlp, s.get("published_at")))
        attrs = it.get("attributes", [])
        if not isinstance(attrs, list):
            raise bad("%s: attributes must be an array" % where)
        for at in attrs:
            if not isinstance(at, dict) or not isinstance(at.get("name"), str) \
                    or not at["name"].strip():
                raise bad("%s: each attribute needs a name" % where)
            v = at.get("value")
            if isinstance(v, bool) or not isinstance(v, (str, int, float)):
                raise bad("%s: attribute %s needs a string value"
                          % (where, q(at["name"])))
            c["attributes"].append((at["name"], str(v)))
        for key, v in it.items():
            if key in OTHER_COLLECTIONS:
                raise bad("%s: relations to %s are not emulated" % (where, key))
            if key not in COLLECTIONS:
                continue
            other = COLLECTIONS[key]
            if not isinstance(v, list) or not all(
                    isinstance(r, dict) and "id" in r for r in v):
                raise bad("%s: %s must be [{\"id\": ...}, ...]" % (where, key))
            for r in v:
                rid = as_id(r["id"], "%s: %s id" % (where, key))
                if not self.obj(other, rid):
                    raise bad("%s: %s %d does not exist" % (where, key, rid))
                c["rels"].append((other, rid))
        return c

    def check_item(self, coll, it, where):
        if not isinstance(it, dict):
            raise bad("%s: must be a JSON object" % where)
        v = it.get("value")
        if not isinstance(v, str) or not v.strip():
            raise bad("%s: value is required (a non-empty string)" % where)
        c = self.check_common(it, where, coll)
        c["value"] = v
        if coll == "indicators":
            c["type_id"] = self.resolve("indicator_types", "indicator type",
                                        it, "type", where)
            if c["type_id"] is None:
                raise bad("%s: type is required" % where)
            c["status_id"] = self.resolve("statuses", "indicator status", it,
                                          "status", where)
            if c["status_id"] is None:
                c["status_id"] = self.db.execute(
                    "SELECT id FROM statuses WHERE name = ?",
                    (DEFAULT_STATUS,)).fetchone()[0]
        return c

    def merge(self, coll, oid, c):
        """Add sources, attributes and relations to an object."""
        ts = now()
        for name, tlp, pub in c["sources"]:
            self.db.execute("INSERT OR IGNORE INTO sources(name) VALUES (?)",
                            (name,))
            sid = self.db.execute("SELECT id FROM sources WHERE name = ?",
                                  (name,)).fetchone()[0]
            self.db.execute(
                "INSERT INTO object_sources(coll, obj_id, source_id, tlp,"
                " published_at, created_at) VALUES (?, ?, ?, ?, ?, ?)"
                " ON CONFLICT(coll, obj_id, source_id) DO UPDATE SET"
                " tlp = coalesce(excluded.tlp, tlp)",
                (coll, oid, sid, tlp, pub, ts))
        for name, value in c["attributes"]:
            self.db.execute("INSERT OR IGNORE INTO attribute_names(name)"
                            " VALUES (?)", (name,))
            aid = self.db.execute("SELECT id FROM attribute_names WHERE"
                                  " name = ?", (name,)).fetchone()[0]
            self.db.execute("INSERT OR IGNORE INTO object_attributes(coll,"
                            " obj_id, attribute_id, value, created_at)"
                            " VALUES (?, ?, ?, ?, ?)",
                            (coll, oid, aid, value, ts))
        for other, rid in c["rels"]:
            if (other, rid) != (coll, oid):
                self.relate(coll, oid, other, rid)

    def upsert(self, coll, c):
        """Create or find (indicators: type+value; reports: value) and merge.
        An existing object keeps its status, description and dates."""
        if coll == "indicators":
            row = self.db.execute("SELECT id FROM indicators WHERE type_id = ?"
                                  " AND value = ?",
                                  (c["type_id"], c["value"])).fetchone()
        else:
            row = self.db.execute("SELECT id FROM report WHERE value = ?",
                                  (c["value"],)).fetchone()
        ts = now()
        if row:
            oid = row[0]
            self.db.execute("UPDATE %s SET updated_at = ? WHERE id = ?"
                            % coll, (ts, oid))
        elif coll == "indicators":
            oid = self.db.execute(
                "INSERT INTO indicators(value, type_id, status_id, description,"
                " published_at, created_at, updated_at) VALUES (?, ?, ?, ?,"
                " ?, ?, ?)", (c["value"], c["type_id"], c["status_id"],
                              c["description"], c["published_at"], ts, ts)
            ).lastrowid
        else:
            oid = self.db.execute(
                "INSERT INTO report(value, description, published_at,"
                " created_at, updated_at) VALUES (?, ?, ?, ?, ?)",
                (c["value"], c["description"], c["published_at"], ts, ts)
            ).lastrowid
        self.merge(coll, oid, c)
        d = self.obj(coll, oid)
        keys = ("id", "value", "type_id", "status_id", "created_at",
                "updated_at") if coll == "indicators" else \
            ("id", "value", "published_at", "created_at", "updated_at")
        return {k: d[k] for k in keys}, bool(row)

    def h_consume(self, req, coll):
        coll = COLLECTIONS[coll]
        items = self.json_body(req)
        if not isinstance(items, list):
            raise bad("body must be a JSON array of objects")
        if len(items) > MAX_BATCH:
            raise bad("too many items in one consume request (%d > %d)"
                      % (len(items), MAX_BATCH))
        checked = [self.check_item(coll, it, "item %d" % i)
                   for i, it in enumerate(items)]
        data = [self.upsert(coll, c)[0] for c in checked]
        return 200, {"total": len(data), "data": data}

    def h_create(self, req, coll):
        coll = COLLECTIONS[coll]
        if coll == "attachments":
            return self.create_attachment(req)
        body = self.json_body(req)
        if coll == "indicators":   # object or array; data is always an array
            items = body if isinstance(body, list) else [body]
            if not items or len(items) > MAX_BATCH:
                raise bad("between 1 and %d indicators per request"
                          % MAX_BATCH)
            checked = [self.check_item(coll, it, "item %d" % i)
                       for i, it in enumerate(items)]
            data = []
            for c in checked:
                d, existed = self.upsert(coll, c)
                d["existing"] = existed
                data.append(d)
            return 201, {"total": len(data), "data": data}
        c = self.check_item(coll, body, "report")
        if self.db.execute("SELECT 1 FROM report WHERE value = ?",
                           (c["value"],)).fetchone():
            raise bad("value: The value has already been taken.")
        return 201, {"data": self.upsert(coll, c)[0]}

    def create_attachment(self, req):
        """Multipart (name, title, type, malware_locked, sources[..],
        attributes[..], file) or JSON naming a file sent to /upload."""
        if req.media == "multipart/form-data":
            fields, files = parse_multipart(req.body, req.cparams.get(
                "boundary"))
            form = php_nest(fields)
            parts = [f for f in files if f[0] == "file"]
            if len(parts) != 1:
                raise bad("exactly one file part named 'file' is required")
            content = parts[0][2]
        elif req.media == "application/json":
            form = self.json_body(req)
            if not isinstance(form, dict):
                raise bad("body must be a JSON object")
            content = None
        else:
            raise ApiError(415, "Content-Type must be multipart/form-data or "
                           "application/json (got %s)" % q(req.media or
                                                            "none"))
        name = form.get("name")
        if not isinstance(name, str) or not name.strip():
            raise bad("name is required")
        if content is None:
            row = self.db.execute("SELECT id, content FROM uploads WHERE"
                                  " name = ? ORDER BY id DESC LIMIT 1",
                                  (name,)).fetchone()
            if not row:
                raise bad("no uploaded file named %s (POST "
                          "/api/attachments/upload first)" % q(name))
            self.db.execute("DELETE FROM uploads WHERE id = ?", (row[0],))
            content = row[1]
        type_id = self.resolve("attachment_types", "attachment type", form,
                               "type", "attachment")
        if type_id is None:
            raise bad("type is required")
        title = form.get("title", name)
        if not isinstance(title, str):
            raise bad("title must be a string")
        ml = form.get("malware_locked", 0)
        if ml not in (0, 1, True, False, "0", "1", "true", "false"):
            raise bad("malware_locked must be 0 or 1 (got %s)" % q(ml))
        ml = 1 if ml in (1, True, "1", "true") else 0
        c = self.check_common(form, "attachment", "attachments")
        ts = now()
        oid = self.db.execute(
            "INSERT INTO attachments(name, title, type_id, hash, file_size,"
            " malware_locked, content, created_at, updated_at) VALUES"
            " (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (name, title, type_id, hashlib.md5(content).hexdigest(),
             len(content), ml, content, ts, ts)).lastrowid
        self.merge("attachments", oid, c)
        return 201, {"data": self.obj("attachments", oid)}

    def h_upload(self, req):
        """Resumable.js single-chunk upload (two-step variant, step 1)."""
        if req.media != "multipart/form-data":
            raise ApiError(415, "Content-Type must be multipart/form-data")
        fields, files = parse_multipart(req.body, req.cparams.get("boundary"))
        form = dict(fields)
        parts = [f for f in files if f[0] == "file"]
        for k in ("resumableIdentifier", "resumableFilename"):
            if not form.get(k):
                raise bad("%s is required" % k)
        if form.get("resumableTotalChunks", "1") != "1":
            raise bad("multi-chunk uploads are not emulated")
        if len(parts) != 1:
            raise bad("exactly one file part named 'file' is required")
        self.db.execute("INSERT INTO uploads(identifier, name, content) VALUES"
                        " (?, ?, ?)", (form["resumableIdentifier"],
                                       form["resumableFilename"],
                                       parts[0][2]))
        return 200, {"data": {"resumableIdentifier":
                              form["resumableIdentifier"],
                              "resumableFilename": form["resumableFilename"]}}


class Request:
    def __init__(self, method, path, query, headers, body):
        self.method, self.path, self.headers, self.body = \
            method, path, headers, body
        try:
            self.query = urllib.parse.parse_qs(query, keep_blank_values=True,
                                               strict_parsing=bool(query))
        except ValueError:
            raise bad("malformed query string")
        self.media, self.cparams = params(headers.get("Content-Type") or "")
        self.fault = None

    def arg(self, k):
        v = self.query.get(k)
        return v[-1] if v else None

    def int_arg(self, k, default, lo):
        v = self.arg(k)
        if v is None:
            return default
        if not v.isdigit() or len(v) > 18 or int(v) < lo:
            raise bad("%s must be an integer >= %d (got %s)" % (k, lo, q(v)))
        return int(v)

    def withs(self):
        return set(filter(None, (self.arg("with") or "").split(",")))

    def only(self, *allowed):
        for k in self.query:
            if k not in allowed:
                raise bad("unsupported query parameter %s" % q(k))


def _cat(table):
    return lambda s, r, one=None: s.h_catalogue(r, table, one)


COLL = "(indicators|reports?|attachments)"
ROUTES = [(m, re.compile(rx), fn, auth) for m, rx, fn, auth in [
    ("POST", r"/api/token", Sim.h_token, False),
    ("GET", r"/api/indicator/types", _cat("indicator_types"), True),
    ("GET", r"/api/indicator/types/(\d{1,18})", _cat("indicator_types"), True),
    ("GET", r"/api/indicator/statuses", _cat("statuses"), True),
    ("GET", r"/api/indicator/statuses/(\d{1,18})", _cat("statuses"), True),
    ("GET", r"/api/attachments/types", _cat("attachment_types"), True),
    ("GET", r"/api/attachments/types/(\d{1,18})", _cat("attachment_types"), True),
    ("POST", r"/api/attachments/upload", Sim.h_upload, True),
    ("GET", r"/api/attachments/(\d{1,18})/download", Sim.h_download, True),
    ("POST", r"/api/(indicators|reports?)/consume(?:/new)?", Sim.h_consume,
     True),
    ("POST", r"/api/" + COLL, Sim.h_create, True),
    ("GET", r"/api/" + COLL, Sim.h_list, True),
    ("GET", r"/api/" + COLL + r"/(\d{1,18})", Sim.h_get, True),
    ("GET", r"/api/" + COLL + r"/(\d{1,18})/" + COLL, Sim.h_rel_list, True),
    ("POST", r"/api/" + COLL + r"/(\d{1,18})/" + COLL, Sim.h_rel_add, True),
]]


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # TCP_NODELAY, as web servers set it: the headers and the body go out
    # in two writes, and with Nagle's algorithm the body waited for the
    # client's delayed ACK, about 40 ms per request on loopback - a delay
    # no real ThreatQ adds (measured by tests/bench/run).
    disable_nagle_algorithm = True
    server_version = "tqsim"
    timeout = 30

    def setup(self):
        self.request.settimeout(self.timeout)
        self.request = self.server.ssl_ctx.wrap_socket(self.request,
                                                       server_side=True)
        super().setup()

    def log_message(self, fmt, *args):
        pass

    def do_GET(self):
        self.dispatch()
    do_POST = do_PUT = do_PATCH = do_DELETE = do_GET

    def handle_expect_100(self):
        try:
            n = int(self.headers.get("Content-Length", "0"))
        except ValueError:
            n = 0
        if n > MAX_BODY:
            rec = self.server.sim.log_start(self.command, *self.split())
            self.reply(rec, 413, {"errors": ["request body too large"]},
                       close=True)
            return False
        return super().handle_expect_100()

    def split(self):
        u = urllib.parse.urlsplit(self.path)
        return u.path, u.query

    def read_body(self):
        te = (self.headers.get("Transfer-Encoding") or "").strip().lower()
        if te and te != "chunked":
            raise ApiError(400, "unsupported Transfer-Encoding", close=True)
        if te:
            data = bytearray()
            while True:
                line = self.rfile.readline(1024)
                try:
                    n = int(line.split(b";")[0], 16)
                except ValueError:
                    raise ApiError(400, "bad chunk", close=True)
                if n == 0:
                    while self.rfile.readline(1024) not in (b"\r\n", b"\n",
                                                            b""):
                        pass
                    return bytes(data)
                if len(data) + n > MAX_BODY:
                    raise ApiError(413, "request body too large", close=True)
                data += self.rfile.read(n)
                self.rfile.readline(8)
        cl = self.headers.get("Content-Length")
        if cl is None:
            return b""
        if not cl.strip().isdigit():
            raise ApiError(400, "bad Content-Length", close=True)
        if int(cl) > MAX_BODY:
            raise ApiError(413, "request body too large (%s > %d bytes)"
                           % (cl.strip(), MAX_BODY), close=True)
        data = self.rfile.read(int(cl))
        if len(data) != int(cl):
            raise ApiError(400, "request body truncated", close=True)
        return data

    def dispatch(self):
        sim = self.server.sim
        path, query = self.split()
        if path.startswith("/__admin/"):
            return self.admin(path)
        rec = sim.log_start(self.command, path, query)
        fault = sim.take_fault(self.command, path)
        kind = fault and fault["kind"]
        rec["fault"] = kind
        try:
            body = self.read_body()
        except ApiError as e:
            return self.reply(rec, e.status, e.body, e.headers, close=True)
        if kind == "status":
            return self.reply(rec, fault["status"], {"errors": ["injected"]})
        if kind == "retry_after":
            return self.reply(rec, 429, {"errors": ["injected"]},
                              [("Retry-After", str(fault["retry_after"]))])
        if kind == "drop" and fault["when"] == "before":
            return self.cut(rec, None)
        if kind == "slow" and fault["when"] == "before":
            time.sleep(fault["delay"])
        status, payload, headers, noticed = sim.process(
            self.command, path, query, self.headers, body)
        rec["fault"] = kind or noticed
        if kind == "drop":
            return self.cut(rec, status, payload)
        if kind == "slow" and fault["when"] == "after":
            time.sleep(fault["delay"])
        self.reply(rec, status, payload, headers)

    def encode(self, payload):
        if isinstance(payload, Raw):
            return payload.data, payload.ctype
        # PHP's json_encode escapes "/" by default; so does ThreatQ.
        text = json.dumps(payload).replace("/", "\\/")
        return text.encode("ascii"), "application/json"

    def reply(self, rec, status, payload, headers=(), close=False,
              latency=True):
        data, ctype = self.encode(payload)
        if latency and self.server.sim.a.latency_ms:
            time.sleep(self.server.sim.a.latency_ms / 1000)
        if close:
            self.close_connection = True
        try:
            self.send_response(status)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(data)))
            for k, v in headers:
                self.send_header(k, v)
            if close:
                self.send_header("Connection", "close")
            self.end_headers()
            self.wfile.write(data)
        except OSError:
            self.close_connection = True
        if rec is not None:
            self.server.sim.log_end(rec, status)

    def cut(self, rec, status, payload=None):
        """Close without a complete response; after processing, send the
        status line and part of the headers first."""
        self.close_connection = True
        try:
            if status is not None:
                data, ctype = self.encode(payload)
                head = ("HTTP/1.1 %d %s\r\nContent-Type: %s\r\n"
                        "Content-Length: %d\r\nDate: %s" % (
                            status, self.responses.get(status, ("",))[0],
                            ctype, len(data), self.date_time_string()))
                self.wfile.write(head[:-12].encode("latin-1"))
            self.connection.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self.server.sim.log_end(rec, status)

    def admin(self, path):
        sim, m = self.server.sim, self.command
        try:
            body = self.read_body()
            if m == "GET" and path == "/__admin/log":
                with sim.lock:
                    out = {"data": [dict(r) for r in sim.log]}
            elif m == "POST" and path == "/__admin/log/clear":
                with sim.lock:
                    sim.log = []
                out = {"data": []}
            elif m == "GET" and path == "/__admin/counts":
                with sim.lock:
                    out = sim.counts()
            elif m == "GET" and path == "/__admin/tokens":
                with sim.lock:
                    out = {"data": [dict(t) for t in sim.issued]}
            elif m == "POST" and path == "/__admin/faults":
                try:
                    f = json.loads(body or b"null")
                except ValueError:
                    raise bad("body is not valid JSON")
                with sim.lock:
                    out = {"data": sim.add_fault(f)}
            elif m == "POST" and path == "/__admin/faults/clear":
                with sim.lock:
                    sim.faults, sim.reject_refresh = [], 0
                out = {"data": []}
            elif m == "GET" and path == "/__admin/faults":
                with sim.lock:
                    out = {"data": [dict(f) for f in sim.faults],
                           "reject_refresh": sim.reject_refresh}
            else:
                raise ApiError(404, "no such admin endpoint")
            self.reply(None, 200, out, latency=False)
        except ApiError as e:
            self.reply(None, e.status, e.body, e.headers, close=e.close,
                       latency=False)


class Server(http.server.ThreadingHTTPServer):
    def handle_error(self, request, client_address):
        exc = sys.exc_info()[1]
        if not isinstance(exc, (OSError, ssl.SSLError)):
            traceback.print_exc()


def main(argv=None):
    ap = argparse.ArgumentParser(description="ThreatQ API emulator")
    ap.add_argument("--cert", required=True)
    ap.add_argument("--key", required=True)
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--port-file")
    ap.add_argument("--db", default=":memory:")
    ap.add_argument("--log")
    ap.add_argument("--client-id", required=True)
    ap.add_argument("--email", required=True)
    ap.add_argument("--password", required=True)
    ap.add_argument("--client-secret")
    ap.add_argument("--token-ttl", type=float, default=3600)
    ap.add_argument("--extra-indicator-type", action="append")
    ap.add_argument("--latency-ms", type=int, default=0)
    a = ap.parse_args(argv)
    if a.token_ttl == int(a.token_ttl):
        a.token_ttl = int(a.token_ttl)
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.minimum_version = ssl.TLSVersion.TLSv1_2
    try:
        ctx.load_cert_chain(a.cert, a.key)
    except (OSError, ssl.SSLError) as e:
        print("tqsim: cannot load %s / %s: %s" % (a.cert, a.key, e),
              file=sys.stderr)
        return 2
    if ":" in a.host:
        Server.address_family = socket.AF_INET6
    srv = Server((a.host, a.port), Handler)
    srv.ssl_ctx, srv.sim = ctx, Sim(a)
    port = srv.server_address[1]
    if a.port_file:
        with open(a.port_file + ".tmp", "w") as f:
            f.write("%d\n" % port)
        os.replace(a.port_file + ".tmp", a.port_file)

    def stop(signum, frame):
        threading.Thread(target=srv.shutdown, daemon=True).start()
    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    print("tqsim listening on %s:%d" % (a.host, port), flush=True)
    srv.serve_forever(poll_interval=0.1)
    srv.server_close()
    with srv.sim.lock:
        srv.sim.db.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
