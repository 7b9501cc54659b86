"""A loopback OAuth 2.0 authorization server for the XOAUTH2 tests, over
HTTPS with the test certificates (python3 standard library only):

  POST /token       the token endpoint the connector asks (RFC 6749: the
                    refresh_token and client_credentials grants, client
                    authentication by client_id/client_secret in the body)
  POST /introspect  the introspection endpoint Dovecot's oauth2 passdb asks
                    (RFC 7662 shape, introspection_mode = post: token=...)

    s = OAuthServer(cert, key, client_id="app", client_secret="s",
                    user="intel", refresh_tokens=["1//r"],
                    scope="https://outlook.office365.com/.default")
    s.url("/token"), s.url("/introspect")
    s.token_requests      # [dict of the form fields], in order
    s.introspections      # [token presented by Dovecot], in order
    s.expires_in = 30     # life of the next access tokens (None: not said)
    s.rotate = True       # each refresh issues a new refresh token and
                          # revokes the one used
    s.refuse(token)       # introspection calls it inactive from now on
    s.refuse_all = True   # ... and every token
    s.fail_status = 503   # every token request answered so
    s.stop()

Everything it issues is recorded in s.issued (access and refresh tokens)
so that a test can look for them where they must not be.
"""
import http.server
import json
import secrets
import ssl
import threading
import time
import urllib.parse

MAX_BODY = 64 * 1024


class OAuthServer:
    def __init__(self, cert, key, client_id, client_secret, user,
                 refresh_tokens=(), scope=None, expires_in=3600):
        self.client_id = client_id
        self.client_secret = client_secret
        self.user = user
        self._initial = (scope, expires_in, tuple(refresh_tokens))
        self.lock = threading.Lock()
        self.reset()
        srv = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def reply(self, status, obj):
                body = json.dumps(obj).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.send_header("Cache-Control", "no-store")
                self.end_headers()
                self.wfile.write(body)

            def do_POST(self):
                n = int(self.headers.get("Content-Length") or 0)
                if n > MAX_BODY:
                    self.reply(413, {"error": "invalid_request"})
                    return
                form = urllib.parse.parse_qs(
                    self.rfile.read(n).decode("utf-8", "replace"),
                    keep_blank_values=True)
                form = {k: v[0] for k, v in form.items()}
                path = self.path.split("?", 1)[0]
                if path == "/token":
                    with srv.lock:
                        srv.token_peers.append(self.client_address[0])
                    self.reply(*srv._token(form, self.headers))
                elif path == "/introspect":
                    self.reply(200, srv._introspect(form))
                else:
                    self.reply(404, {"error": "not_found"})

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0),
                                                     Handler)
        self.httpd.daemon_threads = True
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(cert, key)
        self.httpd.socket = ctx.wrap_socket(self.httpd.socket,
                                            server_side=True)
        self.port = self.httpd.server_address[1]
        self.thread = threading.Thread(target=self.httpd.serve_forever,
                                       daemon=True)
        self.thread.start()

    def reset(self):
        """Back to the state of a new server (one per test case)."""
        with self.lock:
            self.scope, self.expires_in, rts = self._initial
            self.rotate = False
            self.fail_status = None	# answer every token request with this
            self.refuse_all = False
            self.refresh_valid = set(rts)
            self.access = {}	# token -> expiry (time.time())
            self.refused = set()
            self.token_requests = []
            self.token_peers = []	# the address each came from
            self.introspections = []
            self.issued = []

    def url(self, path):
        return "https://127.0.0.1:%d%s" % (self.port, path)

    def stop(self):
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join(10)

    def refuse(self, token):
        with self.lock:
            self.refused.add(token)

    def grants(self):
        """The grant_type of each token request so far."""
        with self.lock:
            return [r.get("grant_type") for r in self.token_requests]

    # -- endpoints ---------------------------------------------------
    def _issue(self, with_refresh):
        access = "at-" + secrets.token_urlsafe(32)
        out = {"access_token": access, "token_type": "Bearer"}
        if self.expires_in is not None:
            out["expires_in"] = self.expires_in
        self.access[access] = time.time() + (self.expires_in or 3600)
        self.issued.append(access)
        if with_refresh:
            rt = "1//rt-" + secrets.token_urlsafe(24)
            self.refresh_valid.add(rt)
            self.issued.append(rt)
            out["refresh_token"] = rt
        return out

    def _token(self, form, headers):
        with self.lock:
            self.token_requests.append(dict(form))
            if self.fail_status is not None:
                return self.fail_status, {"error": "temporarily_unavailable"}
            if (form.get("client_id") != self.client_id or
                    form.get("client_secret") != self.client_secret):
                return 401, {"error": "invalid_client",
                             "error_description": "Client authentication "
                                                  "failed."}
            grant = form.get("grant_type")
            if grant == "refresh_token":
                rt = form.get("refresh_token")
                if rt not in self.refresh_valid:
                    return 400, {"error": "invalid_grant",
                                 "error_description": "Token has been "
                                                      "expired or revoked."}
                if self.rotate:
                    self.refresh_valid.discard(rt)
                return 200, self._issue(self.rotate)
            if grant == "client_credentials":
                if form.get("scope") != self.scope:
                    return 400, {"error": "invalid_scope",
                                 "error_description": "The scope is not "
                                                      "valid."}
                return 200, self._issue(False)
            return 400, {"error": "unsupported_grant_type"}

    def _introspect(self, form):
        tok = form.get("token", "")
        with self.lock:
            self.introspections.append(tok)
            exp = self.access.get(tok)
            if (exp is None or tok in self.refused or self.refuse_all or
                    exp < time.time()):
                return {"active": False}
        return {"active": True, "username": self.user, "scope": "imap"}
