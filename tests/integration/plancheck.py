"""Match a plan (dry-run JSON) against a hand-written expectation.

Rules are described in tests/data/README.md.  match() returns a list of
human-readable differences; empty means the plan matches.
"""


def _ioc_key(item):
    return (item.get("type"), item.get("value"))


def match(expected, actual, path="$"):
    diffs = []
    if isinstance(expected, dict) and ("$contains" in expected or
                                       "$absent" in expected):
        if not isinstance(actual, str):
            return ["%s: expected a string, got %r" % (path, actual)]
        for s in expected.get("$contains", []):
            if s not in actual:
                diffs.append("%s: %r does not contain %r" % (path, actual[:200], s))
        for s in expected.get("$absent", []):
            if s in actual:
                diffs.append("%s: %r must not contain %r" % (path, actual[:200], s))
        return diffs
    if isinstance(expected, dict) and "$includes" in expected:
        if not isinstance(actual, list):
            return ["%s: expected a list, got %r" % (path, actual)]
        for want in expected["$includes"]:
            if not any(not match(want, got) for got in actual):
                diffs.append("%s: no element matches %r in %r" % (path, want, actual))
        return diffs
    if isinstance(expected, dict):
        if not isinstance(actual, dict):
            return ["%s: expected an object, got %r" % (path, actual)]
        for k, v in expected.items():
            if k not in actual:
                diffs.append("%s.%s: missing" % (path, k))
            else:
                diffs += match(v, actual[k], "%s.%s" % (path, k))
        return diffs
    if isinstance(expected, list):
        if not isinstance(actual, list):
            return ["%s: expected a list, got %r" % (path, actual)]
        if path.endswith(".indicators"):
            want = sorted(map(_ioc_key, expected), key=repr)
            got = sorted(map(_ioc_key, actual), key=repr)
            if want != got:
                missing = [w for w in want if w not in got]
                extra = [g for g in got if g not in want]
                diffs.append("%s: missing %r, unexpected %r" % (path, missing, extra))
            return diffs
        if len(expected) != len(actual):
            return ["%s: %d elements expected, %d found" % (path, len(expected), len(actual))]
        for i, (e, a) in enumerate(zip(expected, actual)):
            diffs += match(e, a, "%s[%d]" % (path, i))
        return diffs
    if expected != actual:
        diffs.append("%s: expected %r, got %r" % (path, expected, actual))
    return diffs


def check_shape(plan):
    """The plan format of the man page: keys and types every plan has."""
    diffs = []
    for key, typ in (("message", dict), ("file", dict), ("reports", list),
                     ("attachments", list), ("indicators", list)):
        if not isinstance(plan.get(key), typ):
            diffs.append("%s: missing or not a %s" % (key, typ.__name__))
    if diffs:
        return diffs
    for key in ("uid", "message_id", "subject", "from", "date", "tlp", "sha256", "size"):
        if key not in plan["message"]:
            diffs.append("message.%s missing" % key)
    for key in ("name", "type", "title", "attributes"):
        if key not in plan["file"]:
            diffs.append("file.%s missing" % key)
    for i, r in enumerate(plan["reports"]):
        for key in ("title", "description", "published_at", "attributes", "indicators"):
            if key not in r:
                diffs.append("reports[%d].%s missing" % (i, key))
    for i, a in enumerate(plan["attachments"]):
        for key in ("name", "type", "sha256", "size", "indicators"):
            if key not in a:
                diffs.append("attachments[%d].%s missing" % (i, key))
    return diffs
