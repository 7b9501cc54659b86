#!/usr/bin/env python3
"""Check packaging/*.ini.example against the conf.5 page: the same keys in
each section, each with the documented default (first word; empty for none).
Usage: check-example-config.py CONF.5 EXAMPLE.ini; used by scripts/package
and tests/integration/test_docs.py (which imports conf5_defaults)."""
import re
import sys


def conf5_defaults(man):
    """{(section, key): default} of the keys the conf.5 page documents,
    the default its first word ('' for none)."""
    doc, sec, items = {}, None, []
    for l in open(man).read().splitlines():
        m = re.match(r'\.Ss The \\&\[(\w+)\\&\] section', l)
        if m:
            sec = m.group(1)
            continue
        if l.startswith('.Ss') or l.startswith('.Sh'):
            sec = None
            continue
        if sec and l.startswith('.It Ic '):
            names = [p.split()[0] for p in
                     re.split(r',\s*(?:Ic\s+)?', l[len('.It Ic '):])]
            items.append((sec, names, []))
        elif sec and l.startswith('.El'):
            sec = None
        elif sec and items:
            items[-1][2].append(l)
    for sec, names, body in items:
        text = ' '.join(body)
        m = re.search(r'Default:\s*(?:\.(?:Cm|Pa)\s+)?([^\s,]+)', text)
        val = m.group(1).rstrip('.') if m else ''
        if val == 'none' or not m:
            val = ''
        for n in names:
            doc[(sec, n)] = val
    return doc


def main(man, ex):
    doc = conf5_defaults(man)
    have = {}
    sec = None
    for l in open(ex).read().splitlines():
        m = re.match(r'\[(\w+)\]$', l)
        if m:
            sec = m.group(1)
            continue
        m = re.match(r'# ([a-z0-9_]+) =\s*(.*)$', l)
        if m and sec:
            have[(sec, m.group(1))] = m.group(2).split()[0] if m.group(2) else ''
    bad = 0
    for k in sorted(set(doc) | set(have)):
        if k not in have:
            print('%s: [%s] %s is not in the example' % (ex, *k)); bad = 1
        elif k not in doc:
            print('%s: [%s] %s is not in %s' % (ex, k[0], k[1], man)); bad = 1
        elif doc[k] != have[k]:
            print('%s: [%s] %s = %r, %s says %r' % (ex, k[0], k[1], have[k], man, doc[k])); bad = 1
    return bad


if __name__ == '__main__':
    sys.exit(main(sys.argv[1], sys.argv[2]))
