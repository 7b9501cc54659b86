"""The documentation against the code: every option --help lists is in the
.1 page's OPTIONS and the other way round; every configuration key the
parser knows (src/config.c's key table) is an item of its section in the
conf.5 page and the other way round; the example configuration has every
key of conf.5 with its default (packaging/check-example-config.py).
Usage: test_docs.py BINARY SOURCEDIR
"""
import importlib.machinery
import importlib.util
import os
import re
import subprocess
import sys
import unittest

BIN = None
SRC = None
NAME = "tq-conn-intel-mailbox-reports"


def read(*parts):
    with open(os.path.join(SRC, *parts)) as f:
        return f.read()


def man_section(text, title):
    """The lines of one .Sh section of an mdoc page."""
    out, inside = [], False
    for line in text.splitlines():
        if line.startswith(".Sh "):
            inside = line[4:].strip() == title
            continue
        if inside:
            out.append(line)
    return out


class Options(unittest.TestCase):
    def help_flags(self):
        r = subprocess.run([BIN, "--help"], capture_output=True, timeout=30)
        self.assertEqual(r.returncode, 0)
        text = r.stdout.decode()
        opts = text[text.index("options:"):text.index("Exit status")]
        flags = set()
        for line in opts.splitlines():
            # "  -ll LOGLOCATION, --loglocation LOGLOCATION   text"
            m = re.match(r"  (-[^ ].*?)(?:\s{2,}|$)", line)
            if m:
                flags |= set(re.findall(r"(?:^|, )(--?[\w-]+)", m.group(1)))
        return flags

    def man_flags(self):
        flags = set()
        for line in man_section(read("man", NAME + ".1"), "DESCRIPTION"):
            if line.startswith(".It Fl "):
                for f in re.findall(r"Fl (\\-[\w-]+|[\w-]+)", line):
                    flags.add("-" + f.replace("\\-", "-"))
        return flags

    def test_help_and_man_page_list_the_same_options(self):
        h, m = self.help_flags(), self.man_flags()
        self.assertGreater(len(h), 20)	# the parse above found them
        self.assertIn("--external-proxy", h)
        self.assertEqual(sorted(h - m), [], "in --help, not in the .1 page")
        self.assertEqual(sorted(m - h), [], "in the .1 page, not in --help")


class ConfigurationKeys(unittest.TestCase):
    def code_keys(self):
        src = read("src", "config.c")
        secs = dict(re.findall(r'\[(S_\w+)\] = "(\w+)"', src))
        keys = set()
        for sec, key in re.findall(r'\[K_\w+\] = \{(S_\w+), "(\w+)"\}', src):
            keys.add((secs[sec], key))
        return keys

    def man_keys(self):
        path = os.path.join(SRC, "packaging", "check-example-config.py")
        loader = importlib.machinery.SourceFileLoader("check_example", path)
        mod = importlib.util.module_from_spec(
            importlib.util.spec_from_loader("check_example", loader))
        loader.exec_module(mod)
        return set(mod.conf5_defaults(os.path.join(SRC, "man",
                                                   NAME + ".conf.5")))

    def test_parser_and_conf5_know_the_same_keys(self):
        c, m = self.code_keys(), self.man_keys()
        self.assertGreater(len(c), 30)	# the parse above found them
        self.assertIn(("mailbox", "oauth2_token_url"), c)
        self.assertEqual(sorted(c - m), [], "parsed, not in conf.5")
        self.assertEqual(sorted(m - c), [], "in conf.5, not parsed")

    def test_example_configuration_has_every_key_and_default(self):
        r = subprocess.run(
            [sys.executable,
             os.path.join(SRC, "packaging", "check-example-config.py"),
             os.path.join(SRC, "man", NAME + ".conf.5"),
             os.path.join(SRC, "packaging", NAME + ".ini.example")],
            capture_output=True, timeout=30)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)


if __name__ == "__main__":
    BIN = os.path.abspath(sys.argv[1])
    SRC = os.path.abspath(sys.argv[2])
    unittest.main(argv=[sys.argv[0], "-v"] + sys.argv[3:])
