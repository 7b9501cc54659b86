"""Digest splitting end to end: each sample in DATADIR/articles is run
through the binary (--eml NAME.eml --dry-run) and the reports of the plan
are compared with the hand-written NAME.expected.json.

Usage: test_articles.py BINARY DATADIR

Expectation format (written by reading the message, not by running the
program):
  {"reports": [{"title": str, "url": str or null,
                "description": [substrings], "indicators": [[type, value]]}],
   "absent": [substrings no report description may hold],
   "tlp": message TLP (optional),
   "top_indicators": [[type, value]] expected outside every article}
Every indicator listed for a report must be in that report and in no other
report, nor at the top level: the per-article split is what is tested.
"""
import json
import os
import subprocess
import sys
import tempfile
import unittest

BIN = None
DATA = None


def article_url(report):
    for a in report.get("attributes", []):
        if a.get("name") == "Article URL":
            return a.get("value")
    return None


def values(items):
    return {(i.get("type"), i.get("value")) for i in items}


class Articles(unittest.TestCase):
    def samples(self):
        d = os.path.join(DATA, "articles")
        names = sorted(n[:-4] for n in os.listdir(d) if n.endswith(".eml"))
        self.assertGreaterEqual(len(names), 8)
        return d, names

    def plan(self, path):
        with tempfile.TemporaryDirectory() as tmp:
            r = subprocess.run([BIN, "--eml", path, "--dry-run"], cwd=tmp,
                               stdin=subprocess.DEVNULL, capture_output=True,
                               timeout=60)
        self.assertEqual(r.returncode, 0, r.stderr.decode(errors="replace"))
        lines = r.stdout.decode().splitlines()
        self.assertEqual(len(lines), 1, r.stdout[:500])
        return json.loads(lines[0])

    def check(self, want, plan):
        reports = plan["reports"]
        self.assertEqual([r["title"] for r in reports],
                         [w["title"] for w in want["reports"]])
        for i, (w, r) in enumerate(zip(want["reports"], reports)):
            with self.subTest(report=i, title=w["title"]):
                self.assertEqual(article_url(r), w["url"])
                for s in w.get("description", []):
                    self.assertIn(s, r["description"])
                for s in want.get("absent", []):
                    self.assertNotIn(s, r["description"])
                got = values(r["indicators"])
                for t, v in w.get("indicators", []):
                    self.assertIn((t, v), got)
                    # In its own article only.
                    for j, other in enumerate(reports):
                        if j != i:
                            self.assertNotIn(v, {x[1] for x in
                                                 values(other["indicators"])},
                                             "also in report %d" % j)
                    self.assertNotIn(v, {x[1] for x in
                                         values(plan["indicators"])},
                                     "also at the top level")
        top = values(plan["indicators"])
        for t, v in want.get("top_indicators", []):
            self.assertIn((t, v), top)
        if "tlp" in want:
            self.assertEqual(plan["message"]["tlp"], want["tlp"])

    def test_each_sample(self):
        d, names = self.samples()
        for name in names:
            with self.subTest(sample=name):
                with open(os.path.join(d, name + ".expected.json")) as f:
                    want = json.load(f)
                self.check(want, self.plan(os.path.join(d, name + ".eml")))

    def test_expectations_are_complete(self):
        d, names = self.samples()
        for name in names:
            with open(os.path.join(d, name + ".expected.json")) as f:
                want = json.load(f)
            self.assertTrue(want["reports"], name)
            for w in want["reports"]:
                self.assertEqual(set(w) - {"title", "url", "description",
                                           "indicators"}, set(), name)


if __name__ == "__main__":
    BIN = os.path.abspath(sys.argv[1])
    DATA = os.path.abspath(sys.argv[2])
    unittest.main(argv=[sys.argv[0], "-v"] + sys.argv[3:])
