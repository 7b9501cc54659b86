#!/usr/bin/env python3
"""Test certificates made with the openssl command.

make_certs(dir) writes a CA and a server certificate for 127.0.0.1 and
localhost signed by it; with wrong_host=True also a certificate (same CA)
for wrong.example only, and with expired=True one for 127.0.0.1/localhost
whose validity ended in 2001, and with not_yet_valid=True one for
127.0.0.1/localhost valid only from 2090.  Returns a dict of paths:
  ca, ca_key, cert, key [, wrong_host_cert, wrong_host_key]
  [, expired_cert, expired_key] [, future_cert, future_key]

CLI: certs.py DIR [--wrong-host] [--expired] [--not-yet-valid]
(prints the dict as JSON)
"""
import argparse
import json
import os
import subprocess
import sys

CURVE = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1"]
SERVER_EXT = (
    "basicConstraints=critical,CA:FALSE\n"
    "keyUsage=critical,digitalSignature,keyEncipherment\n"
    "extendedKeyUsage=serverAuth\n"
    "subjectKeyIdentifier=hash\n"
    "authorityKeyIdentifier=keyid,issuer\n"
    "subjectAltName=%s\n")
HOST_SAN = "IP:127.0.0.1,DNS:localhost"
WRONG_SAN = "DNS:wrong.example"


def _run(args, cwd):
    r = subprocess.run(["openssl"] + args, cwd=cwd, capture_output=True,
                       text=True)
    if r.returncode != 0:
        raise RuntimeError("openssl %s: %s" % (args[0], r.stderr.strip()))


def _write(path, text):
    with open(path, "w") as f:
        f.write(text)


def _csr(d, name, cn):
    _run(["req", "-new"] + CURVE + ["-nodes", "-keyout", name + ".key",
          "-out", name + ".csr", "-subj", "/CN=" + cn], d)


def _leaf(d, name, cn, san):
    _csr(d, name, cn)
    _write(os.path.join(d, name + ".ext"), SERVER_EXT % san)
    _run(["x509", "-req", "-in", name + ".csr", "-CA", "ca.crt",
          "-CAkey", "ca.key", "-set_serial", "0x" + os.urandom(8).hex(),
          "-days", "30", "-extfile", name + ".ext", "-out", name + ".crt"], d)


def _dated(d, name, cn, san, start, end):
    """openssl x509 cannot set dates, so sign with a throwaway 'openssl ca'."""
    _csr(d, name, cn)
    db = os.path.join(d, "ca-db")
    os.makedirs(db, exist_ok=True)
    _write(os.path.join(db, "index.txt"), "")
    _write(os.path.join(db, "serial"), os.urandom(8).hex() + "\n")
    conf = ("[ca]\ndefault_ca=tq\n[tq]\ndir=%s\ndatabase=$dir/index.txt\n"
            "serial=$dir/serial\nnew_certs_dir=$dir\ndefault_md=sha256\n"
            "policy=pol\nunique_subject=no\ncopy_extensions=none\n"
            "x509_extensions=ext\n[pol]\ncommonName=supplied\n[ext]\n%s"
            % (db, SERVER_EXT % san))
    _write(os.path.join(d, name + ".cnf"), conf)
    _run(["ca", "-batch", "-config", name + ".cnf", "-cert", "ca.crt",
          "-keyfile", "ca.key", "-in", name + ".csr", "-out", name + ".crt",
          "-notext", "-startdate", start, "-enddate", end], d)


def make_certs(d, wrong_host=False, expired=False, not_yet_valid=False):
    d = os.path.abspath(d)
    os.makedirs(d, exist_ok=True)
    _run(["req", "-x509"] + CURVE + ["-nodes", "-keyout", "ca.key",
          "-out", "ca.crt", "-days", "30", "-subj", "/CN=tqsim test CA",
          "-addext", "basicConstraints=critical,CA:TRUE",
          "-addext", "keyUsage=critical,keyCertSign,cRLSign"], d)
    _leaf(d, "server", "127.0.0.1", HOST_SAN)
    p = lambda n: os.path.join(d, n)  # noqa: E731
    out = {"ca": p("ca.crt"), "ca_key": p("ca.key"),
           "cert": p("server.crt"), "key": p("server.key")}
    if wrong_host:
        _leaf(d, "wrong", "wrong.example", WRONG_SAN)
        out.update(wrong_host_cert=p("wrong.crt"), wrong_host_key=p("wrong.key"))
    if expired:
        _dated(d, "expired", "127.0.0.1", HOST_SAN,
               "20000101000000Z", "20010101000000Z")
        out.update(expired_cert=p("expired.crt"), expired_key=p("expired.key"))
    if not_yet_valid:
        _dated(d, "future", "127.0.0.1", HOST_SAN,
               "20900101000000Z", "20910101000000Z")
        out.update(future_cert=p("future.crt"), future_key=p("future.key"))
    return out


def main(argv):
    ap = argparse.ArgumentParser(description="make test certificates")
    ap.add_argument("dir")
    ap.add_argument("--wrong-host", action="store_true")
    ap.add_argument("--expired", action="store_true")
    ap.add_argument("--not-yet-valid", action="store_true")
    a = ap.parse_args(argv)
    print(json.dumps(make_certs(a.dir, a.wrong_host, a.expired,
                                a.not_yet_valid), indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
