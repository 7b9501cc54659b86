#!/usr/bin/env python3
"""Write the sample PDFs of tests/unit/test_pdf.c (Python standard library).

Run from anywhere: python3 tests/data/pdf/make_pdfs.py
The files are committed; this script is how they were made.  Offsets in the
cross-reference tables are computed, so poppler reads them without repair.
"""
import hashlib
import os
import zlib

HERE = os.path.dirname(os.path.abspath(__file__))


def pdf(objects):
    """A PDF from object bodies (bytes, numbered 1..n); object 1 is /Catalog."""
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for num, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % num + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n" % (len(objects) + 1)
    out += b"0000000000 65535 f \n"
    for off in offsets:
        out += b"%010d 00000 n \n" % off
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\n" % (len(objects) + 1)
    out += b"startxref\n%d\n%%%%EOF\n" % xref
    return bytes(out)


def stream(data, flate=False, extra=b""):
    if flate:
        data = zlib.compress(data, 9)
        extra += b" /Filter /FlateDecode"
    return (b"<< /Length %d%s >>\nstream\n" % (len(data), extra) + data +
            b"\nendstream")


def text_ops(lines):
    """Content stream showing each line in 12 pt Helvetica, top down."""
    ops = b"BT\n/F1 12 Tf\n14 TL\n72 720 Td\n"
    for line in lines:
        esc = (line.replace(b"\\", b"\\\\").replace(b"(", b"\\(")
               .replace(b")", b"\\)"))
        ops += b"(" + esc + b") Tj\nT*\n"
    return ops + b"ET\n"


FONT = (b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica "
        b"/Encoding /WinAnsiEncoding >>")
SHA256 = hashlib.sha256(b"tq-conn pdf sample").hexdigest().encode()
MD5 = hashlib.md5(b"tq-conn pdf sample page two").hexdigest().encode()


def pages_doc(contents, flate=False):
    """Catalog, Pages, font, then one page + content object per page."""
    n = len(contents)
    kids = b" ".join(b"%d 0 R" % (4 + 2 * i) for i in range(n))
    objs = [b"<< /Type /Catalog /Pages 2 0 R >>",
            b"<< /Type /Pages /Kids [%s] /Count %d >>" % (kids, n),
            FONT]
    for i, c in enumerate(contents):
        objs.append(b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] "
                    b"/Resources << /Font << /F1 3 0 R >> >> "
                    b"/Contents %d 0 R >>" % (5 + 2 * i))
        objs.append(stream(c, flate))
    return pdf(objs)


def one_page():
    return pages_doc([text_ops([
        b"Threat report: C2 server at 185.220.101.47",
        b"Payload from hxxp://evil-update[.]com/a.exe",
        b"SHA-256 " + SHA256,
        b"Caf\xe9 r\xe9sum\xe9",  # WinAnsi e-acute: UTF-8 in the output
    ])])


def two_pages_flate():
    return pages_doc([
        text_ops([b"Page one: the dropper beacons to 45.153.160.2"]),
        text_ops([b"Page two: second stage at hxxps://cdn-sync[.]net/u",
                  b"MD5 " + MD5]),
    ], flate=True)


def image_only():
    """A page that paints a 2x2 grey image and a rectangle: no text."""
    img = stream(b"\x00\x80\x80\x00", extra=b" /Type /XObject /Subtype /Image"
                 b" /Width 2 /Height 2 /ColorSpace /DeviceGray"
                 b" /BitsPerComponent 8")
    content = stream(b"q 200 0 0 200 72 500 cm /Im1 Do Q\n"
                     b"0 0 1 rg 72 300 200 100 re f\n")
    return pdf([b"<< /Type /Catalog /Pages 2 0 R >>",
                b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
                b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] "
                b"/Resources << /XObject << /Im1 4 0 R >> >> "
                b"/Contents 5 0 R >>",
                img, content])


def garbage():
    """4 KiB of deterministic pseudo-random bytes, no PDF header."""
    out, h = bytearray(), b"garbage"
    while len(out) < 4096:
        h = hashlib.sha256(h).digest()
        out += h
    return bytes(out)


def truncated(whole):
    """The first half: a download cut in the middle of the content stream,
    no cross-reference table, no trailer."""
    return whole[:len(whole) // 2]


def main():
    whole = one_page()
    files = {
        "one-page.pdf": whole,
        "two-pages-flate.pdf": two_pages_flate(),
        "image-only.pdf": image_only(),
        "garbage.pdf": garbage(),
        "truncated.pdf": truncated(whole),
    }
    for name, data in files.items():
        with open(os.path.join(HERE, name), "wb") as f:
            f.write(data)
        print(name, len(data))
    print("SHA-256 in one-page.pdf:", SHA256.decode())
    print("MD5 in two-pages-flate.pdf:", MD5.decode())


if __name__ == "__main__":
    main()
