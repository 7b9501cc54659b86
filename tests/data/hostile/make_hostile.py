#!/usr/bin/env python3
"""Hostile-mail corpus generator (Python standard library, deterministic).

Every message is built by one function of CASES, from fixed data only: the
same Python and zlib always give the same bytes.  What each should become
is written by hand in expected.json beside this file.

    make_hostile.py            write the small cases (<= SMALL_LIMIT bytes)
                               into this directory: the committed ones
    make_hostile.py --all DIR  write every case into DIR (what
                               tests/integration/test_hostile.py does at
                               run time, into a temporary directory)
    make_hostile.py --list     name, size and description of every case
    make_hostile.py --serve DIR  for each line "write NAME" on standard
                               input write that case into DIR and answer
                               "SIZE PORTABLE"; for "payload FUNCTION"
                               answer "SIZE SHA256" of what it returns (the
                               test asks this way, to stay small itself)

Messages larger than SMALL_LIMIT (up to 65 MiB) are never committed; the
test makes them each run.  Nor are cases marked commit=False: those built
with zlib (their bytes depend on the zlib version) and the slow ones
(tests/integration/test_binary.py replays every committed message too).
"""
import base64
import hashlib
import os
import struct
import sys
import zlib

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "pdf"))
import make_pdfs  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
SMALL_LIMIT = 64 * 1024  # bytes; larger cases are made at test time
MiB = 1024 * 1024

CASES = []  # (name, function, commit, description)


def case(name, desc, commit=True):
    def reg(fn):
        CASES.append((name, fn, commit, desc))
        return fn
    return reg


def mid(name):
    return b"<hostile-" + name.encode() + b"@corpus.test>"


def head(name, subject=b"Hostile sample", ctype=b"text/plain; charset=utf-8",
         cte=None, extra=b"", eol=b"\n"):
    """A top-level header block (ends with the empty line)."""
    h = [b"From: Hostile Corpus <corpus@sender.test>",
         b"To: intel@soc.test",
         b"Subject: " + subject,
         b"Date: Fri, 20 Nov 2026 10:00:00 +0000",
         b"Message-ID: " + mid(name),
         b"MIME-Version: 1.0"]
    if ctype is not None:
        h.append(b"Content-Type: " + ctype)
    if cte is not None:
        h.append(b"Content-Transfer-Encoding: " + cte)
    out = eol.join(h) + eol
    if extra:
        out += extra if extra.endswith(eol) else extra + eol
    return out + eol


def b64(data, width=76):
    e = base64.b64encode(data)
    return b"\n".join(e[i:i + width] for i in range(0, len(e), width)) + b"\n"


def prng(seed, n):
    """n deterministic pseudo-random bytes."""
    out, h = bytearray(), seed
    while len(out) < n:
        h = hashlib.sha256(h).digest()
        out += h
    return bytes(out[:n])


def mixed(name, parts, subject=b"Hostile sample", boundary=b"hb", extra=b""):
    """multipart/mixed of (part headers, body) pairs, closed."""
    out = head(name, subject, b'multipart/mixed; boundary="' + boundary + b'"',
               extra=extra)
    for h, body in parts:
        out += b"--" + boundary + b"\n" + h + b"\n\n" + body
        if not body.endswith(b"\n"):
            out += b"\n"
    return out + b"--" + boundary + b"--\n"


def att(name_hdr, data, ctype=b"application/octet-stream"):
    """Headers + base64 body of an attachment, name_hdr given as written."""
    return (b"Content-Type: " + ctype + b"\nContent-Transfer-Encoding: base64"
            b"\nContent-Disposition: attachment; " + name_hdr, b64(data))


INTRO = (b"Advisory text.  Beacon host 45.137.21[.]9 and "
         b"hxxp://login-verify[.]com/a seen this week.\n")

# ---------------------------------------------------------------- MIME tree


@case("mime-nested-1000.eml", "multipart/mixed nested 1,000 deep")
def mime_nested_1000(n="mime-nested-1000.eml"):
    depth = 1000
    out = head(n, b"nested 1000", b'multipart/mixed; boundary="b0"')
    for i in range(1, depth):
        out += b"--b%d\nContent-Type: multipart/mixed; boundary=\"b%d\"\n\n" % (
            i - 1, i)
    out += b"--b%d\nContent-Type: text/plain\n\n" % (depth - 1) + INTRO
    for i in range(depth - 1, -1, -1):
        out += b"--b%d--\n" % i
    return out


@case("mime-nested-1000-unclosed.eml",
      "1,000 nested multiparts, none closed, every boundary the same")
def mime_nested_same(n="mime-nested-1000-unclosed.eml"):
    out = head(n, b"nested same boundary", b'multipart/mixed; boundary="x"')
    out += b"--x\nContent-Type: multipart/mixed; boundary=\"x\"\n\n" * 1000
    return out + INTRO


@case("mime-parts-100k.eml", "100,000 parts in one multipart")
def mime_parts_100k(n="mime-parts-100k.eml"):
    part = b"--p\nContent-Type: text/plain\n\nx\n"
    return head(n, b"100k parts", b'multipart/mixed; boundary="p"') + \
        part * 100000 + b"--p--\n"


@case("mime-parts-1000.eml",
      "exactly 1,000 parts (MAX_MIME_PARTS), each a small attachment")
def mime_parts_1000(n="mime-parts-1000.eml"):
    out = head(n, b"1000 parts", b'multipart/mixed; boundary="p"')
    for i in range(1000):
        out += (b"--p\nContent-Type: application/octet-stream\n"
                b"Content-Disposition: attachment; filename=\"f%d.bin\"\n\n"
                b"%d\n" % (i, i))
    return out + b"--p--\n"


@case("boundary-never-closes.eml",
      "a text part and an attachment, the closing delimiter never comes")
def boundary_never_closes(n="boundary-never-closes.eml"):
    out = head(n, b"boundary never closes", b'multipart/mixed; boundary="nc"')
    out += b"--nc\nContent-Type: text/plain\n\n" + INTRO
    out += (b"--nc\nContent-Type: text/csv\nContent-Disposition: attachment; "
            b"filename=\"iocs.csv\"\n\nip\n185.220.101.47\n")
    out += b"--nc-\n--n\n-- nc--\n" + b"trailing line without delimiter\n" * 50
    return out


