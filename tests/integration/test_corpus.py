#!/usr/bin/env python3
"""Corpus quality measurement: every message in DATADIR/corpus is run
through the binary (--eml NAME.eml --dry-run) and its plan is compared with
the hand-written NAME.expected.json (tests/data/corpus/README.md).

Usage: test_corpus.py BINARY DATADIR

Instead of stopping at the first difference it prints every mismatch, a
per-IoC-type precision/recall table and an article-split table per layout.
It fails when the binary crashes or gives no plan for a message, when a
message's TLP differs from the expected one, or when the overall precision,
recall or share of correctly split messages falls below the thresholds.
"""
import json
import os
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import plancheck  # noqa: E402

MIN_PRECISION = 0.90
MIN_RECALL = 0.80
MIN_SPLIT = 0.95  # share of messages whose report titles are all right


def run_plan(binary, path, tmp):
    r = subprocess.run([binary, "--eml", path, "--dry-run"], cwd=tmp,
                       stdin=subprocess.DEVNULL, capture_output=True, timeout=120)
    err = r.stderr.decode(errors="replace")
    if r.returncode < 0 or r.returncode not in (0, 1):
        return None, "exit status %d: %s" % (r.returncode, err[-1000:])
    if "Sanitizer" in err or "runtime error" in err:
        return None, "sanitizer report: %s" % err[-1000:]
    lines = [l for l in r.stdout.decode(errors="replace").splitlines() if l.strip()]
    if len(lines) != 1:
        return None, "%d plan lines (exit %d): %s" % (len(lines), r.returncode, err[-1000:])
    try:
        return json.loads(lines[0]), None
    except ValueError as e:
        return None, "bad JSON: %s" % e


def triples(doc, by_index):
    """(scope, type, value) for every indicator of a plan or expectation.
    Attachments are scoped by name; reports by position when the plan has
    as many reports as expected (a title that differs only in form then
    does not count its indicators twice: the split table reports it), else
    by title."""
    out = set()
    for n, r in enumerate(doc.get("reports", [])):
        key = ("report", n) if by_index else ("report", r.get("title"))
        for i in r.get("indicators", []):
            out.add((key, i.get("type"), i.get("value")))
    for a in doc.get("attachments", []):
        for i in a.get("indicators", []):
            out.add((("attachment", a.get("name")), i.get("type"), i.get("value")))
    for i in doc.get("indicators", []):
        out.add((("top",), i.get("type"), i.get("value")))
    return out


def iterate_indicators(doc):
    """(scope, indicator object) for every indicator of a plan."""
    for n, r in enumerate(doc.get("reports", [])):
        for i in r.get("indicators", []):
            yield ("report", n), i
    for a in doc.get("attachments", []):
        for i in a.get("indicators", []):
            yield ("attachment", a.get("name")), i
    for i in doc.get("indicators", []):
        yield ("top",), i


def ratio(a, b):
    return a / b if b else 1.0


