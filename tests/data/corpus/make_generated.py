#!/usr/bin/env python3
"""Write the corpus messages that carry generated binary parts:
35-isac-pdf-report.eml (a real PDF report, built with
tests/data/pdf/make_pdfs.py) and 36-forward-of-forward.eml (a phish
forwarded inside a forward).  The .expected.json files beside them are
written by hand, from the text below, not from the program's output.

Run: python3 tests/data/corpus/make_generated.py
"""
import base64
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "pdf"))
import make_pdfs  # noqa: E402


def b64(data):
    s = base64.b64encode(data).decode()
    return "\r\n".join(s[i:i + 76] for i in range(0, len(s), 76))


def pdf_report():
    return make_pdfs.pages_doc([
        make_pdfs.text_ops([
            b"Sector report week 48 - TLP:GREEN",
            b"The loader beacons to 193.42.33.14 over TLS.",
            b"Second stage: hxxps://files-cdn-sync[.]net/stage2.bin",
            b"Internal test host 10.12.0.7 is not an indicator.",
            b"Agent version 3.14.159.26 was in use.",
        ]),
        make_pdfs.text_ops([
            b"Dropper SHA-256:",
            b"9f2b6c1e4d7a8b0c3e5f6a7b8c9d0e1f2a3b4c5d6e7f8091a2b3c4d5e6f70819",
            b"Operator mailbox: ops.desk[at]proton-relay[.]org",
        ]),
    ], flate=True)


def isac_pdf():
    body = ("From: Manufacturing ISAO <share@mfg-isao.example>\r\n"
            "To: intel@soc.acme.example\r\n"
            "Subject: Weekly sector report (PDF) TLP:GREEN\r\n"
            "Date: Tue, 01 Dec 2026 08:00:00 +0000\r\n"
            "Message-ID: <wk48@mfg-isao.example>\r\n"
            "MIME-Version: 1.0\r\n"
            "Content-Type: multipart/mixed; boundary=\"pdf-b\"\r\n"
            "\r\n"
            "--pdf-b\r\n"
            "Content-Type: text/plain; charset=utf-8\r\n"
            "\r\n"
            "TLP:GREEN\r\n"
            "Members, this week's report is attached as a PDF.\r\n"
            "\r\n"
            "--pdf-b\r\n"
            "Content-Type: application/pdf; name=\"sector-report-wk48.pdf\"\r\n"
            "Content-Disposition: attachment; filename=\"sector-report-wk48.pdf\"\r\n"
            "Content-Transfer-Encoding: base64\r\n"
            "\r\n" + b64(pdf_report()) + "\r\n"
            "--pdf-b--\r\n")
    return body


def forward_of_forward():
    phish = ("Return-Path: <payroll@hr-notice-center.com>\r\n"
             "Received: from mail.hr-notice-center.com (unknown [91.92.240.17])"
             " by mx.acme.example (Postfix) with ESMTP id 1A2B\r\n"
             "From: HR Notice <payroll@hr-notice-center.com>\r\n"
             "Reply-To: hr.update@fastmail-inbox.net\r\n"
             "To: j.doe@acme.example\r\n"
             "Subject: Salary adjustment letter\r\n"
             "Date: Mon, 30 Nov 2026 07:12:00 +0000\r\n"
             "Message-ID: <x91@hr-notice-center.com>\r\n"
             "MIME-Version: 1.0\r\n"
             "Content-Type: text/html; charset=utf-8\r\n"
             "\r\n"
             "<p>Please review your letter at "
             "<a href=\"https://hr-notice-center.com/letter?u=jdoe\">"
             "the HR portal</a>.</p>\r\n")
    middle = ("From: John Doe <j.doe@acme.example>\r\n"
              "To: it-helpdesk@acme.example\r\n"
              "Subject: Fwd: Salary adjustment letter\r\n"
              "Date: Mon, 30 Nov 2026 08:00:00 +0000\r\n"
              "MIME-Version: 1.0\r\n"
              "Content-Type: multipart/mixed; boundary=\"mid-b\"\r\n"
              "\r\n"
              "--mid-b\r\n"
              "Content-Type: text/plain; charset=utf-8\r\n"
              "\r\n"
              "Is this real?\r\n"
              "\r\n"
              "--mid-b\r\n"
              "Content-Type: message/rfc822\r\n"
              "\r\n" + phish + "\r\n"
              "--mid-b--\r\n")
    outer = ("From: Helpdesk <it-helpdesk@acme.example>\r\n"
             "To: phish-report@acme.example\r\n"
             "Subject: Fwd: Fwd: Salary adjustment letter\r\n"
             "Date: Mon, 30 Nov 2026 09:00:00 +0000\r\n"
             "Message-ID: <fwd2@acme.example>\r\n"
             "MIME-Version: 1.0\r\n"
             "Content-Type: multipart/mixed; boundary=\"out-b\"\r\n"
             "\r\n"
             "--out-b\r\n"
             "Content-Type: text/plain; charset=utf-8\r\n"
             "\r\n"
             "TLP:AMBER\r\n"
             "User report passed on by the helpdesk.\r\n"
             "\r\n"
             "--out-b\r\n"
             "Content-Type: message/rfc822; name=\"report.eml\"\r\n"
             "Content-Disposition: attachment; filename=\"report.eml\"\r\n"
             "\r\n" + middle + "\r\n"
             "--out-b--\r\n")
    return outer


def main():
    for name, text in (("35-isac-pdf-report.eml", isac_pdf()),
                       ("36-forward-of-forward.eml", forward_of_forward())):
        with open(os.path.join(HERE, name), "w", newline="") as f:
            f.write(text)
        print(name, len(text))


if __name__ == "__main__":
    main()