@case("boundary-absent.eml",
      "multipart/mixed whose boundary never appears in the body")
def boundary_absent(n="boundary-absent.eml"):
    return head(n, b"boundary absent", b'multipart/mixed; boundary="nowhere"') \
        + INTRO * 3


@case("boundary-duplicate-param.eml",
      "Content-Type with two different boundary parameters")
def boundary_duplicate(n="boundary-duplicate-param.eml"):
    out = head(n, b"two boundaries",
               b'multipart/mixed; boundary="one"; boundary="two"')
    out += b"--one\nContent-Type: text/plain\n\n" + INTRO
    out += b"--two\nContent-Type: text/plain\n\n" + INTRO
    return out + b"--two--\n--one--\n"


@case("ct-params-10000-part.eml",
      "a part whose Content-Type has 10,000 parameters")
def ct_params_part(n="ct-params-10000-part.eml"):
    params = b"".join(b";\n p%d=v%d" % (i, i) for i in range(10000))
    return mixed(n, [(b"Content-Type: text/plain", INTRO),
                     (b"Content-Type: application/octet-stream" + params +
                      b"\nContent-Disposition: attachment; filename=p.bin",
                      b"data\n")], b"10000 parameters in a part")


@case("ct-params-10000-top.eml",
      "the message's own Content-Type has 10,000 parameters (160 KB header)")
def ct_params_top(n="ct-params-10000-top.eml"):
    params = b"".join(b";\n p%d=v%d" % (i, i) for i in range(10000))
    return head(n, b"10000 parameters", b"text/plain; charset=utf-8" +
                params) + INTRO


@case("only-headers.eml", "headers only: no empty line, no body")
def only_headers(n="only-headers.eml"):
    return head(n, b"only headers")[:-1]


@case("empty.eml", "a 0-byte file")
def empty(n="empty.eml"):
    return b""


@case("garbage-binary.eml", "128 KiB of pseudo-random bytes")
def garbage(n="garbage-binary.eml"):
    return prng(b"hostile garbage", 128 * 1024)


@case("bare-cr-lines.eml", "every line ended by a lone CR (old Mac)")
def bare_cr(n="bare-cr-lines.eml"):
    return mixed(n, [(b"Content-Type: text/plain", INTRO)],
                 b"bare CR").replace(b"\n", b"\r")


# ---------------------------------------------------------------- encodings


@case("base64-bad-chars.eml",
      "base64 attachment and body with !*# and spaces inside the alphabet")
def b64_bad_chars(n="base64-bad-chars.eml"):
    enc = b64(b"Exfil host 185.220.101.47 and evil-cdn[.]net\n" * 40)
    bad = bytearray()
    for i, c in enumerate(enc):
        bad.append(c)
        if i % 7 == 3:
            bad += b"!*# \x01\xff"
    return mixed(n, [(b"Content-Type: text/plain\n"
                      b"Content-Transfer-Encoding: base64", bytes(bad)),
                     (b"Content-Type: text/plain\n"
                      b"Content-Transfer-Encoding: base64\n"
                      b"Content-Disposition: attachment; filename=bad.txt",
                      bytes(bad))], b"base64 bad characters")


@case("base64-no-padding.eml", "base64 without its '=' padding")
def b64_nopad(n="base64-no-padding.eml"):
    enc = base64.b64encode(b"Payload from 185.220.101.47 x").rstrip(b"=")
    assert len(enc) % 4 != 0
    return mixed(n, [(b"Content-Type: text/plain", INTRO),
                     (b"Content-Type: text/plain\n"
                      b"Content-Transfer-Encoding: base64\n"
                      b"Content-Disposition: attachment; filename=nopad.txt",
                      enc + b"\n")], b"base64 without padding")


@case("base64-truncated.eml",
      "base64 cut in the middle of a quantum, then the message ends")