def main():
    if len(sys.argv) != 3:
        sys.stderr.write("usage: test_corpus.py BINARY DATADIR\n")
        return 64
    binary = os.path.abspath(sys.argv[1])
    cdir = os.path.join(os.path.abspath(sys.argv[2]), "corpus")
    names = sorted(n[:-4] for n in os.listdir(cdir) if n.endswith(".eml"))
    hard = []            # crashes, missing plans, missing expectations
    mismatches = {}      # name -> [diff]
    per_type = {}        # type -> [tp, fp, fn]
    loose = [0, 0, 0]    # scope ignored: tp, fp, fn
    split = {}           # layout -> [correct, total, [wrong names]]
    tlp_wrong = []       # messages whose TLP differs
    reserved = set()     # indicators the plan marks "Reserved"
    with tempfile.TemporaryDirectory(prefix="tqcorpus.") as tmp:
        for name in names:
            exp_path = os.path.join(cdir, name + ".expected.json")
            if not os.path.exists(exp_path):
                hard.append("%s: no %s.expected.json" % (name, name))
                continue
            with open(exp_path, encoding="utf-8") as f:
                want = json.load(f)
            layout = want.get("_layout", "other")
            want = {k: v for k, v in want.items() if not k.startswith("_")}
            plan, err = run_plan(binary, os.path.join(cdir, name + ".eml"), tmp)
            if plan is None:
                hard.append("%s: %s" % (name, err))
                continue
            diffs = plancheck.check_shape(plan) + plancheck.match(want, plan)
            if diffs:
                mismatches[name] = diffs
            wt = want.get("message", {}).get("tlp")
            gt = plan.get("message", {}).get("tlp")
            if wt is not None and wt != gt:
                tlp_wrong.append("%s: TLP %s expected, %s found" % (name, wt, gt))
            for i, ind in iterate_indicators(plan):
                if any(a.get("name") == "Reserved" for a in ind.get("attributes", [])):
                    reserved.add((name, i, ind.get("type"), ind.get("value")))
            same = len(want.get("reports", [])) == len(plan.get("reports", []))
            w, g = triples(want, same), triples(plan, same)
            for t in {x[1] for x in w | g}:
                c = per_type.setdefault(t, [0, 0, 0])
                ws = {x for x in w if x[1] == t}
                gs = {x for x in g if x[1] == t}
                c[0] += len(ws & gs)
                c[1] += len(gs - ws)
                c[2] += len(ws - gs)
            lw = {x[1:] for x in w}
            lg = {x[1:] for x in g}
            loose[0] += len(lw & lg)
            loose[1] += len(lg - lw)
            loose[2] += len(lw - lg)
            s = split.setdefault(layout, [0, 0, []])
            s[1] += 1
            if [r["title"] for r in want.get("reports", [])] == \
               [r.get("title") for r in plan.get("reports", [])]:
                s[0] += 1
            else:
                s[2].append(name)

    print("corpus: %d messages in %s" % (len(names), cdir))
    print()
    print("Mismatches (%d messages):" % len(mismatches))
    for name in sorted(mismatches):
        print("  %s" % name)
        for d in mismatches[name]:
            print("    - %s" % d)
    print()
    print("Indicators, per (report/attachment/top-level, type, value):")
    print("  %-14s %5s %5s %5s %9s %7s" % ("type", "TP", "FP", "FN", "precision", "recall"))
    tot = [0, 0, 0]
    for t in sorted(per_type):
        tp, fp, fn = per_type[t]
        tot = [tot[0] + tp, tot[1] + fp, tot[2] + fn]
        print("  %-14s %5d %5d %5d %9.3f %7.3f" % (t, tp, fp, fn, ratio(tp, tp + fp), ratio(tp, tp + fn)))
    precision = ratio(tot[0], tot[0] + tot[1])
    recall = ratio(tot[0], tot[0] + tot[2])
    print("  %-14s %5d %5d %5d %9.3f %7.3f" % ("OVERALL", tot[0], tot[1], tot[2], precision, recall))
    print("  (scope ignored: precision %.3f, recall %.3f)" %
          (ratio(loose[0], loose[0] + loose[1]), ratio(loose[0], loose[0] + loose[2])))
    # Default "reserved_indicators = mark" keeps private/documentation
    # values with a "Reserved" attribute: counted as false positives above;
    # with "drop" they would not be there.
    print("  marked Reserved: %d (precision without them, as with "
          "reserved_indicators = drop: %.3f)" %
          (len(reserved), ratio(tot[0], tot[0] + max(0, tot[1] - len(reserved)))))
    print()
    print("Articles split correctly (report titles equal the expected list):")
    print("  %-18s %7s %5s  %s" % ("layout", "correct", "total", "wrong"))
    sc = [0, 0]
    for lay in sorted(split):
        c, n, wrong = split[lay]
        sc = [sc[0] + c, sc[1] + n]
        print("  %-18s %7d %5d  %s" % (lay, c, n, " ".join(wrong)))
    print("  %-18s %7d %5d" % ("OVERALL", sc[0], sc[1]))
    print()
    print("Thresholds: precision >= %.2f, recall >= %.2f, split >= %.2f" %
          (MIN_PRECISION, MIN_RECALL, MIN_SPLIT))
    failed = False
    if hard:
        failed = True
        print("FAIL: messages without a plan:")
        for h in hard:
            print("  - %s" % h)
    split_ok = ratio(sc[0], sc[1])
    if split_ok < MIN_SPLIT:
        failed = True
        print("FAIL: articles split correctly in %.3f < %.2f of messages" %
              (split_ok, MIN_SPLIT))
    if tlp_wrong:
        failed = True
        print("FAIL: message TLP differs:")
        for t in tlp_wrong:
            print("  - %s" % t)
    if precision < MIN_PRECISION:
        failed = True
        print("FAIL: precision %.3f < %.2f" % (precision, MIN_PRECISION))
    if recall < MIN_RECALL:
        failed = True
        print("FAIL: recall %.3f < %.2f" % (recall, MIN_RECALL))
    print("FAIL" if failed else "PASS")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
