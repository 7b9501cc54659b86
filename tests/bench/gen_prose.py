#!/usr/bin/env python3
"""Write SIZE bytes of threat-report prose with sparse indicators, the input
of the IoC throughput benchmark (tests/bench/run).  Deterministic: a fixed
seed gives the same bytes on every machine.

About one indicator per 1.5 KB, half of them defanged (hxxp, [.], (.),
[at], [:]), among the things that make extraction hard in real reports:
sentences ending in full stops, version numbers, times, decimal figures,
e.g./i.e., file names, legitimate links and addresses, hex colour codes,
and long tables of numbers.

Usage: gen_prose.py OUT [SIZE_MB] [SEED]
"""
import random
import sys

WORDS = (
    "the actor campaign operators deployed a loader that fetched second "
    "stage payloads from compromised infrastructure and used scheduled "
    "tasks for persistence while defenders observed lateral movement "
    "through remote services credential dumping and data staging before "
    "exfiltration over encrypted channels the group has targeted energy "
    "finance healthcare and government sectors since at least with spear "
    "phishing lures themed around invoices shipping notices and job offers "
    "analysts assess with moderate confidence that the activity overlaps "
    "with previously reported clusters based on code similarity shared "
    "certificates and infrastructure reuse organisations should review "
    "logs for the indicators below apply vendor patches and monitor for "
    "anomalous authentication events").split()

TLDS = ["com", "net", "org", "ru", "cn", "info", "xyz", "top", "io", "biz"]
LEGIT = ["https://www.cisa.gov/news-events/alerts",
         "https://learn.microsoft.com/en-us/security",
         "https://attack.mitre.org/techniques/T1059/001/",
         "contact us at soc@cert.example.org", "see www.first.org/tlp/"]
FILLERS = [
    "version 2.4.1 of the tool", "at 10:42:07 UTC", "about 3.5 million",
    "e.g. the loader", "i.e. the dropper", "figure 4.2 shows", "v1.0.3",
    "setup.exe and update.dll", "colour #1a2b3c", "Windows 10.0.19045",
    "on 2024-03-14", "port 443/tcp", "section 3.1.2", "CVSS 9.8",
    "rundll32.exe", "the file report.pdf", "1,024 hosts", "99.9% of",
]


def rnd_host(r):
    n = r.randint(1, 2)
    labels = ["".join(r.choice("abcdefghijklmnopqrstuvwxyz0123456789")
                      for _ in range(r.randint(4, 12))) for _ in range(n)]
    return ".".join(labels) + "." + r.choice(TLDS)


def rnd_ip(r):
    return "%d.%d.%d.%d" % (r.randint(1, 223), r.randint(0, 255),
                            r.randint(0, 255), r.randint(1, 254))


def defang(s, r):
    s = s.replace("http", "hxxp", 1)
    return s.replace(".", r.choice(["[.]", "(.)", "[dot]"]))


def indicator(r):
    k = r.randrange(9)
    if k == 0:
        v = rnd_ip(r)
    elif k == 1:
        v = rnd_host(r)
    elif k == 2:
        v = "http://%s/%s/%s.php" % (rnd_host(r), r.choice(
            ["wp-content", "gate", "api", "static"]), r.choice(
            ["index", "load", "c2", "upd"]))
    elif k == 3:
        v = "%032x" % r.getrandbits(128)
    elif k == 4:
        v = "%064x" % r.getrandbits(256)
    elif k == 5:
        v = "CVE-%d-%d" % (r.randint(2015, 2026), r.randint(1000, 49999))
    elif k == 6:
        v = "%s@%s" % (r.choice(["billing", "hr", "admin", "noreply"]),
                       rnd_host(r))
    elif k == 7:
        v = "%040x" % r.getrandbits(160)
    else:
        v = "HKEY_CURRENT_USER\\Software\\Microsoft\\Windows\\" \
            "CurrentVersion\\Run\\%s" % r.choice(["upd", "svc", "helper"])
    if k in (0, 1, 2, 6) and r.random() < 0.5:
        v = defang(v, r).replace("@", "[at]")
    return v


def sentence(r):
    n = r.randint(8, 24)
    words = [r.choice(WORDS) for _ in range(n)]
    if r.random() < 0.35:
        words.insert(r.randrange(len(words)), r.choice(FILLERS))
    if r.random() < 0.05:
        words.insert(r.randrange(len(words)), r.choice(LEGIT))
    s = " ".join(words)
    return s[0].upper() + s[1:] + r.choice([".", ".", ".", ";", ":"])


def main():
    out = sys.argv[1]
    size = int(float(sys.argv[2]) * 1024 * 1024) if len(sys.argv) > 2 \
        else 64 * 1024 * 1024
    seed = int(sys.argv[3]) if len(sys.argv) > 3 else 20261203
    r = random.Random(seed)
    written = 0
    since = 0
    with open(out, "w", encoding="ascii", newline="\n") as f:
        while written < size:
            para = []
            for _ in range(r.randint(3, 8)):
                para.append(sentence(r))
                since += len(para[-1])
                if since > 1500:
                    para.append("Indicator: %s." % indicator(r))
                    since = 0
            if r.random() < 0.05:   # a table of figures
                para.append("\n".join("%d  %d.%d  %d:%02d  %s" % (
                    r.randint(1, 9999), r.randint(0, 99), r.randint(0, 9),
                    r.randint(0, 23), r.randint(0, 59),
                    r.choice(WORDS)) for _ in range(r.randint(5, 20))))
            text = " ".join(para) + "\n\n"
            if written + len(text) > size:
                text = text[:size - written]
            f.write(text)
            written += len(text)


if __name__ == "__main__":
    main()