def b64_truncated(n="base64-truncated.eml"):
    enc = b64(prng(b"trunc", 3000))
    out = head(n, b"base64 truncated", b'multipart/mixed; boundary="t"')
    out += b"--t\nContent-Type: text/plain\n\n" + INTRO
    out += (b"--t\nContent-Type: application/pdf\nContent-Transfer-Encoding: "
            b"base64\nContent-Disposition: attachment; filename=cut.pdf\n\n")
    return out + enc[:len(enc) // 2 - 3]


@case("base64-equals-storm.eml",
      "base64 body of padding only: 100,000 '=' and '==' lines")
def b64_equals(n="base64-equals-storm.eml"):
    return head(n, b"padding storm", cte=b"base64") + b"==\n=\n" * 35000


@case("base64-30mb-attachment.eml",
      "40 MB of base64: a 30 MB attachment over max_attachment_size; its "
      "headers claim 60 MB (Content-Length, size=)")
def b64_big(n="base64-30mb-attachment.eml"):
    blk = b64(prng(b"big", 57 * 1024))  # 57 KiB -> whole 76-char lines
    reps = 30 * MiB // (57 * 1024) + 1
    out = head(n, b"30 MB attachment", b'multipart/mixed; boundary="big"',
               extra=b"Content-Length: 62914560")
    out += b"--big\nContent-Type: text/plain\n\n" + INTRO
    out += (b"--big\nContent-Type: application/octet-stream\n"
            b"Content-Transfer-Encoding: base64\nContent-Length: 62914560\n"
            b"Content-Disposition: attachment; filename=big.bin; "
            b"size=62914560\n\n")
    return out + blk * reps + b"--big--\n"


@case("message-over-64mb.eml",
      "65 MiB message: over MAX_MESSAGE_SIZE (read refused)")
def over_max(n="message-over-64mb.eml"):
    blk = b64(prng(b"over", 57 * 1024))
    out = head(n, b"over 64 MiB", cte=b"base64")
    reps = (65 * MiB - len(out)) // len(blk) + 1
    return out + blk * reps


@case("qp-broken.eml",
      "quoted-printable with =ZZ, lone '=', 8-bit bytes, a 200 KB line")
def qp_broken(n="qp-broken.eml"):
    body = (b"Bad escapes =ZZ =G1 =\xff= =3 and =\n soft break at 185.220.=\n"
            b"101.47 and \xe9\xfe raw 8-bit.\n" + b"=41" * 60000 + b"=\n"
            b"end=")
    return mixed(n, [(b"Content-Type: text/plain; charset=utf-8\n"
                      b"Content-Transfer-Encoding: quoted-printable", body),
                     (b"Content-Type: text/html\n"
                      b"Content-Transfer-Encoding: quoted-printable\n"
                      b"Content-Disposition: attachment; filename=cut.html",
                      b"<p>cut =\n<b>here=E")], b"broken QP")


@case("qp-cut-every-part.eml",
      "every part ends in a cut quoted-printable escape ('=', '=F')")
def qp_cut(n="qp-cut-every-part.eml"):
    parts = []
    for i, tail in enumerate((b"=", b"=F", b"=\r", b"==", b"=F=")):
        parts.append((b"Content-Type: text/plain\n"
                      b"Content-Transfer-Encoding: quoted-printable\n"
                      b"Content-Disposition: attachment; filename=q%d.txt" % i,
                      b"text 45.137.21.9 " + tail))
    out = mixed(n, parts, b"cut QP escapes")
    # The last part runs to the end of the data, unclosed, cut after '='.
    return out[:out.rindex(b"--hb--")] + b"--hb\nContent-Type: text/plain\n" \
        b"Content-Transfer-Encoding: quoted-printable\n\nend =F"


# ---------------------------------------------------------------- headers


@case("header-line-4mb.eml",
      "a 4 MB Subject line (the 100 MB header-line claim) and a "
      "Content-Length lie")
def header_4mb(n="header-line-4mb.eml"):
    return head(n, b"A" * (4 * MiB),
                extra=b"Content-Length: 104857600\nX-Claim: 100MB header") \
        + INTRO


@case("header-60kb-subject.eml",
      "a 60 KB Subject (under MAX_HEADER_LEN) and Content-Length: 0")
def header_60kb(n="header-60kb-subject.eml"):
    return head(n, b"word " * 12000, extra=b"Content-Length: 0") + INTRO


@case("header-folding-100k.eml",
      "Subject folded over 100,000 continuation lines")
def header_folding(n="header-folding-100k.eml"):
    return head(n, b"start" + b"\n x" * 100000) + INTRO


@case("header-folding-100k-in-part.eml",
      "a part header folded over 100,000 continuation lines")
def header_folding_part(n="header-folding-100k-in-part.eml"):
    return mixed(n, [(b"Content-Type: text/plain\nX-Folded: start" +
                      b"\n x" * 100000, INTRO)], b"folding in a part")


@case("header-100k-fields.eml", "100,000 short header fields")
def header_fields(n="header-100k-fields.eml"):
    extra = b"".join(b"X-F%d: v\n" % i for i in range(100000))
    return head(n, b"100k fields", extra=extra) + INTRO


@case("nul-in-headers.eml", "NUL bytes in header names and values")
def nul_headers(n="nul-in-headers.eml"):
    return (b"From: Nul\x00Name <corpus@sender.test>\n"
            b"To: intel@soc.test\nSub\x00ject: hidden\n"
            b"Subject: before\x00after 45.137.21[.]9\x00\n"
            b"X-\x00: \x00\x00\x00\n"
            b"Date: Fri, 20 Nov 2026 10:00:00 +0000\n"
            b"Message-ID: " + mid(n) + b"\nMIME-Version: 1.0\n"
            b"Content-Type: text/plain; charset=\"utf\x00-8\"\n\n" + INTRO)


@case("nul-in-bodies.eml", "NUL bytes in text, HTML and attachment bodies")
def nul_bodies(n="nul-in-bodies.eml"):
    return mixed(n, [
        (b"Content-Type: text/plain", b"a\x00b 185.220\x00.101.47\x00\n" +
         b"\x00" * 5000 + INTRO),
        (b"Content-Type: text/html", b"<p>x\x00y</p><\x00script>"),
        att(b"filename=nul.txt", b"\x00" * 100 + b"45.137.21.9\x00\n",
            b"text/plain")], b"NULs in bodies")


@case("date-absurd.eml", "Date headers out of every range")
def date_absurd(n="date-absurd.eml"):
    return head(n, b"absurd date",
                extra=b"Date: Sat, 99 Foo 99999999999 99:99:99 +99999") \
        .replace(b"Date: Fri, 20 Nov 2026 10:00:00 +0000\n", b"") + INTRO


@case("rfc2047-word-storm.eml",
      "a 55 KB Subject of 3,000 encoded words in mixed charsets")
def word_storm(n="rfc2047-word-storm.eml"):
    words = [b"=?utf-8?q?a=C3=A9?=", b"=?iso-8859-1?b?6Q==?=",
             b"=?x-bad?q?z?=", b"=?utf-8?b?!!?=", b"=?koi8-r?q?=C1?="]
    return head(n, b" ".join(words[i % 5] for i in range(3000))) + INTRO


@case("from-1500-addresses.eml",
      "From with 1,500 mailboxes (50 KB), Message-ID of 30 KB")
def from_many(n="from-1500-addresses.eml"):
    frm = b", ".join(b"\"N%d\" <u%d@s%d.sender.test>" % (i, i, i)
                     for i in range(1500))
    out = head(n, b"many senders", extra=b"X-Dummy: 1")
    out = out.replace(b"From: Hostile Corpus <corpus@sender.test>",
                      b"From: " + frm)
    return out.replace(b"Message-ID: " + mid(n),
                       b"Message-ID: <" + b"m" * 30000 + b"@x.test>") + INTRO


@case("tlp-storm.eml", "TLP markings of every colour 200,000 times")
def tlp_storm(n="tlp-storm.eml"):
    return head(n, b"TLP:RED TLP:CLEAR") + (
        b"TLP:RED TLP:AMBER+STRICT [TLP:GREEN] TLP: WHITE TLP:\n" * 40000) + \
        INTRO


@case("content-length-lie.eml",
      "Content-Length: 104857600 and Lines: -1 on a short message")
def cl_lie(n="content-length-lie.eml"):
    return head(n, b"length lie",
                extra=b"Content-Length: 104857600\nLines: -1") + INTRO


# ---------------------------------------------------------------- charsets


@case("charset-latin1-declared-utf8.eml",
      "declared UTF-8, bytes are ISO-8859-1 (subject, body, attachment)")
def cs_lie(n="charset-latin1-declared-utf8.eml"):
    return mixed(n, [(b"Content-Type: text/plain; charset=utf-8",
                      b"Gr\xfc\xdfe, verd\xe4chtige Mail von 45.137.21[.]9\n"),
                     (b"Content-Type: text/plain; charset=utf-8\n"
                      b"Content-Disposition: attachment; filename=l.txt",
                      b"caf\xe9 185.220.101.47\n")],
                 b"=?utf-8?q?Verd=E4chtig?= \xe4\xf6\xfc")


@case("charset-unknown-and-path.eml",
      "charset names: unknown, '../../etc', '/dev/zero', 'UTF-8//IGNORE', "
      "a 300-character one")
def cs_unknown(n="charset-unknown-and-path.eml"):
    parts = []
    for cs in (b"x-klingon-9000", b'"../../etc"', b"../../etc/passwd",
               b"/dev/zero", b"UTF-8//TRANSLIT//IGNORE", b"ibm037",
               b"utf-16", b"utf-32", b"utf-7", b"C" * 300, b"\"\"", b";"):
        parts.append((b"Content-Type: text/plain; charset=" + cs,
                      b"text \xe9\xff\x00\x80 45.137.21.9 +AGE-\n"))
    return mixed(n, parts, b"=?x-klingon?Q?abc?= =?../../etc?B?QUJD?=")


@case("invalid-utf8.eml",
      "overlong forms, surrogates, F5..FF, cut sequences, in RFC 2047 "
      "words and bodies")
def bad_utf8(n="invalid-utf8.eml"):
    bad = (b"\xc0\xaf \xe0\x80\xaf \xed\xa0\x80 \xed\xbf\xbf \xf4\x90\x80\x80"
           b" \xf5\xff\xfe \xe2\x82 \xf0\x9f\x98 \xc2")
    word = b"=?utf-8?b?" + base64.b64encode(bad) + b"?="
    return mixed(n, [(b"Content-Type: text/plain; charset=utf-8",
                      bad + b"\n" + INTRO),
                     (b"Content-Type: text/html; charset=utf-8\n"
                      b"Content-Disposition: attachment; filename=bad.html",
                      b"<p>" + bad + b"</p>"),
                     att(b"filename=\"" + word + b".txt\"", bad, b"text/plain")],
                 word + b" " + bad)


# ---------------------------------------------------------------- names


def w2047(s):
    return b"=?utf-8?b?" + base64.b64encode(s) + b"?="


@case("rfc2047-control-chars.eml",
      "RFC 2047 subject and From decoding to ESC, CR LF, NUL, DEL, bidi "
      "overrides")
def rfc2047_ctl(n="rfc2047-control-chars.eml"):
    evil = (b"\x1b[31mRED\x1b[0m\r\nBcc: victim@soc.test\r\n\x00\x07\x7f"
            b"\xe2\x80\xae fdp.exe")
    return (b"From: " + w2047(b"Evil\r\nX-Injected: 1") +
            b" <corpus@sender.test>\nTo: intel@soc.test\n"
            b"Subject: " + w2047(evil) + b" =?utf-8?q?=1B=00=0A=0D?=\n"
            b"Date: Fri, 20 Nov 2026 10:00:00 +0000\nMessage-ID: " + mid(n) +
            b"\nMIME-Version: 1.0\nContent-Type: text/plain\n\n" + INTRO)


@case("filename-traversal-rfc2047.eml",
      "attachment names ../../etc/passwd, ..\\..\\win.ini, con.txt, NUL, "
      ".., /, ., in RFC 2047 words and plain")
def fn_traversal(n="filename-traversal-rfc2047.eml"):
    names = [w2047(b"../../etc/passwd"), w2047(b"..\\..\\win.ini"),
             w2047(b"con.txt"), w2047(b"NUL"), w2047(b".."), w2047(b"/"),
             w2047(b"."), b"../../../../tmp/x.sh", b"..\\\\..\\\\boot.ini",
             w2047(b"/etc/cron.d/evil"), w2047(b"a/../../b.txt"),
             w2047(b". . ."), w2047(b"...\\..."), b"\"\"",
             w2047(b"C:\\Windows\\System32\\drivers\\etc\\hosts"),
             w2047(b"\\\\server\\share\\x.exe")]
    parts = [(b"Content-Type: text/plain", INTRO)]
    for i, nm in enumerate(names):
        parts.append(att(b"filename=\"" + nm + b"\"", b"part %d\n" % i))
    parts.append((b"Content-Type: application/octet-stream; name=\"" +
                  w2047(b"../../name-param") + b"\"", b"x\n"))
    return mixed(n, parts, b"traversal names")


@case("filename-traversal-rfc2231.eml",
      "RFC 2231 names with %2F, %5C, %00 and ../ in segments")
def fn_2231(n="filename-traversal-rfc2231.eml"):
    names = [b"filename*=UTF-8''..%2F..%2Fetc%2Fpasswd",
             b"filename*=UTF-8''..%5C..%5Cwin.ini",
             b"filename*=UTF-8''evil%00.txt%00.exe",
             b"filename*0*=UTF-8''..%2F; filename*1=\"..\"; "
             b"filename*2*=%2Fshadow",
             b"filename*=''%2F",
             b"filename*=x-bogus'en'%E9t%E9.txt"]
    parts = [(b"Content-Type: text/plain", INTRO)]
    for i, nm in enumerate(names):
        parts.append(att(nm, b"part %d\n" % i))
    return mixed(n, parts, b"RFC 2231 traversal")


@case("filename-long-4000.eml",
      "a 4,000-character file name (RFC 2047 encoded, multi-byte letters)")
def fn_long(n="filename-long-4000.eml"):
    long1 = ("\u00e9" * 3990 + ".pdf").encode()
    long2 = b"A" * 4000
    return mixed(n, [(b"Content-Type: text/plain", INTRO),
                     att(b"filename=\"" + w2047(long1) + b"\"", b"%PDF-1.4\n",
                         b"application/pdf"),
                     att(b"filename=\"" + long2 + b"\"", b"x")],
                 b"long names")


@case("filename-controls.eml",
      "file names with newline, tab, ESC, NUL, DEL and bidi override")
def fn_ctl(n="filename-controls.eml"):
    names = [b"line\nbreak.txt", b"tab\there.txt", b"esc\x1b[2Jclear.txt",
             b"nul\x00byte.txt", b"del\x7f.txt", b"rlo\xe2\x80\xaetxt.exe",
             b"bell\x07.txt", b"cr\rlf\n.txt"]
    parts = [(b"Content-Type: text/plain", INTRO)]
    for nm in names:
        parts.append(att(b"filename=\"" + w2047(nm) + b"\"", nm))
    return mixed(n, parts, b"control characters in names")


@case("rfc2231-out-of-order.eml",
      "RFC 2231 continuations given out of order; a bad %-escape; a gap")
def rfc2231_ooo(n="rfc2231-out-of-order.eml"):
    return mixed(n, [(b"Content-Type: text/plain", INTRO),
                     att(b"filename*2=\"final.pdf\"; filename*0*=UTF-8''"
                         b"report-; filename*1=\"2026-\"", b"%PDF-1.4\n",
                         b"application/pdf"),
                     att(b"filename*1=\"b.txt\"; filename*0=\"a-\"; "
                         b"filename*3=\"gap\"", b"x\n"),
                     att(b"filename*0*=UTF-8''%ZZ%4; filename*1*=%E9%", b"y\n")],
                 b"RFC 2231 out of order")


@case("rfc2231-10000-segments.eml",
      "a file name in 10,000 RFC 2231 segments, in reverse order")
def rfc2231_10k(n="rfc2231-10000-segments.eml"):
    segs = b"".join(b";\n filename*%d=\"s%d\"" % (i, i)
                    for i in range(9999, -1, -1))
    return mixed(n, [(b"Content-Type: text/plain", INTRO),
                     (b"Content-Type: application/octet-stream\n"
                      b"Content-Disposition: attachment" + segs, b"data\n")],
                 b"10000 segments")


# ---------------------------------------------------------------- HTML


def html_msg(n, subject, html):
    return head(n, subject, b"text/html; charset=utf-8") + html


@case("html-nested-100k.eml", "<div> nested 100,000 deep")
def html_nested(n="html-nested-100k.eml"):
    return html_msg(n, b"deep html", b"<html><body>" + b"<div>" * 100000 +
                    INTRO + b"</div>" * 100000 + b"</body></html>\n")


@case("html-nested-mixed-50k.eml",
      "50,000 nested <table><tr><td>, <ul><li>, <b><i> and unknown tags")
def html_nested_mixed(n="html-nested-mixed-50k.eml"):
    unit = b"<table><tr><td><ul><li><b><i><x-y><svg><math>"
    return html_msg(n, b"deep mixed", b"<body>" + unit * 5000 + INTRO +
                    b"</body>\n")


@case("html-reconstruct-storm.eml",
      "250 open <font> formatting elements, then 20,000 paragraphs (each "
      "makes the parser rebuild every open formatting element)")
def html_reconstruct(n="html-reconstruct-storm.eml"):
    fonts = b"".join(b"<font color=\"#%06x\">" % i for i in range(250))
    return html_msg(n, b"formatting storm", b"<body>" + fonts +
                    b"<p>x</p>" * 20000 + INTRO + b"</body>\n")


@case("html-adoption-storm.eml",
      "misnested formatting end tags (adoption agency) 20,000 times")
def html_adoption(n="html-adoption-storm.eml"):
    return html_msg(n, b"adoption storm", b"<body>" +
                    b"<a href=x><b><i>1</a>2</b>3</i><p>" * 20000 + INTRO)


@case("html-unclosed.eml",
      "unclosed tag, attribute quote, comment, <script>, <textarea>, CDATA")
def html_unclosed(n="html-unclosed.eml"):
    return html_msg(n, b"unclosed html",
                    b"<html><body><h2>One</h2><p>" + INTRO + b"</p>"
                    b"<h2>Two</h2><p>text <div <a href=\"hxxp://unclosed"
                    b"[.]com/x <b attr='never <![CDATA[ x <textarea> "
                    b"<script>var a = '<!-- <title>" + b"<p " * 10000)


@case("html-entities-1m.eml", "&amp; written 1,000,000 times (5 MB)")
def html_entities(n="html-entities-1m.eml"):
    return html_msg(n, b"entities", b"<p>" + b"&amp;" * 1000000 + b"</p><p>" +
                    INTRO + b"</p>")


@case("html-entities-invalid.eml",
      "numeric entities of invalid code points (0, surrogates, >10FFFF, "
      "20 digits), 60,000 of them")
def html_bad_entities(n="html-entities-invalid.eml"):
    ents = (b"&#0;&#x0;&#xD800;&#xDFFF;&#x110000;&#99999999999999999999;"
            b"&#x;&#;&#x1B;&#128;&#xFFFE;&#65;&#x2F;")
    return html_msg(n, b"bad entities", b"<p>" + ents * 5000 + b"</p><p>" +
                    INTRO + b"</p>")


@case("html-100k-headings.eml", "100,000 <h2> headings, each a story")
def html_headings(n="html-100k-headings.eml"):
    return html_msg(n, b"headings", b"<body>" +
                    b"<h2>T</h2><p>x</p>\n" * 100000 + b"</body>")


@case("html-plain-digest-250.eml",
      "HTML newsletter with 250 <h2> articles (MAX_ARTICLES is 200)")
def digest_html(n="html-plain-digest-250.eml"):
    body = b"<html><body><h1>Weekly digest</h1>"
    for i in range(250):
        body += (b"<h2><a href=\"https://news.digest.test/a/%d\">Story number "
                 b"%d about a campaign</a></h2><p>The actor used host "
                 b"45.%d.%d[.]7 for command and control.</p>\n" %
                 (i, i, 1 + i // 200, 1 + i % 200))
    return html_msg(n, b"Digest with 250 stories", body + b"</body></html>\n")


@case("text-digest-300.eml",
      "plain-text digest of 300 numbered items")
def digest_text(n="text-digest-300.eml"):
    body = b"WEEKLY ROUNDUP\n\nThree hundred items this week.\n\n"
    for i in range(1, 301):
        body += (b"%d. Item %d: loader campaign\nhttps://roundup.test/i/%d\n"
                 b"Seen contacting 91.%d.%d[.]33 this week.\n\n" %
                 (i, i, i, 1 + i // 200, 1 + i % 200))
    return head(n, b"Roundup with 300 items") + body


@case("text-500k-lines.eml", "plain text of 500,000 numbered lines")
def text_lines(n="text-500k-lines.eml"):
    return head(n, b"many lines") + b"".join(
        b"%d. t\n" % (i % 999 + 1) for i in range(500000))


# ---------------------------------------------------------------- bombs


def zip_member(name, data_c, method, crc, csize, usize, offset, zip64=None):
    """(local header + data, central directory entry) of one member."""
    t, d = 0, (2026 - 1980) << 9 | 11 << 5 | 20
    extra = b""
    lu = usize
    lc = csize
    if zip64 is not None:
        extra = struct.pack("<HHQQ", 1, 16, zip64[0], zip64[1])
        lu = lc = 0xFFFFFFFF
    local = struct.pack("<IHHHHHIIIHH", 0x04034b50, 45, 0, method, t, d, crc,
                        lc, lu, len(name), len(extra)) + name + extra + data_c
    cen = struct.pack("<IHHHHHHIIIHHHHHII", 0x02014b50, 45, 45, 0, method, t,
                      d, crc, lc, lu, len(name), len(extra), 0, 0, 0, 0,
                      offset) + name + extra
    return local, cen


def zip_file(members):
    out, cd = b"", b""
    for m in members:
        local, cen = zip_member(offset=len(out), **m)
        out += local
        cd += cen
    return out + cd + struct.pack("<IHHHHIIH", 0x06054b50, 0, 0, len(members),
                                  len(members), len(cd), len(out), 0)


def zip_claims():
    """A 300-byte zip whose members claim 4 GiB and 2**62 bytes."""
    d = b"tiny"
    crc = zlib.crc32(d)
    return zip_file([
        dict(name=b"claims-4GiB.bin", data_c=d, method=0, crc=crc,
             csize=len(d), usize=0xFFFFFFFF),
        dict(name=b"claims-zip64.bin", data_c=d, method=0, crc=crc,
             csize=len(d), usize=0, zip64=(1 << 62, len(d))),
    ])


def deflate_zeros(total, chunk=MiB):
    """Raw deflate of total zero bytes, built from one compressed chunk."""
    c = zlib.compressobj(9, zlib.DEFLATED, -15)
    block = c.compress(b"\0" * chunk) + c.flush(zlib.Z_FULL_FLUSH)
    tail = c.flush()
    return block * (total // chunk) + tail


def crc_zeros(total, chunk=MiB):
    z, crc = b"\0" * chunk, 0
    for _ in range(total // chunk):
        crc = zlib.crc32(z, crc)
    return crc


def zip_bomb():
    """1 GiB of zeros deflated into ~1 MB, twice (2 GiB claimed)."""
    total = 1024 * MiB
    data = deflate_zeros(total)
    crc = crc_zeros(total)
    return zip_file([dict(name=b"zeros-%d.bin" % i, data_c=data, method=8,
                          crc=crc, csize=len(data), usize=total)
                     for i in range(2)])


@case("zip-claims.eml",
      "a 300-byte zip whose members claim 4 GiB and 2**62 bytes")
def zip_claims_msg(n="zip-claims.eml"):
    return mixed(n, [(b"Content-Type: text/plain", INTRO),
                     att(b"filename=claims.zip", zip_claims(),
                         b"application/zip")], b"zip claims")


@case("zip-bomb.eml",
      "a 2 MB zip whose two members inflate to 1 GiB each", commit=False)
def zip_bomb_msg(n="zip-bomb.eml"):
    return mixed(n, [(b"Content-Type: text/plain", INTRO),
                     att(b"filename=bomb.zip", zip_bomb(),
                         b"application/zip")], b"zip bomb")


def pdf_doc(objects):
    """A PDF with a correct cross-reference table (tests/data/pdf/make_pdfs.py)."""
    return make_pdfs.pdf(objects)


PDF_HEAD = [b"<< /Type /Catalog /Pages 2 0 R >>",
            b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>"]


def pdf_flate_bomb():
    """One page whose FlateDecode content stream inflates to 2 GiB of
    zeros (PDF white space) after a line of text."""
    pre = zlib.compressobj(9, zlib.DEFLATED, 15)
    text = b"BT /F1 12 Tf 72 720 Td (bomb 185.220.101.47) Tj ET\n"
    data = pre.compress(text) + pre.flush(zlib.Z_FULL_FLUSH)
    z = b"\0" * MiB
    block = pre.compress(z) + pre.flush(zlib.Z_FULL_FLUSH)
    data += block * 2048 + pre.flush()
    return pdf_doc(PDF_HEAD + [
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources "
        b"<< /Font << /F1 5 0 R >> >> /Contents 4 0 R >>",
        b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(data) + data +
        b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"])


def pdf_xobject_fanout(levels=40):
    """Form XObject i draws form i+1 twice: 2**40 draws of the last one."""
    objs = list(PDF_HEAD)
    first = 6
    objs.append(b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] "
                b"/Resources << /XObject << /X %d 0 R >> /Font << /F1 5 0 R "
                b">> >> /Contents 4 0 R >>" % first)
    c = b"/X Do /X Do\n"
    objs.append(b"<< /Length %d >>\nstream\n" % len(c) + c + b"\nendstream")
    objs.append(b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>")
    for i in range(levels):
        if i + 1 < levels:
            c = b"/X Do /X Do\n"
            res = b"/Resources << /XObject << /X %d 0 R >> >>" % (first + i + 1)
        else:
            c = b"BT /F1 12 Tf 72 720 Td (leaf 185.220.101.47) Tj ET\n"
            res = b"/Resources << /Font << /F1 5 0 R >> >>"
        objs.append(b"<< /Type /XObject /Subtype /Form /BBox [0 0 612 792] "
                    + res + b" /Length %d >>\nstream\n" % len(c) + c +
                    b"\nendstream")
    return pdf_doc(objs)


def pdf_xobject_chain(levels=5000):
    """5,000 Form XObjects, each drawing the next: nesting 5,000 deep."""
    return pdf_xobject_fanout(levels).replace(b"/X Do /X Do", b"/X Do    ")


@case("pdf-bomb-flate.eml",
      "a 2 MB PDF whose content stream inflates to 2 GiB", commit=False)
def pdf_flate_msg(n="pdf-bomb-flate.eml"):
    return mixed(n, [(b"Content-Type: text/plain", INTRO),
                     att(b"filename=bomb.pdf", pdf_flate_bomb(),
                         b"application/pdf")], b"PDF flate bomb")


@case("pdf-bomb-x3.eml",
      "three PDFs of 40 Form XObjects, each drawing the next twice (2**40 "
      "draws): each alone takes the PDF child's whole CPU limit",
      commit=False)
def pdf_x3_msg(n="pdf-bomb-x3.eml"):
    return mixed(n, [(b"Content-Type: text/plain", INTRO)] +
                 [att(b"filename=fanout%d.pdf" % i, pdf_xobject_fanout(),
                      b"application/pdf") for i in range(3)],
                 b"three PDF bombs")


@case("pdf-bomb-xobject-chain.eml",
      "a PDF of 5,000 Form XObjects nested 5,000 deep")
def pdf_chain_msg(n="pdf-bomb-xobject-chain.eml"):
    return mixed(n, [(b"Content-Type: text/plain", INTRO),
                     att(b"filename=chain.pdf", pdf_xobject_chain(),
                         b"application/pdf")], b"PDF xobject chain")


# ---------------------------------------------------------------- IoC bait


def bait(n, what, text):
    return head(n, b"IoC bait: " + what) + text + b"\n" + INTRO


@case("ioc-bait-a-dot.eml", "1 MB of a.a.a.a.a...")
def bait_adot(n="ioc-bait-a-dot.eml"):
    return bait(n, b"a.a.a", b"a." * (MiB // 2))


@case("ioc-bait-digit-dot.eml", "1 MB of 1.1.1.1.1...")
def bait_ddot(n="ioc-bait-digit-dot.eml"):
    return bait(n, b"1.1.1", b"1." * (MiB // 2))


@case("ioc-bait-http.eml", "http:// written 150,000 times without a space")
def bait_http(n="ioc-bait-http.eml"):
    return bait(n, b"http", b"http://" * 150000 + b"\n" +
                b"hxxp[:]//" * 100000)


@case("ioc-bait-defang-dots.eml",
      "long runs of [.] (a[.] x 250,000 and [.] x 250,000)")
def bait_defang(n="ioc-bait-defang-dots.eml"):
    return bait(n, b"[.]", b"a[.]" * 250000 + b"\n" + b"[.]" * 250000 +
                b"\n" + b"x(.)" * 100000 + b"\n" + b" dot a" * 100000)


@case("ioc-bait-hex-10mb.eml", "10 MB of hex digits in one run")
def bait_hex(n="ioc-bait-hex-10mb.eml"):
    return bait(n, b"hex", b"0123456789abcdef" * (10 * MiB // 16))


@case("ioc-bait-at-storm.eml", "@ storms: @ x 1M, a@ x 300k, a@b. x 200k")
def bait_at(n="ioc-bait-at-storm.eml"):
    return bait(n, b"@", b"@" * MiB + b"\n" + b"a@" * 300000 + b"\n" +
                b"a@b." * 200000 + b"\n" + b"[at]" * 100000)


@case("ioc-bait-colons.eml",
      "IPv6 bait: :: x 300k, 1: x 300k, ff:: runs, CIDR slashes")
def bait_colon(n="ioc-bait-colons.eml"):
    return bait(n, b"::", b"::" * 300000 + b"\n" + b"1:" * 300000 + b"\n" +
                b"ff::" * 100000 + b"\n" + b"1.2.3.4/" * 100000)


@case("ioc-bait-mixed.eml",
      "zero-width spaces x 300k inside a host, backslash runs for registry "
      "keys, 100k-label domain, 64 KB URL")
def bait_mixed(n="ioc-bait-mixed.eml"):
    zw = "\u200b".encode()
    return bait(n, b"mixed",
                b"evil" + zw * 300000 + b"host.com\n" +
                b"HKLM\\" + b"a\\" * 200000 + b"\n" +
                b"a." * 100000 + b"com\n" +
                b"http://evil.com/" + b"%41" * 20000 + b"\n" +
                b"CVE-" + b"1" * 100000 + b"\n" + b"AS" + b"9" * 100000)


@case("ioc-over-max-iocs.eml",
      "25,000 distinct public IPs in one body (MAX_IOCS is 20,000)")
def iocs_over(n="ioc-over-max-iocs.eml"):
    ips = b"".join(b"45.%d.%d.7\n" % (1 + i // 250, 1 + i % 250)
                   for i in range(25000))
    return head(n, b"25000 indicators") + ips


@case("ioc-over-max-iocs-links.eml",
      "one HTML article with 25,000 distinct links")
def iocs_links(n="ioc-over-max-iocs-links.eml"):
    links = b"".join(b"<a href=\"https://l%d.evil-links.com/p\">l</a>\n" % i
                     for i in range(25000))
    return html_msg(n, b"25000 links", b"<body><p>" + links + b"</p></body>")


@case("ioc-over-max-iocs-forwarded.eml",
      "a forwarded message whose body holds 25,000 distinct IPs")
def iocs_fwd(n="ioc-over-max-iocs-forwarded.eml"):
    ips = b"".join(b"45.%d.%d.8\n" % (1 + i // 250, 1 + i % 250)
                   for i in range(25000))
    return mixed(n, [(b"Content-Type: text/plain", b"phish attached\n"),
                     (b"Content-Type: message/rfc822",
                      b"From: phish@evil-sender.com\nSubject: x\n\n" + ips)],
                 b"Fwd: 25000 indicators")


@case("ioc-over-max-iocs-total.eml",
      "15,000 distinct IPs in the body and in each of 3 CSV attachments: "
      "60,000 in one message")
def iocs_total(n="ioc-over-max-iocs-total.eml"):
    parts = []
    for k in range(4):
        ips = b"".join(b"%d.%d.%d.9\n" % (45 + k, 1 + i // 250, 1 + i % 250)
                       for i in range(15000))
        if k == 0:
            parts.append((b"Content-Type: text/plain", ips))
        else:
            parts.append((b"Content-Type: text/csv\nContent-Disposition: "
                          b"attachment; filename=ips%d.csv" % k, ips))
    return mixed(n, parts, b"60000 indicators")


# ---------------------------------------------------------------- forwards


def forward_chain(n, depth, subject):
    inner = (b"Return-Path: <phish@evil-sender.com>\n"
             b"Received: from mx.evil-sender.com (mx.evil-sender.com "
             b"[194.26.29.114]) by mx.soc.test\n"
             b"From: Phisher <phish@evil-sender.com>\nSubject: Invoice\n"
             b"Message-ID: <phish@evil-sender.com>\nMIME-Version: 1.0\n"
             b"Content-Type: text/plain\n\nPay at hxxps://pay-invoice[.]biz/x\n")
    for i in range(depth):
        b = b"f%d" % i
        inner = (b"From: Helpdesk %d <hd%d@relay.test>\nSubject: Fwd: Invoice\n"
                 b"Message-ID: <fwd-%d@relay.test>\nMIME-Version: 1.0\n"
                 b"Content-Type: multipart/mixed; boundary=\"" % (i, i, i) + b +
                 b"\"\n\n--" + b + b"\nContent-Type: text/plain\n\nFYI\n--" +
                 b + b"\nContent-Type: message/rfc822\n\n" + inner + b"--" + b +
                 b"--\n")
    body = inner.split(b"\n\n", 1)[1]
    ctype = inner.split(b"Content-Type: ", 1)[1].split(b"\n", 1)[0]
    return head(n, subject, ctype) + body


@case("forward-50-deep.eml",
      "a forward of a forward ... 50 deep (multipart + message/rfc822 each)")
def fwd50(n="forward-50-deep.eml"):
    return forward_chain(n, 50, b"Fwd: Fwd: Fwd: 50 deep")


@case("forward-rfc822-only-50-deep.eml",
      "message/rfc822 directly inside message/rfc822, 50 deep")
def fwd50_bare(n="forward-rfc822-only-50-deep.eml"):
    inner = b"From: a@evil-sender.com\nSubject: x\n\nhxxp://bare-phish[.]biz/\n"
    for i in range(50):
        inner = (b"From: f%d@relay.test\nSubject: Fwd: x\n"
                 b"Content-Type: message/rfc822\n\n" % i) + inner
    return head(n, b"Fwd: rfc822 only", b"message/rfc822") + inner


@case("forward-6-deep.eml",
      "a forward of a forward ... 6 deep: the phish inside is reached")
def fwd6(n="forward-6-deep.eml"):
    return forward_chain(n, 6, b"Fwd: 6 deep")


@case("forward-12-deep.eml",
      "a forward of a forward ... 12 deep (followed 8 deep)")
def fwd12(n="forward-12-deep.eml"):
    return forward_chain(n, 12, b"Fwd: 12 deep")


@case("forward-truncated.eml",
      "an attached message/rfc822 cut inside its header block")
def fwd_trunc(n="forward-truncated.eml"):
    return head(n, b"Fwd: cut", b'multipart/mixed; boundary="ft"') + (
        b"--ft\nContent-Type: text/plain\n\nsee attached\n"
        b"--ft\nContent-Type: message/rfc822\n\n"
        b"Received: from evil.example (unknown [194.26.29.114]) by x\n"
        b"From: \"unterminated <phish@evil-sender.com\nSubject: =?utf-8?b?AA")


@case("forward-10000-received.eml",
      "a forwarded message with 10,000 Received headers")
def fwd_received(n="forward-10000-received.eml"):
    rcv = b"".join(b"Received: from h%d.evil-relay.com ([194.26.%d.%d]) by "
                   b"mx.soc.test\n" % (i, i // 250, 1 + i % 250)
                   for i in range(10000))
    inner = rcv + (b"From: phish@evil-sender.com\nSubject: x\n\n"
                   b"hxxp://relay-phish[.]biz/\n")
    return mixed(n, [(b"Content-Type: text/plain", b"phish attached\n"),
                     (b"Content-Type: message/rfc822", inner)],
                 b"Fwd: many hops")


# ---------------------------------------------------------------- misc


@case("attachment-0-byte.eml", "a 0-byte attachment (empty base64)")
def att_zero(n="attachment-0-byte.eml"):
    return mixed(n, [(b"Content-Type: text/plain", INTRO),
                     (b"Content-Type: application/pdf\n"
                      b"Content-Transfer-Encoding: base64\n"
                      b"Content-Disposition: attachment; filename=empty.pdf",
                      b""),
                     (b"Content-Type: text/plain\nContent-Disposition: "
                      b"attachment; filename=empty.txt", b"")],
                 b"empty attachments")


@case("long-line-8mb.eml", "an 8 MB body line without a newline")
def long_line(n="long-line-8mb.eml"):
    return head(n, b"long line") + b"word " * (8 * MiB // 5)


# ----------------------------------------------------------------


def build(name):
    for nm, fn, _, _ in CASES:
        if nm == name:
            return fn()
    raise KeyError(name)


def write(outdir, small_only):
    """Write the cases into outdir; return [(name, size)] written."""
    os.makedirs(outdir, exist_ok=True)
    done = []
    for name, fn, commit, _ in CASES:
        data = fn()
        if small_only and (len(data) > SMALL_LIMIT or not commit):
            continue
        with open(os.path.join(outdir, name), "wb") as f:
            f.write(data)
        done.append((name, len(data)))
    return done


def serve(outdir):
    cases = {name: (fn, commit) for name, fn, commit, _ in CASES}
    for line in sys.stdin:
        cmd = line.split()
        try:
            if len(cmd) == 2 and cmd[0] == "write":
                fn, commit = cases[cmd[1]]
                data = fn()
                with open(os.path.join(outdir, cmd[1]), "wb") as f:
                    f.write(data)
                print(len(data), int(commit), flush=True)
                continue
            if cmd == ["small"]:
                print(SMALL_LIMIT, flush=True)
                continue
            if len(cmd) == 2 and cmd[0] == "payload":
                data = globals()[cmd[1]]()
                print(len(data), hashlib.sha256(data).hexdigest(), flush=True)
                continue
        except (KeyError, OSError) as e:
            print("error", e, flush=True)
            continue
        print("error unknown command", flush=True)
    return 0


def main(argv):
    if argv[1:2] == ["--serve"] and len(argv) == 3:
        return serve(argv[2])
    if argv[1:2] == ["--list"]:
        for name, fn, commit, desc in CASES:
            print("%-40s %10d  %s" % (name, len(fn()), desc))
        return 0
    if argv[1:2] == ["--all"] and len(argv) == 3:
        done = write(argv[2], False)
    elif len(argv) == 1:
        done = write(HERE, True)
    else:
        sys.stderr.write("usage: make_hostile.py [--all DIR | --serve DIR | "
                         "--list]\n")
        return 64
    for name, size in done:
        print("%-40s %10d" % (name, size))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
